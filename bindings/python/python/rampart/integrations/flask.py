"""Flask: ``Flask.__call__`` runs under the WSGI middleware (whatever wraps
``app.wsgi_app``), the rule and the view arguments of the matched URL are added when
the request's inputs are first needed, and an AttackBlocked that escapes a view is not
logged as an application error.

``redirect()`` (Flask's and werkzeug's) checks its location for an open redirect, and
werkzeug's header validation checks a value with a line break for header injection,
in the view, so the event's stack shows the line that made the response (werkzeug then
refuses the value as it always does)."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from .. import _rampart, sinks
from .._rampart import _serve_wsgi as serve_wsgi
from ..errors import AttackBlocked
from ..hooks._patch import patch
from . import add_routing


def _routing_lookup(flask: ModuleType) -> Any:
    """What reads the matched rule and view arguments from Flask's own request context
    (None before Flask matched the request), natively, or None when this Flask does not
    expose that context; then URL matching is hooked instead."""
    request_context = getattr(getattr(flask, "globals", None), "_cv_request", None)
    if request_context is None or not hasattr(request_context, "get"):
        return None
    return _rampart._FlaskRouting(request_context)


def _app(flask: ModuleType) -> None:
    routing = _routing_lookup(flask)

    def make_call(original: Any) -> Any:
        def __call__(self: Any, environ: dict, start_response: Any) -> Any:
            return serve_wsgi(original.__get__(self), environ, start_response, routing)

        return __call__

    def make_match(original: Any) -> Any:
        def match_request(self: Any) -> None:
            original(self)
            request = self.request
            rule = request.url_rule
            if rule is not None:
                add_routing(rule.rule, request.view_args)

        return match_request

    def make_handle(original: Any) -> Any:
        def handle_user_exception(self: Any, e: Exception) -> Any:
            # A blocked call is not an application error: no error log, no error
            # handler. The middleware answers with the block response.
            if isinstance(e, AttackBlocked):
                return flask.Response(status=403)
            return original(self, e)

        return handle_user_exception

    patch(flask.Flask, "__call__", make_call)
    if routing is None:
        patch(flask.ctx.RequestContext, "match_request", make_match)
    patch(flask.Flask, "handle_user_exception", make_handle)

    def make_redirect(original: Any) -> Any:
        def redirect(self: Any, location: Any, *args: Any, **kwargs: Any) -> Any:
            sinks.redirect("flask.redirect", location)
            return original(self, location, *args, **kwargs)

        return redirect

    patch(flask.Flask, "redirect", make_redirect)


def _werkzeug_utils(utils: ModuleType) -> None:
    def make(original: Any) -> Any:
        def redirect(location: Any, *args: Any, **kwargs: Any) -> Any:
            sinks.redirect("werkzeug.utils.redirect", location)
            return original(location, *args, **kwargs)

        return redirect

    patch(utils, "redirect", make)


def _header_with_line_break(value: Any) -> None:
    if isinstance(value, str) and ("\n" in value or "\r" in value):
        sinks.header("werkzeug.Headers", "", value)


def _werkzeug_headers(headers: ModuleType) -> None:
    pattern = getattr(headers, "_newline_re", None)
    if pattern is not None and hasattr(pattern, "search"):
        # werkzeug searches every header value with this pattern: the guard costs what
        # the search did, and checks only values with a line break.
        patch(headers, "_newline_re", lambda original: _rampart._NewlineGuard(original, _header_with_line_break))
        return
    if not hasattr(headers, "_str_header_value"):
        return

    def make(original: Any) -> Any:
        def _str_header_value(value: Any) -> Any:
            _header_with_line_break(value)
            return original(value)

        return _str_header_value

    patch(headers, "_str_header_value", make)


TARGETS = (
    ("flask", _app),
    ("werkzeug.utils", _werkzeug_utils),
    ("werkzeug.datastructures.headers", _werkzeug_headers),
)
