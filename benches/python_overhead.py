"""What rampart adds to a Python application, measured with and without it in one run.

1. Per hooked sqlite3 ``execute``: an in-memory query, unprotected vs protected (outside
   a request; inside a request with 12 typical inputs that do not occur in the query;
   with an input that occurs in it, so the engine lexes the query). Then per hooked
   ``open()`` and ``os.listdir`` (the path check) in a request with 12 inputs.
2. Per request in the example Flask shop (examples/python-flask), called as a WSGI app
   with browser-like headers (no network, so the percentage is the worst case a real
   server would show), and served by werkzeug on 127.0.0.1 (a real HTTP round trip).

    python benches/python_overhead.py [--quick]

Variants run interleaved, in many short rounds, and each reports its best round: on a
shared machine the best round is the one no other process disturbed, and interleaving
gives every variant the same chances.
"""

from __future__ import annotations

import io
import logging
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "examples" / "python-flask"))

import rampart  # noqa: E402

QUICK = "--quick" in sys.argv
ROUNDS = 30 if QUICK else 200
CALLS = 200
REQUESTS = 10

TYPICAL_INPUTS = [
    ("query", "page", "2"),
    ("query", "sort", "price desc"),
    ("body", "email", "alice@example.com"),
    ("body", "password", "correct horse battery staple"),
    ("cookie", "session", "eyJ1c2VyIjoiYWxpY2UifQ.Zt3x9w.abc-def_ghi"),
    ("header", "user-agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"),
    ("header", "accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
    ("header", "accept-language", "ja,en-US;q=0.9,en;q=0.8"),
    ("header", "referer", "https://shop.example/search?q=mug"),
    ("header", "host", "shop.example"),
    ("header", "x-request-id", "5f0c9a2e-41d7-b3c8"),
    ("header", "x-forwarded-for", "203.0.113.7"),
]


def interleaved(
    variants: Dict[str, Callable[[], None]], calls: int, setup: Callable[[str], None] = None
) -> Dict[str, float]:
    """Best nanoseconds per call of each variant over ROUNDS interleaved rounds."""
    best = {name: float("inf") for name in variants}
    for _ in range(ROUNDS):
        for name, fn in variants.items():
            if setup is not None:
                setup(name)
            start = time.perf_counter_ns()
            for _ in range(calls):
                fn()
            best[name] = min(best[name], (time.perf_counter_ns() - start) / calls)
    return best


def sqlite_overhead() -> Dict[str, float]:
    def connect() -> sqlite3.Connection:
        conn = sqlite3.connect(":memory:")
        conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, name TEXT)")
        conn.execute("INSERT INTO users (email, name) VALUES ('alice@example.com', 'Alice')")
        return conn

    query = "SELECT name FROM users WHERE email = ?"
    params = ("alice@example.com",)
    concatenated = "SELECT name FROM users WHERE email = 'alice@example.com'"

    rampart.unprotect()
    plain = connect()
    rampart.protect({"mode": "block"})
    hooked = connect()
    outside = interleaved(
        {
            "no rampart": lambda: plain.execute(query, params),
            "protected, outside a request": lambda: hooked.execute(query, params),
        },
        CALLS,
    )
    with rampart.request_context(method="POST", path="/login", inputs=TYPICAL_INPUTS):
        inside = interleaved(
            {
                "no rampart": lambda: plain.execute(query, params),
                "protected, 12 inputs": lambda: hooked.execute(query, params),
                "concatenated, no rampart": lambda: plain.execute(concatenated),
                # the e-mail input occurs in the query: the engine lexes it (and finds it safe)
                "concatenated, protected, input occurs": lambda: hooked.execute(concatenated),
            },
            CALLS,
        )
    rampart.unprotect()
    return {
        "execute, no rampart": inside["no rampart"],
        "added outside a request": outside["protected, outside a request"] - outside["no rampart"],
        "added in a request with 12 inputs": inside["protected, 12 inputs"] - inside["no rampart"],
        "added when an input occurs in the query": inside["concatenated, protected, input occurs"]
        - inside["concatenated, no rampart"],
    }


def file_overhead() -> Dict[str, float]:
    """A hooked open() and os.listdir in a request with 12 typical inputs."""
    import os

    directory = tempfile.mkdtemp(prefix="rampart-bench-")
    path = os.path.join(directory, "file.txt")
    with open(path, "w") as f:
        f.write("x")

    def open_close() -> None:
        open(path, "rb").close()  # noqa: SIM115 -- the call itself is measured

    rampart.unprotect()
    plain = interleaved({"open": open_close, "listdir": lambda: os.listdir(directory)}, CALLS)
    rampart.protect({"mode": "block"})
    with rampart.request_context(method="GET", path="/download", inputs=TYPICAL_INPUTS):
        hooked = interleaved({"open": open_close, "listdir": lambda: os.listdir(directory)}, CALLS)
    rampart.unprotect()
    return {
        "open(), no rampart": plain["open"],
        "open() added in a request with 12 inputs": hooked["open"] - plain["open"],
        "os.listdir added in a request with 12 inputs": hooked["listdir"] - plain["listdir"],
    }


def flask_overhead() -> Dict[str, float]:
    from shop import create_app
    from werkzeug.test import EnvironBuilder

    app = create_app(str(Path(tempfile.mkdtemp(prefix="rampart-bench-")) / "shop.db"))
    headers = {name: value for source, name, value in TYPICAL_INPUTS if source == "header"}
    headers["Cookie"] = "session=eyJ1c2VyIjoiYWxpY2UifQ.Zt3x9w.abc-def_ghi"
    builders = {
        "GET /products/2": dict(path="/products/2"),
        "GET /search?q=mug": dict(path="/search", query_string="q=mug"),
        "POST /login": dict(
            path="/login", method="POST", data={"email": "alice@example.com", "password": "wonderland"}
        ),
    }

    def request_fn(environ: dict) -> Callable[[], None]:
        body = environ["wsgi.input"].read()

        def run() -> None:
            env = dict(environ)
            env["wsgi.input"] = io.BytesIO(body)
            result = app(env, lambda status, headers, exc_info=None: None)
            for _ in result:
                pass
            result.close()

        return run

    variants: Dict[str, Callable[[], None]] = {}
    for label, kwargs in builders.items():
        run = request_fn(EnvironBuilder(headers=headers, **kwargs).get_environ())
        variants[f"{label}|no rampart"] = run
        variants[f"{label}|protected"] = run

    def setup(name: str) -> None:
        if name.endswith("no rampart"):
            rampart.unprotect()
        elif rampart.engine() is None:
            rampart.protect({"mode": "block"})

    best = interleaved(variants, REQUESTS, setup)
    rampart.unprotect()
    return best


def flask_http_overhead() -> Dict[str, float]:
    import threading
    import urllib.request

    from shop import create_app
    from werkzeug.serving import make_server

    app = create_app(str(Path(tempfile.mkdtemp(prefix="rampart-bench-")) / "shop.db"))
    # No access log: a line per request on the terminal would be most of what is timed.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, app)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    headers = {name: value for source, name, value in TYPICAL_INPUTS if source == "header" and name != "host"}

    def get(path: str) -> Callable[[], None]:
        def run() -> None:
            with urllib.request.urlopen(urllib.request.Request(base + path, headers=headers), timeout=10) as r:
                r.read()

        return run

    def setup(name: str) -> None:
        if name.endswith("no rampart"):
            rampart.unprotect()
        elif rampart.engine() is None:
            rampart.protect({"mode": "block"})

    variants = {}
    for path in ("/products/2", "/search?q=mug"):
        variants[f"GET {path}|no rampart"] = get(path)
        variants[f"GET {path}|protected"] = get(path)
    global ROUNDS
    rounds, ROUNDS = ROUNDS, max(10, ROUNDS // 5)
    try:
        best = interleaved(variants, REQUESTS, setup)
    finally:
        ROUNDS = rounds
        server.shutdown()
        rampart.unprotect()
    return best


def main() -> None:
    print(f"python {sys.version.split()[0]}, rampart {rampart.__version__}, best of {ROUNDS} interleaved rounds")
    for label, ns in sqlite_overhead().items():
        print(f"sqlite3 {label:50} {ns:8.0f} ns")
    for label, ns in file_overhead().items():
        print(f"files {label:52} {ns:8.0f} ns")
    flask = flask_overhead()
    for label in ("GET /products/2", "GET /search?q=mug", "POST /login"):
        plain, protected = flask[f"{label}|no rampart"] / 1000, flask[f"{label}|protected"] / 1000
        print(
            f"flask {label:20} {plain:7.1f} us without, {protected:7.1f} us with: "
            f"{protected - plain:+6.1f} us ({(protected / plain - 1) * 100:+.1f}%)"
        )
    http = flask_http_overhead()
    for label in ("GET /products/2", "GET /search?q=mug"):
        plain, protected = http[f"{label}|no rampart"] / 1000, http[f"{label}|protected"] / 1000
        print(
            f"flask over HTTP {label:10} {plain:7.1f} us without, {protected:7.1f} us with: "
            f"{protected - plain:+6.1f} us ({(protected / plain - 1) * 100:+.1f}%)"
        )


if __name__ == "__main__":
    main()
