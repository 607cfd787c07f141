"""What both middlewares share: the block response and the internal-error path."""

from __future__ import annotations

from http import HTTPStatus
from typing import List, Optional, Tuple

from .. import events
from .._rampart import Engine, new_event_id
from ..context import RequestContext

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
