"""A real Django app served by werkzeug on 127.0.0.1: report, block, normal traffic."""

from __future__ import annotations

import re
import urllib.parse

import pytest
import rampart
from servers import request, werkzeug_server

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
NORMAL = [
    ("/", None, {}),
    ("/login", b"email=alice%40example.com&password=wonderland", FORM),
    ("/login", b"email=alice%40example.com&password=nope", FORM),
    ("/users/" + urllib.parse.quote("alice@example.com"), None, {}),
]
ATTACKS = [
    ("/login", b"email=%27+OR+1%3D1--+&password=x", FORM, "body", "email"),
    ("/users/" + urllib.parse.quote("x' OR '1'='1"), None, {}, "path", "email"),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    pytest.importorskip("django")
    import django_app

    django_app.configure(str(tmp_path_factory.mktemp("django") / "db.sqlite3"))
    from django.core.wsgi import get_wsgi_application

    with werkzeug_server(get_wsgi_application()) as base:
        yield base


def test_normal_requests_unchanged(site, protect, events) -> None:
    rampart.unprotect()
    baseline = [request(site + p, d, h) for p, d, h in NORMAL]
    assert [s for s, _, _ in baseline] == [200, 200, 401, 200]
    for mode in ("report", "block"):
        protect(mode)
        got = [request(site + p, d, h) for p, d, h in NORMAL]
        assert [(s, b) for s, _, b in got] == [(s, b) for s, _, b in baseline]
    assert events.all() == []


def test_report_and_block(site, protect, events) -> None:
    protect("report")
    status, _, body = request(site + ATTACKS[0][0], ATTACKS[0][1], ATTACKS[0][2])
    assert (status, body) == (200, "<p>Welcome, Alice!</p>")
    request(site + ATTACKS[1][0])
    reported = events.findings()
    assert [(e["action"], e["input"]["source"], e["input"]["key"]) for e in reported] == [
        ("reported", "body", "email"),
        ("reported", "path", "email"),
    ]
    assert reported[1]["request"]["route"] == "/users/<str:email>"
    assert reported[0]["sink"]["operation"] == "sqlite3.Cursor.execute"

    events.clear()
    protect("block")
    for path, data, headers, _, _ in ATTACKS:
        status, response_headers, body = request(site + path, data, headers)
        assert status == 403
        assert response_headers["Content-Type"] == "text/html; charset=utf-8"
        event_id = re.fullmatch(r"<h1>リクエストはブロックされました</h1><p>id=([0-9a-f]{32})</p>", body).group(1)
        assert events.findings()[-1]["event_id"] == event_id
    assert [e["action"] for e in events.findings()] == ["blocked", "blocked"]


def test_asgi_handler(site, protect, events) -> None:
    """The same project under Django's ASGI handler, served by uvicorn."""
    from django.core.asgi import get_asgi_application
    from servers import uvicorn_server

    protect("block")
    with uvicorn_server(get_asgi_application()) as base:
        assert request(base + NORMAL[1][0], NORMAL[1][1], NORMAL[1][2])[:3:2] == (200, "<p>Welcome, Alice!</p>")
        status, _, body = request(base + ATTACKS[0][0], ATTACKS[0][1], ATTACKS[0][2])
    assert status == 403
    (event,) = events.findings()
    assert event["event_id"] in body
    assert (event["input"]["source"], event["input"]["key"]) == ("body", "email")


def test_scenario(site, protect, events, tmp_path) -> None:
    """The shared attack scenario (scenario.py) against this Django project."""
    import django_app
    import scenario

    for port in scenario.metadata_server():
        django_app.site = scenario.new_site(tmp_path / "django", port)
        scenario.play(site + "/scenario", django_app.site, protect, events, rampart)
