"""What rampart adds to a Python application, measured with and without it in one run.

1. Per hooked sqlite3 ``execute``: an in-memory query, unprotected vs protected (outside
   a request; inside a request with 12 typical inputs that do not occur in the query;
   with an input that occurs in it, so the engine lexes the query). Then per hooked
   ``open()`` and ``os.listdir`` (the path check) in a request with 12 inputs.
2. Per request in a minimal Flask app (one view returning a string) and in the example
   Flask shop (examples/python-flask: a product page and a search, each one SQLite
   query, and the form login), called as WSGI apps with browser-like headers (no
   network, so the percentage is the worst case a real server would show), and the
   shop served by werkzeug on 127.0.0.1 (a real HTTP round trip).

    python benches/python_overhead.py [--quick]
    python benches/python_overhead.py --instructions

Variants run interleaved, in many short rounds; each reports its median round and its
best round (on a shared machine the best round is the one no other process disturbed,
and interleaving gives every variant the same chances).

``--instructions`` counts instead of timing, each app unprotected, protected with
payload inspection off, and protected with the default policy (the middleware inspects
each request as it arrives: ``malicious_payload`` reports by default). Counts are
deterministic where timings on a shared machine are not. Two measures:

- called as a WSGI app (the worst case: no server work to dilute the agent's): the app
  runs under ``valgrind --tool=callgrind`` for 100 and for 300 requests (after 50 to
  warm up); the difference divided by 200 is the cost of one request;
- served: the app behind werkzeug's server on 127.0.0.1 (single-threaded; werkzeug
  closes the connection after each response, it has no keep-alive) under callgrind, a
  client in the bench's own process (not under valgrind) sending 150 or 450 requests
  with a browser's headers; per request = the difference / 300. This is what a request
  costs the server process, accept and close included.

    python benches/python_overhead.py --instructions [--wsgi-only | --served-only] [--before DIR]
        [--row LABEL] [--modes MODE,...]

``--row`` counts one request only (a label as printed: ``"hello GET /"``), ``--modes``
some of ``unprotected,protected,inspect`` (the percentages need ``unprotected``).

``--before DIR`` counts an earlier agent installed in DIR
(``pip install --target DIR ...``) instead of the one installed.
"""

from __future__ import annotations

import io
import logging
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, Iterable, List

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
    return {name: min(rounds) for name, rounds in rounds_of(variants, calls, setup).items()}


def rounds_of(
    variants: Dict[str, Callable[[], None]], calls: int, setup: Callable[[str], None] = None
) -> Dict[str, List[float]]:
    """Nanoseconds per call of each variant in each of ROUNDS interleaved rounds."""
    rounds: Dict[str, List[float]] = {name: [] for name in variants}
    for _ in range(ROUNDS):
        for name, fn in variants.items():
            if setup is not None:
                setup(name)
            start = time.perf_counter_ns()
            for _ in range(calls):
                fn()
            rounds[name].append((time.perf_counter_ns() - start) / calls)
    return rounds


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


def hello_app() -> Callable[..., object]:
    """The smallest Flask app: what a framework request costs without any work."""
    from flask import Flask

    app = Flask("hello")

    @app.get("/")
    def hello() -> str:
        return "Hello, World!"

    return app


#: The requests measured in-process: label -> (app, EnvironBuilder arguments).
def wsgi_requests() -> Dict[str, tuple]:
    from shop import create_app

    shop = create_app(str(Path(tempfile.mkdtemp(prefix="rampart-bench-")) / "shop.db"))
    return {
        "hello GET /": (hello_app(), dict(path="/")),
        "shop GET /products/2": (shop, dict(path="/products/2")),
        "shop GET /search?q=mug": (shop, dict(path="/search", query_string="q=mug")),
        "shop POST /login": (
            shop,
            dict(path="/login", method="POST", data={"email": "alice@example.com", "password": "wonderland"}),
        ),
    }


def wsgi_call(app: Callable[..., object], kwargs: dict) -> Callable[[], None]:
    """One request to ``app`` as a WSGI server makes it, with browser-like headers."""
    from werkzeug.test import EnvironBuilder

    headers = {name: value for source, name, value in TYPICAL_INPUTS if source == "header"}
    headers["Cookie"] = "session=eyJ1c2VyIjoiYWxpY2UifQ.Zt3x9w.abc-def_ghi"
    environ = EnvironBuilder(headers=headers, **kwargs).get_environ()
    body = environ["wsgi.input"].read()

    def run() -> None:
        env = dict(environ)
        env["wsgi.input"] = io.BytesIO(body)
        result = app(env, lambda status, headers, exc_info=None: None)
        for _ in result:
            pass
        result.close()

    return run


def flask_overhead() -> Dict[str, List[float]]:
    variants: Dict[str, Callable[[], None]] = {}
    for label, (app, kwargs) in wsgi_requests().items():
        run = wsgi_call(app, kwargs)
        variants[f"{label}|no rampart"] = run
        variants[f"{label}|protected"] = run

    def setup(name: str) -> None:
        if name.endswith("no rampart"):
            rampart.unprotect()
        elif rampart.engine() is None:
            rampart.protect({"mode": "block"})

    rounds = rounds_of(variants, REQUESTS, setup)
    rampart.unprotect()
    return rounds


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


def count_requests(mode: str, label: str, requests: int) -> None:
    """The process ``--instructions`` runs under callgrind: ``requests`` requests (after
    50 to warm up) to one app, unprotected, protected with payload inspection off, or
    protected by the default policy (the middleware inspects each request)."""
    if mode == "protected":
        rampart.protect({"mode": "block", "protections": {"malicious_payload": {"action": "off"}}})
    elif mode == "inspect":
        rampart.protect({"mode": "block"})
    app, kwargs = wsgi_requests()[label]
    run = wsgi_call(app, kwargs)
    for _ in range(50 + requests):
        run()


def under_callgrind(out: str, *args: str) -> list:
    """This script run with ``args`` under callgrind, its profile written into ``out``."""
    return [
        "valgrind",
        "--tool=callgrind",
        f"--callgrind-out-file={out}/callgrind.out",
        sys.executable,
        __file__,
        *args,
    ]


def collected_instructions(stderr: str) -> int:
    """The instruction total callgrind prints at exit."""
    refs = [line for line in stderr.splitlines() if "Collected" in line or "refs:" in line]
    return int(refs[-1].rsplit(":", 1)[1].replace(",", "").strip())


def instructions(env: dict) -> None:
    """Instructions per request of each app called as a WSGI app (no server: the worst
    case), unprotected / protected / protected with inspection."""

    def count(mode: str, label: str, requests: int) -> int:
        with tempfile.TemporaryDirectory() as out:
            command = under_callgrind(out, "--count", mode, label, str(requests))
            done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        return collected_instructions(done.stderr)

    few, many = WSGI_FEW, WSGI_MANY
    print(
        f"instructions per request called as a WSGI app "
        f"(callgrind, {many} requests minus {few}, divided by {many - few})"
    )
    for label in selected(wsgi_requests()):
        report(label, {mode: (count(mode, label, many) - count(mode, label, few)) / (many - few) for mode in modes()})


MODES = ("unprotected", "protected", "inspect")


def selected(labels: Iterable[str]) -> List[str]:
    """The requests to count: all, or the one ``--row`` names."""
    if "--row" not in sys.argv:
        return list(labels)
    row = sys.argv[sys.argv.index("--row") + 1]
    if row not in labels:
        raise SystemExit(f"--row: no request {row!r} (one of {', '.join(labels)})")
    return [row]


def modes() -> List[str]:
    """The modes to count: all, or those ``--modes`` lists."""
    if "--modes" not in sys.argv:
        return list(MODES)
    return [mode for mode in sys.argv[sys.argv.index("--modes") + 1].split(",") if mode in MODES]


def report(label: str, per: Dict[str, float]) -> None:
    """One row: instructions per request in each mode counted, and what protection adds."""
    plain = per.get("unprotected")
    cells = []
    for mode in modes():
        added = f" ({(per[mode] / plain - 1) * 100:+.1f}%)" if plain and mode != "unprotected" else ""
        cells.append(f"{per[mode]:9,.0f} {mode}{added}")
    print(f"{label:24} " + ", ".join(cells), flush=True)


#: Requests counted per WSGI-call run (after 50 to warm up): per request = the difference / (MANY - FEW).
WSGI_FEW, WSGI_MANY = 100, 300

#: What ``--instructions`` also counts through a real server: label -> (app, path).
SERVED = {"hello GET /": "/", "shop GET /products/2": "/products/2"}
#: Requests: warm-up, then the two counts.
SERVED_WARMUP, SERVED_FEW, SERVED_MANY = 50, 100, 400


def serve_counted(mode: str, label: str, port_file: str, requests: int) -> None:
    """The process ``--instructions`` runs under callgrind for the served measure: the
    app behind werkzeug's server on 127.0.0.1 (single-threaded), for ``requests``
    requests, then exit. werkzeug closes the connection after each response (it does
    not do keep-alive), so each request is also a TCP accept and close."""
    from werkzeug.serving import make_server

    if mode == "protected":
        rampart.protect({"mode": "block", "protections": {"malicious_payload": {"action": "off"}}})
    elif mode == "inspect":
        rampart.protect({"mode": "block"})
    app = wsgi_requests()[label][0]
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log line per request
    server = make_server("127.0.0.1", 0, app)
    Path(port_file).write_text(str(server.server_port))
    for _ in range(requests):
        server.handle_request()
    server.server_close()


def served_requests(port: int, path: str, count: int) -> None:
    """``count`` requests with a browser's headers; the client runs in the bench's own
    process, not under valgrind."""
    import http.client

    headers = {name: value for source, name, value in TYPICAL_INPUTS if source == "header" and name != "host"}
    headers["Cookie"] = "session=eyJ1c2VyIjoiYWxpY2UifQ.Zt3x9w.abc-def_ghi"
    for _ in range(count):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        connection.close()
        if response.status != 200:
            raise SystemExit(f"{path}: {response.status}")


def count_served(mode: str, label: str, requests: int, env: dict) -> int:
    """Instructions of one served run: start, ``requests`` requests, exit."""
    with tempfile.TemporaryDirectory() as out:
        port_file = Path(out) / "port"
        command = under_callgrind(out, "--serve", mode, label, str(port_file), str(requests))
        server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 600
        while not port_file.exists() or not port_file.read_text():
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise SystemExit(f"the served app did not start: {server.communicate()[1][-2000:]}")
            time.sleep(0.2)
        time.sleep(0.2)  # the port is written before listen() returns to accept()
        served_requests(int(port_file.read_text()), SERVED[label], requests)
        _, stderr = server.communicate(timeout=600)
    return collected_instructions(stderr)


def instructions_served(env: dict) -> None:
    few, many = SERVED_WARMUP + SERVED_FEW, SERVED_WARMUP + SERVED_MANY
    print(
        f"instructions per request served by werkzeug on 127.0.0.1, a connection per request "
        f"(callgrind, {many} requests minus {few}, divided by {many - few})"
    )
    for label in selected(SERVED):
        report(
            label,
            {
                mode: (count_served(mode, label, many, env) - count_served(mode, label, few, env)) / (many - few)
                for mode in modes()
            },
        )


def main() -> None:
    if "--count" in sys.argv:
        at = sys.argv.index("--count")
        count_requests(sys.argv[at + 1], sys.argv[at + 2], int(sys.argv[at + 3]))
        return
    if "--serve" in sys.argv:
        at = sys.argv.index("--serve")
        serve_counted(sys.argv[at + 1], sys.argv[at + 2], sys.argv[at + 3], int(sys.argv[at + 4]))
        return
    if "--instructions" in sys.argv:
        env = dict(os.environ, PYTHONHASHSEED="0")
        if "--before" in sys.argv:
            # an earlier agent, installed elsewhere (pip install --target DIR), counted the same way
            before = sys.argv[sys.argv.index("--before") + 1]
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [before, env.get("PYTHONPATH")]))
        # --wsgi-only / --served-only: one of the two measures
        if "--served-only" not in sys.argv:
            instructions(env)
        if "--wsgi-only" not in sys.argv:
            instructions_served(env)
        return
    print(f"python {sys.version.split()[0]}, rampart {rampart.__version__}, {ROUNDS} interleaved rounds")
    for label, ns in sqlite_overhead().items():
        print(f"sqlite3 {label:50} {ns:8.0f} ns")
    for label, ns in file_overhead().items():
        print(f"files {label:52} {ns:8.0f} ns")
    print("per request, WSGI call (median of rounds / best round):")
    rounds = flask_overhead()
    for label in wsgi_requests():
        plain, protected = rounds[f"{label}|no rampart"], rounds[f"{label}|protected"]
        for name, pick in (("median", statistics.median), ("best", min)):
            a, b = pick(plain) / 1000, pick(protected) / 1000
            print(
                f"  {label:24} {name:6} {a:7.1f} us without, {b:7.1f} us with: "
                f"{b - a:+6.1f} us ({(b / a - 1) * 100:+.1f}%)"
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
