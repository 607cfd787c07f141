"""Sink hooks, one module per library. Each module names the module it patches
(``TARGET``) and has an ``apply(module)`` that patches it; :func:`install` arranges for
every hook to apply when (or if) its library is imported. A library that is not
installed is never imported, so its hook simply never applies.

Hooks never change what a call does or returns when no attack is found.
"""

from __future__ import annotations

import importlib
from typing import Iterable, Optional

from . import _patch

#: Hook modules of this package, in the order they install.
HOOKS = (
    # SQL
    "sqlite3",
    "psycopg",
    "psycopg2",
    "pymysql",
    "mysqlclient",
    # NoSQL
    "pymongo",
    # processes
    "subprocess",
    "os_process",
    # files
    "builtins_open",
    "os_files",
    "shutil",
    # outgoing HTTP
    "urllib_request",
    "http_client",
    "urllib3",
    "requests",
    "httpx",
    "socket",
)


def install(names: Optional[Iterable[str]] = None) -> None:
    for name in names if names is not None else HOOKS:
        hook = importlib.import_module(f"{__name__}.{name}")
        _patch.when_imported(hook.TARGET, f"hook:{name}", hook.apply)
