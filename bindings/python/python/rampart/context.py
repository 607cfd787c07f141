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
        "client_ip",
        "user_agent",
        "request_id",
        "blocked_event_id",
        "inputs_truncated",
        "routed",
        "reported",
    )

    def __init__(
        self,
        engine: Engine,
        method: str = "",
        path: str = "",
        client_ip: str = "",
        user_agent: str = "",
        request_id: str = "",
    ) -> None:
        self.engine = engine
        self.request = Request()
        if method:
            self.request.set_method(method)
        if path:
            self.request.set_path(path)
        self.client_ip = client_ip
        self.user_agent = user_agent
        self.request_id = request_id
        #: Set when a sink blocked this request: the middleware then answers with the
        #: block response, whatever the application answers.
        self.blocked_event_id: Optional[str] = None
        #: True when the request had more inputs than the limits let in.
        self.inputs_truncated = False
        #: True once the framework's route and path parameters were added.
        self.routed = False
        #: Findings already reported in this request, so a retried query reports once.
        self.reported: Optional[set] = None

    def add_input(self, source: str, key: Any, value: Any) -> None:
        """Adds one input (``source`` is query, body, path, header, cookie or other)."""
        self.request.add_input(source, key, value)

    @property
    def blocked(self) -> bool:
        return self.blocked_event_id is not None

    def __repr__(self) -> str:
        return f"<rampart.RequestContext {self.request!r}>"


_current: ContextVar[Optional[RequestContext]] = ContextVar("rampart.request", default=None)

#: The context of the request being served, or None outside a request.
current = _current.get


def set_current(context: Optional[RequestContext]) -> Any:
    return _current.set(context)


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
    """Binds a request context for the duration of a ``with`` block::

        with rampart.request_context(path="/jobs/import", inputs=[("other", "name", name)]):
            import_rows(name)    # hooked sinks check against `name`
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
