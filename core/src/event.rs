//! Events: one JSON object per finding, the same schema from every language.
//!
//! Formatting happens only when a check found something, so it may allocate. Bindings
//! pass what only they know (the sink's operation name, the client address, the
//! language's stack) as an [`EventContext`], either built in Rust or parsed from JSON
//! (the C ABI's `meta_json`). The schema is documented in `docs/events.md`.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::error::{Error, ErrorKind};
use crate::policy::Policy;
use crate::request::{Input, Request, Source};
use crate::verdict::{Action, Verdict};

/// Longest input value written into an event, in bytes.
pub const MAX_VALUE_BYTES: usize = 512;
/// Bytes of resource kept on each side of the input's span.
pub const RESOURCE_CONTEXT_BYTES: usize = 256;

/// Header and cookie names whose values are secrets: an event never shows them.
const SECRET_HEADERS: [&str; 8] = [
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
    "x-auth-token",
    "x-csrf-token",
    "x-amz-security-token",
];

/// What the binding knows about the sink call and the HTTP request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EventContext {
    /// The hooked function (`sqlite3.Cursor.execute`, `child_process.exec`).
    pub operation: String,
    /// Event id chosen by the caller; generated when empty.
    pub event_id: String,
    /// Client address as the binding sees it (after trusted proxy headers).
    pub client_ip: String,
    /// The request's User-Agent.
    pub user_agent: String,
    /// The request's id (X-Request-Id, trace id, ...).
    pub request_id: String,
    /// Stack frames, innermost first, in the language's own notation.
    pub stack: Vec<String>,
}

impl EventContext {
    /// Parses a context from JSON (`{"operation": "...", "stack": [...]}`); every field
    /// is optional. An empty document is an empty context.
    pub fn from_json(json: &[u8]) -> Result<EventContext, Error> {
        if json.iter().all(u8::is_ascii_whitespace) {
            return Ok(EventContext::default());
        }
        serde_json::from_slice(json).map_err(|e| Error::new(ErrorKind::InvalidArgument, format!("event context: {e}")))
    }
}

/// A fresh, unpredictable event id (32 hex digits).
pub fn new_event_id() -> String {
    static KEYS: OnceLock<RandomState> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let keys = KEYS.get_or_init(RandomState::new);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let half = |salt: u64| {
        let mut h = keys.build_hasher();
        h.write_u64(salt);
        h.write_u64(count);
        h.write_u128(nanos);
        h.write_u32(std::process::id());
        h.finish()
    };
    format!("{:016x}{:016x}", half(1), half(2))
}

/// The sink kind of payload inspection ([`Engine::inspect`](crate::Engine::inspect)),
/// which has no sink: given an empty resource, its event quotes the offending input's
/// value, or the request path for a rule on the path or the method.
pub const REQUEST_SINK: &str = "request";

/// Formats the event of `verdict` as one line of JSON (no trailing newline). Returns
/// `None` for a verdict that found nothing.
pub fn format_event(
    policy: &Policy,
    request: &Request,
    verdict: &Verdict,
    sink_kind: &str,
    resource: &[u8],
    context: &EventContext,
) -> Option<String> {
    let threat = verdict.threat?;
    let action = match verdict.action {
        Action::Block => "blocked",
        Action::Report | Action::Allow => "reported",
    };
    let input = verdict.input_index.and_then(|i| request.input(i));
    let secret = input.is_some_and(is_secret);
    let event_id = if context.event_id.is_empty() { new_event_id() } else { context.event_id.clone() };
    let resource = match input {
        _ if sink_kind != REQUEST_SINK || !resource.is_empty() => resource,
        Some(input) => input.value,
        None => request.path(),
    };
    let sink = resource_excerpt(resource, verdict, secret);
    let event = json!({
        "time": rfc3339_now(),
        "event_id": event_id,
        "threat": threat.name(),
        "action": action,
        "reason": verdict.reason.map(|r| r.name()),
        "message": verdict.reason.map(|r| r.description()),
        "rule_id": (verdict.rule_id != 0).then_some(verdict.rule_id),
        "sink": {
            "kind": sink_kind,
            "operation": context.operation,
            "resource": sink.text,
            "resource_span": sink.span,
            "resource_truncated": sink.truncated,
        },
        "input": input.map(|input| {
            let (value, truncated) = if secret {
                (format!("<masked: {} bytes>", input.value.len()), false)
            } else {
                truncate(input.value, MAX_VALUE_BYTES)
            };
            json!({
                "source": input.source.name(),
                "key": String::from_utf8_lossy(input.key),
                "value": value,
                "value_truncated": truncated,
            })
        }),
        "request": {
            "method": String::from_utf8_lossy(request.method()),
            "path": String::from_utf8_lossy(request.path()),
            "route": String::from_utf8_lossy(request.route()),
            "client_ip": context.client_ip,
            "user_agent": context.user_agent,
            "request_id": context.request_id,
        },
        "stack": context.stack,
        "engine": { "version": crate::VERSION, "policy_version": policy.version },
    });
    Some(event.to_string())
}

/// Formats the event of a hook that failed internally (a bug in the agent, a resource it
/// could not read): the sink call went on (`failed_open`) or was stopped
/// (`failed_closed`, when the policy's `fail_closed` is set). Same envelope as a
/// finding, with `threat` null and an `error` object instead of `input`, so one log
/// query finds both.
pub fn format_error_event(
    policy: &Policy,
    request: Option<&Request>,
    sink_kind: &str,
    error_kind: &str,
    message: &str,
    context: &EventContext,
) -> String {
    let event_id = if context.event_id.is_empty() { new_event_id() } else { context.event_id.clone() };
    let (message, _) = truncate(message.as_bytes(), MAX_VALUE_BYTES);
    let text =
        |f: fn(&Request) -> &[u8]| request.map_or_else(String::new, |r| String::from_utf8_lossy(f(r)).into_owned());
    json!({
        "time": rfc3339_now(),
        "event_id": event_id,
        "threat": null,
        "action": if policy.fail_closed { "failed_closed" } else { "failed_open" },
        "error": { "kind": error_kind, "message": message },
        "sink": { "kind": sink_kind, "operation": context.operation },
        "request": {
            "method": text(Request::method),
            "path": text(Request::path),
            "route": text(Request::route),
            "client_ip": context.client_ip,
            "user_agent": context.user_agent,
            "request_id": context.request_id,
        },
        "stack": context.stack,
        "engine": { "version": crate::VERSION, "policy_version": policy.version },
    })
    .to_string()
}

fn is_secret(input: Input<'_>) -> bool {
    match input.source {
        Source::Cookie => true,
        Source::Header => SECRET_HEADERS.iter().any(|name| name.as_bytes().eq_ignore_ascii_case(input.key)),
        _ => is_secret_field(input.key),
    }
}

/// Words that make a field a credential wherever it comes from (`password`,
/// `user.new_passwd`, `api_key`, `refresh-token`): its value is as secret as an
/// `Authorization` header, and event logs are read by more people than credentials are.
const SECRET_FIELD_WORDS: [&[u8]; 11] = [
    b"password",
    b"passwd",
    b"pwd",
    b"passphrase",
    b"secret",
    b"token",
    b"apikey",
    b"api_key",
    b"api-key",
    b"private_key",
    b"credential",
];

/// Whether the last part of a dotted key (`user.password`, `keys[0].api_key`) names a
/// credential.
fn is_secret_field(key: &[u8]) -> bool {
    let last = key.rsplit(|&b| b == b'.').next().unwrap_or(key);
    let last = last.split(|&b| b == b'[').next().unwrap_or(last);
    SECRET_FIELD_WORDS
        .iter()
        .any(|word| last.len() >= word.len() && last.windows(word.len()).any(|w| w.eq_ignore_ascii_case(word)))
}

struct Excerpt {
    text: String,
    /// Character offsets of the input inside `text`.
    span: Option<[usize; 2]>,
    truncated: bool,
}

/// The part of `resource` around the verdict's span, as text, with the span's offsets
/// in characters of that text (what a person or a log viewer counts).
fn resource_excerpt(resource: &[u8], verdict: &Verdict, mask: bool) -> Excerpt {
    let Some(span) = verdict.span.filter(|s| s.end <= resource.len() && s.start <= s.end) else {
        let (text, truncated) = truncate(resource, 2 * RESOURCE_CONTEXT_BYTES);
        return Excerpt { text, span: None, truncated };
    };
    let from = span.start.saturating_sub(RESOURCE_CONTEXT_BYTES);
    let to = (span.end + RESOURCE_CONTEXT_BYTES).min(resource.len());
    let before = String::from_utf8_lossy(&resource[from..span.start]);
    let inside = if mask {
        "*".repeat(span.len()).into()
    } else {
        let (inside, _) = truncate(&resource[span.start..span.end], MAX_VALUE_BYTES);
        std::borrow::Cow::Owned(inside)
    };
    let after = String::from_utf8_lossy(&resource[span.end..to]);
    let start = before.chars().count();
    let end = start + inside.chars().count();
    Excerpt {
        text: format!("{before}{inside}{after}"),
        span: Some([start, end]),
        truncated: from > 0 || to < resource.len() || span.len() > MAX_VALUE_BYTES,
    }
}

/// Lossy UTF-8 text of at most `max` bytes of `bytes`, cut on a character boundary.
fn truncate(bytes: &[u8], max: usize) -> (String, bool) {
    if bytes.len() <= max {
        return (String::from_utf8_lossy(bytes).into_owned(), false);
    }
    let mut text = String::from_utf8_lossy(&bytes[..max]).into_owned();
    // A multi-byte character cut in two decodes as U+FFFD at the end: drop it.
    if text.ends_with('\u{FFFD}') && std::str::from_utf8(&bytes[..max]).is_err() {
        text.pop();
    }
    (text, true)
}

/// The current UTC time as RFC 3339 with milliseconds (`2026-11-28T14:19:46.123Z`).
fn rfc3339_now() -> String {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    rfc3339(since.as_secs(), since.subsec_millis())
}

fn rfc3339(secs: u64, millis: u32) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z", rem / 3600, (rem % 3600) / 60, rem % 60)
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Dialect, Engine, Threat};

    fn attack(source: Source, key: &[u8], value: &str, query: &str) -> (Policy, Request, Verdict) {
        let mut policy = Policy::default();
        policy.override_mode("block").expect("mode");
        let engine = Engine::new(policy.clone()).expect("engine");
        let mut request = Request::new();
        request.set_method(b"POST");
        request.set_path(b"/login");
        request.add_input(source, key, value.as_bytes());
        let verdict = engine.check_sql(&request, Dialect::Sqlite, query.as_bytes());
        assert_eq!(verdict.threat, Some(Threat::SqlInjection));
        (policy, request, verdict)
    }

    #[test]
    fn event_has_the_documented_fields() {
        let query = "SELECT * FROM users WHERE email = '' OR 1=1-- ' AND pw = 'x'";
        let (policy, request, verdict) = attack(Source::Body, b"email", "' OR 1=1-- ", query);
        let context = EventContext {
            operation: "sqlite3.Cursor.execute".into(),
            stack: vec!["app.py:12 in login".into()],
            ..EventContext::default()
        };
        let line = format_event(&policy, &request, &verdict, "sql", query.as_bytes(), &context).expect("an attack");
        let v: serde_json::Value = serde_json::from_str(&line).expect("valid JSON");
        assert_eq!(v["threat"], "sql_injection");
        assert_eq!(v["action"], "blocked");
        assert_eq!(v["reason"], "sql_literal_escape");
        assert_eq!(v["sink"]["kind"], "sql");
        assert_eq!(v["sink"]["operation"], "sqlite3.Cursor.execute");
        assert_eq!(v["sink"]["resource"], query);
        assert_eq!(v["sink"]["resource_span"], json!([35, 46]));
        assert_eq!(v["input"]["key"], "email");
        assert_eq!(v["input"]["value"], "' OR 1=1-- ");
        assert_eq!(v["request"]["method"], "POST");
        assert_eq!(v["stack"][0], "app.py:12 in login");
        assert_eq!(v["engine"]["version"], crate::VERSION);
        assert_eq!(v["event_id"].as_str().map(str::len), Some(32));
        assert!(!line.contains('\n'));
    }

    #[test]
    fn secrets_are_masked_and_long_values_truncated() {
        let payload = "x' OR 'a'='a";
        let query = format!("SELECT 1 FROM sessions WHERE token = '{payload}'");
        let (policy, request, verdict) = attack(Source::Header, b"Authorization", payload, &query);
        let line = format_event(&policy, &request, &verdict, "sql", query.as_bytes(), &EventContext::default())
            .expect("attack");
        assert!(!line.contains("OR 'a'"), "secret leaked: {line}");
        assert!(line.contains("<masked: 12 bytes>"));
        // A credential field is as secret as the header, whatever its source.
        for key in [&b"password"[..], b"user.New_Password", b"keys[0].api_key", b"refresh-token", b"pwd"] {
            let (policy, request, verdict) = attack(Source::Body, key, payload, &query);
            let line = format_event(&policy, &request, &verdict, "sql", query.as_bytes(), &EventContext::default())
                .expect("attack");
            assert!(!line.contains("OR 'a'") && line.contains("<masked: 12 bytes>"), "{line}");
        }
        let (policy, request, verdict) = attack(Source::Body, b"email", payload, &query);
        let line = format_event(&policy, &request, &verdict, "sql", query.as_bytes(), &EventContext::default())
            .expect("attack");
        assert!(line.contains("OR 'a'"), "an ordinary field is shown: {line}");

        let long = format!("' OR 1=1 -- {}", "é".repeat(1000));
        let query = format!("SELECT * FROM t WHERE a = '{long}'");
        let (policy, request, verdict) = attack(Source::Query, b"q", &long, &query);
        let line = format_event(&policy, &request, &verdict, "sql", query.as_bytes(), &EventContext::default())
            .expect("attack");
        let v: serde_json::Value = serde_json::from_str(&line).expect("valid JSON");
        assert_eq!(v["input"]["value_truncated"], true);
        assert!(v["input"]["value"].as_str().expect("text").len() <= MAX_VALUE_BYTES);
        assert_eq!(v["sink"]["resource_truncated"], true);
    }

    #[test]
    fn allow_has_no_event_and_context_parses() {
        let request = Request::new();
        assert!(
            format_event(&Policy::default(), &request, &Verdict::ALLOW, "sql", b"", &EventContext::default()).is_none()
        );
        let c = EventContext::from_json(br#"{"operation":"pg.query","stack":["a","b"]}"#).expect("valid");
        assert_eq!(c.stack.len(), 2);
        assert!(EventContext::from_json(b"").is_ok());
        assert!(EventContext::from_json(br#"{"operatoin":"x"}"#).is_err());
    }

    #[test]
    fn error_events_share_the_envelope() {
        let mut request = Request::new();
        request.set_path(b"/login");
        let context = EventContext { operation: "sqlite3.Cursor.execute".into(), ..EventContext::default() };
        let mut policy = Policy::default();
        let line = format_error_event(&policy, Some(&request), "sql", "internal", "boom", &context);
        let v: serde_json::Value = serde_json::from_str(&line).expect("valid JSON");
        assert_eq!(v["action"], "failed_open");
        assert_eq!(v["threat"], serde_json::Value::Null);
        assert_eq!(v["error"]["kind"], "internal");
        assert_eq!(v["error"]["message"], "boom");
        assert_eq!(v["sink"]["operation"], "sqlite3.Cursor.execute");
        assert_eq!(v["request"]["path"], "/login");
        assert_eq!(v["event_id"].as_str().map(str::len), Some(32));
        policy.fail_closed = true;
        let line = format_error_event(&policy, None, "sql", "internal", "boom", &EventContext::default());
        assert!(line.contains(r#""action":"failed_closed""#));
    }

    #[test]
    fn dates() {
        assert_eq!(rfc3339(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(1_795_875_586, 123), "2026-11-28T14:19:46.123Z");
        assert_eq!(rfc3339(951_782_400, 0), "2000-02-29T00:00:00.000Z");
    }
}
