"""socket: ``getaddrinfo``, where a client learns the address it will connect to
(``socket.create_connection``, so http.client, urllib3, requests and sync httpx).
Each address is checked with the name that was resolved: a name chosen by a user
that resolves to an internal address (DNS rebinding, ``localtest.me``) is caught even
when the URL check could not know it. The engine flags only a host that came from an
input of the request in progress; outside a request nothing is checked.

asyncio resolves in a thread pool that does not carry the request's context, so an
async client's resolution is not checked here (its URL still is).
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from .. import sinks
from ._patch import patch

TARGET = "socket"
OPERATION = "socket.getaddrinfo"


def apply(socket: ModuleType) -> None:
    def make(original: Any) -> Any:
        def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
            results = original(host, *args, **kwargs)
            if sinks.current() is not None and isinstance(host, (str, bytes)):
                seen = set()
                for _family, _type, _proto, _canonname, sockaddr in results:
                    ip = sockaddr[0]
                    if isinstance(ip, str) and ip not in seen:
                        seen.add(ip)
                        sinks.resolved_ip(OPERATION, host, ip)
            return results

        return getaddrinfo

    patch(socket, "getaddrinfo", make)
