//! Engine::check_resolved_ip (resource: host 0x1F ip): an attack means an input holds
//! the host name (ASCII case-insensitively, a trailing dot aside), and its span is the
//! whole host. Also checks the address parser on arbitrary text.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rampart_fuzz::{engine, Case};

fuzz_target!(|data: &[u8]| {
    let case = Case::parse(data);
    let (host, ip) = match case.resource.iter().position(|&b| b == rampart_fuzz::UNIT) {
        Some(at) => (&case.resource[..at], &case.resource[at + 1..]),
        None => (case.resource, &b"127.0.0.1"[..]),
    };
    let verdict = engine().check_resolved_ip(&case.request, host, ip);
    assert_eq!(verdict, engine().check_resolved_ip(&case.request, host, ip), "not deterministic");
    if !verdict.is_attack() {
        return;
    }
    let trimmed = host.strip_suffix(b".").unwrap_or(host);
    let value = case.request.input(verdict.input_index.expect("input")).expect("input index in range").value;
    let lower = |b: &[u8]| b.to_ascii_lowercase();
    assert!(
        !trimmed.is_empty() && lower(value).windows(trimmed.len()).any(|w| w == lower(trimmed).as_slice()),
        "attack {verdict:?} but the input does not hold the host"
    );
    let span = verdict.span.expect("an attack has a span");
    assert_eq!((span.start, span.end), (0, trimmed.len()), "span is not the host");
});
