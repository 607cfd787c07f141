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
HOOKS = ("sqlite3", "psycopg", "psycopg2", "pymysql", "mysqlclient")


def install(names: Optional[Iterable[str]] = None) -> None:
    for name in names if names is not None else HOOKS:
        hook = importlib.import_module(f"{__name__}.{name}")
        _patch.when_imported(hook.TARGET, f"hook:{name}", hook.apply)
