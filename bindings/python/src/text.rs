//! Arguments that are text or bytes: `str` is read as UTF-8, `bytes` as is.

use std::borrow::Cow;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

/// Calls `f` with the bytes of `obj` (a `str` or `bytes`), without copying `bytes`.
pub fn with_bytes<R>(obj: &Bound<'_, PyAny>, what: &str, f: impl FnOnce(&[u8]) -> R) -> PyResult<R> {
    if let Ok(bytes) = obj.cast::<PyBytes>() {
        return Ok(f(bytes.as_bytes()));
    }
    if let Ok(text) = obj.cast::<PyString>() {
        let utf8: Cow<'_, str> = match text.to_cow() {
            Ok(utf8) => utf8,
            // Lone surrogates cannot be UTF-8: judge the text with replacement characters
            // rather than refuse to judge it.
            Err(_) => text.to_string_lossy(),
        };
        return Ok(f(utf8.as_bytes()));
    }
    Err(crate::error::invalid_argument(format!(
        "{what} must be str or bytes, not {}",
        obj.get_type().name().map_or_else(|_| "?".to_owned(), |n| n.to_string())
    )))
}
