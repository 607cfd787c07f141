"""Flask: ``Flask.__call__`` runs under the WSGI middleware (whatever wraps
``app.wsgi_app``), and ``full_dispatch_request`` adds the URL rule and view arguments."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from ..hooks._patch import patch
from ..middleware.wsgi import serve_wsgi
from . import add_routing


def _app(flask: ModuleType) -> None:
    def make_call(original: Any) -> Any:
        def __call__(self: Any, environ: dict, start_response: Any) -> Any:
            return serve_wsgi(lambda e, s: original(self, e, s), environ, start_response)

        return __call__

    def make_dispatch(original: Any) -> Any:
        def full_dispatch_request(self: Any, *args: Any, **kwargs: Any) -> Any:
            request = flask.request
            rule = request.url_rule
            add_routing(rule.rule if rule is not None else None, request.view_args)
            return original(self, *args, **kwargs)

        return full_dispatch_request

    patch(flask.Flask, "__call__", make_call)
    patch(flask.Flask, "full_dispatch_request", make_dispatch)


TARGETS = (("flask", _app),)
