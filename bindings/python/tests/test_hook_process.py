"""The process hooks (subprocess, os.system, os.popen, os.exec*, os.spawn*,
os.posix_spawn) against the real modules and a real /bin/sh: an injected command is
refused before anything runs in block mode, and runs (reported) in report mode; a
normal command runs exactly as without rampart."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import rampart

HOST = "127.0.0.1; touch {marker}"


def shell_context(marker: Path):
    return rampart.request_context(method="GET", path="/ping", inputs=[("query", "host", HOST.format(marker=marker))])


def shell_calls(marker: Path):
    command = "echo pinging " + HOST.format(marker=marker)
    return {
        "subprocess.run": lambda: subprocess.run(command, shell=True, check=False, capture_output=True),
        "subprocess.call": lambda: subprocess.call(command, shell=True, stdout=subprocess.DEVNULL),
        "subprocess.check_output": lambda: subprocess.check_output(command, shell=True),
        "subprocess.getoutput": lambda: subprocess.getoutput(command),
        "subprocess.Popen": lambda: subprocess.Popen(command, shell=True, stdout=subprocess.DEVNULL).wait(),
        "subprocess.run(['sh', ...], shell=True)": lambda: subprocess.run([command], shell=True, check=False),
        "os.system": lambda: os.system(command + " >/dev/null"),
        "os.popen": lambda: os.popen(command).read(),
    }


@pytest.mark.parametrize("name", list(shell_calls(Path("x"))))
def test_shell_commands(name, protect, events, tmp_path) -> None:
    marker = tmp_path / "pwned"
    call = shell_calls(marker)[name]
    protect("block")
    with shell_context(marker):
        with pytest.raises(rampart.AttackBlocked) as raised:
            call()
    assert not marker.exists(), "a blocked command must not run"
    assert raised.value.threat == "command_injection"
    [event] = events.findings()
    assert event["sink"]["kind"] == "shell" and event["input"]["key"] == "host"
    assert event["stack"][0].startswith(("test_hook_process.py:", "subprocess.py:", "os.py:"))

    events.clear()
    protect("report")
    with shell_context(marker):
        call()
    assert marker.exists(), "report mode lets the command run"
    assert [e["action"] for e in events.findings()] == ["reported"]


def test_normal_commands_unchanged(protect, events) -> None:
    def outputs():
        with rampart.request_context(inputs=[("query", "host", "127.0.0.1"), ("query", "name", "O'Brien & co")]):
            return [
                subprocess.run("echo pinging 127.0.0.1", shell=True, capture_output=True).stdout,
                subprocess.run(["echo", "O'Brien & co"], capture_output=True).stdout,
                subprocess.check_output(["printf", "%s", "127.0.0.1"]),
                os.popen("echo 'O'\\''Brien & co'").read(),
                os.system("true"),
            ]

    rampart.unprotect()
    baseline = outputs()
    for mode in ("report", "block"):
        protect(mode)
        assert outputs() == baseline
    assert events.all() == []


def test_argv_program_and_options(protect, events, tmp_path) -> None:
    protect("block")
    marker = tmp_path / "pwned"
    with rampart.request_context(inputs=[("query", "tool", "/bin/sh")]):
        with pytest.raises(rampart.AttackBlocked):
            subprocess.run(["/bin/sh", "-c", f"touch {marker}"])
        with pytest.raises(rampart.AttackBlocked):
            subprocess.Popen("/bin/sh")  # a string without shell=True is the program
    with rampart.request_context(inputs=[("query", "cmd", f"touch {marker}")]):
        with pytest.raises(rampart.AttackBlocked):
            subprocess.run(["sh", "-c", f"touch {marker}"])  # input reaches a shell through argv
    with rampart.request_context(inputs=[("query", "repo", "--upload-pack=touch x")]):
        with pytest.raises(rampart.AttackBlocked):
            subprocess.run(["git", "ls-remote", "--upload-pack=touch x", "origin"])
    assert not marker.exists()
    assert [e["sink"]["operation"] for e in events.findings()] == ["subprocess.Popen"] * 4
    assert all(e["sink"]["kind"] == "exec" for e in events.findings())


def test_spawn_and_posix_spawn(protect, events, tmp_path) -> None:
    marker = tmp_path / "pwned"
    protect("block")
    with rampart.request_context(inputs=[("query", "tool", "/bin/sh")]):
        with pytest.raises(rampart.AttackBlocked):
            os.spawnv(os.P_WAIT, "/bin/sh", ["sh", "-c", f"touch {marker}"])
        with pytest.raises(rampart.AttackBlocked):
            os.spawnl(os.P_WAIT, "/bin/sh", "sh", "-c", f"touch {marker}")
        with pytest.raises(rampart.AttackBlocked):
            os.posix_spawn("/bin/sh", ["sh", "-c", f"touch {marker}"], os.environ)
        # a program the application chose runs as usual
        assert os.spawnv(os.P_WAIT, "/bin/true", ["true"]) == 0
        pid = os.posix_spawnp("true", ["true"], os.environ)
        assert os.waitpid(pid, 0)[1] == 0
    assert not marker.exists()
    assert [e["sink"]["operation"] for e in events.findings()] == ["os.spawnv", "os.spawnv", "os.posix_spawn"]


EXEC_CHILD = textwrap.dedent(
    """
    import os, sys, rampart
    rampart.protect({"mode": "block"}, events=sys.argv[3])
    with rampart.request_context(inputs=[("query", "tool", sys.argv[2])]):
        try:
            os.execv(sys.argv[1], [sys.argv[1], "-c", "echo exec ran"])
        except rampart.AttackBlocked:
            print("blocked")
    """
)


def test_exec_replaces_the_process_only_when_allowed(tmp_path) -> None:
    """os.exec* replace the process, so each runs in a child interpreter."""
    events = tmp_path / "events.jsonl"

    def run(program: str, tool: str) -> subprocess.CompletedProcess:
        argv = [sys.executable, "-c", EXEC_CHILD, program, tool, str(events)]
        return subprocess.run(argv, capture_output=True, text=True)

    blocked = run("/bin/sh", "/bin/sh")
    assert blocked.stdout == "blocked\n", blocked.stderr
    assert '"operation":"os.execv"' in events.read_text()
    # the input is not the program: exec proceeds and replaces the child
    allowed = run("/bin/sh", "hello")
    assert allowed.stdout == "exec ran\n", allowed.stderr
