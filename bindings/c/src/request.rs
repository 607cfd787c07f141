//! `rampart_request`: the user inputs of one HTTP request, bound to an engine.

use std::sync::Arc;

use rampart_core::collect::Collector;
use rampart_core::{Engine, Request, Source};

use crate::boundary::{boundary, bytes, exclusive, optional_out, out, reference};
use crate::engine::rampart_engine;
use crate::error::rampart_status;

/// The inputs and routing facts of one HTTP request, bound to the engine that checks
/// them. Opaque.
///
/// Ownership: created by `rampart_request_new`, released by `rampart_request_free`. It
/// copies every byte it is given, so the caller's buffers may be reused right after
/// each call. It keeps its engine alive.
///
/// Reuse: `rampart_request_reset` forgets the inputs but keeps the memory, so a request
/// reused for the next HTTP request allocates nothing once it has seen one as large.
///
/// Policy: a request is checked with the engine's policy as it was when the request was
/// made or last reset; a `rampart_engine_reload` reaches it at its next reset.
///
/// Thread safety: a request belongs to one thread at a time (typically the thread
/// serving the HTTP request). It may move between threads, but two threads must not use
/// it at once.
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct rampart_request {
    shared: Arc<rampart_engine>,
    /// The compiled policy pinned for the current HTTP request.
    engine: Arc<Engine>,
    request: Request,
}

impl rampart_request {
    #[inline]
    pub(crate) fn engine(&self) -> &Engine {
        &self.engine
    }

    #[inline]
    pub(crate) fn inner(&self) -> &Request {
        &self.request
    }
}

/// Where in the HTTP request an input came from; the core's `Source` codes.
#[allow(non_camel_case_types, clippy::enum_variant_names)]
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum rampart_source {
    /// A query-string parameter.
    RAMPART_SOURCE_QUERY = 0,
    /// A body field (form, JSON, multipart); JSON object keys are inputs too.
    RAMPART_SOURCE_BODY = 1,
    /// A path parameter (`/users/:id`).
    RAMPART_SOURCE_PATH = 2,
    /// A header value (key: the header name, lowercase).
    RAMPART_SOURCE_HEADER = 3,
    /// A cookie value (never written to events).
    RAMPART_SOURCE_COOKIE = 4,
    /// Anything else the host treats as user input.
    RAMPART_SOURCE_OTHER = 5,
    /// An uploaded file's name (the key is the form field).
    RAMPART_SOURCE_FILE = 6,
}

/// Makes an empty request checked by `engine`, and writes it to `*request_out`.
///
/// The caller owns the request and releases it with `rampart_request_free`. The request
/// holds a reference to `engine`: the caller may free the engine at any time after
/// this call.
///
/// Returns `RAMPART_STATUS_NULL_ARGUMENT` for a NULL argument. Thread-safe (the engine
/// may be shared).
///
/// # Safety
/// `engine` must be NULL or a live engine; `request_out` must be NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn rampart_request_new(
    engine: *const rampart_engine,
    request_out: *mut *mut rampart_request,
) -> rampart_status {
    boundary!({
        reference(engine)?;
        let request_out = out(request_out)?;
        // SAFETY: `engine` came from Arc::into_raw (rampart_engine_new) and is live, so
        // taking one more strong count and rebuilding that Arc is sound.
        Arc::increment_strong_count(engine);
        let shared = Arc::from_raw(engine);
        let engine = shared.shared.snapshot();
        request_out.write(Box::into_raw(Box::new(rampart_request { shared, engine, request: Request::new() })));
        Ok(())
    })
}

/// Adds one user input: where it came from (`source`, a `rampart_source`), its dotted
/// key (`user.address.city`, `ids[2]`; may be empty) and its raw value (any bytes).
///
/// Flatten nested bodies: each leaf value is one input, and each JSON object key is an
/// input too (key and value both the key). Inputs are numbered from 0 in the order
/// added (`rampart_verdict.input_index`). Both byte ranges are copied.
///
/// Returns `RAMPART_STATUS_INVALID_ARGUMENT` for an unknown source,
/// `RAMPART_STATUS_NULL_ARGUMENT` for a NULL request (or a NULL range with a non-zero
/// length); on error the request is unchanged.
///
/// # Safety
/// `request` must be NULL or a live request no other thread is using; `key` and `value`
/// must point to `key_len` and `value_len` readable bytes (or be NULL with length 0).
#[no_mangle]
pub unsafe extern "C" fn rampart_request_add_input(
    request: *mut rampart_request,
    source: u32,
    key: *const u8,
    key_len: usize,
    value: *const u8,
    value_len: usize,
) -> rampart_status {
    boundary!({
        let request = exclusive(request)?;
        let key = bytes(key, key_len)?;
        let value = bytes(value, value_len)?;
        let source = Source::from_code(source).ok_or(rampart_status::RAMPART_STATUS_INVALID_ARGUMENT)?;
        request.request.add_input(source, key, value);
        Ok(())
    })
}

/// Adds an uploaded file: an input of source `RAMPART_SOURCE_FILE` whose key is the form
/// field and whose value is the file's name as the client sent it, plus the declared
/// content type and the file's first bytes (at most `RAMPART_FILE_HEAD_LEN` are kept),
/// which the upload rules of `rampart_inspect` look at (a script by its name, an
/// executable by its content). All ranges are copied; `head` may be empty.
///
/// Errors as for `rampart_request_add_input`.
///
/// # Safety
/// `request` must be NULL or a live request no other thread is using; each (pointer,
/// length) pair must describe readable bytes (or be NULL with length 0).
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn rampart_request_add_file(
    request: *mut rampart_request,
    field: *const u8,
    field_len: usize,
    filename: *const u8,
    filename_len: usize,
    content_type: *const u8,
    content_type_len: usize,
    head: *const u8,
    head_len: usize,
) -> rampart_status {
    boundary!({
        let request = exclusive(request)?;
        let field = bytes(field, field_len)?;
        let filename = bytes(filename, filename_len)?;
        let content_type = bytes(content_type, content_type_len)?;
        let head = bytes(head, head_len)?;
        request.request.add_file(field, filename, content_type, head);
        Ok(())
    })
}

/// How many leading bytes of an uploaded file `rampart_request_add_file` keeps.
pub const RAMPART_FILE_HEAD_LEN: usize = 512;

/// The most inputs the `rampart_request_add_<format>` functions let a request hold
/// (inputs added with `rampart_request_add_input` count, and are never refused): it
/// bounds the memory of a request and the time of every check. What a client sends
/// beyond it is left out, and the call says so.
pub const RAMPART_MAX_INPUTS: usize = 1000;

/// The nesting `rampart_request_add_json` follows; deeper values are left out.
pub const RAMPART_MAX_DEPTH: usize = 32;

/// Runs one collection into `request` and reports whether it left inputs out.
fn collect(
    request: &mut rampart_request,
    truncated_out: Option<&mut std::mem::MaybeUninit<bool>>,
    f: impl FnOnce(&mut Collector<'_>),
) {
    let mut collector = Collector::new(&mut request.request, RAMPART_MAX_INPUTS).with_max_depth(RAMPART_MAX_DEPTH);
    f(&mut collector);
    if let Some(truncated_out) = truncated_out {
        truncated_out.write(collector.truncated());
    }
}

/// Adds the fields of urlencoded data, as `source` (a `rampart_source`): a query string
/// (`a=1&b=%27+x`, without the `?`) or an `application/x-www-form-urlencoded` body.
/// Names and values are percent-decoded (`+` is a space; a malformed escape stays as it
/// is; bytes stay raw, invalid UTF-8 included); a name that is not a plain word
/// (`[A-Za-z0-9_]`) is an input too (key and value both the name).
///
/// Writes to `*truncated_out` (when not NULL) whether inputs were left out because the
/// request reached `RAMPART_MAX_INPUTS`. Allocates (once per request, not per check).
///
/// Returns `RAMPART_STATUS_INVALID_ARGUMENT` for an unknown source,
/// `RAMPART_STATUS_NULL_ARGUMENT` for a NULL request (or NULL data with a non-zero
/// length); on error the request is unchanged.
///
/// # Safety
/// `request` must be NULL or a live request no other thread is using; `data` must point
/// to `data_len` readable bytes (or be NULL with length 0); `truncated_out` must be NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn rampart_request_add_urlencoded(
    request: *mut rampart_request,
    source: u32,
    data: *const u8,
    data_len: usize,
    truncated_out: *mut bool,
) -> rampart_status {
    boundary!({
        let request = exclusive(request)?;
        let data = bytes(data, data_len)?;
        let truncated_out = optional_out(truncated_out);
        let source = Source::from_code(source).ok_or(rampart_status::RAMPART_STATUS_INVALID_ARGUMENT)?;
        collect(request, truncated_out, |c| {
            c.urlencoded(source, data);
        });
        Ok(())
    })
}

/// Adds the cookies of a `Cookie` header value (`sid=abc; theme="dark"`), as browsers
/// send it: each `name=value` pair is a `RAMPART_SOURCE_COOKIE` input (quotes around a
/// value dropped, parts without `=` ignored, nothing decoded). Cookie values are never
/// written to events.
///
/// `*truncated_out`, allocation and errors as for `rampart_request_add_urlencoded` (without
/// the source).
///
/// # Safety
/// As for `rampart_request_add_urlencoded`, with `header` of `header_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn rampart_request_add_cookies(
    request: *mut rampart_request,
    header: *const u8,
    header_len: usize,
    truncated_out: *mut bool,
) -> rampart_status {
    boundary!({
        let request = exclusive(request)?;
        let header = bytes(header, header_len)?;
        let truncated_out = optional_out(truncated_out);
        collect(request, truncated_out, |c| {
            c.cookies(header);
        });
        Ok(())
    })
}

/// Adds one request header, by its name in any case, as a server hands it over:
/// `Cookie` is split into cookies (as by `rampart_request_add_cookies`); headers the
/// protocol or the server consume (`Content-Length`, `Content-Type`, `Connection`,
/// `Accept-Encoding`, `Sec-Fetch-*`, ...) are skipped; any other is a
/// `RAMPART_SOURCE_HEADER` input keyed by its lower-case name. Call it for each header.
///
/// `*truncated_out`, allocation and errors as for `rampart_request_add_urlencoded` (without
/// the source).
///
/// # Safety
/// `request` must be NULL or a live request no other thread is using; `name` and `value`
/// must point to `name_len` and `value_len` readable bytes (or be NULL with length 0);
/// `truncated_out` must be NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn rampart_request_add_header(
    request: *mut rampart_request,
    name: *const u8,
    name_len: usize,
    value: *const u8,
    value_len: usize,
    truncated_out: *mut bool,
) -> rampart_status {
    boundary!({
        let request = exclusive(request)?;
        let name = bytes(name, name_len)?;
        let value = bytes(value, value_len)?;
        let truncated_out = optional_out(truncated_out);
        collect(request, truncated_out, |c| {
            c.header_any_case(name, value);
        });
        Ok(())
    })
}

/// Adds the values of a JSON body as `RAMPART_SOURCE_BODY` inputs, keyed by their dotted
/// paths (`user.address.city`, `ids[2]`); numbers are inputs as written, booleans and
/// nulls are not; object keys that are not plain words are inputs too. Invalid JSON
/// (the application rejects it too) adds nothing and is not an error; nesting deeper
/// than `RAMPART_MAX_DEPTH` is left out (and says so), and a document nested beyond the
/// JSON parser's own limit (128 levels) is read as invalid.
///
/// `*truncated_out`, allocation and errors as for `rampart_request_add_urlencoded` (without
/// the source). Time and memory are linear in `json_len`.
///
/// # Safety
/// As for `rampart_request_add_urlencoded`, with `json` of `json_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn rampart_request_add_json(
    request: *mut rampart_request,
    json: *const u8,
    json_len: usize,
    truncated_out: *mut bool,
) -> rampart_status {
    boundary!({
        let request = exclusive(request)?;
        let json = bytes(json, json_len)?;
        let truncated_out = optional_out(truncated_out);
        collect(request, truncated_out, |c| {
            c.json(json);
        });
        Ok(())
    })
}

/// Writes to `*count_out` how many inputs `request` holds (the next input's index): what
/// a host that enforces its own limit, or that wants to know what a
/// `rampart_request_add_<format>` call added, reads.
///
/// Returns `RAMPART_STATUS_NULL_ARGUMENT` for a NULL argument.
///
/// # Safety
/// `request` must be NULL or a live request; `count_out` must be NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn rampart_request_input_count(
    request: *const rampart_request,
    count_out: *mut usize,
) -> rampart_status {
    boundary!({
        let request = reference(request)?;
        out(count_out)?.write(request.request.len());
        Ok(())
    })
}

/// Sets the HTTP method (`GET`), shown in events. Copied. Errors as for
/// `rampart_request_set_path`.
///
/// # Safety
/// As for `rampart_request_set_path`.
#[no_mangle]
pub unsafe extern "C" fn rampart_request_set_method(
    request: *mut rampart_request,
    method: *const u8,
    method_len: usize,
) -> rampart_status {
    boundary!({
        let request = exclusive(request)?;
        request.request.set_method(bytes(method, method_len)?);
        Ok(())
    })
}

/// Sets the request path as received (`/users/42`, without the query string). The
/// policy's route exclusions match it, and events show it. Copied.
///
/// Returns `RAMPART_STATUS_NULL_ARGUMENT` for a NULL request (or a NULL range with a
/// non-zero length).
///
/// # Safety
/// `request` must be NULL or a live request no other thread is using; `path` must point
/// to `path_len` readable bytes (or be NULL with length 0).
#[no_mangle]
pub unsafe extern "C" fn rampart_request_set_path(
    request: *mut rampart_request,
    path: *const u8,
    path_len: usize,
) -> rampart_status {
    boundary!({
        let request = exclusive(request)?;
        request.request.set_path(bytes(path, path_len)?);
        Ok(())
    })
}

/// Sets the framework's route template (`/users/:id`) when the host knows one. The
/// policy's route exclusions match it, and events show it. Copied. Errors as for
/// `rampart_request_set_path`.
///
/// # Safety
/// As for `rampart_request_set_path`.
#[no_mangle]
pub unsafe extern "C" fn rampart_request_set_route(
    request: *mut rampart_request,
    route: *const u8,
    route_len: usize,
) -> rampart_status {
    boundary!({
        let request = exclusive(request)?;
        request.request.set_route(bytes(route, route_len)?);
        Ok(())
    })
}

/// Sets the host the HTTP request was sent to, from its `Host` header
/// (`shop.example.com`, `shop.example.com:8443`). `rampart_check_redirect` treats
/// redirects to this host as the application's own; set it before checking redirects.
/// Copied. Errors as for `rampart_request_set_path`.
///
/// # Safety
/// As for `rampart_request_set_path`.
#[no_mangle]
pub unsafe extern "C" fn rampart_request_set_host(
    request: *mut rampart_request,
    host: *const u8,
    host_len: usize,
) -> rampart_status {
    boundary!({
        let request = exclusive(request)?;
        request.request.set_host(bytes(host, host_len)?);
        Ok(())
    })
}

/// Forgets every input, the method, path, route and host, keeping the memory for the next
/// HTTP request. The request stays bound to its engine, and takes up the engine's
/// current policy if `rampart_engine_reload` replaced it since.
///
/// Returns `RAMPART_STATUS_NULL_ARGUMENT` for a NULL request.
///
/// # Safety
/// `request` must be NULL or a live request no other thread is using.
#[no_mangle]
pub unsafe extern "C" fn rampart_request_reset(request: *mut rampart_request) -> rampart_status {
    boundary!({
        let request = exclusive(request)?;
        request.request.reset();
        request.shared.shared.refresh(&mut request.engine);
        Ok(())
    })
}

/// Releases `request` (and its reference to the engine). `rampart_request_free(NULL)`
/// does nothing.
///
/// # Safety
/// `request` must be NULL or a pointer from `rampart_request_new` not yet freed, used by
/// no other thread; it must not be used after this call.
#[no_mangle]
pub unsafe extern "C" fn rampart_request_free(request: *mut rampart_request) {
    boundary!(() => {
        if !request.is_null() {
            drop(Box::from_raw(request));
        }
    })
}

/// The source named `name` (`query`, `body`, `path`, `header`, `cookie`, `other`), for
/// hosts that carry sources as text. Writes its `rampart_source` code to `*source_out`.
///
/// Returns `RAMPART_STATUS_INVALID_ARGUMENT` for an unknown name,
/// `RAMPART_STATUS_NULL_ARGUMENT` for a NULL argument. Thread-safe.
///
/// # Safety
/// `name` must point to `name_len` readable bytes (or be NULL with length 0);
/// `source_out` must be NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn rampart_source_from_name(
    name: *const u8,
    name_len: usize,
    source_out: *mut u32,
) -> rampart_status {
    boundary!({
        let name = bytes(name, name_len)?;
        let source_out = out(source_out)?;
        let source = std::str::from_utf8(name)
            .ok()
            .and_then(Source::from_name)
            .ok_or(rampart_status::RAMPART_STATUS_INVALID_ARGUMENT)?;
        source_out.write(source.code());
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The header's constants are literals (cbindgen cannot read the core's); they must
    /// stay the core's numbers.
    #[test]
    fn limits_are_the_cores() {
        assert_eq!(RAMPART_FILE_HEAD_LEN, Request::FILE_HEAD_LEN);
        assert_eq!(RAMPART_MAX_INPUTS, rampart_core::collect::DEFAULT_MAX_INPUTS);
        assert_eq!(RAMPART_MAX_DEPTH, rampart_core::collect::DEFAULT_MAX_DEPTH);
        for source in 0..=6 {
            assert_eq!(Source::from_code(source).map(Source::code), Some(source));
        }
    }
}
