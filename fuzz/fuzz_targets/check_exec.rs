//! Engine::check_exec (argv parts separated by 0x1F): an attack's span, an offset into
//! the arguments joined by one space, lies inside an occurrence of the offending input
//! there; no occurrence, no attack.
//!
//! Weaker than the other checks' "the span is the input": a span found through the
//! remote-shell rule can be clamped to part of the occurrence
//! (`core/tests/fuzz_regressions.rs`, `exec_remote_shell_argument_span_is_the_input`).
//! Tighten this to equality when that is fixed.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rampart_fuzz::{engine, parts, span_bytes, Case};

fuzz_target!(|data: &[u8]| {
    let case = Case::parse(data);
    let argv = parts(case.resource);
    let joined = argv.join(&b' ');
    let verdict = engine().check_exec(&case.request, &argv);
    assert_eq!(verdict, engine().check_exec(&case.request, &argv), "not deterministic");
    if !verdict.is_attack() {
        return;
    }
    let value = case.request.input(verdict.input_index.expect("input")).expect("input index in range").value;
    let span = verdict.span.expect("an attack has a span");
    span_bytes("check_exec", &joined, span);
    let covered = !value.is_empty()
        && joined
            .windows(value.len())
            .enumerate()
            .any(|(at, w)| w == value && at <= span.start && span.end <= at + value.len());
    assert!(covered, "check_exec: span {span:?} is not inside an occurrence of {:?}", String::from_utf8_lossy(value));
});
