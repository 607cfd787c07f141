//! The policy's block response, rendered for a C host.

use std::ffi::c_char;

use crate::boundary::{boundary, bytes, out, reference, TextOut};
use crate::engine::rampart_engine;
use crate::error::rampart_status;

/// Longest event id `rampart_block_response` accepts.
const MAX_EVENT_ID_LEN: usize = 128;

/// Renders the policy's block response: what a host answers an HTTP request with after
/// a check said `RAMPART_ACTION_BLOCK` (docs/policy.md, `block_response`).
///
/// `event_id`/`event_id_len`: the blocked event's id, substituted for `{{event_id}}` in
/// the body so a user can quote it; at most 128 bytes of `[A-Za-z0-9._:-]` (it lands in
/// HTML), may be empty.
///
/// On success writes the HTTP status to `*status_out`, the content type (for the
/// `Content-Type` header) to `content_type_buf` and the body (UTF-8) to `body_buf`,
/// each NUL-terminated, and their lengths (excluding the NUL) to
/// `*content_type_len_out` and `*body_len_out`. When either buffer is too small, writes
/// only both lengths and returns `RAMPART_STATUS_BUFFER_TOO_SMALL` (NULL buffers with
/// capacity 0 ask for the sizes).
///
/// Returns `RAMPART_STATUS_INVALID_ARGUMENT` for a malformed event id,
/// `RAMPART_STATUS_NULL_ARGUMENT` for a NULL engine or out pointer. Thread-safe.
///
/// # Safety
/// `engine` must be NULL or live; `event_id` must point to `event_id_len` readable bytes
/// (or be NULL with length 0); each buffer must be NULL or have its capacity in
/// writable bytes; the `*_out` pointers must be NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn rampart_block_response(
    engine: *const rampart_engine,
    event_id: *const u8,
    event_id_len: usize,
    status_out: *mut u16,
    content_type_buf: *mut c_char,
    content_type_cap: usize,
    content_type_len_out: *mut usize,
    body_buf: *mut c_char,
    body_cap: usize,
    body_len_out: *mut usize,
) -> rampart_status {
    boundary!({
        let engine = reference(engine)?;
        let event_id = bytes(event_id, event_id_len)?;
        let status_out = out(status_out)?;
        let content_type = TextOut::new(content_type_buf, content_type_cap, content_type_len_out)?;
        let body = TextOut::new(body_buf, body_cap, body_len_out)?;
        let event_id = valid_event_id(event_id).ok_or(rampart_status::RAMPART_STATUS_INVALID_ARGUMENT)?;

        let engine = engine.shared.load();
        let response = &engine.policy().block_response;
        let rendered = response.render_body(event_id);
        if !content_type.fits(response.content_type.len()) || !body.fits(rendered.len()) {
            content_type.report_len(response.content_type.len());
            body.report_len(rendered.len());
            return Err(rampart_status::RAMPART_STATUS_BUFFER_TOO_SMALL);
        }
        content_type.write(response.content_type.as_bytes())?;
        body.write(rendered.as_bytes())?;
        status_out.write(response.status);
        Ok(())
    })
}

fn valid_event_id(id: &[u8]) -> Option<&str> {
    let allowed = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-');
    if id.len() > MAX_EVENT_ID_LEN || !id.iter().all(allowed) {
        return None;
    }
    std::str::from_utf8(id).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_ids_cannot_inject_markup() {
        assert_eq!(valid_event_id(b"5f0c9a2e41d7b3c8"), Some("5f0c9a2e41d7b3c8"));
        assert_eq!(valid_event_id(b"req-1.2:3_4"), Some("req-1.2:3_4"));
        assert_eq!(valid_event_id(b""), Some(""));
        assert_eq!(valid_event_id(b"<script>"), None);
        assert_eq!(valid_event_id(&[b'a'; 129]), None);
    }
}
