//! Collecting a request's inputs from what the web server hands the application: the
//! WSGI environ and the ASGI scope.
//!
//! This is the per-request work of the middleware, done here rather than in Python so
//! that it costs a few microseconds. How values become inputs (dotted keys, protocol
//! headers skipped, limits) is `rampart_core::collect`, shared by every agent.

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};
use rampart_core::collect::Collector;
use rampart_core::Source;

use crate::text;

/// The bytes of a WSGI string value (see [`text::wsgi_bytes`]); an error for a value
/// that is not a `str` (a server that broke the rules).
fn value<'a>(value: &'a Bound<'_, PyAny>, buf: &'a mut Vec<u8>) -> PyResult<&'a [u8]> {
    Ok(text::wsgi_bytes(value.cast::<PyString>()?, buf))
}

/// Method, path, query string, cookies and headers of a WSGI environ.
pub fn wsgi_environ(collector: &mut Collector<'_>, environ: &Bound<'_, PyDict>) -> PyResult<()> {
    let py = environ.py();
    let mut buf = Vec::new();
    if let Some(method) = environ.get_item(intern!(py, "REQUEST_METHOD"))? {
        collector.request().set_method(value(&method, &mut buf)?);
    }
    let mut path = Vec::new();
    for key in [intern!(py, "SCRIPT_NAME"), intern!(py, "PATH_INFO")] {
        if let Some(part) = environ.get_item(key)? {
            path.extend_from_slice(value(&part, &mut buf)?);
        }
    }
    collector.request().set_path(&path);
    if let Some(query) = environ.get_item(intern!(py, "QUERY_STRING"))? {
        collector.urlencoded(Source::Query, value(&query, &mut buf)?);
    }
    if let Some(host) = environ.get_item(intern!(py, "HTTP_HOST"))? {
        collector.request().set_host(value(&host, &mut buf)?);
    }
    if let Some(cookie) = environ.get_item(intern!(py, "HTTP_COOKIE"))? {
        collector.cookies(value(&cookie, &mut buf)?);
    }
    let mut name = Vec::new();
    for_each_item(environ, |key, header_value| {
        let Ok(key) = key.cast::<PyString>() else { return Ok(true) };
        let Some(header) = text::utf8(key).and_then(|k| k.strip_prefix(b"HTTP_")) else { return Ok(true) };
        let Ok(header_value) = header_value.cast::<PyString>() else { return Ok(true) };
        name.clear();
        name.extend_from_slice(header);
        for byte in &mut name {
            *byte = if *byte == b'_' { b'-' } else { byte.to_ascii_lowercase() };
        }
        // False once the limit is reached: the rest is left out.
        Ok(collector.header(&name, text::wsgi_bytes(header_value, &mut buf)))
    })
}

/// Calls `f` with each key and value of `dict` until it returns false, without taking
/// a reference to each (the environ has a few dozen entries, and every request walks
/// them). `f` runs no Python code, so the dict cannot change under the walk.
#[allow(unsafe_code)]
fn for_each_item(
    dict: &Bound<'_, PyDict>,
    mut f: impl FnMut(&Bound<'_, PyAny>, &Bound<'_, PyAny>) -> PyResult<bool>,
) -> PyResult<()> {
    let py = dict.py();
    let mut position: pyo3::ffi::Py_ssize_t = 0;
    let mut key = std::ptr::null_mut();
    let mut value = std::ptr::null_mut();
    // SAFETY: `dict` is a live dict and the GIL is held; PyDict_Next lends `key` and
    // `value`, which stay alive while the dict is neither changed nor freed: `dict` is
    // borrowed for the whole walk and `f` runs no Python code that could change it.
    while unsafe { pyo3::ffi::PyDict_Next(dict.as_ptr(), &mut position, &mut key, &mut value) } != 0 {
        // SAFETY: non-null borrowed references returned by PyDict_Next (see above).
        let (key, value) = unsafe { (pyo3::Borrowed::from_ptr(py, key), pyo3::Borrowed::from_ptr(py, value)) };
        if !f(&key, &value)? {
            break;
        }
    }
    Ok(())
}

/// Method, path, query string, cookies and headers of an ASGI HTTP scope.
pub fn asgi_scope(collector: &mut Collector<'_>, scope: &Bound<'_, PyDict>) -> PyResult<()> {
    let py = scope.py();
    if let Some(method) = scope.get_item(intern!(py, "method"))? {
        collector.request().set_method(method.extract::<String>()?.as_bytes());
    }
    let mut path = Vec::new();
    for key in [intern!(py, "root_path"), intern!(py, "path")] {
        if let Some(part) = scope.get_item(key)? {
            path.extend_from_slice(part.extract::<String>()?.as_bytes());
        }
    }
    collector.request().set_path(&path);
    if let Some(query) = scope.get_item(intern!(py, "query_string"))? {
        if let Ok(query) = query.cast::<PyBytes>() {
            collector.urlencoded(Source::Query, query.as_bytes());
        }
    }
    let Some(headers) = scope.get_item(intern!(py, "headers"))? else { return Ok(()) };
    let mut name = Vec::new();
    for pair in headers.try_iter()? {
        let pair = pair?;
        let (raw_name, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) = if let Ok(tuple) = pair.cast::<PyTuple>() {
            (tuple.get_item(0)?, tuple.get_item(1)?)
        } else if let Ok(list) = pair.cast::<PyList>() {
            (list.get_item(0)?, list.get_item(1)?)
        } else {
            continue;
        };
        let (Ok(raw_name), Ok(value)) = (raw_name.cast::<PyBytes>(), value.cast::<PyBytes>()) else { continue };
        name.clear();
        name.extend(raw_name.as_bytes().iter().map(u8::to_ascii_lowercase));
        if name == b"cookie" {
            collector.cookies(value.as_bytes());
        } else if name == b"host" {
            collector.request().set_host(value.as_bytes());
            collector.header(&name, value.as_bytes());
        } else if !collector.header(&name, value.as_bytes()) {
            break;
        }
    }
    Ok(())
}
