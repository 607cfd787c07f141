"""Framework integrations, one module per framework: each runs rampart's middleware
around the framework's entry point and adds what only the framework knows (the route
template and the path parameters). They apply when (or if) the framework is imported.
"""

from __future__ import annotations

import importlib
from typing import Any, Iterable, Optional

from .. import _agent
from ..context import current
from ..hooks import _patch
from ..inputs import Collector
from ..middleware._common import middleware_failed

INTEGRATIONS = ("flask", "django", "starlette")


def install(names: Optional[Iterable[str]] = None) -> None:
    for name in names if names is not None else INTEGRATIONS:
        integration = importlib.import_module(f"{__name__}.{name}")
        for target, apply in integration.TARGETS:
            _patch.when_imported(target, f"integration:{name}:{target}", apply)


def add_routing(route: Optional[str], params: Any) -> None:
    """Adds the framework's route template and path parameters to the current
    request, once."""
    context = current()
    if context is None or context.routed:
        return
    context.routed = True
    try:
        if route:
            context.request.set_route(route)
        if params:
            Collector(context, _agent.limits()).path_params(params)
    except Exception as error:  # noqa: BLE001 -- fail open
        middleware_failed(context.engine, error, context)
