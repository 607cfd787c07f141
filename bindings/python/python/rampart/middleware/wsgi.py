"""The WSGI middleware.

The per-request exchange is native (``rampart._rampart._serve_wsgi``): entering the
middleware, the request's context, the context variable set and reset, and the
``start_response``, response iterable and ``close()`` the server calls are C calls, not
Python frames. The request's inputs are read from the environ only when a hooked call or
a response header needs them (see :class:`~rampart.RequestContext`), or at once when the
policy's ``malicious_payload`` protection inspects each request as it arrives (a block
answers with the block response; the app never runs); only a body that rampart parses
(form, JSON, multipart) is read up front, since the app consumes the stream. The
functions below are what the exchange calls back when it needs Python.
"""

from __future__ import annotations

import io
from typing import Any, Callable, Iterable, Optional

from .. import _agent
from .._rampart import _serve_wsgi, _wsgi_glue
from ..context import RequestContext, Routing, _current
from ..errors import AttackBlocked
from ..inputs import body_kind
from ._common import block_response, check_response_headers, middleware_failed

WSGIApp = Callable[[dict, Callable[..., Any]], Iterable[bytes]]


class WSGIMiddleware:
    """Protects a WSGI application: ``app.wsgi_app = rampart.WSGIMiddleware(app.wsgi_app)``.
    Not needed with Flask or Django: ``rampart.protect()`` does it."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        return _serve_wsgi(self.app, environ, start_response)


def serve_wsgi(
    app: WSGIApp, environ: dict, start_response: Callable[..., Any], routing: Optional[Routing] = None
) -> Iterable[bytes]:
    """Runs ``app`` for one request under rampart's protection. ``routing``: how the
    framework tells the route, when it can (see :data:`rampart.context.Routing`)."""
    return _serve_wsgi(app, environ, start_response, routing)


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


def _read_environ_body(environ: dict) -> Optional[tuple]:
    return _read_body(environ, _agent._limits.max_body_bytes)


def _answer_blocked(
    context: RequestContext, start_response: Any, forwarded: bool, error: Optional[BaseException]
) -> Iterable[bytes]:
    """The block response, instead of the app's. When the app's headers were already
    passed to the server, ``exc_info`` says why they are replaced (PEP 3333)."""
    status, phrase, headers, body = block_response(context)
    exc_info = None
    if forwarded:
        if error is None:
            error = AttackBlocked(context.blocked_event_id or "", None, "response")
        exc_info = (type(error), error, error.__traceback__)
    start_response(f"{status} {phrase}", headers, exc_info)
    return [body]


_wsgi_glue(
    _agent,
    _current.set,
    _current.reset,
    _read_environ_body,
    _answer_blocked,
    check_response_headers,
    middleware_failed,
    AttackBlocked,
)
