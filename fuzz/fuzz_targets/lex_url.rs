//! URL splitting (both readings) and host parsing: parts lie inside the URL, in order
//! (scheme, then an authority holding userinfo, host and port in that order), the head
//! bound is inside the URL, and parsing twice gives the same parts.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rampart_core::lex::url::{head_bound, parse_host, Part, Relative, UrlParts};

fn inside(name: &str, part: Option<Part>, lo: usize, hi: usize) {
    if let Some(p) = part {
        assert!(lo <= p.start && p.start <= p.end && p.end <= hi, "{name} {p:?} outside {lo}..{hi}");
    }
}

fuzz_target!(|url: &[u8]| {
    assert!(head_bound(url) <= url.len());
    for relative in [Relative::Fetch, Relative::Navigate] {
        let parts = UrlParts::parse(url, relative);
        assert_eq!(parts, UrlParts::parse(url, relative), "url parsing is not deterministic");
        inside("scheme", parts.scheme, 0, url.len());
        let after_scheme = parts.scheme.map_or(0, |s| s.end);
        inside("authority", parts.authority, after_scheme, url.len());
        let (lo, hi) = parts.authority.map_or((0, url.len()), |a| (a.start, a.end));
        inside("userinfo", parts.userinfo, lo, hi);
        let after_userinfo = parts.userinfo.map_or(lo, |u| u.end);
        inside("host", parts.host, after_userinfo, hi);
        let after_host = parts.host.map_or(after_userinfo, |h| h.end);
        inside("port", parts.port, after_host, hi);
        for target in parts.targets().into_iter().flatten() {
            inside("target", Some(target), 0, url.len());
        }
        let host = parts.parse_host(url);
        assert_eq!(host, parts.parse_host(url));
    }
    assert_eq!(parse_host(url), parse_host(url), "host parsing is not deterministic");
});
