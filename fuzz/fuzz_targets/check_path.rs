//! Engine::check_path: an attack's span is an occurrence of the offending input in the path, as sent or percent-decoded once (the check searches both forms); no occurrence, no attack.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rampart_fuzz::{engine, occurrence_oracle, Case};

fuzz_target!(|data: &[u8]| {
    let case = Case::parse(data);
    let resource = case.resource;
    occurrence_oracle("check_path", &case, resource, rampart_fuzz::exact_or_percent_decoded, |request| {
        engine().check_path(request, resource)
    });
});
