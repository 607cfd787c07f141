#!/usr/bin/env python3
"""Scores rampart's verdicts on the pairs built by generate.py and prints the tables of
docs/accuracy.md (markdown).

  report.py [--dir target/accuracy]                 print the tables
  report.py --update docs/accuracy.md               rewrite the generated part of the doc
  report.py --check tools/accuracy/thresholds.json  exit 1 if a gated number regressed

The directory holds generate.py's output (attack.jsonl, benign.jsonl, meta.jsonl) and
the verdicts of `rampart eval` on each case file (attack.verdicts.jsonl,
benign.verdicts.jsonl).
"""

import argparse
import collections
import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DIALECTS = ["mysql", "postgresql", "sqlite", "mssql", "oracle", "generic"]
CONTEXTS = ["single", "double", "bare"]
CONTEXT_NAMES = {
    "single": "`'...'` string",
    "double": '`"..."` (MySQL string; identifier elsewhere)',
    "bare": "bare (numeric, ORDER BY, IN list)",
}
BENIGN_GROUPS = {
    "a:statement-literals": "(a) literal contents of real statements",
    "b:escaped": "(b) benign inputs, escaped by the app",
    "b:raw-harmless": "(b) benign inputs, raw in a literal they cannot leave",
    "c:parameterised": "(c) parameterised statements",
    "d:structural": "(d) benign structural inputs",
    "e:coincidence": "(e) coincidence stress: input occurs verbatim in app-written SQL",
}
HEADLINE_BENIGN = [g for g in BENIGN_GROUPS if g != "e:coincidence"]
BLOCK = "<!-- BEGIN GENERATED {name}: tools/accuracy/run --update -->", "<!-- END GENERATED {name} -->"


class Case:
    """One pair: its generator metadata (`meta`), the judged input value and rampart's
    verdict. The query is read back only for the pairs shown as examples."""

    __slots__ = ("id", "meta", "query", "reason", "value", "verdict")

    def __init__(self, meta):
        self.id, self.meta, self.value, self.query = meta["id"], meta, meta["value"], None


def load(directory):
    cases, by_id = [], {}
    with (directory / "meta.jsonl").open(encoding="utf-8") as f:
        for line in f:
            c = Case(json.loads(line))
            cases.append(c)
            by_id[c.id] = c
    seen = 0
    for name in ("attack", "benign"):
        with (directory / f"{name}.verdicts.jsonl").open(encoding="utf-8") as f:
            for line in f:
                verdict = json.loads(line)
                c = by_id.get(verdict["id"])
                if c is None:
                    sys.exit(f"report.py: verdict for unknown case {verdict['id']}")
                c.verdict, c.reason = verdict["verdict"], verdict["reason"]
                seen += 1
    if seen != len(cases):
        sys.exit(f"report.py: {seen} verdicts for {len(cases)} cases; rerun rampart eval")
    return cases


def fill_queries(directory, cases):
    """Reads the queries of `cases` back from the case files."""
    wanted = {c.id: c for c in cases if c.query is None}
    for name in ("attack", "benign"):
        with (directory / f"{name}.jsonl").open(encoding="utf-8") as f:
            for line in f:
                # Lines start with {"id": "<id>", ...}: peek before parsing.
                case_id = line[8 : line.index('"', 8)]
                if case_id in wanted:
                    wanted.pop(case_id).query = json.loads(line)["resource"]


def pct(part, whole, digits=2):
    return "n/a" if whole == 0 else f"{100.0 * part / whole:.{digits}f}%"


def flagged(cases):
    return sum(1 for c in cases if c.verdict == "attack")


def table(header, rows):
    """A markdown table; integers get thousands separators, numeric columns align right."""
    cells = [[f"{x:,}" if isinstance(x, int) else str(x) for x in row] for row in rows]
    numeric = [
        bool(cells) and all(re.fullmatch(r"[\d,.%()n/a ]+", row[i]) for row in cells) for i in range(len(header))
    ]
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---:" if n else "---" for n in numeric) + "|"]
    out += ["| " + " | ".join(row) + " |" for row in cells]
    return "\n".join(out)


def short(text, limit=110):
    """One line of at most `limit` characters; a long text keeps its head and its tail
    (where trailing quotes and backslashes matter)."""
    text = text.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r").replace("|", "\\|")
    if len(text) <= limit:
        return text
    tail = limit // 3
    return text[: limit - tail - 1] + "…" + text[-tail:]


def code(text, limit=110):
    """A markdown code span holding `text` (shortened), whatever backticks it contains."""
    text = short(text, limit)
    if not text.strip():
        return "`(blank)`"
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or fence != "`" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


# ---------------------------------------------------------------------------------------
# Miss and false-positive categories: how to recognise each, and why it happens.
# ---------------------------------------------------------------------------------------

MISS_CATEGORIES = [
    (
        "moves-literal-end",
        "An unpaired trailing quote moves the literal's end",
        lambda c: c.meta.get("how") == "moves-literal-end",
        (
            "The input ends in a quote (`admin '`). (An odd run of backslashes before the quote, in MySQL strings and PostgreSQL `E''` strings, is reported: there the escaped form cannot look the same.) Spliced raw, that "
            "last byte pairs with the application's closing quote (`''` or `\\'` is an escaped quote), so the "
            "literal runs on to the application's *next* quote: the application's text in between (here "
            "` AND password_hash = `) becomes string content and the next literal's content becomes code. The "
            "occurrence itself lies inside one string token, which the check treats as safe. With one input the "
            "query is a syntax error (the application's own literal content, `e99a...`, is not valid code); with "
            "a second input in the next literal it is the classic two-field attack, and that is caught through "
            "the second input (`username=admin '` with `password= OR 1=1 -- ` is reported on `password`). Simply "
            "reporting a trailing quote that pairs with the next byte would be wrong: the correctly escaped form "
            "of the same input (`'admin '''`) also holds the raw input followed by a quote, so every escaped input "
            "that ends in a quote (`Jones'`, `5'`) would be flagged. The only local signal is what follows the "
            "pair: in the escaped form the rest of the application's literal (usually nothing, `%` in a LIKE "
            "pattern), in the raw form the application's query text up to its next quote. A fix can use that "
            "(e.g. report when the literal goes on to hold the text of a clause such as ` AND col = ` before it "
            "closes) but it is a heuristic; until then this is a documented gap with the two-field safety net."
        ),
    ),
    (
        "digit-glued-name",
        "A number glued to a name is read as one dotted name",
        lambda c: c.meta["context"] == "bare" and re.match(r"\s*\d", c.value) is not None,
        (
            "`1.e.tables` lexes as the word `1.e` (digits glued to letters become one word, as MySQL allows "
            "identifiers that start with digits), then `.tables`: a dotted name, i.e. a simple list element. "
            "MySQL's parser reads such forms differently (`1.e` as a number followed by more), a quirk known "
            "from WAF bypasses (`information_schema 1.e.tables`). In a bare slot the payload alone adds nothing that runs; the "
            "risk is the quirk combined with more tokens, which the check already reports. Fix if wanted: do not "
            "accept a word that starts with digits and contains `.` as a list element."
        ),
    ),
]

FP_CATEGORIES = [
    (
        "quote-only",
        "A quote-only input coincides with the application's own delimiters",
        lambda c: re.fullmatch(r"['\"`]+", c.value) is not None,
        (
            "The input is only quote characters (`''`, `\"\"`). The application escapes it correctly (`''''''`, "
            "or `'\\'\\''` in MySQL) or writes an empty literal itself, and the input's bytes then occur *across* "
            "a delimiter the application wrote, so the occurrence looks like it leaves the literal. An input made "
            "only of quote characters brings no token of its own: at most it unbalances a literal (a syntax "
            "error, or the two-field pattern above, caught through the other field). Fix: skip inputs made only "
            "of quote characters, as plain words are skipped."
        ),
    ),
    (
        "spaced-sign",
        "A sign separated from its number by a space",
        lambda c: re.fullmatch(r"\s*[+-]\s+[\d.]+\s*", c.value) is not None,
        (
            "`- 1` is two tokens, an operator and a number; the list rule accepts a sign only when it touches "
            "the number (`-1`). A sign followed by a number is still one signed value. Fix: let `AfterSign` "
            "accept whitespace before the number."
        ),
    ),
    (
        "comment-newline",
        "An input ending in a newline coincides with the end of a line comment",
        lambda c: c.value.endswith(("\n", "\r")) and c.reason == "sql_comment",
        (
            "The input `5\\n` occurs at the end of an application comment (`-- TPC-H 5`): the occurrence "
            "covers the newline that terminates the comment, and crossing a comment boundary is judged an "
            "attack. Ending exactly at the terminator cannot change anything: the text after the newline is the "
            "application's. Fix: treat an occurrence that ends with (not after) a line comment's terminating "
            "newline as inside the comment. (Textarea values often end with a newline.)"
        ),
    ),
    (
        "crosses-app-quote",
        "A benign input coincides with text that straddles an app-written quote or operator",
        lambda c: True,
        (
            'Coincidences such as `"var` occurring in `pg_table."variadic"` or `-,` in `anon_1.id-,`: the '
            "input occurs where the application wrote the opening of a quoted identifier or an operator, which is "
            "exactly what a numeric-context injection looks like. This is the documented coincidence trade-off "
            "(docs/detection/sql.md); it needs a non-word input that happens to match the application's SQL "
            "text, which the stress set (e) provokes on purpose."
        ),
    ),
]


def categorise(cases, categories):
    groups = collections.OrderedDict((key, []) for key, *_ in categories)
    groups["other"] = []
    for c in cases:
        for key, _, test, _ in categories:
            if test(c):
                groups[key].append(c)
                break
        else:
            groups["other"].append(c)
    return groups


def examples(cases, n=3):
    """Up to n examples with distinct inputs, preferring distinct dialects."""
    seen, out = set(), []
    for c in sorted(cases, key=lambda c: (len(c.value), c.value, DIALECTS.index(c.meta["dialect"]))):
        if c.value in seen:
            continue
        seen.add(c.value)
        out.append(c)
        if len(out) == n:
            break
    return out


def describe(groups, categories, kind):
    lines = []
    titles = {key: (title, why) for key, title, _, why in categories}
    for key, cases in groups.items():
        if not cases:
            continue
        title, why = titles.get(key, ("Uncategorised", "Not yet analysed."))
        distinct = len({c.value for c in cases})
        lines.append(f"**{title}** ({len(cases)} {kind}, {distinct} distinct inputs)\n")
        for c in examples(cases):
            lines.append(
                f"- {c.meta['dialect']}, {c.meta['context']}: input {code(c.value, 70)} in {code(c.query, 150)}"
                + (f" (reason `{c.reason}`)" if c.reason else "")
            )
        lines.append(f"\n{why}\n")
    return "\n".join(lines) if lines else f"No {kind}.\n"


# ---------------------------------------------------------------------------------------


def compute(cases):
    attacks = [c for c in cases if c.meta["set"] == "attack"]
    benign = [c for c in cases if c.meta["set"] == "benign"]
    natural = [c for c in attacks if c.meta["natural"] and c.meta["bucket"] == "attack"]
    headline_benign = [c for c in benign if c.meta["group"] in HEADLINE_BENIGN]
    coincidence = [c for c in benign if c.meta["group"] == "e:coincidence"]
    inert = [c for c in attacks if c.meta["bucket"].startswith("inert:")]
    return {
        "attacks": attacks,
        "benign": benign,
        "natural": natural,
        "headline_benign": headline_benign,
        "coincidence": coincidence,
        "inert": inert,
        "misses": [c for c in attacks if c.meta["bucket"] == "attack" and c.verdict != "attack"],
        "false_positives": [c for c in benign + inert if c.verdict == "attack"],
    }


def numbers(s):
    """The gated numbers."""
    nat, ben, coi, inert = s["natural"], s["headline_benign"], s["coincidence"], s["inert"]
    labelled = [c for c in s["attacks"] if c.meta["bucket"] == "attack"]
    out = {
        "attack_pairs_natural": len(nat),
        "recall_natural": flagged(nat) / max(len(nat), 1),
        "recall_all_contexts": flagged(labelled) / max(len(labelled), 1),
        "benign_pairs": len(ben),
        "false_positive_rate": flagged(ben) / max(len(ben), 1),
        "coincidence_pairs": len(coi),
        "coincidence_flag_rate": flagged(coi) / max(len(coi), 1),
        "inert_pairs": len(inert),
        "inert_flag_rate": flagged(inert) / max(len(inert), 1),
    }
    for ctx in CONTEXTS:
        lab = [c for c in labelled if c.meta["context"] == ctx]
        out[f"recall_{ctx}_slot"] = flagged(lab) / max(len(lab), 1)
    for d in DIALECTS:
        dn = [c for c in nat if c.meta["dialect"] == d]
        db = [c for c in ben if c.meta["dialect"] == d]
        out[f"recall_natural_{d}"] = flagged(dn) / max(len(dn), 1)
        out[f"false_positive_rate_{d}"] = flagged(db) / max(len(db), 1)
    return out


def render(s):
    nat, ben, coi = s["natural"], s["headline_benign"], s["coincidence"]
    attacks = s["attacks"]
    slot = collections.defaultdict(list)  # (dialect, context) -> attack-set pairs
    for c in attacks:
        slot[c.meta["dialect"], c.meta["context"]].append(c)
    out = []
    payloads = len({c.value for c in attacks})
    out.append("### Summary\n")
    out.append(
        table(
            ["set", "pairs", "flagged", "rate"],
            [
                ["attack pairs, natural context (**recall**)", len(nat), flagged(nat), pct(flagged(nat), len(nat))],
                [
                    "benign pairs (a)-(d) (**false-positive rate**)",
                    len(ben),
                    flagged(ben),
                    pct(flagged(ben), len(ben), 3),
                ],
                ["coincidence stress set (e)", len(coi), flagged(coi), pct(flagged(coi), len(coi))],
            ],
        )
    )
    out.append(
        f"\n{payloads:,} distinct attack payloads × 6 dialects × 3 contexts = {len(attacks):,} spliced queries; "
        f"{len(s['benign']):,} benign pairs.\n"
    )

    out.append("### Per dialect\n")
    rows = []
    for d in DIALECTS:
        dn = [c for c in nat if c.meta["dialect"] == d]
        db = [c for c in ben if c.meta["dialect"] == d]
        rows.append(
            [
                d,
                len(dn),
                len(dn) - flagged(dn),
                pct(flagged(dn), len(dn)),
                len(db),
                flagged(db),
                pct(flagged(db), len(db), 3),
            ]
        )
    out.append(
        table(["dialect", "attack pairs", "missed", "recall", "benign pairs", "flagged", "false-positive rate"], rows)
    )

    out.append("\n### Per context (every payload in every slot)\n")
    rows = []
    for ctx in CONTEXTS:
        in_ctx = [c for d in DIALECTS for c in slot[d, ctx]]
        lab = [c for c in in_ctx if c.meta["bucket"] == "attack"]
        natural_here = sum(1 for c in lab if c.meta["natural"])
        rows.append(
            [
                CONTEXT_NAMES[ctx],
                len(lab),
                natural_here,
                len(lab) - flagged(lab),
                pct(flagged(lab), len(lab)),
                sum(1 for c in in_ctx if c.meta["bucket"].startswith("inert:")),
                sum(1 for c in in_ctx if c.meta["bucket"] == "unterminated"),
            ]
        )
    out.append(
        table(
            ["slot", "attack pairs", "of which natural", "missed", "recall", "inert pairs", "unterminated pairs"], rows
        )
    )
    out.append("\nRecall per context and dialect:\n")
    rows = []
    for ctx in CONTEXTS:
        row = [CONTEXT_NAMES[ctx]]
        for d in DIALECTS:
            lab = [c for c in slot[d, ctx] if c.meta["bucket"] == "attack"]
            row.append(pct(flagged(lab), len(lab)))
        rows.append(row)
    out.append(table(["slot"] + DIALECTS, rows))

    out.append("\n### Per source (natural context, all dialects)\n")
    by_source = collections.defaultdict(list)
    for c in attacks:
        if c.meta["natural"]:
            by_source[
                c.meta["source"]
                if c.meta["source"].startswith("libinjection")
                else "crs (OWASP CRS sqli attack stages)"
            ].append(c)
    rows = []
    for src in sorted(by_source):
        cs = by_source[src]
        lab = [c for c in cs if c.meta["bucket"] == "attack"]
        rows.append(
            [
                src.replace("libinjection/", "libinjection `") + ("`" if src.startswith("libinjection") else ""),
                len({c.value for c in cs}),
                len(lab),
                pct(flagged(lab), len(lab)),
                sum(1 for c in cs if c.meta["bucket"] != "attack"),
            ]
        )
    out.append(table(["source", "payloads", "attack pairs", "recall", "not attacks in their slot"], rows))

    out.append("\n### SQLite's own parser (sqlite dialect)\n")
    rows = []
    for ctx in CONTEXTS:
        lab = [c for c in slot["sqlite", ctx] if c.meta["bucket"] == "attack"]
        ok = [c for c in lab if c.meta.get("sqlite_accepts")]
        bad = [c for c in lab if not c.meta.get("sqlite_accepts")]
        rows.append(
            [CONTEXT_NAMES[ctx], len(lab), len(ok), pct(flagged(ok), len(ok)), len(bad), pct(flagged(bad), len(bad))]
        )
    out.append(table(["slot", "attack pairs", "SQLite compiles the query", "recall", "syntax error", "recall"], rows))

    out.append("\n### Payloads that are not attacks in their slot\n")
    rows = []
    buckets = collections.defaultdict(list)
    for c in attacks:
        if c.meta["bucket"] != "attack":
            buckets[c.meta["bucket"]].append(c)
    notes = {
        "inert:inside-literal": "no quote of the slot (or only escaped ones): stays data",
        "inert:one-value": "one word, number, name or complete literal (`tempdb`, `XOR`, `information_schema`)",
        "inert:value-list": "a simple list (`1,2,3`, `(5)`)",
        "inert:punctuation": "only `( ) , .` and spaces",
        "unterminated": "opens (or keeps open) a literal that never closes: the query cannot run",
    }
    for b in ["inert:inside-literal", "inert:one-value", "inert:value-list", "inert:punctuation", "unterminated"]:
        cs = buckets.get(b, [])
        nat_cs = [c for c in cs if c.meta["natural"]]
        ex = ", ".join(code(c.value, 40) for c in examples(cs, 3))
        rows.append([b, notes[b], len(nat_cs), len(cs), f"{flagged(cs):,} ({pct(flagged(cs), len(cs))})", ex])
    out.append(
        table(["bucket", "meaning", "pairs (natural)", "pairs (all slots)", "flagged by rampart", "examples"], rows)
    )
    out.append(
        "\n`inert` pairs are expected safe and any flag on them counts as a false positive; `unterminated` "
        "pairs are unlabelled (neither recall nor false positives) and shown for information.\n"
    )

    out.append("### Benign pairs\n")
    rows = []
    for g, name in BENIGN_GROUPS.items():
        cs = [c for c in s["benign"] if c.meta["group"] == g]
        exercised = sum(1 for c in cs if c.meta["lexed"])
        rows.append([name, len(cs), exercised, flagged(cs), pct(flagged(cs), len(cs), 3)])
    out.append(table(["group", "pairs", "input occurs and is not a plain word", "flagged", "rate"], rows))
    out.append(
        '\n"Input occurs and is not a plain word" counts the pairs that reach the lexer: an input made only of '
        "`[A-Za-z0-9_]`, shorter than 2 bytes, or absent from the query is decided without lexing.\n"
    )
    rows = []
    by_src = collections.defaultdict(list)
    for c in ben:
        src = c.meta["source"]
        key = src.split("/")[0] if not src.startswith("sqlglot") else "sqlglot"
        by_src[key].append(c)
    for src in sorted(by_src):
        cs = by_src[src]
        rows.append([src, len(cs), flagged(cs), pct(flagged(cs), len(cs), 3)])
    out.append("By source (groups (a)-(d)):\n")
    out.append(table(["source", "pairs", "flagged", "rate"], rows))

    tables = "\n".join(out).rstrip() + "\n"
    out = ["### Misses (attack pairs judged safe)\n"]
    out.append(describe(categorise(s["misses"], MISS_CATEGORIES), MISS_CATEGORIES, "missed pairs"))
    out.append("### False positives (benign or inert pairs judged attacks)\n")
    out.append(describe(categorise(s["false_positives"], FP_CATEGORIES), FP_CATEGORIES, "flagged pairs"))
    return {"tables": tables, "misses": "\n".join(out).rstrip() + "\n"}


def check(n, thresholds):
    failures = []
    for key, limit in thresholds.items():
        if key.startswith("_"):
            continue
        name, _, bound = key.rpartition("_")
        value = n.get(name)
        if value is None:
            failures.append(f"{key}: unknown number {name}")
        elif bound == "min" and value < limit:
            failures.append(f"{name} = {fmt(value)} is below {fmt(limit)}")
        elif bound == "max" and value > limit:
            failures.append(f"{name} = {fmt(value)} is above {fmt(limit)}")
    return failures


def fmt(x):
    return f"{x:,}" if isinstance(x, int) else f"{100 * x:.3f}%"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, default=REPO / "target" / "accuracy")
    parser.add_argument("--update", type=Path, help="rewrite the generated block of this markdown file")
    parser.add_argument("--check", type=Path, help="thresholds file (JSON); exit 1 on regression")
    args = parser.parse_args()
    s = compute(load(args.dir))
    if args.check:
        n = numbers(s)
        thresholds = json.loads(args.check.read_text(encoding="utf-8"))
        print(
            f"accuracy: recall {fmt(n['recall_natural'])} on {n['attack_pairs_natural']:,} attack pairs "
            f"(all slots {fmt(n['recall_all_contexts'])}); false positives {fmt(n['false_positive_rate'])} "
            f"on {n['benign_pairs']:,} benign pairs; inert flagged {fmt(n['inert_flag_rate'])}; "
            f"coincidence stress flagged {fmt(n['coincidence_flag_rate'])} of {n['coincidence_pairs']}"
        )
        print(
            "per dialect: "
            + ", ".join(f"{d} {fmt(n['recall_natural_' + d])}/{fmt(n['false_positive_rate_' + d])}" for d in DIALECTS)
            + " (recall/false positives)"
        )
        failures = check(n, thresholds)
        for f in failures:
            print(f"accuracy REGRESSION: {f}", file=sys.stderr)
        sys.exit(1 if failures else 0)
    fill_queries(args.dir, s["misses"] + s["false_positives"])
    blocks = render(s)
    if args.update:
        doc = args.update.read_text(encoding="utf-8")
        for name, text in blocks.items():
            begin, end = (marker.format(name=name) for marker in BLOCK)
            if begin not in doc or end not in doc:
                sys.exit(f"report.py: {args.update} lacks the generated block {begin} ... {end}")
            head, rest = doc.split(begin, 1)
            _, tail = rest.split(end, 1)
            doc = f"{head}{begin}\n\n{text}\n{end}{tail}"
        args.update.write_text(doc, encoding="utf-8")
        print(f"report.py: updated {args.update}", file=sys.stderr)
    else:
        sys.stdout.write("\n".join(blocks.values()))


if __name__ == "__main__":
    main()
