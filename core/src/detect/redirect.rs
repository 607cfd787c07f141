//! Open redirect: did an input send a redirect to another site?
//!
//! The rules are in `docs/detection/redirect.md`. The `Location` value is read the way
//! a browser resolves it against the current page (leading C0 controls and spaces
//! stripped, tabs and newlines removed, `\` as `/`, `https:evil.com` and `/\evil.com`
//! naming a host). An occurrence of an input that covers the host is an attack when
//! that host is not the request's own host and not in `allow_hosts`; one that covers
//! the scheme is an attack when the scheme runs script or embeds a document
//! (`javascript:`, `vbscript:`, `data:`).

use std::cell::OnceCell;

use crate::detect::ssrf::{is_allowed, ParsedUrl};
use crate::lex::url::{eq_ignoring_tabs, parse_host, Host};
use crate::request::Structural;
use crate::verdict::{Reason, Span};

/// Two bytes: `//` alone turns a path into a host.
pub(crate) const MIN_INPUT_LEN: usize = 2;

/// Finds the first occurrence of the input in `location` that picks a foreign host or
/// a script scheme. `own_host` is the request's host ([`Host::Empty`] when unknown: then
/// every host an input picks is foreign unless allowed).
pub(crate) fn find_open_redirect(
    location: &[u8],
    parsed: &ParsedUrl<'_>,
    own_host: &OnceCell<Host>,
    own_header: &[u8],
    allow_hosts: &[String],
    input: &Structural<'_>,
) -> Option<(Span, Reason)> {
    let len = input.input.value.len();
    // Per-location facts, computed once whatever the number of occurrences.
    let script_scheme = parsed.parts.scheme.filter(|scheme| {
        let text = scheme.of(location);
        [&b"javascript"[..], b"vbscript", b"data"].iter().any(|s| eq_ignoring_tabs(text, s))
    });
    let mut foreign: Option<bool> = None;
    for start in input.occurrences(parsed.head(len)) {
        let end = start + len;
        let span = Span { start, end };
        if script_scheme.is_some_and(|s| s.start >= start && s.end <= end) {
            return Some((span, Reason::RedirectScriptScheme));
        }
        if !parsed.chooses_host(start, end) {
            continue;
        }
        let foreign = *foreign.get_or_insert_with(|| match parsed.host() {
            // A browser refuses to follow these.
            Host::Empty | Host::Invalid => false,
            host => host != own_host.get_or_init(|| parse_own_host(own_header)) && !is_allowed(host, allow_hosts),
        });
        if foreign {
            return Some((span, Reason::RedirectForeignHost));
        }
    }
    None
}

/// The host part of a `Host` header value (`example.com:8080`, `[::1]:80`), parsed.
pub(crate) fn parse_own_host(header: &[u8]) -> Host {
    let host = match header.first() {
        Some(b'[') => match header.iter().position(|&b| b == b']') {
            Some(close) => &header[..=close],
            None => header,
        },
        _ => match header.iter().position(|&b| b == b':') {
            Some(colon) => &header[..colon],
            None => header,
        },
    };
    parse_host(host)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lex::url::{Relative, UrlParts};
    use crate::request::{Request, Source};

    fn judge(location: &str, value: &str, own: &str) -> Option<Reason> {
        let mut r = Request::new();
        r.add_input(Source::Query, b"next", value.as_bytes());
        let input = r.all_inputs(MIN_INPUT_LEN).next()?;
        let bytes = location.as_bytes();
        let parsed = ParsedUrl::new(bytes, UrlParts::parse(bytes, Relative::Navigate), &[]);
        find_open_redirect(bytes, &parsed, &OnceCell::new(), own.as_bytes(), &[], &input).map(|(_, r)| r)
    }

    #[test]
    fn foreign_hosts() {
        for location in [
            "https://evil.com/",
            "//evil.com",
            "/\\evil.com",
            "\\\\evil.com",
            "https:evil.com",
            " \t//evil.com",
            "/\t/evil.com",
            "https://shop.example.com@evil.com/",
            "https://shop.example.com.evil.com/",
            "HTTPS://EVIL.COM",
        ] {
            assert_eq!(
                judge(location, location, "shop.example.com"),
                Some(Reason::RedirectForeignHost),
                "{location:?}"
            );
        }
        assert_eq!(judge("javascript:alert(1)", "javascript:alert(1)", "a.b"), Some(Reason::RedirectScriptScheme));
    }

    #[test]
    fn same_site_or_paths() {
        for (location, value) in [
            ("/dashboard?tab=2", "/dashboard?tab=2"),
            ("https://shop.example.com/cart", "https://shop.example.com/cart"),
            ("https://SHOP.example.com./cart", "https://SHOP.example.com./cart"),
            ("/search?q=//evil.com", "//evil.com"),
            ("evil.com", "evil.com"),
            ("https://shop.example.com/login?next=https://evil.com", "https://evil.com"),
        ] {
            assert_eq!(judge(location, value, "shop.example.com:443"), None, "{value:?} in {location:?}");
        }
    }
}
