//! `rampart check path|url|redirect|header` as a user runs them: exit codes, the
//! person-readable report and the JSON verdict.

use std::process::{Command, Output};

fn rampart(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rampart")).args(args).output().expect("rampart runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn path_attack_and_safe() {
    let out =
        rampart(&["check", "path", "--path", "/srv/files/../../etc/passwd", "--input", "query:file=../../etc/passwd"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("ATTACK  path_traversal"), "{text}");
    assert!(text.contains("path_traversal_sensitive"), "{text}");
    let out =
        rampart(&["check", "path", "--path", "/srv/files/report..v2.pdf", "--input", "query:file=report..v2.pdf"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn url_json_and_resolved_address() {
    let out = rampart(&["check", "url", "--url", "http://0x7f.1/", "--input", "query:u=http://0x7f.1/", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON verdict");
    assert_eq!(v["threat"], "ssrf");
    assert_eq!(v["reason"], "ssrf_internal_host");
    assert_eq!(v["span"]["start"], 0);
    let hook = "https://rebind.attacker.example/x";
    let input = format!("body:hook={hook}");
    let out = rampart(&["check", "url", "--url", hook, "--ip", "10.0.0.7", "--input", &input, "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON verdict");
    assert_eq!(v["reason"], "ssrf_resolved_internal");
    let out = rampart(&["check", "url", "--url", hook, "--ip", "93.184.216.34", "--input", &input]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn redirect_uses_the_request_host() {
    let next = "https://shop.example.com/cart";
    let input = format!("query:next={next}");
    let own = rampart(&["check", "redirect", "--location", next, "--host", "shop.example.com", "--input", &input]);
    assert_eq!(own.status.code(), Some(0), "{}", stdout(&own));
    let other = rampart(&["check", "redirect", "--location", next, "--host", "www.example.org", "--input", &input]);
    assert_eq!(other.status.code(), Some(1));
    assert!(stdout(&other).contains("redirect_foreign_host"));
}

#[test]
fn header_value_and_name() {
    let out = rampart(&[
        "check",
        "header",
        "--name",
        "Location",
        "--value",
        "/x\r\nSet-Cookie: a=b",
        "--input",
        "q=x\r\nSet-Cookie: a=b",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("header_line_break"));
    let out = rampart(&["check", "header", "--name", "X-A: b", "--value", "1", "--input", "h=X-A: b"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("header name"), "{}", stdout(&out));
}
