"""sqlite3 (the standard library): ``connect()`` returns a connection whose ``execute``,
``executemany``, ``executescript`` and cursors are checked.

``sqlite3.Connection`` and ``sqlite3.Cursor`` are C types whose methods cannot be
patched, so ``connect()`` passes a subclass as ``factory`` (a subclass of the caller's
own factory, if any), and ``Connection.cursor()`` does the same for cursor factories.
``isinstance(conn, sqlite3.Connection)`` stays true. Connections opened before
``protect()`` are not checked.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from .. import sinks
from ._patch import patch, subclass_cache

TARGET = "sqlite3"
SQLITE = sinks.Dialect.SQLITE
_hooked = subclass_cache()
_hooked_cursor = subclass_cache()


def _sql(args: Any, kwargs: Any, name: str) -> Any:
    return args[0] if args else kwargs.get(name)


class _CursorHooks:
    __slots__ = ()

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        sinks.sql("sqlite3.Cursor.execute", SQLITE, _sql(args, kwargs, "sql"))
        return super().execute(*args, **kwargs)  # type: ignore[misc]

    def executemany(self, *args: Any, **kwargs: Any) -> Any:
        sinks.sql("sqlite3.Cursor.executemany", SQLITE, _sql(args, kwargs, "sql"))
        return super().executemany(*args, **kwargs)  # type: ignore[misc]

    def executescript(self, *args: Any, **kwargs: Any) -> Any:
        sinks.sql("sqlite3.Cursor.executescript", SQLITE, _sql(args, kwargs, "sql_script"))
        return super().executescript(*args, **kwargs)  # type: ignore[misc]


class _ConnectionHooks:
    __slots__ = ()

    def cursor(self, *args: Any, **kwargs: Any) -> Any:
        factory = args[0] if args else kwargs.pop("factory", _Cursor)
        if isinstance(factory, type) and issubclass(factory, _Cursor):
            factory = _hooked_cursor(factory, _CursorHooks)
        return super().cursor(factory, *args[1:], **kwargs)  # type: ignore[misc]

    # The C implementations of these create their cursor without going through
    # cursor(), so they are checked here.
    def execute(self, *args: Any, **kwargs: Any) -> Any:
        sinks.sql("sqlite3.Connection.execute", SQLITE, _sql(args, kwargs, "sql"))
        return super().execute(*args, **kwargs)  # type: ignore[misc]

    def executemany(self, *args: Any, **kwargs: Any) -> Any:
        sinks.sql("sqlite3.Connection.executemany", SQLITE, _sql(args, kwargs, "sql"))
        return super().executemany(*args, **kwargs)  # type: ignore[misc]

    def executescript(self, *args: Any, **kwargs: Any) -> Any:
        sinks.sql("sqlite3.Connection.executescript", SQLITE, _sql(args, kwargs, "sql_script"))
        return super().executescript(*args, **kwargs)  # type: ignore[misc]


_Cursor: Any = None
#: Position of ``factory`` in ``sqlite3.connect(database, timeout, detect_types,
#: isolation_level, check_same_thread, factory, ...)``.
_FACTORY_POSITION = 5


def apply(sqlite3: ModuleType) -> None:
    global _Cursor
    _Cursor = sqlite3.Cursor
    connection_class = sqlite3.Connection

    def make(connect: Any) -> Any:
        def connect_hooked(*args: Any, **kwargs: Any) -> Any:
            if len(args) > _FACTORY_POSITION:
                factory = args[_FACTORY_POSITION]
                if isinstance(factory, type) and issubclass(factory, connection_class):
                    args = (*args[:_FACTORY_POSITION], _hooked(factory, _ConnectionHooks), *args[_FACTORY_POSITION + 1 :])
            else:
                factory = kwargs.get("factory", connection_class)
                if isinstance(factory, type) and issubclass(factory, connection_class):
                    kwargs["factory"] = _hooked(factory, _ConnectionHooks)
            return connect(*args, **kwargs)

        return connect_hooked

    patch(sqlite3, "connect", make)
    dbapi2 = getattr(sqlite3, "dbapi2", None)
    if dbapi2 is not None:
        patch(dbapi2, "connect", make)
