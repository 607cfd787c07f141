//! Engine::check_sql for every dialect (the first byte picks it): an attack's span is an
//! occurrence of the offending input in the query; no occurrence, no attack.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rampart_core::Dialect;
use rampart_fuzz::{engine, exact, occurrence_oracle, Case};

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let dialect = Dialect::from_code(u32::from(pick % 6) + 1).expect("codes 1..=6 are dialects");
    let case = Case::parse(rest);
    let query = case.resource;
    occurrence_oracle("check_sql", &case, query, exact, |request| engine().check_sql(request, dialect, query));
});
