"""Where events go, and the Python stack they carry.

One JSON object per line (the core formats it: docs/events.md), to stderr unless
``RAMPART_EVENTS`` (or ``protect(events=...)``) names a file, or says ``stdout``.
"""

from __future__ import annotations

import os
import sys
import threading
from types import FrameType
from typing import IO, List, Optional

__all__ = ["configure", "emit", "capture_stack"]

#: Frames kept in an event's stack.
MAX_FRAMES = 32

_lock = threading.Lock()
_stream: Optional[IO[str]] = None
_owned = False
_package_dir = os.path.dirname(os.path.abspath(__file__))
_short_names: dict = {}


def configure(destination: Optional[str]) -> None:
    """``None``, ``""`` or ``"stderr"``: standard error; ``"stdout"``; or a file path
    (appended to)."""
    global _stream, _owned
    with _lock:
        if _owned and _stream is not None:
            _stream.close()
        _stream, _owned = None, False
        if destination in (None, "", "stderr", "-"):
            return
        if destination == "stdout":
            _stream = sys.stdout
            return
        _stream = open(destination, "a", encoding="utf-8", buffering=1)  # noqa: SIM115
        _owned = True


def emit(line: str) -> None:
    """Writes one event line. Never raises: a log that cannot be written must not
    break the application."""
    try:
        with _lock:
            stream = _stream if _stream is not None else sys.stderr
            stream.write(line + "\n")
            stream.flush()
    except Exception:  # noqa: BLE001 -- the last resort of the error path
        pass


def capture_stack(frame: Optional[FrameType] = None) -> List[str]:
    """The caller's stack, innermost first, without rampart's own frames:
    ``["app.py:42 in login", "flask/app.py:902 in dispatch_request", ...]``."""
    if frame is None:
        frame = sys._getframe(1)
    frames: List[str] = []
    while frame is not None and len(frames) < MAX_FRAMES:
        code = frame.f_code
        filename = code.co_filename
        if not filename.startswith(_package_dir):
            frames.append(f"{_short(filename)}:{frame.f_lineno} in {code.co_name}")
        frame = frame.f_back
    return frames


def _short(filename: str) -> str:
    """The path relative to the longest sys.path entry containing it
    (``flask/app.py``), so stacks read the same on every machine."""
    short = _short_names.get(filename)
    if short is None:
        short = filename
        best = 0
        for entry in sys.path:
            entry = os.path.abspath(entry or os.curdir)
            if len(entry) > best and filename.startswith(entry + os.sep):
                best = len(entry)
                short = filename[len(entry) + 1 :]
        if len(_short_names) < 4096:
            _short_names[filename] = short
    return short
