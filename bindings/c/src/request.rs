//! `rampart_request`: the user inputs of one HTTP request, bound to an engine.

use std::sync::Arc;

use rampart_core::{Engine, Request, Source};

use crate::boundary::{boundary, bytes, exclusive, out, reference};
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
