"""Starlette and FastAPI: ``Starlette.__call__`` runs under the ASGI middleware, and
each matched route adds its path template and path parameters."""

from __future__ import annotations

from types import ModuleType
from typing import Any

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


TARGETS = (
    ("starlette.applications", _applications),
    ("starlette.routing", _routing),
    ("fastapi.routing", _fastapi_routing),
)
