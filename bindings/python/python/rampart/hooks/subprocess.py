"""subprocess: ``Popen``, and so ``run``, ``call``, ``check_call``, ``check_output``,
``getoutput`` and ``getstatusoutput``, which all create one.

``shell=True``: the command string (or the first item of a sequence) goes through the
shell check, as ``/bin/sh -c`` will read it. Otherwise the argv goes through the exec
check, with ``executable`` as the program when the caller gives one. The check runs
before anything is forked: a refused call starts nothing.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from .. import sinks
from ._patch import patch

TARGET = "subprocess"
OPERATION = "subprocess.Popen"


def check(args: Any, shell: Any, executable: Any) -> None:
    if shell:
        if isinstance(args, (str, bytes)):
            sinks.shell(OPERATION, args)
        elif isinstance(args, (list, tuple)) and args:
            sinks.shell(OPERATION, args[0])
        return
    if isinstance(args, (str, bytes)) or hasattr(args, "__fspath__"):
        argv: Any = [args]
    elif isinstance(args, (list, tuple)):
        argv = list(args)
    else:
        return
    if executable is not None and argv:
        argv[0] = executable
    sinks.exec_argv(OPERATION, argv)


def apply(subprocess: ModuleType) -> None:
    def make(original: Any) -> Any:
        def __init__(self: Any, args: Any, *rest: Any, **kwargs: Any) -> None:
            if sinks.current() is not None:
                # Popen(args, bufsize, executable, stdin, stdout, stderr, preexec_fn,
                # close_fds, shell, ...): executable and shell may come by position.
                executable = rest[1] if len(rest) > 1 else kwargs.get("executable")
                shell = rest[7] if len(rest) > 7 else kwargs.get("shell", False)
                check(args, shell, executable)
            original(self, args, *rest, **kwargs)

        return __init__

    patch(subprocess.Popen, "__init__", make)
