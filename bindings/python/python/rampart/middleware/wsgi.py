"""The WSGI middleware.

Its own work per request is a handful of Python operations: one object (the request's
context, which is also the ``start_response`` the app calls and the response iterable
the server reads), one context variable set and reset, and one C call that screens the
response headers. The request's inputs are read from the environ only when a hooked
call or a response header needs them (see :class:`~rampart.RequestContext`), or at
once when the policy's ``malicious_payload`` protection inspects each request as it
arrives (a block answers with the block response; the app never runs); only a body
that rampart parses (form, JSON, multipart) is read up front, since the app consumes
the stream.
"""

from __future__ import annotations

import io
import sys
from typing import Any, Callable, Iterable, Iterator, Optional

from .. import _agent
from .._rampart import _headers_need_check
from ..context import RequestContext, Routing, _current
from ..errors import AttackBlocked
from ..inputs import body_kind
from ..sinks import request_payload
from ._common import CONTEXT_KEY, block_response, check_response_headers, middleware_failed

WSGIApp = Callable[[dict, Callable[..., Any]], Iterable[bytes]]

_set_current = _current.set
_reset_current = _current.reset


class WSGIMiddleware:
    """Protects a WSGI application: ``app.wsgi_app = rampart.WSGIMiddleware(app.wsgi_app)``.
    Not needed with Flask or Django: ``rampart.protect()`` does it."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        return serve_wsgi(self.app, environ, start_response)


def serve_wsgi(
    app: WSGIApp, environ: dict, start_response: Callable[..., Any], routing: Optional[Routing] = None
) -> Iterable[bytes]:
    """Runs ``app`` for one request under rampart's protection. ``routing``: how the
    framework tells the route, when it can (see :data:`rampart.context.Routing`)."""
    engine = _agent._engine
    if engine is None or CONTEXT_KEY in environ:
        return app(environ, start_response)
    try:
        exchange = _Exchange(engine, environ, start_response)
        if environ.get("CONTENT_TYPE"):
            exchange._body = _read_body(environ, _agent._limits.max_body_bytes)
    except Exception as error:  # noqa: BLE001 -- fail open: serve the request unprotected
        middleware_failed(engine, error)
        return app(environ, start_response)
    exchange._routing = routing
    if _agent._inspect_requests:
        try:
            request_payload(exchange)
        except AttackBlocked:
            return _answer_blocked(exchange, start_response)
    environ[CONTEXT_KEY] = exchange
    exchange.token = _set_current(exchange)
    try:
        result = app(environ, exchange)
    except BaseException:
        exchange.reset()
        if exchange.blocked_event_id is not None:
            return _answer_blocked(exchange, start_response)
        raise
    if exchange.blocked_event_id is not None:
        exchange.result = result
        exchange.close()
        return _answer_blocked(exchange, start_response)
    if not exchange.forwarded:
        exchange.forwarded = True
        if exchange.args is not None:
            exchange.write = start_response(*exchange.args)
    if isinstance(result, (list, tuple)):
        exchange.reset()
        return result
    file_wrapper = environ.get("wsgi.file_wrapper")
    if file_wrapper is not None and isinstance(file_wrapper, type) and isinstance(result, file_wrapper):
        exchange.reset()
        return result
    exchange.result = result
    return exchange


def _read_body(environ: dict, limit: int) -> Optional[tuple]:
    """(kind, body, Content-Type) of a body rampart parses, read and put back as a
    BytesIO so the app reads it as usual. Bodies without a Content-Length or above the
    limit are left alone."""
    content_type = environ["CONTENT_TYPE"]
    kind = body_kind(content_type)
    if kind is None:
        return None
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if length <= 0 or length > limit:
        return None
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)
    return (kind, body, content_type) if body else None


def _answer_blocked(exchange: _Exchange, start_response: Any) -> Iterable[bytes]:
    status, phrase, headers, body = block_response(exchange)
    exc_info = sys.exc_info() if exchange.forwarded else None
    if exchange.forwarded and exc_info[0] is None:
        exc_info = (AttackBlocked, AttackBlocked(exchange.blocked_event_id or "", None, "response"), None)
    start_response(f"{status} {phrase}", headers, exc_info)
    return [body]


class _Exchange(RequestContext):
    """One request's context and its way through the app. As the app's
    ``start_response`` it holds the call until the app has returned, so that a blocked
    request's response can still be replaced; as the response iterable it keeps the
    request's context current while the body is produced (templates and generators may
    query lazily) and resets it at ``close()``."""

    __slots__ = ("start_response", "token", "args", "forwarded", "write", "result")

    def __init__(self, engine: Any, environ: dict, start_response: Callable[..., Any]) -> None:
        # RequestContext.__init__(self, engine, environ=environ), inlined: one Python
        # call less per request (test_middleware checks that every slot is set).
        self.engine = engine
        self.blocked_event_id = None
        self.inputs_truncated = False
        self.routed = False
        self.reported = None
        self.resolving = None
        self._environ = environ
        self._scope = None
        self._body = None
        self._routing = None
        self._request = None
        self._pending = True
        self._fields = None
        self.start_response = start_response
        self.token: Any = None
        self.args: Optional[tuple] = None
        self.forwarded = False
        self.write: Optional[Callable[[bytes], Any]] = None
        self.result: Any = None

    def __call__(self, status: str, headers: list, exc_info: Any = None) -> Callable[[bytes], Any]:
        if _headers_need_check(headers):
            check_response_headers(self, headers)
        if self.forwarded:
            return self.start_response(status, headers, exc_info)
        self.args = (status, headers, exc_info)
        return self._write

    def _write(self, data: bytes) -> Any:
        # The legacy write() callable: the headers must go out first.
        self.forward()
        return self.write(data) if self.write is not None else None

    def forward(self) -> None:
        if not self.forwarded:
            self.forwarded = True
            if self.args is not None:
                self.write = self.start_response(*self.args)

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.result)

    def close(self) -> None:
        try:
            close = getattr(self.result, "close", None)
            if close is not None:
                close()
        finally:
            token = self.token
            if token is not None:
                self.token = None
                try:
                    _reset_current(token)
                except ValueError:
                    # Closed from another context than the one that set it (a server
                    # that closes the response iterable elsewhere): clear this one.
                    _set_current(None)

    def reset(self) -> None:
        token = self.token
        if token is not None:
            self.token = None
            try:
                _reset_current(token)
            except ValueError:
                _set_current(None)
