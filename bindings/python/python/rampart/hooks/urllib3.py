"""urllib3: ``PoolManager.urlopen`` (``urllib3.request`` and every pool manager), with
the absolute URL. Connection pools used directly are checked in http.client."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from .. import sinks
from ._patch import patch

TARGET = "urllib3.poolmanager"
OPERATION = "urllib3.PoolManager.urlopen"


def apply(poolmanager: ModuleType) -> None:
    def make(original: Any) -> Any:
        def urlopen(self: Any, method: Any, url: Any, *args: Any, **kwargs: Any) -> Any:
            if sinks.current() is not None:
                sinks.url(OPERATION, url)
            return original(self, method, url, *args, **kwargs)

        return urlopen

    patch(poolmanager.PoolManager, "urlopen", make)
