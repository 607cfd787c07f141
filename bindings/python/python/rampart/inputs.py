"""Turning an HTTP request into flattened inputs.

The extension module does the per-request parsing (``Request.collect_wsgi``,
``collect_asgi``, ``add_urlencoded``, ``add_json``, ``add_cookies``: query string,
form and JSON bodies, cookies, headers), so that it costs microseconds. Keys are
dotted paths (``user.address.city``, ``ids[2]``); object keys of JSON bodies, and
query/form keys that are not plain words, are inputs too: an application that puts
keys into SQL (dynamic filters, sort columns) is as exposed through them as through
values. This module adds what is rarer or framework-specific: multipart fields and
upload file names, path parameters. Limits bound the work per request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Optional

if TYPE_CHECKING:
    from .context import RequestContext

__all__ = ["Limits", "Collector", "body_kind"]


class Limits:
    """Bounds on the work one request may cost."""

    __slots__ = ("max_body_bytes", "max_inputs", "max_depth")

    def __init__(self, max_body_bytes: int = 1 << 20, max_inputs: int = 1000, max_depth: int = 32) -> None:
        #: Larger bodies are left unread (the application reads them as usual).
        self.max_body_bytes = max_body_bytes
        #: Inputs beyond this count are ignored, and the context says so.
        self.max_inputs = max_inputs
        #: JSON nesting deeper than this is not flattened.
        self.max_depth = max_depth


def body_kind(content_type: str) -> Optional[str]:
    """``form``, ``json``, ``multipart`` or None (a body rampart does not parse)."""
    ct = content_type.split(";", 1)[0].strip().lower()
    if ct == "application/x-www-form-urlencoded":
        return "form"
    if ct == "application/json" or (ct.startswith("application/") and ct.endswith("+json")):
        return "json"
    if ct == "multipart/form-data":
        return "multipart"
    return None


class Collector:
    """Adds a request's inputs to a context, within the limits."""

    __slots__ = ("context", "limits")

    def __init__(self, context: RequestContext, limits: Limits) -> None:
        self.context = context
        self.limits = limits

    def _truncated(self, truncated: bool) -> None:
        if truncated:
            self.context.inputs_truncated = True

    def add(self, source: str, key: Any, value: Any) -> bool:
        request = self.context.request
        if len(request) >= self.limits.max_inputs:
            self.context.inputs_truncated = True
            return False
        request.add_input(source, key, value)
        return True

    def wsgi(self, environ: dict) -> None:
        self._truncated(self.context.request.collect_wsgi(environ, self.limits.max_inputs))

    def asgi(self, scope: dict) -> None:
        self._truncated(self.context.request.collect_asgi(scope, self.limits.max_inputs))

    def query_string(self, query: bytes) -> None:
        self._truncated(self.context.request.add_urlencoded("query", query, self.limits.max_inputs))

    def cookies(self, header: bytes) -> None:
        self._truncated(self.context.request.add_cookies(header, self.limits.max_inputs))

    def path_params(self, params: Optional[Mapping[str, Any]]) -> None:
        if params:
            for key, value in params.items():
                if not self.add("path", str(key), value if isinstance(value, (str, bytes)) else str(value)):
                    return

    def body(self, kind: str, body: bytes, content_type: str) -> None:
        request, limits = self.context.request, self.limits
        if kind == "form":
            self._truncated(request.add_urlencoded("body", body, limits.max_inputs))
        elif kind == "json":
            self._truncated(request.add_json(body, limits.max_inputs, limits.max_depth))
        elif kind == "multipart":
            self.multipart(body, content_type)

    def multipart(self, body: bytes, content_type: str) -> None:
        """Text fields and upload file names of a multipart/form-data body (file
        contents are not inputs)."""
        boundary = _param(content_type, "boundary")
        if not boundary:
            return
        delimiter = b"--" + boundary.encode("latin-1")
        for part in body.split(delimiter)[1:]:
            if part.startswith(b"--"):
                break
            head, sep, content = part.partition(b"\r\n\r\n")
            if not sep:
                continue
            if content.endswith(b"\r\n"):
                content = content[:-2]
            disposition = ""
            for line in head.decode("latin-1").split("\r\n"):
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-disposition":
                    disposition = value
            field = _param(disposition, "name")
            if field is None:
                continue
            filename = _param(disposition, "filename")
            if filename is not None:
                if not self.add("body", f"{field}.filename", filename):
                    return
            elif not self.add("body", field, content):
                return


def _param(header: str, name: str) -> Optional[str]:
    """The value of ``name=`` in a header like ``form-data; name="a"; filename="b"``."""
    for piece in header.split(";")[1:]:
        key, sep, value = piece.partition("=")
        if sep and key.strip().lower() == name:
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            return value
    return None
