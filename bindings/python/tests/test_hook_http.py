"""The outgoing-HTTP hooks (urllib.request, http.client, requests, urllib3, httpx, and
socket.getaddrinfo) against the real libraries and a real server on 127.0.0.1 that
stands in for a cloud metadata endpoint. A URL whose host came from the request is
refused before any connection in block mode (the server sees nothing), and fetched
(reported) in report mode; a URL the application chose is fetched unchanged."""

from __future__ import annotations

import asyncio
import http.client
import socket
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
import rampart
import requests
import urllib3


class Metadata(BaseHTTPRequestHandler):
    hits = 0

    def do_GET(self) -> None:  # noqa: N802 -- http.server's name
        type(self).hits += 1
        body = b"iam/security-credentials/role"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def metadata():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Metadata)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    thread.join(timeout=10)


def fetchers(port: int):
    def http_client(url: str) -> bytes:
        host, _, path = url.removeprefix("http://").partition("/")
        name, _, port_text = host.partition(":")
        conn = http.client.HTTPConnection(name, int(port_text), timeout=10)
        try:
            conn.request("GET", "/" + path)
            return conn.getresponse().read()
        finally:
            conn.close()

    async def httpx_async(url: str) -> bytes:
        async with httpx.AsyncClient() as client:
            return (await client.get(url)).content

    return {
        "urllib.request.OpenerDirector.open": lambda url: urllib.request.urlopen(url, timeout=10).read(),
        "http.client.HTTPConnection.putrequest": http_client,
        "requests.Session.send": lambda url: requests.get(url, timeout=10).content,
        "urllib3.PoolManager.urlopen": lambda url: urllib3.PoolManager().request("GET", url, timeout=10).data,
        "httpx.Client.send": lambda url: httpx.get(url, timeout=10).content,
        "httpx.AsyncClient.send": lambda url: asyncio.run(httpx_async(url)),
    }


@pytest.mark.parametrize("operation", list(fetchers(0)))
def test_user_chosen_internal_url(operation, metadata, protect, events) -> None:
    fetch = fetchers(metadata)[operation]
    url = f"http://127.0.0.1:{metadata}/latest/meta-data/"
    protect("block")
    before = Metadata.hits
    with rampart.request_context(inputs=[("query", "url", url)]):
        with pytest.raises(rampart.AttackBlocked) as raised:
            fetch(url)
    assert raised.value.threat == "ssrf" and raised.value.operation == operation
    assert Metadata.hits == before, "a blocked request must not connect"

    events.clear()
    protect("report")
    with rampart.request_context(inputs=[("query", "url", url)]):
        assert fetch(url) == b"iam/security-credentials/role"
    assert Metadata.hits == before + 1
    found = events.findings()
    assert len(found) == 1, "one report per input, whatever the layers"
    assert found[0]["action"] == "reported" and found[0]["threat"] == "ssrf"


def test_application_chosen_urls_unchanged(metadata, protect, events) -> None:
    url = f"http://127.0.0.1:{metadata}/latest/meta-data/"

    def run():
        with rampart.request_context(inputs=[("query", "q", "meta-data"), ("query", "page", "2")]):
            return [fetch(url) for fetch in fetchers(metadata).values()]

    rampart.unprotect()
    baseline = run()
    for mode in ("report", "block"):
        protect(mode)
        assert run() == baseline
    assert events.all() == []


def test_getaddrinfo_checks_the_resolved_address(metadata, protect, events) -> None:
    """A user-chosen name that resolves to an internal address: the URL check cannot
    know the address (here the name is `localhost`, which it does know, so the URL is
    checked in report mode and the resolution in block mode)."""
    url = f"http://localhost:{metadata}/latest/meta-data/"
    inputs = [("query", "host", "localhost"), ("header", "host", f"127.0.0.1:{metadata}")]
    protect("block", protections={"ssrf": {"action": "block"}})
    engine = rampart.engine()
    with rampart.request_context(inputs=inputs) as context:
        # the URL named the host and an input wrote it: its resolution is checked
        rampart.sinks._expect_resolution(context, url)
        with pytest.raises(rampart.AttackBlocked) as raised:
            socket.getaddrinfo("localhost", metadata)
        assert raised.value.operation.startswith("socket.getaddrinfo")
        with pytest.raises(rampart.AttackBlocked):
            socket.create_connection(("localhost", metadata), timeout=5)
        # a host no input wrote into a URL resolves as usual, even when a header of the
        # request (its own Host) contains it
        assert socket.getaddrinfo("127.0.0.1", metadata)
    # no request in progress: nothing is checked
    assert socket.getaddrinfo("localhost", metadata)
    found = events.findings()
    assert [(e["sink"]["kind"], e["input"]["key"]) for e in found] == [("url", "host"), ("url", "host")]
    assert all(e["input"]["source"] == "query" for e in found)
    assert engine is rampart.engine()


def test_application_fetching_its_own_host(metadata, protect, events) -> None:
    """The request's Host header names 127.0.0.1: the application talking to another
    service on 127.0.0.1 (its database, an internal API) is not an attack."""
    protect("block")
    with rampart.request_context(inputs=[("header", "host", "127.0.0.1:8000"), ("query", "page", "/docs")]):
        assert requests.get(f"http://127.0.0.1:{metadata}/docs", timeout=10).status_code == 200
        socket.create_connection(("127.0.0.1", metadata), timeout=5).close()
    assert events.all() == []
