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
from typing import Any, Callable, Iterator, Optional, Tuple, Union

from . import _agent
from ._rampart import Engine, RequestContext, _context_glue
from .inputs import Collector

__all__ = ["RequestContext", "current", "request_context"]

#: What a framework integration says about the route: ``(route template, path
#: parameters)``, or a function that returns that once the framework has matched the
#: request (None before).
Routing = Union[Tuple[Optional[str], Any], Callable[[], Optional[Tuple[Optional[str], Any]]]]


def _collect_body(context: RequestContext, kind: str, body: bytes, content_type: str) -> None:
    """A body kind the context does not parse natively (multipart)."""
    Collector(context, _agent._limits).body(kind, body, content_type)


def _collect_failed(context: RequestContext, error: BaseException) -> None:
    from .middleware._common import middleware_failed

    middleware_failed(context.engine, error, context)


_context_glue(_agent, _collect_body, _collect_failed)


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
