"""mysqlclient (``MySQLdb``; MySQL, MariaDB): ``execute`` and ``executemany`` of every
cursor class (the bulk INSERT path of ``executemany`` bypasses ``execute``).
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, Callable

from .. import sinks
from ._patch import patch

TARGET = "MySQLdb.cursors"
MYSQL = sinks.Dialect.MYSQL


def _wrapper(operation: str) -> Callable[[Any], Any]:
    def make(original: Any) -> Any:
        def method(self: Any, *args: Any, **kwargs: Any) -> Any:
            sinks.sql(operation, MYSQL, args[0] if args else kwargs.get("query"))
            return original(self, *args, **kwargs)

        return method

    return make


def apply(cursors: ModuleType) -> None:
    for method in ("execute", "executemany"):
        patch(cursors.BaseCursor, method, _wrapper(f"MySQLdb.cursors.BaseCursor.{method}"))
