//! A total, allocation-free URL splitter and host parser following the WHATWG URL
//! standard, the reading browsers and most modern HTTP clients share.
//!
//! [`UrlParts::parse`] finds the scheme, userinfo, host and port of a URL as byte spans
//! of the original text (so a detector can tell which bytes an input supplied), and
//! [`parse_host`] turns a host's raw text into what a client connects to: an IPv4 or
//! IPv6 address or a lowercase ASCII name, the way the WHATWG host parser does it:
//!
//! - ASCII tab, LF and CR anywhere are removed; leading and trailing C0 controls and
//!   spaces are trimmed;
//! - after `http:` (and the other special schemes) any run of `/` and `\` introduces
//!   the authority (`http:/\evil`, `https:evil.com`);
//! - the userinfo ends at the *last* `@` of the authority;
//! - the host is percent-decoded, then mapped per UTS #46 (full-width `１２７．０．０．１`,
//!   ideographic full stops `127。0。0。1`, circled `①②⑦`, soft hyphens dropped), then
//!   lowercased;
//! - a host whose last label is a number is an IPv4 address in any spelling the
//!   standard accepts: decimal `2130706433`, octal `0177.0.0.1`, hex `0x7f.1`, short
//!   `127.1`, trailing dot `127.0.0.1.`;
//! - `[...]` is an IPv6 address, with embedded IPv4 (`::ffff:127.0.0.1`); unlike the
//!   standard, a zone id (`fe80::1%eth0`, `%25eth0`) is accepted and ignored, as
//!   operating-system resolvers do.
//!
//! Nothing here fails: a malformed host is [`Host::Invalid`], an absent one
//! [`Host::Empty`]. Work is linear in the input's length; a host name longer than a DNS
//! name can be is kept truncated and flagged ([`HostName::is_truncated`]).

use std::net::{Ipv4Addr, Ipv6Addr};

use super::idna_map::MAP;

/// A half-open byte range of the URL text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Part {
    pub start: usize,
    pub end: usize,
}

impl Part {
    /// True when the range shares at least one byte with `start..end`.
    pub fn overlaps(&self, start: usize, end: usize) -> bool {
        self.start < end && start < self.end
    }

    /// The bytes of this part in `url`.
    pub fn of<'a>(&self, url: &'a [u8]) -> &'a [u8] {
        &url[self.start..self.end]
    }
}

/// How to read a URL without a scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Relative {
    /// As an HTTP client does (curl, wget): `localhost:8080/x` is `http://localhost:8080/x`;
    /// a single leading `/` is a path (no host).
    Fetch,
    /// As a browser resolves it against the page (a `Location` header): only `//host`
    /// (or `\\host`, `/\host`) names a host; anything else is a path on the same host.
    Navigate,
}

/// Where the parts of a URL are, as byte ranges of the original text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct UrlParts {
    /// The scheme, without its `:`; `None` for a relative URL.
    pub scheme: Option<Part>,
    /// The scheme is one of WHATWG's special schemes (http, https, ws, wss, ftp, file), or
    /// absent and read as http.
    pub special: bool,
    /// Everything between the `//` (or the scheme's `:` for `https:host`) and the path.
    pub authority: Option<Part>,
    /// The userinfo, without its `@`.
    pub userinfo: Option<Part>,
    /// The raw host text, as written (percent escapes, tabs and all).
    pub host: Option<Part>,
    /// The port, without its `:`.
    pub port: Option<Part>,
}

fn is_tab_or_newline(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\r')
}

fn is_special_scheme(scheme: &[u8]) -> bool {
    [&b"http"[..], b"https", b"ws", b"wss", b"ftp", b"file"].iter().any(|s| eq_ignoring_tabs(scheme, s))
}

/// ASCII case-insensitive equality of `text` (ignoring tab and newline bytes, which the
/// standard removes) with the lowercase `word`.
pub(crate) fn eq_ignoring_tabs(text: &[u8], word: &[u8]) -> bool {
    if text.len() <= word.len() {
        return text.len() == word.len() && text.eq_ignore_ascii_case(word);
    }
    // Longer: equal only with tabs or newlines inside; stops at the first mismatch.
    let mut letters = text.iter().copied().filter(|&b| !is_tab_or_newline(b));
    for &w in word {
        match letters.next() {
            Some(b) if b.to_ascii_lowercase() == w => {}
            _ => return false,
        }
    }
    letters.next().is_none()
}

impl UrlParts {
    /// Splits `url`. Never fails: whatever cannot be a scheme or an authority is path.
    pub fn parse(url: &[u8], relative: Relative) -> UrlParts {
        let mut start = 0;
        let mut end = url.len();
        while start < end && url[start] <= b' ' {
            start += 1;
        }
        while end > start && url[end - 1] <= b' ' {
            end -= 1;
        }
        let mut parts = UrlParts::default();
        let after_scheme = match scheme_end(url, start, end) {
            Some(colon) if !looks_like_port(url, start, colon, end) => {
                let scheme = Part { start, end: colon };
                parts.scheme = Some(scheme);
                parts.special = is_special_scheme(scheme.of(url));
                colon + 1
            }
            _ => {
                // Relative: `//host` (either slash) names a host; otherwise a fetch
                // reads it as `http://` + text, a navigation as a path.
                parts.special = true;
                let slashes = count_slashes(url, start, end, true);
                if slashes >= 2 {
                    parts.authority_from(url, skip_slashes(url, start, end, true), end);
                } else if slashes == 0 && relative == Relative::Fetch {
                    parts.authority_from(url, start, end);
                }
                return parts;
            }
        };
        let scheme_text = parts.scheme.map(|s| s.of(url)).unwrap_or_default();
        if eq_ignoring_tabs(scheme_text, b"file") {
            // file: has a host only after exactly `//` (either slash).
            if count_slashes(url, after_scheme, end, true) >= 2 {
                let host_start = skip_n_slashes(url, after_scheme, end, 2);
                let host_end = authority_end(url, host_start, end, true);
                parts.authority = Some(Part { start: host_start, end: host_end });
                parts.host = Some(Part { start: host_start, end: host_end });
            }
        } else if parts.special {
            // "special authority ignore slashes": any run of `/` and `\`, even none.
            parts.authority_from(url, skip_slashes(url, after_scheme, end, true), end);
        } else if count_slashes(url, after_scheme, end, false) >= 2 {
            parts.authority_from(url, skip_n_slashes(url, after_scheme, end, 2), end);
        }
        parts
    }

    fn authority_from(&mut self, url: &[u8], start: usize, end: usize) {
        let auth_end = authority_end(url, start, end, self.special);
        self.authority = Some(Part { start, end: auth_end });
        let host_start = match url[start..auth_end].iter().rposition(|&b| b == b'@') {
            Some(at) => {
                self.userinfo = Some(Part { start, end: start + at });
                start + at + 1
            }
            None => start,
        };
        // The port starts at the first `:` outside brackets.
        let mut in_brackets = false;
        let mut host_end = auth_end;
        for (i, &b) in url[host_start..auth_end].iter().enumerate() {
            match b {
                b'[' => in_brackets = true,
                b']' => in_brackets = false,
                b':' if !in_brackets => {
                    host_end = host_start + i;
                    self.port = Some(Part { start: host_end + 1, end: auth_end });
                    break;
                }
                _ => {}
            }
        }
        self.host = Some(Part { start: host_start, end: host_end });
    }

    /// The host as a client connects to it. [`Host::Empty`] when the URL has none.
    pub fn parse_host(&self, url: &[u8]) -> Host {
        match self.host {
            Some(host) => parse_host(host.of(url)),
            None => Host::Empty,
        }
    }

    /// The span a detector treats as "where the request goes": scheme, host and port
    /// (not the userinfo, the path, the query or the fragment).
    pub fn targets(&self) -> [Option<Part>; 3] {
        [self.scheme, self.host, self.port]
    }
}

/// A cheap upper bound of where a URL's scheme and authority (read widely, up to the
/// first `/` after the host, past `?` and `#`) can end: the first `/` after the first
/// run of slashes. Three `memchr` calls instead of a parse, so that a check can tell
/// that no input occurs in the head without parsing anything.
pub fn head_bound(url: &[u8]) -> usize {
    let Some(first) = memchr::memchr2(b'/', b'\\', url) else {
        return url.len();
    };
    let after_run = url[first..]
        .iter()
        .position(|&b| !(is_slash(b, true) || is_tab_or_newline(b)))
        .map_or(url.len(), |i| first + i);
    memchr::memchr(b'/', &url[after_run..]).map_or(url.len(), |i| after_run + i)
}

/// The offset of the `:` ending a scheme that starts at `start`, if any.
fn scheme_end(url: &[u8], start: usize, end: usize) -> Option<usize> {
    let mut seen_alpha = false;
    for (i, &b) in url[start..end].iter().enumerate() {
        match b {
            b'\t' | b'\n' | b'\r' => {}
            b':' if seen_alpha => return Some(start + i),
            b if b.is_ascii_alphabetic() => seen_alpha = true,
            b'0'..=b'9' | b'+' | b'-' | b'.' if seen_alpha => {}
            _ => return None,
        }
    }
    None
}

/// `host:8080` or `host:8080/x`: digits after the colon up to the end or a path, query
/// or fragment. Such text is a host and port with the scheme left out, not a scheme.
fn looks_like_port(url: &[u8], start: usize, colon: usize, end: usize) -> bool {
    if is_special_scheme(&url[start..colon]) {
        return false;
    }
    let rest = &url[colon + 1..end];
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    digits > 0 && matches!(rest.get(digits), None | Some(b'/' | b'?' | b'#'))
}

fn is_slash(b: u8, backslash: bool) -> bool {
    b == b'/' || (backslash && b == b'\\')
}

fn count_slashes(url: &[u8], from: usize, end: usize, backslash: bool) -> usize {
    url[from..end].iter().filter(|&&b| !is_tab_or_newline(b)).take_while(|&&b| is_slash(b, backslash)).count()
}

fn skip_slashes(url: &[u8], mut at: usize, end: usize, backslash: bool) -> usize {
    while at < end && (is_slash(url[at], backslash) || is_tab_or_newline(url[at])) {
        at += 1;
    }
    at
}

fn skip_n_slashes(url: &[u8], mut at: usize, end: usize, mut n: usize) -> usize {
    while at < end && n > 0 {
        if !is_tab_or_newline(url[at]) {
            n -= 1;
        }
        at += 1;
    }
    at
}

fn authority_end(url: &[u8], start: usize, end: usize, special: bool) -> usize {
    url[start..end]
        .iter()
        .position(|&b| matches!(b, b'/' | b'?' | b'#') || (special && b == b'\\'))
        .map_or(end, |i| start + i)
}

/// The longest host name kept; DNS names are at most 253 bytes.
pub const MAX_HOST_NAME: usize = 255;

/// Marks a non-ASCII code point in a [`HostName`].
pub const NON_ASCII: u8 = 0x80;

/// A host name after percent-decoding, UTS #46 mapping and lowercasing: ASCII bytes,
/// with each code point that stays non-ASCII written as [`NON_ASCII`].
#[derive(Clone, Copy)]
pub struct HostName {
    bytes: [u8; MAX_HOST_NAME],
    len: u8,
    truncated: bool,
}

impl HostName {
    /// The name (without a trailing dot), at most [`MAX_HOST_NAME`] bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// True when the mapped name was longer than [`MAX_HOST_NAME`]: no resolver accepts
    /// it, and only its first bytes are kept.
    pub fn is_truncated(&self) -> bool {
        self.truncated
    }

    /// True when a label keeps non-ASCII code points (an internationalised name).
    pub fn has_non_ascii(&self) -> bool {
        self.as_bytes().contains(&NON_ASCII)
    }
}

impl std::fmt::Debug for HostName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HostName({:?})", String::from_utf8_lossy(self.as_bytes()))
    }
}

impl PartialEq for HostName {
    fn eq(&self, other: &HostName) -> bool {
        self.as_bytes() == other.as_bytes() && self.truncated == other.truncated
    }
}

impl Eq for HostName {}

/// What a client connects to.
// The name is kept inline (no heap): a `Host` lives on the stack for one check.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Host {
    /// No host (`file:///etc/passwd`, a path-only URL).
    Empty,
    /// A host the standard rejects (forbidden code points, a bad IPv4 or IPv6 literal).
    Invalid,
    /// An IPv4 address, in whatever spelling it was written.
    Ipv4(Ipv4Addr),
    /// An IPv6 address (zone id dropped).
    Ipv6(Ipv6Addr),
    /// A domain name.
    Name(HostName),
}

/// Parses a raw host (as found between the authority's `@` and `:`).
pub fn parse_host(raw: &[u8]) -> Host {
    let first = raw.iter().position(|&b| !is_tab_or_newline(b));
    let Some(first) = first else {
        return Host::Empty;
    };
    if raw[first] == b'[' {
        return parse_bracketed_ipv6(&raw[first..]);
    }
    let mut name = HostName { bytes: [0; MAX_HOST_NAME], len: 0, truncated: false };
    // The common case: printable ASCII without escapes, short enough to keep whole.
    // Mapping is then lowercasing, and the standard's steps reduce to byte checks.
    if raw.len() <= MAX_HOST_NAME && raw.iter().all(|&b| b > b' ' && b < 0x7f && b != b'%') {
        for (slot, &b) in name.bytes.iter_mut().zip(raw) {
            if is_forbidden_domain_byte(b) {
                return Host::Invalid;
            }
            *slot = b.to_ascii_lowercase();
        }
        let text = &name.bytes[..raw.len()];
        if ends_in_number_plain(text) {
            return match parse_ipv4(MappedHost::new(text)) {
                Some(ip) => Host::Ipv4(ip),
                None => Host::Invalid,
            };
        }
        let kept = if raw.len() > 1 && text[raw.len() - 1] == b'.' { raw.len() - 1 } else { raw.len() };
        name.len = u8::try_from(kept).unwrap_or(u8::MAX);
        return Host::Name(name);
    }
    let mut len = 0usize;
    for mapped in MappedHost::new(raw) {
        let Some(b) = mapped else {
            return Host::Invalid;
        };
        if is_forbidden_domain_byte(b) {
            return Host::Invalid;
        }
        if len < MAX_HOST_NAME {
            name.bytes[len] = b;
        } else {
            name.truncated = true;
        }
        len += 1;
    }
    if len == 0 {
        return Host::Invalid;
    }
    let kept = len.min(MAX_HOST_NAME);
    // One trailing dot is the root label: `localhost.` is `localhost`.
    let kept = if kept > 1 && name.bytes[kept - 1] == b'.' && !name.truncated { kept - 1 } else { kept };
    name.len = u8::try_from(kept).unwrap_or(u8::MAX);
    if ends_in_number(MappedHost::new(raw)) {
        return match parse_ipv4(MappedHost::new(raw)) {
            Some(ip) => Host::Ipv4(ip),
            None => Host::Invalid,
        };
    }
    Host::Name(name)
}

fn is_forbidden_domain_byte(b: u8) -> bool {
    b <= 0x20
        || b == 0x7f
        || matches!(b, b'#' | b'%' | b'/' | b':' | b'<' | b'>' | b'?' | b'@' | b'[' | b'\\' | b']' | b'^' | b'|')
}

/// The bytes of a host after tab removal, percent-decoding, UTF-8 decoding, UTS #46
/// mapping and ASCII lowercasing. `None` marks a byte sequence that is not UTF-8 (the
/// standard then fails). A restartable iterator: the parser walks a host several times
/// instead of copying it.
#[derive(Clone, Debug)]
struct MappedHost<'a> {
    raw: &'a [u8],
    at: usize,
    /// Pending output of a multi-byte mapping.
    pending: &'static [u8],
}

impl<'a> MappedHost<'a> {
    fn new(raw: &'a [u8]) -> MappedHost<'a> {
        MappedHost { raw, at: 0, pending: &[] }
    }

    /// The next byte after tab removal and percent-decoding.
    fn next_decoded(&mut self) -> Option<u8> {
        loop {
            let b = *self.raw.get(self.at)?;
            self.at += 1;
            if is_tab_or_newline(b) {
                continue;
            }
            if b == b'%' {
                let mut rest = self.raw[self.at..].iter().copied().filter(|&c| !is_tab_or_newline(c));
                let (hi, lo) = (rest.next().and_then(hex_value), rest.next().and_then(hex_value));
                if let (Some(hi), Some(lo)) = (hi, lo) {
                    let mut digits = 0;
                    while digits < 2 {
                        if !is_tab_or_newline(self.raw[self.at]) {
                            digits += 1;
                        }
                        self.at += 1;
                    }
                    return Some(hi << 4 | lo);
                }
            }
            return Some(b);
        }
    }
}

impl Iterator for MappedHost<'_> {
    type Item = Option<u8>;

    fn next(&mut self) -> Option<Option<u8>> {
        loop {
            if let Some((&b, rest)) = self.pending.split_first() {
                self.pending = rest;
                return Some(Some(b));
            }
            let lead = self.next_decoded()?;
            if lead < 0x80 {
                return Some(Some(lead.to_ascii_lowercase()));
            }
            let Some(c) = self.decode_utf8(lead) else {
                return Some(None);
            };
            match lookup(c) {
                Mapping::Ignored => continue,
                Mapping::Ascii(bytes) => self.pending = bytes,
                Mapping::Other => return Some(Some(NON_ASCII)),
            }
        }
    }
}

impl MappedHost<'_> {
    fn decode_utf8(&mut self, lead: u8) -> Option<u32> {
        let (extra, init) = match lead {
            0xc2..=0xdf => (1, u32::from(lead & 0x1f)),
            0xe0..=0xef => (2, u32::from(lead & 0x0f)),
            0xf0..=0xf4 => (3, u32::from(lead & 0x07)),
            _ => return None,
        };
        let mut c = init;
        for _ in 0..extra {
            let b = self.next_decoded()?;
            if b & 0xc0 != 0x80 {
                return None;
            }
            c = c << 6 | u32::from(b & 0x3f);
        }
        let min = [0, 0x80, 0x800, 0x10000][extra];
        (c >= min && !(0xd800..0xe000).contains(&c) && c <= 0x10ffff).then_some(c)
    }
}

enum Mapping {
    Ignored,
    Ascii(&'static [u8]),
    Other,
}

fn lookup(c: u32) -> Mapping {
    let i = MAP.partition_point(|&(first, _, _)| first <= c);
    match i.checked_sub(1).map(|i| MAP[i]) {
        Some((_, end, mapping)) if c < end => match mapping {
            None => Mapping::Ignored,
            Some(bytes) => Mapping::Ascii(bytes),
        },
        _ => Mapping::Other,
    }
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// The standard's "ends in a number": the last label (ignoring one empty label after a
/// trailing dot) is all digits, or `0x` followed by hex digits.
fn ends_in_number(mapped: MappedHost<'_>) -> bool {
    // Track the last two labels' shapes: (all digits, hex form, empty).
    #[derive(Clone, Copy)]
    struct Label {
        len: usize,
        digits: bool,
        hex: bool,
    }
    let fresh = Label { len: 0, digits: true, hex: true };
    let (mut previous, mut current) = (None, fresh);
    for b in mapped.flatten() {
        if b == b'.' {
            previous = Some(current);
            current = fresh;
            continue;
        }
        current.digits &= b.is_ascii_digit();
        current.hex &= match current.len {
            0 => b == b'0',
            1 => b == b'x',
            _ => b.is_ascii_hexdigit(),
        };
        current.len += 1;
    }
    let last = match (current.len, previous) {
        (0, Some(previous)) => previous,
        _ => current,
    };
    last.len > 0 && (last.digits || (last.hex && last.len >= 2))
}

/// The IPv4 reading of lenient parsers for a host the standard rejects: numbers too
/// large for their place keep their low bits (`7147006462` is 2852039166).
pub fn parse_ipv4_wrapping(raw: &[u8]) -> Option<Ipv4Addr> {
    if !ends_in_number(MappedHost::new(raw)) {
        return None;
    }
    parse_ipv4_with(MappedHost::new(raw), true)
}

/// [`ends_in_number`] for a host that is already plain lowercase ASCII.
fn ends_in_number_plain(text: &[u8]) -> bool {
    let text = match text.strip_suffix(b".") {
        Some(rest) if !rest.is_empty() => rest,
        _ => text,
    };
    let last = text.rsplit(|&b| b == b'.').next().unwrap_or(text);
    match last {
        [] => false,
        [b'0', b'x', hex @ ..] => hex.iter().all(u8::is_ascii_hexdigit),
        digits => digits.iter().all(u8::is_ascii_digit),
    }
}

/// The WHATWG IPv4 parser over mapped host bytes: up to four dot-separated numbers in
/// decimal, octal (leading 0) or hex (0x), the last filling the remaining bytes.
fn parse_ipv4(mapped: MappedHost<'_>) -> Option<Ipv4Addr> {
    parse_ipv4_with(mapped, false)
}

fn parse_ipv4_with(mapped: MappedHost<'_>, wrap: bool) -> Option<Ipv4Addr> {
    // Values are capped just above anything valid so huge numbers cannot overflow; a
    // wrapping reading keeps the low 32 bits instead.
    const CAP: u64 = 1 << 33;
    let mut numbers = [0u64; 4];
    let mut count = 0usize;
    let mut state = NumberState::Start;
    let mut value = 0u64;
    let mut trailing_dot = false;
    for b in mapped {
        let b = b?;
        if b == b'.' {
            if state == NumberState::Start {
                // An empty part is allowed only as the very last (trailing dot).
                if trailing_dot || count == 0 {
                    return None;
                }
                trailing_dot = true;
                continue;
            }
            if trailing_dot || count == 4 {
                return None;
            }
            numbers[count] = value;
            count += 1;
            state = NumberState::Start;
            value = 0;
            continue;
        }
        if trailing_dot {
            return None;
        }
        let (next, digit) = match (state, b) {
            (NumberState::Start, b'0') => (NumberState::Zero, 0),
            (NumberState::Start | NumberState::Decimal, b'0'..=b'9') => (NumberState::Decimal, b - b'0'),
            (NumberState::Zero, b'x') => (NumberState::HexStart, 0),
            (NumberState::Zero | NumberState::Octal, b'0'..=b'7') => (NumberState::Octal, b - b'0'),
            (NumberState::HexStart | NumberState::Hex, _) if b.is_ascii_hexdigit() => {
                (NumberState::Hex, hex_value(b).unwrap_or(0))
            }
            _ => return None,
        };
        let radix = match next {
            NumberState::Octal => 8,
            NumberState::Hex => 16,
            _ => 10,
        };
        if next != NumberState::HexStart {
            value = value * radix + u64::from(digit);
            value = if wrap { value & 0xffff_ffff } else { value.min(CAP) };
        }
        state = next;
    }
    if state != NumberState::Start {
        if count == 4 {
            return None;
        }
        numbers[count] = value;
        count += 1;
    }
    if count == 0 {
        return None;
    }
    let (&last, init) = numbers[..count].split_last()?;
    let limit = 1u64 << (8 * (5 - count));
    if !wrap && (init.iter().any(|&n| n > 255) || last >= limit) {
        return None;
    }
    let mut address = last % limit;
    for (i, &n) in init.iter().enumerate() {
        address += (n & 0xff) << (8 * (3 - i));
    }
    u32::try_from(address).ok().map(Ipv4Addr::from)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NumberState {
    Start,
    Zero,
    Decimal,
    Octal,
    HexStart,
    Hex,
}

/// `[...]`: an IPv6 literal. Tabs and newlines are dropped, and a zone id is ignored.
fn parse_bracketed_ipv6(raw: &[u8]) -> Host {
    // `raw` starts with `[`; the last byte that is not a tab or newline must be `]`.
    let Some(close) = raw.iter().rposition(|&b| !is_tab_or_newline(b)) else {
        return Host::Invalid;
    };
    if close == 0 || raw[close] != b']' {
        return Host::Invalid;
    }
    let mut text = [0u8; 64];
    let mut len = 0;
    for &b in &raw[1..close] {
        match b {
            b'\t' | b'\n' | b'\r' => {}
            // A zone id (`%eth0`, `%25eth0`) ends the address proper.
            b'%' => break,
            b'[' | b']' => return Host::Invalid,
            _ if len == text.len() => return Host::Invalid,
            _ => {
                text[len] = b;
                len += 1;
            }
        }
    }
    match parse_ipv6(&text[..len]) {
        Some(ip) => Host::Ipv6(ip),
        None => Host::Invalid,
    }
}

/// The WHATWG IPv6 parser: up to eight groups of at most four hex digits, one `::`,
/// and an optional dotted IPv4 (strict decimal) in the last 32 bits.
pub fn parse_ipv6(text: &[u8]) -> Option<Ipv6Addr> {
    let mut pieces = [0u16; 8];
    let mut index = 0usize;
    let mut compress: Option<usize> = None;
    let mut at = 0usize;
    if text.first() == Some(&b':') {
        if text.get(1) != Some(&b':') {
            return None;
        }
        at = 2;
        index = 1;
        compress = Some(1);
    }
    while at < text.len() {
        if index == 8 {
            return None;
        }
        if text[at] == b':' {
            if compress.is_some() {
                return None;
            }
            at += 1;
            index += 1;
            compress = Some(index);
            continue;
        }
        let mut value = 0u16;
        let mut length = 0;
        while length < 4 && at < text.len() && text[at].is_ascii_hexdigit() {
            value = value * 16 + u16::from(hex_value(text[at]).unwrap_or(0));
            at += 1;
            length += 1;
        }
        if at < text.len() && text[at] == b'.' {
            if length == 0 || index > 6 {
                return None;
            }
            at -= length;
            let v4 = parse_strict_ipv4(&text[at..])?;
            pieces[index] = (v4 >> 16) as u16;
            pieces[index + 1] = (v4 & 0xffff) as u16;
            index += 2;
            break;
        }
        if at < text.len() {
            if text[at] != b':' {
                return None;
            }
            at += 1;
            if at == text.len() {
                return None;
            }
        }
        pieces[index] = value;
        index += 1;
    }
    match compress {
        Some(c) => {
            let moved = index - c;
            for i in 0..moved {
                pieces.swap(7 - i, c + moved - 1 - i);
            }
        }
        None if index != 8 => return None,
        None => {}
    }
    Some(Ipv6Addr::from(pieces))
}

/// Four decimal numbers 0-255 without leading zeros, as inside an IPv6 literal.
fn parse_strict_ipv4(text: &[u8]) -> Option<u32> {
    let mut address = 0u32;
    let mut count = 0;
    for part in text.split(|&b| b == b'.') {
        if part.is_empty() || part.len() > 3 || (part.len() > 1 && part[0] == b'0') {
            return None;
        }
        let mut n = 0u32;
        for &b in part {
            if !b.is_ascii_digit() {
                return None;
            }
            n = n * 10 + u32::from(b - b'0');
        }
        if n > 255 || count == 4 {
            return None;
        }
        address = address << 8 | n;
        count += 1;
    }
    (count == 4).then_some(address)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(url: &str) -> Host {
        UrlParts::parse(url.as_bytes(), Relative::Fetch).parse_host(url.as_bytes())
    }

    fn v4(a: u8, b: u8, c: u8, d: u8) -> Host {
        Host::Ipv4(Ipv4Addr::new(a, b, c, d))
    }

    #[test]
    fn every_ipv4_spelling() {
        for url in [
            "http://127.0.0.1/",
            "http://2130706433/",
            "http://0177.0.0.1/",
            "http://0x7f.1/",
            "http://127.1/",
            "http://127.0.0.1./",
            "http://0x7F000001",
            "http://017700000001",
            "http://0x7f.0.0.1",
            "http://%31%32%37.0.0.1/",
            "http://１２７．０．０．１/",
            "http://127。0。0。1/",
            "http://①②⑦.⓪.⓪.①",
            "http://good@127.0.0.1/",
            "http://good:pw@127.0.0.1:8080/x",
            "http:\\\\127.0.0.1\\x",
            "http:127.0.0.1",
            "http:/127.0.0.1",
            "  http://127.0.0.1  ",
            "ht\ttp://12\n7.0.0.1/",
            "127.0.0.1:8080/x",
            "//127.0.0.1/",
            "http://0000000000000000000000000000000000000000177.0.0.1",
        ] {
            assert_eq!(host(url), v4(127, 0, 0, 1), "{url:?}");
        }
        assert_eq!(host("http://169.254.43518/"), v4(169, 254, 169, 254));
        assert_eq!(host("http://0251.0376.0251.0376/"), v4(169, 254, 169, 254));
        assert_eq!(host("http://0/"), v4(0, 0, 0, 0));
        assert_eq!(host("http://0x41414141A9FEA9FE/"), Host::Invalid);
        assert_eq!(host("http://256.0.0.1/"), Host::Invalid);
        assert_eq!(host("http://1.2.3.4.5/"), Host::Invalid);
        assert_eq!(host("http://09.0.0.1/"), Host::Invalid);
        assert_eq!(host("http://4294967296/"), Host::Invalid);
        assert_eq!(host("http://4294967295/"), v4(255, 255, 255, 255));
    }

    #[test]
    fn plain_and_mapped_readings_agree() {
        for host in
            ["a.b", "1.2", "0x", "0x1g", "x.0x7f", "1.", "a.", ".", "..", "1..", "09", "a.1b", "0x1", "1.2.3.4."]
        {
            assert_eq!(
                ends_in_number_plain(host.as_bytes()),
                ends_in_number(MappedHost::new(host.as_bytes())),
                "{host}"
            );
        }
    }

    #[test]
    fn ipv6_forms() {
        let loopback = Host::Ipv6(Ipv6Addr::LOCALHOST);
        assert_eq!(host("http://[::1]/"), loopback);
        assert_eq!(host("http://[0:0:0:0:0:0:0:1]:80/"), loopback);
        assert_eq!(host("http://[::ffff:127.0.0.1]/"), Host::Ipv6(Ipv4Addr::new(127, 0, 0, 1).to_ipv6_mapped()));
        assert_eq!(host("http://[::ffff:7f00:1]/"), Host::Ipv6(Ipv4Addr::new(127, 0, 0, 1).to_ipv6_mapped()));
        assert_eq!(host("http://[fe80::1%25eth0]/"), Host::Ipv6("fe80::1".parse().expect("v6")));
        assert_eq!(host("http://[fe80::%zone1]/"), Host::Ipv6("fe80::".parse().expect("v6")));
        assert_eq!(host("http://[::1/"), Host::Invalid);
        assert_eq!(host("http://[1:2:3:4:5:6:7:8:9]/"), Host::Invalid);
        assert_eq!(host("http://[::1::]/"), Host::Invalid);
    }

    #[test]
    fn names_are_mapped_and_lowercased() {
        let Host::Name(name) = host("http://LOCAL\u{AD}HOST./x") else { panic!("a name") };
        assert_eq!(name.as_bytes(), b"localhost");
        let Host::Name(name) = host("http://ⓛⓞⓒⓐⓛⓗⓞⓢⓣ") else { panic!("a name") };
        assert_eq!(name.as_bytes(), b"localhost");
        let Host::Name(name) = host("https://bücher.example/") else { panic!("a name") };
        assert!(name.has_non_ascii());
        assert_eq!(host("http://exa mple.com/"), Host::Invalid);
        assert_eq!(host("http://%zz/"), Host::Invalid);
        assert_eq!(host("file:///etc/passwd"), Host::Empty);
        let long = format!("http://{}.com/", "a".repeat(300));
        let Host::Name(name) = host(&long) else { panic!("a name") };
        assert!(name.is_truncated());
    }

    #[test]
    fn parts_of_odd_urls() {
        let url = b"https:evil.com/x";
        let p = UrlParts::parse(url, Relative::Navigate);
        assert_eq!(p.host.map(|h| h.of(url)), Some(&b"evil.com"[..]));
        let url = b"/\\evil.com";
        assert_eq!(UrlParts::parse(url, Relative::Navigate).host.map(|h| h.of(url)), Some(&b"evil.com"[..]));
        let url = b"/evil.com";
        assert_eq!(UrlParts::parse(url, Relative::Navigate).host, None);
        let url = b"evil.com/x";
        assert_eq!(UrlParts::parse(url, Relative::Navigate).host, None);
        assert!(UrlParts::parse(url, Relative::Fetch).host.is_some());
        let url = b"gopher://127.0.0.1:70/_x";
        let p = UrlParts::parse(url, Relative::Fetch);
        assert!(!p.special);
        assert_eq!(p.port.map(|h| h.of(url)), Some(&b"70"[..]));
        let url = b"mailto:a@b.c";
        assert_eq!(UrlParts::parse(url, Relative::Fetch).host, None);
        let url = b"http://a@b@127.0.0.1/";
        assert_eq!(UrlParts::parse(url, Relative::Fetch).parse_host(url), v4(127, 0, 0, 1));
    }
}
