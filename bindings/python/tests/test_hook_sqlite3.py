"""The sqlite3 hook, against the real sqlite3 module."""

from __future__ import annotations

import sqlite3

import pytest
import rampart

ATTACK = "' OR 1=1-- "
SQL = "SELECT name FROM users WHERE email = '" + ATTACK + "' AND pw = 'x'"


def make_db(conn: sqlite3.Connection) -> sqlite3.Connection:
    conn.executescript(
        "CREATE TABLE users (email TEXT, pw TEXT, name TEXT); INSERT INTO users VALUES ('a@x', 'pw', 'Alice');"
    )
    return conn


def attack_context():
    return rampart.request_context(method="POST", path="/login", inputs=[("body", "email", ATTACK)])


def test_every_entry_point_blocks(protect, events) -> None:
    protect("block")
    conn = make_db(sqlite3.connect(":memory:"))
    assert isinstance(conn, sqlite3.Connection)
    calls = {
        "sqlite3.Connection.execute": lambda: conn.execute(SQL),
        "sqlite3.Connection.executemany": lambda: conn.executemany(SQL, []),
        "sqlite3.Connection.executescript": lambda: conn.executescript(SQL),
        "sqlite3.Cursor.execute": lambda: conn.cursor().execute(SQL),
        "sqlite3.Cursor.executemany": lambda: conn.cursor().executemany(SQL, []),
        "sqlite3.Cursor.executescript": lambda: conn.cursor().executescript(SQL),
    }
    for operation, call in calls.items():
        with attack_context() as context:
            with pytest.raises(rampart.AttackBlocked) as raised:
                call()
            assert raised.value.operation == operation
            assert context.blocked_event_id == raised.value.event_id
    found = events.findings()
    assert len(found) == len(calls)
    assert {e["sink"]["operation"] for e in found} == set(calls)
    assert all(e["action"] == "blocked" and e["input"]["key"] == "email" for e in found)
    # the stack starts in this file, not inside rampart
    assert found[0]["stack"][0].startswith("test_hook_sqlite3.py:")


def test_report_mode_runs_the_query_and_reports_once(protect, events) -> None:
    protect("report")
    conn = make_db(sqlite3.connect(":memory:"))
    with attack_context():
        rows = conn.execute(SQL).fetchall()
        conn.execute(SQL)  # the same finding again in the same request: one event
    assert rows == [("Alice",)]  # the injection worked: report mode only reports
    found = events.findings()
    assert [e["action"] for e in found] == ["reported"]


def test_no_change_without_attack(protect, events) -> None:
    protect("block")
    conn = make_db(sqlite3.connect(":memory:"))
    with rampart.request_context(inputs=[("body", "email", "a@x"), ("body", "q", "O'Brien")]):
        cur = conn.cursor()
        assert cur.execute("SELECT name FROM users WHERE email = ?", ("a@x",)).fetchall() == [("Alice",)]
        assert conn.execute("SELECT name FROM users WHERE email = 'a@x'").fetchone() == ("Alice",)
        assert conn.execute("SELECT ?", ("O'Brien",)).fetchone() == ("O'Brien",)
        cur.executemany("INSERT INTO users VALUES (?, ?, ?)", [("b@x", "p", "Bob"), ("c@x", "p", "Cy")])
        assert cur.rowcount == 2
        assert conn.total_changes >= 3
        with pytest.raises(sqlite3.OperationalError):
            conn.execute("SELEC nonsense")  # the driver's own errors are untouched
    # outside a request nothing is checked, attack-shaped or not
    assert len(conn.execute(SQL).fetchall()) == 3
    assert events.all() == []


def test_connection_execute_returns_a_checked_cursor(protect) -> None:
    # Connection.execute makes its cursor without going through cursor(): the cursor it
    # returns is still the checked one, with the connection's row factory.
    protect("block")
    conn = make_db(sqlite3.connect(":memory:"))
    conn.row_factory = sqlite3.Row
    cur = conn.execute("SELECT name FROM users WHERE email = ?", ("a@x",))
    assert cur.fetchone()["name"] == "Alice"
    with attack_context():
        with pytest.raises(rampart.AttackBlocked):
            cur.execute(SQL)


def test_factories_are_kept(protect) -> None:
    protect("block")

    class MyConnection(sqlite3.Connection):
        marker = "mine"

    class MyCursor(sqlite3.Cursor):
        marker = "cursor"

    conn = sqlite3.connect(":memory:", factory=MyConnection)
    assert isinstance(conn, MyConnection) and conn.marker == "mine"
    cur = conn.cursor(MyCursor)
    assert isinstance(cur, MyCursor) and cur.marker == "cursor"
    conn2 = sqlite3.connect(":memory:", 5.0, 0, "DEFERRED", True, MyConnection)  # positional factory
    assert isinstance(conn2, MyConnection)
    with attack_context():
        for target in (conn, cur, conn2):
            with pytest.raises(rampart.AttackBlocked):
                target.execute(SQL)


def test_import_styles(protect) -> None:
    protect("block")
    from sqlite3 import dbapi2

    conn = dbapi2.connect(":memory:")  # Django's spelling
    with attack_context(), pytest.raises(rampart.AttackBlocked):
        conn.execute(SQL)


def test_unprotect_restores_connect(protect) -> None:
    original = sqlite3.connect.__wrapped__ if hasattr(sqlite3.connect, "__wrapped__") else None
    protect("block")
    assert getattr(sqlite3.connect, "__rampart_original__", None) is not None
    rampart.unprotect()
    assert not hasattr(sqlite3.connect, "__rampart_original__")
    assert original is None or sqlite3.connect is original


def test_signatures_are_the_drivers_own(protect) -> None:
    protect("block")
    conn = sqlite3.connect(":memory:")
    with pytest.raises(TypeError):
        conn.execute(sql="SELECT 1")  # positional-only, as in sqlite3 itself
    assert conn.execute("SELECT ?", (1,)).fetchone() == (1,)
    assert conn.execute("SELECT 1").fetchone() == (1,)


def test_wrapped_objects_behave_like_sqlite3s(protect, tmp_path) -> None:
    # connect() and the standard connection's and cursor's methods are native: the
    # objects still are sqlite3's in every way an application uses them.
    protect("block")
    assert sqlite3.connect.__name__ == "connect"
    path = str(tmp_path / "db.sqlite")
    with sqlite3.connect(path, timeout=2.0, isolation_level=None) as conn:  # keywords, context manager
        assert isinstance(conn, sqlite3.Connection) and conn.isolation_level is None
        assert type(conn).__name__ == "Connection"
        make_db(conn)
        conn.row_factory = sqlite3.Row
        cur = conn.cursor()
        assert isinstance(cur, sqlite3.Cursor) and cur.connection is conn
        assert [row["name"] for row in cur.execute("SELECT name FROM users")] == ["Alice"]  # iteration
        assert cur.description[0][0] == "name" and cur.lastrowid is not None
        cur.executemany("INSERT INTO users VALUES (?, ?, ?)", iter([("b@x", "p", "Bob")]))
        assert cur.rowcount == 1 and conn.total_changes >= 2
        assert conn.execute("SELECT count(*) AS n FROM users").fetchone()["n"] == 2
        conn.executescript("DELETE FROM users WHERE name = 'Bob';")
        assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == 1
        assert isinstance(conn.cursor(factory=sqlite3.Cursor), sqlite3.Cursor)  # keyword factory
        conn.set_authorizer(None)
    assert sqlite3.connect(path, factory=sqlite3.Connection).execute("SELECT 1").fetchone() == (1,)
    uri = sqlite3.connect("file:" + path + "?mode=ro", uri=True)
    assert uri.execute("SELECT name FROM users").fetchall() == [("Alice",)]
    # sqlite3's own errors, for the same mistakes
    for mistake in (lambda: conn.execute(), lambda: conn.execute("SELECT 1", (), 3), lambda: cur.execute()):
        with pytest.raises(TypeError):
            mistake()
    with pytest.raises(TypeError):
        conn.executescript(sql_script="SELECT 1")
    with pytest.raises(TypeError):
        conn.cursor(nonsense=1)
    uri.close()
    with pytest.raises(sqlite3.ProgrammingError):
        uri.execute("SELECT 1")
    with pytest.raises(sqlite3.ProgrammingError):
        uri.cursor()


def test_a_hooked_query_runs_no_python_frame_of_rampart(protect) -> None:
    import sys
    from pathlib import Path

    protect("block")
    package = str(Path(rampart.__file__).parent)
    entered: list = []

    def profile(frame, event, arg) -> None:
        if event == "call" and frame.f_code.co_filename.startswith(package):
            entered.append(frame.f_code.co_name)

    conn = make_db(sqlite3.connect(":memory:"))
    with rampart.request_context(inputs=[("body", "email", "a@x")]):
        conn.execute("SELECT 1")  # first check in the request: collects the inputs
        sys.setprofile(profile)
        try:
            other = sqlite3.connect(":memory:")
            other.execute("SELECT name FROM sqlite_master WHERE name = 'a@x'").fetchall()
            other.executescript("CREATE TABLE t (v TEXT);")
            other.executemany("INSERT INTO t VALUES (?)", [("a",)])
            cur = other.cursor()
            cur.execute("SELECT v FROM t")
            cur.executemany("INSERT INTO t VALUES (?)", [("b",)])
            cur.executescript("DELETE FROM t;")
        finally:
            sys.setprofile(None)
    assert entered == []
    # and the checks did run: the same calls in an attack are blocked
    with attack_context():
        with pytest.raises(rampart.AttackBlocked):
            other.cursor().execute(SQL)
