"""``open()`` (``builtins.open``) and ``io.open``, the same function under two names:
each name is patched, since code may hold either. pathlib's ``Path.open``,
``read_text``, ``write_bytes``, ... open files through ``io.open``.

A file descriptor (an int) is not a path and is not checked. Outside an HTTP request
the hook costs one context-variable lookup.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from .. import sinks
from ._patch import patch

TARGET = "builtins"


def _make(operation: str) -> Any:
    def make(original: Any) -> Any:
        def open(file: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: A001 -- it is open()
            sinks.path(operation, file)
            return original(file, *args, **kwargs)

        return open

    return make


def apply(builtins: ModuleType) -> None:
    import io

    patch(builtins, "open", _make("open"))
    patch(io, "open", _make("io.open"))
