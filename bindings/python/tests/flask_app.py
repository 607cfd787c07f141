"""The test scenario's Flask app (see scenario.py): every endpoint makes its classic
mistake on purpose."""

from __future__ import annotations

import subprocess
import urllib.request

from flask import Flask, jsonify, redirect, request
from scenario import Site, login, ping_command


def create_app(site: Site) -> Flask:
    app = Flask(__name__)

    @app.post("/login")
    def do_login():
        name = login(site.db, request.form.get("email", ""), request.form.get("password", ""))
        if name is None:
            return "<p>Invalid credentials.</p>", 401
        return f"<p>Welcome, {name}!</p>"

    @app.get("/ping")
    def ping():
        host = request.args.get("host", "")
        done = subprocess.run(ping_command(host), shell=True, capture_output=True, text=True, timeout=10)
        return jsonify(host=host, output=done.stdout)

    @app.get("/download")
    def download():
        try:
            with open(f"{site.files}/{request.args.get('name', '')}", encoding="utf-8") as file:
                return file.read(), 200, {"Content-Type": "text/plain; charset=utf-8"}
        except FileNotFoundError:
            return "no such file", 404

    @app.get("/preview")
    def preview():
        url = request.args.get("url") or site.metadata + request.args.get("page", "/")
        with urllib.request.urlopen(url, timeout=10) as answer:
            return jsonify(url=url, preview=answer.read(200).decode("utf-8", "replace"))

    @app.get("/go")
    def go():
        return redirect(request.args.get("next", "/"))

    @app.get("/lang")
    def lang():
        return "<p>ok</p>", 200, {"Content-Language": request.args.get("lang", "en")}

    return app
