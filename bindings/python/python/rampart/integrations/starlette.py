"""Starlette and FastAPI: ``Starlette.__call__`` runs under the ASGI middleware, and
each matched route adds its path template and path parameters. ``RedirectResponse``
checks its URL for an open redirect (response headers are checked for header
injection by the middleware, as Starlette sends them)."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from .. import sinks
from ..hooks._patch import patch
from ..middleware.asgi import serve_asgi
from . import add_routing


def _applications(module: ModuleType) -> None:
    def make(original: Any) -> Any:
        async def __call__(self: Any, scope: Any, receive: Any, send: Any) -> None:
            await serve_asgi(original.__get__(self), scope, receive, send)

        return __call__

    patch(module.Starlette, "__call__", make)


def _routing(module: ModuleType) -> None:
    _routing_of(module.Route)


def _fastapi_routing(module: ModuleType) -> None:
    # APIRoute.handle usually delegates to Route.handle; when it does not, the route is
    # added here (add_routing runs once per request).
    if "handle" in module.APIRoute.__dict__:
        _routing_of(module.APIRoute)


def _routing_of(route_class: type) -> None:
    def make(original: Any) -> Any:
        async def handle(self: Any, scope: Any, receive: Any, send: Any) -> None:
            add_routing(getattr(self, "path", None), scope.get("path_params"))
            await original(self, scope, receive, send)

        return handle

    patch(route_class, "handle", make)


def _responses(module: ModuleType) -> None:
    def make(original: Any) -> Any:
        def __init__(self: Any, url: Any, *args: Any, **kwargs: Any) -> None:
            sinks.redirect("starlette.RedirectResponse", str(url))
            original(self, url, *args, **kwargs)

        return __init__

    patch(module.RedirectResponse, "__init__", make)


TARGETS = (
    ("starlette.responses", _responses),
    ("starlette.applications", _applications),
    ("starlette.routing", _routing),
    ("fastapi.routing", _fastapi_routing),
)
