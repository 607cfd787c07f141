"""The low-level API: Engine, Request, Verdict, Dialect, errors."""

from __future__ import annotations

import json
import threading

import pytest
import rampart
from rampart import _rampart

QUERY = "SELECT * FROM users WHERE email = '' OR 1=1-- ' AND pw = 'x'"


def login_request(email: str | bytes = "' OR 1=1-- ") -> rampart.Request:
    request = rampart.Request()
    request.set_method("POST")
    request.set_path("/login")
    request.add_input("body", "email", email)
    request.add_input("body", "pw", "x")
    return request


def test_check_sql_blocks_and_reports_per_mode() -> None:
    request = login_request()
    verdict = rampart.Engine({"mode": "block"}).check_sql(request, rampart.Dialect.SQLITE, QUERY)
    assert verdict.action == "block"
    assert verdict.is_attack and verdict.is_block
    assert verdict.threat == "sql_injection"
    assert verdict.reason == "sql_literal_escape"
    assert verdict.message == "the input breaks out of a quoted string or identifier"
    assert verdict.input_index == 0
    assert verdict.span == (35, 46)
    assert QUERY[35:46] == "' OR 1=1-- "
    assert verdict.rule_id == 0
    assert "sql_literal_escape" in repr(verdict)

    report = rampart.Engine('{"mode": "report"}').check_sql(request, "sqlite", QUERY)
    assert (report.action, report.is_attack, report.is_block) == ("report", True, False)
    off = rampart.Engine(b'{"mode": "off"}').check_sql(request, "sqlite", QUERY)
    assert (off.action, off.threat, off.span, off.input_index) == ("allow", None, None, None)


def test_safe_queries_and_bytes() -> None:
    engine = rampart.Engine({"mode": "block"})
    request = login_request(b"' OR 1=1-- ")
    safe = engine.check_sql(request, rampart.Dialect.MYSQL, "SELECT * FROM users WHERE email = ?")
    assert safe.action == "allow" and not safe.is_attack
    # every clean check returns the same object: no allocation on the common path
    assert engine.check_sql(request, "mysql", b"SELECT 1") is safe
    assert engine.check_sql(request, "mysql", QUERY.encode()).is_block
    # invalid UTF-8 and NUL bytes are just bytes
    assert engine.check_sql(request, "mysql", b"\xff\x00SELECT '\xfe'").action == "allow"


def test_dialects() -> None:
    assert rampart.Dialect.parse("postgres") == rampart.Dialect.POSTGRESQL
    assert rampart.Dialect.parse("MariaDB") == rampart.Dialect.MYSQL
    assert rampart.Dialect.SQLITE.name == "sqlite"
    with pytest.raises(rampart.InvalidArgumentError, match="unknown SQL dialect `db2`"):
        rampart.Engine().check_sql(rampart.Request(), "db2", "SELECT 1")
    # dialect strings work everywhere a Dialect does
    request = login_request()
    for name in ("mysql", "postgresql", "sqlite", "mssql", "oracle", "generic"):
        assert rampart.Engine({"mode": "block"}).check_sql(request, name, QUERY).is_block


def test_request_round_trip() -> None:
    request = login_request()
    request.set_route("/login")
    assert len(request) == 2
    assert request.input(0) == ("body", b"email", b"' OR 1=1-- ")
    assert request.input(5) is None
    assert request.inputs()[1] == ("body", b"pw", b"x")
    assert (request.method, request.path, request.route) == ("POST", "/login", "/login")
    request.add_input("cookie", b"session", "日本語".encode())
    assert request.input(2) == ("cookie", b"session", "日本語".encode())
    request.reset()
    assert len(request) == 0 and request.path == ""
    with pytest.raises(rampart.InvalidArgumentError, match="unknown input source `form`"):
        request.add_input("form", "k", "v")
    with pytest.raises(rampart.InvalidArgumentError, match="value must be str or bytes"):
        request.add_input("body", "k", 42)  # type: ignore[arg-type]


def test_lone_surrogates_are_judged_not_refused() -> None:
    request = rampart.Request()
    request.add_input("query", "q", "\udcff' OR 1=1--")
    verdict = rampart.Engine({"mode": "block"}).check_sql(request, "sqlite", "SELECT 1 WHERE a = '\udcff' OR 1=1--'")
    assert verdict.is_block


def test_error_classes_and_codes() -> None:
    for cls in (rampart.PolicyError, rampart.PolicyIOError, rampart.InvalidArgumentError, rampart.InternalError):
        assert issubclass(cls, rampart.RampartError)
        assert issubclass(cls, Exception)
    assert issubclass(rampart.AttackBlocked, rampart.RampartError)
    assert rampart.PolicyError.code == 1
    assert rampart.PolicyIOError.code == 2
    assert rampart.InvalidArgumentError.code == 3
    assert rampart.InternalError.code == 1000
    with pytest.raises(rampart.PolicyError, match="protections.sql_injection.action"):
        rampart.Engine({"protections": {"sql_injection": {"action": "yes"}}})
    with pytest.raises(rampart.PolicyError, match="unknown field `sqli`"):
        rampart.Engine('{"protections": {"sqli": {}}}')
    with pytest.raises(rampart.InvalidArgumentError):
        rampart.Engine(42)  # type: ignore[arg-type]


def test_policy_from_environment(tmp_path, monkeypatch) -> None:
    path = tmp_path / "policy.json"
    path.write_text('{"mode": "block", "block_response": {"status": 451}}', encoding="utf-8")
    monkeypatch.setenv("RAMPART_POLICY", str(path))
    monkeypatch.delenv("RAMPART_MODE", raising=False)
    engine = rampart.Engine()
    assert (engine.mode, engine.block_status) == ("block", 451)
    monkeypatch.setenv("RAMPART_MODE", "report")
    assert rampart.Engine(None).mode == "report"
    monkeypatch.setenv("RAMPART_MODE", "enforce")
    with pytest.raises(rampart.PolicyError, match="RAMPART_MODE"):
        rampart.Engine()
    monkeypatch.setenv("RAMPART_POLICY", str(tmp_path / "missing.json"))
    with pytest.raises(rampart.PolicyIOError, match="missing.json"):
        rampart.Engine()


def test_panics_become_internal_error_not_panic_exception() -> None:
    with pytest.raises(rampart.InternalError, match="rampart panicked: deliberate panic"):
        _rampart._panic_for_test()
    try:
        _rampart._panic_for_test()
    except Exception as error:  # an application's `except Exception` catches it
        assert type(error).__name__ == "InternalError"


def test_event_json_and_block_page() -> None:
    engine = rampart.Engine(
        {"mode": "block", "block_response": {"body": "<p>ブロックされました {{event_id}}</p>", "status": 403}}
    )
    request = login_request()
    verdict = engine.check_sql(request, "sqlite", QUERY)
    line = engine.event_json(
        request, verdict, "sql", QUERY, operation="sqlite3.Cursor.execute", event_id="e1", stack=["app.py:1 in f"]
    )
    assert line is not None
    event = json.loads(line)
    assert event["event_id"] == "e1"
    assert event["action"] == "blocked"
    assert event["sink"] == {
        "kind": "sql",
        "operation": "sqlite3.Cursor.execute",
        "resource": QUERY,
        "resource_span": [35, 46],
        "resource_truncated": False,
    }
    assert event["input"]["key"] == "email"
    assert event["request"]["method"] == "POST"
    assert event["stack"] == ["app.py:1 in f"]
    allow = engine.check_sql(request, "sqlite", "SELECT 1")
    assert engine.event_json(request, allow, "sql", "SELECT 1") is None
    assert engine.block_body("e1") == "<p>ブロックされました e1</p>"
    assert (engine.block_status, engine.block_content_type) == (403, "text/html; charset=utf-8")
    assert json.loads(engine.policy_json())["mode"] == "block"
    error = json.loads(engine.error_event_json("sql", "internal", "boom", request=request, operation="op"))
    assert (error["action"], error["threat"], error["error"]["message"]) == ("failed_open", None, "boom")
    assert len(rampart.new_event_id()) == 32


def test_engine_is_shared_between_threads() -> None:
    engine = rampart.Engine({"mode": "block"})
    big = "SELECT 1 FROM t WHERE a = '" + "x" * 200_000 + "' OR 1=1-- '"
    errors = []

    def work() -> None:
        request = login_request()
        request.add_input("query", "q", "' OR 1=1-- ")
        for _ in range(50):
            if not engine.check_sql(request, "sqlite", big).is_block:  # detached path
                errors.append("missed")
            if not engine.check_sql(request, "sqlite", QUERY).is_block:
                errors.append("missed")

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_every_check_takes_text_or_bytes() -> None:
    engine = rampart.Engine({"mode": "block"})
    request = rampart.Request()
    request.add_input("query", "host", "x; id")
    request.add_input("query", "next", "https://evil.example/")
    request.add_input("query", "lang", "en\r\nSet-Cookie: a=1")
    request.set_host("shop.example")
    assert request.host == "shop.example"
    for text in (str, lambda s: s.encode()):
        assert engine.check_shell(request, text("ping x; id")).threat == "command_injection"
        assert engine.check_exec(request, [text("sh"), text("-c"), text("x; id")]).is_block
        assert engine.check_redirect(request, text("https://evil.example/")).threat == "open_redirect"
        assert not engine.check_redirect(request, text("https://shop.example/cart")).is_attack
        assert engine.check_header(request, text("Content-Language"), text("en\r\nSet-Cookie: a=1")).is_attack
    assert engine.check_exec(request, ("ls", b"-l")) == engine.check_path(request, "/srv/a.txt")
    with pytest.raises(rampart.InvalidArgumentError, match="argv items must be str or bytes"):
        engine.check_exec(request, ["ls", 3])
    with pytest.raises(rampart.InvalidArgumentError):
        engine.check_url(request, 42)


def test_collectors_set_the_host() -> None:
    request = rampart.Request()
    request.collect_wsgi({"REQUEST_METHOD": "GET", "PATH_INFO": "/", "HTTP_HOST": "shop.example:8443"})
    assert request.host == "shop.example:8443"
    request = rampart.Request()
    request.collect_asgi({"method": "GET", "path": "/", "headers": [(b"host", b"api.example")]})
    assert request.host == "api.example"
    assert ("header", b"host", b"api.example") in request.inputs()
