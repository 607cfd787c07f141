//! Engine::check_nosql: a JSON break-out's span is an occurrence of the offending input
//! in the filter; an operator finding (which matches decoded JSON keys an input's key or
//! object supplied, not an occurrence) has its span inside the filter. No input or key
//! occurs in any form the detector reads, no attack.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rampart_core::Reason;
use rampart_fuzz::{contains, engine, span_bytes, Case};

fuzz_target!(|data: &[u8]| {
    let case = Case::parse(data);
    let filter = case.resource;
    let verdict = engine().check_nosql(&case.request, filter);
    assert_eq!(verdict, engine().check_nosql(&case.request, filter), "not deterministic");
    if !verdict.is_attack() {
        return;
    }
    let input = case.request.input(verdict.input_index.expect("input")).expect("input index in range");
    let span = verdict.span.expect("an attack has a span");
    let bytes = span_bytes("check_nosql", filter, span);
    if verdict.reason == Some(Reason::NosqlJsonEscape) {
        assert!(contains(filter, input.value), "break-out {verdict:?} but the input does not occur");
        assert_eq!(bytes, input.value, "span is not the input");
    } else {
        // An operator: the filter must hold a `$` (escaped as \u0024 at worst).
        assert!(contains(filter, b"$") || contains(filter, b"\\u0024"), "operator {verdict:?} without a `$`");
    }
});
