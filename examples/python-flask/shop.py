"""A small Flask shop, deliberately vulnerable: its login and product search build SQL
by string concatenation, its ping tool pastes the host into a shell command, its
download trusts the file name and its link preview fetches any URL. rampart protects
it without a code change (see app.py)."""

from __future__ import annotations

import html
import os
import sqlite3
import subprocess
import tempfile
import urllib.request

from flask import Flask, g, jsonify, request

FILES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "files")

PRODUCTS = [
    ("Rust mug", "kitchen", 1200),
    ("Ferris plush", "toys", 2500),
    ("Python sticker", "stationery", 300),
    ("Mechanical keyboard", "electronics", 9800),
    ("お茶 (green tea)", "kitchen", 800),
]
USERS = [
    ("alice@example.com", "wonderland", "Alice"),
    ("bob@example.com", "builder", "Bob"),
]


def init_db(path: str) -> None:
    db = sqlite3.connect(path)
    db.executescript(
        """
        DROP TABLE IF EXISTS products; DROP TABLE IF EXISTS users;
        CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT, category TEXT, price INTEGER);
        CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE, password TEXT, name TEXT);
        """
    )
    db.executemany("INSERT INTO products (name, category, price) VALUES (?, ?, ?)", PRODUCTS)
    db.executemany("INSERT INTO users (email, password, name) VALUES (?, ?, ?)", USERS)
    db.commit()
    db.close()


def page(title: str, body: str) -> str:
    head = f"<meta charset='utf-8'><title>{html.escape(title)}</title>"
    return f"<!doctype html><html><head>{head}</head><body>{body}</body></html>"


def product_list(rows) -> str:
    items = "".join(
        f"<li>{html.escape(name)} ({html.escape(category)}): {price / 100:.2f}</li>" for name, category, price in rows
    )
    return f"<ul>{items}</ul>"


def create_app(db_path: str | None = None) -> Flask:
    if db_path is None:
        db_path = os.path.join(tempfile.mkdtemp(prefix="rampart-shop-"), "shop.db")
    init_db(db_path)
    app = Flask(__name__)

    def db() -> sqlite3.Connection:
        if "db" not in g:
            g.db = sqlite3.connect(db_path)
        return g.db

    @app.teardown_appcontext
    def close_db(_exc: BaseException | None) -> None:
        conn = g.pop("db", None)
        if conn is not None:
            conn.close()

    @app.get("/")
    def index() -> str:
        rows = db().execute("SELECT name, category, price FROM products ORDER BY id").fetchall()
        return page("Shop", "<h1>Shop</h1>" + product_list(rows))

    @app.get("/search")
    def search():
        q = request.args.get("q", "")
        try:
            # VULNERABLE: the search term is pasted into the SQL text.
            rows = (
                db()
                .execute("SELECT name, category, price FROM products WHERE name LIKE '%" + q + "%' ORDER BY id")
                .fetchall()
            )
        except Exception:  # the app's own error page, whatever went wrong
            return page("Search", "<p>Search failed.</p>"), 500
        return page("Search", f"<h1>Results for {html.escape(q)}</h1>" + product_list(rows))

    @app.get("/category/<name>")
    def category(name: str):
        # VULNERABLE: a path parameter pasted into the SQL text.
        rows = db().execute(f"SELECT name, category, price FROM products WHERE category = '{name}'").fetchall()
        return page(name, product_list(rows))

    @app.get("/products/<int:product_id>")
    def product(product_id: int):
        row = db().execute("SELECT name, category, price FROM products WHERE id = ?", (product_id,)).fetchone()
        if row is None:
            return page("Not found", "<p>No such product.</p>"), 404
        return page(row[0], product_list([row]))

    def login_query(email: str, password: str):
        # VULNERABLE: the classic concatenated login.
        sql = "SELECT name FROM users WHERE email = '" + email + "' AND password = '" + password + "'"
        return db().execute(sql).fetchone()

    @app.post("/login")
    def login():
        row = login_query(request.form.get("email", ""), request.form.get("password", ""))
        if row is None:
            return page("Login", "<p>Invalid credentials.</p>"), 401
        return page("Login", f"<p>Welcome, {html.escape(row[0])}!</p>")

    @app.post("/api/login")
    def api_login():
        data = request.get_json(force=True, silent=True) or {}
        row = login_query(str(data.get("email", "")), str(data.get("password", "")))
        if row is None:
            return jsonify(ok=False), 401
        return jsonify(ok=True, name=row[0])

    @app.get("/tools/ping")
    @app.get("/ping")
    def ping():
        host = request.args.get("host", "")
        # VULNERABLE: the host is pasted into a shell command.
        done = subprocess.run(f"ping -c 1 -W 1 {host}", shell=True, capture_output=True, text=True, timeout=5)
        return jsonify(host=host, ok=done.returncode == 0, output=done.stdout + done.stderr)

    @app.get("/download")
    def download():
        name = request.args.get("name", "")
        # VULNERABLE: the name is pasted into the path.
        try:
            with open(f"{FILES_DIR}/{name}", "rb") as file:
                data = file.read()
        except OSError:
            return jsonify(error="no such file"), 404
        return data, 200, {"Content-Type": "text/plain; charset=utf-8"}

    @app.get("/preview")
    def preview():
        url = request.args.get("url", "")
        # VULNERABLE: fetches whatever URL it is given.
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                text = answer.read(200).decode("utf-8", "replace")
                status = answer.status
        except Exception:  # the app's own answer, whatever went wrong
            return jsonify(url=url, error="could not fetch the page"), 502
        return jsonify(url=url, status=status, preview=text)

    return app
