"""The ASGI middleware (HTTP; websocket and lifespan pass through)."""

from __future__ import annotations

from typing import Any, Awaitable, Callable, List, MutableMapping, Optional, Tuple

from .. import _agent
from .._rampart import _headers_need_check
from ..context import RequestContext, reset_current, set_current
from ..errors import AttackBlocked
from ..inputs import body_kind
from ..sinks import request_payload
from ._common import CONTEXT_KEY, block_response, check_response_headers, middleware_failed

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class ASGIMiddleware:
    """Protects an ASGI application: ``app = rampart.ASGIMiddleware(app)``. Not needed
    with FastAPI, Starlette or Django: ``rampart.protect()`` does it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await serve_asgi(self.app, scope, receive, send)


async def serve_asgi(app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    """Runs ``app`` for one request under rampart's protection."""
    engine = _agent.engine()
    if engine is None or scope.get("type") != "http" or CONTEXT_KEY in scope:
        await app(scope, receive, send)
        return
    try:
        context, receive = await _context(engine, scope, receive)
    except Exception as error:  # noqa: BLE001 -- fail open: serve the request unprotected
        middleware_failed(engine, error)
        await app(scope, receive, send)
        return
    responder = _Responder(send, context)
    if _agent._inspect_requests:
        try:
            request_payload(context)
        except AttackBlocked:
            await responder.finish()  # the block response; the app never runs
            return
    scope[CONTEXT_KEY] = context
    token = set_current(context)
    try:
        await app(scope, receive, responder.send)
    except BaseException:
        if not context.blocked or responder.sent_start:
            raise
    finally:
        reset_current(token)
    await responder.finish()


async def _context(engine: Any, scope: Scope, receive: Receive) -> Tuple[RequestContext, Receive]:
    """The request's context, its inputs read from the scope when first needed. A body
    rampart parses is read now (the app consumes it) and replayed to the app."""
    context = RequestContext(engine, scope=scope)
    content_type = length = None
    for name, value in scope.get("headers") or ():
        name = bytes(name).lower()
        if name == b"content-type":
            content_type = bytes(value).decode("latin-1")
        elif name == b"content-length":
            length = bytes(value)
    kind = body_kind(content_type) if content_type else None
    if kind is not None:
        body, receive = await _read_body(receive, length, _agent._limits.max_body_bytes)
        if body:
            context._body = (kind, body, content_type)
    return context, receive


async def _read_body(receive: Receive, length: Optional[bytes], limit: int) -> Tuple[Optional[bytes], Receive]:
    """Reads the body (up to ``limit`` bytes) and returns a ``receive`` that replays it
    to the app before passing through to the server's."""
    try:
        if length is not None and int(length) > limit:
            return None, receive
    except ValueError:
        return None, receive
    messages: List[Message] = []
    size = 0
    complete = False
    while True:
        message = await receive()
        messages.append(message)
        if message.get("type") != "http.request":
            break  # http.disconnect: the app will see it too
        size += len(message.get("body", b""))
        if not message.get("more_body", False):
            complete = True
            break
        if size > limit:
            break
    body = b"".join(m.get("body", b"") for m in messages if m.get("type") == "http.request") if complete else None

    async def replay() -> Message:
        if messages:
            return messages.pop(0)
        return await receive()

    return body, replay


class _Responder:
    """Holds the response start until the first body message, so that a blocked
    request's response can still be replaced by the block response."""

    __slots__ = ("send_", "context", "held", "sent_start", "suppressed")

    def __init__(self, send: Send, context: RequestContext) -> None:
        self.send_ = send
        self.context = context
        self.held: Optional[Message] = None
        self.sent_start = False
        self.suppressed = False

    async def send(self, message: Message) -> None:
        if self.suppressed:
            return
        if not self.sent_start:
            if message.get("type") == "http.response.start":
                headers = message.get("headers") or ()
                if _headers_need_check(headers):
                    check_response_headers(self.context, headers)
            if self.context.blocked:
                self.suppressed = True  # the block response goes out in finish()
                return
            if message.get("type") == "http.response.start":
                self.held = message
                return
            if self.held is not None:
                self.sent_start = True
                await self.send_(self.held)
                self.held = None
        await self.send_(message)

    async def finish(self) -> None:
        if self.sent_start:
            return
        if self.context.blocked:
            status, _, headers, body = block_response(self.context)
            self.sent_start = True
            await self.send_(
                {
                    "type": "http.response.start",
                    "status": status,
                    "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers],
                }
            )
            await self.send_({"type": "http.response.body", "body": body})
        elif self.held is not None:
            self.sent_start = True
            await self.send_(self.held)
            self.held = None
