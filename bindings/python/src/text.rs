//! Arguments that are text or bytes: `str` is read as UTF-8, `bytes` as is.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

/// Calls `f` with the bytes of `obj` (a `str` or `bytes`), without copying `bytes`.
pub fn with_bytes<R>(obj: &Bound<'_, PyAny>, what: &str, f: impl FnOnce(&[u8]) -> R) -> PyResult<R> {
    if let Ok(bytes) = obj.cast::<PyBytes>() {
        return Ok(f(bytes.as_bytes()));
    }
    if let Ok(text) = obj.cast::<PyString>() {
        // Encoded into a bytes object read in place: the stable ABI of CPython 3.8
        // cannot lend a str's UTF-8, and `to_cow` would copy it a second time.
        return Ok(match text.encode_utf8() {
            Ok(encoded) => f(encoded.as_bytes()),
            // Lone surrogates cannot be UTF-8: judge the text with replacement characters
            // rather than refuse to judge it.
            Err(_) => f(text.to_string_lossy().as_bytes()),
        });
    }
    Err(crate::error::invalid_argument(format!(
        "{what} must be str or bytes, not {}",
        obj.get_type().name().map_or_else(|_| "?".to_owned(), |n| n.to_string())
    )))
}
