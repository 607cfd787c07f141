//! Events: the JSON line a host logs for a finding, formatted by the core.

use std::ffi::c_char;

use rampart_core::event::{new_event_id, EventContext};
use rampart_core::Verdict;

use crate::boundary::{boundary, bytes, reference, TextOut};
use crate::error::rampart_status;
use crate::request::rampart_request;
use crate::verdict::rampart_verdict;

/// Length of an event id made by rampart: 32 lowercase hex digits. A buffer for one
/// needs `RAMPART_EVENT_ID_LEN + 1` bytes.
pub const RAMPART_EVENT_ID_LEN: usize = 32;

/// The kind of sink a resource was checked for (`sink.kind` in the event).
#[allow(non_camel_case_types, clippy::enum_variant_names)]
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum rampart_sink {
    /// A SQL query (`rampart_check_sql`).
    RAMPART_SINK_SQL = 1,
    /// A command string run by a shell.
    RAMPART_SINK_SHELL = 2,
    /// A program run with an argv, without a shell.
    RAMPART_SINK_EXEC = 3,
    /// A file-system path.
    RAMPART_SINK_PATH = 4,
    /// An outgoing request's URL.
    RAMPART_SINK_URL = 5,
    /// A NoSQL (MongoDB-style) filter.
    RAMPART_SINK_NOSQL = 6,
    /// A redirect's location.
    RAMPART_SINK_REDIRECT = 7,
    /// A response header.
    RAMPART_SINK_HEADER = 8,
    /// The HTTP request itself (`rampart_inspect`): no sink, a malicious payload.
    RAMPART_SINK_REQUEST = 9,
}

impl rampart_sink {
    /// Every sink, in code order.
    pub(crate) const ALL: [rampart_sink; 9] = [
        rampart_sink::RAMPART_SINK_SQL,
        rampart_sink::RAMPART_SINK_SHELL,
        rampart_sink::RAMPART_SINK_EXEC,
        rampart_sink::RAMPART_SINK_PATH,
        rampart_sink::RAMPART_SINK_URL,
        rampart_sink::RAMPART_SINK_NOSQL,
        rampart_sink::RAMPART_SINK_REDIRECT,
        rampart_sink::RAMPART_SINK_HEADER,
        rampart_sink::RAMPART_SINK_REQUEST,
    ];

    /// The name events use (`sql`, `shell`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            rampart_sink::RAMPART_SINK_SQL => "sql",
            rampart_sink::RAMPART_SINK_SHELL => "shell",
            rampart_sink::RAMPART_SINK_EXEC => "exec",
            rampart_sink::RAMPART_SINK_PATH => "path",
            rampart_sink::RAMPART_SINK_URL => "url",
            rampart_sink::RAMPART_SINK_NOSQL => "nosql",
            rampart_sink::RAMPART_SINK_REDIRECT => "redirect",
            rampart_sink::RAMPART_SINK_HEADER => "header",
            rampart_sink::RAMPART_SINK_REQUEST => "request",
        }
    }
}

/// Formats the event of a finding as one line of JSON (docs/events.md), without a
/// trailing newline, into the caller's buffer `buf` of `cap` bytes, NUL-terminated.
///
/// - `request`: the request that was checked; `verdict`: what the check wrote.
/// - `sink`: a `rampart_sink`, the kind of check that produced `verdict`.
/// - `resource`/`resource_len`: the same bytes that were checked (the event quotes an
///   excerpt around the input). For `RAMPART_SINK_REQUEST` (`rampart_inspect`) pass NULL
///   and 0: the event then quotes the offending input's value, or the request path when
///   the verdict names no input.
/// - `meta_json`/`meta_len`: what only the host knows, as a JSON object whose fields
///   are all optional: `{"operation": "mysql_query", "event_id": "...", "client_ip":
///   "...", "user_agent": "...", "request_id": "...", "stack": ["frame", ...]}`. NULL
///   with length 0 (or blank text) means none. Without `event_id` a fresh one is made;
///   pass one from `rampart_event_id_new` to quote the same id in the block page.
///
/// Writes the JSON's length (excluding the NUL) to `*len_out`. When `cap` is not larger
/// than that length, writes only `*len_out` and returns
/// `RAMPART_STATUS_BUFFER_TOO_SMALL`: call again with `cap >= *len_out + 1` (NULL `buf`
/// with `cap` 0 asks for the size; the length is the same for the same arguments).
///
/// Returns `RAMPART_STATUS_NO_EVENT` for a verdict without a threat,
/// `RAMPART_STATUS_INVALID_ARGUMENT` for an unknown sink, a verdict holding codes this
/// library does not know or malformed `meta_json` (an unknown field included),
/// `RAMPART_STATUS_NULL_ARGUMENT` for a NULL `request`, `verdict` or `len_out`.
/// Allocates (only findings are formatted). Thread safety: as for `rampart_check_sql`.
///
/// # Safety
/// `request` and `verdict` must be NULL or live; each (pointer, length) pair must
/// describe readable bytes (or be NULL with length 0); `buf` must be NULL or have `cap`
/// writable bytes; `len_out` must be NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn rampart_event_json(
    request: *const rampart_request,
    verdict: *const rampart_verdict,
    sink: u32,
    resource: *const u8,
    resource_len: usize,
    meta_json: *const u8,
    meta_len: usize,
    buf: *mut c_char,
    cap: usize,
    len_out: *mut usize,
) -> rampart_status {
    boundary!({
        let request = reference(request)?;
        let verdict = Verdict::try_from(reference(verdict)?)?;
        let resource = bytes(resource, resource_len)?;
        let meta = bytes(meta_json, meta_len)?;
        let text = TextOut::new(buf, cap, len_out)?;
        let sink = rampart_sink::ALL
            .into_iter()
            .find(|s| *s as u32 == sink)
            .ok_or(rampart_status::RAMPART_STATUS_INVALID_ARGUMENT)?;
        let context = EventContext::from_json(meta).map_err(|e| rampart_status::from_kind(e.kind()))?;
        let event = request
            .engine()
            .event_json(request.inner(), &verdict, sink.name(), resource, &context)
            .ok_or(rampart_status::RAMPART_STATUS_NO_EVENT)?;
        text.write(event.as_bytes())
    })
}

/// Writes a fresh, unpredictable event id (`RAMPART_EVENT_ID_LEN` hex digits and a
/// NUL) into `buf` of `cap` bytes, for a host that wants to know the id before it
/// formats the event (to put it in `meta_json` and in the block page).
///
/// Returns `RAMPART_STATUS_BUFFER_TOO_SMALL` when `cap <= RAMPART_EVENT_ID_LEN`,
/// `RAMPART_STATUS_NULL_ARGUMENT` for a NULL `buf` with a non-zero `cap`. Thread-safe.
///
/// # Safety
/// `buf` must be NULL or have `cap` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn rampart_event_id_new(buf: *mut c_char, cap: usize) -> rampart_status {
    boundary!({
        let mut len = 0;
        let text = TextOut::new(buf, cap, &mut len)?;
        text.write(new_event_id().as_bytes())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sink_names_are_the_documented_ones() {
        let docs = include_str!("../../../docs/events.md");
        for (i, sink) in rampart_sink::ALL.iter().enumerate() {
            assert_eq!(*sink as usize, i + 1);
            assert!(docs.contains(&format!("`{}`", sink.name())), "docs/events.md lists {}", sink.name());
        }
        assert_eq!(new_event_id().len(), RAMPART_EVENT_ID_LEN);
    }
}
