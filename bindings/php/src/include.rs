//! `include` / `require` of user-influenced paths.
//!
//! Including a file is not a function call, so there is no handler to replace: rampart
//! wraps `zend_stream_open_function`, which the engine calls to open every file it
//! compiles, and checks the path as the script wrote it. `include_once`/`require_once`
//! resolve the path first (`zend_resolve_path`, which removes the `..`): that function is
//! wrapped too, and a path it blocked is not opened afterwards. (With opcache, a file already
//! in the cache is not opened again; a traversal target is rarely a cached script.)
#![allow(unsafe_code)]

use std::sync::OnceLock;

use ext_php_rs::ffi::{zend_file_handle, zend_string};

type StreamOpen = unsafe extern "C" fn(*mut zend_file_handle) -> i32;
type ResolvePath = unsafe extern "C" fn(*mut zend_string) -> *mut zend_string;

extern "C" {
    /// Zend/zend.c: resolves an include path (`include_once`, `require_once`).
    static mut zend_resolve_path: Option<ResolvePath>;
    /// Zend/zend.c: opens a file for compilation (PHP's php_stream_open_for_zend).
    static mut zend_stream_open_function: Option<StreamOpen>;
}

const FAILURE: i32 = -1;

static ORIGINAL: OnceLock<StreamOpen> = OnceLock::new();
static ORIGINAL_RESOLVE: OnceLock<ResolvePath> = OnceLock::new();

/// Wraps the engine's stream opener, once.
pub fn install() {
    // SAFETY: called once from the first RINIT, before any script of the request runs;
    // the pointer is a plain global of the engine.
    unsafe {
        let current = std::ptr::addr_of_mut!(zend_stream_open_function);
        if let Some(original) = *current {
            if ORIGINAL.set(original).is_ok() {
                *current = Some(open);
            }
        }
        let current = std::ptr::addr_of_mut!(zend_resolve_path);
        if let Some(original) = *current {
            if ORIGINAL_RESOLVE.set(original).is_ok() {
                *current = Some(resolve);
            }
        }
    }
}

/// The include's verdict; true when it was blocked (the exception is then pending).
///
/// # Safety
/// `name` is null or a valid zend_string.
unsafe fn blocked(name: *const zend_string, operation: &str) -> bool {
    if name.is_null() || crate::guard::busy() {
        return false;
    }
    // SAFETY: a valid zend_string for the duration of this call.
    let path = unsafe { std::slice::from_raw_parts((*name).val.as_ptr().cast::<u8>(), (*name).len) };
    match crate::guard::catching(|| crate::hooks::judge_include(path)) {
        Ok(Some(message)) => {
            crate::hooks::throw_blocked(message);
            true
        }
        Ok(None) => false,
        Err(panic) => {
            crate::events::internal_error("path", operation, &panic);
            false
        }
    }
}

unsafe extern "C" fn resolve(name: *mut zend_string) -> *mut zend_string {
    let Some(original) = ORIGINAL_RESOLVE.get().copied() else { return std::ptr::null_mut() };
    // SAFETY: the engine passes a valid name.
    if unsafe { blocked(name, "include") } {
        return std::ptr::null_mut();
    }
    // SAFETY: the engine's own resolver with the engine's argument.
    unsafe { original(name) }
}

unsafe extern "C" fn open(handle: *mut zend_file_handle) -> i32 {
    let Some(original) = ORIGINAL.get().copied() else { return FAILURE };
    if !handle.is_null() {
        // A path blocked while resolving it: do not open it.
        if crate::context::blocked_event().is_some() && ext_php_rs::zend::ExecutorGlobals::has_exception() {
            return FAILURE;
        }
        // SAFETY: the engine passes an initialised handle.
        if unsafe { blocked((*handle).filename, "include") } {
            return FAILURE;
        }
    }
    // SAFETY: the engine's own opener with the engine's handle.
    unsafe { original(handle) }
}
