//! The one error type of rampart-core.
//!
//! Expected outcomes of a check (allow / report / block) are [`Verdict`](crate::Verdict)
//! values, never errors. Errors are for things a caller must fix: a malformed policy, a
//! policy file that cannot be read, an argument outside its domain.

use std::fmt;

/// What went wrong, with a stable numeric code.
///
/// Codes are part of the public contract (the C ABI, the bindings' exception classes and
/// the CLI's exit messages use them) and are never reused: a removed kind leaves a hole.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The policy document is not valid: bad JSON, an unknown key, a value out of range.
    /// The message names the field (`protections.sql_injection.action`).
    InvalidPolicy,
    /// The policy file named by `RAMPART_POLICY` could not be read.
    PolicyIo,
    /// An argument is outside its domain (an unknown dialect or source name, say).
    InvalidArgument,
}

impl ErrorKind {
    /// The stable numeric code of this kind.
    pub const fn code(self) -> u32 {
        match self {
            ErrorKind::InvalidPolicy => 1,
            ErrorKind::PolicyIo => 2,
            ErrorKind::InvalidArgument => 3,
        }
    }

    /// A short snake_case name, stable like the code.
    pub const fn name(self) -> &'static str {
        match self {
            ErrorKind::InvalidPolicy => "invalid_policy",
            ErrorKind::PolicyIo => "policy_io",
            ErrorKind::InvalidArgument => "invalid_argument",
        }
    }
}

/// An error from rampart-core: a kind plus a message meant for a person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error { kind, message: message.into() }
    }

    /// The kind of this error.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message, without the kind prefix.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.name(), self.message)
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable() {
        assert_eq!(ErrorKind::InvalidPolicy.code(), 1);
        assert_eq!(ErrorKind::PolicyIo.code(), 2);
        assert_eq!(ErrorKind::InvalidArgument.code(), 3);
    }

    #[test]
    fn display_names_kind_and_message() {
        let e = Error::new(ErrorKind::InvalidPolicy, "mode: unknown variant `blok`");
        assert_eq!(e.to_string(), "invalid_policy: mode: unknown variant `blok`");
    }
}
