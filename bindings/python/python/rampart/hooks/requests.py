"""requests: ``Session.send`` (``requests.get`` and friends, and every redirect a
session follows), with the prepared URL, query parameters included."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from .. import sinks
from ._patch import patch

TARGET = "requests.sessions"
OPERATION = "requests.Session.send"


def apply(sessions: ModuleType) -> None:
    def make(original: Any) -> Any:
        def send(self: Any, request: Any, **kwargs: Any) -> Any:
            if sinks.current() is not None:
                sinks.url(OPERATION, getattr(request, "url", None))
            return original(self, request, **kwargs)

        return send

    patch(sessions.Session, "send", make)
