"""sqlite3 (the standard library): ``connect()`` returns a connection whose ``execute``,
``executemany``, ``executescript`` and cursors are checked.

``sqlite3.Connection`` and ``sqlite3.Cursor`` are C types whose methods cannot be
patched, so ``connect()`` passes a subclass as ``factory`` (a subclass of the caller's
own factory, if any), and ``Connection.cursor()`` does the same for cursor factories
(Django's included). ``isinstance(conn, sqlite3.Connection)`` stays true. Connections
opened before ``protect()`` are not checked.

For the standard ``Connection`` and ``Cursor`` (what ``connect()`` gives unless the
caller names a factory), ``connect`` and the subclasses' ``execute``, ``executemany``,
``executescript`` and ``cursor`` are native (``_rampart._SqliteConnect`` and C method
descriptors, see ``bindings/python/src/sqlite.rs``): a hooked query runs no Python
frame of rampart's. Subclasses of other factories call the method they override
directly (no ``super()``).
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, Callable, Dict

from .. import sinks
from .._rampart import _sqlite_native, _SqliteConnect
from ._patch import patch

TARGET = "sqlite3"
SQLITE = sinks.Dialect.SQLITE
_sql = sinks.sql
_NONE: Any = object()
_connection_classes: Dict[type, type] = {}
_cursor_classes: Dict[type, type] = {}
_std_connection: Any = None
_std_cursor: Any = None
#: Position of ``factory`` in ``sqlite3.connect(database, timeout, detect_types,
#: isolation_level, check_same_thread, factory, ...)``.
_FACTORY_POSITION = 5


def _checked(name: str, operation: str, base: type, standard: bool) -> Callable[..., Any]:
    """``base.name`` preceded by the check of its first argument (the SQL)."""
    original = getattr(base, name)
    if standard and name == "execute" and base is _std_connection:
        # Connection.execute is cursor() then Cursor.execute: done here with the C
        # methods, so the query does not go through the cursor() override below (a
        # Python frame) once it has been checked.
        std_cursor = _std_connection.cursor
        cursor_execute = _std_cursor.execute
        hooked_cursor = _hooked_std_cursor()

        def connection_execute(self: Any, sql: Any, parameters: Any = _NONE, /) -> Any:
            _sql(operation, SQLITE, sql)
            cursor = std_cursor(self, hooked_cursor)
            if parameters is _NONE:
                return cursor_execute(cursor, sql)
            return cursor_execute(cursor, sql, parameters)

        return connection_execute
    if standard and name == "execute":
        # sqlite3's own signature: execute(sql, parameters=(), /)
        def execute(self: Any, sql: Any, parameters: Any = _NONE, /) -> Any:
            _sql(operation, SQLITE, sql)
            if parameters is _NONE:
                return original(self, sql)
            return original(self, sql, parameters)

        return execute
    if standard and name == "executemany":

        def executemany(self: Any, sql: Any, seq_of_parameters: Any, /) -> Any:
            _sql(operation, SQLITE, sql)
            return original(self, sql, seq_of_parameters)

        return executemany
    if standard and name == "executescript":

        def executescript(self: Any, sql_script: Any, /) -> Any:
            _sql(operation, SQLITE, sql_script)
            return original(self, sql_script)

        return executescript
    keyword = "sql_script" if name == "executescript" else "sql"

    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        _sql(operation, SQLITE, args[0] if args else kwargs.get(keyword, kwargs.get("query")))
        return original(self, *args, **kwargs)

    return method


def _subclass(base: type, cache: Dict[type, type], kind: str, extra: Dict[str, Any]) -> type:
    cls = cache.get(base)
    if cls is None:
        if getattr(base, "__rampart_hooked__", False):
            return base
        standard = base is _std_connection or base is _std_cursor
        namespace: Dict[str, Any] = {
            "__module__": base.__module__,
            "__doc__": base.__doc__,
            "__rampart_hooked__": True,
            "__slots__": (),  # no __dict__: instances cost what the base's cost
        }
        for name in ("execute", "executemany", "executescript"):
            namespace[name] = _checked(name, f"sqlite3.{kind}.{name}", base, standard)
        namespace.update(extra)
        cls = cache[base] = type(base.__name__, (base,), namespace)
    return cls


def _hooked_std_cursor() -> Any:
    """The standard cursor's checked subclass."""
    hooked = _cursor_classes.get(_std_cursor)
    return hooked if hooked is not None else _subclass(_std_cursor, _cursor_classes, "Cursor", {})


def _cursor_class(factory: Any) -> Any:
    if isinstance(factory, type) and issubclass(factory, _std_cursor):
        return _subclass(factory, _cursor_classes, "Cursor", {})
    return factory  # a function returning cursors: left as it is


def _connection_class(factory: Any) -> Any:
    if not (isinstance(factory, type) and issubclass(factory, _std_connection)):
        return factory
    if factory in _connection_classes:
        return _connection_classes[factory]
    original_cursor = factory.cursor

    def cursor(self: Any, *args: Any, **kwargs: Any) -> Any:
        # Connection.execute() calls self.cursor() on every query: the plain call
        # takes the standard cursor's subclass without further calls.
        if not args and not kwargs:
            hooked = _cursor_classes.get(_std_cursor)
            if hooked is not None:
                return original_cursor(self, hooked)
        if args:
            return original_cursor(self, _cursor_class(args[0]), *args[1:], **kwargs)
        return original_cursor(self, _cursor_class(kwargs.pop("factory", _std_cursor)), **kwargs)

    return _subclass(factory, _connection_classes, "Connection", {"cursor": cursor})


def apply(sqlite3: ModuleType) -> None:
    global _std_connection, _std_cursor
    _std_connection, _std_cursor = sqlite3.Connection, sqlite3.Cursor

    hooked_connection = _connection_class(_std_connection)
    hooked_cursor = _hooked_std_cursor()
    native = _sqlite_native(
        _std_connection, _std_cursor, hooked_connection, hooked_cursor, hooked_connection.cursor, SQLITE
    )

    def make(connect: Any) -> Any:
        def connect_hooked(*args: Any, **kwargs: Any) -> Any:
            if len(args) > _FACTORY_POSITION:
                factory = _connection_class(args[_FACTORY_POSITION])
                args = (*args[:_FACTORY_POSITION], factory, *args[_FACTORY_POSITION + 1 :])
            else:
                factory = kwargs.get("factory", _std_connection)
                # The standard connection's subclass without a call: apps open one per
                # request.
                hooked = _connection_classes.get(factory) if factory is _std_connection else None
                kwargs["factory"] = hooked or _connection_class(factory)
            return connect(*args, **kwargs)

        if native:
            return _SqliteConnect(connect, _std_connection, hooked_connection, connect_hooked)
        return connect_hooked

    patch(sqlite3, "connect", make)
    dbapi2 = getattr(sqlite3, "dbapi2", None)
    if dbapi2 is not None:
        patch(dbapi2, "connect", make)
