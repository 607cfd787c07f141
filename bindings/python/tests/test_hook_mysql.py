"""PyMySQL and mysqlclient hooks, against a real MariaDB on 127.0.0.1."""

from __future__ import annotations

import pytest
import rampart

ATTACK = "' OR 1=1-- "
SQL = "SELECT name FROM users WHERE email = '" + ATTACK + "' AND pw = 'x'"
SETUP = [
    "CREATE DATABASE IF NOT EXISTS shop",
    "USE shop",
    "DROP TABLE IF EXISTS users",
    "CREATE TABLE users (email VARCHAR(50), pw VARCHAR(50), name VARCHAR(50))",
    "INSERT INTO users VALUES ('a@x', 'pw', 'Alice')",
]


def attack_context():
    return rampart.request_context(path="/login", inputs=[("body", "email", ATTACK)])


def run_driver(connect, cursor_classes, events, prefix) -> None:
    conn = connect()
    cur = conn.cursor()
    for statement in SETUP:
        cur.execute(statement)
    with attack_context():
        cur.execute("SELECT name FROM users WHERE email = %s", ("a@x",))
        assert cur.fetchall() == (("Alice",),)
        cur.executemany("INSERT INTO users VALUES (%s, %s, %s)", [("b@x", "p", "Bob"), ("c@x", "p", "Cy")])
        assert cur.rowcount == 2
        for cursor_class in cursor_classes:
            with pytest.raises(rampart.AttackBlocked):
                conn.cursor(cursor_class).execute(SQL)
        with pytest.raises(rampart.AttackBlocked):
            cur.executemany(SQL, [()])
    conn.close()
    operations = {e["sink"]["operation"] for e in events.findings()}
    assert operations and all(op.startswith(prefix) for op in operations)


def test_pymysql(mariadb, protect, events) -> None:
    pymysql = pytest.importorskip("pymysql")
    protect("block")
    run_driver(
        lambda: pymysql.connect(**mariadb, autocommit=True),
        [pymysql.cursors.Cursor, pymysql.cursors.DictCursor, pymysql.cursors.SSCursor],
        events,
        "pymysql.",
    )


def test_mysqlclient(mariadb, protect, events) -> None:
    pytest.importorskip("MySQLdb")
    import MySQLdb.cursors

    protect("block")
    run_driver(
        lambda: MySQLdb.connect(host=mariadb["host"], port=mariadb["port"], user=mariadb["user"], autocommit=True),
        [MySQLdb.cursors.Cursor, MySQLdb.cursors.DictCursor, MySQLdb.cursors.SSCursor],
        events,
        "MySQLdb.",
    )
    assert "MySQLdb.cursors.BaseCursor.executemany" in {e["sink"]["operation"] for e in events.findings()}
