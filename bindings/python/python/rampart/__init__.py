"""rampart: runtime application self-protection for Python web applications.

::

    import rampart
    rampart.protect()      # reads RAMPART_POLICY / RAMPART_MODE, installs the hooks

``protect()`` compiles the policy and hooks the frameworks (Flask, Django,
Starlette/FastAPI) and the sinks (SQL drivers, pymongo, subprocess and os process
functions, open/os/shutil file functions, urllib/http.client/urllib3/requests/httpx
and socket.getaddrinfo, redirects and response headers), whether they are imported
before or after it. From then on, each HTTP request's inputs are collected by the
middleware, and each hooked call is checked by the Rust engine before it runs: an
input that changed the structure of the query, command, path or URL is reported (an
event line on stderr) or blocked (:class:`AttackBlocked` at the sink, and the
policy's block page for the client).

The low-level API mirrors the engine: :class:`Engine`, :class:`Request`,
:class:`Verdict`, :class:`Dialect`. See docs/python.md.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from . import _agent
from ._rampart import Dialect, Engine, Request, Verdict, __version__, new_event_id
from .context import RequestContext, current, request_context
from .errors import (
    AttackBlocked,
    InternalError,
    InvalidArgumentError,
    PolicyError,
    PolicyIOError,
    RampartError,
)
from .middleware import ASGIMiddleware, WSGIMiddleware

__all__ = [
    "ASGIMiddleware",
    "AttackBlocked",
    "Dialect",
    "Engine",
    "InternalError",
    "InvalidArgumentError",
    "PolicyError",
    "PolicyIOError",
    "RampartError",
    "Request",
    "RequestContext",
    "Verdict",
    "WSGIMiddleware",
    "__version__",
    "current",
    "engine",
    "new_event_id",
    "protect",
    "request_context",
    "status",
    "unprotect",
]


def protect(
    policy: Any = None,
    *,
    events: Optional[str] = None,
    max_body_bytes: Optional[int] = None,
    max_inputs: Optional[int] = None,
    max_depth: Optional[int] = None,
) -> Engine:
    """Protects this process. Call it once, early (before or after importing the
    frameworks and drivers: both work).

    ``policy``: None reads ``RAMPART_POLICY`` (a file) and ``RAMPART_MODE``; or a policy
    as a JSON string or a dict. A bad policy raises :class:`PolicyError` (or
    :class:`PolicyIOError`): rampart never starts on a policy it did not understand.
    ``events``: where event lines go (``"stderr"``, ``"stdout"`` or a file path);
    default ``RAMPART_EVENTS``, else stderr. The limits bound the work per request:
    bodies above ``max_body_bytes`` (default 1 MiB) are not inspected, inputs beyond
    ``max_inputs`` (1000) and JSON nested deeper than ``max_depth`` (32) are ignored.

    Calling it again replaces the policy (for requests that start afterwards). Mode
    ``off`` removes the hooks. Returns the engine in force.
    """
    return _agent.protect(
        policy, events_to=events, max_body_bytes=max_body_bytes, max_inputs=max_inputs, max_depth=max_depth
    )


def unprotect() -> None:
    """Removes every hook and integration ``protect()`` installed (mostly for tests).
    Connections opened while protected keep their checks, which then find no request
    and do nothing."""
    _agent.unprotect()


def engine() -> Optional[Engine]:
    """The engine in force, or None before ``protect()``."""
    return _agent.engine()


def status() -> Dict[str, Any]:
    """What is installed: the mode, the hooks applied, those waiting for an import."""
    return _agent.status()
