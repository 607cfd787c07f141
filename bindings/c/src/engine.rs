//! `rampart_engine`: the policy in force, and the checks.
//!
//! An engine is shared: the handle is an `Arc` and every request made from it holds a
//! clone, so freeing the engine while requests live is safe. Its compiled policy can be
//! replaced while other threads check (`rampart_engine_reload`): the handle holds a
//! `SharedEngine`, and each request pins the compiled policy in force when it was made
//! or last reset, so all checks of one HTTP request see one policy and the hot path
//! touches nothing shared. Each check
//! is one `extern "C"` function, `rampart_check_<kind>`, taking the request, the sink's
//! resource and a `rampart_verdict` to fill; adding a detector adds one such function.

use std::ffi::c_char;
use std::sync::Arc;

use rampart_core::{Dialect, Error, Policy, SharedEngine};

use crate::boundary::{boundary, bytes, out, reference, slice_of, write_message};
use crate::error::rampart_status;
use crate::request::rampart_request;
use crate::verdict::rampart_verdict;

/// The compiled policy in force. Opaque.
///
/// Ownership: created by `rampart_engine_new` or `rampart_engine_from_env`, released by
/// `rampart_engine_free`. Requests made from it keep it alive, so it may be freed before
/// them.
///
/// Thread safety: one engine may be used by any number of threads at once (usually one
/// per process, built at start-up). `rampart_engine_reload` replaces its policy while
/// they run.
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct rampart_engine {
    pub(crate) shared: SharedEngine,
}

/// One byte range: an argument of `rampart_check_exec`. `data` points to `len` bytes
/// (not NUL-terminated; NUL bytes are data); NULL with `len` 0 is the empty string.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct rampart_bytes {
    /// The first byte, or NULL when `len` is 0.
    pub data: *const u8,
    /// The number of bytes.
    pub len: usize,
}

/// The longest argv `rampart_check_exec` checks without allocating (its arguments'
/// slices live on the stack); a longer one costs one allocation.
pub const RAMPART_EXEC_INLINE_ARGS: usize = 64;

/// A SQL dialect (`rampart_check_sql`); the core's `Dialect` codes. Each has its own
/// string, comment and identifier rules; pick the database the query is sent to.
#[allow(non_camel_case_types, clippy::enum_variant_names)]
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum rampart_dialect {
    /// MySQL and MariaDB.
    RAMPART_DIALECT_MYSQL = 1,
    /// PostgreSQL (and CockroachDB).
    RAMPART_DIALECT_POSTGRESQL = 2,
    RAMPART_DIALECT_SQLITE = 3,
    /// Microsoft SQL Server (T-SQL).
    RAMPART_DIALECT_MSSQL = 4,
    RAMPART_DIALECT_ORACLE = 5,
    /// Any other database: standard rules, judged under both standard and
    /// backslash-escape string readings.
    RAMPART_DIALECT_GENERIC = 6,
}

/// Builds an engine from a policy document (JSON, UTF-8; docs/policy.md).
///
/// `policy_json`/`policy_json_len`: the document; it is parsed during the call and not
/// kept. An empty document is invalid: pass `{}` for the default policy.
///
/// On success writes a new engine to `*engine_out`; the caller owns it and releases it
/// with `rampart_engine_free`. On failure writes nothing there and, when `err_buf` is
/// not NULL and `err_cap > 0`, writes a NUL-terminated message (cut to `err_cap`) that
/// names the offending field; `err_buf` may be NULL when `err_cap` is 0.
///
/// Returns `RAMPART_STATUS_INVALID_POLICY`, `RAMPART_STATUS_NULL_ARGUMENT` (NULL
/// `engine_out`, or NULL `policy_json` with a non-zero length) or
/// `RAMPART_STATUS_PANIC`. Thread-safe.
///
/// # Safety
/// `policy_json` must point to `policy_json_len` readable bytes (or be NULL with length
/// 0); `engine_out` must be NULL or writable; `err_buf` must be NULL or have `err_cap`
/// writable bytes.
#[no_mangle]
pub unsafe extern "C" fn rampart_engine_new(
    policy_json: *const u8,
    policy_json_len: usize,
    engine_out: *mut *const rampart_engine,
    err_buf: *mut c_char,
    err_cap: usize,
) -> rampart_status {
    boundary!({
        let failed = |status| fail(err_buf, err_cap, status);
        let engine_out = out(engine_out).map_err(failed)?;
        let json = bytes(policy_json, policy_json_len).map_err(failed)?;
        let shared =
            Policy::from_json(json).and_then(SharedEngine::from_policy).map_err(|e| fail_with(err_buf, err_cap, &e))?;
        engine_out.write(Arc::into_raw(Arc::new(rampart_engine { shared })));
        Ok(())
    })
}

/// Builds an engine the way every rampart agent does: the policy file named by the
/// `RAMPART_POLICY` environment variable (the default policy when unset or empty),
/// then `RAMPART_MODE` (`off`, `report`, `block`) overriding its mode.
///
/// Outputs, errors and ownership as for `rampart_engine_new`; an unreadable file is
/// `RAMPART_STATUS_POLICY_IO`. Reads the environment: do not call it while another
/// thread calls `setenv`.
///
/// # Safety
/// As for `rampart_engine_new`.
#[no_mangle]
pub unsafe extern "C" fn rampart_engine_from_env(
    engine_out: *mut *const rampart_engine,
    err_buf: *mut c_char,
    err_cap: usize,
) -> rampart_status {
    boundary!({
        let engine_out = out(engine_out).map_err(|status| fail(err_buf, err_cap, status))?;
        let shared =
            Policy::from_env().and_then(SharedEngine::from_policy).map_err(|e| fail_with(err_buf, err_cap, &e))?;
        engine_out.write(Arc::into_raw(Arc::new(rampart_engine { shared })));
        Ok(())
    })
}

/// Replaces the policy of `engine` with a new one (JSON, as for `rampart_engine_new`),
/// while other threads keep checking with it: for a policy file that changed, or an
/// operator switching from report to block without a restart.
///
/// The new policy is compiled first; on error nothing changes (the message goes to
/// `err_buf` as for `rampart_engine_new`). On success it is in force at once for new
/// requests, and for each existing request from its next `rampart_request_reset`: the
/// checks of one HTTP request all see the same policy, and checks running during the
/// call are not disturbed. The old policy is freed when the last request using it is
/// reset or freed.
///
/// Returns `RAMPART_STATUS_INVALID_POLICY`, `RAMPART_STATUS_NULL_ARGUMENT` (NULL
/// `engine`, or NULL `policy_json` with a non-zero length) or `RAMPART_STATUS_PANIC`.
/// Thread-safe, including against other reloads (the last one wins).
///
/// # Safety
/// `engine` must be NULL or a live engine; `policy_json` must point to
/// `policy_json_len` readable bytes (or be NULL with length 0); `err_buf` must be NULL
/// or have `err_cap` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn rampart_engine_reload(
    engine: *const rampart_engine,
    policy_json: *const u8,
    policy_json_len: usize,
    err_buf: *mut c_char,
    err_cap: usize,
) -> rampart_status {
    boundary!({
        let failed = |status| fail(err_buf, err_cap, status);
        let engine = reference(engine).map_err(failed)?;
        let json = bytes(policy_json, policy_json_len).map_err(failed)?;
        let policy = Policy::from_json(json).map_err(|e| fail_with(err_buf, err_cap, &e))?;
        engine.shared.reload(policy).map_err(|e| fail_with(err_buf, err_cap, &e))
    })
}

/// Replaces the policy of `engine` with the one `rampart_engine_from_env` would build
/// now (`RAMPART_POLICY` read again, `RAMPART_MODE` applied): what a host calls on
/// `SIGHUP`, say, from a thread that is not the signal handler. Behaviour, errors and
/// thread safety as for `rampart_engine_reload`; an unreadable file is
/// `RAMPART_STATUS_POLICY_IO`.
///
/// # Safety
/// `engine` must be NULL or a live engine; `err_buf` must be NULL or have `err_cap`
/// writable bytes.
#[no_mangle]
pub unsafe extern "C" fn rampart_engine_reload_from_env(
    engine: *const rampart_engine,
    err_buf: *mut c_char,
    err_cap: usize,
) -> rampart_status {
    boundary!({
        let engine = reference(engine).map_err(|status| fail(err_buf, err_cap, status))?;
        let policy = Policy::from_env().map_err(|e| fail_with(err_buf, err_cap, &e))?;
        engine.shared.reload(policy).map_err(|e| fail_with(err_buf, err_cap, &e))
    })
}

/// Releases the caller's reference to `engine`. The engine itself lives on until the
/// last request made from it is freed. `rampart_engine_free(NULL)` does nothing.
///
/// # Safety
/// `engine` must be NULL or a pointer from `rampart_engine_new`/`_from_env` not yet
/// freed; it must not be used after this call.
#[no_mangle]
pub unsafe extern "C" fn rampart_engine_free(engine: *const rampart_engine) {
    boundary!(() => {
        if !engine.is_null() {
            drop(Arc::from_raw(engine));
        }
    })
}

/// Writes to `*fail_closed_out` whether the policy asks hooks to block a call when
/// rampart itself fails (`"fail_closed": true`). The default is false: a hook whose
/// rampart call returns an error should log it and let the call proceed.
///
/// Returns `RAMPART_STATUS_NULL_ARGUMENT` for a NULL argument. Thread-safe.
///
/// # Safety
/// `engine` must be NULL or a live engine; `fail_closed_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn rampart_engine_fail_closed(
    engine: *const rampart_engine,
    fail_closed_out: *mut bool,
) -> rampart_status {
    boundary!({
        let engine = reference(engine)?;
        out(fail_closed_out)?.write(engine.shared.load().policy().fail_closed);
        Ok(())
    })
}

/// The dialect named `name` (`mysql`, `mariadb`, `postgresql`, `postgres`, `sqlite`,
/// `mssql`, `sqlserver`, `oracle`, `generic`, ...; any case), for hosts configured by
/// name. Writes its `rampart_dialect` code to `*dialect_out`.
///
/// Returns `RAMPART_STATUS_INVALID_ARGUMENT` for an unknown name,
/// `RAMPART_STATUS_NULL_ARGUMENT` for a NULL argument. Thread-safe.
///
/// # Safety
/// `name` must point to `name_len` readable bytes (or be NULL with length 0);
/// `dialect_out` must be NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn rampart_dialect_from_name(
    name: *const u8,
    name_len: usize,
    dialect_out: *mut u32,
) -> rampart_status {
    boundary!({
        let name = bytes(name, name_len)?;
        let dialect_out = out(dialect_out)?;
        let dialect = std::str::from_utf8(name)
            .ok()
            .and_then(Dialect::parse)
            .ok_or(rampart_status::RAMPART_STATUS_INVALID_ARGUMENT)?;
        dialect_out.write(dialect.code());
        Ok(())
    })
}

/// Did an input of `request` change the structure of the SQL `query`?
///
/// Call it right before the application sends `query` to a database of `dialect` (a
/// `rampart_dialect`). `query`/`query_len` is the SQL text as bytes (UTF-8 is not
/// required); it is not kept. On success writes the outcome to `*verdict_out`: act on
/// `verdict_out->action`, and for a threat format the event with `rampart_event_json`.
///
/// Allocates nothing and runs in time linear in `query_len` for each input that occurs
/// in the query.
///
/// Returns `RAMPART_STATUS_INVALID_ARGUMENT` for an unknown dialect,
/// `RAMPART_STATUS_NULL_ARGUMENT` for a NULL request or verdict (or NULL query with a
/// non-zero length). Thread safety: reads `request`; do not modify it from another
/// thread during the call.
///
/// # Safety
/// `request` must be NULL or a live request; `query` must point to `query_len` readable
/// bytes (or be NULL with length 0); `verdict_out` must be NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn rampart_check_sql(
    request: *const rampart_request,
    dialect: u32,
    query: *const u8,
    query_len: usize,
    verdict_out: *mut rampart_verdict,
) -> rampart_status {
    boundary!({
        let request = reference(request)?;
        let verdict_out = out(verdict_out)?;
        let query = bytes(query, query_len)?;
        let dialect = dialect_from_code(dialect)?;
        verdict_out.write(request.engine().check_sql(request.inner(), dialect, query).into());
        Ok(())
    })
}

/// Did an input of `request` change the structure of `command`, a string about to be
/// run by a shell (`system()`, `popen()`, `sh -c`)?
///
/// `command`/`command_len`: the command text as bytes; not kept. The verdict's span is
/// in `command`. Pass `RAMPART_SINK_SHELL` and the same bytes to `rampart_event_json`.
/// Allocates nothing; linear in `command_len` for each input that occurs in it.
///
/// Returns `RAMPART_STATUS_NULL_ARGUMENT` for a NULL request or verdict (or NULL
/// command with a non-zero length). Thread safety: as for `rampart_check_sql`.
///
/// # Safety
/// `request` must be NULL or a live request; `command` must point to `command_len`
/// readable bytes (or be NULL with length 0); `verdict_out` must be NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn rampart_check_shell(
    request: *const rampart_request,
    command: *const u8,
    command_len: usize,
    verdict_out: *mut rampart_verdict,
) -> rampart_status {
    boundary!({
        let request = reference(request)?;
        let verdict_out = out(verdict_out)?;
        let command = bytes(command, command_len)?;
        verdict_out.write(request.engine().check_shell(request.inner(), command).into());
        Ok(())
    })
}

/// Did an input of `request` choose the program an argv runs, inject an option into a
/// program whose options run code or write files, or reach a shell or interpreter
/// through it? For process creation without a shell (`execve`, `posix_spawn`).
///
/// `argv`/`argc`: the arguments, `argv[0]` the program, each a `rampart_bytes` (a
/// pointer and a length; NULL with length 0 is an empty argument). Neither the array nor
/// the bytes are kept; `argv` may be NULL when `argc` is 0. The verdict's span is an
/// offset into the arguments joined by one space (`argv[0] " " argv[1] ...`): pass
/// those joined bytes, with `RAMPART_SINK_EXEC`, to `rampart_event_json`.
///
/// Allocates nothing for `argc <= RAMPART_EXEC_INLINE_ARGS`; a longer argv is checked
/// the same way after one allocation of `argc` slices.
///
/// Returns `RAMPART_STATUS_NULL_ARGUMENT` for a NULL request or verdict, a NULL `argv`
/// with a non-zero `argc`, or an argument whose pointer is NULL with a non-zero length;
/// `RAMPART_STATUS_INVALID_ARGUMENT` for an argument, or an `argv` array, larger than
/// `PTRDIFF_MAX` bytes. On error the verdict is not written. Thread safety: as for
/// `rampart_check_sql` (the argv and its bytes are only read, during the call).
///
/// # Safety
/// `request` must be NULL or a live request; `argv` must be NULL or point to `argc`
/// readable `rampart_bytes`, each describing readable bytes as stated; `verdict_out` must
/// be NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn rampart_check_exec(
    request: *const rampart_request,
    argv: *const rampart_bytes,
    argc: usize,
    verdict_out: *mut rampart_verdict,
) -> rampart_status {
    boundary!({
        let request = reference(request)?;
        let verdict_out = out(verdict_out)?;
        let args = slice_of(argv, argc)?;
        let verdict = if args.len() <= RAMPART_EXEC_INLINE_ARGS {
            let mut inline: [&[u8]; RAMPART_EXEC_INLINE_ARGS] = [&[]; RAMPART_EXEC_INLINE_ARGS];
            for (slot, arg) in inline.iter_mut().zip(args) {
                *slot = bytes(arg.data, arg.len)?;
            }
            request.engine().check_exec(request.inner(), &inline[..args.len()])
        } else {
            let mut heap = Vec::with_capacity(args.len());
            for arg in args {
                heap.push(bytes(arg.data, arg.len)?);
            }
            request.engine().check_exec(request.inner(), &heap)
        };
        verdict_out.write(verdict.into());
        Ok(())
    })
}

/// Did a user-supplied object bring a query operator (`$ne`, `$gt`, `$where`, ...) into
/// `filter_json`, a MongoDB-style filter as JSON text (as the driver will send it)? Or
/// did an input break out of a JSON string of a filter built by concatenation?
///
/// `filter_json`/`filter_len`: the filter's JSON text; not kept. Malformed JSON gets a
/// verdict like any other. The verdict's span is in the filter (for an operator, the
/// operator's key). Pass `RAMPART_SINK_NOSQL` and the same bytes to
/// `rampart_event_json`. Allocates nothing.
///
/// Errors and thread safety as for `rampart_check_shell`.
///
/// # Safety
/// As for `rampart_check_shell`, with `filter_json` of `filter_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn rampart_check_nosql(
    request: *const rampart_request,
    filter_json: *const u8,
    filter_len: usize,
    verdict_out: *mut rampart_verdict,
) -> rampart_status {
    boundary!({
        let request = reference(request)?;
        let verdict_out = out(verdict_out)?;
        let filter = bytes(filter_json, filter_len)?;
        verdict_out.write(request.engine().check_nosql(request.inner(), filter).into());
        Ok(())
    })
}

/// Did an input of `request` take `path` out of the directory the application meant (a
/// `..` segment, an absolute path, a NUL byte, a secrets file)?
///
/// `path`/`path_len`: the file path about to be opened, listed, deleted or included,
/// as bytes (a NUL byte is data: the check sees what C's `open` would cut); not kept.
/// Pass `RAMPART_SINK_PATH` and the same bytes to `rampart_event_json`. Allocates
/// nothing.
///
/// Errors and thread safety as for `rampart_check_shell`.
///
/// # Safety
/// As for `rampart_check_shell`, with `path` of `path_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn rampart_check_path(
    request: *const rampart_request,
    path: *const u8,
    path_len: usize,
    verdict_out: *mut rampart_verdict,
) -> rampart_status {
    boundary!({
        let request = reference(request)?;
        let verdict_out = out(verdict_out)?;
        let path = bytes(path, path_len)?;
        verdict_out.write(request.engine().check_path(request.inner(), path).into());
        Ok(())
    })
}

/// Did an input of `request` point this outgoing request somewhere inside (a loopback,
/// private, link-local or internal host, a cloud metadata service), or choose a scheme
/// other than http(s)?
///
/// `url`/`url_len`: the URL an HTTP client is about to fetch; not kept. Hosts are parsed
/// as browsers do (every IPv4/IPv6 spelling). Call `rampart_check_resolved_ip` too at
/// connect time, to catch names that resolve inside. Pass `RAMPART_SINK_URL` and the
/// same bytes to `rampart_event_json`. Allocates nothing.
///
/// Errors and thread safety as for `rampart_check_shell`.
///
/// # Safety
/// As for `rampart_check_shell`, with `url` of `url_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn rampart_check_url(
    request: *const rampart_request,
    url: *const u8,
    url_len: usize,
    verdict_out: *mut rampart_verdict,
) -> rampart_status {
    boundary!({
        let request = reference(request)?;
        let verdict_out = out(verdict_out)?;
        let url = bytes(url, url_len)?;
        verdict_out.write(request.engine().check_url(request.inner(), url).into());
        Ok(())
    })
}

/// At connect time: did `host` (the name the client resolved, as it passed it to the
/// resolver) come from an input of `request`, and is `ip` (the address the socket really
/// connects to, as text: `10.0.0.7`, `::1`, `[fe80::1%eth0]`) internal? Catches DNS
/// rebinding and names that resolve inside, after `rampart_check_url` allowed the URL.
///
/// An `ip` that is not an address gets an allow verdict (it comes from the client
/// library, not the user). The verdict's span is in `host`: pass `RAMPART_SINK_URL` and
/// `host` to `rampart_event_json`. Neither range is kept. Allocates nothing.
///
/// Returns `RAMPART_STATUS_NULL_ARGUMENT` for a NULL request or verdict (or a NULL range
/// with a non-zero length). Thread safety: as for `rampart_check_sql`.
///
/// # Safety
/// `request` must be NULL or a live request; `host` and `ip` must point to `host_len`
/// and `ip_len` readable bytes (or be NULL with length 0); `verdict_out` must be NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn rampart_check_resolved_ip(
    request: *const rampart_request,
    host: *const u8,
    host_len: usize,
    ip: *const u8,
    ip_len: usize,
    verdict_out: *mut rampart_verdict,
) -> rampart_status {
    boundary!({
        let request = reference(request)?;
        let verdict_out = out(verdict_out)?;
        let host = bytes(host, host_len)?;
        let ip = bytes(ip, ip_len)?;
        verdict_out.write(request.engine().check_resolved_ip(request.inner(), host, ip).into());
        Ok(())
    })
}

/// Did an input of `request` send this redirect to another site, or make it a
/// `javascript:`, `vbscript:` or `data:` URL?
///
/// `location`/`location_len`: the `Location` header value (or the URL of any redirect
/// the application answers with); not kept. A host other than the request's own
/// (`rampart_request_set_host`) or the policy's `protections.open_redirect.allow_hosts`
/// is foreign: set the host first. Pass `RAMPART_SINK_REDIRECT` and the same bytes to
/// `rampart_event_json`. Allocates nothing.
///
/// Errors and thread safety as for `rampart_check_shell`.
///
/// # Safety
/// As for `rampart_check_shell`, with `location` of `location_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn rampart_check_redirect(
    request: *const rampart_request,
    location: *const u8,
    location_len: usize,
    verdict_out: *mut rampart_verdict,
) -> rampart_status {
    boundary!({
        let request = reference(request)?;
        let verdict_out = out(verdict_out)?;
        let location = bytes(location, location_len)?;
        verdict_out.write(request.engine().check_redirect(request.inner(), location).into());
        Ok(())
    })
}

/// Did an input of `request` bring a line break or NUL byte into a response header?
///
/// `name`/`name_len` and `value`/`value_len`: the header as the application is about to
/// send it; neither is kept. The verdict's span is in `value`, or in `name` when the
/// reason is `RAMPART_REASON_HEADER_NAME_INJECTION`: pass `RAMPART_SINK_HEADER` and
/// that range to `rampart_event_json`. Allocates nothing.
///
/// Returns `RAMPART_STATUS_NULL_ARGUMENT` for a NULL request or verdict (or a NULL range
/// with a non-zero length). Thread safety: as for `rampart_check_sql`.
///
/// # Safety
/// `request` must be NULL or a live request; `name` and `value` must point to
/// `name_len` and `value_len` readable bytes (or be NULL with length 0); `verdict_out`
/// must be NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn rampart_check_header(
    request: *const rampart_request,
    name: *const u8,
    name_len: usize,
    value: *const u8,
    value_len: usize,
    verdict_out: *mut rampart_verdict,
) -> rampart_status {
    boundary!({
        let request = reference(request)?;
        let verdict_out = out(verdict_out)?;
        let name = bytes(name, name_len)?;
        let value = bytes(value, value_len)?;
        verdict_out.write(request.engine().check_header(request.inner(), name, value).into());
        Ok(())
    })
}

/// Does `request` itself carry a malicious payload, whatever sink it may reach?
/// Context-free inspection ("malicious payload", docs/detection/payload.md): the
/// policy's rules and the default ruleset (scanners, forbidden paths, uploads, methods,
/// known exploits) over the method, path and inputs, then the built-in detectors on each
/// input value after decoding (SQL injection, XSS, shell commands, path traversal and
/// file inclusion, SSRF URLs).
///
/// Call it once per HTTP request, after its inputs, method and path are set and before
/// the application runs. Findings have threat `RAMPART_THREAT_MALICIOUS_PAYLOAD`; the
/// policy's `protections.malicious_payload` decides the action (report by default, even
/// in block mode: payload inspection is noisier than the sink checks). `rule_id` names
/// the rule for `RAMPART_REASON_RULE_MATCH`. The span covers the whole offending input
/// value (a match may exist only after decoding); `input_index` is `RAMPART_NONE` for a
/// rule on the method or path. For the event, pass `RAMPART_SINK_REQUEST` and an empty
/// resource to `rampart_event_json`.
///
/// Allocates nothing once the calling thread has inspected a request as large (each
/// thread keeps its decoding buffers); linear in the inputs' total length.
///
/// Returns `RAMPART_STATUS_NULL_ARGUMENT` for a NULL request or verdict. Thread safety:
/// as for `rampart_check_sql`.
///
/// # Safety
/// `request` must be NULL or a live request; `verdict_out` must be NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn rampart_inspect(
    request: *const rampart_request,
    verdict_out: *mut rampart_verdict,
) -> rampart_status {
    boundary!({
        let request = reference(request)?;
        let verdict_out = out(verdict_out)?;
        verdict_out.write(request.engine().inspect(request.inner()).into());
        Ok(())
    })
}

#[inline]
fn dialect_from_code(code: u32) -> Result<Dialect, rampart_status> {
    Ok(match code {
        1 => Dialect::MySql,
        2 => Dialect::PostgreSql,
        3 => Dialect::Sqlite,
        4 => Dialect::MsSql,
        5 => Dialect::Oracle,
        6 => Dialect::Generic,
        _ => return Err(rampart_status::RAMPART_STATUS_INVALID_ARGUMENT),
    })
}

/// Writes `status`'s description to the error buffer and returns `status`.
unsafe fn fail(err_buf: *mut c_char, err_cap: usize, status: rampart_status) -> rampart_status {
    let text = std::ffi::CStr::from_ptr(crate::error::rampart_status_str(status as u32));
    write_message(err_buf, err_cap, &text.to_string_lossy());
    status
}

/// Writes a core error's message to the error buffer and returns its status.
unsafe fn fail_with(err_buf: *mut c_char, err_cap: usize, error: &Error) -> rampart_status {
    write_message(err_buf, err_cap, &error.to_string());
    rampart_status::from_kind(error.kind())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dialect_codes_are_the_core_codes() {
        for dialect in Dialect::ALL {
            assert_eq!(dialect_from_code(dialect.code()), Ok(*dialect));
        }
        assert!(dialect_from_code(0).is_err());
        assert!(dialect_from_code(7).is_err());
    }
}
