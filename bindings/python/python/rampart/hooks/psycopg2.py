"""psycopg2 (PostgreSQL): ``execute`` and ``executemany`` of every cursor.

psycopg2's connection and cursor are C types, so ``psycopg2.connect()`` passes a
subclass as ``connection_factory`` (a subclass of the caller's own, if any), whose
``cursor()`` hands out subclasses of the requested cursor factory (``DictCursor``,
``RealDictCursor``, ... keep working). Connections opened before ``protect()`` are not
checked.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from .. import sinks
from ._patch import patch, subclass_cache

TARGET = "psycopg2"
POSTGRESQL = sinks.Dialect.POSTGRESQL
_hooked_connection = subclass_cache()
_hooked_cursor = subclass_cache()
_base_connection: Any = None
_base_cursor: Any = None


def _query_text(cursor: Any, query: Any, operation: str) -> Any:
    if query is None or isinstance(query, (str, bytes)):
        return query
    try:
        return query.as_string(cursor)  # psycopg2.sql.Composable
    except Exception as error:  # noqa: BLE001
        sinks.hook_failed("sql", operation, error)
        return None


class _CursorHooks:
    __slots__ = ()

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        query = args[0] if args else kwargs.get("query")
        sinks.sql("psycopg2.cursor.execute", POSTGRESQL, _query_text(self, query, "psycopg2.cursor.execute"))
        return super().execute(*args, **kwargs)  # type: ignore[misc]

    def executemany(self, *args: Any, **kwargs: Any) -> Any:
        query = args[0] if args else kwargs.get("query")
        sinks.sql("psycopg2.cursor.executemany", POSTGRESQL, _query_text(self, query, "psycopg2.cursor.executemany"))
        return super().executemany(*args, **kwargs)  # type: ignore[misc]


def _hook_factory(factory: Any) -> Any:
    if isinstance(factory, type) and issubclass(factory, _base_cursor):
        return _hooked_cursor(factory, _CursorHooks)
    return factory


class _ConnectionHooks:
    __slots__ = ()

    def cursor(self, *args: Any, **kwargs: Any) -> Any:
        # cursor(name=None, cursor_factory=None, withhold=False, scrollable=None)
        if len(args) >= 2:
            args = (args[0], _hook_factory(args[1]), *args[2:])
        elif kwargs.get("cursor_factory") is not None:
            kwargs["cursor_factory"] = _hook_factory(kwargs["cursor_factory"])
        elif getattr(self, "cursor_factory", None) is not None:
            kwargs["cursor_factory"] = _hook_factory(self.cursor_factory)
        elif _overrides_cursor(type(self)):
            # A connection class with its own cursor() (psycopg2.extras.DictConnection)
            # picks its default factory there: let it, then hook what it made.
            cursor = super().cursor(*args, **kwargs)  # type: ignore[misc]
            return _rehook(cursor)
        else:
            kwargs["cursor_factory"] = _hooked_cursor(_base_cursor, _CursorHooks)
        return super().cursor(*args, **kwargs)  # type: ignore[misc]


def _overrides_cursor(cls: type) -> bool:
    for klass in cls.__mro__:
        if klass is _ConnectionHooks:
            continue
        if "cursor" in klass.__dict__:
            return klass is not _base_connection
    return False


def _rehook(cursor: Any) -> Any:
    cls = type(cursor)
    if isinstance(cursor, _CursorHooks) or cls is _base_cursor:
        return cursor
    try:
        cursor.__class__ = _hooked_cursor(cls, _CursorHooks)
    except TypeError:
        pass  # a layout we cannot extend: left unchecked rather than broken
    return cursor


def _hook_connection(factory: Any) -> Any:
    if factory is None:
        factory = _base_connection
    if isinstance(factory, type) and issubclass(factory, _base_connection):
        return _hooked_connection(factory, _ConnectionHooks)
    return factory


def apply(psycopg2: ModuleType) -> None:
    global _base_connection, _base_cursor
    extensions = psycopg2.extensions
    _base_connection = extensions.connection
    _base_cursor = extensions.cursor

    def make(connect: Any) -> Any:
        def connect_hooked(*args: Any, **kwargs: Any) -> Any:
            # connect(dsn=None, connection_factory=None, cursor_factory=None, **kwargs)
            if len(args) >= 2:
                args = (args[0], _hook_connection(args[1]), *args[2:])
            else:
                kwargs["connection_factory"] = _hook_connection(kwargs.get("connection_factory"))
            return connect(*args, **kwargs)

        return connect_hooked

    patch(psycopg2, "connect", make)
