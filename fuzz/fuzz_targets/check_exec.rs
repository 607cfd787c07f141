//! Engine::check_exec (argv parts separated by 0x1F): an attack's span, an offset into
//! the arguments joined by one space, is an occurrence of the offending input inside
//! one argument (never across the space that joins two); no occurrence, no attack.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rampart_fuzz::{contains, engine, exact, occurrence_oracle, parts, Case};

fuzz_target!(|data: &[u8]| {
    let case = Case::parse(data);
    let argv = parts(case.resource);
    let joined = argv.join(&b' ');
    occurrence_oracle("check_exec", &case, &joined, exact, |request| engine().check_exec(request, &argv));

    let verdict = engine().check_exec(&case.request, &argv);
    let Some(span) = verdict.span.filter(|_| verdict.is_attack()) else { return };
    // The argument the span starts in must hold all of it: execve sees arguments, and an
    // input is judged where it lies in one of them.
    let mut start = 0;
    for arg in &argv {
        let end = start + arg.len();
        if span.start >= start && span.start <= end {
            assert!(span.end <= end, "check_exec: span {span:?} crosses from argument {arg:?} into the next");
            let value = case.request.input(verdict.input_index.expect("input")).expect("in range").value;
            assert!(contains(arg, value), "check_exec: the input does not occur in the argument its span is in");
            return;
        }
        start = end + 1;
    }
});
