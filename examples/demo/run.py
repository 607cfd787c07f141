#!/usr/bin/env python3
"""The rampart demo: two deliberately vulnerable shops, attacked, with and without blocking.

Starts the Express shop (examples/node-express) and the Flask shop
(examples/python-flask), each twice: once in report mode and once in block mode, all on
127.0.0.1. Next to them it serves two loopback sites: a stand-in for the cloud metadata
endpoint (`/latest/meta-data/...` on 127.0.0.1) and a "partner site" on `localhost`
that the policy allows the link preview to show. Then it plays the same scenario
against every shop, prints one table row per request (what was expected, what
happened, OK or FAIL) and the events each shop wrote to its stderr, stops everything it
started, and exits 1 if any row failed.

Nothing here connects anywhere but loopback: every URL in the scenario names 127.0.0.1
or localhost, and the shops run without proxy variables.

Run it through `make demo` (which builds what it needs first). Environment:
  RAMPART_DEMO_SKIP   comma-separated parts to leave out: `node`, `flask`, or
                      `flask-sinks` (the Flask shop's ping, download and preview rows)
  RAMPART_DEMO_PYTHON the Python that runs the Flask shop (default: target/venv)
  RAMPART_DEMO_LOGS   directory for each shop's full output (default: target/demo)
"""

from __future__ import annotations

import http.server
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Callable

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
POLICY = os.path.join(REPO, "examples", "demo", "policy.json")
BLOCK_PAGE_JA = "リクエストはブロックされました"
BLOCK_PAGE_EN = "Request blocked"
FAKE_CREDENTIALS = "DEMO-ONLY-NOT-A-REAL-SECRET"
START_TIMEOUT = 60.0
REQUEST_TIMEOUT = 15.0
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")


# --- the loopback sites ---------------------------------------------------------------


class Site(http.server.ThreadingHTTPServer):
    """A loopback HTTP server that counts the requests it answered."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], pages: Callable[[str], tuple[int, str, str]]):
        self.pages = pages
        self.hits = 0
        self.lock = threading.Lock()
        super().__init__(address, SiteHandler)


class Site6(Site):
    address_family = socket.AF_INET6


class SiteHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 -- the http.server interface
        with self.server.lock:
            self.server.hits += 1
        status, content_type, body = self.server.pages(self.path)
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_args) -> None:
        pass


def metadata_pages(path: str) -> tuple[int, str, str]:
    """What an instance metadata service answers, with credentials that are obviously fake."""
    base = "/latest/meta-data/iam/security-credentials/"
    if path == base:
        return 200, "text/plain", "shop"
    if path == base + "shop":
        credentials = {
            "Code": "Success",
            "Type": "AWS-HMAC",
            "AccessKeyId": "ASIA" + FAKE_CREDENTIALS,
            "SecretAccessKey": FAKE_CREDENTIALS,
            "Token": FAKE_CREDENTIALS,
        }
        return 200, "application/json", json.dumps(credentials)
    if path.startswith("/latest/meta-data/"):
        return 200, "text/plain", "ami-id\nhostname\niam/\ninstance-id\n"
    return 404, "text/plain", "not found"


def partner_pages(path: str) -> tuple[int, str, str]:
    if path == "/news":
        return 200, "text/html; charset=utf-8", "<h1>Partner news</h1><p>Spring sale starts Monday.</p>"
    return 404, "text/plain", "not found"


def serve(site: Site) -> Site:
    threading.Thread(target=site.serve_forever, daemon=True).start()
    return site


# --- the shops ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def child_environment(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in PROXY_VARIABLES and not k.startswith("RAMPART_")}
    env.update(NO_PROXY="*", no_proxy="*", PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


@dataclass
class Shop:
    """One running shop process and the lines it wrote."""

    name: str  # "Express" or "Flask"
    mode: str  # "report" or "block"
    argv: list[str]
    cwd: str
    port: int = 0
    process: subprocess.Popen | None = None
    output: list[str] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    routes: dict[str, tuple[str]] = field(default_factory=dict)  # the path that answered, per step path

    @property
    def label(self) -> str:
        return f"{self.name} ({self.mode})"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.port = free_port()
        env = child_environment(
            {"PORT": str(self.port), "HOST": "127.0.0.1", "RAMPART_POLICY": POLICY, "RAMPART_MODE": self.mode}
        )
        self.process = subprocess.Popen(
            self.argv,
            cwd=self.cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group: stopped as a whole, spared the terminal's Ctrl-C
        )
        for stream, is_stderr in ((self.process.stdout, False), (self.process.stderr, True)):
            threading.Thread(target=self._read, args=(stream, is_stderr), daemon=True).start()

    def _read(self, stream, is_stderr: bool) -> None:
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            event = parse_event(line) if is_stderr else None
            with self.lock:
                self.output.append(line)
                if event is not None:
                    self.events.append(event)

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.label} exited with {self.process.returncode}:\n{self.tail()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{self.label} did not listen on 127.0.0.1:{self.port}:\n{self.tail()}")

    def tail(self, lines: int = 30) -> str:
        with self.lock:
            return "\n".join(self.output[-lines:])

    def event_count(self) -> int:
        with self.lock:
            return len(self.events)

    def events_since(self, start: int, want: int, timeout: float) -> list[dict]:
        """Sink events written after the first `start` events, waiting up to `timeout` for
        `want` of them. The reports of payload inspection (threat `malicious_payload`,
        which the policy leaves at `report`: the request itself looked like an attack) are
        printed with the others at the end but not counted: a row is about its sink."""
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                new = [e for e in self.events[start:] if e.get("threat") != "malicious_payload"]
            if len(new) >= want or time.monotonic() >= deadline:
                return new
            time.sleep(0.02)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        for sig, grace in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.process.wait(grace)
                return
            except subprocess.TimeoutExpired:
                continue


def parse_event(line: str) -> dict | None:
    """An event line of rampart (docs/events.md), or None for the app's own output."""
    if not line.startswith("{"):
        return None
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) and "event_id" in value and "action" in value else None


# --- requests -------------------------------------------------------------------------


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args, **_kwargs):
        return None


# No proxy, whatever the environment says: the demo talks to 127.0.0.1 only.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect())


@dataclass
class Answer:
    status: int
    body: str


def send(shop: Shop, method: str, path: str, form: dict[str, str] | None) -> Answer:
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(shop.base + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with OPENER.open(request, timeout=REQUEST_TIMEOUT) as response:
            return Answer(response.status, response.read().decode("utf-8", "replace"))
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.read().decode("utf-8", "replace"))


# --- the scenario ---------------------------------------------------------------------


@dataclass
class Step:
    """One request of the scenario: what the table shows, what is sent, what proves it worked."""

    method: str
    path: str  # as sent (percent-encoded)
    form: dict[str, str] | None
    evidence: str  # regex: the normal answer, or the breach, visible in the body
    works: str  # what the evidence means, for the table
    threat: str | None = None  # None: a normal request, which must raise no event
    input_key: str = ""  # the input rampart must name (source.key)
    part: str = ""  # the RAMPART_DEMO_SKIP part this row belongs to
    reaches_metadata: bool = False  # the request calls the metadata stand-in unless blocked
    alternatives: tuple[str, ...] = ()  # other paths for the same route, tried on a 404

    @property
    def title(self) -> str:
        shown = urllib.parse.unquote(self.path)
        if self.form is not None:
            shown += " " + " ".join(f"{k}={v}" for k, v in self.form.items())
        return f"{self.method} {shown}"


@dataclass
class Row:
    shop: str
    mode: str
    request: str
    expected: str
    happened: str
    result: str  # OK, FAIL or SKIP


def scenario(shop_name: str, metadata_port: int, partner_port: int) -> list[Step]:
    express = shop_name == "Express"
    user = "username" if express else "email"
    alice = "alice" if express else "alice@example.com"
    metadata_url = f"http://127.0.0.1:{metadata_port}/latest/meta-data/iam/security-credentials/shop"
    partner_url = f"http://localhost:{partner_port}/news"
    # The Flask shop's tools arrive with the Python sink hooks; RAMPART_DEMO_SKIP=flask-sinks
    # leaves them out where those are missing.
    tools = "" if express else "flask-sinks"
    ping = "/tools/ping"
    ping_alternatives = () if express else ("/ping",)
    q = urllib.parse.quote
    return [
        Step(
            "POST",
            "/login",
            {user: alice, "password": "wonderland"},
            r'"username":"alice"' if express else r"Welcome, Alice!",
            "alice logged in",
        ),
        Step(
            "GET",
            "/products?q=lamp" if express else "/search?q=mug",
            None,
            r"Desk lamp" if express else r"Rust mug",
            "the product is found",
        ),
        Step(
            "POST",
            "/login",
            {user: "' or 1=1--", "password": "x"},
            r'"username":"admin"' if express else r"Welcome, Alice!",
            "logged in as admin, no password" if express else "logged in as Alice, no password",
            threat="sql_injection",
            input_key=f"body.{user}",
        ),
        Step(
            "GET",
            ping + "?host=127.0.0.1",
            None,
            r"127\.0\.0\.1",
            "the tool answers",
            part=tools,
            alternatives=tuple(a + "?host=127.0.0.1" for a in ping_alternatives),
        ),
        Step(
            "GET",
            ping + "?host=" + q("127.0.0.1; echo pwned-$((6*7))"),
            None,
            r"pwned-42",
            "the injected echo ran: pwned-42",
            threat="command_injection",
            input_key="query.host",
            part=tools,
            alternatives=tuple(a + "?host=" + q("127.0.0.1; echo pwned-$((6*7))") for a in ping_alternatives),
        ),
        Step(
            "GET",
            "/download?name=price-list.txt",
            None,
            r"Desk lamp" if express else r"\S",
            "the price list",
            part=tools,
        ),
        Step(
            "GET",
            "/download?name=" + q("../../../../../../../../etc/passwd"),
            None,
            r"root:x?:0:0:",
            "/etc/passwd sent",
            threat="path_traversal",
            input_key="query.name",
            part=tools,
        ),
        Step(
            "GET",
            "/preview?url=" + q(partner_url, safe=""),
            None,
            r"Spring sale",
            "the partner's news (allowed host)",
            part=tools,
        ),
        Step(
            "GET",
            "/preview?url=" + q(metadata_url, safe=""),
            None,
            FAKE_CREDENTIALS,
            "metadata credentials leaked",
            threat="ssrf",
            input_key="query.url",
            part=tools,
            reaches_metadata=True,
        ),
    ]


def expectation(step: Step, mode: str) -> str:
    if step.threat is None:
        return "works, no event"
    if mode == "report":
        return "breach + event 'reported'"
    return "block page + event 'blocked'"


def play(shop: Shop, step: Step, metadata: Site) -> Row:
    """Sends one step to one shop and judges what happened."""
    failures: list[str] = []
    before_events = shop.event_count()
    before_hits = metadata.hits
    candidates = shop.routes.get(step.path) or (step.path, *step.alternatives)
    for path in candidates:
        answer = send(shop, step.method, path, step.form)
        if answer.status != 404:
            shop.routes[step.path] = (path,)
            break
    # A hook writes its event before the sink call returns, so before the answer; the
    # wait only covers the pipe between the shop and this process.
    new_events = shop.events_since(before_events, 1, 5.0 if step.threat else 0.3)
    breach = re.search(step.evidence, answer.body) is not None
    happened = [str(answer.status)]

    if step.threat is None:
        happened.append(step.works if breach else "unexpected answer")
        if not breach or answer.status >= 400:
            failures.append("the normal request did not work")
        if new_events:
            failures.append(f"a normal request raised {len(new_events)} event(s)")
    else:
        event = new_events[0] if new_events else None
        if shop.mode == "report":
            want_action = "reported"
            happened.append(step.works if breach else "no breach")
            if not breach:
                failures.append("the attack did not go through in report mode")
        else:
            want_action = "blocked"
            page = (
                answer.status == 403
                and BLOCK_PAGE_JA in answer.body
                and BLOCK_PAGE_EN in answer.body
                and event is not None
                and event.get("event_id", "-") in answer.body
            )
            happened.append("block page (ja+en, event id)" if page else "no block page")
            if not page:
                failures.append("no block page quoting the event id")
            if breach:
                happened.append("and it leaked")
                failures.append("the attack's result reached the client")
        if event is None:
            failures.append("no event")
        else:
            source_key = "{source}.{key}".format(**(event.get("input") or {"source": "?", "key": "?"}))
            happened.append(f"{event.get('action')} {event.get('threat')} in {source_key}")
            if (event.get("action"), event.get("threat"), source_key) != (want_action, step.threat, step.input_key):
                failures.append(f"expected {want_action} {step.threat} in {step.input_key}")
            if len(new_events) > 1:
                failures.append(f"{len(new_events)} events for one request")
    if step.reaches_metadata and shop.mode == "block":
        if metadata.hits > before_hits:
            failures.append("the blocked request reached the metadata stand-in")
        else:
            happened.append("nothing connected")
    if failures:
        happened.append("FAILED: " + "; ".join(failures))
    return Row(
        shop.name,
        shop.mode,
        step.title,
        expectation(step, shop.mode),
        ", ".join(happened),
        "FAIL" if failures else "OK",
    )


# --- output ---------------------------------------------------------------------------


def colour(text: str, code: str) -> str:
    return f"\033[{code}m{text}\033[0m" if sys.stdout.isatty() and not os.environ.get("NO_COLOR") else text


def print_table(rows: list[Row]) -> None:
    headers = ("shop", "mode", "request", "expected", "what happened", "result")
    cells = [(r.shop, r.mode, r.request, r.expected, r.happened, r.result) for r in rows]
    widths = [max(len(c[i]) for c in [headers, *cells]) for i in range(5)]

    def line(values, result: str) -> str:
        return "  ".join(v.ljust(w) for v, w in zip(values, widths)) + "  " + result

    print(line(headers[:5], headers[5]))
    print(line(["-" * w for w in widths], "------"))
    previous = None
    for cell in cells:
        if previous is not None and previous != cell[:2]:
            print()
        previous = cell[:2]
        mark = {"OK": colour("OK", "32"), "FAIL": colour("FAIL", "31;1"), "SKIP": colour("SKIP", "33")}[cell[5]]
        print(line(cell[:5], mark))


STACK_FRAMES_SHOWN = 2


def print_events(shops: list[Shop]) -> None:
    print(f"\nEvents, as each shop wrote them to stderr (stack cut to {STACK_FRAMES_SHOWN} frames here):")
    for shop in shops:
        with shop.lock:
            events = list(shop.events)
        print(f"\n== {shop.label}: {len(events)} event(s)")
        for event in events:
            shown = dict(event)
            if isinstance(shown.get("stack"), list) and len(shown["stack"]) > STACK_FRAMES_SHOWN:
                shown["stack"] = shown["stack"][:STACK_FRAMES_SHOWN] + ["..."]
            print(json.dumps(shown, ensure_ascii=False, separators=(",", ":")))


def save_logs(shops: list[Shop]) -> str:
    directory = os.environ.get("RAMPART_DEMO_LOGS") or os.path.join(REPO, "target", "demo")
    os.makedirs(directory, exist_ok=True)
    for shop in shops:
        name = f"{shop.name.lower()}-{shop.mode}.log"
        with open(os.path.join(directory, name), "w", encoding="utf-8") as f:
            f.write(shop.tail(1_000_000) + "\n")
    return directory


# --- main -----------------------------------------------------------------------------


def shops_to_run(skip: set[str]) -> list[Shop]:
    python = os.environ.get("RAMPART_DEMO_PYTHON") or os.path.join(REPO, "target", "venv", "bin", "python")
    shops = []
    for mode in ("report", "block"):
        if "node" not in skip:
            shops.append(Shop("Express", mode, ["node", "server.js"], os.path.join(REPO, "examples", "node-express")))
        if "flask" not in skip:
            shops.append(Shop("Flask", mode, [python, "app.py"], os.path.join(REPO, "examples", "python-flask")))
    return sorted(shops, key=lambda s: (s.name, s.mode != "report"))


def on_signal(signum, _frame) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> int:
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started with SIGINT ignored
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    skip = {part.strip() for part in os.environ.get("RAMPART_DEMO_SKIP", "").split(",") if part.strip()}
    unknown = skip - {"node", "flask", "flask-sinks"}
    if unknown:
        print(f"RAMPART_DEMO_SKIP: unknown part(s) {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2

    sites: list[Site] = []
    shops = shops_to_run(skip)
    rows: list[Row] = []
    try:
        metadata = serve(Site(("127.0.0.1", 0), metadata_pages))
        sites.append(metadata)
        partner = serve(Site(("127.0.0.1", 0), partner_pages))
        sites.append(partner)
        partner_port = partner.server_address[1]
        try:  # `localhost` may resolve to ::1 first
            sites.append(serve(Site6(("::1", partner_port), partner_pages)))
        except OSError:
            pass
        print(f"metadata stand-in on http://127.0.0.1:{metadata.server_address[1]}/latest/meta-data/")
        print(f"partner site on http://localhost:{partner_port}/news (allowed by the policy's ssrf.allow_hosts)")
        print(f"policy: {os.path.relpath(POLICY, REPO)}\n")
        for shop in shops:
            shop.start()
        for shop in shops:
            shop.wait_ready()
            print(f"{shop.label:18} on {shop.base}  ({' '.join(os.path.basename(a) for a in shop.argv)})")
        print()
        for shop in shops:
            for step in scenario(shop.name, metadata.server_address[1], partner_port):
                if step.part in skip:
                    rows.append(Row(shop.name, shop.mode, step.title, expectation(step, shop.mode), "skipped", "SKIP"))
                    continue
                rows.append(play(shop, step, metadata))
        print_table(rows)
        print_events(shops)
    except KeyboardInterrupt:
        print("\ninterrupted: stopping the shops", file=sys.stderr)
        return 130
    except Exception as error:  # a shop that did not start, a request that hung: show it, then clean up
        print(f"\ndemo failed: {error}", file=sys.stderr)
        return 1
    finally:
        for shop in shops:
            shop.stop()
        for site in sites:
            site.shutdown()
            site.server_close()
        if any(s.process is not None for s in shops):
            print(f"\nfull output of each shop: {os.path.relpath(save_logs(shops), REPO)}/")

    failed = sum(r.result == "FAIL" for r in rows)
    skipped = sum(r.result == "SKIP" for r in rows)
    ok = sum(r.result == "OK" for r in rows)
    summary = f"{ok} OK, {failed} FAIL" + (f", {skipped} skipped (RAMPART_DEMO_SKIP)" if skipped else "")
    print("\n" + (colour(summary, "31;1") if failed else colour(summary, "32")))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
