"""shutil: copying, moving and removing files and trees. The check names the shutil
function in the event rather than the os call it makes underneath."""

from __future__ import annotations

from types import ModuleType
from typing import Any, Callable

from .. import sinks
from ._patch import patch

TARGET = "shutil"
#: Functions whose first two arguments are paths (source, destination).
TWO_PATHS = ("copyfile", "copy", "copy2", "copytree", "move", "copymode", "copystat")
#: Functions whose first argument is a path.
ONE_PATH = ("rmtree", "make_archive", "unpack_archive", "chown")


def _checker(name: str, paths: int) -> Callable[[Any], Any]:
    operation = f"shutil.{name}"

    def make(original: Any) -> Any:
        def hooked(*args: Any, **kwargs: Any) -> Any:
            for file in args[:paths]:
                sinks.path(operation, file)
            return original(*args, **kwargs)

        return hooked

    return make


def apply(shutil: ModuleType) -> None:
    for name in TWO_PATHS:
        if hasattr(shutil, name):
            patch(shutil, name, _checker(name, 2))
    for name in ONE_PATH:
        if hasattr(shutil, name):
            patch(shutil, name, _checker(name, 1))
