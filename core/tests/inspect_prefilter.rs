//! `Engine::inspect` skips work it can prove cannot change a verdict (the rule engine's
//! literal gate, the payload detectors' prefilters). This test is the proof's check: the
//! prefiltered path and the unfiltered one (`InspectScratch::unfiltered`, every rule
//! automaton and every detector over every value) give the same verdict on every payload
//! vector, on every line of the public corpora the accuracy gate uses (when present:
//! `$RAMPART_CORPUS` or `../shared/corpus`), and on generated values built from the
//! pieces the prefilters look for.

mod common;

use std::path::{Path, PathBuf};

use rampart_core::{Engine, InspectScratch, Request, Source};

struct Oracle {
    engine: Engine,
    fast: InspectScratch,
    full: InspectScratch,
    compared: usize,
    attacks: usize,
}

impl Oracle {
    fn new() -> Oracle {
        Oracle::with(common::blocking_engine())
    }

    fn with(engine: Engine) -> Oracle {
        Oracle { engine, fast: InspectScratch::new(), full: InspectScratch::unfiltered(), compared: 0, attacks: 0 }
    }

    fn compare(&mut self, request: &Request, what: &dyn Fn() -> String) {
        let fast = self.engine.inspect_with(request, &mut self.fast);
        let full = self.engine.inspect_with(request, &mut self.full);
        assert_eq!(fast, full, "the prefilters changed the verdict on {}", what());
        self.compared += 1;
        self.attacks += usize::from(full.is_attack());
    }

    /// One value, as a query, a body, a header and a cookie input, as the user agent, as
    /// an uploaded file's name and content, and as the path.
    fn value(&mut self, value: &[u8]) {
        let text = || String::from_utf8_lossy(value).into_owned();
        let mut request = Request::new();
        for source in [Source::Query, Source::Body, Source::Header, Source::Cookie] {
            request.reset();
            request.add_input(source, b"q", value);
            self.compare(&request, &|| format!("{source:?} {:?}", text()));
        }
        request.reset();
        request.add_input(Source::Header, b"User-Agent", value);
        self.compare(&request, &|| format!("user agent {:?}", text()));
        request.reset();
        request.add_file(b"upload", value, b"image/png", value);
        self.compare(&request, &|| format!("file {:?}", text()));
        request.reset();
        request.set_path(value);
        self.compare(&request, &|| format!("path {:?}", text()));
    }
}

#[test]
fn prefilters_keep_every_vector_verdict() {
    let mut oracle = Oracle::new();
    let mut request = Request::new();
    let mut payload_cases = 0;
    let cases = common::load_all();
    for case in &cases {
        // Every vector's inputs, whatever its kind, inspected as a request.
        case.fill(&mut request);
        oracle.compare(&request, &|| format!("vector {}", case.id));
        payload_cases += usize::from(case.kind == "payload");
        for input in &case.inputs {
            oracle.value(input.value.as_bytes());
        }
    }
    eprintln!("prefilter oracle: {} comparisons ({} vectors, {payload_cases} payload)", oracle.compared, cases.len());
    assert!(cases.len() >= 3000 && payload_cases >= 100, "vectors missing: {} ({payload_cases} payload)", cases.len());
}

fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("RAMPART_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus"));
    dir.is_dir().then_some(dir)
}

fn text_lines(path: &Path) -> Vec<Vec<u8>> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    bytes
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l).to_vec())
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn prefilters_keep_every_corpus_verdict() {
    let Some(corpus) = corpus_dir() else {
        // The accuracy suite requires the corpus and fails without it; this test only
        // adds the corpus lines to what the other two tests compare.
        eprintln!("prefilter oracle: no corpus (set RAMPART_CORPUS); corpus lines not compared");
        return;
    };
    let mut oracle = Oracle::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus.join("libinjection/data"))
        .expect("libinjection/data")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.push(corpus.join("big-list-of-naughty-strings/blns.txt"));
    files.sort();
    let mut lines = 0;
    for file in &files {
        for line in text_lines(file) {
            oracle.value(&line);
            lines += 1;
        }
    }
    // CRS regression stages: each stage is one request with all its inputs.
    let crs = corpus.join("coreruleset/derived/crs-regression-tests-flat.jsonl");
    let mut stages = 0;
    for line in text_lines(&crs) {
        let stage: serde_json::Value = serde_json::from_slice(&line).expect("CRS line is JSON");
        let mut request = Request::new();
        request.set_method(stage["method"].as_str().unwrap_or("GET").as_bytes());
        request.set_path(stage["uri"].as_str().unwrap_or("/").as_bytes());
        for input in stage["inputs"].as_array().into_iter().flatten() {
            let value = input["value"].as_str().unwrap_or_default().as_bytes();
            let key = input["name"].as_str().unwrap_or("x").as_bytes();
            let source = match input["location"].as_str() {
                Some("body") => Source::Body,
                Some("header") => Source::Header,
                Some("cookie") => Source::Cookie,
                _ => Source::Query,
            };
            request.add_input(source, key, value);
            oracle.value(value);
        }
        oracle.compare(&request, &|| format!("CRS stage {line:?}"));
        stages += 1;
    }
    eprintln!(
        "prefilter oracle: {lines} corpus lines, {stages} CRS stages: {} comparisons, {} attacks",
        oracle.compared, oracle.attacks
    );
    assert!(lines > 10_000 && stages > 1_000, "corpus smaller than expected: {lines} lines, {stages} stages");
}

/// Values assembled from what the prefilters test for: keywords of every class, digits
/// glued to letters (`0xabcor`, `1or`), bare hosts and metadata addresses, quotes,
/// backslashes, entities and escapes that do and do not decode, `..` and separators,
/// rule literals, prose.
#[test]
fn prefilters_keep_generated_verdicts() {
    const PIECES: &[&str] = &[
        " ",
        " ",
        "  ",
        ",",
        ".",
        "..",
        "_",
        "a",
        "x",
        "or",
        "OR",
        "and",
        "not",
        "xor",
        "union",
        "select",
        "from",
        "where",
        "order",
        "by",
        "group",
        "limit",
        "drop",
        "table",
        "insert",
        "into",
        "exec",
        "if",
        "in",
        "like",
        "is",
        "all",
        "1",
        "0",
        "42",
        "0x",
        "0b",
        "abc",
        "e5",
        "1e",
        "users",
        "name",
        "admin",
        "'",
        "\"",
        "\\",
        "\\x27",
        "\\u003c",
        "&",
        "&lt;",
        "&#39;",
        "&amp",
        "%",
        "%27",
        "%2527",
        "(",
        ")",
        "=",
        "-",
        "--",
        "#",
        "/*",
        "*/",
        ";",
        "|",
        "`",
        "$",
        "${",
        "{{",
        "<",
        ">",
        "script",
        "/",
        "\\",
        "../",
        "etc/passwd",
        ":",
        "//",
        "http",
        "127.0.0.1",
        "169.254.169.254",
        "2852039166",
        "0xa9fea9fe",
        ".nip.io",
        "sleep(5)",
        "cat",
        "id",
        "the",
        "quick",
        "brown",
        "fox",
        "é",
        "\u{0}",
        "\t",
        "\n",
        "jndi:",
        "o:1:",
        "~",
        ".git",
        ".oast.fun",
        "sqlmap",
        "class.module.classloader",
        "java.lang.runtime",
        "() {",
        "onload",
        "srcdoc",
        "style",
        "expression(",
        "quot;",
        "&colon;",
        "dead",
    ];
    // The default ruleset, and rules of every kind the gate treats apart: a chain that
    // does not lowercase, a case-insensitive regex, a regex without required literals
    // (always searched), a glob, literals with capitals; and exclusions, which the rule
    // engine consults only after a gate opens.
    let custom = rampart_core::Policy::from_json(
        br#"{"mode":"block",
          "exclusions":[{"input":"cookie.q"},{"input":"header.user-agent","protections":["malicious_payload"]},
                        {"input":"body.*","protections":["sql_injection"]}],
          "rules":[
            {"id":1,"targets":["query"],"match":{"regex":"a[0-9]+b"}},
            {"id":2,"targets":["body"],"transforms":["url_decode"],"match":{"regex":"(?i)union\\s+select"}},
            {"id":3,"targets":["header"],"match":{"regex":"[0-9]{3,}|^x"}},
            {"id":4,"targets":["cookie"],"match":{"glob":"*evil*"}},
            {"id":5,"targets":["input","request.path"],"transforms":["html_entity_decode"],"match":{"literals":["Attack","x Y"]}},
            {"id":6,"targets":["query:q"],"match":{"glob":"id*"},"action":"allow"}]}"#,
    )
    .expect("policy");
    let mut oracles = [Oracle::new(), Oracle::with(Engine::new(custom).expect("engine"))];
    // xorshift: a fixed sequence, so a failure reproduces.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut value = Vec::new();
    for _ in 0..30_000 {
        value.clear();
        let pieces = 1 + next() % 12;
        for _ in 0..pieces {
            let piece = PIECES[(next() % PIECES.len() as u64) as usize];
            value.extend_from_slice(piece.as_bytes());
        }
        for oracle in &mut oracles {
            oracle.value(&value);
        }
    }
    for oracle in &oracles {
        eprintln!("prefilter oracle: {} comparisons on generated values, {} attacks", oracle.compared, oracle.attacks);
        assert!(oracle.attacks > 1_000 && oracle.attacks < oracle.compared, "the generator must reach both verdicts");
    }
}

/// Bare values that start with a simple expression and hold a quote or run past 256
/// bytes: the bare reading then decides from the first twelve significant tokens whether
/// its window can hold `UNION` or `SELECT`. Each `UNION SELECT` (and subquery) is placed at
/// every token offset around the window's end, inside and after a string the quote opens,
/// after a comment, and after padding that pushes the value past 256 bytes.
#[test]
fn prefilters_keep_expression_window_verdicts() {
    const HEADS: &[&str] = &["Great shoes", "a", "1", "x = 1", "a + b", "name, 2", "it is 5"];
    const FILLERS: &[&str] = &[" w", " ,", " 1", " .", " = 2", " or", " (x)", " 'q'", " \"d\"", " `c`"];
    const TAILS: &[&str] = &[
        " union select 1,2",
        " UNION ALL SELECT password FROM users--",
        " (select @@version)",
        "' union select 1 -- ",
        "'d order them again & recommend them",
        "'d union select 1,2",
        "'' union select 1,2",
        " -- ' union select 1",
        " /* ' */ union select 1",
        " # '\nunion select 1",
        " \\' union select 1",
        " ; drop table users",
        "",
    ];
    let pad = " the sole is soft and the color is exactly as shown".repeat(6);
    let mut oracle = Oracle::new();
    let mut value = String::new();
    for head in HEADS {
        for filler in FILLERS {
            for count in 0..16 {
                for tail in TAILS {
                    for padded in [false, true] {
                        value.clear();
                        value.push_str(head);
                        for _ in 0..count {
                            value.push_str(filler);
                        }
                        value.push_str(tail);
                        if padded {
                            value.push_str(&pad);
                        }
                        oracle.value(value.as_bytes());
                    }
                }
            }
        }
    }
    eprintln!("prefilter oracle: {} comparisons on expression windows, {} attacks", oracle.compared, oracle.attacks);
    assert!(oracle.attacks > 1_000 && oracle.attacks < oracle.compared, "the values must reach both verdicts");
}
