//! The parts of the middleware and the framework hooks that run on every request,
//! written here so that each costs one C call instead of a Python loop or a Python
//! frame: the screen of the response headers, and the stand-in for werkzeug's
//! header-value pattern.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple};

use crate::error::guard_result;
use crate::text;

/// The bytes of a header name or value as the application handed it (`str` or
/// `bytes`), or None for anything else.
fn header_bytes<'a>(item: &'a Bound<'_, PyAny>) -> Option<&'a [u8]> {
    if let Ok(text) = item.cast::<PyString>() {
        // Lone surrogates: not a header a server sends; the Python path judges it.
        return text::utf8(text);
    }
    item.cast::<PyBytes>().ok().map(|bytes| bytes.as_bytes())
}

fn has_line_break_or_nul(value: &[u8]) -> bool {
    value.iter().any(|&b| matches!(b, b'\r' | b'\n' | 0))
}

/// Whether a response's headers (`[(name, value), ...]`, as WSGI's `start_response`
/// or an ASGI `http.response.start` carries them) need the middleware's checks: a
/// `Location` (open redirect), a value with a line break or NUL (header injection),
/// or anything that is not a pair of str or bytes. Most responses need none, and then
/// no input is read for them.
#[pyfunction]
pub fn _headers_need_check(headers: &Bound<'_, PyAny>) -> PyResult<bool> {
    guard_result(|| headers_need_check(headers))
}

/// [`_headers_need_check`] without its own panic guard, for callers inside one.
pub fn headers_need_check(headers: &Bound<'_, PyAny>) -> PyResult<bool> {
    {
        let needs = |pair: &Bound<'_, PyAny>| -> PyResult<bool> {
            let Ok(pair) = pair.cast::<PyTuple>() else { return Ok(true) };
            if pair.len() != 2 {
                return Ok(true);
            }
            let (name, value) = (pair.get_item(0)?, pair.get_item(1)?);
            let (Some(name), Some(value)) = (header_bytes(&name), header_bytes(&value)) else { return Ok(true) };
            Ok(name.eq_ignore_ascii_case(b"location") || has_line_break_or_nul(value))
        };
        if let Ok(list) = headers.cast::<PyList>() {
            for pair in list.iter() {
                if needs(&pair)? {
                    return Ok(true);
                }
            }
            return Ok(false);
        }
        for pair in headers.try_iter()? {
            if needs(&pair?)? {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

/// Stands in for werkzeug's `_newline_re` (the pattern its header validation
/// searches every header value with): a value without CR or LF costs one C call, as
/// the regex search did; one with a line break first goes to `on_newline` (rampart's
/// header-injection check, which may raise `AttackBlocked` from inside the view that
/// set the header), then to the real pattern, so werkzeug refuses it as it always does.
/// Everything else the pattern offers is the real pattern's.
#[pyclass(module = "rampart._rampart", name = "_NewlineGuard", frozen)]
#[derive(Debug)]
pub struct NewlineGuard {
    pattern: Py<PyAny>,
    on_newline: Py<PyAny>,
}

#[pymethods]
impl NewlineGuard {
    #[new]
    fn new(pattern: Py<PyAny>, on_newline: Py<PyAny>) -> NewlineGuard {
        NewlineGuard { pattern, on_newline }
    }

    #[pyo3(signature = (value, *args))]
    fn search<'py>(
        &self,
        py: Python<'py>,
        value: &Bound<'py, PyAny>,
        args: &Bound<'py, PyTuple>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if args.is_empty() {
            if let Some(text) = value.cast::<PyString>().ok().and_then(|t| text::utf8(t)) {
                if !text.iter().any(|&b| matches!(b, b'\r' | b'\n')) {
                    return Ok(py.None().into_bound(py));
                }
            }
            self.on_newline.bind(py).call1((value,))?;
        }
        let mut call = vec![value.clone()];
        call.extend(args.iter());
        self.pattern.bind(py).getattr("search")?.call1(PyTuple::new(py, call)?)
    }

    /// The pattern this guard stands in for (what `unprotect()` puts back).
    #[getter]
    fn __rampart_original__(&self, py: Python<'_>) -> Py<PyAny> {
        self.pattern.clone_ref(py)
    }

    fn __getattr__<'py>(&self, py: Python<'py>, name: &Bound<'py, PyString>) -> PyResult<Bound<'py, PyAny>> {
        self.pattern.bind(py).getattr(name)
    }
}
