"""The generic WSGI and ASGI middleware around bare applications."""

from __future__ import annotations

import asyncio
import io
import json
import sqlite3
import sys

import pytest
import rampart
from rampart import _rampart, sinks
from rampart.context import current

ATTACK_QUERY = "SELECT 1 WHERE 'a' = '' OR 1=1-- '"


def wsgi_environ(body: bytes = b"", content_type: str = "", query: str = "", path: str = "/") -> dict:
    return {
        "REQUEST_METHOD": "POST" if body else "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)) if body else "",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_USER_AGENT": "tests",
        "HTTP_X_REQUEST_ID": "req-1",
        "wsgi.input": io.BytesIO(body),
    }


def call_wsgi(app, environ):
    started = {}

    def start_response(status, headers, exc_info=None):
        started["status"], started["headers"] = status, dict(headers)
        return lambda data: None

    result = rampart.WSGIMiddleware(app)(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return started["status"], started["headers"], body


def test_wsgi_body_is_still_readable_by_the_app(protect) -> None:
    protect("block")
    seen = {}

    def app(environ, start_response):
        length = int(environ["CONTENT_LENGTH"])
        seen["body"] = environ["wsgi.input"].read(length)
        seen["inputs"] = current().request.inputs()
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    body = b"email=a%40x&password=p"
    status, _, out = call_wsgi(app, wsgi_environ(body, "application/x-www-form-urlencoded", "page=2"))
    assert (status, out, seen["body"]) == ("200 OK", b"ok", body)
    assert ("body", b"email", b"a@x") in seen["inputs"]
    assert ("query", b"page", b"2") in seen["inputs"]
    assert ("header", b"x-request-id", b"req-1") in seen["inputs"]
    assert current() is None  # reset after the response closed


def test_wsgi_block_replaces_the_apps_own_answer(protect, events) -> None:
    protect("block")

    def app(environ, start_response):
        try:
            sqlite3.connect(":memory:").execute(ATTACK_QUERY)
        except Exception:
            start_response("500 Internal Server Error", [("Content-Type", "text/plain")])
            return [b"my own error page"]
        start_response("200 OK", [])
        return [b"fine"]

    status, headers, body = call_wsgi(app, wsgi_environ(query="email=%27+OR+1%3D1--+"))
    assert status == "403 Forbidden"
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert body.decode("utf-8").startswith("<h1>リクエストはブロックされました</h1>")
    assert int(headers["Content-Length"]) == len(body)
    event = events.findings()[0]
    assert event["event_id"] in body.decode()
    assert event["request"]["request_id"] == "req-1"
    assert event["request"]["user_agent"] == "tests"


def test_wsgi_streaming_response_keeps_the_context(protect, events) -> None:
    protect("report")

    def app(environ, start_response):
        start_response("200 OK", [])

        def stream():
            yield b"a"
            sqlite3.connect(":memory:").execute(ATTACK_QUERY)  # a lazy query while streaming
            yield b"b"

        return stream()

    assert call_wsgi(app, wsgi_environ(query="email=%27+OR+1%3D1--+"))[2] == b"ab"
    assert [e["action"] for e in events.findings()] == ["reported"]
    assert current() is None


def test_wsgi_large_body_left_alone(protect) -> None:
    rampart.protect({"mode": "block"}, max_body_bytes=10)
    seen = {}

    def app(environ, start_response):
        seen["stream"] = environ["wsgi.input"]
        seen["n"] = len(current().request)
        start_response("200 OK", [])
        return [environ["wsgi.input"].read()]

    environ = wsgi_environ(b"x=" + b"y" * 100, "application/x-www-form-urlencoded")
    original = environ["wsgi.input"]
    assert call_wsgi(app, environ)[2] == b"x=" + b"y" * 100
    assert seen["stream"] is original
    rampart.protect({"mode": "block"}, max_body_bytes=1 << 20)


def test_wsgi_middleware_failure_fails_open(protect, events) -> None:
    protect("block")

    def app(environ, start_response):
        # the first hooked call reads the request's inputs
        rows = sqlite3.connect(":memory:").execute("SELECT 'served'").fetchall()
        start_response("200 OK", [])
        return [rows[0][0].encode()]

    # an environ that breaks the WSGI rules cannot be read: serve the request anyway
    environ = wsgi_environ(query="q=1")
    environ["REQUEST_METHOD"] = 42
    assert call_wsgi(app, environ)[2] == b"served"
    (error,) = events.all()
    assert (error["action"], error["error"]["kind"], error["threat"]) == ("failed_open", "internal", None)


def test_wsgi_inputs_are_read_only_when_needed(protect, events) -> None:
    protect("block")
    seen = {}

    def app(environ, start_response):
        context = current()
        seen["before"] = context._request
        seen["inputs"] = context.request.inputs()
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    status, _, _ = call_wsgi(app, wsgi_environ(query="page=2"))
    assert status == "200 OK" and seen["before"] is None
    assert ("query", b"page", b"2") in seen["inputs"]

    # a response that needs no check reads nothing: an unreadable environ goes unnoticed
    def quiet(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"quiet"]

    environ = wsgi_environ(query="q=1")
    environ["REQUEST_METHOD"] = 42
    assert call_wsgi(quiet, environ)[2] == b"quiet"
    assert events.all() == []


def test_engine_fault_fails_open_or_closed(protect, events) -> None:
    def panicking_check(engine, request):
        return _rampart._panic_for_test()

    protect("block")
    with rampart.request_context(inputs=[("query", "q", "x' OR 1=1")]) as context:
        sinks._check(context, "sql", "test.op", "SELECT 1", panicking_check, ())  # no exception: open
        assert not context.blocked
    (error,) = events.all()
    assert error["action"] == "failed_open"
    assert "rampart panicked" in error["error"]["message"]
    assert error["sink"]["operation"] == "test.op"

    protect("block", fail_closed=True)
    with rampart.request_context(inputs=[("query", "q", "x")]) as context:
        with pytest.raises(rampart.AttackBlocked):
            sinks._check(context, "sql", "test.op", "SELECT 1", panicking_check, ())
        assert context.blocked
    assert events.all()[-1]["action"] == "failed_closed"


def run_asgi(app, scope, chunks):
    sent = []
    incoming = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)]

    async def receive():
        if incoming:
            return incoming.pop(0)
        await asyncio.sleep(0)
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    asyncio.run(rampart.ASGIMiddleware(app)(scope, receive, send))
    return sent


def asgi_scope(query: bytes = b"", content_type: bytes = b"application/json") -> dict:
    return {
        "type": "http",
        "method": "POST",
        "path": "/api/login",
        "root_path": "",
        "query_string": query,
        "headers": [(b"content-type", content_type), (b"user-agent", b"tests"), (b"cookie", b"sid=s1")],
        "client": ("127.0.0.1", 5000),
    }


def test_asgi_body_replayed_and_inputs_collected(protect) -> None:
    protect("block")
    seen = {}

    async def app(scope, receive, send):
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        seen["body"], seen["inputs"] = body, current().request.inputs()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"part1", "more_body": True})
        await send({"type": "http.response.body", "body": b"part2"})

    document = json.dumps({"email": "a@x", "n": 1}).encode()
    sent = run_asgi(app, asgi_scope(b"x=1"), [document[:5], document[5:]])
    assert seen["body"] == document
    assert [m.get("status") or m.get("body") for m in sent] == [200, b"part1", b"part2"]
    assert {("body", b"email", b"a@x"), ("query", b"x", b"1"), ("cookie", b"sid", b"s1")} <= set(seen["inputs"])


def test_asgi_block_replaces_the_apps_own_answer(protect, events) -> None:
    protect("block")

    async def app(scope, receive, send):
        await receive()
        try:
            sqlite3.connect(":memory:").execute(ATTACK_QUERY)
            status, body = 200, b"fine"
        except rampart.AttackBlocked:
            status, body = 500, b"my own error"
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": body})

    sent = run_asgi(app, asgi_scope(), [json.dumps({"email": "' OR 1=1-- "}).encode()])
    assert sent[0]["status"] == 403
    assert (b"content-type", b"text/html; charset=utf-8") in sent[0]["headers"]
    assert events.findings()[0]["event_id"] in sent[1]["body"].decode("utf-8")
    assert len(sent) == 2

    async def raising_app(scope, receive, send):
        await receive()
        sqlite3.connect(":memory:").execute(ATTACK_QUERY)

    sent = run_asgi(raising_app, asgi_scope(), [json.dumps({"email": "' OR 1=1-- "}).encode()])
    assert [m.get("status") for m in sent][:1] == [403]


def test_attack_blocked_even_when_its_event_fails(protect, events, monkeypatch) -> None:
    protect("block")

    def broken_stack(*args, **kwargs):
        raise RuntimeError("no stack today")

    monkeypatch.setattr(rampart.sinks.events, "capture_stack", broken_stack)
    conn = sqlite3.connect(":memory:")
    with rampart.request_context(inputs=[("query", "q", "' OR 1=1-- ")]) as context:
        with pytest.raises(rampart.AttackBlocked):
            conn.execute(ATTACK_QUERY)
        assert context.blocked
    monkeypatch.undo()
    (error,) = events.all()
    assert error["action"] == "failed_open" and "no stack today" in error["error"]["message"]


def test_wsgi_context_is_lazy_and_complete(protect) -> None:
    # The native exchange makes the context: every attribute the hooks and the
    # middleware read is there, and the inputs are not read before their first use.
    protect("block")
    seen = {}
    attributes = (
        "engine",
        "blocked_event_id",
        "inputs_truncated",
        "routed",
        "reported",
        "resolving",
        "_environ",
        "_scope",
        "_body",
        "_routing",
        "_request",
        "_pending",
    )

    def app(environ, start_response):
        context = current()
        for name in attributes:
            seen[name] = getattr(context, name)
        seen["method"] = context.request.method
        seen["after"] = (context._pending, context._request is not None)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    environ = wsgi_environ()
    status, _, body = call_wsgi(app, environ)
    assert status.startswith("200") and body == b"ok"
    assert seen["_pending"] is True and seen["_request"] is None  # inputs not read before use
    assert seen["_environ"] is environ and seen["_scope"] is None and seen["blocked_event_id"] is None
    assert seen["inputs_truncated"] is False and seen["routed"] is False
    assert seen["method"] == "GET" and seen["after"] == (False, True)


def test_wsgi_exchange_follows_pep_3333(protect) -> None:
    """The native exchange: write() sends the held headers first, a second
    start_response with exc_info before any output replaces the first, exc_info after
    output re-raises through the server's start_response, close() is forwarded even
    when iteration fails, and lists and file wrappers reach the server as they are."""
    protect("block")
    calls = []

    def start_response(status, headers, exc_info=None):
        if exc_info is not None and calls:
            raise exc_info[1].with_traceback(exc_info[2])
        calls.append(status)
        return lambda data: calls.append(data)

    def writer(environ, start_response):
        write = start_response("200 OK", [])
        write(b"early")
        try:
            raise KeyError("late")
        except KeyError:
            start_response("500 Error", [], sys.exc_info())
        return []

    with pytest.raises(KeyError):
        rampart.WSGIMiddleware(writer)(wsgi_environ(), start_response)
    assert calls == ["200 OK", b"early"]
    assert current() is None

    calls.clear()

    def second_thoughts(environ, start_response):
        start_response("200 OK", [])
        try:
            raise ValueError("no")
        except ValueError:
            start_response("503 Service Unavailable", [], sys.exc_info())
        return [b"sorry"]

    result = rampart.WSGIMiddleware(second_thoughts)(wsgi_environ(), start_response)
    assert calls == ["503 Service Unavailable"] and result == [b"sorry"]

    closed = []

    class Body:
        def __iter__(self):
            yield b"a"
            raise RuntimeError("broken stream")

        def close(self):
            closed.append(True)

    def streaming(environ, start_response):
        start_response("200 OK", [])
        return Body()

    result = rampart.WSGIMiddleware(streaming)(wsgi_environ(), start_response)
    assert current() is not None  # the context lives until close()
    with pytest.raises(RuntimeError):
        list(result)
    result.close()
    assert closed == [True] and current() is None

    class FileWrapper:
        def __init__(self, file, block_size=8192):
            self.file = file

    def download(environ, start_response):
        start_response("200 OK", [])
        return environ["wsgi.file_wrapper"](io.BytesIO(b"file"))

    environ = wsgi_environ()
    environ["wsgi.file_wrapper"] = FileWrapper
    assert type(rampart.WSGIMiddleware(download)(environ, start_response)) is FileWrapper
    assert current() is None


def test_wsgi_exchange_under_a_real_server(protect) -> None:
    """wsgiref's server on 127.0.0.1: the write() callable, its file wrapper, and a
    blocked request's block page, through real HTTP."""
    import threading
    import urllib.error
    import urllib.parse
    import urllib.request
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    protect("block")

    def app(environ, start_response):
        if environ["PATH_INFO"] == "/write":
            write = start_response("200 OK", [("Content-Type", "text/plain")])
            write(b"written ")
            return [b"then returned"]
        if environ["PATH_INFO"] == "/file":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return environ["wsgi.file_wrapper"](io.BytesIO(b"from a file"))
        start_response("200 OK", [("Content-Type", "text/plain")])
        q = urllib.parse.parse_qs(environ["QUERY_STRING"])["q"][0]
        sqlite3.connect(":memory:").execute("SELECT 1 WHERE 'a' = '" + q + "'")
        return [b"queried"]

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    server = make_server("127.0.0.1", 0, rampart.WSGIMiddleware(app), handler_class=Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        assert urllib.request.urlopen(base + "/write", timeout=10).read() == b"written then returned"
        assert urllib.request.urlopen(base + "/file", timeout=10).read() == b"from a file"
        assert urllib.request.urlopen(base + "/q?q=mug", timeout=10).read() == b"queried"
        with pytest.raises(urllib.error.HTTPError) as blocked:
            urllib.request.urlopen(base + "/q?q=%27+OR+1%3D1--+", timeout=10)
        assert blocked.value.code == 403
    finally:
        server.shutdown()
        server.server_close()


def test_wsgi_bodies_become_inputs_natively_and_stay_readable(protect) -> None:
    """Form and JSON bodies are parsed by the native context, multipart by the Python
    collector it calls back; the app reads the body as sent in each case."""
    protect("block")
    seen = {}

    def app(environ, start_response):
        seen["inputs"] = [(s, k, v) for s, k, v in current().request.inputs() if s == "body"]
        seen["body"] = environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    document = json.dumps({"user": {"name": "alice"}, "ids": [7]}).encode()
    call_wsgi(app, wsgi_environ(document, "application/json"))
    assert seen["body"] == document
    assert ("body", b"user.name", b"alice") in seen["inputs"] and ("body", b"ids[0]", b"7") in seen["inputs"]

    multipart = (
        b'--XyZ\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello there\r\n'
        b'--XyZ\r\nContent-Disposition: form-data; name="f"; filename="../a.txt"\r\n\r\ndata\r\n--XyZ--\r\n'
    )
    call_wsgi(app, wsgi_environ(multipart, "multipart/form-data; boundary=XyZ"))
    assert seen["body"] == multipart
    assert seen["inputs"] == [("body", b"note", b"hello there"), ("body", b"f.filename", b"../a.txt")]


def test_wsgi_json_depth_limit_marks_the_context_truncated(protect) -> None:
    protect("block")
    rampart.protect(rampart.engine().policy_json(), max_depth=2)
    seen = {}

    def app(environ, start_response):
        context = current()
        seen["inputs"] = len(context.request)
        seen["truncated"] = context.inputs_truncated
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    try:
        call_wsgi(app, wsgi_environ(b'{"a": {"b": {"c": "deep"}}}', "application/json"))
    finally:
        rampart.protect(rampart.engine().policy_json(), max_depth=32)
    assert seen["truncated"] is True


def test_routing_is_read_when_the_framework_has_matched(protect) -> None:
    """A routing function is asked at each use until it answers; then the route is set
    and the path parameters (any value type) become ``path`` inputs, once."""
    protect("block")
    answers = [None, ("/items/<int:item_id>", {"item_id": 42, "slug": "a b"})]
    calls = []

    def routing():
        calls.append(1)
        return answers[min(len(calls), len(answers)) - 1]

    seen = {}

    def app(environ, start_response):
        context = current()
        first = context.request  # not matched yet
        seen["first"] = (context._pending, context.routed, first.route)
        request = context.request  # matched now
        seen["second"] = (context._pending, context.routed, request.route, request is first)
        seen["third"] = context.request is request  # nothing asked any more
        seen["path"] = [(s, k, v) for s, k, v in request.inputs() if s == "path"]
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    environ = wsgi_environ(path="/items/42")

    def start_response(status, headers, exc_info=None):
        return lambda data: None

    assert b"".join(rampart.middleware.serve_wsgi(app, environ, start_response, routing)) == b"ok"
    assert seen["first"] == (True, False, "")
    assert seen["second"] == (False, True, "/items/<int:item_id>", True) and seen["third"] is True
    assert seen["path"] == [("path", b"item_id", b"42"), ("path", b"slug", b"a b")]
    assert len(calls) == 2


def test_inspection_collects_once_and_sinks_share_it(protect) -> None:
    """With payload inspection on, the inputs are read once, before the app, and the
    sinks check against that same collection; with it off, nothing is read for a
    request that reaches no sink."""
    seen = {}

    def app(environ, start_response):
        context = current()
        seen["before"] = context._request
        sqlite3.connect(":memory:").execute("SELECT 1 WHERE 'x' = ?", ("q",))
        seen["after"] = context._request
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    protect("block", protections={"malicious_payload": {"action": "report"}})
    call_wsgi(app, wsgi_environ(query="page=2"))
    assert seen["before"] is not None and seen["after"] is seen["before"]
    assert ("query", b"page", b"2") in seen["before"].inputs()

    protect("block")

    def idle(environ, start_response):
        seen["idle"] = current()._request
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    call_wsgi(idle, wsgi_environ(query="page=2"))
    assert seen["idle"] is None


def test_context_event_fields() -> None:
    engine = rampart.Engine()
    environ = wsgi_environ()
    environ["HTTP_USER_AGENT"] = "bröwser".encode().decode("latin-1")  # as WSGI hands it over
    assert rampart.RequestContext(engine, environ=environ).event_fields() == ("127.0.0.1", "bröwser", "req-1")
    scope = {
        "type": "http",
        "client": ("10.0.0.2", 5000),
        "headers": [(b"User-Agent", b"first"), (b"user-agent", b"second"), (b"x-request-id", b"r9")],
    }
    assert rampart.RequestContext(engine, scope=scope).event_fields() == ("10.0.0.2", "first", "r9")
    by_hand = rampart.RequestContext(engine, "GET", "/jobs", client_ip="::1", request_id="j1")
    assert by_hand.event_fields() == ("::1", "", "j1")
    assert by_hand.request.path == "/jobs" and not by_hand.blocked
    assert repr(by_hand) == "<rampart.RequestContext <rampart.Request GET /jobs with 0 inputs>>"
