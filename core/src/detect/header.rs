//! Header injection (response splitting): did an input bring a line break or a NUL into
//! a response header?
//!
//! A header value that holds a CR or LF from an input ends the header early and lets
//! the input write headers of its own (`Set-Cookie`, a second `Location`) or the body.
//! A header *name* from an input must be a plain token: a colon, a space, CR, LF or NUL
//! in it rewrites the header line. Rules in `docs/detection/header.md`.

use crate::request::Structural;
use crate::verdict::{Reason, Span};

/// One byte: a lone `\n` is enough to split a response on lenient clients.
pub(crate) const MIN_INPUT_LEN: usize = 1;

/// True when `value` holds a byte that can split a header line.
pub(crate) fn value_may_split(value: &[u8]) -> bool {
    memchr::memchr3(b'\r', b'\n', 0, value).is_some()
}

/// True when `name` holds a byte that is not an HTTP token character.
pub(crate) fn name_may_split(name: &[u8]) -> bool {
    name.iter().any(|&b| !is_token_byte(b))
}

/// RFC 9110 `tchar`.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// The first occurrence of the input in the header value that holds CR, LF or NUL.
pub(crate) fn find_in_value(value: &[u8], input: &Structural<'_>) -> Option<(Span, Reason)> {
    let hazard = |b: u8| match b {
        b'\r' | b'\n' => Some(Reason::HeaderLineBreak),
        0 => Some(Reason::HeaderNulByte),
        _ => None,
    };
    first_hazard(value, input, hazard)
}

/// The first occurrence of the input in the header name that holds a non-token byte.
pub(crate) fn find_in_name(name: &[u8], input: &Structural<'_>) -> Option<(Span, Reason)> {
    first_hazard(name, input, |b| (!is_token_byte(b)).then_some(Reason::HeaderNameInjection))
}

/// Occurrences and hazardous bytes both come in increasing order: one forward walk
/// judges every occurrence, linear even when a hostile input occurs everywhere.
fn first_hazard(
    resource: &[u8],
    input: &Structural<'_>,
    hazard: impl Fn(u8) -> Option<Reason>,
) -> Option<(Span, Reason)> {
    let len = input.input.value.len();
    if len == 0 || len > resource.len() {
        return None;
    }
    // The first hazardous byte at or after `from`; `scanned` is where the previous search
    // stopped, so no byte is read twice.
    let mut scanned = 0;
    let mut next = None;
    for start in input.occurrences(resource) {
        let end = start + len;
        if next.is_none_or(|(i, _)| i < start) {
            let from = scanned.max(start);
            next = resource[from..].iter().enumerate().find_map(|(i, &b)| hazard(b).map(|r| (from + i, r)));
            match next {
                Some((i, _)) => scanned = i + 1,
                None => return None,
            }
        }
        if let Some((i, reason)) = next {
            if i < end {
                return Some((Span { start, end }, reason));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::{Request, Source};

    fn value(resource: &str, input: &str) -> Option<Reason> {
        let mut r = Request::new();
        r.add_input(Source::Query, b"lang", input.as_bytes());
        let s = r.structural_inputs(MIN_INPUT_LEN).next()?;
        find_in_value(resource.as_bytes(), &s).map(|(_, reason)| reason)
    }

    #[test]
    fn line_breaks_from_inputs() {
        assert_eq!(value("en\r\nSet-Cookie: a=b", "en\r\nSet-Cookie: a=b"), Some(Reason::HeaderLineBreak));
        assert_eq!(value("/x\nLocation: //evil", "\nLocation: //evil"), Some(Reason::HeaderLineBreak));
        assert_eq!(value("a\0b", "a\0b"), Some(Reason::HeaderNulByte));
        assert_eq!(value("en-GB,en;q=0.9", "en-GB,en;q=0.9"), None);
        assert_eq!(value("a\r\nb: c", "b: c"), None);
        assert_eq!(value("a%0d%0ab", "a%0d%0ab"), None);
    }
}
