#!/usr/bin/env python3
"""Builds accuracy corpora for the path, SSRF, redirect and header checks from the shared
corpus (../shared/corpus next to the repository, or $RAMPART_CORPUS) and scores them with
`rampart eval`. Writes the corpora to a temporary directory; prints recall and false
positives per corpus.

Benign: real file paths (tldr-pages, sqlglot, rust-url repositories) under POSIX and
Windows base directories; CRS benign request values used as file names, URL query
values and header values; public URLs. Attacks: CRS LFI and SSRF attack stages spliced
into the sinks an application would hand them to.

Run: python3 tools/accuracy/path_url.py
"""
import json, os, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.environ.get("RAMPART_CORPUS", os.path.join(ROOT, "..", "shared", "corpus"))


def lines(rel):
    with open(os.path.join(CORPUS, rel), encoding="utf-8") as f:
        return [l.rstrip("\n") for l in f if l.strip() and not l.startswith("#")]


def crs_stages():
    return [json.loads(l) for l in lines("coreruleset/derived/crs-regression-tests-flat.jsonl")]


def inputs_of(stage):
    """The user inputs of a stage that a sink could receive (named query/body/header/cookie values)."""
    return [i for i in stage["inputs"] if i["location"] in ("query", "body", "header", "cookie") and i.get("name")]


def case(kind, n, resource, value, expect, source="query", key="v", stage=None, **extra):
    """One case; `stage` groups the cases built from one CRS test stage (one per input:
    the stage counts as detected when any of them is)."""
    c = {"id": f"{kind}-acc-{n}" + (f"-{stage}" if stage else ""), "kind": kind, **extra, "resource": resource,
         "inputs": [{"source": source if source != "header" else "header", "key": key or "v", "value": value}],
         "expect": expect}
    return c


def build():
    out = {}
    paths = lines("tldr-pages/derived/tldr-pages-file-paths.txt") + lines("sqlglot/derived/sqlglot-repo-file-paths.txt") \
        + lines("rust-url/derived/rust-url-repo-file-paths.txt")
    stages = crs_stages()
    benign_values = [i["value"] for s in stages if s["label"] == "benign" for i in inputs_of(s)]
    benign_values = [v for v in benign_values if v and "\x00" not in v]

    # Path: benign repository paths and CRS benign values as names inside a directory.
    cases = []
    for p in paths:
        cases.append(case("path", len(cases), "/srv/app/files/" + p, p, "safe"))
        w = p.replace("/", "\\")
        cases.append(case("path", len(cases), "C:\\srv\\app\\files\\" + w, w, "safe"))
    for v in benign_values:
        cases.append(case("path", len(cases), "/srv/app/files/" + v, v, "safe"))
    out["path-benign"] = cases

    # Path attacks: CRS LFI attack stages. A value with `..` goes under the directory; an
    # absolute value is opened as given (Python's os.path.join, Node's path.resolve).
    cases = []
    for s in stages:
        if s["category"] != "lfi" or s["label"] != "attack":
            continue
        stage = f"crs{s['rule_id']}.{s['test_id']}"
        for i in inputs_of(s):
            v = i["value"]
            if v.startswith("/") or v[1:3] in (":\\", ":/"):
                cases.append(case("path", len(cases), v, v, "attack", i["location"], i["name"], stage))
            else:
                cases.append(case("path", len(cases), "/var/www/html/pages/" + v, v, "attack", i["location"], i["name"], stage))
    for t in lines("coreruleset/rules/lfi-os-files.data"):
        v = "../../../../../" + t
        cases.append(case("path", len(cases), "/var/www/html/static/" + v, v, "attack"))
        cases.append(case("path", len(cases), "/" + t, "/" + t, "attack"))
    out["path-attack"] = cases

    # SSRF benign: CRS benign values as query values of an application-chosen host, and
    # public URLs supplied whole.
    cases = []
    for v in benign_values:
        cases.append(case("url", len(cases), "http://10.0.0.12:9200/products/_search?q=" + v, v, "safe"))
        cases.append(case("url", len(cases), "https://api.example.com/v1/items/" + v, v, "safe"))
    for s in stages:
        if s["category"] in ("ssrf", "rfi") and s["label"] == "benign":
            for i in inputs_of(s):
                v = i["value"]
                # Two stages are "benign" only for one CRS rule's pattern: they are metadata
                # URLs (http://169.254.169.254/latest, http://metadata.google.internal).
                if v.startswith(("http://", "https://")) and "169.254" not in v and "metadata" not in v:
                    cases.append(case("url", len(cases), v, v, "safe", i["location"], i["name"]))
    out["url-benign"] = cases

    # SSRF attacks: CRS SSRF attack stages as the URL fetched, and SSRF target lists.
    cases = []
    for s in stages:
        if s["category"] != "ssrf" or s["label"] != "attack":
            continue
        for i in inputs_of(s):
            v = i["value"]
            if len(v) < 300 and "<" not in v:
                stage = f"crs{s['rule_id']}.{s['test_id']}"
                cases.append(case("url", len(cases), v, v, "attack", i["location"], i["name"], stage))
    for v in lines("coreruleset/rules/ssrf.data") + lines("coreruleset/rules/ssrf-no-scheme.data"):
        cases.append(case("url", len(cases), v, v, "attack"))
    out["url-attack"] = cases

    # Header: CRS benign values echoed into a header; CRS protocol attacks with line breaks.
    # Values with a line break are left out: echoed raw into a header they split it,
    # whatever the sender meant, and the check reports them.
    cases = []
    for v in benign_values:
        if "\r" not in v and "\n" not in v:
            cases.append(case("header", len(cases), "lang=" + v, v, "safe", name="Set-Cookie"))
    out["header-benign"] = cases
    cases = []
    for s in stages:
        if s["label"] == "attack":
            for i in inputs_of(s):
                if any(c in i["value"] for c in "\r\n"):
                    cases.append(case("header", len(cases), "/x?" + i["value"], i["value"], "attack",
                                      i["location"], i["name"], name="Location"))
    out["header-attack"] = cases
    return out


def main():
    binary = os.path.join(ROOT, "target", "release", "rampart")
    subprocess.run(["cargo", "build", "-q", "--release", "-p", "rampart-cli"], cwd=ROOT, check=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, cases in build().items():
            path = os.path.join(tmp, name + ".jsonl")
            with open(path, "w", encoding="utf-8") as f:
                for c in cases:
                    f.write(json.dumps(c, ensure_ascii=False) + "\n")
            r = subprocess.run([binary, "eval", path], capture_output=True, text=True)
            summary = [l for l in r.stderr.splitlines() if ": attacks" in l]
            print(f"{name:14} {len(cases):6} cases  " + " | ".join(summary))
            verdicts = [json.loads(line)["verdict"] for line in r.stdout.splitlines()]
            stages = {}
            for c, v in zip(cases, verdicts):
                if "-crs" in c["id"]:
                    stage = c["id"].rsplit("-", 1)[1]
                    stages[stage] = stages.get(stage, False) or v == "attack"
            if stages:
                hit = sum(stages.values())
                print(f"{'':14} CRS attack stages detected: {hit}/{len(stages)} ({100.0 * hit / len(stages):.1f}%)")
            if os.environ.get("RAMPART_SHOW_MISSES"):
                for line, c in zip(r.stdout.splitlines(), cases):
                    v = json.loads(line)
                    if v["verdict"] != c["expect"]:
                        print("   ", c["expect"], "->", v["verdict"], v["reason"], repr(c["inputs"][0]["value"])[:100], "|", repr(c["resource"])[:100])


if __name__ == "__main__":
    sys.exit(main())
