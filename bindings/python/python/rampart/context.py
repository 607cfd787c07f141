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
from ._rampart import Engine, Request
from .inputs import Collector

__all__ = ["RequestContext", "current", "request_context"]

#: What a framework integration says about the route: ``(route template, path
#: parameters)``, or a function that returns that once the framework has matched the
#: request (None before).
Routing = Union[Tuple[Optional[str], Any], Callable[[], Optional[Tuple[Optional[str], Any]]]]


class RequestContext:
    """One HTTP request: its inputs (a :class:`rampart.Request`), what events need to
    know about it, and whether a sink blocked it.

    A context the middleware makes reads the request's inputs from the WSGI environ or
    the ASGI scope when they are first needed (the first hooked call, or a response
    header that needs a check): a request that reaches no sink costs no collection."""

    __slots__ = (
        "engine",
        "_request",
        "blocked_event_id",
        "inputs_truncated",
        "routed",
        "reported",
        "resolving",
        "_environ",
        "_scope",
        "_fields",
        "_pending",
        "_body",
        "_routing",
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
        #: Set when a sink blocked this request: the middleware then answers with the
        #: block response, whatever the application answers.
        self.blocked_event_id: Optional[str] = None
        #: True when the request had more inputs than the limits let in.
        self.inputs_truncated = False
        #: True once the framework's route and path parameters were added (or kept
        #: for the collection).
        self.routed = False
        #: Findings already reported in this request, so a retried query reports once.
        self.reported: Optional[set] = None
        #: Host names of outgoing URLs whose authority an input wrote -> a Request of
        #: those inputs, checked against the addresses the names resolve to.
        self.resolving: Optional[dict] = None
        # What events say about the request is read from the environ or scope only
        # when an event is written; the inputs when a check first needs them.
        self._environ = environ
        self._scope = scope
        #: (form|json|multipart, body, Content-Type) kept by the middleware.
        self._body: Optional[Tuple[str, bytes, str]] = None
        self._routing: Optional[Routing] = None
        if environ is not None or scope is not None:
            self._request: Optional[Request] = None
            self._pending = True
            self._fields = None
            return
        self._pending = False
        self._request = request = Request()
        if method:
            request.set_method(method)
        if path:
            request.set_path(path)
        self._fields = (client_ip, user_agent, request_id) if client_ip or user_agent or request_id else None

    @property
    def request(self) -> Request:
        """The request's inputs and routing facts (collected on first use)."""
        if self._pending:
            self._collect()
        return self._request  # type: ignore[return-value]

    def _collect(self) -> None:
        """Reads the inputs from the environ or scope (once), then the route once the
        framework knows it. Fails open: a request that cannot be read is checked with
        what could be read, and an error event says so."""
        self._pending = False
        if self._request is None:
            self._request = request = Request()
            try:
                limits = _agent._limits
                if self._environ is not None:
                    truncated = request.collect_wsgi(self._environ, limits.max_inputs)
                else:
                    truncated = request.collect_asgi(self._scope, limits.max_inputs)
                if truncated:
                    self.inputs_truncated = True
                if self._body is not None:
                    kind, body, content_type = self._body
                    self._body = None
                    Collector(self, limits).body(kind, body, content_type)
            except Exception as error:  # noqa: BLE001 -- fail open
                from .middleware._common import middleware_failed

                middleware_failed(self.engine, error, self)
        routing = self._routing
        if routing is None:
            return
        if not isinstance(routing, tuple):
            routing = routing()
            if routing is None:
                self._pending = True  # not matched yet: ask again at the next use
                return
        self._routing = None
        self.routed = True
        self.add_routing(*routing)

    def add_routing(self, route: Optional[str], params: Any) -> None:
        """Sets the framework's route template and adds the path parameters as
        ``path`` inputs."""
        try:
            request = self.request
            if route:
                request.set_route(route)
            if params:
                limit = _agent._limits.max_inputs
                for key, value in params.items():
                    if len(request) >= limit:
                        self.inputs_truncated = True
                        break
                    request.add_input(
                        "path",
                        key if isinstance(key, str) else str(key),
                        value if isinstance(value, (str, bytes)) else str(value),
                    )
        except Exception as error:  # noqa: BLE001 -- fail open
            from .middleware._common import middleware_failed

            middleware_failed(self.engine, error, self)

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
