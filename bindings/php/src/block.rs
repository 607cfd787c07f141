//! The block page: an uncaught `Rampart\BlockedException` becomes the policy's
//! `block_response` (status, content type, body with the event id).
//!
//! PHP reports an uncaught exception through `zend_error_cb`. rampart wraps that callback:
//! for its own exception it discards the buffered output, replaces the headers and the
//! status, writes the block page, and then lets PHP's callback log the error with
//! `display_errors` off (so the log keeps the trace and the page stays clean). A
//! `require` that rampart blocked is a fatal "Failed opening required" error: it gets the
//! same page. When the application already sent output, the status cannot change and the
//! page is appended.
#![allow(unsafe_code)]

use std::ffi::c_int;
use std::sync::OnceLock;

use ext_php_rs::ffi::{core_globals, sapi_globals, sapi_header_line, sapi_header_op, zend_string};

type ErrorCallback = unsafe extern "C" fn(c_int, *mut zend_string, u32, *mut zend_string);

extern "C" {
    /// Zend/zend.c: the engine's error callback (PHP's `php_error_cb`, or an extension's).
    static mut zend_error_cb: Option<ErrorCallback>;
    /// main/output.c: drops every active output buffer's content.
    fn php_output_discard_all();
    /// main/output.c: writes to the output layer.
    fn php_output_write(text: *const std::ffi::c_char, len: usize) -> usize;
}

const SAPI_HEADER_REPLACE: u32 = 0;
const SAPI_HEADER_DELETE_ALL: u32 = 3;
const E_ERROR: c_int = 1;
const E_COMPILE_ERROR: c_int = 64;

static ORIGINAL: OnceLock<ErrorCallback> = OnceLock::new();

/// Wraps `zend_error_cb` (module start-up, before any request).
pub fn install_error_callback() {
    // SAFETY: MINIT runs single-threaded before any request; zend_error_cb is a plain
    // function pointer the engine reads at each error.
    unsafe {
        let current = std::ptr::addr_of_mut!(zend_error_cb);
        if let Some(original) = *current {
            if ORIGINAL.set(original).is_ok() {
                *current = Some(on_error);
            }
        }
    }
}

unsafe extern "C" fn on_error(ty: c_int, file: *mut zend_string, line: u32, message: *mut zend_string) {
    let Some(original) = ORIGINAL.get().copied() else { return };
    // SAFETY: PHP passes a valid message string.
    let text = unsafe { zstr_bytes(message) };
    let ours = crate::guard::catching(|| is_ours(ty, text)).unwrap_or(false);
    if ours && crate::guard::catching(render).unwrap_or(false) {
        // SAFETY: core_globals is this thread's; PHP's callback reads display_errors.
        unsafe {
            let saved = core_globals.display_errors;
            core_globals.display_errors = 0;
            original(ty, file, line, message);
            core_globals.display_errors = saved;
        }
        return;
    }
    // SAFETY: the callback PHP had installed, with its own arguments.
    unsafe { original(ty, file, line, message) }
}

fn is_ours(ty: c_int, text: &[u8]) -> bool {
    let fatal = ty & (E_ERROR | E_COMPILE_ERROR) != 0;
    if !fatal {
        return false;
    }
    if text.starts_with(b"Uncaught Rampart\\BlockedException") {
        return true;
    }
    let blocked = crate::context::blocked_event().is_some();
    blocked && text.windows(23).any(|w| w == b"Failed opening required")
}

/// Writes the block page; false when there is no policy (then PHP reports as usual).
fn render() -> bool {
    let Ok(engine) = crate::runtime::engine() else { return false };
    let response = &engine.policy().block_response;
    let event_id = crate::context::blocked_event().unwrap_or_default();
    let body = response.render_body(&event_id);
    // SAFETY: sapi_globals is this thread's SAPI state; the header operations and output
    // functions are PHP's own, called during request execution as PHP code would.
    unsafe {
        if sapi_globals.headers_sent == 0 {
            php_output_discard_all();
            sapi_header_op(SAPI_HEADER_DELETE_ALL, std::ptr::null_mut());
            sapi_globals.sapi_headers.http_response_code = c_int::from(response.status);
            let mut header = format!("Content-Type: {}", response.content_type).into_bytes();
            header.retain(|&b| b != b'\r' && b != b'\n');
            let mut line = sapi_header_line { line: header.as_ptr().cast(), line_len: header.len(), response_code: 0 };
            sapi_header_op(SAPI_HEADER_REPLACE, std::ptr::addr_of_mut!(line).cast());
        }
        php_output_write(body.as_ptr().cast(), body.len());
    }
    true
}

/// # Safety
/// `s` is null or a valid zend_string that outlives the returned slice.
unsafe fn zstr_bytes<'a>(s: *const zend_string) -> &'a [u8] {
    if s.is_null() {
        return &[];
    }
    std::slice::from_raw_parts((*s).val.as_ptr().cast::<u8>(), (*s).len)
}
