"""The process-wide state: the engine in force, the limits, what is installed."""

from __future__ import annotations

import os
from typing import Any, Dict, Optional

from . import events
from ._rampart import Engine
from .inputs import Limits

_engine: Optional[Engine] = None
_limits = Limits()
_installed = False
#: Whether the middleware inspects each request for malicious payloads as it arrives
#: (the policy's ``malicious_payload`` protection is not off).
_inspect_requests = False


def engine() -> Optional[Engine]:
    """The engine ``protect()`` installed, or None."""
    return _engine


def limits() -> Limits:
    return _limits


def protect(
    policy: Any = None,
    *,
    events_to: Optional[str] = None,
    max_body_bytes: Optional[int] = None,
    max_inputs: Optional[int] = None,
    max_depth: Optional[int] = None,
) -> Engine:
    global _engine, _installed, _inspect_requests
    new_engine = Engine(policy)  # raises PolicyError & co.: a bad policy must not start
    destination = events_to if events_to is not None else os.environ.get("RAMPART_EVENTS")
    events.configure(destination)
    if max_body_bytes is not None:
        _limits.max_body_bytes = max_body_bytes
    if max_inputs is not None:
        _limits.max_inputs = max_inputs
    if max_depth is not None:
        _limits.max_depth = max_depth
    _engine = new_engine
    _inspect_requests = new_engine.action("malicious_payload") != "off"
    if new_engine.mode == "off":
        _uninstall()
        return new_engine
    if not _installed:
        from . import hooks, integrations

        integrations.install()
        hooks.install()
        _installed = True
    return new_engine


def unprotect() -> None:
    global _engine, _inspect_requests
    _engine = None
    _inspect_requests = False
    _uninstall()


def _uninstall() -> None:
    global _installed
    if _installed:
        from .hooks import _patch

        _patch.unpatch_all()
        _installed = False


def status() -> Dict[str, Any]:
    from .hooks import _patch

    return {
        "mode": _engine.mode if _engine is not None else "unprotected",
        "patched": _patch.applied(),
        "waiting_for_import": _patch.waiting(),
    }
