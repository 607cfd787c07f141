"""http.client: ``HTTPConnection.putrequest``, where every request of http.client,
urllib.request, urllib3 and requests starts. The URL is rebuilt from the connection's
scheme, host and port and the request target, so a host chosen by a user is seen even
when the application builds the connection itself."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from .. import sinks
from ._patch import patch

TARGET = "http.client"
OPERATION = "http.client.HTTPConnection.putrequest"


def full_url(connection: Any, target: Any, https: type) -> Any:
    """The absolute URL of a request: the target itself when it is absolute (a proxy
    request), else scheme://host:port + target."""
    if isinstance(target, bytes):
        target = target.decode("latin-1")
    if not isinstance(target, str):
        return None
    if "://" in target[:16]:
        return target
    host = getattr(connection, "_tunnel_host", None) or connection.host
    port = getattr(connection, "_tunnel_port", None) or connection.port
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    scheme = "https" if isinstance(connection, https) else "http"
    return f"{scheme}://{host}:{port}{target}"


def apply(http_client: ModuleType) -> None:
    https = getattr(http_client, "HTTPSConnection", ())

    def make(original: Any) -> Any:
        def putrequest(self: Any, method: Any, url: Any, *args: Any, **kwargs: Any) -> Any:
            if sinks.current() is not None:
                sinks.url(OPERATION, full_url(self, url, https))
            return original(self, method, url, *args, **kwargs)

        return putrequest

    patch(http_client.HTTPConnection, "putrequest", make)
