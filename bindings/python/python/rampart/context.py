"""The current HTTP request, as the hooks see it.

The middleware creates one :class:`RequestContext` per HTTP request and makes it current
with a :class:`contextvars.ContextVar`, so it follows the request through threads that
copy the context (asyncio tasks, Starlette's and asgiref's thread pools) and never leaks
into another request. Code outside an HTTP request (a job queue consumer, a CLI) can
bind one by hand with :func:`request_context`.
"""

from __future__ import annotations

import contextlib
from contextvars import ContextVar
from typing import Any, Iterator, Optional, Tuple

from ._rampart import Engine, Request

__all__ = ["RequestContext", "current", "request_context"]


class RequestContext:
    """One HTTP request: its inputs (a :class:`rampart.Request`), what events need to
    know about it, and whether a sink blocked it."""

    __slots__ = (
        "engine",
        "request",
        "blocked_event_id",
        "inputs_truncated",
        "routed",
        "reported",
        "resolving",
        "_environ",
        "_scope",
        "_fields",
    )

    def __init__(
        self,
        engine: Engine,
        method: str = "",
        path: str = "",
        client_ip: str = "",
        user_agent: str = "",
        request_id: str = "",
        *,
        environ: Optional[dict] = None,
        scope: Optional[dict] = None,
    ) -> None:
        self.engine = engine
        self.request = request = Request()
        if method:
            request.set_method(method)
        if path:
            request.set_path(path)
        #: Set when a sink blocked this request: the middleware then answers with the
        #: block response, whatever the application answers.
        self.blocked_event_id: Optional[str] = None
        #: True when the request had more inputs than the limits let in.
        self.inputs_truncated = False
        #: True once the framework's route and path parameters were added.
        self.routed = False
        #: Findings already reported in this request, so a retried query reports once.
        self.reported: Optional[set] = None
        #: Host names of outgoing URLs whose authority an input wrote -> a Request of
        #: those inputs, checked against the addresses the names resolve to.
        self.resolving: Optional[dict] = None
        # What events say about the request is read from the environ or scope only
        # when an event is written.
        self._environ = environ
        self._scope = scope
        self._fields = (client_ip, user_agent, request_id) if client_ip or user_agent or request_id else None

    def add_input(self, source: str, key: Any, value: Any) -> None:
        """Adds one input (``source`` is query, body, path, header, cookie or other)."""
        self.request.add_input(source, key, value)

    @property
    def blocked(self) -> bool:
        return self.blocked_event_id is not None

    def event_fields(self) -> Tuple[str, str, str]:
        """(client address, User-Agent, request id) for events."""
        environ, scope = self._environ, self._scope
        if environ is not None:
            return (
                environ.get("REMOTE_ADDR") or "",
                _latin1_text(environ.get("HTTP_USER_AGENT", "")),
                _latin1_text(environ.get("HTTP_X_REQUEST_ID", "")),
            )
        if scope is not None:
            client = scope.get("client")
            headers = {}
            for name, value in scope.get("headers") or ():
                headers.setdefault(bytes(name).lower(), bytes(value))
            return (
                str(client[0]) if client else "",
                headers.get(b"user-agent", b"").decode("utf-8", "replace"),
                headers.get(b"x-request-id", b"").decode("utf-8", "replace"),
            )
        return self._fields or ("", "", "")

    def __repr__(self) -> str:
        return f"<rampart.RequestContext {self.request!r}>"


def _latin1_text(value: str) -> str:
    try:
        return value.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return value


_current: ContextVar[Optional[RequestContext]] = ContextVar("rampart.request", default=None)

#: The context of the request being served, or None outside a request.
current = _current.get


#: Makes a context current; returns the token for :func:`reset_current`.
set_current = _current.set


def reset_current(token: Any) -> None:
    try:
        _current.reset(token)
    except ValueError:
        # Reset from another context than the one that set it (a server that closes the
        # response iterable elsewhere): clear this one instead.
        _current.set(None)


@contextlib.contextmanager
def request_context(
    engine: Optional[Engine] = None,
    method: str = "",
    path: str = "",
    inputs: Tuple[Tuple[str, Any, Any], ...] = (),
) -> Iterator[RequestContext]:
    """Binds a request context for the duration of a ``with`` block, for code that runs
    outside an HTTP request (a queue consumer, a command)::

        with rampart.request_context(path="/jobs/import", inputs=[("other", "name", name)]):
            import_rows(name)  # hooked sinks check against `name`
    """
    if engine is None:
        from . import _agent

        engine = _agent.engine()
        if engine is None:
            engine = Engine()
    context = RequestContext(engine, method=method, path=path)
    for source, key, value in inputs:
        context.add_input(source, key, value)
    token = _current.set(context)
    try:
        yield context
    finally:
        reset_current(token)
