//! `rampart inspect` (one request's inputs, context-free) and `rampart scan` (an access
//! log: every request line inspected, findings per line, counts at the end), so a policy
//! can be tried on yesterday's traffic before it is switched on.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use rampart_core::{Engine, Reason, Request, Source, Verdict};
use serde_json::json;

use crate::inputs::{fill, parse_input, InputArg};

#[derive(Args, Debug)]
pub(crate) struct InspectArgs {
    /// A request input, `SOURCE:KEY=VALUE` (query, body, path, header, cookie, other); repeat.
    #[arg(long = "input", value_name = "SOURCE:KEY=VALUE", value_parser = parse_input)]
    inputs: Vec<InputArg>,
    /// The request path (`/search`), for path rules.
    #[arg(long, default_value = "/")]
    path: String,
    /// The HTTP method.
    #[arg(long, default_value = "GET")]
    method: String,
    /// An uploaded file: `FIELD=NAME` or `FIELD=NAME;TYPE` (its content is not read).
    #[arg(long = "file", value_name = "FIELD=NAME[;TYPE]")]
    files: Vec<String>,
    /// Policy file (default: every protection on, block mode).
    #[arg(long)]
    policy: Option<PathBuf>,
    /// Print the verdict as one JSON object.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
pub(crate) struct ScanArgs {
    /// Access logs: Combined/Common Log Format lines, or JSON lines with `method`,
    /// `uri` (or `url`, `path` + `query`), optional `user_agent`, `referer`, `headers`.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Policy file (default: every protection on, block mode).
    #[arg(long)]
    policy: Option<PathBuf>,
    /// One JSON object per finding instead of text.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run_inspect(args: &InspectArgs) -> Result<ExitCode, String> {
    let engine = crate::load_engine(args.policy.as_ref())?;
    let mut request = Request::new();
    request.set_path(args.path.as_bytes());
    request.set_method(args.method.as_bytes());
    fill(&mut request, &args.inputs);
    for file in &args.files {
        let (field, rest) = file.split_once('=').ok_or_else(|| format!("--file `{file}`: expected FIELD=NAME"))?;
        let (name, content_type) = rest.split_once(';').unwrap_or((rest, ""));
        request.add_file(field.as_bytes(), name.as_bytes(), content_type.as_bytes(), b"");
    }
    let verdict = engine.inspect(&request);
    if args.json {
        println!("{}", verdict_json(&engine, &request, &verdict));
    } else {
        print_verdict(&engine, &request, &verdict);
    }
    Ok(if verdict.is_attack() { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn rule_message(engine: &Engine, id: u32) -> String {
    engine
        .policy()
        .rules
        .iter()
        .cloned()
        .chain(rampart_core::default_rules())
        .find(|r| r.id == id)
        .map(|r| r.message)
        .unwrap_or_default()
}

fn input_label(request: &Request, verdict: &Verdict) -> Option<(String, String)> {
    let input = request.input(verdict.input_index?)?;
    let name = format!("{}.{}", input.source.name(), String::from_utf8_lossy(input.key));
    Some((name, String::from_utf8_lossy(input.value).into_owned()))
}

fn verdict_json(engine: &Engine, request: &Request, verdict: &Verdict) -> serde_json::Value {
    let input = input_label(request, verdict);
    json!({
        "verdict": if verdict.is_attack() { "attack" } else { "safe" },
        "action": verdict.action.name(),
        "threat": verdict.threat.map(|t| t.name()),
        "reason": verdict.reason.map(|r| r.name()),
        "rule_id": (verdict.rule_id != 0).then_some(verdict.rule_id),
        "rule_message": (verdict.rule_id != 0).then(|| rule_message(engine, verdict.rule_id)),
        "input": input.as_ref().map(|(name, _)| name),
        "value": input.as_ref().map(|(_, value)| value),
    })
}

fn print_verdict(engine: &Engine, request: &Request, verdict: &Verdict) {
    let (Some(threat), Some(reason)) = (verdict.threat, verdict.reason) else {
        println!("SAFE    no malicious payload in {} input(s)", request.len());
        return;
    };
    println!("ATTACK  {} (action: {})", threat.name(), verdict.action.name());
    if let Some((name, value)) = input_label(request, verdict) {
        println!("input   {name} = {value:?}");
    } else {
        println!("request {} {}", String::from_utf8_lossy(request.method()), String::from_utf8_lossy(request.path()));
    }
    if reason == Reason::RuleMatch {
        println!("rule    {} {}", verdict.rule_id, rule_message(engine, verdict.rule_id));
    } else {
        println!("why     {} ({})", reason.description(), reason.name());
    }
}

/// Percent-decodes once, `+` as space: what a framework hands the application.
fn form_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => match (bytes.get(i + 1).and_then(|&b| hex(b)), bytes.get(i + 2).and_then(|&b| hex(b))) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    out
}

/// One request read from a log line.
#[derive(Debug, Default)]
struct LoggedRequest {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
}

/// `host ident user [time] "GET /path?q=1 HTTP/1.1" status size "referer" "user-agent"`.
fn parse_clf(line: &str) -> Option<LoggedRequest> {
    let mut quoted = Vec::new();
    let mut rest = line;
    while let Some(start) = rest.find('"') {
        let after = &rest[start + 1..];
        // Log writers escape quotes inside fields as \".
        let mut end = None;
        let bytes = after.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' => i += 2,
                b'"' => {
                    end = Some(i);
                    break;
                }
                _ => i += 1,
            }
        }
        let end = end?;
        quoted.push(after[..end].replace("\\\"", "\""));
        rest = &after[end + 1..];
    }
    let request_line = quoted.first()?;
    let mut parts = request_line.splitn(3, ' ');
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();
    let mut headers = Vec::new();
    if let Some(referer) = quoted.get(1).filter(|r| *r != "-") {
        headers.push(("referer".to_owned(), referer.clone()));
    }
    if let Some(agent) = quoted.get(2).filter(|a| *a != "-") {
        headers.push(("user-agent".to_owned(), agent.clone()));
    }
    Some(LoggedRequest { method, target, headers })
}

fn parse_json_line(line: &str) -> Option<LoggedRequest> {
    let value: serde_json::Value = serde_json::from_str(line).ok()?;
    let text = |key: &str| value.get(key).and_then(|v| v.as_str()).map(str::to_owned);
    let target = text("uri").or_else(|| text("url")).or_else(|| {
        let path = text("path")?;
        Some(match text("query").filter(|q| !q.is_empty()) {
            Some(query) => format!("{path}?{}", query.trim_start_matches('?')),
            None => path,
        })
    })?;
    let mut headers = Vec::new();
    if let Some(map) = value.get("headers").and_then(|h| h.as_object()) {
        for (name, v) in map {
            if let Some(v) = v.as_str() {
                headers.push((name.to_ascii_lowercase(), v.to_owned()));
            }
        }
    }
    for (key, header) in [("user_agent", "user-agent"), ("referer", "referer")] {
        if let Some(v) = text(key) {
            headers.push((header.to_owned(), v));
        }
    }
    Some(LoggedRequest { method: text("method").unwrap_or_else(|| "GET".to_owned()), target, headers })
}

fn fill_logged(request: &mut Request, logged: &LoggedRequest) {
    request.reset();
    request.set_method(logged.method.as_bytes());
    // An absolute-form target (`http://host/path`) keeps only its path.
    let target = match logged.target.find("://") {
        Some(p) => logged.target[p + 3..].find('/').map_or("/", |s| &logged.target[p + 3 + s..]),
        None => logged.target.as_str(),
    };
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    request.set_path(path.as_bytes());
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        request.add_input(Source::Query, &form_decode(key), &form_decode(value));
    }
    for (name, value) in &logged.headers {
        request.add_input(Source::Header, name.as_bytes(), value.as_bytes());
    }
}

pub(crate) fn run_scan(args: &ScanArgs) -> Result<ExitCode, String> {
    let engine = crate::load_engine(args.policy.as_ref())?;
    let mut request = Request::new();
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let (mut lines, mut requests, mut unparsed, mut findings) = (0usize, 0usize, 0usize, 0usize);
    let mut by_reason: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_rule: BTreeMap<u32, usize> = BTreeMap::new();
    for file in &args.files {
        let reader = BufReader::new(std::fs::File::open(file).map_err(|e| format!("{}: {e}", file.display()))?);
        for (n, line) in reader.split(b'\n').enumerate() {
            let line = line.map_err(|e| format!("{}:{}: {e}", file.display(), n + 1))?;
            let line = String::from_utf8_lossy(&line);
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() {
                continue;
            }
            lines += 1;
            let logged = if line.trim_start().starts_with('{') { parse_json_line(line) } else { parse_clf(line) };
            let Some(logged) = logged else {
                unparsed += 1;
                continue;
            };
            requests += 1;
            fill_logged(&mut request, &logged);
            let verdict = engine.inspect(&request);
            let Some(reason) = verdict.reason else { continue };
            findings += 1;
            *by_reason.entry(reason.name().to_owned()).or_default() += 1;
            if verdict.rule_id != 0 {
                *by_rule.entry(verdict.rule_id).or_default() += 1;
            }
            let location = format!("{}:{}", file.display(), n + 1);
            if args.json {
                let mut record = verdict_json(&engine, &request, &verdict);
                record["line"] = json!(location);
                record["method"] = json!(logged.method);
                record["target"] = json!(logged.target);
                writeln!(out, "{record}").map_err(|e| e.to_string())?;
            } else {
                let what = match (verdict.rule_id, input_label(&request, &verdict)) {
                    (0, Some((name, value))) => format!("{} in {name} = {value:?}", reason.name()),
                    (0, None) => reason.name().to_owned(),
                    (id, Some((name, _))) => format!("rule {id} ({}) in {name}", rule_message(&engine, id)),
                    (id, None) => format!("rule {id} ({})", rule_message(&engine, id)),
                };
                let target: String = logged.target.chars().take(100).collect();
                writeln!(out, "{location}  {} {}  {what}", logged.method, target).map_err(|e| e.to_string())?;
            }
        }
    }
    out.flush().map_err(|e| e.to_string())?;
    drop(out);
    eprintln!("scan: {lines} lines, {requests} requests inspected, {unparsed} unparsable, {findings} with findings");
    for (reason, count) in &by_reason {
        eprintln!("  {reason}: {count}");
    }
    for (rule, count) in &by_rule {
        eprintln!("  rule {rule} ({}): {count}", rule_message(&engine, *rule));
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_log_lines() {
        let clf = r#"203.0.113.9 - - [27/Nov/2026:10:00:00 +0000] "GET /search?q=%27+OR+1%3D1--+&page=2 HTTP/1.1" 200 512 "-" "sqlmap/1.7 (\"x\")""#;
        let r = parse_clf(clf).expect("combined log line");
        assert_eq!((r.method.as_str(), r.target.as_str()), ("GET", "/search?q=%27+OR+1%3D1--+&page=2"));
        assert_eq!(r.headers, vec![("user-agent".to_owned(), "sqlmap/1.7 (\"x\")".to_owned())]);
        let mut request = Request::new();
        fill_logged(&mut request, &r);
        assert_eq!(request.input(0).expect("q").value, b"' OR 1=1-- ");
        assert_eq!(request.path(), b"/search");
        let json =
            parse_json_line(r#"{"method":"POST","path":"/a","query":"x=1","user_agent":"curl/8"}"#).expect("json");
        assert_eq!(json.target, "/a?x=1");
        assert!(parse_clf("not a log line").is_none());
        assert_eq!(form_decode("a%2"), b"a%2");
    }
}
