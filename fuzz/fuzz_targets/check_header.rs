//! Engine::check_header (resource: name 0x1F value): an attack's span is an occurrence
//! of the offending input in the value, or in the name for a name injection; no
//! occurrence, no attack.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rampart_core::Reason;
use rampart_fuzz::{contains, engine, span_bytes, Case};

fuzz_target!(|data: &[u8]| {
    let case = Case::parse(data);
    let (name, value) = match case.resource.iter().position(|&b| b == rampart_fuzz::UNIT) {
        Some(at) => (&case.resource[..at], &case.resource[at + 1..]),
        None => (&b"Location"[..], case.resource),
    };
    let verdict = engine().check_header(&case.request, name, value);
    assert_eq!(verdict, engine().check_header(&case.request, name, value), "not deterministic");
    if !verdict.is_attack() {
        return;
    }
    let input = case.request.input(verdict.input_index.expect("input")).expect("input index in range").value;
    let span = verdict.span.expect("an attack has a span");
    let part = if verdict.reason == Some(Reason::HeaderNameInjection) { name } else { value };
    assert!(contains(part, input), "attack {verdict:?} but the input does not occur");
    assert_eq!(span_bytes("check_header", part, span), input, "span is not the input");
});
