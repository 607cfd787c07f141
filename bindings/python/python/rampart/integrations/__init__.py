"""Framework integrations, one module per framework: each runs rampart's middleware
around the framework's entry point and adds what only the framework knows (the route
template and the path parameters). They apply when (or if) the framework is imported.
"""

from __future__ import annotations

import importlib
from typing import Any, Iterable, Optional

from ..context import current
from ..hooks import _patch

INTEGRATIONS = ("flask", "django", "starlette")


def install(names: Optional[Iterable[str]] = None) -> None:
    for name in names if names is not None else INTEGRATIONS:
        integration = importlib.import_module(f"{__name__}.{name}")
        for target, apply in integration.TARGETS:
            _patch.when_imported(target, f"integration:{name}:{target}", apply)


def add_routing(route: Optional[str], params: Any) -> None:
    """Adds the framework's route template and path parameters to the current
    request, once (kept for the collection when the inputs were not read yet)."""
    context = current()
    if context is None or context.routed:
        return
    context.routed = True
    if context._request is None:
        context._routing = (route, params)
    else:
        context.add_routing(route, params)
