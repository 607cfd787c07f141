"""A small FastAPI app with a concatenated SQL login (sync and async endpoints)."""

from __future__ import annotations

import sqlite3

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, RedirectResponse
from pydantic import BaseModel


class Login(BaseModel):
    email: str
    password: str


def create_app(db_path: str) -> FastAPI:
    db = sqlite3.connect(db_path)
    db.executescript(
        "DROP TABLE IF EXISTS users; CREATE TABLE users (email TEXT, password TEXT, name TEXT);"
        "INSERT INTO users VALUES ('alice@example.com', 'wonderland', 'Alice');"
    )
    db.commit()
    db.close()
    app = FastAPI()

    def find(email: str, password: str):
        conn = sqlite3.connect(db_path)
        try:
            # VULNERABLE on purpose: concatenated SQL.
            return conn.execute(
                "SELECT name FROM users WHERE email = '" + email + "' AND password = '" + password + "'"
            ).fetchone()
        finally:
            conn.close()

    @app.get("/")
    async def index():
        return {"ok": True}

    @app.post("/login")
    def login(body: Login):  # sync: runs in the thread pool
        row = find(body.email, body.password)
        return {"name": row[0] if row else None}

    @app.post("/raw-login")
    async def raw_login(request: Request):  # async, reads the body itself
        data = await request.json()
        row = find(data["email"], data["password"])
        return {"name": row[0] if row else None}

    @app.get("/users/{email}")
    def user(email: str, verbose: bool = False):
        try:
            row = find(email, "") if not verbose else None
        except Exception:
            return {"error": "lookup failed"}
        return {"found": row is not None}

    @app.get("/go")
    async def go(next: str = "/"):  # noqa: A002 -- the query parameter's name
        return RedirectResponse(next, status_code=302)

    @app.get("/lang")
    async def lang(lang: str = "en"):
        # Starlette does not refuse line breaks in header values: the middleware does.
        return PlainTextResponse("ok", headers={"Content-Language": lang})

    return app
