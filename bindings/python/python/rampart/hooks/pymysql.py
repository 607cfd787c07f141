"""PyMySQL (MySQL, MariaDB): ``Cursor.execute`` of every cursor class.
``executemany`` runs through ``execute``, so it is checked there.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from .. import sinks
from ._patch import patch

TARGET = "pymysql.cursors"
MYSQL = sinks.Dialect.MYSQL


def apply(cursors: ModuleType) -> None:
    def make(original: Any) -> Any:
        def execute(self: Any, *args: Any, **kwargs: Any) -> Any:
            sinks.sql("pymysql.cursors.Cursor.execute", MYSQL, args[0] if args else kwargs.get("query"))
            return original(self, *args, **kwargs)

        return execute

    patch(cursors.Cursor, "execute", make)
