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

/// The bytes of a WSGI string: WSGI hands bytes to Python as latin-1 text. A string
/// that is not latin-1 (a server that broke the rule) is taken as UTF-8.
pub fn wsgi_bytes(text: &Bound<'_, PyAny>, buf: &mut Vec<u8>) -> PyResult<()> {
    buf.clear();
    let text = text.cast::<PyString>()?;
    // Encoded once, into a bytes object read in place: the stable ABI of CPython 3.8
    // cannot lend a str's UTF-8, and `to_cow` would copy it a second time.
    let Ok(encoded) = text.encode_utf8() else {
        // Lone surrogates: judge the text with replacement characters.
        buf.extend_from_slice(text.to_string_lossy().as_bytes());
        return Ok(());
    };
    let utf8 = encoded.as_bytes();
    if utf8.is_ascii() {
        buf.extend_from_slice(utf8);
        return Ok(());
    }
    match std::str::from_utf8(utf8) {
        Ok(chars) if chars.chars().all(|c| (c as u32) < 0x100) => buf.extend(chars.chars().map(|c| c as u32 as u8)),
        _ => buf.extend_from_slice(utf8),
    }
    Ok(())
}

/// Method, path, query string, cookies and headers of a WSGI environ.
pub fn wsgi_environ(collector: &mut Collector<'_>, environ: &Bound<'_, PyDict>) -> PyResult<()> {
    let py = environ.py();
    let mut buf = Vec::new();
    if let Some(method) = environ.get_item(intern!(py, "REQUEST_METHOD"))? {
        wsgi_bytes(&method, &mut buf)?;
        collector.request().set_method(&buf);
    }
    let mut path = Vec::new();
    for key in [intern!(py, "SCRIPT_NAME"), intern!(py, "PATH_INFO")] {
        if let Some(part) = environ.get_item(key)? {
            wsgi_bytes(&part, &mut buf)?;
            path.extend_from_slice(&buf);
        }
    }
    collector.request().set_path(&path);
    if let Some(query) = environ.get_item(intern!(py, "QUERY_STRING"))? {
        wsgi_bytes(&query, &mut buf)?;
        collector.urlencoded(Source::Query, &buf);
    }
    if let Some(host) = environ.get_item(intern!(py, "HTTP_HOST"))? {
        wsgi_bytes(&host, &mut buf)?;
        collector.request().set_host(&buf);
    }
    if let Some(cookie) = environ.get_item(intern!(py, "HTTP_COOKIE"))? {
        wsgi_bytes(&cookie, &mut buf)?;
        collector.cookies(&buf);
    }
    let mut name = Vec::new();
    for (key, value) in environ.iter() {
        let Ok(key) = key.cast::<PyString>() else { continue };
        let Ok(key) = key.encode_utf8() else { continue };
        let Some(header) = key.as_bytes().strip_prefix(b"HTTP_") else { continue };
        name.clear();
        name.extend(header.iter().map(|&b| if b == b'_' { b'-' } else { b.to_ascii_lowercase() }));
        if value.cast::<PyString>().is_err() {
            continue;
        }
        wsgi_bytes(&value, &mut buf)?;
        if !collector.header(&name, &buf) {
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
