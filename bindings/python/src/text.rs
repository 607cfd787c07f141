//! Arguments that are text or bytes: `str` is read as UTF-8, `bytes` as is, both in
//! place.

use std::os::raw::c_char;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

extern "C" {
    // Part of the stable ABI since CPython 3.10, and exported with this signature by
    // every CPython 3 before it (it was public, only not "limited"): pyo3 declares it
    // for abi3 builds from 3.10 on, this module is built for 3.8.
    fn PyUnicode_AsUTF8AndSize(unicode: *mut pyo3::ffi::PyObject, size: *mut pyo3::ffi::Py_ssize_t) -> *const c_char;
}

/// The UTF-8 of a `str`, lent by the string itself (no copy: for ASCII text CPython
/// hands out the string's own storage, otherwise a UTF-8 form it keeps with the
/// string), or None for text that has no UTF-8 form (lone surrogates).
#[allow(unsafe_code)]
pub fn utf8<'a>(text: &'a Bound<'_, PyString>) -> Option<&'a [u8]> {
    let mut size: pyo3::ffi::Py_ssize_t = 0;
    // SAFETY: `text` is a live `str` (the `Bound` holds a reference) and the GIL is held.
    let data = unsafe { PyUnicode_AsUTF8AndSize(text.as_ptr(), &mut size) };
    if data.is_null() {
        // UnicodeEncodeError: the caller judges a lossy form instead.
        drop(PyErr::take(text.py()));
        return None;
    }
    let len = usize::try_from(size).ok()?;
    // SAFETY: CPython returns `size` bytes owned by the string, valid while it lives and
    // never modified (`str` is immutable); the returned slice borrows `text`, so it
    // cannot outlive it.
    Some(unsafe { std::slice::from_raw_parts(data.cast::<u8>(), len) })
}

/// Calls `f` with the bytes of `obj` (a `str` or `bytes`), read in place.
pub fn with_bytes<R>(obj: &Bound<'_, PyAny>, what: &str, f: impl FnOnce(&[u8]) -> R) -> PyResult<R> {
    if let Ok(bytes) = obj.cast::<PyBytes>() {
        return Ok(f(bytes.as_bytes()));
    }
    if let Ok(text) = obj.cast::<PyString>() {
        return Ok(match utf8(text) {
            Some(utf8) => f(utf8),
            // Lone surrogates cannot be UTF-8: judge the text with replacement characters
            // rather than refuse to judge it.
            None => f(text.to_string_lossy().as_bytes()),
        });
    }
    Err(crate::error::invalid_argument(format!(
        "{what} must be str or bytes, not {}",
        obj.get_type().name().map_or_else(|_| "?".to_owned(), |n| n.to_string())
    )))
}

/// The bytes a WSGI string stands for: WSGI hands bytes to Python as latin-1 text, so
/// code points below 256 are bytes. Text that is not latin-1 (a server that broke the
/// rule) is taken as UTF-8, with lone surrogates replaced. `buf` holds the bytes when
/// they differ from the text's UTF-8.
pub fn wsgi_bytes<'a>(text: &'a Bound<'_, PyString>, buf: &'a mut Vec<u8>) -> &'a [u8] {
    let Some(utf8) = utf8(text) else {
        buf.clear();
        buf.extend_from_slice(text.to_string_lossy().as_bytes());
        return buf;
    };
    if utf8.is_ascii() {
        return utf8;
    }
    let Ok(chars) = std::str::from_utf8(utf8) else { return utf8 };
    if chars.chars().any(|c| u32::from(c) > 0xff) {
        return utf8;
    }
    buf.clear();
    buf.extend(chars.chars().map(|c| u32::from(c) as u8));
    buf
}
