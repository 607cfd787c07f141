//! Engine::check_exec (argv parts separated by 0x1F): an attack's span, an offset into
//! the arguments joined by one space, is an occurrence of the offending input there; no
//! occurrence, no attack.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rampart_fuzz::{engine, exact, occurrence_oracle, parts, Case};

fuzz_target!(|data: &[u8]| {
    let case = Case::parse(data);
    let argv = parts(case.resource);
    let joined = argv.join(&b' ');
    occurrence_oracle("check_exec", &case, &joined, exact, |request| engine().check_exec(request, &argv));
});
