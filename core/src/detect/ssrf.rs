//! Server-side request forgery: did an input choose where an outgoing request goes, and
//! is that somewhere inside?
//!
//! The rules are in `docs/detection/ssrf.md`. In short: an occurrence of an input that
//! covers the URL's scheme, host or port is an attack when the scheme is not a web
//! scheme, or when the host (parsed the WHATWG way, every IPv4 and IPv6 spelling
//! included) is loopback, private, link-local, unspecified, an internal name or a cloud
//! metadata service, unless the policy's `allow_hosts` lists it. At connect time,
//! [`classify_ip`] judges the address a host name from an input really resolved to.

use std::cell::OnceCell;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::lex::url::{eq_ignoring_tabs, parse_host, parse_ipv4_wrapping, parse_ipv6, Host, Part, UrlParts};
use crate::request::Structural;
use crate::verdict::{Reason, Span};

/// One byte: `0` alone is a whole host (0.0.0.0, which Linux connects to loopback).
/// Short inputs are cheap here: an occurrence only counts when it covers the whole host.
pub(crate) const MIN_INPUT_LEN: usize = 1;

/// Where a host leads, when it is not the public internet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// Loopback, private, link-local, unspecified, an internal name.
    Internal,
    /// A cloud provider's instance metadata service.
    Metadata,
}

impl Target {
    fn url_reason(self) -> Reason {
        match self {
            Target::Internal => Reason::SsrfInternalHost,
            Target::Metadata => Reason::SsrfCloudMetadata,
        }
    }

    pub(crate) fn resolved_reason(self) -> Reason {
        match self {
            Target::Internal => Reason::SsrfResolvedInternal,
            Target::Metadata => Reason::SsrfResolvedMetadata,
        }
    }
}

/// A URL split once per check, lazily (most checks find no input in the URL at all),
/// with every per-URL fact the judgement needs computed at most once, so that judging
/// one occurrence costs constant time however many times a hostile input occurs.
#[derive(Debug)]
pub(crate) struct ParsedUrl<'a> {
    url: &'a [u8],
    allow_hosts: &'a [String],
    pub parts: UrlParts,
    /// Where the last label of the raw host starts.
    last_label: usize,
    /// The raw host is only digits and dots (an IPv4 literal in some spelling).
    numeric_host: bool,
    /// The widest reading of the authority: up to the first slash, past `?` and `#`.
    region: Option<Part>,
    /// An occurrence starting here or later cannot touch the scheme or the authority.
    pub head_end: usize,
    /// The scheme is neither a web scheme nor `data:`.
    non_web_scheme: bool,
    /// A `data:` URL: no host at all.
    data_url: bool,
    host: OnceCell<Host>,
    host_target: OnceCell<Option<Target>>,
    ambiguous_target: OnceCell<Option<Target>>,
}

impl<'a> ParsedUrl<'a> {
    /// `allow_hosts` exempts hosts from every verdict.
    pub(crate) fn new(url: &'a [u8], parts: UrlParts, allow_hosts: &'a [String]) -> ParsedUrl<'a> {
        let (last_label, numeric_host) = match parts.host {
            Some(h) => {
                let text = h.of(url);
                let trimmed = text.strip_suffix(b".").unwrap_or(text);
                let last = trimmed.iter().rposition(|&b| b == b'.').map_or(h.start, |dot| h.start + dot + 1);
                (last, text.iter().all(|&b| b.is_ascii_digit() || b == b'.'))
            }
            None => (0, false),
        };
        let region = parts.authority.map(|authority| {
            let end = url[authority.start..]
                .iter()
                .position(|&b| b == b'/' || b == b'\\')
                .map_or(url.len(), |i| authority.start + i);
            Part { start: authority.start, end }
        });
        let head_end = [parts.scheme, parts.authority, region].iter().flatten().map(|p| p.end).max().unwrap_or(0);
        debug_assert!(head_end <= crate::lex::url::head_bound(url), "head_bound must bound the head");
        let scheme = parts.scheme.map(|s| s.of(url));
        ParsedUrl {
            non_web_scheme: scheme.is_some_and(|s| !is_web_scheme(s)),
            data_url: scheme.is_some_and(|s| eq_ignoring_tabs(s, b"data")),
            url,
            allow_hosts,
            parts,
            last_label,
            numeric_host,
            region,
            head_end,
            host: OnceCell::new(),
            host_target: OnceCell::new(),
            ambiguous_target: OnceCell::new(),
        }
    }

    /// The part of the URL an occurrence of a `len`-byte input starting before
    /// [`ParsedUrl::head_end`] can lie in.
    pub(crate) fn head(&self, len: usize) -> &'a [u8] {
        &self.url[..self.url.len().min((self.head_end + len).saturating_sub(1))]
    }

    /// The host as a client connects to it.
    pub(crate) fn host(&self) -> &Host {
        self.host.get_or_init(|| self.parts.parse_host(self.url))
    }

    /// Where the host leads, unless `allow_hosts` exempts it.
    fn host_target(&self) -> Option<Target> {
        *self.host_target.get_or_init(|| {
            let host = self.host();
            classify_host(host, true).filter(|_| !is_allowed(host, self.allow_hosts))
        })
    }

    /// Does the occurrence `start..end` choose the host? It does when it covers the
    /// whole host, or, for a name, its last label and the dot before it
    /// (`api.example.com` + `.evil.nip.io`). An input strictly inside the host is a
    /// coincidence or a choice among the application's own hosts (`limit=10` and
    /// `http://10.0.0.5/`, `region=eu` and `http://eu.svc.internal/`).
    pub(crate) fn chooses_host(&self, start: usize, end: usize) -> bool {
        let Some(host) = self.parts.host else { return false };
        if host.start == host.end || end < host.end {
            return false;
        }
        start <= host.start || (!self.numeric_host && self.last_label > host.start && start < self.last_label)
    }
}

/// Can the input occur in the head of a URL whose [`head_bound`](crate::lex::url::head_bound)
/// is `bound`? When not (most inputs of most checks), the URL need not be parsed.
pub(crate) fn may_reach_head(url: &[u8], bound: usize, input: &Structural<'_>) -> bool {
    let len = input.input.value.len();
    input.occurrences(&url[..url.len().min((bound + len).saturating_sub(1))]).next().is_some()
}

/// Finds the first occurrence of the input in the URL that chooses a non-web scheme or
/// an internal host.
pub(crate) fn find_ssrf(parsed: &ParsedUrl<'_>, input: &Structural<'_>) -> Option<(Span, Reason)> {
    let value = input.input.value;
    let len = value.len();
    if len <= parsed.head_end && value.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'_') {
        return find_word(parsed, value);
    }
    // Only occurrences starting in the scheme or authority matter: search no further.
    for start in input.occurrences(parsed.head(len)) {
        let end = start + len;
        let span = Span { start, end };
        if let Some(scheme) = parsed.parts.scheme {
            if parsed.non_web_scheme && scheme.start >= start && scheme.end <= end {
                return Some((span, Reason::SsrfScheme));
            }
        }
        if parsed.data_url {
            // No host: a data URL carries its content.
            continue;
        }
        if parsed.chooses_host(start, end) {
            if let Some(target) = parsed.host_target() {
                return Some((span, target.url_reason()));
            }
        }
        if parsed.region.is_some_and(|r| r.overlaps(start, end)) {
            let target = *parsed.ambiguous_target.get_or_init(|| ambiguous_authority(parsed));
            if let Some(target) = target {
                return Some((span, target.url_reason()));
            }
        }
    }
    None
}

/// A word (`localhost`, `2130706433`, `gopher`) cannot bring `.`, `:`, `@` or `/`: it
/// chooses the destination only as the whole scheme or the whole host, so equality
/// replaces the search. A word equal to a single-label host the application wrote
/// (`tab=search` and `http://search/v1/...`) is far more often a coincidence than a
/// choice, so the single-label rule does not apply to words; addresses and the known
/// internal and metadata names still do.
fn find_word(parsed: &ParsedUrl<'_>, value: &[u8]) -> Option<(Span, Reason)> {
    let at = |part: Part| Span { start: part.start, end: part.end };
    if let Some(scheme) = parsed.parts.scheme {
        if parsed.non_web_scheme && scheme.of(parsed.url) == value {
            return Some((at(scheme), Reason::SsrfScheme));
        }
    }
    let host = parsed.parts.host.filter(|h| !parsed.data_url && h.of(parsed.url) == value)?;
    let target = classify_host(parsed.host(), false).filter(|_| !is_allowed(parsed.host(), parsed.allow_hosts))?;
    Some((at(host), target.url_reason()))
}

/// http, https and their WebSocket twins reach only what their host names; `data:`
/// reaches nothing. Every other scheme (file, gopher, dict, ftp, ldap, jar, netdoc,
/// php, ...) reads files or speaks raw protocols to whatever host it names.
fn is_web_scheme(scheme: &[u8]) -> bool {
    [&b"http"[..], b"https", b"ws", b"wss", b"data"].iter().any(|s| eq_ignoring_tabs(scheme, s))
}

/// Parsers disagree on authorities such as `http://a.com &@127.0.0.1# @b.com/`: one
/// client connects to the first host, another to the last. When the authority has such
/// a shape (whitespace or control bytes, several `@`, an `@` after `#` or `?`, or a host
/// the standard rejects), every host-like token of its widest reading is judged, and
/// the worst one counts.
fn ambiguous_authority(parsed: &ParsedUrl<'_>) -> Option<Target> {
    let (url, allow_hosts) = (parsed.url, parsed.allow_hosts);
    let region = parsed.region?;
    let text = region.of(url);
    let mut ats = 0;
    let mut after_delimiter = false;
    let mut ambiguous = false;
    for &b in text {
        match b {
            b'@' => {
                ats += 1;
                ambiguous |= after_delimiter || ats > 1;
            }
            b'#' | b'?' => after_delimiter = true,
            b if b <= b' ' || b == 0x7f => ambiguous = true,
            _ => {}
        }
    }
    let invalid = *parsed.host() == Host::Invalid;
    if !ambiguous && !invalid {
        return None;
    }
    let mut worst = None;
    let mut consider = |target: Option<Target>| {
        worst = match (worst, target) {
            (Some(Target::Metadata), _) | (_, Some(Target::Metadata)) => Some(Target::Metadata),
            (Some(Target::Internal), _) | (_, Some(Target::Internal)) => Some(Target::Internal),
            _ => None,
        };
    };
    if invalid {
        // Some parsers (PHP's, old C resolvers) keep the low bits of numbers too large for
        // their place: `0x41414141A9FEA9FE` and `7147006462` become 169.254.169.254.
        if let Some(ip) = parsed.parts.host.and_then(|h| parse_ipv4_wrapping(h.of(url))) {
            consider(classify_ipv4(ip).filter(|_| !is_allowed(&Host::Ipv4(ip), allow_hosts)));
        }
    }
    for token in text.split(|&b| matches!(b, b'@' | b'#' | b'?' | b'&' | b',' | b';') || b <= b' ' || b == 0x7f) {
        let host = parse_host(strip_port(token));
        consider(classify_host(&host, false).filter(|_| !is_allowed(&host, allow_hosts)));
    }
    worst
}

/// `host:80` is `host`; `[::1]:80` is `[::1]`.
fn strip_port(token: &[u8]) -> &[u8] {
    if token.first() == Some(&b'[') {
        return match token.iter().position(|&b| b == b']') {
            Some(close) => &token[..=close],
            None => token,
        };
    }
    match token.iter().position(|&b| b == b':') {
        Some(colon) => &token[..colon],
        None => token,
    }
}

/// Where a parsed host leads. `single_label_internal`: a name without dots (`redis`,
/// `intranet`) is resolved through the search domains of the server's network, so it
/// names a service next to the application.
pub(crate) fn classify_host(host: &Host, single_label_internal: bool) -> Option<Target> {
    match host {
        Host::Ipv4(ip) => classify_ipv4(*ip),
        Host::Ipv6(ip) => classify_ipv6(*ip),
        Host::Name(name) if name.is_truncated() => None,
        Host::Name(name) => classify_name(name.as_bytes(), single_label_internal),
        Host::Empty | Host::Invalid => None,
    }
}

/// Where an address leads.
pub(crate) fn classify_ip(ip: IpAddr) -> Option<Target> {
    match ip {
        IpAddr::V4(ip) => classify_ipv4(ip),
        IpAddr::V6(ip) => classify_ipv6(ip),
    }
}

fn classify_ipv4(ip: Ipv4Addr) -> Option<Target> {
    const METADATA: [[u8; 4]; 7] = [
        [169, 254, 169, 254], // AWS, GCP, Azure, DigitalOcean, OpenStack, Oracle, ...
        [169, 254, 170, 2],   // AWS ECS task metadata
        [169, 254, 170, 23],  // AWS EKS pod identity
        [169, 254, 0, 23],    // Tencent Cloud
        [100, 100, 100, 200], // Alibaba Cloud
        [192, 0, 0, 192],     // Oracle Cloud
        [168, 63, 129, 16],   // Azure WireServer
    ];
    let o = ip.octets();
    if METADATA.contains(&o) {
        return Some(Target::Metadata);
    }
    let internal = match o {
        [0, ..] | [10, ..] | [127, ..] => true,         // this network, private, loopback
        [100, b, ..] if (64..128).contains(&b) => true, // CGNAT 100.64/10
        [169, 254, ..] | [192, 168, ..] | [192, 0, 0, _] => true, // link-local, private, IETF
        [172, b, ..] if (16..32).contains(&b) => true,  // private 172.16/12
        [198, b, ..] if b == 18 || b == 19 => true,     // benchmarking 198.18/15
        [a, ..] if a >= 240 => true,                    // reserved, broadcast
        _ => false,
    };
    internal.then_some(Target::Internal)
}

fn classify_ipv6(ip: Ipv6Addr) -> Option<Target> {
    let s = ip.segments();
    let metadata = [[0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254], [0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x23]];
    if metadata.contains(&s) {
        return Some(Target::Metadata);
    }
    let embedded = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    match s {
        // Unspecified and loopback.
        [0, 0, 0, 0, 0, 0, 0, 0] | [0, 0, 0, 0, 0, 0, 0, 1] => Some(Target::Internal),
        // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::a.b.c.d).
        [0, 0, 0, 0, 0, 0xffff, hi, lo] | [0, 0, 0, 0, 0, 0, hi, lo] | [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => {
            classify_ipv4(embedded(hi, lo))
        }
        // Local-use NAT64, ULA fc00::/7, link-local fe80::/10, site-local fec0::/10, multicast.
        [0x64, 0xff9b, 1, ..] => Some(Target::Internal),
        [a, ..] if (a & 0xfe00) == 0xfc00 || (a & 0xffc0) == 0xfe80 || (a & 0xffc0) == 0xfec0 || a >> 8 == 0xff => {
            Some(Target::Internal)
        }
        _ => None,
    }
}

/// Names that lead inside: loopback aliases, container and cluster names, reserved
/// private-use suffixes, wildcard DNS services that answer with the address written in
/// the name, and metadata service names.
fn classify_name(name: &[u8], single_label_internal: bool) -> Option<Target> {
    const METADATA: [&[u8]; 8] = [
        b"metadata.google.internal",
        b"metadata",
        b"metadata.goog",
        b"instance-data",
        b"instance-data.ec2.internal",
        b"metadata.tencentyun.com",
        b"metadata.packet.net",
        b"metadata.platformequinix.com",
    ];
    const INTERNAL: [&[u8]; 11] = [
        b"localhost4",
        b"localhost6",
        b"localhost4.localdomain4",
        b"localhost6.localdomain6",
        b"ip6-localhost",
        b"ip6-loopback",
        b"ipv6-localhost",
        b"kubernetes.default",
        b"localtest.me",
        b"lvh.me",
        b"vcap.me",
    ];
    const INTERNAL_SUFFIXES: [&[u8]; 10] = [
        b"localhost",
        b"local",
        b"internal",
        b"localdomain",
        b"home.arpa",
        b"svc",
        b"intranet",
        b"localtest.me",
        b"lvh.me",
        b"vcap.me",
    ];
    if METADATA.contains(&name) {
        return Some(Target::Metadata);
    }
    if INTERNAL.contains(&name) || INTERNAL_SUFFIXES.iter().any(|s| is_same_or_subdomain(name, s)) {
        return Some(Target::Internal);
    }
    for service in [&b"nip.io"[..], b"sslip.io", b"xip.io", b"nip.direct"] {
        if is_same_or_subdomain(name, service) && name.len() > service.len() {
            return embedded_address(&name[..name.len() - service.len() - 1]).and_then(classify_ipv4);
        }
    }
    let single_label = !name.contains(&b'.') && !name.is_empty();
    (single_label_internal && single_label).then_some(Target::Internal)
}

fn is_same_or_subdomain(name: &[u8], suffix: &[u8]) -> bool {
    name == suffix
        || (name.len() > suffix.len() && name.ends_with(suffix) && name[name.len() - suffix.len() - 1] == b'.')
}

/// The IPv4 address a wildcard DNS service answers for `prefix` (`10.0.0.1`,
/// `app.10.0.0.1`, `10-0-0-1`, `app-10-0-0-1`, `0a000001`).
fn embedded_address(prefix: &[u8]) -> Option<Ipv4Addr> {
    let last_label = prefix.rsplit(|&b| b == b'.').next().unwrap_or(prefix);
    if last_label.len() == 8 && last_label.iter().all(u8::is_ascii_hexdigit) {
        let mut n = 0u32;
        for &b in last_label {
            n = n << 4 | (b as char).to_digit(16).unwrap_or(0);
        }
        return Some(Ipv4Addr::from(n));
    }
    // Four numbers at the end, separated by dots or dashes.
    let mut octets = [0u8; 4];
    let mut found = 0;
    for part in prefix.rsplit(|&b| b == b'.' || b == b'-').take(4) {
        let n: u8 = std::str::from_utf8(part).ok()?.parse().ok()?;
        octets[3 - found] = n;
        found += 1;
    }
    (found == 4).then(|| Ipv4Addr::from(octets))
}

/// Is `host` exempted by the policy's `allow_hosts`: exact names or addresses, or
/// `*.example.com` for every subdomain of example.com (not example.com itself)?
pub(crate) fn is_allowed(host: &Host, allow_hosts: &[String]) -> bool {
    allow_hosts.iter().any(|pattern| {
        let pattern = pattern.as_bytes();
        match (pattern.strip_prefix(b"*."), host) {
            (Some(suffix), Host::Name(name)) => match parse_host(suffix) {
                Host::Name(suffix) => {
                    let (name, suffix) = (name.as_bytes(), suffix.as_bytes());
                    name.len() > suffix.len() && is_same_or_subdomain(name, suffix)
                }
                _ => false,
            },
            (Some(_), _) => false,
            (None, _) => parse_allowed(pattern) == *host,
        }
    })
}

/// An `allow_hosts` entry as a host: a name, an IPv4 address, an IPv6 address with or
/// without brackets.
fn parse_allowed(pattern: &[u8]) -> Host {
    if pattern.contains(&b':') && !pattern.starts_with(b"[") {
        return parse_ipv6(pattern).map_or(Host::Invalid, Host::Ipv6);
    }
    parse_host(pattern)
}

/// Parses an address as a socket reports it: `127.0.0.1`, `::1`, `[::1]`,
/// `fe80::1%eth0`, `::ffff:127.0.0.1`.
pub(crate) fn parse_ip_text(text: &[u8]) -> Option<IpAddr> {
    let first = text.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(text.len());
    let last = text.iter().rposition(|b| !b.is_ascii_whitespace()).map_or(first, |i| i + 1);
    let text = &text[first..last.max(first)];
    let text = text.strip_prefix(b"[").and_then(|t| t.strip_suffix(b"]")).unwrap_or(text);
    let text = match text.iter().position(|&b| b == b'%') {
        Some(zone) => &text[..zone],
        None => text,
    };
    if text.contains(&b':') {
        return parse_ipv6(text).map(IpAddr::V6);
    }
    std::str::from_utf8(text).ok()?.parse::<Ipv4Addr>().ok().map(IpAddr::V4)
}

/// DNS rebinding: the host name the client resolved came from the input (the input
/// contains it, ASCII case-insensitively). The span is the whole host.
pub(crate) fn host_from_input(host: &[u8], input: &Structural<'_>) -> Option<Span> {
    let host = host.strip_suffix(b".").unwrap_or(host);
    if host.is_empty() || !contains_ignore_ascii_case(input.input.value, host) {
        return None;
    }
    Some(Span { start: 0, end: host.len() })
}

/// Case-insensitive substring test. Host names are at most a few hundred bytes, so the
/// cost is bounded by `255 * haystack.len()` comparisons and is linear in practice:
/// candidates are found with `memchr2` on the first byte's two cases.
fn contains_ignore_ascii_case(haystack: &[u8], needle: &[u8]) -> bool {
    if needle.len() > haystack.len() || needle.len() > crate::lex::url::MAX_HOST_NAME {
        return false;
    }
    let first = needle[0];
    let last_start = haystack.len() - needle.len();
    let mut at = 0;
    while at <= last_start {
        let Some(i) =
            memchr::memchr2(first.to_ascii_lowercase(), first.to_ascii_uppercase(), &haystack[at..=last_start])
        else {
            return false;
        };
        let candidate = at + i;
        if haystack[candidate..candidate + needle.len()].eq_ignore_ascii_case(needle) {
            return true;
        }
        at = candidate + 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lex::url::Relative;
    use crate::request::{Request, Source};

    fn judge(url: &str, value: &str) -> Option<Reason> {
        let mut r = Request::new();
        r.add_input(Source::Query, b"url", value.as_bytes());
        let input = r.all_inputs(MIN_INPUT_LEN).next()?;
        let parsed = ParsedUrl::new(url.as_bytes(), UrlParts::parse(url.as_bytes(), Relative::Fetch), &[]);
        find_ssrf(&parsed, &input).map(|(_, reason)| reason)
    }

    #[test]
    fn internal_targets() {
        use Reason::*;
        for (url, reason) in [
            ("http://127.0.0.1/", SsrfInternalHost),
            ("http://2130706433/", SsrfInternalHost),
            ("http://0177.0.0.1/", SsrfInternalHost),
            ("http://0x7f.1/", SsrfInternalHost),
            ("http://127.1/", SsrfInternalHost),
            ("http://127.0.0.1./", SsrfInternalHost),
            ("http://[::1]/", SsrfInternalHost),
            ("http://[::ffff:127.0.0.1]/", SsrfInternalHost),
            ("http://[::ffff:7f00:1]/", SsrfInternalHost),
            ("http://[fe80::1%25eth0]/", SsrfInternalHost),
            ("http://good@127.0.0.1/", SsrfInternalHost),
            ("http:\\\\127.0.0.1\\", SsrfInternalHost),
            ("http://１２７．０．０．１/", SsrfInternalHost),
            ("http://127。0。0。1/", SsrfInternalHost),
            ("http://localhost:8080/", SsrfInternalHost),
            ("http://api.localhost/", SsrfInternalHost),
            ("http://redis:6379/", SsrfInternalHost),
            ("http://10.0.0.5/", SsrfInternalHost),
            ("http://100.64.1.1/", SsrfInternalHost),
            ("http://[fd12::1]/", SsrfInternalHost),
            ("http://169.254.169.254/latest/meta-data/", SsrfCloudMetadata),
            ("http://169.254.170.2/v2/credentials", SsrfCloudMetadata),
            ("http://[fd00:ec2::254]/latest/", SsrfCloudMetadata),
            ("http://100.100.100.200/latest/meta-data/", SsrfCloudMetadata),
            ("http://metadata.google.internal/computeMetadata/v1/", SsrfCloudMetadata),
            ("http://169.254.169.254.nip.io/", SsrfCloudMetadata),
            ("http://[::ffff:a9fe:a9fe]/", SsrfCloudMetadata),
            ("file:///etc/passwd", SsrfScheme),
            ("gopher://example.com:70/_x", SsrfScheme),
            ("dict://example.com:11211/stat", SsrfScheme),
            ("http://google.com:80 &@google.com:80# @127.88.23.245:22/", SsrfInternalHost),
            ("http://0x41414141A9FEA9FE/", SsrfCloudMetadata),
            ("http://7147006462/", SsrfCloudMetadata),
        ] {
            assert_eq!(judge(url, url), Some(reason), "{url}");
        }
    }

    #[test]
    fn public_or_not_chosen_by_the_input() {
        for (url, value) in [
            ("https://example.com/a.png", "https://example.com/a.png"),
            ("http://8.8.8.8/", "http://8.8.8.8/"),
            ("https://bücher.example/", "https://bücher.example/"),
            ("http://localhost:9200/idx/_search?q=a%20b", "a%20b"),
            ("http://127.0.0.1/x?next=http://10.0.0.1/", "http://10.0.0.1/"),
            ("data:image/png;base64,AAAA", "data:image/png;base64,AAAA"),
            ("http://10.0.0.5/items?limit=10", "10"),
            ("http://localhost:8080/", "80"),
            ("http://eu.svc.internal/q", "eu"),
            ("http://search/v1/q?tab=search", "search"),
            ("http://printer.local/", "local"),
        ] {
            assert_eq!(judge(url, value), None, "{value:?} in {url:?}");
        }
    }

    #[test]
    fn allow_list() {
        let allow = vec!["hooks.internal.example".to_owned(), "*.corp.example".to_owned(), "10.0.0.5".to_owned()];
        let host = |s: &str| parse_host(s.as_bytes());
        assert!(is_allowed(&host("hooks.internal.example"), &allow));
        assert!(is_allowed(&host("HOOKS.internal.example."), &allow));
        assert!(is_allowed(&host("a.corp.example"), &allow));
        assert!(!is_allowed(&host("corp.example"), &allow));
        assert!(is_allowed(&host("167772165"), &allow));
        assert!(!is_allowed(&host("10.0.0.6"), &allow));
    }

    #[test]
    fn socket_addresses() {
        for (text, target) in [
            ("127.0.0.1", Some(Target::Internal)),
            ("::1", Some(Target::Internal)),
            ("[::ffff:169.254.169.254]", Some(Target::Metadata)),
            ("fe80::1%eth0", Some(Target::Internal)),
            ("93.184.216.34", None),
            ("2606:2800:220:1:248:1893:25c8:1946", None),
        ] {
            assert_eq!(parse_ip_text(text.as_bytes()).and_then(classify_ip), target, "{text}");
        }
        assert_eq!(parse_ip_text(b"not an ip"), None);
    }
}
