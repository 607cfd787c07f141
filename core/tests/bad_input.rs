//! Hostile shapes get a defined verdict: no panic, and (checked by the benches, not by
//! timing here) cost linear in size.

mod common;

use rampart_core::{Dialect, Policy, Reason, Request, Source};

#[test]
fn invalid_utf8_nul_bytes_and_empty_values() {
    let engine = common::blocking_engine();
    let mut request = Request::new();
    request.add_input(Source::Body, b"", b"");
    request.add_input(Source::Body, b"\xff\xfe", b"\xff' OR 1=1 --\x00");
    request.add_input(Source::Query, b"nul", b"\x00\x00");
    let query = b"SELECT * FROM t WHERE a = '\xff' OR 1=1 --\x00' AND b = '\x00\x00'";
    for dialect in Dialect::ALL {
        let verdict = engine.check_sql(&request, *dialect, query);
        assert_eq!(verdict.input_index, Some(1), "{dialect}");
        assert_eq!(verdict.reason, Some(Reason::SqlLiteralEscape), "{dialect}");
    }
    assert!(!engine.check_sql(&request, Dialect::MySql, b"").is_attack());
    assert!(!engine.check_sql(&Request::new(), Dialect::MySql, query).is_attack());
}

#[test]
fn inputs_longer_than_the_query_and_huge_queries() {
    let engine = common::blocking_engine();
    let mut request = Request::new();
    let long = "' OR 1=1 -- ".repeat(10_000);
    request.add_input(Source::Body, b"q", long.as_bytes());
    assert!(!engine.check_sql(&request, Dialect::PostgreSql, b"SELECT 1").is_attack());

    // 100 MB: an unterminated literal running to the end, with the attack at the very end.
    let mut query = Vec::with_capacity(100 << 20);
    query.extend_from_slice(b"SELECT * FROM t WHERE a = 'x");
    query.resize(100 << 20, b'a');
    query.extend_from_slice(b"' OR 1=1 -- ");
    let mut request = Request::new();
    request.add_input(Source::Body, b"q", b"' OR 1=1 -- ");
    for dialect in [Dialect::MySql, Dialect::Generic] {
        assert!(engine.check_sql(&request, dialect, &query).is_attack(), "{dialect}");
    }
}

#[test]
fn ten_thousand_inputs() {
    let engine = common::blocking_engine();
    let mut request = Request::new();
    for i in 0..10_000 {
        request.add_input(Source::Query, format!("ids[{i}]").as_bytes(), format!("{i}, 'x'").as_bytes());
    }
    request.add_input(Source::Query, b"q", b"1 OR 1=1");
    let query = b"SELECT * FROM t WHERE id = 1 OR 1=1";
    let verdict = engine.check_sql(&request, Dialect::Sqlite, query);
    assert_eq!(verdict.input_index, Some(10_000));
}

#[test]
fn many_overlapping_occurrences() {
    let engine = common::blocking_engine();
    // 1 MB of quotes and a quote-run input: every position is an occurrence.
    let query = "'".repeat(1 << 20);
    let mut request = Request::new();
    request.add_input(Source::Body, b"q", b"'''");
    let verdict = engine.check_sql(&request, Dialect::MySql, query.as_bytes());
    assert!(verdict.is_attack());
    // A periodic list input occurring at every other byte of a long list.
    let list = "1,".repeat(100_000);
    let query = format!("SELECT * FROM t WHERE id IN ({list}1)");
    let mut request = Request::new();
    request.add_input(Source::Query, b"ids", "1,".repeat(50).as_bytes());
    assert!(!engine.check_sql(&request, Dialect::PostgreSql, query.as_bytes()).is_attack());
}

#[test]
fn malformed_policies_name_the_problem() {
    for (json, needle) in [
        (&b"{\"mode\": 1}"[..], "mode"),
        (b"{\"protections\": []}", "protections: expected a JSON object"),
        (b"\xff", "expected value"),
        (b"{\"protections\": {\"sql_injection\": []}}", "protections.sql_injection"),
        (b"{\"block_response\": {\"status\": 99999}}", "block_response.status"),
        (b"[]", "JSON object"),
    ] {
        let err = Policy::from_json(json).expect_err("malformed policy").to_string();
        assert!(err.contains(needle), "{err} should mention {needle}");
    }
}

/// Context-free inspection of hostile values: every shape gets a verdict, and the cost
/// stays linear (a generous wall-clock bound catches a quadratic path: 10 MB at even
/// 10 ns/byte is 0.1 s).
#[test]
fn inspect_handles_hostile_values() {
    let engine = common::blocking_engine();
    let inspect_one = |value: &[u8]| {
        let mut request = Request::new();
        request.add_input(Source::Query, b"q", value);
        let start = std::time::Instant::now();
        let verdict = engine.inspect(&request);
        (verdict, start.elapsed())
    };
    // A value URL-encoded 50 times: still encoded after the decoding limit, a finding.
    let mut encoded = b"%27%20OR%201%3D1--".to_vec();
    for _ in 1..50 {
        encoded = encoded.iter().flat_map(|&b| if b == b'%' { b"%25".to_vec() } else { vec![b] }).collect();
    }
    assert_eq!(inspect_one(&encoded).0.reason, Some(Reason::PayloadEncodingEvasion));
    // Invalid UTF-8 around a payload, and alone.
    assert_eq!(inspect_one(b"\xff\xfe' OR 1=1-- \xc0").0.reason, Some(Reason::PayloadSqlInjection));
    assert!(!inspect_one(b"\xff\xfe\xfd\x80\x80").0.is_attack());
    // 10 MB shapes, each aimed at one detector's loop.
    let ten_mb = 10 << 20;
    for (what, unit) in [
        ("quotes", &b"'"[..]),
        ("tags", b"<a "),
        ("unclosed attributes", b"<a x=\""),
        ("operators", b"; |"),
        ("dot segments", b"../"),
        ("percent", b"%25"),
        ("entities", b"&#"),
        ("escapes", b"\\u"),
        ("parentheses", b"(("),
        ("url separators", b"://"),
        ("spaces and quotes", b" \" "),
        ("benign text", b"the quick brown fox "),
        ("code spans in a sentence", b"see `ls` ok "),
        ("backticks", b"`"),
        ("rejoined quotes", b"x' OR 'y "),
    ] {
        let value = unit.repeat(ten_mb / unit.len());
        let (_, took) = inspect_one(&value);
        assert!(took.as_secs_f64() < 5.0, "{what}: {took:?} for 10 MB");
    }
    // A payload after 10 MB of padding is still found.
    let mut padded = b"a".repeat(ten_mb);
    padded.extend_from_slice(b" <script>alert(1)</script>");
    assert_eq!(inspect_one(&padded).0.reason, Some(Reason::PayloadXss));
}

#[test]
fn bad_rules_are_rejected_with_the_rule_id() {
    for (policy, expected) in [
        (r#"{"rules":[{"id":41,"targets":["query"],"match":{"regex":"a(b"}}]}"#, "(id 41): match.regex"),
        (
            r#"{"rules":[{"id":42,"targets":["query"],"transforms":["base64"],"match":{"regex":"a"}}]}"#,
            "(id 42): transforms",
        ),
        (
            r#"{"rules":[{"id":43,"targets":["query"],"match":{"regex":"(?:[a-z]{1000}){1000}"}}]}"#,
            "larger than the limit",
        ),
        (r#"{"rules":[{"id":44,"targets":["query"],"match":{}}]}"#, "exactly one of"),
        (r#"{"rules":[{"id":45,"targets":["query"],"match":{"regex":"a"},"action":"deny"}]}"#, "unknown variant"),
    ] {
        let err = Policy::from_json(policy.as_bytes()).expect_err("must be rejected").to_string();
        assert!(err.contains(expected), "{policy}: {err}");
    }
}
