"""Request middleware: one for WSGI, one for ASGI, each usable by hand around any app
(``app = rampart.WSGIMiddleware(app)``). ``rampart.protect()`` installs the same logic
into Flask, Django and Starlette/FastAPI automatically.

Both create the request's context (inputs, routing facts), make it current for the
hooks, and, when a sink blocked the request, answer with the policy's block response
instead of whatever the application answered.
"""

from __future__ import annotations

from .asgi import ASGIMiddleware, serve_asgi
from .wsgi import WSGIMiddleware, serve_wsgi

__all__ = ["ASGIMiddleware", "WSGIMiddleware", "serve_asgi", "serve_wsgi"]
