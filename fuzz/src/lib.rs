//! Shared pieces of the fuzz targets: the case format, the engine, and the oracles.
//!
//! # Case format (what `scripts/fuzz-seeds` writes and the fuzzer mutates)
//!
//! A case is the resource, then the request's inputs, separated by `0x1E` (record
//! separator): `resource 0x1E input 0x1E input ...`. An input holding `0x1F` (unit
//! separator) is `key 0x1F value`; otherwise its key is `q<index>`. Sinks with two
//! parts (exec's argv, a header's name and value, a host and its address) separate them
//! with `0x1F` inside the resource. Targets that need a choice (a SQL dialect) read it
//! from the first byte.

use std::sync::OnceLock;

use rampart_core::{Engine, Policy, Request, Source, Span, Verdict};

/// Separates the resource and the inputs of a case.
pub const RECORD: u8 = 0x1E;
/// Separates the key and value of an input, or the parts of a resource.
pub const UNIT: u8 = 0x1F;
/// At most this many inputs per case: enough to exercise every code path.
pub const MAX_INPUTS: usize = 16;

/// One fuzz case: the resource and the request built from the inputs.
pub struct Case<'a> {
    pub resource: &'a [u8],
    pub request: Request,
}

impl<'a> Case<'a> {
    /// Splits `data` into a resource and a request (see the module docs).
    pub fn parse(data: &'a [u8]) -> Case<'a> {
        let mut records = data.split(|&b| b == RECORD);
        let resource = records.next().unwrap_or_default();
        let mut request = Request::new();
        request.set_path(b"/fuzz");
        request.set_host(b"app.example.com");
        for (i, record) in records.take(MAX_INPUTS).enumerate() {
            let source = SOURCES[i % SOURCES.len()];
            match record.iter().position(|&b| b == UNIT) {
                Some(at) => request.add_input(source, &record[..at], &record[at + 1..]),
                None => request.add_input(source, format!("q{i}").as_bytes(), record),
            }
        }
        Case { resource, request }
    }

    /// The values of the request's inputs, in order.
    pub fn values(&self) -> Vec<&[u8]> {
        self.request.inputs().map(|input| input.value).collect()
    }
}

const SOURCES: [Source; 4] = [Source::Query, Source::Body, Source::Header, Source::Cookie];

/// The resource's parts separated by [`UNIT`].
pub fn parts(resource: &[u8]) -> Vec<&[u8]> {
    resource.split(|&b| b == UNIT).collect()
}

/// An engine with every protection set to block, built once per process.
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let json = br#"{"mode": "block", "protections": {
            "sql_injection": {"action": "block"}, "command_injection": {"action": "block"},
            "path_traversal": {"action": "block"}, "ssrf": {"action": "block"},
            "nosql_injection": {"action": "block"}, "open_redirect": {"action": "block"},
            "header_injection": {"action": "block"}, "malicious_payload": {"action": "block"}}}"#;
        Engine::new(Policy::from_json(json).expect("the fuzz policy is valid")).expect("the fuzz engine builds")
    })
}

/// True when `needle` occurs in `haystack` (the empty needle occurs everywhere).
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

/// The common oracle of the occurrence-based checks. `check` runs the check; it must be
/// deterministic. When it finds an attack:
/// - the offending input exists and the span lies inside `resource`;
/// - the span's bytes are one of `forms(value)` (the value itself, or a decoded form
///   the detector is documented to search for).
///
/// And when no form of any input occurs in `resource`, the check must allow.
pub fn occurrence_oracle(
    name: &str,
    case: &Case<'_>,
    resource: &[u8],
    forms: impl Fn(&[u8]) -> Vec<Vec<u8>>,
    check: impl Fn(&Request) -> Verdict,
) {
    let verdict = check(&case.request);
    assert_eq!(verdict, check(&case.request), "{name}: the same check gave two verdicts");
    let any_occurs = case.values().iter().any(|v| forms(v).iter().any(|f| contains(resource, f)));
    if !verdict.is_attack() {
        return;
    }
    assert!(any_occurs, "{name}: attack {verdict:?} but no input occurs in the resource");
    let index = verdict.input_index.expect("an attack names its input");
    let value = case.request.input(index).expect("the attack's input index is in range").value;
    let span = verdict.span.expect("an attack has a span");
    let bytes = span_bytes(name, resource, span);
    assert!(
        forms(value).iter().any(|f| f.as_slice() == bytes),
        "{name}: span {span:?} holds {:?}, not the input {:?}",
        String::from_utf8_lossy(bytes),
        String::from_utf8_lossy(value)
    );
}

/// The bytes of `span` in `resource`, asserting the span is inside it.
pub fn span_bytes<'r>(name: &str, resource: &'r [u8], span: Span) -> &'r [u8] {
    assert!(
        span.start <= span.end && span.end <= resource.len(),
        "{name}: span {span:?} outside the resource of {} bytes",
        resource.len()
    );
    &resource[span.start..span.end]
}

/// Only the value itself.
pub fn exact(value: &[u8]) -> Vec<Vec<u8>> {
    vec![value.to_vec()]
}

/// The value and its percent-decoded form (malformed escapes kept as they are), the two
/// forms the path check searches for.
pub fn exact_or_percent_decoded(value: &[u8]) -> Vec<Vec<u8>> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut decoded = Vec::with_capacity(value.len());
    let mut i = 0;
    while i < value.len() {
        match (value[i], value.get(i + 1).and_then(|&b| hex(b)), value.get(i + 2).and_then(|&b| hex(b))) {
            (b'%', Some(hi), Some(lo)) => {
                decoded.push(hi << 4 | lo);
                i += 3;
            }
            (b, _, _) => {
                decoded.push(b);
                i += 1;
            }
        }
    }
    vec![value.to_vec(), decoded]
}

/// Lexer oracle: `spans` (start, end) tile `0..len` exactly, in order, each non-empty.
pub fn assert_tiles(name: &str, len: usize, spans: &[(usize, usize)]) {
    let mut at = 0;
    for (i, &(start, end)) in spans.iter().enumerate() {
        assert_eq!(start, at, "{name}: token {i} starts at {start}, the previous ended at {at}");
        assert!(end > start, "{name}: token {i} is empty at {start}");
        at = end;
    }
    assert_eq!(at, len, "{name}: tokens end at {at}, the input has {len} bytes");
}
