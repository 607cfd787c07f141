"""psycopg 3 (PostgreSQL): ``execute``, ``executemany`` and ``stream`` of every cursor
class, sync and async. ``Connection.execute`` goes through a cursor, so it is checked
once. Queries composed with ``psycopg.sql`` are checked as the text they render to.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, Callable

from .. import sinks
from ._patch import patch

TARGET = "psycopg"
POSTGRESQL = sinks.Dialect.POSTGRESQL

_SYNC = ("Cursor", "ServerCursor")
_ASYNC = ("AsyncCursor", "AsyncServerCursor")
_METHODS = ("execute", "executemany", "stream")


def _query_text(cursor: Any, query: Any, operation: str) -> Any:
    """The text the server will receive for ``query``: str and bytes as they are, a
    ``psycopg.sql.Composable`` rendered with the cursor's encoding."""
    if query is None or isinstance(query, (str, bytes)):
        return query
    try:
        return query.as_string(cursor)
    except Exception as error:  # noqa: BLE001 -- cannot read it: fail open, with an event
        sinks.hook_failed("sql", operation, error)
        return None


def _sync_wrapper(operation: str) -> Callable[[Any], Any]:
    def make(original: Any) -> Any:
        def method(self: Any, *args: Any, **kwargs: Any) -> Any:
            query = args[0] if args else kwargs.get("query")
            sinks.sql(operation, POSTGRESQL, _query_text(self, query, operation))
            return original(self, *args, **kwargs)

        return method

    return make


def _async_wrapper(operation: str) -> Callable[[Any], Any]:
    def make(original: Any) -> Any:
        async def method(self: Any, *args: Any, **kwargs: Any) -> Any:
            query = args[0] if args else kwargs.get("query")
            sinks.sql(operation, POSTGRESQL, _query_text(self, query, operation))
            return await original(self, *args, **kwargs)

        return method

    return make


def _async_gen_wrapper(operation: str) -> Callable[[Any], Any]:
    def make(original: Any) -> Any:
        async def method(self: Any, *args: Any, **kwargs: Any) -> Any:
            query = args[0] if args else kwargs.get("query")
            sinks.sql(operation, POSTGRESQL, _query_text(self, query, operation))
            async for row in original(self, *args, **kwargs):
                yield row

        return method

    return make


def apply(psycopg: ModuleType) -> None:
    for class_name in _SYNC + _ASYNC:
        cls = getattr(psycopg, class_name, None)
        if cls is None:
            continue
        for method in _METHODS:
            if method not in cls.__dict__:
                continue  # inherited: patched on the class that defines it
            operation = f"psycopg.{class_name}.{method}"
            if class_name in _SYNC:
                make = _sync_wrapper(operation)
            elif method == "stream":
                make = _async_gen_wrapper(operation)
            else:
                make = _async_wrapper(operation)
            patch(cls, method, make)
