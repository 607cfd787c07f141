"""Django: the WSGI and ASGI handlers run under rampart's middleware, and URL
resolution adds the route and the view's arguments (no settings to change).
``HttpResponseRedirect`` (and ``redirect()``) checks its location for an open
redirect, and a response header with a line break is checked for header injection
before Django refuses it (BadHeaderError)."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from .. import sinks
from .._rampart import _serve_wsgi as serve_wsgi
from ..errors import AttackBlocked
from ..hooks._patch import patch
from ..middleware.asgi import serve_asgi
from . import add_routing


def _wsgi(module: ModuleType) -> None:
    def make(original: Any) -> Any:
        def __call__(self: Any, environ: dict, start_response: Any) -> Any:
            return serve_wsgi(original.__get__(self), environ, start_response)

        return __call__

    patch(module.WSGIHandler, "__call__", make)


def _asgi(module: ModuleType) -> None:
    def make(original: Any) -> Any:
        async def __call__(self: Any, scope: Any, receive: Any, send: Any) -> None:
            await serve_asgi(original.__get__(self), scope, receive, send)

        return __call__

    patch(module.ASGIHandler, "__call__", make)


def _base(module: ModuleType) -> None:
    def make(original: Any) -> Any:
        def resolve_request(self: Any, request: Any) -> Any:
            match = original(self, request)
            params = dict(match.kwargs)
            for index, value in enumerate(match.args):
                params[f"[{index}]"] = value
            route = match.route
            add_routing("/" + route if route is not None and not route.startswith("^") else route, params)
            return match

        return resolve_request

    patch(module.BaseHandler, "resolve_request", make)


def _exception(module: ModuleType) -> None:
    from django.http import HttpResponse

    def make(original: Any) -> Any:
        def response_for_exception(request: Any, exc: BaseException) -> Any:
            # A blocked call is not a server error: no error log. The middleware
            # answers with the block response.
            if isinstance(exc, AttackBlocked):
                return HttpResponse(status=403)
            return original(request, exc)

        return response_for_exception

    patch(module, "response_for_exception", make)


def _response(module: ModuleType) -> None:
    def make_redirect(original: Any) -> Any:
        def __init__(self: Any, redirect_to: Any, *args: Any, **kwargs: Any) -> None:
            sinks.redirect("django.HttpResponseRedirect", str(redirect_to))
            original(self, redirect_to, *args, **kwargs)

        return __init__

    def make_setitem(original: Any) -> Any:
        def __setitem__(self: Any, key: Any, value: Any) -> None:
            if isinstance(value, str) and ("\n" in value or "\r" in value):
                sinks.header("django.ResponseHeaders", key, value)
            original(self, key, value)

        return __setitem__

    patch(module.HttpResponseRedirectBase, "__init__", make_redirect)
    patch(module.ResponseHeaders, "__setitem__", make_setitem)


TARGETS = (
    ("django.http.response", _response),
    ("django.core.handlers.exception", _exception),
    ("django.core.handlers.wsgi", _wsgi),
    ("django.core.handlers.asgi", _asgi),
    ("django.core.handlers.base", _base),
)
