//! `rampart_verdict`: the outcome of one check, a plain C struct.
//!
//! Its enum fields are `uint32_t` holding the core's stable codes, so that a verdict C
//! hands back (to `rampart_event_json`) can never hold an invalid Rust enum, and a
//! verdict from a newer library with a new code still reads as a number. The C enums
//! below name those codes; `tests/header.rs` checks that every code of the core has its
//! constant in the header.

use rampart_core::{Action, Reason, Span, Threat, Verdict};

use crate::error::rampart_status;

/// "No value" in a `size_t` field of `rampart_verdict`: `SIZE_MAX`, defined in the header
/// by cbindgen.toml (cbindgen cannot translate `usize::MAX`).
pub(crate) const RAMPART_NONE: usize = usize::MAX;

/// What the host should do about a check's outcome (`rampart_verdict.action`).
#[allow(non_camel_case_types, clippy::enum_variant_names)]
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum rampart_action {
    /// Nothing found, or the protection is off for this request: let the call proceed.
    RAMPART_ACTION_ALLOW = 0,
    /// An attack was found; the policy says report it (log the event) and proceed.
    RAMPART_ACTION_REPORT = 1,
    /// An attack was found; the policy says do not make the call (log the event, fail
    /// the call, answer the HTTP request with the block response).
    RAMPART_ACTION_BLOCK = 2,
}

/// The kind of attack found (`rampart_verdict.threat`); the core's `Threat` codes.
#[allow(non_camel_case_types, clippy::enum_variant_names)]
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum rampart_threat {
    /// Nothing was found.
    RAMPART_THREAT_NONE = 0,
    RAMPART_THREAT_SQL_INJECTION = 1,
    RAMPART_THREAT_COMMAND_INJECTION = 2,
    RAMPART_THREAT_PATH_TRAVERSAL = 3,
    RAMPART_THREAT_SSRF = 4,
    RAMPART_THREAT_NOSQL_INJECTION = 5,
    RAMPART_THREAT_OPEN_REDIRECT = 6,
    RAMPART_THREAT_HEADER_INJECTION = 7,
    RAMPART_THREAT_MALICIOUS_PAYLOAD = 8,
}

/// Why an input was judged an attack (`rampart_verdict.reason`); the core's `Reason`
/// codes, grouped by hundreds per detector. docs/detection/ explains each.
#[allow(non_camel_case_types, clippy::enum_variant_names)]
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum rampart_reason {
    /// Nothing was found.
    RAMPART_REASON_NONE = 0,
    /// The input starts or ends inside a string literal or quoted identifier and leaves it.
    RAMPART_REASON_SQL_LITERAL_ESCAPE = 101,
    /// The input opens or closes a comment.
    RAMPART_REASON_SQL_COMMENT = 102,
    /// The input brings a statement separator.
    RAMPART_REASON_SQL_STATEMENT_SEPARATOR = 103,
    /// The input brings an operator.
    RAMPART_REASON_SQL_OPERATOR = 104,
    /// The input brings keywords or words beyond a simple list.
    RAMPART_REASON_SQL_KEYWORD = 105,
    /// The input covers a byte the dialect cannot start a token with.
    RAMPART_REASON_SQL_UNKNOWN_TOKEN = 106,
    /// The input brings a shell control operator (`;`, `&`, `|`, `&&`, `||`, `(`, `)`).
    RAMPART_REASON_SHELL_OPERATOR = 201,
    /// The input brings a substitution or expansion (`$(..)`, backticks, `${..}`, `$VAR`, `$((..))`).
    RAMPART_REASON_SHELL_SUBSTITUTION = 202,
    /// The input brings a redirection (`<`, `>`, `>>`, `<<`, `2>&1`, ...).
    RAMPART_REASON_SHELL_REDIRECTION = 203,
    /// The input brings a newline that ends the command (or a here-document).
    RAMPART_REASON_SHELL_NEWLINE = 204,
    /// The input leaves a quoted string, or ends with a backslash that escapes the command's next byte.
    RAMPART_REASON_SHELL_QUOTE_ESCAPE = 205,
    /// The input starts a comment.
    RAMPART_REASON_SHELL_COMMENT = 206,
    /// The input's unquoted blanks split it into several arguments.
    RAMPART_REASON_SHELL_WORD_SPLIT = 207,
    /// The input brings an unquoted glob, brace or tilde expansion (`*`, `?`, `[..]`, `{a,b}`, `~`).
    RAMPART_REASON_SHELL_GLOB = 208,
    /// The input starts an argument with `-`: an option for the program.
    RAMPART_REASON_SHELL_OPTION = 209,
    /// The input is or names the command to run (or an environment assignment before it).
    RAMPART_REASON_SHELL_COMMAND = 210,
    /// The input covers bytes the shell cannot read safely: a NUL byte (which cuts the command short) or nesting too deep to follow.
    RAMPART_REASON_SHELL_UNKNOWN_TOKEN = 211,
    /// The input is or sets the program to run (argv[0], or the program a wrapper runs).
    RAMPART_REASON_EXEC_PROGRAM = 220,
    /// The input injects an option into a program whose options run code or write files.
    RAMPART_REASON_EXEC_OPTION = 221,
    /// The input is code for an interpreter or script language run by the program.
    RAMPART_REASON_EXEC_CODE = 222,
    /// The input brings a `..` segment into a file path.
    RAMPART_REASON_PATH_TRAVERSAL = 301,
    /// The input is an absolute path (or drive, UNC path, `file:` URL) the path starts with.
    RAMPART_REASON_PATH_ABSOLUTE = 302,
    /// The input brings a NUL byte, which cuts the path short below the runtime.
    RAMPART_REASON_PATH_NUL_BYTE = 303,
    /// The input names a secrets file (`.env`, `.git/`, `.ssh/`, ...) inside the application's directory.
    RAMPART_REASON_PATH_SECRET_FILE = 304,
    /// `path_traversal` reaching a sensitive file (`/etc/passwd`, `/proc/self/`, credentials).
    RAMPART_REASON_PATH_TRAVERSAL_SENSITIVE = 311,
    /// `path_absolute` naming a sensitive file.
    RAMPART_REASON_PATH_ABSOLUTE_SENSITIVE = 312,
    /// `path_nul_byte` with a sensitive file before the NUL.
    RAMPART_REASON_PATH_NUL_BYTE_SENSITIVE = 313,
    /// The input points an outgoing request to a loopback, private, link-local or internal host.
    RAMPART_REASON_SSRF_INTERNAL_HOST = 401,
    /// The input points an outgoing request to a cloud metadata service.
    RAMPART_REASON_SSRF_CLOUD_METADATA = 402,
    /// The input chooses a scheme other than http(s) (`file:`, `gopher:`, `dict:`, ...).
    RAMPART_REASON_SSRF_SCHEME = 403,
    /// A host name from the input resolved to a loopback, private or link-local address.
    RAMPART_REASON_SSRF_RESOLVED_INTERNAL = 404,
    /// A host name from the input resolved to a cloud metadata address.
    RAMPART_REASON_SSRF_RESOLVED_METADATA = 405,
    /// A user-supplied object's query operator (`$ne`, `$gt`, `$regex`, `$in`, ...) is in the filter.
    RAMPART_REASON_NOSQL_OPERATOR = 501,
    /// A user-supplied object's code-running operator (`$where`, `$function`, `$accumulator`, `$expr`) is in the filter.
    RAMPART_REASON_NOSQL_CODE_OPERATOR = 502,
    /// The input breaks out of a JSON string or adds JSON structure to the filter text.
    RAMPART_REASON_NOSQL_JSON_ESCAPE = 503,
    /// The input sends the redirect to a host other than the application's own.
    RAMPART_REASON_REDIRECT_FOREIGN_HOST = 601,
    /// The input makes the redirect a `javascript:`, `data:` or `vbscript:` URL.
    RAMPART_REASON_REDIRECT_SCRIPT_SCHEME = 602,
    /// The input brings a CR or LF into a response header value.
    RAMPART_REASON_HEADER_LINE_BREAK = 701,
    /// The input brings a NUL byte into a response header value.
    RAMPART_REASON_HEADER_NUL_BYTE = 702,
    /// The input brings a CR, LF, NUL, colon or space into a response header name.
    RAMPART_REASON_HEADER_NAME_INJECTION = 703,
    /// The value forms SQL code in one of the usual injection contexts (bare, `'..'`, `".."`).
    RAMPART_REASON_PAYLOAD_SQL_INJECTION = 801,
    /// The value adds script to a page: an active tag, an event handler, a script URL.
    RAMPART_REASON_PAYLOAD_XSS = 802,
    /// The value starts a command after a shell operator or in a substitution.
    RAMPART_REASON_PAYLOAD_COMMAND_INJECTION = 803,
    /// The value climbs directories, names a sensitive file or uses a file stream wrapper.
    RAMPART_REASON_PAYLOAD_PATH_TRAVERSAL = 804,
    /// The value is a URL to an internal or metadata host, or uses a request-smuggling scheme.
    RAMPART_REASON_PAYLOAD_SSRF = 805,
    /// The value is still URL-encoded after eight rounds of decoding.
    RAMPART_REASON_PAYLOAD_ENCODING_EVASION = 806,
    /// A rule of the rule engine matched (the verdict's `rule_id` names it).
    RAMPART_REASON_RULE_MATCH = 810,
}

/// The outcome of one check. A plain value: copy it, keep it, pass it back to
/// `rampart_event_json`; it owns nothing.
///
/// `threat == RAMPART_THREAT_NONE` means nothing was found (then `action` is
/// `RAMPART_ACTION_ALLOW`, `reason` is `RAMPART_REASON_NONE` and the `size_t` fields are
/// `RAMPART_NONE`). Otherwise `action` says what to do; an allow with a threat does not
/// happen.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct rampart_verdict {
    /// A `rampart_action`.
    pub action: u32,
    /// A `rampart_threat`.
    pub threat: u32,
    /// A `rampart_reason`.
    pub reason: u32,
    /// The rule that matched, for rule-engine findings; 0 for built-in detection.
    pub rule_id: u32,
    /// Index (in the order of `rampart_request_add_input`) of the input that carried
    /// the attack, or `RAMPART_NONE`.
    pub input_index: usize,
    /// Where that input sits in the checked resource: bytes
    /// `[span_start, span_end)`, or both `RAMPART_NONE`.
    pub span_start: usize,
    /// One past the input's last byte in the resource, or `RAMPART_NONE`.
    pub span_end: usize,
}

impl From<Verdict> for rampart_verdict {
    #[inline]
    fn from(v: Verdict) -> rampart_verdict {
        let (span_start, span_end) = v.span.map_or((RAMPART_NONE, RAMPART_NONE), |s| (s.start, s.end));
        rampart_verdict {
            action: v.action.code(),
            threat: v.threat.map_or(0, Threat::code),
            reason: v.reason.map_or(0, Reason::code),
            rule_id: v.rule_id,
            input_index: v.input_index.unwrap_or(RAMPART_NONE),
            span_start,
            span_end,
        }
    }
}

impl TryFrom<&rampart_verdict> for Verdict {
    type Error = rampart_status;

    /// Reads a verdict handed back by C; any code the core does not know is an invalid
    /// argument, never undefined behaviour.
    fn try_from(v: &rampart_verdict) -> Result<Verdict, rampart_status> {
        let invalid = rampart_status::RAMPART_STATUS_INVALID_ARGUMENT;
        let action =
            [Action::Allow, Action::Report, Action::Block].into_iter().find(|a| a.code() == v.action).ok_or(invalid)?;
        let threat = match v.threat {
            0 => None,
            code => Some(Threat::from_code(code).ok_or(invalid)?),
        };
        let reason = match v.reason {
            0 => None,
            code => Some(Reason::from_code(code).ok_or(invalid)?),
        };
        let span = match (v.span_start, v.span_end) {
            (RAMPART_NONE, RAMPART_NONE) => None,
            (start, end) if start <= end && end != RAMPART_NONE => Some(Span { start, end }),
            _ => return Err(invalid),
        };
        let input_index = (v.input_index != RAMPART_NONE).then_some(v.input_index);
        Ok(Verdict { action, threat, reason, input_index, span, rule_id: v.rule_id })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_round_trip() {
        let found = Verdict {
            action: Action::Block,
            threat: Some(Threat::SqlInjection),
            reason: Some(Reason::SqlComment),
            input_index: Some(3),
            span: Some(Span { start: 10, end: 20 }),
            rule_id: 0,
        };
        for v in [Verdict::ALLOW, found] {
            let c = rampart_verdict::from(v);
            assert_eq!(Verdict::try_from(&c), Ok(v));
        }
        let c = rampart_verdict::from(Verdict::ALLOW);
        assert_eq!((c.action, c.threat, c.reason, c.input_index, c.span_start), (0, 0, 0, RAMPART_NONE, RAMPART_NONE));
    }

    #[test]
    fn foreign_verdicts_are_validated() {
        let good = rampart_verdict::from(Verdict::ALLOW);
        for bad in [
            rampart_verdict { action: 3, ..good },
            rampart_verdict { threat: 99, ..good },
            rampart_verdict { reason: 1, ..good },
            rampart_verdict { span_start: 5, span_end: 4, ..good },
            rampart_verdict { span_start: 5, ..good },
        ] {
            assert_eq!(Verdict::try_from(&bad), Err(rampart_status::RAMPART_STATUS_INVALID_ARGUMENT), "{bad:?}");
        }
    }

    #[test]
    fn enum_constants_are_the_core_codes() {
        for action in [Action::Allow, Action::Report, Action::Block] {
            let c = [
                rampart_action::RAMPART_ACTION_ALLOW,
                rampart_action::RAMPART_ACTION_REPORT,
                rampart_action::RAMPART_ACTION_BLOCK,
            ][action.code() as usize];
            assert_eq!(format!("{c:?}"), format!("RAMPART_ACTION_{}", action.name().to_ascii_uppercase()));
        }
        // Threat and reason constants are checked against the generated header in
        // tests/header.rs, which sees every variant of the core.
    }
}
