"""What both middlewares share: the block response and the internal-error path."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any, Iterable, List, Optional, Tuple

from .. import events, sinks
from .._rampart import Engine, new_event_id
from ..context import RequestContext
from ..errors import AttackBlocked

#: Context key in the WSGI environ / ASGI scope; also marks a request already handled
#: by an outer rampart middleware.
CONTEXT_KEY = "rampart.context"


def block_response(context: RequestContext) -> Tuple[int, str, List[Tuple[str, str]], bytes]:
    """(status, reason phrase, headers, body) of the policy's block response."""
    engine = context.engine
    body = engine.block_body(context.blocked_event_id or "").encode("utf-8")
    status = engine.block_status
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Blocked"
    headers = [
        ("Content-Type", engine.block_content_type),
        ("Content-Length", str(len(body))),
        ("Cache-Control", "no-store"),
    ]
    return status, phrase, headers, body


def middleware_failed(engine: Engine, error: BaseException, context: Optional[RequestContext] = None) -> None:
    """The middleware itself failed (reading the request): the request goes on
    unprotected, and an error event says so."""
    try:
        events.emit(
            engine.error_event_json(
                "request",
                "internal",
                f"{type(error).__name__}: {error}",
                request=context.request if context is not None else None,
                operation="middleware",
                event_id=new_event_id(),
                stack=events.capture_stack(),
            )
        )
    except Exception:  # noqa: BLE001
        pass


def check_response_headers(context: RequestContext, headers: Iterable[Any]) -> None:
    """The response's headers as the application hands them to the server, whatever
    made them: ``Location`` for an open redirect, any value with a line break or NUL
    for header injection. A blocked finding marks the request blocked; the middleware
    then answers with the block response instead."""
    try:
        for name, value in headers:
            if isinstance(value, bytes):
                value = value.decode("latin-1")
            if isinstance(name, bytes):
                name = name.decode("latin-1")
            if "\n" in value or "\r" in value or "\0" in value:
                sinks.header("response", name, value)
            if len(name) == 8 and name.lower() == "location":
                sinks.redirect("response", value)
    except AttackBlocked:
        pass  # context.blocked_event_id is set: the block response replaces this one
    except Exception as error:  # noqa: BLE001 -- odd headers are the server's to refuse
        middleware_failed(context.engine, error, context)
