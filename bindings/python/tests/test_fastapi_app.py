"""A real FastAPI app served by uvicorn on 127.0.0.1: report, block, normal traffic."""

from __future__ import annotations

import json
import re
import urllib.parse

import pytest
import rampart
from servers import request, uvicorn_server

JSON = {"Content-Type": "application/json"}
NORMAL = [
    ("/", None, {}),
    ("/login", json.dumps({"email": "alice@example.com", "password": "wonderland"}).encode(), JSON),
    ("/raw-login", json.dumps({"email": "alice@example.com", "password": "no"}).encode(), JSON),
    ("/users/" + urllib.parse.quote("alice@example.com") + "?verbose=false", None, {}),
]
ATTACK = json.dumps({"email": "' OR 1=1-- ", "password": "x"}).encode()


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    pytest.importorskip("fastapi")
    from fastapi_app import create_app

    with uvicorn_server(create_app(str(tmp_path_factory.mktemp("api") / "db.sqlite3"))) as base:
        yield base


def test_normal_requests_unchanged(api, protect, events) -> None:
    rampart.unprotect()
    baseline = [request(api + p, d, h) for p, d, h in NORMAL]
    assert [s for s, _, _ in baseline] == [200, 200, 200, 200]
    for mode in ("report", "block"):
        protect(mode)
        assert [(s, b) for s, _, b in (request(api + p, d, h) for p, d, h in NORMAL)] == [
            (s, b) for s, _, b in baseline
        ]
    assert events.all() == []


def test_report_and_block(api, protect, events) -> None:
    protect("report")
    assert request(api + "/login", ATTACK, JSON)[2] == '{"name":"Alice"}'
    assert request(api + "/raw-login", ATTACK, JSON)[2] == '{"name":"Alice"}'
    request(api + "/users/" + urllib.parse.quote("x' OR '1'='1"))
    found = events.findings()
    assert [(e["action"], e["input"]["source"], e["input"]["key"]) for e in found] == [
        ("reported", "body", "email"),
        ("reported", "body", "email"),
        ("reported", "path", "email"),
    ]
    assert found[2]["request"]["route"] == "/users/{email}"

    events.clear()
    protect("block")
    for path, data in (
        ("/login", ATTACK),
        ("/raw-login", ATTACK),
        ("/users/" + urllib.parse.quote("x' OR '1'='1"), None),
    ):
        status, headers, body = request(api + path, data, JSON if data else {})
        assert status == 403, path
        assert headers["content-type"] == "text/html; charset=utf-8"
        event_id = re.fullmatch(r"<h1>リクエストはブロックされました</h1><p>id=([0-9a-f]{32})</p>", body).group(1)
        assert events.findings()[-1]["event_id"] == event_id


def test_redirects_and_headers(api, protect, events) -> None:
    q = urllib.parse.quote
    normal = ["/go?next=" + q("/users/me"), "/lang?lang=ja"]
    attacks = [
        ("/go?next=" + q("https://evil.example/"), "open_redirect", "starlette.RedirectResponse"),
        ("/go?next=" + q("//evil.example/"), "open_redirect", "starlette.RedirectResponse"),
        ("/lang?lang=" + q("en\r\nSet-Cookie: admin=1"), "header_injection", "response"),
    ]
    rampart.unprotect()
    baseline = [request(api + p) for p in normal]
    assert [(s, h.get("location"), h.get("content-language")) for s, h, _ in baseline] == [
        (302, "/users/me", None),
        (200, None, "ja"),
    ]
    for mode in ("report", "block"):
        protect(mode)
        assert [request(api + p)[::2] for p in normal] == [a[::2] for a in baseline]
        assert events.all() == []
        for path, threat, operation in attacks:
            if mode == "report" and threat == "header_injection":
                # Reported, then sent on: uvicorn (h11) refuses the value and drops
                # the connection, as it does without rampart.
                with pytest.raises(OSError):
                    request(api + path)
                [event] = events.findings()
                events.clear()
                assert event["action"] == "reported" and event["threat"] == threat
                continue
            status, headers, body = request(api + path)
            [event] = events.findings()
            events.clear()
            assert (event["threat"], event["sink"]["operation"]) == (threat, operation)
            if mode == "block":
                assert status == 403 and re.search("id=" + event["event_id"], body)
                assert "location" not in headers and "set-cookie" not in headers
            elif threat == "open_redirect":
                assert status == 302
