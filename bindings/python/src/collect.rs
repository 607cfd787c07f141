//! Collecting a request's inputs from what the web server hands the application: the
//! WSGI environ, the ASGI scope, urlencoded and JSON bodies, the Cookie header.
//!
//! This is the per-request work of the middleware, done here rather than in Python so
//! that it costs a few microseconds: keys become dotted paths (`user.address.city`,
//! `ids[2]`), keys that are not plain words are inputs too (an application that puts
//! keys into SQL is as exposed through them as through values), and every function
//! stops at `max_inputs` inputs in the request and reports that it did.

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};
use rampart_core::{Request, Source};

/// Headers whose values the protocol or the framework consume; applications do not put
/// them into queries, and browsers send them on every request.
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

/// Adds inputs while the request has room; remembers when it ran out.
pub struct Collector<'a> {
    pub request: &'a mut Request,
    pub max_inputs: usize,
    pub truncated: bool,
}

impl Collector<'_> {
    pub fn add(&mut self, source: Source, key: &[u8], value: &[u8]) -> bool {
        if self.request.len() >= self.max_inputs {
            self.truncated = true;
            return false;
        }
        self.request.add_input(source, key, value);
        true
    }

    /// A key/value pair; the key is an input too unless it is a plain word.
    fn pair(&mut self, source: Source, key: &[u8], value: &[u8]) -> bool {
        (is_word(key) || self.add(source, key, key)) && self.add(source, key, value)
    }

    /// `a=1&b=%27+x`: percent-decoded, `+` as space, raw bytes (no charset guess).
    pub fn urlencoded(&mut self, source: Source, data: &[u8]) {
        let mut key = Vec::new();
        let mut value = Vec::new();
        for field in data.split(|&b| b == b'&').filter(|f| !f.is_empty()) {
            let (k, v) = match field.iter().position(|&b| b == b'=') {
                Some(eq) => (&field[..eq], &field[eq + 1..]),
                None => (field, &b""[..]),
            };
            percent_decode(k, &mut key);
            percent_decode(v, &mut value);
            if !self.pair(source, &key, &value) {
                return;
            }
        }
    }

    /// A Cookie header, leniently, as browsers send it.
    pub fn cookies(&mut self, header: &[u8]) {
        for part in header.split(|&b| b == b';') {
            let Some(eq) = part.iter().position(|&b| b == b'=') else { continue };
            let name = trim(&part[..eq]);
            let mut value = trim(&part[eq + 1..]);
            if value.len() >= 2 && value[0] == b'"' && value[value.len() - 1] == b'"' {
                value = &value[1..value.len() - 1];
            }
            if !self.add(Source::Cookie, name, value) {
                return;
            }
        }
    }

    /// One header, by lower-case name; protocol headers are skipped.
    pub fn header(&mut self, name: &[u8], value: &[u8]) -> bool {
        if SKIPPED_HEADERS.contains(&name) || SKIPPED_HEADER_PREFIXES.iter().any(|p| name.starts_with(p)) {
            return true;
        }
        self.add(Source::Header, name, value)
    }

    /// A JSON document, flattened; nothing for invalid JSON (the application rejects
    /// it too) or nesting beyond serde_json's limit.
    pub fn json(&mut self, data: &[u8], max_depth: usize) {
        let Ok(document) = serde_json::from_slice::<serde_json::Value>(data) else { return };
        let mut path = String::new();
        self.json_node(&document, &mut path, 0, max_depth);
    }

    fn json_node(&mut self, node: &serde_json::Value, path: &mut String, depth: usize, max_depth: usize) -> bool {
        use serde_json::Value;
        match node {
            Value::String(s) => self.add(Source::Body, path.as_bytes(), s.as_bytes()),
            Value::Number(n) => self.add(Source::Body, path.as_bytes(), n.to_string().as_bytes()),
            Value::Bool(_) | Value::Null => true,
            Value::Object(_) | Value::Array(_) if depth >= max_depth => {
                self.truncated = true;
                true
            }
            Value::Object(map) => {
                for (key, value) in map {
                    let len = path.len();
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(key);
                    let more = (is_word(key.as_bytes()) || self.add(Source::Body, path.as_bytes(), key.as_bytes()))
                        && self.json_node(value, path, depth + 1, max_depth);
                    path.truncate(len);
                    if !more {
                        return false;
                    }
                }
                true
            }
            Value::Array(items) => {
                for (index, value) in items.iter().enumerate() {
                    let len = path.len();
                    path.push('[');
                    path.push_str(&index.to_string());
                    path.push(']');
                    let more = self.json_node(value, path, depth + 1, max_depth);
                    path.truncate(len);
                    if !more {
                        return false;
                    }
                }
                true
            }
        }
    }
}

fn trim(mut bytes: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = bytes {
        if !first.is_ascii_whitespace() {
            break;
        }
        bytes = rest;
    }
    while let [rest @ .., last] = bytes {
        if !last.is_ascii_whitespace() {
            break;
        }
        bytes = rest;
    }
    bytes
}

/// Only `[A-Za-z0-9_]`: the engine would skip such an input anyway.
fn is_word(bytes: &[u8]) -> bool {
    bytes.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'_')
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-decoding with `+` as space; a `%` not followed by two hex digits stays.
pub fn percent_decode(input: &[u8], out: &mut Vec<u8>) {
    out.clear();
    let mut i = 0;
    while i < input.len() {
        let b = input[i];
        match b {
            b'+' => out.push(b' '),
            b'%' => match (input.get(i + 1).and_then(|&h| hex(h)), input.get(i + 2).and_then(|&l| hex(l))) {
                (Some(high), Some(low)) => {
                    out.push(high << 4 | low);
                    i += 3;
                    continue;
                }
                _ => out.push(b),
            },
            _ => out.push(b),
        }
        i += 1;
    }
}

/// The bytes of a WSGI string: WSGI hands bytes to Python as latin-1 text. A string
/// that is not latin-1 (a server that broke the rule) is taken as UTF-8.
pub fn wsgi_bytes(text: &Bound<'_, PyAny>, buf: &mut Vec<u8>) -> PyResult<()> {
    buf.clear();
    let text = text.cast::<PyString>()?;
    // Encoded once, into a bytes object read in place: the stable ABI of CPython 3.8
    // cannot lend a str's UTF-8, and `to_cow` would copy it a second time.
    let Ok(encoded) = text.encode_utf8() else {
        // Lone surrogates: judge the text with replacement characters.
        buf.extend_from_slice(text.to_string_lossy().as_bytes());
        return Ok(());
    };
    let utf8 = encoded.as_bytes();
    if utf8.is_ascii() {
        buf.extend_from_slice(utf8);
        return Ok(());
    }
    match std::str::from_utf8(utf8) {
        Ok(chars) if chars.chars().all(|c| (c as u32) < 0x100) => buf.extend(chars.chars().map(|c| c as u32 as u8)),
        _ => buf.extend_from_slice(utf8),
    }
    Ok(())
}

/// Method, path, query string, cookies and headers of a WSGI environ.
pub fn wsgi_environ(collector: &mut Collector<'_>, environ: &Bound<'_, PyDict>) -> PyResult<()> {
    let py = environ.py();
    let mut buf = Vec::new();
    if let Some(method) = environ.get_item(intern!(py, "REQUEST_METHOD"))? {
        wsgi_bytes(&method, &mut buf)?;
        collector.request.set_method(&buf);
    }
    let mut path = Vec::new();
    for key in [intern!(py, "SCRIPT_NAME"), intern!(py, "PATH_INFO")] {
        if let Some(part) = environ.get_item(key)? {
            wsgi_bytes(&part, &mut buf)?;
            path.extend_from_slice(&buf);
        }
    }
    collector.request.set_path(&path);
    if let Some(query) = environ.get_item(intern!(py, "QUERY_STRING"))? {
        wsgi_bytes(&query, &mut buf)?;
        collector.urlencoded(Source::Query, &buf);
    }
    if let Some(host) = environ.get_item(intern!(py, "HTTP_HOST"))? {
        wsgi_bytes(&host, &mut buf)?;
        collector.request.set_host(&buf);
    }
    if let Some(cookie) = environ.get_item(intern!(py, "HTTP_COOKIE"))? {
        wsgi_bytes(&cookie, &mut buf)?;
        collector.cookies(&buf);
    }
    let mut name = Vec::new();
    for (key, value) in environ.iter() {
        let Ok(key) = key.cast::<PyString>() else { continue };
        let Ok(key) = key.encode_utf8() else { continue };
        let Some(header) = key.as_bytes().strip_prefix(b"HTTP_") else { continue };
        name.clear();
        name.extend(header.iter().map(|&b| if b == b'_' { b'-' } else { b.to_ascii_lowercase() }));
        if value.cast::<PyString>().is_err() {
            continue;
        }
        wsgi_bytes(&value, &mut buf)?;
        if !collector.header(&name, &buf) {
            break;
        }
    }
    Ok(())
}

/// Method, path, query string, cookies and headers of an ASGI HTTP scope.
pub fn asgi_scope(collector: &mut Collector<'_>, scope: &Bound<'_, PyDict>) -> PyResult<()> {
    let py = scope.py();
    if let Some(method) = scope.get_item(intern!(py, "method"))? {
        collector.request.set_method(method.extract::<String>()?.as_bytes());
    }
    let mut path = Vec::new();
    for key in [intern!(py, "root_path"), intern!(py, "path")] {
        if let Some(part) = scope.get_item(key)? {
            path.extend_from_slice(part.extract::<String>()?.as_bytes());
        }
    }
    collector.request.set_path(&path);
    if let Some(query) = scope.get_item(intern!(py, "query_string"))? {
        if let Ok(query) = query.cast::<PyBytes>() {
            collector.urlencoded(Source::Query, query.as_bytes());
        }
    }
    let Some(headers) = scope.get_item(intern!(py, "headers"))? else { return Ok(()) };
    let mut name = Vec::new();
    for pair in headers.try_iter()? {
        let pair = pair?;
        let (raw_name, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) = if let Ok(tuple) = pair.cast::<PyTuple>() {
            (tuple.get_item(0)?, tuple.get_item(1)?)
        } else if let Ok(list) = pair.cast::<PyList>() {
            (list.get_item(0)?, list.get_item(1)?)
        } else {
            continue;
        };
        let (Ok(raw_name), Ok(value)) = (raw_name.cast::<PyBytes>(), value.cast::<PyBytes>()) else { continue };
        name.clear();
        name.extend(raw_name.as_bytes().iter().map(u8::to_ascii_lowercase));
        if name == b"cookie" {
            collector.cookies(value.as_bytes());
        } else if name == b"host" {
            collector.request.set_host(value.as_bytes());
            collector.header(&name, value.as_bytes());
        } else if !collector.header(&name, value.as_bytes()) {
            break;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(f: impl FnOnce(&mut Collector<'_>)) -> Vec<(String, String, String)> {
        let mut request = Request::new();
        let mut collector = Collector { request: &mut request, max_inputs: 100, truncated: false };
        f(&mut collector);
        request
            .inputs()
            .map(|i| {
                (
                    i.source.name().to_owned(),
                    String::from_utf8_lossy(i.key).into_owned(),
                    String::from_utf8_lossy(i.value).into_owned(),
                )
            })
            .collect()
    }

    fn t(s: &str, k: &str, v: &str) -> (String, String, String) {
        (s.to_owned(), k.to_owned(), v.to_owned())
    }

    #[test]
    fn percent_decoding() {
        let mut out = Vec::new();
        for (input, expected) in [
            (&b"a+b%27c"[..], &b"a b'c"[..]),
            (b"%", b"%"),
            (b"%4", b"%4"),
            (b"%zz", b"%zz"),
            (b"%41%", b"A%"),
            (b"%e3%81%8a", "お".as_bytes()),
        ] {
            percent_decode(input, &mut out);
            assert_eq!(out, expected, "{}", String::from_utf8_lossy(input));
        }
    }

    #[test]
    fn urlencoded_and_cookies() {
        let got = collect(|c| {
            c.urlencoded(Source::Query, b"a=1&&b=%27+OR+1%3D1&c&f%5Bx%27%5D=2");
            c.cookies(b"sid=abc; theme=\"dark\"; broken; x= y ");
        });
        assert_eq!(
            got,
            vec![
                t("query", "a", "1"),
                t("query", "b", "' OR 1=1"),
                t("query", "c", ""),
                t("query", "f[x']", "f[x']"),
                t("query", "f[x']", "2"),
                t("cookie", "sid", "abc"),
                t("cookie", "theme", "dark"),
                t("cookie", "x", "y"),
            ]
        );
    }

    #[test]
    fn json_flattening_and_limits() {
        let got =
            collect(|c| c.json(br#"{"user":{"e":"a@x","tags":["x",2,1.5,true,null],"k' OR 1":1},"ids":[7]}"#, 32));
        assert_eq!(
            got,
            vec![
                t("body", "ids[0]", "7"),
                t("body", "user.e", "a@x"),
                t("body", "user.k' OR 1", "k' OR 1"),
                t("body", "user.k' OR 1", "1"),
                t("body", "user.tags[0]", "x"),
                t("body", "user.tags[1]", "2"),
                t("body", "user.tags[2]", "1.5"),
            ]
        );
        let mut request = Request::new();
        let mut c = Collector { request: &mut request, max_inputs: 2, truncated: false };
        c.json(br#"{"a":"1","b":"2","c":"3"}"#, 32);
        assert!(c.truncated);
        assert_eq!(request.len(), 2);
        let deep = format!("{}\"x\"{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(collect(|c| c.json(deep.as_bytes(), 32)).is_empty());
        assert!(collect(|c| c.json(b"{\"a\":{\"b\":{\"c\":\"deep\"}},\"s\":\"x\"}", 2)) == vec![t("body", "s", "x")]);
    }

    #[test]
    fn headers_skip_protocol_ones() {
        let got = collect(|c| {
            for (n, v) in
                [("user-agent", "curl"), ("accept-encoding", "gzip"), ("sec-fetch-mode", "cors"), ("x-t", "1")]
            {
                c.header(n.as_bytes(), v.as_bytes());
            }
        });
        assert_eq!(got, vec![t("header", "user-agent", "curl"), t("header", "x-t", "1")]);
    }
}
