"""A long-running Python host: requests created and dropped, millions of SQL checks.

Resident memory must stop growing after a warm-up: each ``rampart.Request`` frees its
native buffers when Python drops it, and checks allocate nothing.

Usage: python benches/python_memory.py [--checks N] [--limit-mb M]
Exits 1 when RSS grew by more than the limit between the end of the warm-up (a third
of the run) and the end.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys

import rampart

ATTACK = "SELECT * FROM users WHERE email = 'x' OR '1'='1' AND active = 1"
SAFE = "SELECT * FROM products WHERE name = 'desk lamp' AND color = 'dark-grey'"


def rss_mb() -> float:
    gc.collect()
    with open("/proc/self/statm") as statm:
        resident_pages = int(statm.read().split()[1])
    return resident_pages * os.sysconf("SC_PAGESIZE") / (1 << 20)


def serve(engine: rampart.Engine, reused: rampart.Request, i: int) -> int:
    """One HTTP request's work; returns the number of checks made."""
    request = rampart.Request()  # a fresh one each time: the worst case for a leak
    request.add_input("body", "email", "x' OR '1'='1")
    request.add_input("query", "page", str(i % 50))
    request.add_input("header", "user-agent", "soak/1.0")
    if not engine.check_sql(request, "mysql", ATTACK).is_attack:
        raise AssertionError("missed the attack")
    reused.reset()  # the reused request of a server that keeps one per worker
    reused.add_input("query", "q", "desk lamp")
    reused.add_input("query", "color", "dark-grey")
    if engine.check_sql(reused, "sqlite", SAFE).is_attack:
        raise AssertionError("false positive")
    return 2


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--checks", type=int, default=2_000_000)
    parser.add_argument("--limit-mb", type=float, default=4.0)
    args = parser.parse_args()

    engine = rampart.Engine({"mode": "block"})
    reused = rampart.Request()
    checks = i = 0
    while checks < args.checks // 3:
        checks += serve(engine, reused, i)
        i += 1
    before = rss_mb()
    samples = []
    while checks < args.checks:
        checks += serve(engine, reused, i)
        i += 1
        if i % 100_000 == 0:
            engine = rampart.Engine({"mode": "report" if i % 200_000 == 0 else "block"})
            samples.append(f"{rss_mb():.1f}")
    after = rss_mb()
    print(
        f"python memory: {checks} checks, {i} requests; RSS {before:.1f} MB after warm-up, "
        f"{after:.1f} MB at the end ({after - before:+.1f} MB); samples {' '.join(samples)}"
    )
    if after - before > args.limit_mb:
        print(f"python memory: RSS grew by more than {args.limit_mb} MB", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
