"""psycopg (3) and psycopg2 hooks, against a real PostgreSQL on 127.0.0.1."""

from __future__ import annotations

import asyncio

import pytest
import rampart

ATTACK = "' OR 1=1-- "
SQL = "SELECT name FROM users WHERE email = '" + ATTACK + "' AND pw = 'x'"
SETUP = [
    "DROP TABLE IF EXISTS users",
    "CREATE TABLE users (email TEXT, pw TEXT, name TEXT)",
    "INSERT INTO users VALUES ('a@x', 'pw', 'Alice')",
]


def attack_context():
    return rampart.request_context(path="/login", inputs=[("body", "email", ATTACK)])


def test_psycopg3(postgres, protect, events) -> None:
    psycopg = pytest.importorskip("psycopg")
    from psycopg import sql

    protect("block")
    with psycopg.connect(**postgres, autocommit=True) as conn:
        for statement in SETUP:
            conn.execute(statement)
        with attack_context():
            # normal use is untouched
            assert conn.execute("SELECT name FROM users WHERE email = %s", ("a@x",)).fetchall() == [("Alice",)]
            with conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
                assert cur.execute("SELECT name FROM users").fetchone() == {"name": "Alice"}
            for call in (
                lambda: conn.execute(SQL),
                lambda: conn.cursor().execute(SQL),
                lambda: conn.cursor().executemany(SQL, []),
                lambda: list(conn.cursor().stream(SQL)),
                lambda: psycopg.ClientCursor(conn).execute(SQL),
                lambda: conn.cursor(name="server_side").execute(SQL),
                lambda: conn.execute(sql.SQL("SELECT name FROM users WHERE email = '" + ATTACK + "'")),
            ):
                with pytest.raises(rampart.AttackBlocked):
                    call()
            # composed queries that quote the input properly are safe
            query = sql.SQL("SELECT name FROM users WHERE email = {}").format(sql.Literal(ATTACK))
            assert conn.execute(query).fetchall() == []
    operations = {e["sink"]["operation"] for e in events.findings()}
    assert {
        "psycopg.Cursor.execute",
        "psycopg.Cursor.executemany",
        "psycopg.Cursor.stream",
        "psycopg.ServerCursor.execute",
    } <= operations


def test_psycopg3_async(postgres, protect, events) -> None:
    psycopg = pytest.importorskip("psycopg")
    protect("block")

    async def main() -> None:
        async with await psycopg.AsyncConnection.connect(**postgres, autocommit=True) as conn:
            with attack_context():
                cur = await conn.execute("SELECT 1")
                assert await cur.fetchall() == [(1,)]
                with pytest.raises(rampart.AttackBlocked):
                    await conn.execute(SQL)
                with pytest.raises(rampart.AttackBlocked):
                    async for _ in conn.cursor().stream(SQL):
                        pass

    asyncio.run(main())
    assert {e["sink"]["operation"] for e in events.findings()} == {
        "psycopg.AsyncCursor.execute",
        "psycopg.AsyncCursor.stream",
    }


def test_psycopg2(postgres, protect, events) -> None:
    pytest.importorskip("psycopg2")
    import psycopg2.extras
    from psycopg2 import sql

    protect("block")
    conn = psycopg2.connect(**postgres)
    conn.autocommit = True
    cur = conn.cursor()
    for statement in SETUP:
        cur.execute(statement)
    with attack_context():
        cur = conn.cursor()
        cur.execute("SELECT name FROM users WHERE email = %s", ("a@x",))
        assert cur.fetchall() == [("Alice",)]
        dict_cur = conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor)
        dict_cur.execute("SELECT name FROM users")
        assert dict_cur.fetchone() == {"name": "Alice"}
        for target in (cur, dict_cur, conn.cursor(name="named")):
            with pytest.raises(rampart.AttackBlocked):
                target.execute(SQL)
        with pytest.raises(rampart.AttackBlocked):
            cur.executemany(SQL, [])
        with pytest.raises(rampart.AttackBlocked):
            cur.execute(sql.SQL(SQL))
    conn.close()
    # connection and cursor factories given to connect() keep working
    conn = psycopg2.connect(**postgres, cursor_factory=psycopg2.extras.DictCursor)
    cur = conn.cursor()
    cur.execute("SELECT name FROM users")
    assert cur.fetchone()["name"] == "Alice"
    with attack_context(), pytest.raises(rampart.AttackBlocked):
        cur.execute(SQL)
    conn.close()
    conn = psycopg2.connect(**postgres, connection_factory=psycopg2.extras.DictConnection)
    cur = conn.cursor()
    assert isinstance(cur, psycopg2.extras.DictCursor)
    with attack_context(), pytest.raises(rampart.AttackBlocked):
        cur.execute(SQL)
    conn.close()
    assert {e["sink"]["operation"] for e in events.findings()} == {
        "psycopg2.cursor.execute",
        "psycopg2.cursor.executemany",
    }
