//! `rampart_status`: the result of every fallible call, and the mapping from the core's
//! error kinds.

use std::ffi::c_char;

use rampart_core::ErrorKind;

use crate::boundary::boundary;

/// The result of every fallible rampart function.
///
/// Statuses 1 to 99 are the core's error kinds, with the same stable codes (the CLI and
/// every language binding use them too); statuses from 100 up belong to the C ABI.
/// Values are never reused. A finding (report or block) is not an error: checks return
/// `RAMPART_STATUS_OK` and describe it in their `rampart_verdict`.
#[allow(non_camel_case_types, clippy::enum_variant_names)]
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum rampart_status {
    /// Success; the call's out parameters were written.
    RAMPART_STATUS_OK = 0,
    /// The policy document is invalid (bad JSON, unknown key, bad value, bad
    /// `RAMPART_MODE`); the error message names the field.
    RAMPART_STATUS_INVALID_POLICY = 1,
    /// The policy file named by `RAMPART_POLICY` could not be read.
    RAMPART_STATUS_POLICY_IO = 2,
    /// An argument is outside its domain: an unknown enum code, a name that is not
    /// UTF-8, malformed `meta_json`, an inconsistent verdict.
    RAMPART_STATUS_INVALID_ARGUMENT = 3,
    /// A pointer the call requires was NULL (or a byte pointer was NULL with a
    /// non-zero length).
    RAMPART_STATUS_NULL_ARGUMENT = 100,
    /// An output buffer is too small. The call wrote the needed length (without the
    /// terminating NUL) to its `*_len_out` and nothing else; call again with a buffer
    /// of at least that length plus one.
    RAMPART_STATUS_BUFFER_TOO_SMALL = 101,
    /// `rampart_event_json` was given a verdict that found nothing: there is no event.
    RAMPART_STATUS_NO_EVENT = 102,
    /// The core reported an error kind this version of the C ABI does not know.
    RAMPART_STATUS_UNKNOWN_ERROR = 198,
    /// A bug inside rampart was caught at the boundary. The call had no effect on the
    /// host; reset or free the handle it was given. Please report it.
    RAMPART_STATUS_PANIC = 199,
}

use rampart_status::*;

impl rampart_status {
    /// The status of a core error kind: the same code for every kind this ABI knows.
    pub fn from_kind(kind: ErrorKind) -> rampart_status {
        match kind {
            ErrorKind::InvalidPolicy => RAMPART_STATUS_INVALID_POLICY,
            ErrorKind::PolicyIo => RAMPART_STATUS_POLICY_IO,
            ErrorKind::InvalidArgument => RAMPART_STATUS_INVALID_ARGUMENT,
            _ => RAMPART_STATUS_UNKNOWN_ERROR,
        }
    }

    /// Every status, in code order.
    pub(crate) const ALL: [rampart_status; 9] = [
        RAMPART_STATUS_OK,
        RAMPART_STATUS_INVALID_POLICY,
        RAMPART_STATUS_POLICY_IO,
        RAMPART_STATUS_INVALID_ARGUMENT,
        RAMPART_STATUS_NULL_ARGUMENT,
        RAMPART_STATUS_BUFFER_TOO_SMALL,
        RAMPART_STATUS_NO_EVENT,
        RAMPART_STATUS_UNKNOWN_ERROR,
        RAMPART_STATUS_PANIC,
    ];

    /// Stable NUL-terminated name and description.
    const fn text(self) -> &'static [u8] {
        match self {
            RAMPART_STATUS_OK => b"ok\0",
            RAMPART_STATUS_INVALID_POLICY => b"invalid_policy: the policy document is invalid\0",
            RAMPART_STATUS_POLICY_IO => b"policy_io: the policy file could not be read\0",
            RAMPART_STATUS_INVALID_ARGUMENT => b"invalid_argument: an argument is outside its domain\0",
            RAMPART_STATUS_NULL_ARGUMENT => b"null_argument: a required pointer was NULL\0",
            RAMPART_STATUS_BUFFER_TOO_SMALL => b"buffer_too_small: the output buffer is too small\0",
            RAMPART_STATUS_NO_EVENT => b"no_event: the verdict found nothing to report\0",
            RAMPART_STATUS_UNKNOWN_ERROR => b"unknown_error: an error this version does not know\0",
            RAMPART_STATUS_PANIC => b"panic: an internal error was caught; please report it\0",
        }
    }
}

/// A description of `status` for logs: `"<name>: <sentence>"`, e.g.
/// `"buffer_too_small: the output buffer is too small"`.
///
/// Takes the status as `uint32_t` so that any value is valid: an unknown one gives
/// `"unknown status"`.
///
/// Returns a static NUL-terminated string, never NULL; do not free it.
/// Thread-safe.
#[no_mangle]
pub extern "C" fn rampart_status_str(status: u32) -> *const c_char {
    const UNKNOWN: &[u8] = b"unknown status\0";
    boundary!(UNKNOWN.as_ptr().cast() => {
        let text = rampart_status::ALL.iter().find(|s| **s as u32 == status).map_or(UNKNOWN, |s| s.text());
        text.as_ptr().cast()
    })
}

#[cfg(test)]
mod tests {
    use std::ffi::CStr;

    use super::*;

    #[test]
    fn core_kinds_keep_their_codes() {
        for kind in [ErrorKind::InvalidPolicy, ErrorKind::PolicyIo, ErrorKind::InvalidArgument] {
            let status = rampart_status::from_kind(kind);
            assert_eq!(status as u32, kind.code());
            // SAFETY: rampart_status_str returns a static NUL-terminated string.
            let text = unsafe { CStr::from_ptr(rampart_status_str(status as u32)) }.to_str().expect("ASCII");
            assert!(text.starts_with(kind.name()), "{text} names {}", kind.name());
        }
    }

    #[test]
    fn every_status_has_a_text() {
        for (i, status) in rampart_status::ALL.iter().enumerate() {
            assert!(status.text().ends_with(b"\0"));
            assert_eq!(status.text().iter().filter(|&&b| b == 0).count(), 1);
            if i > 0 {
                assert!((rampart_status::ALL[i - 1] as u32) < *status as u32, "ALL is in code order");
            }
        }
        // SAFETY: static NUL-terminated strings.
        let unknown = unsafe { CStr::from_ptr(rampart_status_str(12345)) };
        assert_eq!(unknown.to_bytes(), b"unknown status");
    }
}
