//! Flattening what a servlet container hands the agent into inputs: urlencoded text,
//! the Cookie header, headers, JSON bodies.
//!
//! Keys become dotted paths (`user.address.city`, `ids[2]`); keys that are not plain
//! words are inputs too (an application that puts keys into SQL is as exposed through
//! them as through values). Every function stops at [`MAX_INPUTS`] inputs per request.

use rampart_core::{Request, Source};

/// Inputs kept per request: bounds the memory and the time of every check.
pub const MAX_INPUTS: usize = 4096;
/// Nesting followed in a JSON body; deeper parts are not inputs.
pub const MAX_JSON_DEPTH: usize = 32;

/// Headers the protocol or the container consume; applications do not put them into
/// queries, and browsers send them on every request.
const SKIPPED_HEADERS: [&[u8]; 14] = [
    b"cookie",
    b"content-length",
    b"content-type",
    b"connection",
    b"keep-alive",
    b"transfer-encoding",
    b"te",
    b"upgrade",
    b"upgrade-insecure-requests",
    b"accept-encoding",
    b"cache-control",
    b"pragma",
    b"priority",
    b"dnt",
];
const SKIPPED_HEADER_PREFIXES: [&[u8]; 2] = [b"sec-fetch-", b"sec-ch-"];

/// Adds one input while the request has room.
fn add(request: &mut Request, source: Source, key: &[u8], value: &[u8]) -> bool {
    if request.len() >= MAX_INPUTS {
        return false;
    }
    request.add_input(source, key, value);
    true
}

/// A key/value pair; the key is an input too unless it is a plain word.
pub fn pair(request: &mut Request, source: Source, key: &[u8], value: &[u8]) -> bool {
    (is_word(key) || add(request, source, key, key)) && add(request, source, key, value)
}

/// `a=1&b=%27+x`: percent-decoded, `+` as space, raw bytes.
pub fn urlencoded(request: &mut Request, source: Source, data: &[u8]) {
    let (mut key, mut value) = (Vec::new(), Vec::new());
    for field in data.split(|&b| b == b'&').filter(|f| !f.is_empty()) {
        let (k, v) = match field.iter().position(|&b| b == b'=') {
            Some(eq) => (&field[..eq], &field[eq + 1..]),
            None => (field, &b""[..]),
        };
        percent_decode(k, &mut key);
        percent_decode(v, &mut value);
        if !pair(request, source, &key, &value) {
            return;
        }
    }
}

/// A Cookie header, leniently, as browsers send it.
pub fn cookies(request: &mut Request, header: &[u8]) {
    for part in header.split(|&b| b == b';') {
        let Some(eq) = part.iter().position(|&b| b == b'=') else { continue };
        let name = part[..eq].trim_ascii();
        let mut value = part[eq + 1..].trim_ascii();
        if value.len() >= 2 && value[0] == b'"' && value[value.len() - 1] == b'"' {
            value = &value[1..value.len() - 1];
        }
        if !add(request, Source::Cookie, name, value) {
            return;
        }
    }
}

/// One header; protocol headers are skipped, the name is compared in lower case.
pub fn header(request: &mut Request, name: &[u8], value: &[u8]) {
    let lower: Vec<u8> = name.iter().map(u8::to_ascii_lowercase).collect();
    if lower == b"cookie" {
        cookies(request, value);
        return;
    }
    if SKIPPED_HEADERS.contains(&lower.as_slice()) || SKIPPED_HEADER_PREFIXES.iter().any(|p| lower.starts_with(p)) {
        return;
    }
    add(request, Source::Header, &lower, value);
}

/// A JSON document, flattened into body inputs; nothing for invalid JSON (the
/// application rejects it too) or nesting beyond serde_json's own limit.
pub fn json(request: &mut Request, data: &[u8]) {
    let Ok(document) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    let mut path = String::new();
    json_node(request, &document, &mut path, 0);
}

fn json_node(request: &mut Request, node: &serde_json::Value, path: &mut String, depth: usize) -> bool {
    use serde_json::Value;
    match node {
        Value::String(s) => add(request, Source::Body, path.as_bytes(), s.as_bytes()),
        Value::Number(n) => add(request, Source::Body, path.as_bytes(), n.to_string().as_bytes()),
        Value::Bool(_) | Value::Null => true,
        Value::Object(_) | Value::Array(_) if depth >= MAX_JSON_DEPTH => true,
        Value::Object(map) => map.iter().all(|(key, value)| {
            let len = path.len();
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(key);
            let more = (is_word(key.as_bytes()) || add(request, Source::Body, path.as_bytes(), key.as_bytes()))
                && json_node(request, value, path, depth + 1);
            path.truncate(len);
            more
        }),
        Value::Array(items) => items.iter().enumerate().all(|(index, value)| {
            let len = path.len();
            path.push_str(&format!("[{index}]"));
            let more = json_node(request, value, path, depth + 1);
            path.truncate(len);
            more
        }),
    }
}

/// Only `[A-Za-z0-9_]`: the engine would skip such an input anyway.
fn is_word(bytes: &[u8]) -> bool {
    bytes.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'_')
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Percent-decoding with `+` as space; a `%` not followed by two hex digits stays.
fn percent_decode(input: &[u8], out: &mut Vec<u8>) {
    out.clear();
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'+' => out.push(b' '),
            b'%' => match (input.get(i + 1).and_then(|&h| hex(h)), input.get(i + 2).and_then(|&l| hex(l))) {
                (Some(high), Some(low)) => {
                    out.push(high << 4 | low);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(request: &Request) -> Vec<(String, String, String)> {
        request
            .inputs()
            .map(|i| {
                let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
                (i.source.name().to_owned(), text(i.key), text(i.value))
            })
            .collect()
    }

    fn t(s: &str, k: &str, v: &str) -> (String, String, String) {
        (s.to_owned(), k.to_owned(), v.to_owned())
    }

    #[test]
    fn urlencoded_cookies_headers() {
        let mut r = Request::new();
        urlencoded(&mut r, Source::Query, b"a=1&&b=%27+OR+1%3D1&c&%zz=%4");
        header(&mut r, b"Cookie", b"sid=abc; theme=\"dark\"; broken");
        header(&mut r, b"Accept-Encoding", b"gzip");
        header(&mut r, b"X-Forwarded-Host", b"evil.example");
        assert_eq!(
            inputs(&r),
            vec![
                t("query", "a", "1"),
                t("query", "b", "' OR 1=1"),
                t("query", "c", ""),
                t("query", "%zz", "%zz"),
                t("query", "%zz", "%4"),
                t("cookie", "sid", "abc"),
                t("cookie", "theme", "dark"),
                t("header", "x-forwarded-host", "evil.example"),
            ]
        );
    }

    #[test]
    fn json_is_flattened_with_limits() {
        let mut r = Request::new();
        json(&mut r, br#"{"user":{"e":"a@x","tags":["x",2,true,null],"k' OR 1":1},"ids":[7]}"#);
        assert_eq!(
            inputs(&r),
            vec![
                t("body", "ids[0]", "7"),
                t("body", "user.e", "a@x"),
                t("body", "user.k' OR 1", "k' OR 1"),
                t("body", "user.k' OR 1", "1"),
                t("body", "user.tags[0]", "x"),
                t("body", "user.tags[1]", "2"),
            ]
        );
        let mut r = Request::new();
        let deep = format!("{}\"x\"{}", "[".repeat(100_000), "]".repeat(100_000));
        json(&mut r, deep.as_bytes());
        json(&mut r, b"{not json");
        assert!(r.is_empty());
    }
}
