"""Payload inspection of each request as it arrives (``Engine.inspect`` run by the
middleware when the policy's ``malicious_payload`` protection is not off): a real Flask
app served by werkzeug and a raw ASGI app served by uvicorn, both on 127.0.0.1, with
handlers that reach no sink at all."""

from __future__ import annotations

import json
import re
import urllib.parse

import pytest
import rampart
from servers import request, uvicorn_server, werkzeug_server

XSS = "/search?q=" + urllib.parse.quote("<script>alert(document.cookie)</script>")
SCANNER = {"User-Agent": "sqlmap/1.7.2#stable (https://sqlmap.org)"}
JSON = {"Content-Type": "application/json"}
JSON_PAYLOAD = json.dumps({"comment": "<img src=x onerror=alert(1)>"}).encode()
NORMAL = [
    ("/search?q=" + urllib.parse.quote("O'Brien & Sons (50% off)"), None, {}),
    ("/search?q=" + urllib.parse.quote("お茶"), None, {}),
    ("/comment", json.dumps({"comment": "Great mug, 10/10 would buy again"}).encode(), JSON),
]
ATTACKS = [(XSS, None, {}), ("/search?q=mug", None, SCANNER), ("/comment", JSON_PAYLOAD, JSON)]
PAYLOAD_ON = {"malicious_payload": {"action": "report"}}
PAYLOAD_BLOCK = {"malicious_payload": {"action": "block"}}


class Counter:
    def __init__(self) -> None:
        self.calls = 0


def normal_answers(base: str) -> list:
    """Status, headers and body of each normal request; the Date header is left out (two
    runs may straddle a second)."""
    answers = []
    for path, body, headers in NORMAL:
        status, response_headers, text = request(base + path, body, headers)
        answers.append((status, {k: v for k, v in response_headers.items() if k.lower() != "date"}, text))
    return answers


@pytest.fixture(scope="module")
def flask_app():
    flask = pytest.importorskip("flask")
    app = flask.Flask("inspection")
    counter = Counter()

    @app.route("/search")
    def search():
        counter.calls += 1
        return "results for " + flask.request.args.get("q", "")

    @app.route("/comment", methods=["POST"])
    def comment():
        counter.calls += 1
        return "thanks: " + str((flask.request.get_json(silent=True) or {}).get("comment", ""))

    with werkzeug_server(app) as base:
        yield base, counter


@pytest.fixture(scope="module")
def asgi_app():
    pytest.importorskip("uvicorn")
    counter = Counter()

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        counter.calls += 1
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        text = b"seen " + scope.get("query_string", b"") + b" " + body
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": text})

    with uvicorn_server(rampart.ASGIMiddleware(app)) as base:
        yield base, counter


def payload_events(events):
    return [e for e in events.findings() if e["threat"] == "malicious_payload"]


@pytest.mark.parametrize("server", ["flask_app", "asgi_app"])
def test_report_mode_reports_once_and_serves(server, request_fixture, protect, events) -> None:
    base, counter = request_fixture(server)
    unprotected = normal_answers(base)
    protect("block", protections=PAYLOAD_ON)
    for path, body, headers in [(XSS, None, {}), ("/search?q=mug", None, SCANNER)]:
        events.clear()
        calls = counter.calls
        status, _, text = request(base + path, body, headers)
        assert status == 200 and counter.calls == calls + 1, "a report lets the request through"
        found = payload_events(events)
        assert len(found) == 1, found
        assert found[0]["action"] == "reported" and found[0]["sink"]["kind"] == "request"
    # A body payload is read before the app runs (the app still reads the body).
    events.clear()
    status, _, text = request(base + "/comment", JSON_PAYLOAD, JSON)
    assert status == 200 and "onerror" in text
    [event] = payload_events(events)
    assert event["input"]["source"] == "body" and "onerror" in event["sink"]["resource"]
    # Normal requests: the same answers, no event.
    events.clear()
    assert normal_answers(base) == unprotected
    assert events.findings() == []


@pytest.mark.parametrize("server", ["flask_app", "asgi_app"])
def test_block_mode_answers_before_the_app(server, request_fixture, protect, events) -> None:
    base, counter = request_fixture(server)
    unprotected = normal_answers(base)
    protect("block", protections=PAYLOAD_BLOCK)
    for path, body, headers in ATTACKS:
        events.clear()
        calls = counter.calls
        status, response_headers, text = request(base + path, body, headers)
        [event] = payload_events(events)
        assert event["action"] == "blocked"
        assert status == 403 and "ブロック" in text and event["event_id"] in text
        assert counter.calls == calls, "the application never ran"
    events.clear()
    assert normal_answers(base) == unprotected
    assert events.findings() == []


@pytest.mark.parametrize("server", ["flask_app", "asgi_app"])
def test_off_and_report_mode_cap(server, request_fixture, protect, events) -> None:
    base, _ = request_fixture(server)
    protect("block")  # the test policy turns payload inspection off
    assert request(base + XSS)[0] == 200 and events.findings() == []
    protect("report", protections=PAYLOAD_BLOCK)  # the mode caps the protection's block
    status, _, _ = request(base + XSS)
    assert status == 200 and [e["action"] for e in payload_events(events)] == ["reported"]
    assert re.fullmatch(r"[0-9a-f]{32}", payload_events(events)[0]["event_id"])


@pytest.fixture
def request_fixture(request):
    return lambda name: request.getfixturevalue(name)
