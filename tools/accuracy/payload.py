#!/usr/bin/env python3
"""Measures rampart's context-free payload inspection (`Engine::inspect`) on public corpora.

Unlike the sink checks, inspection needs no (sink, input) pair: each corpus entry is one
request, judged as it arrives.

  crs-*        OWASP CRS regression tests (every attack and benign stage), one request per
               stage with all its inputs (query, body, headers, cookies; the URI path is the
               request path), per CRS category.
  libinjection SQLi payload lists (`data/sqli-*.txt`, URL-decoded with `+` as space, as
               libinjection's own harness does) and XSS lists (`data/xss-*.txt`), each
               value as a query parameter; `data/false_positives.txt` as benign.
  blns         big-list-of-naughty-strings: the benign sections (unicode, quotes, numbers,
               reserved words, ...) as benign; the injection sections reported apart.
  tldr         tldr-pages: every distinct command description (English instructions that
               start with SQL and shell verbs: "Execute a command", "Select pages 1, 2,
               and 6 from a document", with quotes and backticks) as benign.

Usage:
  payload.py --corpus DIR --out DIR generate       write the vector files
  payload.py --out DIR report [--update FILE] [--check THRESHOLDS]
"""

import argparse
import json
import sys
import urllib.parse
from collections import defaultdict
from pathlib import Path

BLNS_ATTACK_SECTIONS = {
    "Script Injection", "SQL Injection", "Server Code Injection", "Command Injection (Ruby)",
    "XXE Injection (XML)", "Unwanted Interpolation", "File Inclusion", "jinja2 injection",
    "Known CVEs and Vulnerabilities", "iOS Vulnerabilities", "Human injection", "Terminal escape codes",
}
CRS_ATTACK_CATEGORIES = ["sqli", "xss", "cmdi", "lfi", "rfi", "ssrf", "php", "java", "generic", "protocol", "session", "nosql"]


def case(cid, inputs, expect, path="/", method="GET", note=""):
    return {"id": cid, "kind": "payload", "resource": path, "method": method, "inputs": inputs,
            "expect": expect, "note": note}


def query_input(value):
    return [{"source": "query", "key": "q", "value": value}]


def lines(path):
    for raw in path.read_bytes().decode("utf-8", "replace").splitlines():
        if raw.strip() and not raw.startswith("#"):
            yield raw


def generate(corpus: Path, out: Path):
    out.mkdir(parents=True, exist_ok=True)
    cases, meta = [], []

    def add(set_name, c):
        cases.append(c)
        meta.append({"id": c["id"], "set": set_name, "expect": c["expect"]})

    # CRS regression tests.
    crs = corpus / "coreruleset/derived/crs-regression-tests-flat.jsonl"
    for line in crs.read_text().splitlines():
        r = json.loads(line)
        if r["label"] not in ("attack", "benign"):
            continue
        path, inputs = "/", []
        for i in r["inputs"]:
            loc = i["location"]
            if loc == "path":
                path = i["value"] or "/"
            elif loc in ("query", "body", "header", "cookie"):
                key = i.get("name") or ""
                if loc == "header":
                    key = key.lower()
                inputs.append({"source": loc, "key": key, "value": i["value"] or ""})
        expect = "attack" if r["label"] == "attack" else "safe"
        cid = f"crs-{r['rule_id']}-{r['test_id']}-{r['stage']}"
        add(f"crs-{r['category']}", case(cid, inputs, expect, path, r.get("method") or "GET", r.get("desc", "")))

    # libinjection.
    data = corpus / "libinjection/data"
    for f in sorted(data.glob("sqli-*.txt")):
        for n, raw in enumerate(lines(f)):
            add("libinjection-sqli", case(f"li-{f.stem}-{n}", query_input(urllib.parse.unquote_plus(raw)), "attack"))
    for f in sorted(data.glob("xss-*.txt")):
        for n, raw in enumerate(lines(f)):
            value = urllib.parse.unquote(raw) if "%" in raw else raw
            add("libinjection-xss", case(f"li-{f.stem}-{n}", query_input(value), "attack"))
    for n, raw in enumerate(lines(data / "false_positives.txt")):
        add("libinjection-fp", case(f"li-fp-{n}", query_input(urllib.parse.unquote_plus(raw)), "safe"))

    # Big list of naughty strings, by section.
    section, previous = None, ""
    for n, raw in enumerate((corpus / "big-list-of-naughty-strings/blns.txt").read_text("utf-8").splitlines()):
        if raw.startswith("#\t") and previous.strip() == "":
            section = raw[2:].strip()
        previous = raw
        if not raw or raw.startswith("#"):
            continue
        attack = section in BLNS_ATTACK_SECTIONS
        add("blns-injection" if attack else "blns-benign",
            case(f"blns-{n}", query_input(raw), "attack" if attack else "safe", note=section or ""))

    # tldr-pages command descriptions: prose about commands.
    seen = set()
    for line in (corpus / "tldr-pages/derived/tldr-pages-commands.jsonl").read_text("utf-8").splitlines():
        description = json.loads(line)["description"]
        if description in seen:
            continue
        seen.add(description)
        add("tldr-descriptions", case(f"tldr-{len(seen)}", query_input(description), "safe"))

    with open(out / "payload.jsonl", "w") as f:
        for c in cases:
            f.write(json.dumps(c, ensure_ascii=False) + "\n")
    with open(out / "payload.meta.jsonl", "w") as f:
        for m in meta:
            f.write(json.dumps(m) + "\n")
    print(f"payload: {len(cases)} cases", file=sys.stderr)


SET_TITLES = [
    ("libinjection-sqli", "libinjection SQLi payload lists"),
    ("libinjection-xss", "libinjection XSS payload lists"),
    ("libinjection-fp", "libinjection false-positive list"),
    ("blns-benign", "naughty strings, benign sections"),
    ("blns-injection", "naughty strings, injection sections"),
    ("tldr-descriptions", "tldr-pages command descriptions"),
] + [(f"crs-{c}", f"CRS regression tests: {c}") for c in CRS_ATTACK_CATEGORIES]


def measure(out: Path):
    meta = {m["id"]: m for m in (json.loads(l) for l in (out / "payload.meta.jsonl").read_text().split("\n") if l)}
    cases = {c["id"]: c for c in (json.loads(l) for l in (out / "payload.jsonl").read_text().split("\n") if l)}
    stats = defaultdict(lambda: {"attack": 0, "caught": 0, "safe": 0, "flagged": 0, "misses": [], "fps": [],
                                 "reasons": defaultdict(int)})
    for r in (json.loads(l) for l in (out / "payload.verdicts.jsonl").read_text().split("\n") if l):
        m = meta[r["id"]]
        s = stats[m["set"]]
        hit = r["verdict"] == "attack"
        if hit:
            s["reasons"][r["reason"] if r["reason"] != "rule_match" else "rule_match"] += 1
        if m["expect"] == "attack":
            s["attack"] += 1
            s["caught"] += hit
            if not hit:
                s["misses"].append(cases[r["id"]])
        else:
            s["safe"] += 1
            s["flagged"] += hit
            if hit:
                s["fps"].append((cases[r["id"]], r["reason"]))
    return stats


def pct(a, b):
    return "n/a" if b == 0 else f"{100.0 * a / b:.2f}%"


def short(c, limit=90):
    text = " | ".join(f"{i['source']}:{i['key']}={i['value']}" for i in c["inputs"]) or c["resource"]
    text = text.replace("\r", "\\r").replace("\n", "\\n").replace("`", "'")
    return text[:limit] + ("…" if len(text) > limit else "")


def tables(stats):
    rows = ["| set | attacks caught (recall) | benign flagged (false positives) |", "|---|---|---|"]
    for key, title in SET_TITLES:
        s = stats.get(key)
        if not s:
            continue
        rec = f"{s['caught']:,} of {s['attack']:,} (**{pct(s['caught'], s['attack'])}**)" if s["attack"] else "—"
        fp = f"{s['flagged']:,} of {s['safe']:,} (**{pct(s['flagged'], s['safe'])}**)" if s["safe"] else "—"
        rows.append(f"| {title} | {rec} | {fp} |")
    tot = {"attack": 0, "caught": 0, "safe": 0, "flagged": 0}
    for s in stats.values():
        for k in tot:
            tot[k] += s[k]
    rows.append(f"| **all sets** | {tot['caught']:,} of {tot['attack']:,} (**{pct(tot['caught'], tot['attack'])}**) "
                f"| {tot['flagged']:,} of {tot['safe']:,} (**{pct(tot['flagged'], tot['safe'])}**) |")
    samples = []
    for key, title in SET_TITLES:
        s = stats.get(key)
        if not s or (not s["misses"] and not s["fps"]):
            continue
        samples.append(f"**{title}**: {len(s['misses'])} missed, {len(s['fps'])} flagged benign.")
        for c in s["misses"][:5]:
            samples.append(f"- missed `{short(c)}`")
        for c, reason in s["fps"][:5]:
            samples.append(f"- flagged ({reason}) `{short(c)}`")
        samples.append("")
    return "\n".join(rows) + "\n", "\n".join(samples)


def update(doc: Path, table, samples):
    text = doc.read_text()
    for name, body in (("payload-tables", table), ("payload-misses", samples)):
        begin = f"<!-- BEGIN GENERATED {name}: tools/accuracy/run --update -->"
        end = f"<!-- END GENERATED {name} -->"
        if begin not in text:
            raise SystemExit(f"{doc}: marker missing: {begin}")
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        text = f"{head}{begin}\n{body}\n{end}{tail}"
    doc.write_text(text)


def check(stats, thresholds_file: Path):
    limits = json.loads(thresholds_file.read_text())
    failures = []
    for key, limit in limits.items():
        if key.startswith("_"):
            continue
        set_name, kind = key.rsplit("_", 1)
        s = stats.get(set_name)
        if s is None:
            failures.append(f"{set_name}: no cases")
            continue
        if kind == "recall":
            value = s["caught"] / max(s["attack"], 1)
            if value < limit:
                failures.append(f"{set_name}: recall {value:.4f} < {limit}")
        elif kind == "fp":
            value = s["flagged"] / max(s["safe"], 1)
            if value > limit:
                failures.append(f"{set_name}: false-positive rate {value:.4f} > {limit}")
    for f in failures:
        print(f"payload accuracy: FAILED: {f}", file=sys.stderr)
    return 1 if failures else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("command", choices=["generate", "report"])
    ap.add_argument("--update", type=Path)
    ap.add_argument("--check", type=Path)
    args = ap.parse_args()
    if args.command == "generate":
        generate(args.corpus, args.out)
        return 0
    stats = measure(args.out)
    table, samples = tables(stats)
    if args.update:
        update(args.update, table, samples)
    if args.check:
        code = check(stats, args.check)
        if code == 0:
            print("payload accuracy: ok", file=sys.stderr)
        return code
    print(table)
    print(samples)
    return 0


if __name__ == "__main__":
    sys.exit(main())
