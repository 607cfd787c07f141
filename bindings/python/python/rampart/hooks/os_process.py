"""os: the process functions that do not go through subprocess. ``os.system`` and
``os.popen`` run a command string through the shell (shell check); ``os.exec*``,
``os.spawn*`` and ``os.posix_spawn[p]`` run a program with an argv (exec check). The
``l`` variants of exec and spawn call the ``v`` ones, so those are checked too.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, Callable

from .. import sinks
from ._patch import patch

TARGET = "os"

#: name -> index of the argv argument (the program is argument ``index - 1``).
_EXEC = {"execv": 1, "execve": 1, "execvp": 1, "execvpe": 1}
_SPAWN = {"spawnv": 2, "spawnve": 2, "spawnvp": 2, "spawnvpe": 2}
_POSIX_SPAWN = {"posix_spawn": 1, "posix_spawnp": 1}


def _argv_checker(name: str, index: int) -> Callable[[Any], Any]:
    operation = f"os.{name}"

    def make(original: Any) -> Any:
        def hooked(*args: Any, **kwargs: Any) -> Any:
            if sinks.current() is not None and len(args) > index:
                program, argv = args[index - 1], args[index]
                if isinstance(argv, (list, tuple)):
                    sinks.exec_argv(operation, [program, *argv[1:]])
            return original(*args, **kwargs)

        return hooked

    return make


def _shell_checker(name: str) -> Callable[[Any], Any]:
    operation = f"os.{name}"

    def make(original: Any) -> Any:
        def hooked(command: Any, *args: Any, **kwargs: Any) -> Any:
            sinks.shell(operation, command)
            return original(command, *args, **kwargs)

        return hooked

    return make


def apply(os: ModuleType) -> None:
    for name in ("system", "popen"):
        if hasattr(os, name):
            patch(os, name, _shell_checker(name))
    for table in (_EXEC, _SPAWN, _POSIX_SPAWN):
        for name, index in table.items():
            if hasattr(os, name):
                patch(os, name, _argv_checker(name, index))
