//! The `rampart` command as a user runs it: exit codes, output shapes, error messages.

use std::io::Write;
use std::process::{Command, Output};

fn rampart(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rampart")).args(args).output().expect("rampart runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn check_sql_reports_an_attack_for_a_person_and_as_json() {
    let query = "SELECT * FROM users WHERE email = '' OR 1=1-- ' AND pw = 'x'";
    let out = rampart(&["check", "sql", "--dialect", "mysql", "--query", query, "--input", "body:email=' OR 1=1-- "]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("ATTACK  sql_injection (action: block)"), "{stdout}");
    assert!(stdout.contains("input   body.email"), "{stdout}");
    assert!(stdout.contains("^^^^^^^^^^^"), "{stdout}");

    let out =
        rampart(&["check", "sql", "--dialect", "mysql", "--query", query, "-i", "body:email=' OR 1=1-- ", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON verdict");
    assert_eq!(v["verdict"], "attack");
    assert_eq!(v["reason"], "sql_literal_escape");
    assert_eq!(v["input"]["key"], "email");
    assert_eq!(v["span"]["start"], 35);
}

#[test]
fn check_sql_safe_and_usage_errors() {
    let out = rampart(&["check", "sql", "--query", "SELECT * FROM t WHERE name = 'O''Brien'", "-i", "q=O'Brien"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).starts_with("SAFE"));
    let out = rampart(&["check", "sql", "--dialect", "db2", "--query", "SELECT 1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--dialect `db2`"));
    let out = rampart(&["check", "sql", "--query", "SELECT 1", "-i", "no-equals-sign"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn eval_prints_one_verdict_per_case_and_a_summary() {
    let dir = std::env::temp_dir().join(format!("rampart-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("cases.jsonl");
    let mut f = std::fs::File::create(&file).expect("create");
    writeln!(f, r#"{{"id":"a","kind":"sql","dialect":"sqlite","resource":"SELECT * FROM t WHERE id = 1 OR 1=1","inputs":[{{"source":"query","key":"id","value":"1 OR 1=1"}}],"expect":"attack"}}"#).expect("write");
    writeln!(f, r#"{{"id":"b","kind":"sql","dialect":"sqlite","resource":"SELECT * FROM t WHERE id = ?","inputs":[{{"source":"query","key":"id","value":"1 OR 1=1"}}],"expect":"attack"}}"#).expect("write");
    writeln!(f, r#"{{"id":"c","kind":"carrier-pigeon","resource":"coo","inputs":[]}}"#).expect("write");
    drop(f);
    let path = file.to_str().expect("utf-8 path");
    let out = rampart(&["eval", path]);
    assert_eq!(out.status.code(), Some(0));
    let lines: Vec<serde_json::Value> =
        text(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("JSON line")).collect();
    assert_eq!(lines.len(), 3);
    assert_eq!((lines[0]["id"].as_str(), lines[0]["verdict"].as_str()), (Some("a"), Some("attack")));
    assert_eq!(lines[1]["verdict"], "safe");
    assert_eq!(lines[2]["verdict"], "unsupported");
    assert!(text(&out.stderr).contains("1 passed, 1 failed, 1 unsupported"), "{}", text(&out.stderr));
    assert_eq!(rampart(&["eval", "--strict", path]).status.code(), Some(1));

    let bad = dir.join("bad.jsonl");
    std::fs::write(&bad, "{\"id\":\"x\",\"kind\":\"sql\",\"resource\":\"q\"}\nnot json\n").expect("write");
    let out = rampart(&["eval", bad.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("bad.jsonl:2:"), "{}", text(&out.stderr));
    let out = rampart(&["eval", "/nonexistent/vectors.jsonl"]);
    assert_eq!(out.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn policy_validate_names_the_field() {
    let dir = std::env::temp_dir().join(format!("rampart-cli-policy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let good = dir.join("good.json");
    std::fs::write(&good, r#"{"mode":"block","exclusions":[{"route":"/admin/*"}]}"#).expect("write");
    let out = rampart(&["policy", "validate", good.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(0));
    let effective: serde_json::Value = serde_json::from_slice(&out.stdout).expect("effective policy JSON");
    assert_eq!(effective["block_response"]["status"], 403);
    let bad = dir.join("bad.json");
    std::fs::write(&bad, r#"{"protections":{"sql_injection":{"action":"blok"}}}"#).expect("write");
    let out = rampart(&["policy", "validate", bad.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("protections.sql_injection.action"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn inspect_judges_inputs_without_a_sink() {
    let out = rampart(&["inspect", "--input", "query:q=' OR 1=1-- "]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("ATTACK  malicious_payload (action: report)"), "{stdout}");
    assert!(stdout.contains("(payload_sql_injection)"), "{stdout}");

    let out = rampart(&["inspect", "--path", "/.env", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON verdict");
    assert_eq!((v["reason"].as_str(), v["rule_id"].as_u64()), (Some("rule_match"), Some(900201)));

    let out = rampart(&["inspect", "--input", "body:name=O'Brien", "--input", "query:q=black and white"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).starts_with("SAFE"));

    let out = rampart(&["inspect", "--file", "avatar=shell.php;image/png"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains("900300"), "{}", text(&out.stdout));
}

#[test]
fn scan_reads_combined_and_json_logs_and_counts_findings() {
    let dir = std::env::temp_dir().join(format!("rampart-scan-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let log = dir.join("access.log");
    let mut f = std::fs::File::create(&log).expect("log file");
    writeln!(
        f,
        r#"203.0.113.9 - - [27/Nov/2026:10:00:00 +0000] "GET /search?q=red+shoes HTTP/1.1" 200 5 "-" "Mozilla/5.0""#
    )
    .expect("write");
    writeln!(
        f,
        r#"203.0.113.9 - - [27/Nov/2026:10:00:01 +0000] "GET /search?q=%27+OR+1%3D1--+ HTTP/1.1" 200 5 "-" "-""#
    )
    .expect("write");
    writeln!(f, r#"{{"method":"GET","path":"/","user_agent":"sqlmap/1.7"}}"#).expect("write");
    writeln!(f, "not a request").expect("write");
    drop(f);
    let out = rampart(&["scan", log.to_str().expect("UTF-8 path"), "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let findings: Vec<serde_json::Value> =
        text(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("JSON finding")).collect();
    assert_eq!(findings.len(), 2);
    assert_eq!(findings[0]["reason"], "payload_sql_injection");
    assert!(findings[0]["line"].as_str().expect("line").ends_with(":2"));
    assert_eq!(findings[1]["rule_id"], 900100);
    let stderr = text(&out.stderr);
    assert!(stderr.contains("4 lines, 3 requests inspected, 1 unparsable, 2 with findings"), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}
