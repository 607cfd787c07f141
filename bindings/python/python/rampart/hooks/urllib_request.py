"""urllib.request: ``urlopen`` and every opener (``OpenerDirector.open``), with the
URL as given (a string or a ``Request``), before any connection. Redirects the opener
follows come through ``open`` again and are checked too."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from .. import sinks
from ._patch import patch

TARGET = "urllib.request"
OPERATION = "urllib.request.OpenerDirector.open"


def apply(urllib_request: ModuleType) -> None:
    def make(original: Any) -> Any:
        def open(self: Any, fullurl: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: A001
            if sinks.current() is not None:
                sinks.url(OPERATION, getattr(fullurl, "full_url", fullurl))
            return original(self, fullurl, *args, **kwargs)

        return open

    patch(urllib_request.OpenerDirector, "open", make)
