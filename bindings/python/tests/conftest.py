"""Shared fixtures: a protected process with its events captured, and real database
servers (PostgreSQL, MariaDB) started on 127.0.0.1 for the session."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest
import rampart

REPO = Path(__file__).resolve().parents[3]
#: Set by scripts/test.d/40-python.sh: a server that cannot start fails the suite
#: instead of skipping its tests.
REQUIRE_SERVERS = os.environ.get("RAMPART_REQUIRE_SERVERS") == "1"

BLOCK_PAGE = "<h1>リクエストはブロックされました</h1><p>id={{event_id}}</p>"


def policy(mode: str, **extra: Any) -> Dict[str, Any]:
    """A test policy. Payload inspection of each request is off unless ``protections``
    turns it on: the tests about sinks count exactly the events their sinks write (the
    inspection has tests of its own, test_request_inspection.py)."""
    document: Dict[str, Any] = {
        "mode": mode,
        "block_response": {"status": 403, "content_type": "text/html; charset=utf-8", "body": BLOCK_PAGE},
        "protections": {"malicious_payload": {"action": "off"}},
    }
    protections = extra.pop("protections", {})
    document.update(extra)
    document["protections"].update(protections)
    return document


class Events:
    """The event lines written since the fixture started."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def all(self) -> List[Dict[str, Any]]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text(encoding="utf-8").split("\n") if line.strip()]

    def clear(self) -> None:
        self.path.write_text("", encoding="utf-8")

    def findings(self) -> List[Dict[str, Any]]:
        return [e for e in self.all() if e.get("threat")]


@pytest.fixture
def events(tmp_path: Path) -> Iterator[Events]:
    yield Events(tmp_path / "events.jsonl")


@pytest.fixture
def protect(events: Events) -> Iterator[Any]:
    """``protect("block")``: protects the process with a test policy, events to a file."""

    def apply(mode: str = "block", **extra: Any) -> rampart.Engine:
        return rampart.protect(policy(mode, **extra), events=str(events.path))

    yield apply
    rampart.unprotect()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _unavailable(reason: str) -> None:
    if REQUIRE_SERVERS:
        pytest.fail(reason)
    pytest.skip(reason)


def _as_service_user(cmd: List[str], user: Optional[str]) -> List[str]:
    return ["runuser", "-u", user, "--", *cmd] if user else cmd


@pytest.fixture(scope="session")
def postgres() -> Iterator[Dict[str, Any]]:
    """A throwaway PostgreSQL on 127.0.0.1 (Debian's packages), trust authentication."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not candidates:
        _unavailable("PostgreSQL server binaries not installed (scripts/setup.d installs them)")
    bindir = candidates[-1].parent
    user = "postgres" if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="rampart-pg-"))
    data, sockets = root / "data", root / "sock"
    sockets.mkdir()
    if user:
        shutil.chown(root, user)
        shutil.chown(sockets, user)
    port = free_port()
    run = lambda cmd: subprocess.run(_as_service_user(cmd, user), check=True, capture_output=True, timeout=120)  # noqa: E731
    run([str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"])
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {sockets} -c fsync=off -c full_page_writes=off"
    run([str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "start"])
    try:
        yield {"host": "127.0.0.1", "port": port, "user": "postgres", "dbname": "postgres"}
    finally:
        subprocess.run(
            _as_service_user([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], user),
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def mariadb() -> Iterator[Dict[str, Any]]:
    """A throwaway MariaDB on 127.0.0.1 (Debian's packages), no password."""
    server, install = shutil.which("mariadbd") or "/usr/sbin/mariadbd", shutil.which("mariadb-install-db")
    if not install or not os.path.exists(server):
        _unavailable("MariaDB server not installed (scripts/setup.d installs it)")
    root = Path(tempfile.mkdtemp(prefix="rampart-mariadb-"))
    port = free_port()
    subprocess.run(
        [
            install,
            "--no-defaults",
            f"--datadir={root / 'data'}",
            "--skip-test-db",
            "--auth-root-authentication-method=normal",
        ]
        + (["--user=root"] if os.geteuid() == 0 else []),
        check=True,
        capture_output=True,
        timeout=120,
    )
    process = subprocess.Popen(
        [
            server,
            "--no-defaults",
            f"--datadir={root / 'data'}",
            "--bind-address=127.0.0.1",
            f"--port={port}",
            f"--socket={root / 'sock'}",
            f"--pid-file={root / 'pid'}",
            f"--log-error={root / 'err.log'}",
            "--skip-grant-tables",
            "--innodb-flush-log-at-trx-commit=0",
        ]
        + (["--user=root"] if os.geteuid() == 0 else []),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log = (root / "err.log").read_text(errors="replace") if (root / "err.log").exists() else ""
                    pytest.fail(f"MariaDB did not start: {log[-2000:]}")
                time.sleep(0.1)
        yield {"host": "127.0.0.1", "port": port, "user": "root"}
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(root, ignore_errors=True)
