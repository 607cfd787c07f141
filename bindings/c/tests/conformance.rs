//! Every conformance vector through the extern "C" functions, compared field by field
//! with the core's own verdict: the C ABI adds nothing and loses nothing. Every kind of
//! case has its C check, so none is skipped. (The C runner, tests/conformance.c, checks
//! the same vectors against their `expect` from C.)

#![allow(unsafe_code)] // calls the extern "C" functions, as C would

use std::collections::BTreeMap;
use std::mem::MaybeUninit;
use std::path::{Path, PathBuf};
use std::ptr;

use rampart::rampart_status::RAMPART_STATUS_OK;
use rampart::*;
use rampart_core::vectors::{Case, Outcome, Resource};
use rampart_core::{Engine, Policy, Request};

/// The non-blank lines of every vector file: each is one case.
fn vector_lines() -> Vec<String> {
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
        .collect()
}

/// Runs `case`'s check through the C ABI on `request` (already holding its inputs), as
/// a C host would: the same steps as the core's `Case::check`.
///
/// # Safety
/// `request` must be a live request.
unsafe fn check_through_abi(request: *mut rampart_request, case: &Case) -> rampart_verdict {
    let mut verdict = MaybeUninit::<rampart_verdict>::uninit();
    let out = verdict.as_mut_ptr();
    let text = |what: &str| match &case.resource {
        Resource::Text(text) => text.clone(),
        Resource::Argv(_) => panic!("{}: {what} needs a text resource", case.id),
    };
    let status = match case.kind.as_str() {
        "sql" => {
            let name = case.dialect.as_deref().unwrap_or("generic");
            let mut dialect = 0;
            assert_eq!(rampart_dialect_from_name(name.as_ptr(), name.len(), &mut dialect), RAMPART_STATUS_OK);
            let query = text("sql");
            rampart_check_sql(request, dialect, query.as_ptr(), query.len(), out)
        }
        "shell" => {
            let command = text("shell");
            rampart_check_shell(request, command.as_ptr(), command.len(), out)
        }
        "exec" => {
            let Resource::Argv(argv) = &case.resource else { panic!("{}: exec needs an argv", case.id) };
            let args: Vec<rampart_bytes> =
                argv.iter().map(|a| rampart_bytes { data: a.as_ptr(), len: a.len() }).collect();
            rampart_check_exec(request, args.as_ptr(), args.len(), out)
        }
        "nosql" => {
            let filter = text("nosql");
            rampart_check_nosql(request, filter.as_ptr(), filter.len(), out)
        }
        "path" => {
            let path = text("path");
            rampart_check_path(request, path.as_ptr(), path.len(), out)
        }
        "url" => {
            let url = text("url");
            let status = rampart_check_url(request, url.as_ptr(), url.len(), out);
            match (&case.host, &case.ip) {
                (Some(host), Some(ip)) if status == RAMPART_STATUS_OK && (*out).threat == 0 => {
                    rampart_check_resolved_ip(request, host.as_ptr(), host.len(), ip.as_ptr(), ip.len(), out)
                }
                _ => status,
            }
        }
        "redirect" => {
            let location = text("redirect");
            rampart_check_redirect(request, location.as_ptr(), location.len(), out)
        }
        "header" => {
            let name = case.name.as_deref().expect("a header case has a name");
            let value = text("header");
            rampart_check_header(request, name.as_ptr(), name.len(), value.as_ptr(), value.len(), out)
        }
        other => panic!("{}: kind `{other}` has no C check", case.id),
    };
    assert_eq!(status, RAMPART_STATUS_OK, "{}", case.id);
    verdict.assume_init()
}

#[test]
fn the_abi_returns_the_cores_verdicts() {
    let policy = br#"{"mode": "block"}"#;
    let core = Engine::new(Policy::from_json(policy).expect("policy")).expect("engine");
    let mut core_request = Request::new();
    let lines = vector_lines();

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

        let mut per_kind = BTreeMap::<String, usize>::new();
        let mut attacks = 0;
        for line in &lines {
            let case = Case::from_json(line).expect("valid case");
            let Outcome::Checked(expected) = case.run(&core, &mut core_request) else {
                panic!("{}: the core has no check for kind `{}`", case.id, case.kind);
            };
            assert_eq!(rampart_request_reset(request), RAMPART_STATUS_OK);
            let host = core_request.host();
            assert_eq!(rampart_request_set_host(request, host.as_ptr(), host.len()), RAMPART_STATUS_OK);
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
            let verdict = check_through_abi(request, &case);
            assert_eq!(verdict, rampart_verdict::from(expected), "{}", case.id);
            attacks += usize::from(expected.is_attack());
            *per_kind.entry(case.kind.clone()).or_default() += 1;
        }
        let checked: usize = per_kind.values().sum();
        eprintln!("C ABI: {checked} vectors ({attacks} attacks) checked, same verdicts as the core: {per_kind:?}");
        assert_eq!(checked, lines.len(), "every vector runs through the C ABI");
        for kind in ["sql", "shell", "exec", "nosql", "path", "url", "redirect", "header"] {
            assert!(per_kind.get(kind).is_some_and(|n| *n > 0), "no `{kind}` vectors ran");
        }
        rampart_request_free(request);
        rampart_engine_free(engine);
    }
}
