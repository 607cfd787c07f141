"""One attack scenario, played against every test app (Flask, Django): a SQLite login
that concatenates SQL, a ping tool that shells out, a file download, a URL preview, a
redirect after login and a language header. Each app implements the same endpoints;
this module holds the requests, what they must do, and a loopback server standing in
for a cloud metadata endpoint (the SSRF target is 127.0.0.1, served here)."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, Iterator, List, NamedTuple, Optional, Tuple

from servers import request

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
BLOCK_PAGE = re.compile(r"<h1>リクエストはブロックされました</h1><p>id=([0-9a-f]{32})</p>")
q = urllib.parse.quote


class Site:
    """Where an app keeps its state: the SQLite file, the download directory (with a
    secret beside it), the ping marker, and the metadata stand-in's address."""

    def __init__(self, root: Path, metadata_port: int) -> None:
        self.root = root
        self.db = str(root / "app.sqlite3")
        self.files = root / "files"
        self.marker = root / "pwned"
        self.metadata = f"http://127.0.0.1:{metadata_port}"
        self.files.mkdir(parents=True, exist_ok=True)
        (self.files / "opening-hours.txt").write_text("Opening hours: Mon-Fri 9:00-18:00\n")
        (root / "secret.txt").write_text("db_password=hunter2\n")
        db = sqlite3.connect(self.db)
        db.executescript(
            "DROP TABLE IF EXISTS users; CREATE TABLE users (email TEXT, password TEXT, name TEXT);"
            "INSERT INTO users VALUES ('alice@example.com', 'wonderland', 'Alice');"
        )
        db.commit()
        db.close()


def login(db_path: str, email: str, password: str) -> Optional[str]:
    """The vulnerable login both apps share: the SQL is concatenated."""
    db = sqlite3.connect(db_path)
    try:
        sql = "SELECT name FROM users WHERE email = '" + email + "' AND password = '" + password + "'"
        row = db.execute(sql).fetchone()
    finally:
        db.close()
    return row[0] if row else None


def ping_command(host: str) -> str:
    # A stand-in for `ping -c 1 host` whose output is the same on every run.
    return f"echo PING {host}"


class Call(NamedTuple):
    path: str
    data: Optional[bytes] = None
    headers: Dict[str, str] = {}


def normal_calls(site: Site) -> List[Call]:
    return [
        Call("/login", b"email=alice%40example.com&password=wonderland", FORM),
        Call("/login", b"email=alice%40example.com&password=nope+%26+co", FORM),
        Call("/ping?host=127.0.0.1"),
        Call("/ping?host=" + q("shop.example.com")),
        Call("/download?name=opening-hours.txt"),
        Call("/download?name=missing.txt"),
        Call("/preview?page=" + q("/docs/welcome")),
        Call("/go?next=" + q("/account?tab=orders")),
        Call("/lang?lang=ja-JP"),
    ]


class Attack(NamedTuple):
    call: Call
    threat: str
    source: str
    key: str


def attacks(site: Site) -> List[Attack]:
    return [
        Attack(Call("/login", b"email=%27+OR+1%3D1--+&password=x", FORM), "sql_injection", "body", "email"),
        Attack(Call("/ping?host=" + q(f"127.0.0.1; touch {site.marker}")), "command_injection", "query", "host"),
        Attack(Call("/download?name=" + q("../secret.txt")), "path_traversal", "query", "name"),
        Attack(Call("/preview?url=" + q(site.metadata + "/latest/meta-data/")), "ssrf", "query", "url"),
        Attack(Call("/go?next=" + q("https://evil.example/login")), "open_redirect", "query", "next"),
        Attack(Call("/lang?lang=" + q("en\r\nSet-Cookie: admin=1")), "header_injection", "query", "lang"),
    ]


def send(base: str, call: Call) -> Tuple[int, Dict[str, str], str]:
    return request(base + call.path, call.data, dict(call.headers))


class Metadata(BaseHTTPRequestHandler):
    """The internal service: answers credentials at /latest/meta-data/, a harmless page
    elsewhere (the preview's own documentation pages)."""

    hits: List[str] = []

    def do_GET(self) -> None:  # noqa: N802 -- http.server's name
        type(self).hits.append(self.path)
        body = b"iam/security-credentials/admin" if self.path.startswith("/latest/") else b"<p>Welcome to the docs</p>"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def metadata_server() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Metadata)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join(timeout=10)


def comparable(answer: Tuple[int, Dict[str, str], str]) -> Tuple[Any, ...]:
    """What must not change for a normal request: status, body, and the headers the
    app chose (Location, Content-Language)."""
    status, headers, body = answer
    return status, body, headers.get("Location"), headers.get("Content-Language")


def play(base: str, site: Site, protect: Any, events: Any, rampart: Any) -> None:
    """The whole scenario against one served app."""
    # Normal traffic: the same answers with and without rampart, in both modes.
    rampart.unprotect()
    baseline = [comparable(send(base, call)) for call in normal_calls(site)]
    assert [b[0] for b in baseline] == [200, 401, 200, 200, 200, 404, 200, 302, 200], baseline
    assert "Welcome, Alice!" in baseline[0][1] and "Welcome to the docs" in baseline[6][1]
    for mode in ("report", "block"):
        protect(mode)
        assert [comparable(send(base, call)) for call in normal_calls(site)] == baseline, mode
    assert events.all() == []

    # Report mode: every attack goes through as it would unprotected, and is reported.
    protect("report")
    for attack in attacks(site):
        events.clear()
        hits = len(Metadata.hits)
        status, headers, body = send(base, attack.call)
        found = events.findings()
        assert [(e["threat"], e["action"]) for e in found] == [(attack.threat, "reported")], (attack, found)
        event = found[0]
        assert (event["input"]["source"], event["input"]["key"]) == (attack.source, attack.key)
        assert event["request"]["client_ip"] == "127.0.0.1"
        if attack.threat == "sql_injection":
            assert status == 200 and "Welcome, Alice!" in body
        elif attack.threat == "command_injection":
            assert site.marker.exists()
            site.marker.unlink()
        elif attack.threat == "path_traversal":
            assert status == 200 and "hunter2" in body
        elif attack.threat == "ssrf":
            assert "iam/security-credentials" in body and len(Metadata.hits) == hits + 1
        elif attack.threat == "open_redirect":
            assert status == 302 and headers["Location"] == "https://evil.example/login"
        elif attack.threat == "header_injection":
            assert status == 500  # the framework itself refuses the header

    # Block mode: the block page, and the sink never ran.
    protect("block")
    for attack in attacks(site):
        events.clear()
        hits = len(Metadata.hits)
        status, headers, body = send(base, attack.call)
        assert status == 403, (attack, status, body)
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        match = BLOCK_PAGE.fullmatch(body)
        assert match, body
        found = events.findings()
        assert [(e["threat"], e["action"], e["event_id"]) for e in found] == [
            (attack.threat, "blocked", match.group(1))
        ], found
        assert "Set-Cookie" not in headers and "Location" not in headers
    assert not site.marker.exists()
    assert len(Metadata.hits) == hits


def new_site(tmp: Path, metadata_port: int) -> Site:
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    return Site(tmp, metadata_port)


__all__ = ["Site", "login", "ping_command", "play", "metadata_server", "new_site", "os"]
