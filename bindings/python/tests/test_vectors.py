"""Every conformance vector of testdata/vectors through the Python API."""

from __future__ import annotations

import json
from collections import Counter

import rampart
from conftest import REPO

VECTORS = REPO / "testdata" / "vectors"
#: Kinds this binding can check; the others are counted as unsupported until the
#: engine's checks for them are exposed here.
SUPPORTED = {"sql"}


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


def test_every_vector() -> None:
    cases = load()
    skip_path = VECTORS / "skip.jsonl"
    skip = set()
    if skip_path.exists():
        lines = skip_path.read_text(encoding="utf-8").splitlines()
        skip = {json.loads(line)["id"] for line in lines if line.strip()}
    engine = rampart.Engine({"mode": "block"})
    request = rampart.Request()
    ran, unsupported, failures, passing_skipped = 0, Counter(), [], []
    for case in cases:
        if case["kind"] not in SUPPORTED:
            unsupported[case["kind"]] += 1
            continue
        request.reset()
        for item in case.get("inputs", []):
            request.add_input(item["source"], item.get("key", ""), item["value"])
        verdict = engine.check_sql(request, case.get("dialect") or "generic", case["resource"])
        ran += 1
        ok = verdict.is_attack == (case["expect"] == "attack")
        if not ok and case["id"] not in skip:
            failures.append(f"{case['id']}: expected {case['expect']}, got {verdict!r}")
        if ok and case["id"] in skip:
            passing_skipped.append(case["id"])
    # The exact count: every case of a supported kind ran, the rest were counted.
    expected = sum(1 for c in cases if c["kind"] in SUPPORTED)
    assert ran == expected
    assert ran + sum(unsupported.values()) == len(cases)
    assert ran >= 1170, f"the SQL vectors at least, ran {ran}"
    print(f"vectors: {ran} run, unsupported: {dict(unsupported)}")
    assert failures == [], "\n".join(failures[:50])
    assert passing_skipped == [], f"remove from skip.jsonl: {passing_skipped}"
