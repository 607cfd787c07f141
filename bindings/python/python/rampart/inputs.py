"""Turning an HTTP request into flattened inputs: query string, form, multipart and
JSON bodies, cookies, headers and path parameters.

Keys are dotted paths (``user.address.city``, ``ids[2]``). Object keys of JSON bodies,
and query/form keys that are not plain words, are inputs too: an application that puts
keys into SQL (dynamic filters, sort columns) is as exposed through them as through
values. Limits bound the work per request: nesting depth, number of inputs, body size.
"""

from __future__ import annotations

import json
from typing import Any, Iterable, Mapping, Optional, Tuple
from urllib.parse import parse_qsl

from .context import RequestContext

__all__ = ["Limits", "Collector", "body_kind"]

#: Headers whose values the protocol or the framework consume; applications do not put
#: them into queries, and browsers send them on every request.
SKIPPED_HEADERS = frozenset(
    {
        "cookie",  # parsed into cookie inputs
        "content-length",
        "content-type",
        "connection",
        "keep-alive",
        "transfer-encoding",
        "te",
        "upgrade",
        "upgrade-insecure-requests",
        "accept-encoding",
        "cache-control",
        "pragma",
        "priority",
        "dnt",
    }
)
SKIPPED_HEADER_PREFIXES = ("sec-fetch-", "sec-ch-")


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


def _is_word(key: Any) -> bool:
    """Only [A-Za-z0-9_]: the engine would skip such an input anyway."""
    if isinstance(key, str):
        if not key.isascii():
            return False
        key = key.replace("_", "")
        return key.isalnum() or not key
    key = key.replace(b"_", b"")
    return key.isalnum() or not key


class Collector:
    """Adds a request's inputs to a context, within the limits."""

    __slots__ = ("context", "limits", "room")

    def __init__(self, context: RequestContext, limits: Limits) -> None:
        self.context = context
        self.limits = limits
        self.room = limits.max_inputs

    def add(self, source: str, key: Any, value: Any) -> bool:
        if self.room <= 0:
            self.context.inputs_truncated = True
            return False
        self.room -= 1
        self.context.request.add_input(source, key, value)
        return True

    def pairs(self, source: str, pairs: Iterable[Tuple[Any, Any]]) -> None:
        for key, value in pairs:
            if not _is_word(key) and not self.add(source, key, key):
                return
            if not self.add(source, key, value):
                return

    def query_string(self, query: bytes) -> None:
        if query:
            self.pairs("query", parse_qsl(query, keep_blank_values=True))

    def headers(self, headers: Iterable[Tuple[str, Any]]) -> None:
        """``headers``: (lower-case name, value) pairs."""
        for name, value in headers:
            if name in SKIPPED_HEADERS or name.startswith(SKIPPED_HEADER_PREFIXES):
                continue
            if not self.add("header", name, value):
                return

    def cookies(self, header: Any) -> None:
        """Parses a Cookie header (str or bytes) leniently, as browsers send it."""
        if isinstance(header, bytes):
            header = header.decode("latin-1")
        for part in header.split(";"):
            name, sep, value = part.partition("=")
            if not sep:
                continue
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            if not self.add("cookie", name.strip(), value):
                return

    def path_params(self, params: Optional[Mapping[str, Any]]) -> None:
        if params:
            for key, value in params.items():
                if not self.add("path", str(key), value if isinstance(value, (str, bytes)) else str(value)):
                    return

    def body(self, kind: str, body: bytes, content_type: str) -> None:
        if kind == "form":
            self.pairs("body", parse_qsl(body, keep_blank_values=True))
        elif kind == "json":
            try:
                document = json.loads(body)
            except (ValueError, RecursionError):
                return  # not JSON (or hostile nesting): the application rejects it too
            self.json(document, "", 0)
        elif kind == "multipart":
            self.multipart(body, content_type)

    def json(self, node: Any, prefix: str, depth: int) -> None:
        if isinstance(node, str):
            self.add("body", prefix, node)
        elif isinstance(node, dict):
            if depth >= self.limits.max_depth:
                self.context.inputs_truncated = True
                return
            for key, value in node.items():
                path = f"{prefix}.{key}" if prefix else key
                if not _is_word(key) and not self.add("body", path, key):
                    return
                self.json(value, path, depth + 1)
                if self.room <= 0:
                    return
        elif isinstance(node, list):
            if depth >= self.limits.max_depth:
                self.context.inputs_truncated = True
                return
            for index, value in enumerate(node):
                self.json(value, f"{prefix}[{index}]", depth + 1)
                if self.room <= 0:
                    return
        elif isinstance(node, (int, float)) and not isinstance(node, bool):
            self.add("body", prefix, repr(node))

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
