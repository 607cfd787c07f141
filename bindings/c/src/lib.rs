//! rampart-ffi: the C ABI of rampart (`librampart.so`, `librampart.a`,
//! `include/rampart.h`).
//!
//! # Overview
//!
//! Two opaque handles and one plain struct:
//!
//! - `rampart_engine`: the policy in force, shared by every thread
//!   (`rampart_engine_new` / `rampart_engine_from_env` / `rampart_engine_free`), and
//!   replaceable while they check (`rampart_engine_reload`);
//! - `rampart_request`: the user inputs of one HTTP request, owned by one thread at a
//!   time, reusable (`rampart_request_new` / `_add_input` / `_reset` / `_free`), filled
//!   input by input or from what the server hands over (`rampart_request_add_urlencoded`,
//!   `_add_cookies`, `_add_header`, `_add_json`, `_add_file`: the core's collection rules);
//! - `rampart_verdict`: what a check (`rampart_check_sql`, ...) or the payload inspection
//!   of the request itself (`rampart_inspect`) found, by value.
//!
//! A finding becomes a JSON event line (`rampart_event_json`) and, on block, the
//! policy's block page (`rampart_block_response`). docs/c-api.md is the guide.
//!
//! # Conventions (those of rustls-ffi)
//!
//! - Every fallible function returns a `rampart_status`; outputs go to trailing `*_out`
//!   parameters and are written only on success (a too-small buffer gets its needed
//!   length, nothing else).
//! - Every byte input is a (pointer, length) pair, never NUL-terminated; NULL with
//!   length 0 is the empty string. Every output buffer is followed by its capacity.
//! - A NULL where a value is required returns `RAMPART_STATUS_NULL_ARGUMENT`;
//!   `_free(NULL)` does nothing.
//! - Every `extern "C"` body runs inside `boundary!` (boundary.rs): a panic becomes
//!   `RAMPART_STATUS_PANIC`, never an unwind into C (and the library is never built
//!   with `panic = "abort"`, which would take the host down instead).
//! - Enum-like parameters and verdict fields are `uint32_t` holding the core's stable
//!   codes; the header's C enums name them.
//!
//! This is the only crate of rampart with `unsafe` code: the pointer handling lives in
//! `boundary.rs`, and each function's `# Safety` section (copied into the header) says
//! what the C caller must guarantee.

// The C ABI is unsafe by nature: the workspace denies `unsafe` everywhere else.
#![allow(unsafe_code)]

mod boundary;
pub mod engine;
pub mod error;
pub mod event;
pub mod policy;
pub mod request;
pub mod verdict;

use std::ffi::c_char;

use boundary::boundary;

pub use engine::*;
pub use error::*;
pub use event::*;
pub use policy::*;
pub use request::*;
pub use verdict::*;

/// rampart's version, major part (the same for every rampart package).
pub const RAMPART_VERSION_MAJOR: u32 = 0;
/// rampart's version, minor part.
pub const RAMPART_VERSION_MINOR: u32 = 1;
/// rampart's version, patch part.
pub const RAMPART_VERSION_PATCH: u32 = 0;
/// Version of the C ABI (types, function signatures and their meaning). It changes
/// only when a change would break a host compiled against an older header.
pub const RAMPART_ABI_VERSION: u32 = 1;

/// The library's version, `"MAJOR.MINOR.PATCH"`: a static NUL-terminated string, never
/// NULL; do not free it. Thread-safe.
#[no_mangle]
pub extern "C" fn rampart_version() -> *const c_char {
    const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");
    boundary!(VERSION.as_ptr().cast() => { VERSION.as_ptr().cast() })
}

/// The library's C ABI version (`RAMPART_ABI_VERSION` of the header it was built
/// with). A host compiled against a header with another ABI version must not use this
/// library. Thread-safe.
#[no_mangle]
pub extern "C" fn rampart_abi_version() -> u32 {
    boundary!(RAMPART_ABI_VERSION => { RAMPART_ABI_VERSION })
}

#[cfg(test)]
mod tests {
    use std::ffi::CStr;

    use super::*;

    #[test]
    fn version_constants_are_cargos() {
        let cargo = |part: &str| part.parse::<u32>().expect("numeric version part");
        assert_eq!(RAMPART_VERSION_MAJOR, cargo(env!("CARGO_PKG_VERSION_MAJOR")));
        assert_eq!(RAMPART_VERSION_MINOR, cargo(env!("CARGO_PKG_VERSION_MINOR")));
        assert_eq!(RAMPART_VERSION_PATCH, cargo(env!("CARGO_PKG_VERSION_PATCH")));
        assert_eq!(env!("CARGO_PKG_VERSION"), rampart_core::VERSION);
        // SAFETY: rampart_version returns a static NUL-terminated string.
        let version = unsafe { CStr::from_ptr(rampart_version()) };
        assert_eq!(version.to_str(), Ok(env!("CARGO_PKG_VERSION")));
        // The header's RAMPART_VERSION string is built from these three parts
        // (cbindgen.toml); tests/header.rs checks the header itself.
    }

    /// Every `extern "C"` function's body is one `boundary!` (the panic boundary):
    /// the function's first statement after its signature.
    #[test]
    fn every_extern_fn_runs_inside_the_boundary() {
        let sources = [
            include_str!("lib.rs"),
            include_str!("engine.rs"),
            include_str!("error.rs"),
            include_str!("event.rs"),
            include_str!("policy.rs"),
            include_str!("request.rs"),
            include_str!("verdict.rs"),
        ];
        let mut functions = 0;
        for source in sources {
            let mut rest = source;
            while let Some(at) = rest.find("extern \"C\" fn ") {
                let after = &rest[at..];
                let name: String = after["extern \"C\" fn ".len()..].chars().take_while(|c| *c != '(').collect();
                let body_start = after.find(" {\n").expect("function body");
                let first_statement = after[body_start + 3..].trim_start();
                assert!(
                    first_statement.starts_with("boundary!(") || first_statement.starts_with("const "),
                    "{name} does not start with boundary!"
                );
                if first_statement.starts_with("const ") {
                    let next = first_statement.split_once(";\n").expect("const item").1.trim_start();
                    assert!(next.starts_with("boundary!("), "{name} does not run inside boundary!");
                }
                functions += 1;
                rest = &after[body_start..];
            }
        }
        assert!(functions >= 20, "found {functions} extern functions");
    }
}
