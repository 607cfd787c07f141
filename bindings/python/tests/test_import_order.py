"""protect() before or after the application imports its libraries: both work. Each
case runs in a fresh interpreter, where nothing is imported yet."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

CHECK = """
import json, rampart
status = rampart.status()
conn = sqlite3.connect(":memory:")
with rampart.request_context(inputs=[("body", "email", "' OR 1=1-- ")]):
    try:
        conn.execute("SELECT 1 WHERE 'a' = '' OR 1=1-- '")
        blocked = False
    except rampart.AttackBlocked:
        blocked = True
print(json.dumps({"blocked": blocked, "patched": status["patched"],
                  "flask_patched": hasattr(flask.Flask.__call__, "__rampart_original__")}))
"""

BEFORE = """
import rampart
rampart.protect({"mode": "block"})
import sqlite3, flask
"""

AFTER = """
import sqlite3, flask
import rampart
rampart.protect({"mode": "block"})
"""


@pytest.mark.parametrize("prelude", [BEFORE, AFTER], ids=["protect-then-import", "import-then-protect"])
def test_hooks_apply_in_any_import_order(prelude: str) -> None:
    pytest.importorskip("flask")
    code = textwrap.dedent(prelude) + textwrap.dedent(CHECK)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["blocked"] is True
    assert result["flask_patched"] is True
    assert "hook:sqlite3" in result["patched"]


def test_mode_off_installs_nothing() -> None:
    code = textwrap.dedent(
        """
        import sqlite3, rampart
        rampart.protect({"mode": "off"})
        print(rampart.status()["patched"], hasattr(sqlite3.connect, "__rampart_original__"))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["[]", "False"], out.stderr


def test_environment_variables(tmp_path) -> None:
    """RAMPART_POLICY, RAMPART_MODE and RAMPART_EVENTS, as a deployment sets them."""
    policy = tmp_path / "policy.json"
    policy.write_text('{"mode": "report", "block_response": {"status": 451}}', encoding="utf-8")
    events = tmp_path / "events.jsonl"
    code = textwrap.dedent(
        """
        import sqlite3, rampart
        engine = rampart.protect()
        conn = sqlite3.connect(":memory:")
        with rampart.request_context(inputs=[("query", "q", "' OR 1=1-- ")]):
            try:
                conn.execute("SELECT 1 WHERE 'a' = '' OR 1=1-- '")
            except rampart.AttackBlocked:
                print("blocked", engine.block_status)
        """
    )
    env = dict(os.environ, RAMPART_POLICY=str(policy), RAMPART_MODE="block", RAMPART_EVENTS=str(events))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
    assert out.stdout.split() == ["blocked", "451"], out.stderr
    (event,) = [json.loads(line) for line in events.read_text(encoding="utf-8").split("\n") if line.strip()]
    assert (event["action"], event["input"]["key"]) == ("blocked", "q")
    assert out.stderr == ""  # events went to the file, not stderr


def test_a_hook_that_cannot_apply_says_so_and_breaks_nothing() -> None:
    """A library whose shape changed (here: a fake sqlite3 without connect) is left
    alone, with an error event, and the import still works."""
    code = textwrap.dedent(
        """
        import sys, types, rampart
        fake = types.ModuleType("sqlite3")
        sys.modules["sqlite3"] = fake
        rampart.protect({"mode": "block"})
        import sqlite3
        print("imported", sqlite3 is fake)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["imported", "True"], out.stderr
    (event,) = [json.loads(line) for line in out.stderr.splitlines() if line.startswith("{")]
    assert event["action"] == "failed_open"
    assert event["error"]["kind"] == "hook_not_applied"
    assert "hook:sqlite3" in event["error"]["message"]
