//! Engine::check_url: an attack's span is an occurrence of the offending input in the URL; no occurrence, no attack.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rampart_fuzz::{engine, occurrence_oracle, Case};

fuzz_target!(|data: &[u8]| {
    let case = Case::parse(data);
    let resource = case.resource;
    occurrence_oracle("check_url", &case, resource, rampart_fuzz::exact, |request| {
        engine().check_url(request, resource)
    });
});
