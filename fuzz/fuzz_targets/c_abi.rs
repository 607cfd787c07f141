//! The C ABI entry points (bindings/c), driven the way a C host drives them: make a
//! request, add inputs, check resources, format events, with hostile bytes everywhere.
//!
//! Oracles:
//! - every call returns a status the library documents (`rampart_status_str` knows it),
//!   and never `RAMPART_STATUS_PANIC`;
//! - the C ABI adds nothing to the core: each check's `rampart_verdict` is exactly the
//!   core engine's verdict for the same request and resource;
//! - the event size protocol holds: asking with no buffer gives the length, a buffer of
//!   length + 1 gets exactly that many bytes and a NUL, and they are one line of JSON;
//! - a policy that the core accepts builds an engine through the C ABI, and one it
//!   rejects fails with `RAMPART_STATUS_INVALID_POLICY` and a NUL-terminated message.
#![no_main]
use std::ffi::{c_char, CStr};
use std::ptr;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rampart::{
    rampart_bytes, rampart_check_exec, rampart_check_header, rampart_check_nosql, rampart_check_path,
    rampart_check_redirect, rampart_check_resolved_ip, rampart_check_shell, rampart_check_sql, rampart_check_url,
    rampart_engine, rampart_engine_free, rampart_engine_new, rampart_event_json, rampart_request,
    rampart_request_add_input, rampart_request_free, rampart_request_new, rampart_request_set_host,
    rampart_request_set_method, rampart_request_set_path, rampart_status, rampart_status_str, rampart_verdict,
};
use rampart_core::{Dialect, Engine, Policy, Request, Source, Verdict};
use rampart_fuzz::{parts, RECORD, UNIT};

/// The policy of the engines checked here: every protection blocks.
const POLICY: &[u8] = br#"{"mode": "block", "protections": {
    "sql_injection": {"action": "block"}, "command_injection": {"action": "block"},
    "path_traversal": {"action": "block"}, "ssrf": {"action": "block"},
    "nosql_injection": {"action": "block"}, "open_redirect": {"action": "block"},
    "header_injection": {"action": "block"}}}"#;

fn ok(name: &str, status: rampart_status) -> bool {
    // SAFETY: rampart_status_str returns a static NUL-terminated string for any code.
    let text = unsafe { CStr::from_ptr(rampart_status_str(status as u32)) };
    assert!(!text.to_bytes().is_empty(), "{name}: status {status:?} has no description");
    assert_ne!(status, rampart_status::RAMPART_STATUS_PANIC, "{name}: a panic crossed the C ABI");
    status == rampart_status::RAMPART_STATUS_OK
}

/// The engines of the checks, built once per process (building one compiles the rules):
/// the C ABI's, kept as an address, and the core's with the same policy.
fn engines() -> (*const rampart_engine, &'static Engine) {
    static ENGINES: OnceLock<(usize, Engine)> = OnceLock::new();
    let (c, core) = ENGINES.get_or_init(|| {
        let (engine, status, _) = new_engine(POLICY);
        assert!(ok("rampart_engine_new", status));
        (engine as usize, Engine::new(Policy::from_json(POLICY).expect("valid")).expect("builds"))
    });
    (*c as *const rampart_engine, core)
}

fn new_engine(policy: &[u8]) -> (*const rampart_engine, rampart_status, [u8; 256]) {
    let mut engine = ptr::null();
    let mut err = [0u8; 256];
    // SAFETY: every pointer is valid for the length given.
    let status = unsafe {
        rampart_engine_new(policy.as_ptr(), policy.len(), &mut engine, err.as_mut_ptr().cast::<c_char>(), err.len())
    };
    (engine, status, err)
}

// The first byte picks the sink and its options; the rest is `resource RECORD input
// RECORD input ...` as in every target (inputs: `key UNIT value`, or a bare value).
fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let mut records = rest.split(|&b| b == RECORD);
    let resource = records.next().unwrap_or_default();

    // A fuzzed policy: the C ABI agrees with the core on whether it is valid.
    if pick == 0xff {
        let core = Policy::from_json(resource).and_then(Engine::new);
        let (engine, status, err) = new_engine(resource);
        match core {
            Ok(_) => assert!(ok("rampart_engine_new", status) && !engine.is_null(), "core accepts, C ABI: {status:?}"),
            Err(_) => {
                assert_eq!(status, rampart_status::RAMPART_STATUS_INVALID_POLICY);
                assert!(engine.is_null());
                assert!(err.contains(&0), "the error message is NUL-terminated");
            }
        }
        // SAFETY: NULL or the engine just made.
        unsafe { rampart_engine_free(engine) };
        return;
    }

    let (engine, core_engine) = engines();
    let mut request: *mut rampart_request = ptr::null_mut();
    // SAFETY: a live engine and a writable out pointer.
    assert!(ok("rampart_request_new", unsafe { rampart_request_new(engine, &mut request) }));
    let mut mirror = Request::new();
    // SAFETY (this block): `request` is live and used by this thread only; every
    // (pointer, length) pair describes a live slice.
    unsafe {
        assert!(ok("set_path", rampart_request_set_path(request, b"/fuzz".as_ptr(), 5)));
        assert!(ok("set_host", rampart_request_set_host(request, b"app.example.com".as_ptr(), 15)));
        assert!(ok("set_method", rampart_request_set_method(request, b"POST".as_ptr(), 4)));
        mirror.set_path(b"/fuzz");
        mirror.set_host(b"app.example.com");
        mirror.set_method(b"POST");
        for (i, record) in records.take(16).enumerate() {
            let (key, value) = match record.iter().position(|&b| b == UNIT) {
                Some(at) => (&record[..at], &record[at + 1..]),
                None => (&b"q"[..], record),
            };
            // Source codes 0..=7: 0 and 7 are unknown and must be refused.
            let code = (u32::from(pick >> 4) + i as u32) % 8;
            let status = rampart_request_add_input(request, code, key.as_ptr(), key.len(), value.as_ptr(), value.len());
            match Source::from_code(code) {
                Some(source) => {
                    assert!(ok("add_input", status));
                    mirror.add_input(source, key, value);
                }
                None => assert_eq!(status, rampart_status::RAMPART_STATUS_INVALID_ARGUMENT),
            }
        }

        let mut verdict = rampart_verdict::from(Verdict::ALLOW);
        let (status, expected, sink) = match pick % 9 {
            0..=1 => {
                let dialect = u32::from(pick >> 1) % 7 + 1;
                let status = rampart_check_sql(request, dialect, resource.as_ptr(), resource.len(), &mut verdict);
                match Dialect::from_code(dialect) {
                    Some(d) => (status, Some(core_engine.check_sql(&mirror, d, resource)), 1),
                    None => (status, None, 1),
                }
            }
            2 => (
                rampart_check_shell(request, resource.as_ptr(), resource.len(), &mut verdict),
                Some(core_engine.check_shell(&mirror, resource)),
                2,
            ),
            3 => {
                let argv: Vec<&[u8]> = parts(resource);
                let c_argv: Vec<rampart_bytes> =
                    argv.iter().map(|a| rampart_bytes { data: a.as_ptr(), len: a.len() }).collect();
                (
                    rampart_check_exec(request, c_argv.as_ptr(), c_argv.len(), &mut verdict),
                    Some(core_engine.check_exec(&mirror, &argv)),
                    3,
                )
            }
            4 => (
                rampart_check_path(request, resource.as_ptr(), resource.len(), &mut verdict),
                Some(core_engine.check_path(&mirror, resource)),
                4,
            ),
            5 => (
                rampart_check_url(request, resource.as_ptr(), resource.len(), &mut verdict),
                Some(core_engine.check_url(&mirror, resource)),
                5,
            ),
            6 => (
                rampart_check_nosql(request, resource.as_ptr(), resource.len(), &mut verdict),
                Some(core_engine.check_nosql(&mirror, resource)),
                6,
            ),
            7 => (
                rampart_check_redirect(request, resource.as_ptr(), resource.len(), &mut verdict),
                Some(core_engine.check_redirect(&mirror, resource)),
                7,
            ),
            _ => {
                let p = parts(resource);
                let (a, b) = (p[0], p.get(1).copied().unwrap_or_default());
                if pick & 0x10 == 0 {
                    (
                        rampart_check_header(request, a.as_ptr(), a.len(), b.as_ptr(), b.len(), &mut verdict),
                        Some(core_engine.check_header(&mirror, a, b)),
                        8,
                    )
                } else {
                    (
                        rampart_check_resolved_ip(request, a.as_ptr(), a.len(), b.as_ptr(), b.len(), &mut verdict),
                        Some(core_engine.check_resolved_ip(&mirror, a, b)),
                        5,
                    )
                }
            }
        };
        match expected {
            Some(expected) => {
                assert!(ok("check", status), "a check on a live request failed: {status:?}");
                assert_eq!(verdict, rampart_verdict::from(expected), "the C ABI and the core disagree");
            }
            None => assert_eq!(status, rampart_status::RAMPART_STATUS_INVALID_ARGUMENT, "unknown dialect"),
        }

        // The event size protocol, on the verdict just made.
        let mut len = 0usize;
        let sized = rampart_event_json(
            request,
            &verdict,
            sink,
            resource.as_ptr(),
            resource.len(),
            ptr::null(),
            0,
            ptr::null_mut(),
            0,
            &mut len,
        );
        if expected.is_some_and(|v| v.is_attack()) {
            assert_eq!(sized, rampart_status::RAMPART_STATUS_BUFFER_TOO_SMALL);
            let mut buf = vec![0x55u8; len + 1];
            let mut written = 0usize;
            let status = rampart_event_json(
                request,
                &verdict,
                sink,
                resource.as_ptr(),
                resource.len(),
                ptr::null(),
                0,
                buf.as_mut_ptr().cast::<c_char>(),
                buf.len(),
                &mut written,
            );
            assert!(ok("rampart_event_json", status));
            assert_eq!((written, buf[len]), (len, 0), "the event fills the buffer the size call asked for");
            let text = std::str::from_utf8(&buf[..len]).expect("events are UTF-8");
            assert!(!text.contains('\n'), "an event is one line");
            serde_json::from_str::<serde_json::Value>(text).expect("an event is JSON");
        } else {
            ok("rampart_event_json", sized);
        }
        rampart_request_free(request);
    }
});
