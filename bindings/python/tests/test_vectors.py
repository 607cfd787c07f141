"""Every conformance vector of testdata/vectors through the Python API, each kind
through its own check, as a hook would call it."""

from __future__ import annotations

import json
from collections import Counter

import rampart
from conftest import REPO

VECTORS = REPO / "testdata" / "vectors"
#: Cases per kind in testdata/vectors: a vector added or lost shows here.
EXPECTED_COUNTS = {
    "sql": 1185,
    "url": 818,
    "shell": 365,
    "path": 335,
    "exec": 169,
    "header": 78,
    "nosql": 65,
    "redirect": 64,
    "payload": 147,
}


def load():
    cases = []
    for path in sorted(VECTORS.glob("*.jsonl")):
        if path.name == "skip.jsonl":
            continue
        # split("\n"), not splitlines(): JSON strings may hold U+2028, \x0b and other
        # characters that splitlines() also treats as line ends.
        for line in path.read_text(encoding="utf-8").split("\n"):
            if line.strip():
                cases.append(json.loads(line))
    return cases


def check(engine: rampart.Engine, request: rampart.Request, case: dict) -> rampart.Verdict:
    kind, resource = case["kind"], case["resource"]
    if kind == "sql":
        return engine.check_sql(request, case.get("dialect") or "generic", resource)
    if kind == "shell":
        return engine.check_shell(request, resource)
    if kind == "exec":
        return engine.check_exec(request, resource)
    if kind == "nosql":
        return engine.check_nosql(request, resource)
    if kind == "path":
        return engine.check_path(request, resource)
    if kind == "url":
        verdict = engine.check_url(request, resource)
        # At connect time the hook checks the address the name resolved to.
        if not verdict.is_attack and "host" in case and "ip" in case:
            return engine.check_resolved_ip(request, case["host"], case["ip"])
        return verdict
    if kind == "redirect":
        return engine.check_redirect(request, resource)
    if kind == "header":
        return engine.check_header(request, case.get("name", ""), resource)
    if kind == "payload":
        # Payload inspection judges the request itself: its method, path and inputs.
        return engine.inspect(request)
    raise AssertionError(f"{case['id']}: unknown kind {kind}")


def test_every_vector() -> None:
    cases = load()
    skip_path = VECTORS / "skip.jsonl"
    skip = set()
    if skip_path.exists():
        lines = skip_path.read_text(encoding="utf-8").splitlines()
        skip = {json.loads(line)["id"] for line in lines if line.strip()}
    engine = rampart.Engine({"mode": "block"})
    request = rampart.Request()
    ran, failures, passing_skipped = Counter(), [], []
    for case in cases:
        request.reset()
        if case["kind"] == "redirect" and "host" in case:
            request.set_host(case["host"])
        if case["kind"] == "payload":
            request.set_path(case["resource"])
            request.set_method(case.get("method") or "GET")
        for item in case.get("inputs", []):
            request.add_input(item["source"], item.get("key", ""), item["value"])
        verdict = check(engine, request, case)
        ran[case["kind"]] += 1
        ok = verdict.is_attack == (case["expect"] == "attack")
        if not ok and case["id"] not in skip:
            failures.append(f"{case['id']}: expected {case['expect']}, got {verdict!r}")
        if ok and case["id"] in skip:
            passing_skipped.append(case["id"])
    print(f"vectors run: {sum(ran.values())} {dict(ran)}")
    assert dict(ran) == EXPECTED_COUNTS
    assert sum(ran.values()) == len(cases) == 3226
    assert failures == [], "\n".join(failures[:50])
    assert passing_skipped == [], f"remove from skip.jsonl: {passing_skipped}"
