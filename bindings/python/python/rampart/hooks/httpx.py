"""httpx: ``Client.send`` and ``AsyncClient.send``, which every request of a client
(and ``httpx.get`` and friends) goes through, redirects included."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from .. import sinks
from ._patch import patch

TARGET = "httpx"


def apply(httpx: ModuleType) -> None:
    def make_sync(original: Any) -> Any:
        def send(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
            if sinks.current() is not None:
                sinks.url("httpx.Client.send", str(request.url))
            return original(self, request, *args, **kwargs)

        return send

    def make_async(original: Any) -> Any:
        async def send(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
            if sinks.current() is not None:
                sinks.url("httpx.AsyncClient.send", str(request.url))
            return await original(self, request, *args, **kwargs)

        return send

    patch(httpx.Client, "send", make_sync)
    patch(httpx.AsyncClient, "send", make_async)
