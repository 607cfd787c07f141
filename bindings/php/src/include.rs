//! `include` / `require` of user-influenced paths.
//!
//! Including a file is not a function call, so there is no handler to replace: rampart
//! wraps `zend_stream_open_function`, which the engine calls to open every file it
//! compiles, and checks the path as the script wrote it. (With opcache, a file already
//! in the cache is not opened again; a traversal target is rarely a cached script.)
#![allow(unsafe_code)]

use std::sync::OnceLock;

use ext_php_rs::ffi::zend_string;

/// The head of `zend_file_handle` (Zend/zend_stream.h): a union of a `FILE *` and a
/// `zend_stream` (four pointers), then the file name as the script wrote it.
#[repr(C)]
pub struct FileHandle {
    handle: [usize; 4],
    filename: *mut zend_string,
}

type StreamOpen = unsafe extern "C" fn(*mut FileHandle) -> i32;

extern "C" {
    /// Zend/zend.c: opens a file for compilation (PHP's php_stream_open_for_zend).
    static mut zend_stream_open_function: Option<StreamOpen>;
}

const FAILURE: i32 = -1;

static ORIGINAL: OnceLock<StreamOpen> = OnceLock::new();

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
    }
}

unsafe extern "C" fn open(handle: *mut FileHandle) -> i32 {
    let Some(original) = ORIGINAL.get().copied() else { return FAILURE };
    if !handle.is_null() && !crate::guard::busy() {
        // SAFETY: the engine passes an initialised handle whose filename is set.
        let name = unsafe { (*handle).filename };
        if !name.is_null() {
            // SAFETY: a valid zend_string for the duration of this call.
            let path = unsafe { std::slice::from_raw_parts((*name).val.as_ptr().cast::<u8>(), (*name).len) };
            match crate::guard::catching(|| crate::hooks::judge_include(path)) {
                Ok(Some(message)) => {
                    crate::hooks::throw_blocked(message);
                    return FAILURE;
                }
                Ok(None) => {}
                Err(panic) => crate::events::internal_error("path", "include", &panic),
            }
        }
    }
    // SAFETY: the engine's own opener with the engine's handle.
    unsafe { original(handle) }
}
