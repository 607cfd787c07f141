//! Every conformance vector through the extern "C" functions, compared field by field
//! with the core's own verdict: the C ABI adds nothing and loses nothing. Every kind of
//! case has its C check, so none is skipped, and each check call is counted by a
//! counting allocator: the ABI's checks allocate nothing either. (The C runner,
//! tests/conformance.c, checks the same vectors against their `expect` from C.)

#![allow(unsafe_code)] // calls the extern "C" functions, as C would

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::collections::BTreeMap;
use std::mem::MaybeUninit;
use std::path::{Path, PathBuf};
use std::ptr;

use rampart::rampart_status::RAMPART_STATUS_OK;
use rampart::*;
use rampart_core::vectors::{Case, Outcome, Resource};
use rampart_core::{Engine, Policy, Request};

struct Counting;

// Per thread: the test harness's own threads must not count.
thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards every call to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            ALLOCATIONS.with(|n| n.set(n.get() + 1));
        }
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            ALLOCATIONS.with(|n| n.set(n.get() + 1));
        }
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Runs `f`, and asserts it allocated nothing.
fn allocation_free<T>(what: &str, f: impl FnOnce() -> T) -> T {
    ALLOCATIONS.with(|n| n.set(0));
    COUNTING.with(|c| c.set(true));
    let out = f();
    COUNTING.with(|c| c.set(false));
    assert_eq!(ALLOCATIONS.with(Cell::get), 0, "{what} allocated");
    out
}

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
        Resource::Text(text) => text.as_str(),
        Resource::Argv(_) => panic!("{}: {what} needs a text resource", case.id),
    };
    let id = case.id.as_str();
    let status = match case.kind.as_str() {
        "sql" => {
            let name = case.dialect.as_deref().unwrap_or("generic");
            let mut dialect = 0;
            assert_eq!(rampart_dialect_from_name(name.as_ptr(), name.len(), &mut dialect), RAMPART_STATUS_OK);
            let query = text("sql");
            allocation_free(id, || rampart_check_sql(request, dialect, query.as_ptr(), query.len(), out))
        }
        "shell" => {
            let command = text("shell");
            allocation_free(id, || rampart_check_shell(request, command.as_ptr(), command.len(), out))
        }
        "exec" => {
            let Resource::Argv(argv) = &case.resource else { panic!("{}: exec needs an argv", case.id) };
            let args: Vec<rampart_bytes> =
                argv.iter().map(|a| rampart_bytes { data: a.as_ptr(), len: a.len() }).collect();
            allocation_free(id, || rampart_check_exec(request, args.as_ptr(), args.len(), out))
        }
        "nosql" => {
            let filter = text("nosql");
            allocation_free(id, || rampart_check_nosql(request, filter.as_ptr(), filter.len(), out))
        }
        "path" => {
            let path = text("path");
            allocation_free(id, || rampart_check_path(request, path.as_ptr(), path.len(), out))
        }
        "url" => {
            let url = text("url");
            let status = allocation_free(id, || rampart_check_url(request, url.as_ptr(), url.len(), out));
            match (&case.host, &case.ip) {
                (Some(host), Some(ip)) if status == RAMPART_STATUS_OK && (*out).threat == 0 => {
                    allocation_free(id, || {
                        rampart_check_resolved_ip(request, host.as_ptr(), host.len(), ip.as_ptr(), ip.len(), out)
                    })
                }
                _ => status,
            }
        }
        "redirect" => {
            let location = text("redirect");
            allocation_free(id, || rampart_check_redirect(request, location.as_ptr(), location.len(), out))
        }
        "header" => {
            let name = case.name.as_deref().expect("a header case has a name");
            let value = text("header");
            allocation_free(id, || {
                rampart_check_header(request, name.as_ptr(), name.len(), value.as_ptr(), value.len(), out)
            })
        }
        "payload" => {
            // Each thread's inspection buffers grow to the largest request seen: the first
            // call may allocate, the steady state (the same request again) must not.
            assert_eq!(rampart_inspect(request, out), RAMPART_STATUS_OK);
            allocation_free(id, || rampart_inspect(request, out))
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
            let (path, method) = (core_request.path(), core_request.method());
            assert_eq!(rampart_request_set_path(request, path.as_ptr(), path.len()), RAMPART_STATUS_OK);
            assert_eq!(rampart_request_set_method(request, method.as_ptr(), method.len()), RAMPART_STATUS_OK);
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
        assert!(checked >= 3000, "{checked} vectors: testdata/vectors went missing?");
        for kind in ["sql", "shell", "exec", "nosql", "path", "url", "redirect", "header", "payload"] {
            assert!(per_kind.get(kind).is_some_and(|n| *n > 0), "no `{kind}` vectors ran");
        }
        rampart_request_free(request);
        rampart_engine_free(engine);
    }
}

/// The defined behaviour beyond `RAMPART_EXEC_INLINE_ARGS`: the same verdict, for one
/// allocation (the argv's slices); up to it, none.
#[test]
fn long_argvs_cost_one_allocation() {
    let policy = br#"{"mode": "block"}"#;
    // SAFETY: pointers from this library's constructors and live Rust slices.
    unsafe {
        let mut engine = ptr::null();
        assert_eq!(
            rampart_engine_new(policy.as_ptr(), policy.len(), &mut engine, ptr::null_mut(), 0),
            RAMPART_STATUS_OK
        );
        let mut request = ptr::null_mut();
        assert_eq!(rampart_request_new(engine, &mut request), RAMPART_STATUS_OK);
        let (key, value) = (b"q", b"--upload-pack=id");
        assert_eq!(
            rampart_request_add_input(request, 0, key.as_ptr(), key.len(), value.as_ptr(), value.len()),
            RAMPART_STATUS_OK
        );
        let arg = |s: &'static [u8]| rampart_bytes { data: s.as_ptr(), len: s.len() };
        for argc in [RAMPART_EXEC_INLINE_ARGS, RAMPART_EXEC_INLINE_ARGS + 1, 4 * RAMPART_EXEC_INLINE_ARGS] {
            let mut argv = vec![arg(b"git"), arg(b"fetch")];
            argv.resize(argc - 1, arg(b"a"));
            argv.push(arg(value));
            let mut verdict = MaybeUninit::<rampart_verdict>::uninit();
            ALLOCATIONS.with(|n| n.set(0));
            COUNTING.with(|c| c.set(true));
            let status = rampart_check_exec(request, argv.as_ptr(), argv.len(), verdict.as_mut_ptr());
            COUNTING.with(|c| c.set(false));
            assert_eq!(status, RAMPART_STATUS_OK);
            let expected = usize::from(argc > RAMPART_EXEC_INLINE_ARGS);
            assert_eq!(ALLOCATIONS.with(Cell::get), expected, "argc {argc}");
            let verdict = verdict.assume_init();
            assert_eq!(verdict.threat, rampart_threat::RAMPART_THREAT_COMMAND_INJECTION as u32, "argc {argc}");
            assert_eq!(verdict.reason, rampart_reason::RAMPART_REASON_EXEC_OPTION as u32, "argc {argc}");
        }
        rampart_request_free(request);
        rampart_engine_free(engine);
    }
}
