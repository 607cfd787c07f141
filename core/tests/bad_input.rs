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
