"""os: the file functions that take a path the application may build from input
(open, list, remove, rename, create, change mode). ``os.stat`` and ``os.path.exists``
only look, and run too often to check.

pathlib's ``Path.unlink``, ``iterdir``, ``mkdir``, ``rename``, ... call these (on
Python 3.11 and later), so they are checked too.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, Callable

from .. import sinks
from ._patch import patch

TARGET = "os"

#: Functions whose first argument is a path.
ONE_PATH = ("open", "listdir", "scandir", "remove", "unlink", "rmdir", "mkdir", "chmod", "truncate", "removedirs")
#: Functions whose first two arguments are paths.
TWO_PATHS = ("rename", "replace", "link", "symlink", "renames")


def _checker(name: str, paths: int) -> Callable[[Any], Any]:
    operation = f"os.{name}"

    def make(original: Any) -> Any:
        if paths == 1:

            def hooked(*args: Any, **kwargs: Any) -> Any:
                if args:
                    sinks.path(operation, args[0])
                return original(*args, **kwargs)

        else:

            def hooked(*args: Any, **kwargs: Any) -> Any:
                for file in args[:2]:
                    sinks.path(operation, file)
                return original(*args, **kwargs)

        return hooked

    return make


def apply(os: ModuleType) -> None:
    for name in ONE_PATH:
        if hasattr(os, name):
            patch(os, name, _checker(name, 1))
    for name in TWO_PATHS:
        if hasattr(os, name):
            patch(os, name, _checker(name, 2))
