//! Every conformance vector through the extern "C" functions, compared field by field
//! with the core's own verdict: the C ABI adds nothing and loses nothing. (The C runner,
//! tests/conformance.c, checks the same vectors against their `expect` from C.)

#![allow(unsafe_code)] // calls the extern "C" functions, as C would

use std::path::{Path, PathBuf};
use std::ptr;

use rampart::rampart_status::RAMPART_STATUS_OK;
use rampart::*;
use rampart_core::vectors::{Case, Outcome, Resource};
use rampart_core::{Engine, Policy, Request};

fn cases() -> Vec<Case> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/vectors");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("testdata/vectors")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl") && !p.ends_with("skip.jsonl"))
        .collect();
    files.sort();
    files
        .iter()
        .flat_map(|f| std::fs::read_to_string(f).expect("UTF-8").lines().map(str::to_owned).collect::<Vec<_>>())
        .filter(|l| !l.trim().is_empty())
        .map(|l| Case::from_json(&l).expect("valid case"))
        .collect()
}

#[test]
fn the_abi_returns_the_cores_verdicts() {
    let policy = br#"{"mode": "block"}"#;
    let core = Engine::new(Policy::from_json(policy).expect("policy")).expect("engine");
    let mut core_request = Request::new();

    // SAFETY: every pointer below is either from this library's constructors or a live
    // Rust slice of the stated length.
    unsafe {
        let mut engine = ptr::null();
        assert_eq!(
            rampart_engine_new(policy.as_ptr(), policy.len(), &mut engine, ptr::null_mut(), 0),
            RAMPART_STATUS_OK
        );
        let mut request = ptr::null_mut();
        assert_eq!(rampart_request_new(engine, &mut request), RAMPART_STATUS_OK);

        let mut checked = 0;
        let mut not_in_abi = std::collections::BTreeMap::<String, usize>::new();
        for case in cases() {
            let Outcome::Checked(expected) = case.run(&core, &mut core_request) else { continue };
            // Kinds the core checks but the C ABI does not yet are counted, as in the C
            // runner (tests/conformance.c), not failed.
            let (Resource::Text(query), "sql") = (&case.resource, case.kind.as_str()) else {
                *not_in_abi.entry(case.kind.clone()).or_default() += 1;
                continue;
            };
            assert_eq!(rampart_request_reset(request), RAMPART_STATUS_OK);
            for input in core_request.inputs() {
                let status = rampart_request_add_input(
                    request,
                    input.source.code(),
                    input.key.as_ptr(),
                    input.key.len(),
                    input.value.as_ptr(),
                    input.value.len(),
                );
                assert_eq!(status, RAMPART_STATUS_OK);
            }
            let name = case.dialect.as_deref().unwrap_or("generic");
            let mut dialect = 0;
            assert_eq!(rampart_dialect_from_name(name.as_ptr(), name.len(), &mut dialect), RAMPART_STATUS_OK);
            let mut verdict = std::mem::MaybeUninit::<rampart_verdict>::uninit();
            let status = rampart_check_sql(request, dialect, query.as_ptr(), query.len(), verdict.as_mut_ptr());
            assert_eq!(status, RAMPART_STATUS_OK, "{}", case.id);
            assert_eq!(verdict.assume_init(), rampart_verdict::from(expected), "{}", case.id);
            checked += 1;
        }
        eprintln!(
            "C ABI: {checked} vectors checked, same verdicts as the core; kinds without a C check: {not_in_abi:?}"
        );
        assert!(checked >= 800, "checked {checked} vectors");
        rampart_request_free(request);
        rampart_engine_free(engine);
    }
}
