"""The example shop (examples/python-flask) served by werkzeug on 127.0.0.1: attacks
reported in report mode and answered with the block page in block mode; every normal
request answered exactly as without rampart."""

from __future__ import annotations

import json
import re
import sys
import urllib.parse

import pytest
import rampart
from conftest import REPO
from servers import request, werkzeug_server

sys.path.insert(0, str(REPO / "examples" / "python-flask"))
from shop import create_app  # noqa: E402

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON = {"Content-Type": "application/json"}
q = urllib.parse.quote

NORMAL = [
    ("/", None, {}),
    ("/search?q=" + q("mug"), None, {}),
    ("/search?q=" + q("Ferris plush & co. (50% off)"), None, {}),
    ("/search?q=" + q("お茶"), None, {}),
    ("/category/kitchen", None, {}),
    ("/products/2", None, {}),
    ("/products/99", None, {}),
    ("/login", b"email=alice%40example.com&password=wonderland", FORM),
    ("/login", b"email=bob%40example.com&password=wrong", FORM),
    ("/api/login", json.dumps({"email": "alice@example.com", "password": "wonderland"}).encode(), JSON),
    (
        "/api/login",
        json.dumps({"email": "x@y", "password": "p@ss w0rd!", "extra": {"k": [1, "O'Brien"]}}).encode(),
        JSON,
    ),
]

ATTACKS = [
    # (path, body, headers, input source, input key)
    ("/login", b"email=%27+OR+1%3D1--+&password=x", FORM, "body", "email"),
    ("/api/login", json.dumps({"email": "' OR 1=1-- ", "password": "x"}).encode(), JSON, "body", "email"),
    ("/search?q=" + q("%' UNION SELECT email, password, 0 FROM users--"), None, {}, "query", "q"),
    ("/category/" + q("kitchen' OR '1'='1"), None, {}, "path", "name"),
]


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    app = create_app(str(tmp_path_factory.mktemp("shop") / "shop.db"))
    with werkzeug_server(app) as base:
        yield base


def answers(base):
    return [request(base + path, body, headers) for path, body, headers in NORMAL]


def test_normal_requests_unchanged_in_every_mode(shop, protect, events) -> None:
    rampart.unprotect()
    baseline = answers(shop)
    assert [status for status, _, _ in baseline][:8] == [200, 200, 200, 200, 200, 200, 404, 200]
    assert "Welcome, Alice!" in baseline[7][2]
    for mode in ("report", "block"):
        protect(mode)
        got = answers(shop)
        assert [(s, b) for s, _, b in got] == [(s, b) for s, _, b in baseline], mode
    assert events.all() == []


def test_report_mode_reports_and_lets_through(shop, protect, events) -> None:
    protect("report")
    status, _, body = request(shop + ATTACKS[0][0], ATTACKS[0][1], ATTACKS[0][2])
    assert status == 200 and "Welcome, Alice!" in body  # the bypass worked: report only
    for path, data, headers, _, _ in ATTACKS[1:]:
        request(shop + path, data, headers)
    found = events.findings()
    assert len(found) == len(ATTACKS)
    for event, (path, _, _, source, key) in zip(found, ATTACKS):
        assert event["action"] == "reported"
        assert event["threat"] == "sql_injection"
        assert (event["input"]["source"], event["input"]["key"]) == (source, key)
        assert event["request"]["path"] == urllib.parse.unquote(path.split("?")[0])
        assert event["request"]["client_ip"] == "127.0.0.1"
        assert event["stack"][0].startswith("shop.py:")
    assert found[3]["request"]["route"] == "/category/<name>"


def test_block_mode_answers_with_the_block_page(shop, protect, events) -> None:
    protect("block")
    for path, data, headers, _, _ in ATTACKS:
        status, response_headers, body = request(shop + path, data, headers)
        assert status == 403, path
        assert response_headers["Content-Type"] == "text/html; charset=utf-8"
        match = re.fullmatch(r"<h1>リクエストはブロックされました</h1><p>id=([0-9a-f]{32})</p>", body)
        assert match, body
        event = events.findings()[-1]
        assert event["event_id"] == match.group(1)
        assert event["action"] == "blocked"
    # /search catches every exception and answers "Search failed" itself: still the block page
    status, _, body = request(shop + ATTACKS[2][0])
    assert status == 403 and "Search failed" not in body


def test_block_mode_survives_manual_middleware(shop, protect, events, tmp_path) -> None:
    """An app wrapped by hand as well as by protect() is checked once."""
    protect("block")
    app = create_app(str(tmp_path / "shop2.db"))
    app.wsgi_app = rampart.WSGIMiddleware(app.wsgi_app)
    with werkzeug_server(app) as base:
        status, _, _ = request(base + ATTACKS[0][0], ATTACKS[0][1], ATTACKS[0][2])
        assert status == 403
        assert request(base + "/")[0] == 200
    assert len(events.findings()) == 1


@pytest.fixture(scope="module")
def metadata():
    import scenario

    yield from scenario.metadata_server()


def test_ping_download_preview(shop, metadata, protect, events, tmp_path) -> None:
    """The shop's tool endpoints, as the demo plays them against every shop."""
    import scenario

    normal = [
        "/download?name=opening-hours.txt",
        "/download?name=" + q("no such file.txt"),
    ]
    rampart.unprotect()
    baseline = [request(shop + path)[::2] for path in normal]
    assert [s for s, _ in baseline] == [200, 404] and "Opening hours" in baseline[0][1]
    ping = request(shop + "/tools/ping?host=127.0.0.1")
    assert ping[0] == 200 and json.loads(ping[2])["host"] == "127.0.0.1"
    marker = tmp_path / "pwned"
    attacks = [
        ("/tools/ping?host=" + q(f"127.0.0.1; touch {marker}"), "command_injection", "host"),
        ("/ping?host=" + q(f"127.0.0.1 && touch {marker}"), "command_injection", "host"),
        ("/download?name=" + q("../shop.py"), "path_traversal", "name"),
        ("/preview?url=" + q(f"http://127.0.0.1:{metadata}/latest/meta-data/"), "ssrf", "url"),
    ]
    for mode in ("report", "block"):
        protect(mode)
        assert [request(shop + path)[::2] for path in normal] == baseline
        assert request(shop + "/tools/ping?host=127.0.0.1")[::2] == ping[::2]
        assert events.all() == []
        hits = len(scenario.Metadata.hits)
        for path, threat, key in attacks:
            status, _, body = request(shop + path)
            [event] = events.findings()
            events.clear()
            assert (event["threat"], event["input"]["key"]) == (threat, key)
            if mode == "block":
                assert status == 403 and "リクエストはブロックされました" in body
            elif threat == "ssrf":
                assert status == 200 and "iam/security-credentials" in body
            elif threat == "path_traversal":
                assert status == 200 and "def create_app" in body
        if mode == "report":
            assert marker.exists() and len(scenario.Metadata.hits) == hits + 1
            marker.unlink()
        else:
            assert not marker.exists() and len(scenario.Metadata.hits) == hits
