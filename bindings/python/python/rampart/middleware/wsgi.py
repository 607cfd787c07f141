"""The WSGI middleware."""

from __future__ import annotations

import io
import sys
from typing import Any, Callable, Iterable, Iterator, Optional

from .. import _agent
from ..context import RequestContext, reset_current
from ..context import set_current as _set_current
from ..errors import AttackBlocked
from ..inputs import Collector, body_kind
from ._common import CONTEXT_KEY, block_response, check_response_headers, middleware_failed

WSGIApp = Callable[[dict, Callable[..., Any]], Iterable[bytes]]


class WSGIMiddleware:
    """Protects a WSGI application: ``app.wsgi_app = rampart.WSGIMiddleware(app.wsgi_app)``.
    Not needed with Flask or Django: ``rampart.protect()`` does it."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        return serve_wsgi(self.app, environ, start_response)


def serve_wsgi(app: WSGIApp, environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Runs ``app`` for one request under rampart's protection."""
    engine = _agent._engine
    if engine is None or CONTEXT_KEY in environ:
        return app(environ, start_response)
    try:
        context = _context(engine, environ)
    except Exception as error:  # noqa: BLE001 -- fail open: serve the request unprotected
        middleware_failed(engine, error)
        return app(environ, start_response)
    environ[CONTEXT_KEY] = context
    exchange = _Exchange(start_response, _set_current(context), context)
    try:
        result = app(environ, exchange)
    except BaseException:
        exchange.reset()
        if context.blocked:
            return _answer_blocked(context, exchange, start_response)
        raise
    if context.blocked:
        exchange.result = result
        exchange.close()
        return _answer_blocked(context, exchange, start_response)
    exchange.forward()
    if isinstance(result, (list, tuple)) or _is_file_wrapper(environ, result):
        exchange.reset()
        return result
    exchange.result = result
    return exchange


def _is_file_wrapper(environ: dict, result: Any) -> bool:
    file_wrapper = environ.get("wsgi.file_wrapper")
    return isinstance(file_wrapper, type) and isinstance(result, file_wrapper)


def _context(engine: Any, environ: dict) -> RequestContext:
    context = RequestContext(engine, environ=environ)
    limits = _agent._limits
    if context.request.collect_wsgi(environ, limits.max_inputs):
        context.inputs_truncated = True
    content_type = environ.get("CONTENT_TYPE")
    if content_type:
        kind = body_kind(content_type)
        if kind is not None:
            body = _read_body(environ, limits.max_body_bytes)
            if body:
                Collector(context, limits).body(kind, body, content_type)
    return context


def _read_body(environ: dict, limit: int) -> Optional[bytes]:
    """Reads the body and puts it back as a BytesIO, so the app reads it as usual.
    Bodies without a Content-Length or above the limit are left alone."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if length <= 0 or length > limit:
        return None
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def _answer_blocked(context: RequestContext, exchange: _Exchange, start_response: Any) -> Iterable[bytes]:
    status, phrase, headers, body = block_response(context)
    exc_info = sys.exc_info() if exchange.forwarded else None
    if exchange.forwarded and exc_info[0] is None:
        exc_info = (AttackBlocked, AttackBlocked(context.blocked_event_id or "", None, "response"), None)
    start_response(f"{status} {phrase}", headers, exc_info)
    return [body]


class _Exchange:
    """One request's way through the app. As the app's ``start_response`` it holds the
    call until the app has returned, so that a blocked request's response can still be
    replaced; as the response iterable it keeps the request's context current while
    the body is produced (templates and generators may query lazily) and resets it at
    ``close()``."""

    __slots__ = ("start_response", "token", "context", "args", "forwarded", "write", "result")

    def __init__(self, start_response: Callable[..., Any], token: Any, context: RequestContext) -> None:
        self.start_response = start_response
        self.token = token
        self.context = context
        self.args: Optional[tuple] = None
        self.forwarded = False
        self.write: Optional[Callable[[bytes], Any]] = None
        self.result: Any = None

    def __call__(self, status: str, headers: list, exc_info: Any = None) -> Callable[[bytes], Any]:
        check_response_headers(self.context, headers)
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
            self.reset()

    def reset(self) -> None:
        if self.token is not None:
            reset_current(self.token)
            self.token = None
