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
        request = context.request
        if route:
            request.set_route(route)
        if params:
            # Collector.path_params, inlined: this runs on every routed request.
            limit = _agent._limits.max_inputs
            for key, value in params.items():
                if len(request) >= limit:
                    context.inputs_truncated = True
                    break
                request.add_input(
                    "path",
                    key if isinstance(key, str) else str(key),
                    value if isinstance(value, (str, bytes)) else str(value),
                )
    except Exception as error:  # noqa: BLE001 -- fail open
        middleware_failed(context.engine, error, context)
