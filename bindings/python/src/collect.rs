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
    for (key, header_value) in environ.iter() {
        let Ok(key) = key.cast::<PyString>() else { continue };
        let Some(header) = text::utf8(key).and_then(|k| k.strip_prefix(b"HTTP_")) else { continue };
        name.clear();
        name.extend(header.iter().map(|&b| if b == b'_' { b'-' } else { b.to_ascii_lowercase() }));
        if header_value.cast::<PyString>().is_err() {
            continue;
        }
        if !collector.header(&name, value(&header_value, &mut buf)?) {
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
