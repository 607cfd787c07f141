//! Flattening what a web server hands an application into a [`Request`]'s inputs:
//! urlencoded query strings and form bodies, the Cookie header, headers, JSON bodies,
//! and nested maps walked by a binding (PHP arrays, say).
//!
//! Every agent needs the same rules, so they live here once:
//! - keys become dotted paths (`user.address.city`, `ids[2]`);
//! - keys that are not plain words are inputs too: an application that puts keys into
//!   SQL is as exposed through them as through values;
//! - cookie values holding `%` escapes are inputs both as sent and percent-decoded
//!   (some frameworks hand applications the one, some the other);
//! - JSON is read as leniently as JavaScript and Python read it (escaped lone
//!   surrogates, nesting past serde_json's limit), so a body the application accepts
//!   cannot hide its inputs by failing to parse here;
//! - headers the protocol or the framework consume (`content-length`, `sec-fetch-*`, ...)
//!   are skipped: applications do not put them into queries and browsers send them on
//!   every request, so checking them would only cost time;
//! - at most `max_inputs` inputs per request and `max_depth` levels of nesting, and the
//!   collector remembers when it left something out, so that an event can say so.
//!
//! Collection runs once per request, not per check; it may allocate (the request's own
//! buffers grow, JSON is parsed into a tree).

use crate::request::{Request, Source};

/// Inputs kept per request unless the binding says otherwise: bounds the memory and the
/// time of every check.
pub const DEFAULT_MAX_INPUTS: usize = 1000;
/// Nesting followed in JSON bodies and nested maps unless the binding says otherwise.
pub const DEFAULT_MAX_DEPTH: usize = 32;

/// Headers whose values the protocol or the framework consume.
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

/// Whether a header (by lower-case name) is one the protocol consumes, not an input.
pub fn is_protocol_header(lower_name: &[u8]) -> bool {
    SKIPPED_HEADERS.contains(&lower_name) || SKIPPED_HEADER_PREFIXES.iter().any(|p| lower_name.starts_with(p))
}

/// Only `[A-Za-z0-9_]` (or empty): a key the engine would skip as an input anyway.
pub fn is_word(bytes: &[u8]) -> bool {
    bytes.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Percent-decoding with `+` as space, into `out` (cleared first); a `%` not followed by
/// two hex digits stays as it is. Bytes are kept raw: no charset guess.
pub fn percent_decode(input: &[u8], out: &mut Vec<u8>) {
    decode(input, out, true);
}

fn decode(input: &[u8], out: &mut Vec<u8>, plus_is_space: bool) {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).map(|d| d as u8)
    }
    out.clear();
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'+' if plus_is_space => out.push(b' '),
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

/// JSON text with every `\uD800`-`\uDFFF` escape that is not half of a pair replaced by
/// `\uFFFD`, so that a strict parser reads what a lenient one does.
fn replace_lone_surrogates(data: &[u8]) -> Vec<u8> {
    fn escape_at(data: &[u8], at: usize) -> Option<u16> {
        let digits = data.get(at..at + 6)?;
        if digits[0] != b'\\' || digits[1] != b'u' {
            return None;
        }
        u16::from_str_radix(std::str::from_utf8(&digits[2..]).ok()?, 16).ok()
    }
    let mut out = Vec::with_capacity(data.len());
    let mut i = 0;
    while i < data.len() {
        if data[i] == b'\\' {
            match escape_at(data, i) {
                Some(0xD800..=0xDBFF) if matches!(escape_at(data, i + 6), Some(0xDC00..=0xDFFF)) => {
                    out.extend_from_slice(&data[i..i + 12]);
                    i += 12;
                }
                Some(0xD800..=0xDFFF) => {
                    out.extend_from_slice(b"\\uFFFD");
                    i += 6;
                }
                // Any other escape (`\\` included) is copied whole, so that an escaped
                // backslash is never read as the start of the next escape.
                _ => {
                    let end = (i + 2).min(data.len());
                    out.extend_from_slice(&data[i..end]);
                    i = end;
                }
            }
        } else {
            out.push(data[i]);
            i += 1;
        }
    }
    out
}

/// Where a body too deep for serde_json (128 levels) is cut before a second parse: deeper
/// than any input limit a binding sets, shallower than serde_json's own limit.
const LENIENT_CUT_DEPTH: usize = 100;

/// JSON text with every array or object nested deeper than `max_depth` replaced by
/// `null`, or `None` when nothing is that deep. Strings are skipped whole, so brackets
/// inside them do not count.
fn cut_deep_nesting(data: &[u8], max_depth: usize) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(data.len());
    let (mut depth, mut cut_from_depth) = (0usize, None::<usize>);
    let (mut in_string, mut escaped) = (false, false);
    for &b in data {
        let keep = cut_from_depth.is_none();
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            if keep {
                out.push(b);
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if keep && depth > max_depth {
                    cut_from_depth = Some(depth);
                    out.extend_from_slice(b"null");
                    continue;
                }
            }
            b']' | b'}' => {
                let closing = depth;
                depth = depth.saturating_sub(1);
                if cut_from_depth == Some(closing) {
                    cut_from_depth = None;
                    continue;
                }
            }
            _ => {}
        }
        if cut_from_depth.is_none() {
            out.push(b);
        }
    }
    (out.len() != data.len() || out != data).then_some(out)
}

/// Adds a request's inputs while it has room, and builds the dotted key paths of nested
/// data. Every adding method returns `false` once the request is full, so that callers
/// walking big structures stop early.
#[derive(Debug)]
pub struct Collector<'r> {
    request: &'r mut Request,
    max_inputs: usize,
    max_depth: usize,
    truncated: bool,
    /// The key path of the value being walked (`user.tags[2]`).
    path: Vec<u8>,
    /// Percent-decoding buffers.
    key: Vec<u8>,
    value: Vec<u8>,
}

impl<'r> Collector<'r> {
    /// Collects into `request`, which keeps at most `max_inputs` inputs in all (the
    /// inputs it already holds count).
    pub fn new(request: &'r mut Request, max_inputs: usize) -> Collector<'r> {
        Collector {
            request,
            max_inputs,
            max_depth: DEFAULT_MAX_DEPTH,
            truncated: false,
            path: Vec::new(),
            key: Vec::new(),
            value: Vec::new(),
        }
    }

    /// Follows at most `max_depth` levels of nesting; deeper parts are left out.
    pub fn with_max_depth(mut self, max_depth: usize) -> Collector<'r> {
        self.max_depth = max_depth;
        self
    }

    /// The request, for what is not an input (method, path, host).
    pub fn request(&mut self) -> &mut Request {
        self.request
    }

    /// Whether inputs were left out (count or depth).
    pub fn truncated(&self) -> bool {
        self.truncated
    }

    /// Records that the caller left inputs out.
    pub fn mark_truncated(&mut self) {
        self.truncated = true;
    }

    /// Adds one input while the request has room.
    pub fn add(&mut self, source: Source, key: &[u8], value: &[u8]) -> bool {
        if self.request.len() >= self.max_inputs {
            self.truncated = true;
            return false;
        }
        self.request.add_input(source, key, value);
        true
    }

    /// A key/value pair; the key is an input too unless it is a plain word.
    pub fn pair(&mut self, source: Source, key: &[u8], value: &[u8]) -> bool {
        (is_word(key) || self.add(source, key, key)) && self.add(source, key, value)
    }

    /// `a=1&b=%27+x`: percent-decoded pairs, `+` as space.
    pub fn urlencoded(&mut self, source: Source, data: &[u8]) -> bool {
        let (mut key, mut value) = (std::mem::take(&mut self.key), std::mem::take(&mut self.value));
        let mut more = true;
        for field in data.split(|&b| b == b'&').filter(|f| !f.is_empty()) {
            let (k, v) = match field.iter().position(|&b| b == b'=') {
                Some(eq) => (&field[..eq], &field[eq + 1..]),
                None => (field, &b""[..]),
            };
            percent_decode(k, &mut key);
            percent_decode(v, &mut value);
            if !self.pair(source, &key, &value) {
                more = false;
                break;
            }
        }
        (self.key, self.value) = (key, value);
        more
    }

    /// A Cookie header, leniently, as browsers send it (`a=1; b="2"`). A value holding
    /// `%` escapes is added as sent and percent-decoded (`+` kept): Express's
    /// cookie-parser and PHP's `$_COOKIE` hand applications the decoded value, others the
    /// raw one.
    pub fn cookies(&mut self, header: &[u8]) -> bool {
        let mut decoded = std::mem::take(&mut self.value);
        let mut more = true;
        for part in header.split(|&b| b == b';') {
            let Some(eq) = part.iter().position(|&b| b == b'=') else { continue };
            let name = part[..eq].trim_ascii();
            let mut value = part[eq + 1..].trim_ascii();
            if value.len() >= 2 && value[0] == b'"' && value[value.len() - 1] == b'"' {
                value = &value[1..value.len() - 1];
            }
            if !self.add(Source::Cookie, name, value) {
                more = false;
                break;
            }
            if value.contains(&b'%') {
                decode(value, &mut decoded, false);
                if decoded != value && !self.add(Source::Cookie, name, &decoded) {
                    more = false;
                    break;
                }
            }
        }
        self.value = decoded;
        more
    }

    /// One header, by lower-case name: protocol headers are skipped.
    pub fn header(&mut self, lower_name: &[u8], value: &[u8]) -> bool {
        is_protocol_header(lower_name) || self.add(Source::Header, lower_name, value)
    }

    /// One header by its name in any case, as containers hand them: `Cookie` is split
    /// into cookies, protocol headers are skipped.
    pub fn header_any_case(&mut self, name: &[u8], value: &[u8]) -> bool {
        let mut lower = std::mem::take(&mut self.key);
        lower.clear();
        lower.extend(name.iter().map(u8::to_ascii_lowercase));
        let more = if lower == b"cookie" { self.cookies(value) } else { self.header(&lower, value) };
        self.key = lower;
        more
    }

    /// A JSON document, flattened into `body` inputs; nothing for invalid JSON (the
    /// application rejects it too) or nesting beyond serde_json's own limit.
    ///
    /// An escaped lone surrogate (`"\ud800"`) is read as U+FFFD: JavaScript's and
    /// Python's parsers accept it, so an application would run on the body while a
    /// strict parser would drop every input of it.
    pub fn json(&mut self, data: &[u8]) -> bool {
        let document = match serde_json::from_slice::<serde_json::Value>(data) {
            Ok(document) => document,
            Err(_) => {
                // What a lenient parser accepts and serde_json does not: lone surrogates,
                // and nesting past serde_json's limit (128), which would otherwise hide
                // every input of a body that also holds one deep array.
                // The cut is at a fixed depth, not at `max_depth`: cutting at the limit
                // would also cut away a syntax error below it, so that a smaller limit
                // could read inputs from a body a larger one rejects.
                let mut repaired = replace_lone_surrogates(data);
                if let Some(cut) = cut_deep_nesting(&repaired, LENIENT_CUT_DEPTH) {
                    self.truncated = true;
                    repaired = cut;
                }
                match serde_json::from_slice::<serde_json::Value>(&repaired) {
                    Ok(document) => document,
                    Err(_) => return true,
                }
            }
        };
        self.json_value(&document)
    }

    /// An already parsed JSON value, flattened into `body` inputs.
    pub fn json_value(&mut self, document: &serde_json::Value) -> bool {
        self.path.clear();
        self.json_node(document, 0)
    }

    fn json_node(&mut self, node: &serde_json::Value, depth: usize) -> bool {
        use serde_json::Value;
        match node {
            Value::String(s) => self.add_here(Source::Body, s.as_bytes()),
            Value::Number(n) => self.add_here(Source::Body, n.to_string().as_bytes()),
            Value::Bool(_) | Value::Null => true,
            Value::Object(_) | Value::Array(_) if depth >= self.max_depth => {
                self.truncated = true;
                true
            }
            Value::Object(map) => map.iter().all(|(key, value)| {
                let mark = self.enter_key(Source::Body, key.as_bytes());
                let more = mark.is_some() && self.json_node(value, depth + 1);
                self.leave(mark);
                more
            }),
            Value::Array(items) => items.iter().enumerate().all(|(index, value)| {
                let mark = self.enter_index(index);
                let more = self.json_node(value, depth + 1);
                self.leave(Some(mark));
                more
            }),
        }
    }

    /// Whether walking one level deeper than `depth` stays within the depth limit;
    /// records the truncation when it does not.
    pub fn may_descend(&mut self, depth: usize) -> bool {
        if depth >= self.max_depth {
            self.truncated = true;
            return false;
        }
        true
    }

    /// Steps into the member `key` of a map: appends `.key` to the path (`key` at the
    /// top) and adds the key itself as an input unless it is a plain word. Returns the
    /// mark to pass to [`Collector::leave`], or `None` when the request is full (leave
    /// it anyway).
    pub fn enter_key(&mut self, source: Source, key: &[u8]) -> Option<usize> {
        let mark = self.path.len();
        if !self.path.is_empty() {
            self.path.push(b'.');
        }
        self.path.extend_from_slice(key);
        if is_word(key) || self.add_path_input(source, key) {
            Some(mark)
        } else {
            self.path.truncate(mark);
            None
        }
    }

    /// Steps into the element `index` of a list: appends `[index]` to the path.
    pub fn enter_index(&mut self, index: impl std::fmt::Display) -> usize {
        use std::io::Write;
        let mark = self.path.len();
        // Writing into a Vec cannot fail.
        let _ = write!(self.path, "[{index}]");
        mark
    }

    /// Steps back out of what [`Collector::enter_key`] or [`Collector::enter_index`]
    /// entered.
    pub fn leave(&mut self, mark: Option<usize>) {
        if let Some(mark) = mark {
            self.path.truncate(mark);
        }
    }

    /// Adds `value` as the input at the current path.
    pub fn add_here(&mut self, source: Source, value: &[u8]) -> bool {
        self.add_path_input(source, value)
    }

    fn add_path_input(&mut self, source: Source, value: &[u8]) -> bool {
        if self.request.len() >= self.max_inputs {
            self.truncated = true;
            return false;
        }
        self.request.add_input(source, &self.path, value);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(max_inputs: usize, f: impl FnOnce(&mut Collector<'_>)) -> (Vec<(String, String, String)>, bool) {
        let mut request = Request::new();
        let mut collector = Collector::new(&mut request, max_inputs);
        f(&mut collector);
        let truncated = collector.truncated();
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        (request.inputs().map(|i| (i.source.name().to_owned(), text(i.key), text(i.value))).collect(), truncated)
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
    fn urlencoded_cookies_and_headers() {
        let (got, truncated) = collect(100, |c| {
            c.urlencoded(Source::Query, b"a=1&&b=%27+OR+1%3D1&c&f%5Bx%27%5D=2");
            c.header_any_case(b"Cookie", b"sid=abc; theme=\"dark\"; broken; x= y ; q=%27+OR%201; p=100%");
            for (n, v) in
                [("User-Agent", "curl"), ("Accept-Encoding", "gzip"), ("sec-fetch-mode", "cors"), ("X-T", "1")]
            {
                c.header_any_case(n.as_bytes(), v.as_bytes());
            }
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
                t("cookie", "q", "%27+OR%201"),
                t("cookie", "q", "'+OR 1"),
                t("cookie", "p", "100%"),
                t("header", "user-agent", "curl"),
                t("header", "x-t", "1"),
            ]
        );
        assert!(!truncated);
    }

    #[test]
    fn json_flattening() {
        let (got, _) = collect(100, |c| {
            assert!(c.json(br#"{"user":{"e":"a@x","tags":["x",2,1.5,true,null],"k' OR 1":1},"ids":[7]}"#))
        });
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
        let (got, truncated) = collect(100, |c| {
            c.json(b"{not json");
            c.json(b"[\"top\"]");
        });
        assert_eq!((got, truncated), (vec![t("body", "[0]", "top")], false));
    }

    #[test]
    fn json_with_lone_surrogates_is_read_like_javascript_reads_it() {
        let (got, _) = collect(100, |c| {
            c.json(br#"{"a":"\ud800' OR 1=1--","b":"\ud83d\ude00 ok","c":"\\ud800","d":"x\udc00"}"#);
        });
        assert_eq!(
            got,
            vec![
                t("body", "a", "\u{fffd}' OR 1=1--"),
                t("body", "b", "\u{1f600} ok"),
                t("body", "c", "\\ud800"),
                t("body", "d", "x\u{fffd}"),
            ]
        );
    }

    #[test]
    fn limits_on_count_and_depth() {
        let (got, truncated) = collect(2, |c| assert!(!c.json(br#"{"a":"1","b":"2","c":"3"}"#)));
        assert_eq!((got.len(), truncated), (2, true));
        let (got, truncated) = collect(2, |c| assert!(!c.urlencoded(Source::Query, b"a=1&b=2&c=3")));
        assert_eq!((got.len(), truncated), (2, true));
        // A key that is an input counts too: the request fills up on it.
        let (got, truncated) = collect(1, |c| assert!(!c.json(br#"{"it's":"x"}"#)));
        assert_eq!((got, truncated), (vec![t("body", "it's", "it's")], true));

        let deep = format!("{}\"x\"{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(collect(100, |c| assert!(c.json(deep.as_bytes()))).0.is_empty());
        // Nesting past serde_json's own limit next to an attack: the attack is still read.
        let beside = format!(r#"{{"u":"' OR 1=1--","junk":{}"[x]"{},"v":["a"]}}"#, "[".repeat(500), "]".repeat(500));
        let (got, truncated) = collect(100, |c| assert!(c.json(beside.as_bytes())));
        assert_eq!((got, truncated), (vec![t("body", "u", "' OR 1=1--"), t("body", "v[0]", "a")], true));
        let mut request = Request::new();
        let mut c = Collector::new(&mut request, 100).with_max_depth(2);
        c.json(b"{\"a\":{\"b\":{\"c\":\"deep\"}},\"s\":\"x\"}");
        assert!(c.truncated());
        assert_eq!(request.len(), 1);
    }

    #[test]
    fn walking_nested_maps() {
        // What a binding does for a map it walks itself (PHP's `$_GET`, say).
        let (got, _) = collect(100, |c| {
            let user = c.enter_key(Source::Query, b"user");
            let name = c.enter_key(Source::Query, b"na me");
            c.add_here(Source::Query, b"O'Brien");
            c.leave(name);
            let second = c.enter_index(1);
            c.add_here(Source::Query, b"x");
            c.leave(Some(second));
            c.leave(user);
            c.add(Source::Query, b"page", b"2");
        });
        assert_eq!(
            got,
            vec![
                t("query", "user.na me", "na me"),
                t("query", "user.na me", "O'Brien"),
                t("query", "user[1]", "x"),
                t("query", "page", "2"),
            ]
        );
    }
}
