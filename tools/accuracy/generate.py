#!/usr/bin/env python3
"""Builds (query, user input) pairs for measuring rampart's SQL injection sink check.

No public data set pairs a SQL query with the request input that built it, so this
script builds pairs from public payload and query corpora (see docs/accuracy.md):

  attack  SQLi payloads (libinjection data/sqli-*.txt, OWASP CRS sqli attack stages)
          spliced RAW into realistic query templates of every dialect, in the three
          injection contexts: inside '...', inside "...", and bare (numeric/ORDER BY).
  benign  (a) literal contents of statements from SQLAlchemy's and sqlglot's tests;
          (b) benign inputs (libinjection false positives, the benign sections of the
              big list of naughty strings, CRS benign stages) placed into string
              literals the way a correct app does (escaped) and the way a careless but
              harmless app does (raw, when the value cannot leave the literal);
          (c) parameterised statements with benign inputs (which then occur only by
              coincidence);
          (d) benign structural inputs: sort columns and directions, id lists, signed
              numbers, field lists;
          (e) coincidences: benign inputs that occur verbatim in app-written SQL.

Every attack pair is labelled by an oracle that looks only at the payload and its slot
(never at rampart's verdicts): a payload that does not leave its slot is NOT labelled
an attack but goes to an "inert in this context" bucket, expected safe.

Output (deterministic; same corpus, same bytes): target/accuracy/{attack,benign}.jsonl in
the conformance-vector format, and target/accuracy/meta.jsonl with one record per case
(id, set, dialect, context, source, bucket, ...) for tools/accuracy/report.py.

Usage: generate.py [--corpus DIR] [--out DIR]   (corpus default: $RAMPART_CORPUS or
../shared/corpus relative to the repository root)
"""

import argparse
import functools
import json
import os
import re
import sys
import urllib.parse
import zlib
from pathlib import Path

DIALECTS = ["mysql", "postgresql", "sqlite", "mssql", "oracle", "generic"]
CONTEXTS = ["single", "double", "bare"]
REPO = Path(__file__).resolve().parents[2]

# --------------------------------------------------------------------------------------
# Query templates. `{v}` is where the application splices the user input.
# --------------------------------------------------------------------------------------


def paging(dialect):
    """The dialect's way to fetch the first 20 rows (appended to ordered queries)."""
    if dialect in ("mssql", "oracle"):
        return " OFFSET 0 ROWS FETCH NEXT 20 ROWS ONLY"
    return " LIMIT 20"


def templates(dialect, context):
    """Realistic queries with one slot of the given context, for one dialect."""
    page = paging(dialect)
    if context == "single":
        return [
            "SELECT id, name, email FROM users WHERE email = '{v}' AND deleted_at IS NULL",
            "SELECT id, title, price FROM products WHERE title LIKE '%{v}%' ORDER BY title" + page,
            "UPDATE accounts SET display_name = '{v}', updated_at = CURRENT_TIMESTAMP WHERE id = 42",
            "INSERT INTO comments (post_id, author, body) VALUES (7, 'guest', '{v}')",
            "SELECT id, role FROM users WHERE username = '{v}' AND password_hash = 'e99a18c428cb38d5f260853678922e03'",
        ]
    if context == "double":
        if dialect == "mysql":  # "..." is a string literal in MySQL (without ANSI_QUOTES)
            return [
                'SELECT id, name FROM users WHERE username = "{v}" AND active = 1',
                'SELECT id, title, body FROM articles WHERE slug = "{v}" ORDER BY id DESC' + page,
                'INSERT INTO search_log (term, hits) VALUES ("{v}", 0)',
            ]
        # Elsewhere "..." quotes an identifier: an app that lets the user pick a column.
        return [
            'SELECT id, "{v}" FROM reports WHERE owner_id = 3',
            'SELECT id, title FROM articles ORDER BY "{v}"' + page,
            'SELECT id, name FROM users WHERE "{v}" IS NOT NULL',
        ]
    return [
        "SELECT * FROM orders WHERE id = {v}",
        "SELECT id, name, price FROM products WHERE category_id = {v} ORDER BY name" + page,
        "SELECT id, title FROM articles ORDER BY {v}" + page,
        "DELETE FROM cart_items WHERE user_id = 9 AND item_id = {v}",
        "SELECT id, name FROM users WHERE id IN ({v})",
    ]


def pick(items, key):
    """A deterministic choice that spreads keys over the items."""
    return items[zlib.crc32(key.encode("utf-8", "surrogatepass")) % len(items)]


def quote_of(context):
    return "'" if context == "single" else '"'


# --------------------------------------------------------------------------------------
# The label oracle: does the payload leave its slot? (Independent of rampart.)
# --------------------------------------------------------------------------------------

NUMBER = r"[+-]?\s*(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|0[xX][0-9a-fA-F]+"
WORD = r"[^\W\d]\w*"


@functools.cache
def value_shapes(dialect):
    """(one value, simple list) patterns for a bare slot in this dialect: a number, a
    complete literal, or a dotted name with optional ASC/DESC; lists of those."""
    if dialect == "mysql":
        strings = [r"'(?:[^'\\]|''|\\.)*'", r'"(?:[^"\\]|""|\\.)*"']
        idents = [r"`(?:[^`]|``)*`"]
    else:
        strings = [r"'(?:[^']|'')*'"]
        idents = [r'"(?:[^"]|"")*"']
        if dialect in ("sqlite", "generic"):
            idents.append(r"`(?:[^`]|``)*`")
        if dialect in ("mssql", "sqlite", "generic"):
            idents.append(r"\[[^\]]*\]")
    part = "(?:" + "|".join([WORD] + idents) + ")"
    name = rf"{part}(?:\s*\.\s*{part})*"
    string = "(?:" + "|".join(strings) + ")"
    element = rf"(?:{NUMBER}|{string}|{name}(?:\s+(?:asc|desc))?(?:\s+nulls\s+(?:first|last))?)"
    one = re.compile(rf"\s*(?:{NUMBER}|{string}|{name})\s*")
    many = re.compile(rf"\s*\(?\s*{element}(?:\s*,\s*{element})*\s*\)?\s*", re.IGNORECASE)
    return one, many


PUNCTUATION = re.compile(r"[\s(),.]+")
SEVERITY = {"attack": 3, "unterminated": 2}


def literal_end(text, opening, quote, backslash):
    """Offset of the quote that closes the literal opened at `opening` (quotes doubled
    inside, and backslash escapes when `backslash`), or None if it never closes."""
    i, n = opening + 1, len(text)
    while i < n:
        c = text[i]
        if backslash and c == "\\":
            i += 2
        elif c == quote:
            if i + 1 < n and text[i + 1] == quote:
                i += 2
            else:
                return i
        else:
            i += 1
    return None


def readings(dialect, quote):
    """The backslash rules a literal opened by `quote` may follow in this dialect."""
    if quote not in "'\"" or (quote == '"' and dialect != "mysql"):
        return [False]
    if dialect == "mysql":
        return [True]
    return [False, True] if dialect == "generic" else [False]


def quote_chars(dialect):
    """Characters that open a literal or quoted identifier, with their closers."""
    chars = {"'": "'", '"': '"'}
    if dialect in ("mysql", "sqlite", "generic"):
        chars["`"] = "`"
    if dialect in ("mssql", "sqlite", "generic"):
        chars["["] = "]"
    return chars


def oracle(payload, dialect, context, template):
    """Labels a payload in a slot, looking only at the slot's quoting rules. Returns
    (label, how) where how says why an attack is one:

    attack        the payload leaves its literal, or moves the literal's end onto a later
                  quote of the application (its text turns into code), or, in a bare
                  slot, is more than one value;
    unterminated  the payload opens (or keeps open) a literal that never closes: the
                  whole rest of the query is one literal, which no database accepts;
    inert:*       the payload stays one value: inside the literal, one number / name /
                  complete literal, a simple list, or bare punctuation."""
    prefix, suffix = template.split("{v}")
    query = prefix + payload + suffix
    start, end = len(prefix), len(prefix) + len(payload)
    if context in ("single", "double"):
        quote = quote_of(context)
        opening = prefix.rindex(quote)
        intended = end + suffix.index(quote)
        labels = []
        for backslash in readings(dialect, quote):
            close = literal_end(query, opening, quote, backslash)
            if close is None:
                labels.append(("unterminated", None))
            elif close == intended:
                labels.append(("inert:inside-literal", None))
            elif close < end:
                labels.append(("attack", "leaves-literal"))
            else:
                labels.append(("attack", "moves-literal-end"))
        return max(labels, key=lambda label: SEVERITY.get(label[0], 1))
    if PUNCTUATION.fullmatch(payload):
        return "inert:punctuation", None
    one_value, value_list = value_shapes(dialect)
    if one_value.fullmatch(payload):
        return "inert:one-value", None
    if value_list.fullmatch(payload):
        return "inert:value-list", None
    opener = re.match(r"\s*\w*(['\"`\[])", payload)
    closers = quote_chars(dialect)
    if opener and opener.group(1) in closers:
        at = start + opener.end(1) - 1
        quote = opener.group(1)
        for backslash in readings(dialect, quote):
            if quote == "[":
                closed = query.find("]", at) >= 0
            else:
                closed = literal_end(query, at, quote, backslash) is not None
            if closed:
                return "attack", "more-than-one-value"
        return "unterminated", None
    return "attack", "more-than-one-value"


class SqliteParser:
    """A second, executable opinion for the sqlite dialect: does SQLite itself accept the
    spliced query? (EXPLAIN compiles without running; names need not resolve.)"""

    SCHEMA = (
        "users(id, name, email, deleted_at, role, username, password_hash, active)",
        "products(id, title, price, name, category_id)",
        "accounts(id, display_name, updated_at, credit)",
        "comments(post_id, author, body)",
        "orders(id)",
        "articles(id, title, body, slug)",
        "cart_items(user_id, item_id)",
        "reports(id, owner_id)",
    )
    SYNTAX = re.compile(r"syntax error|incomplete input|unrecognized token|unterminated", re.IGNORECASE)

    def __init__(self):
        import sqlite3

        self.sqlite3 = sqlite3
        self.db = sqlite3.connect(":memory:")
        for table in self.SCHEMA:
            self.db.execute("CREATE TABLE " + table)

    def accepts(self, query):
        try:
            self.db.execute("EXPLAIN " + query)
        except self.sqlite3.ProgrammingError:
            return True  # the first statement compiled and more follow (stacked queries)
        except (self.sqlite3.Error, ValueError) as e:  # ValueError: NUL bytes
            return not self.SYNTAX.search(str(e))
        return True


def natural_context(payload, dialect):
    """libinjection's rule: an input containing a quote is judged as if it sat inside
    that quote (the first quote character wins); otherwise it is bare."""
    single, double = payload.find("'"), payload.find('"')
    if single < 0 and double < 0:
        return "bare"
    if double < 0 or (0 <= single < double):
        return "single"
    return "double"


# --------------------------------------------------------------------------------------
# Corpus readers
# --------------------------------------------------------------------------------------


def url_decode(line):
    """libinjection's data files are URL-encoded query-string values (`+` is a space).
    Bytes that are not UTF-8 become U+FFFD (the vector format holds strings)."""
    return urllib.parse.unquote_plus(line, encoding="utf-8", errors="replace")


def libinjection_lines(path):
    for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        yield url_decode(raw)


def crs_rows(corpus):
    path = corpus / "coreruleset/derived/crs-regression-tests-flat.jsonl"
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


SOURCE_OF_LOCATION = {"query": "query", "body": "body", "header": "header", "cookie": "cookie", "path": "path"}


def crs_values(row):
    """The user inputs of one CRS stage as (source, key, value), parsed the way an
    application framework would hand them over."""
    out = []
    for item in row["inputs"]:
        loc, name, value = item["location"], item.get("name"), item["value"]
        source = SOURCE_OF_LOCATION.get(loc, "other")
        if loc == "path":
            # The route prefix is the app's; the rest is what a path parameter carries.
            rest = re.sub(r"^/(?:post|get|test|mail|upload)?/?", "", value)
            if rest:
                out.append(("path", "param", rest))
            continue
        if loc == "body" and name is None:
            out.extend(("body", k, v) for k, v in raw_body_values(row.get("content_type"), value))
            continue
        out.append((source, name or "", value))
        if name and not re.fullmatch(r"[\w.\[\]-]*", name):
            out.append((source, name, name))  # an unusual key is an input too
    return [(s, k, v) for s, k, v in out if v]


def raw_body_values(content_type, body):
    """Values of a body the flattening tool left raw: XML attribute values and text,
    JSON keys and strings, or a form-encoded body."""
    ct = (content_type or "").lower()
    if "xml" in ct:
        import html

        vals = re.findall(r'="([^"]*)"', body) + re.findall(r">([^<]+)<", body)
        return [("xml", html.unescape(v)) for v in vals if v.strip()]
    if "json" in ct:
        try:
            doc = json.loads(body)
        except ValueError:
            return [("json", body)]
        return [("json", v) for v in flatten_json(doc)]
    if "multipart" in ct:
        return [("part", body)]
    pairs = []
    for part in body.split("&"):
        key, eq, value = part.partition("=")
        key, value = urllib.parse.unquote_plus(key), urllib.parse.unquote_plus(value)
        pairs.append((key, value) if eq else ("", key))
        if eq and not re.fullmatch(r"[\w.\[\]-]*", key):
            pairs.append((key, key))
    return pairs


def flatten_json(doc):
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield k
            yield from flatten_json(v)
    elif isinstance(doc, list):
        for v in doc:
            yield from flatten_json(v)
    elif isinstance(doc, str):
        yield doc
    elif doc is not None:
        yield json.dumps(doc)


def specialness(value):
    return sum(1 for c in value if not (c.isalnum() or c == "_" or c == " "))


def crs_payload(row):
    """The one input of an attack stage that carries the test payload: the most
    punctuated value (ties: the longest)."""
    values = crs_values(row)
    if not values:
        return None
    return max(values, key=lambda t: (specialness(t[2]), len(t[2])))


BLNS_ATTACK_SECTIONS = {
    "Script Injection",
    "SQL Injection",
    "Server Code Injection",
    "Command Injection (Ruby)",
    "XXE Injection (XML)",
    "File Inclusion",
    "Known CVEs and Vulnerabilities",
    "jinja2 injection",
}


def blns_benign(corpus):
    """(section, string) for the benign sections of the big list of naughty strings.
    A section title is a `#` line directly followed by a bare `#` line."""
    lines = (corpus / "big-list-of-naughty-strings/blns.txt").read_text(encoding="utf-8").split("\n")
    section = None
    for i, line in enumerate(lines):
        if line.startswith("#"):
            if line != "#" and (i == 0 or not lines[i - 1]) and i + 1 < len(lines) and lines[i + 1] == "#":
                section = line[1:].strip()
            continue
        if line and section not in BLNS_ATTACK_SECTIONS:
            yield section, line


def sql_dialect_of(name):
    """SQLAlchemy's dialect argument (source text) mapped to a rampart dialect."""
    text = (name or "").lower()
    for needle, dialect in (
        ("mysql", "mysql"),
        ("mariadb", "mysql"),
        ("postgres", "postgresql"),
        ("pg", "postgresql"),
        ("sqlite", "sqlite"),
        ("mssql", "mssql"),
        ("oracle", "oracle"),
        ("ora_", "oracle"),
    ):
        if needle in text:
            return dialect
    return "generic"


def string_literals(sql, dialect):
    """(unescaped content, raw content) of each '...' literal, skipping comments and
    quoted identifiers. Follows the dialect's string rules closely enough for fixtures
    (MySQL: backslash escapes and "..." strings; PostgreSQL: E'...' and $$...$$)."""
    out, i, n = [], 0, len(sql)
    backslash = dialect == "mysql"
    while i < n:
        c = sql[i]
        if sql.startswith("--", i):
            j = sql.find("\n", i)
            i = n if j < 0 else j
        elif sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            i = n if j < 0 else j + 2
        elif c in "'\"" and (c == "'" or dialect == "mysql"):
            esc = backslash or (dialect == "postgresql" and i > 0 and sql[i - 1] in "eE")
            j, buf = i + 1, []
            while j < n:
                d = sql[j]
                if esc and d == "\\" and j + 1 < n:
                    buf.append(sql[j + 1])
                    j += 2
                elif d == c and j + 1 < n and sql[j + 1] == c:
                    buf.append(c)
                    j += 2
                elif d == c:
                    break
                else:
                    buf.append(d)
                    j += 1
            if j < n:
                out.append(("".join(buf), sql[i + 1 : j]))
            i = j + 1
        elif c in '"`[':
            close = {"[": "]"}.get(c, c)
            j = sql.find(close, i + 1)
            i = n if j < 0 else j + 1
        elif dialect == "postgresql" and c == "$":
            m = re.match(r"\$([A-Za-z_]\w*)?\$", sql[i:])
            if m:
                j = sql.find(m.group(0), i + len(m.group(0)))
                i = n if j < 0 else j + len(m.group(0))
            else:
                i += 1
        else:
            i += 1
    return out


def sql_statements(text):
    """Statements of a fixture file: split on `;` at line ends, comments kept."""
    parts = re.split(r";\s*\n", text)
    return [p.strip() for p in parts if re.search(r"[A-Za-z]", p)]


# --------------------------------------------------------------------------------------
# Escaping the way applications do
# --------------------------------------------------------------------------------------

MYSQL_ESCAPES = {"\0": "\\0", "\n": "\\n", "\r": "\\r", "\\": "\\\\", "'": "\\'", '"': '\\"', "\x1a": "\\Z"}


def escape(value, dialect, context):
    """What a correct application puts between the quotes (mysql_real_escape_string for
    MySQL; doubled quotes elsewhere)."""
    if dialect == "mysql":
        return "".join(MYSQL_ESCAPES.get(c, c) for c in value)
    q = quote_of(context)
    return value.replace(q, q + q)


def harmless_raw(value, dialect, context, template):
    """Whether a careless app splicing `value` raw into this literal still builds the
    query it meant (no quote of the slot, no escape that eats the closing quote)."""
    return oracle(value, dialect, context, template)[0] == "inert:inside-literal"


# --------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------


class Writer:
    def __init__(self, out_dir, name):
        self.path = out_dir / f"{name}.jsonl"
        self.file = self.path.open("w", encoding="utf-8", newline="\n")
        self.count = 0

    def case(self, meta_out, case_id, dialect, resource, inputs, expect, note, meta):
        record = {
            "id": case_id,
            "kind": "sql",
            "dialect": dialect,
            "resource": resource,
            "inputs": [{"source": s, "key": k, "value": v} for s, k, v in inputs],
            "expect": expect,
            "note": note,
        }
        self.file.write(json.dumps(record, ensure_ascii=False) + "\n")
        # What the report needs without re-reading the (large) case files: the judged
        # value, and whether any input reaches the lexer (occurs, >= 2 bytes, not a word).
        lexed = any(len(v) >= 2 and not re.fullmatch(r"\w+", v, re.ASCII) and v in resource for _, _, v in inputs)
        row = dict(id=case_id, dialect=dialect, value=inputs[-1][2], lexed=lexed, **meta)
        meta_out.write(json.dumps(row, ensure_ascii=False) + "\n")
        self.count += 1

    def close(self):
        self.file.close()


def attack_payloads(corpus):
    """(source, input source, key, payload), deduplicated, in a stable order."""
    seen, out = set(), []
    for path in sorted((corpus / "libinjection/data").glob("sqli-*.txt")):
        for payload in libinjection_lines(path):
            if payload.strip() and payload not in seen:
                seen.add(payload)
                out.append(("libinjection/" + path.name, "query", "q", payload))
    for row in crs_rows(corpus):
        if row["category"] != "sqli" or row["label"] != "attack":
            continue
        chosen = crs_payload(row)
        if chosen and chosen[2].strip() and chosen[2] not in seen:
            seen.add(chosen[2])
            out.append((f"crs/{row['rule_id']}", chosen[0], chosen[1] or "value", chosen[2]))
    return out


def benign_inputs(corpus):
    """(source, value) of benign user inputs, deduplicated, in a stable order."""
    seen, out = set(), []

    def add(source, value):
        if value and value not in seen:
            seen.add(value)
            out.append((source, value))

    for value in libinjection_lines(corpus / "libinjection/data/false_positives.txt"):
        add("libinjection/false_positives.txt", value)
    for section, value in blns_benign(corpus):
        add(f"blns/{section}", value)
    for row in crs_rows(corpus):
        if row["label"] == "benign":
            for _, _, value in crs_values(row):
                add(f"crs-benign/{row['category']}", value)
    return out


def generate(corpus, out_dir):
    out_dir.mkdir(parents=True, exist_ok=True)
    meta = (out_dir / "meta.jsonl").open("w", encoding="utf-8", newline="\n")
    stats = {}

    # ---- attacks: every payload in every dialect and context ----
    attack = Writer(out_dir, "attack")
    sqlite = SqliteParser()
    for n, (source, in_source, key, payload) in enumerate(attack_payloads(corpus)):
        for dialect in DIALECTS:
            natural = natural_context(payload, dialect)
            for context in CONTEXTS:
                template = pick(templates(dialect, context), payload)
                label, how = oracle(payload, dialect, context, template)
                resource = template.replace("{v}", payload)
                expect = {"attack": "attack", "unterminated": None}.get(label, "safe")
                extra = {"how": how} if how else {}
                if dialect == "sqlite" and label == "attack":
                    extra["sqlite_accepts"] = sqlite.accepts(resource)
                attack.case(
                    meta,
                    f"acc-atk-{dialect}-{context}-{n:05d}",
                    dialect,
                    resource,
                    [(in_source, key, payload)],
                    expect,
                    f"{source}; {context} slot" + ("" if label == "attack" else f"; {label}"),
                    dict(
                        set="attack", context=context, natural=context == natural, source=source, bucket=label, **extra
                    ),
                )
    attack.close()
    stats["attack"] = attack.count

    benign = Writer(out_dir, "benign")
    seq = iter(range(10**9))

    def emit(dialect, resource, inputs, group, source, context, note):
        benign.case(
            meta,
            f"acc-ben-{dialect}-{next(seq):06d}",
            dialect,
            resource,
            inputs,
            "safe",
            note,
            {"set": "benign", "group": group, "source": source, "context": context, "bucket": "benign"},
        )

    # ---- (a) literal contents of real statements ----
    statements = []  # (source, dialect, sql)
    alchemy = corpus / "sqlalchemy/derived/sqlalchemy-test-compiled-sql.jsonl"
    alchemy_rows = [json.loads(line) for line in alchemy.read_text(encoding="utf-8").splitlines() if line.strip()]
    for row in alchemy_rows:
        statements.append(("sqlalchemy", sql_dialect_of(row.get("dialect")), row["sql"]))
    glot = corpus / "sqlglot/tests/fixtures"
    for line in (glot / "identity.sql").read_text(encoding="utf-8").splitlines():
        if line.strip():
            statements.append(("sqlglot/identity.sql", "generic", line))
    for stmt in sql_statements((glot / "pretty.sql").read_text(encoding="utf-8")):
        statements.append(("sqlglot/pretty.sql", "generic", stmt))
    for name in ("tpc-h/tpc-h.sql", "tpc-ds/tpc-ds.sql"):
        for stmt in sql_statements((glot / "optimizer" / name).read_text(encoding="utf-8")):
            for dialect in DIALECTS:  # standard SQL: valid in every dialect we model
                statements.append(("sqlglot/" + name.split("/")[1], dialect, stmt))
    seen_literal = set()
    for source, dialect, sql in statements:
        for value, _raw in string_literals(sql, dialect):
            if not value or (dialect, sql, value) in seen_literal:
                continue
            seen_literal.add((dialect, sql, value))
            emit(dialect, sql, [("body", "value", value)], "a:statement-literals", source, "literal", "literal content")

    # ---- (b) benign inputs in string literals, escaped and raw-when-harmless ----
    pool = benign_inputs(corpus)
    for source, value in pool:
        for dialect in DIALECTS:
            contexts = ("single", "double") if dialect == "mysql" else ("single",)
            for context, template in ((c, t) for c in contexts for t in templates(dialect, c)):
                escaped = template.replace("{v}", escape(value, dialect, context))
                emit(dialect, escaped, [("body", "value", value)], "b:escaped", source, context, "escaped input")
                if harmless_raw(value, dialect, context, template):
                    raw = template.replace("{v}", value)
                    emit(dialect, raw, [("body", "value", value)], "b:raw-harmless", source, context, "raw input")

    # ---- (c) parameterised statements with benign inputs ----
    k = 0
    for row in alchemy_rows:
        sql = row["sql"]
        if "'" in sql or not re.search(r"%\(\w+\)s|%s|\?|:\w+|\$\d", sql):
            continue
        dialect = sql_dialect_of(row.get("dialect"))
        inputs = []
        for params in row.get("params") or []:
            if isinstance(params, dict):
                inputs += [("body", str(key), str(val)) for key, val in params.items() if val is not None]
        for _ in range(3):
            inputs.append(("query", "q", pool[k % len(pool)][1]))
            k += 1
        emit(dialect, sql, inputs[:12], "c:parameterised", "sqlalchemy", "bound", "inputs are bound parameters")

    # ---- (e) coincidence: benign inputs that occur verbatim in app-written SQL ----
    candidates = [v for _, v in pool if len(v) >= 2 and not re.fullmatch(r"\w+", v, re.ASCII)]
    seen_sql = set()
    for source, dialect, sql in statements:
        if sql in seen_sql:
            continue
        seen_sql.add(sql)
        hits = [v for v in candidates if v in sql][:3]
        for value in hits:
            emit(
                dialect, sql, [("query", "q", value)], "e:coincidence", source, "coincidence", "input occurs by chance"
            )

    # ---- (d) benign structural inputs ----
    for dialect in DIALECTS:
        for template, values in structural_benign(dialect):
            for value in values:
                # Benign by the same oracle that labels the attacks.
                assert oracle(value, dialect, "bare", template)[0].startswith("inert:"), value
                resource = template.replace("{v}", value)
                emit(dialect, resource, [("query", "v", value)], "d:structural", "structural", "bare", "benign shape")
    benign.close()
    stats["benign"] = benign.count
    meta.close()
    return stats


def structural_benign(dialect):
    """Benign inputs that an app legitimately splices outside literals (after a
    whitelist check, or not): sort keys, id lists, signed numbers, field lists."""
    page = paging(dialect)
    columns = ["created_at", "name", "price", "users.last_name", "p.title", "id"]
    directions = ["", " asc", " desc", " ASC", " DESC"]
    sorts = [c + d for c in columns for d in directions]
    sorts += ["name ASC, id DESC", "price desc, created_at desc", "last_name,first_name", "score DESC, id"]
    if dialect in ("postgresql", "oracle", "sqlite"):
        sorts += ["price DESC NULLS LAST", "created_at asc nulls first"]
    lists = ["1,2,3", "10, 20, 30", "42", "7,8", "-1,0,1", "100,200,300,400,500", "3, 5", "(1,2)"]
    numbers = ["-5", "-100", "-0.5", "+3", "1e3", "-2.5E-3", "0.75", "-1", "- 1", "10.", ".5"]
    fields = ["id,name,email", "id, created_at", "name", "users.id,users.email"]
    return [
        ("SELECT id, title FROM articles ORDER BY {v}" + page, sorts),
        ("SELECT id, name FROM users WHERE id IN ({v})", lists),
        ("SELECT id, amount FROM ledger WHERE balance > {v} ORDER BY id" + page, numbers),
        ("UPDATE accounts SET credit = credit + {v} WHERE id = 42", numbers),
        ("SELECT {v} FROM users WHERE active = 1", fields),
    ]


def default_corpus():
    env = os.environ.get("RAMPART_CORPUS")
    return Path(env) if env else (REPO / ".." / "shared" / "corpus").resolve()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=default_corpus())
    parser.add_argument("--out", type=Path, default=REPO / "target" / "accuracy")
    args = parser.parse_args()
    need = ["libinjection/data", "coreruleset/derived", "big-list-of-naughty-strings", "sqlglot", "sqlalchemy/derived"]
    missing = [n for n in need if not (args.corpus / n).is_dir()]
    if missing:
        sys.exit(f"generate.py: corpus not found at {args.corpus} (missing {', '.join(missing)}); set RAMPART_CORPUS")
    stats = generate(args.corpus, args.out)
    print(
        f"generate.py: {stats['attack']} attack-set cases, {stats['benign']} benign cases in {args.out}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
