"""The file hooks (open, io.open, os.*, shutil.*, and pathlib through them) against
the real file system: a path that an input took out of the application's directory
is refused before the file is touched in block mode; normal paths work unchanged."""

from __future__ import annotations

import io
import os
import pathlib
import shutil

import pytest
import rampart

TRAVERSAL = "../secret.txt"


@pytest.fixture
def tree(tmp_path):
    public = tmp_path / "public"
    public.mkdir()
    (public / "readme.txt").write_text("hello")
    (tmp_path / "secret.txt").write_text("top secret")
    (tmp_path / "victim").mkdir()
    return public


def calls(public: pathlib.Path):
    target = f"{public}/{TRAVERSAL}"
    return {
        "open": lambda: open(target).read(),
        "io.open": lambda: io.open(target, "rb").read(),  # noqa: UP020 -- the io name is hooked apart
        "os.open": lambda: os.close(os.open(target, os.O_RDONLY)),
        "pathlib.Path.read_text": lambda: pathlib.Path(target).read_text(),
        "pathlib.Path.write_bytes": lambda: pathlib.Path(target).write_bytes(b"x"),
        "os.listdir": lambda: os.listdir(f"{public}/../"),
        "os.remove": lambda: os.remove(target),
        "pathlib.Path.unlink": lambda: pathlib.Path(target).unlink(),
        "os.rename": lambda: os.rename(target, f"{public}/stolen.txt"),
        "shutil.copyfile": lambda: shutil.copyfile(target, f"{public}/stolen.txt"),
        "shutil.rmtree": lambda: shutil.rmtree(f"{public}/../victim"),
    }


@pytest.mark.parametrize("name", list(calls(pathlib.Path("/x"))))
def test_traversal_blocked_then_reported(name, tree, protect, events) -> None:
    call = calls(tree)[name]
    value = {"os.listdir": "../", "shutil.rmtree": "../victim"}.get(name, TRAVERSAL)
    inputs = [("query", "file", value)]
    protect("block")
    with rampart.request_context(inputs=inputs):
        with pytest.raises(rampart.AttackBlocked) as raised:
            call()
    assert raised.value.threat == "path_traversal"
    assert (tree.parent / "secret.txt").read_text() == "top secret", "a blocked call must not touch the file"
    assert not (tree / "stolen.txt").exists() and (tree.parent / "victim").exists()
    [event] = events.findings()
    assert event["sink"]["kind"] == "path" and event["input"]["value"] == value

    events.clear()
    protect("report")
    with rampart.request_context(inputs=inputs):
        call()
    assert [e["action"] for e in events.findings()] == ["reported"]


def test_normal_file_access_unchanged(tree, protect, events) -> None:
    def run():
        with rampart.request_context(inputs=[("query", "file", "readme.txt"), ("query", "dir", "public")]):
            out = [open(tree / "readme.txt").read(), sorted(os.listdir(tree)), (tree / "readme.txt").read_bytes()]
            shutil.copyfile(tree / "readme.txt", tree / "copy.txt")
            out.append((tree / "copy.txt").read_text())
            os.remove(tree / "copy.txt")
            with open(os.open(tree / "readme.txt", os.O_RDONLY)) as f:  # a file descriptor
                out.append(f.read())
            return out

    rampart.unprotect()
    baseline = run()
    for mode in ("report", "block"):
        protect(mode)
        assert run() == baseline
    assert events.all() == []


def test_outside_a_request_nothing_is_checked(tree, protect, events) -> None:
    protect("block")
    assert open(f"{tree}/{TRAVERSAL}").read() == "top secret"
    assert events.all() == []
