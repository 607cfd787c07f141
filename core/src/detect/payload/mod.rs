//! Malicious payloads, judged without a sink: context-free inspection of one request
//! value (`Engine::inspect`).
//!
//! A value is first decoded to what it means (repeated URL decoding, `\uXXXX` / `\xXX`
//! escapes, HTML entities: see [`crate::decode`]), then each detector reads it:
//! [`sqli`] (the SQL lexer, in the bare, `'..'` and `".."` contexts), [`xss`] (an HTML
//! tokenizer), [`shell`] (commands after shell operators and in substitutions), path
//! traversal / file inclusion and SSRF-looking URLs (both here). The rules, with the
//! reasons for each, are in `docs/detection/payload.md`.

mod bytes;
pub(crate) mod shell;
pub(crate) mod sqli;
pub(crate) mod xss;

use self::bytes::ByteSet;
use crate::decode::{self, decode_url_repeatedly, Transform, MAX_URL_DECODE_ROUNDS};
use crate::detect::path::targets_sensitive_file;
use crate::detect::ssrf::{classify_host, is_allowed, Target};
use crate::lex::url::{parse_host, Relative, UrlParts};
use crate::verdict::Reason;

/// Values shorter than this carry no payload.
pub(crate) const MIN_INPUT_LEN: usize = 2;

/// Reusable buffers for decoding. Each grows to the largest value seen, then stays.
#[derive(Debug, Default)]
pub struct PayloadScratch {
    decoded: Vec<u8>,
    spare: Vec<u8>,
}

impl PayloadScratch {
    /// Buffers beyond this capacity are released after use, so that one huge request
    /// does not pin its size in every thread's scratch for the life of the process.
    const KEEP_CAPACITY: usize = 1 << 20;

    pub(crate) fn trim(&mut self) {
        for buf in [&mut self.decoded, &mut self.spare] {
            if buf.capacity() > Self::KEEP_CAPACITY {
                *buf = Vec::new();
            }
        }
    }
}

/// Which built-in detectors run (all by default), and the hosts the SSRF-looking-URL
/// detector leaves alone (the policy's `protections.ssrf.allow_hosts`: a URL the sink
/// check would let the application fetch is no payload either).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Detectors<'a> {
    pub sqli: bool,
    pub xss: bool,
    pub command: bool,
    pub path: bool,
    pub ssrf: bool,
    pub ssrf_allow_hosts: &'a [String],
}

impl Detectors<'_> {
    pub(crate) const ALL: Detectors<'static> =
        Detectors { sqli: true, xss: true, command: true, path: true, ssrf: true, ssrf_allow_hosts: &[] };
}

/// Judges one value. Linear in its length; allocates only while `scratch` grows.
/// `prefilter: false` runs every detector in full, skipping nothing: the reference the
/// prefilters (each proven unable to change a verdict) are tested against.
pub(crate) fn inspect_value(
    value: &[u8],
    detectors: Detectors<'_>,
    scratch: &mut PayloadScratch,
    prefilter: bool,
) -> Option<Reason> {
    if value.len() < MIN_INPUT_LEN {
        return None;
    }
    let bytes = ByteSet::of(value, prefilter);
    match canonical(value, bytes, scratch, prefilter) {
        Canonical::Raw => judge(value, bytes, detectors, prefilter),
        Canonical::Decoded => {
            let bytes = ByteSet::of(&scratch.decoded, prefilter);
            judge(&scratch.decoded, bytes, detectors, prefilter)
        }
        Canonical::OverEncoded => Some(Reason::PayloadEncodingEvasion),
    }
}

enum Canonical {
    /// Nothing to decode: judge the value as it is.
    Raw,
    /// The decoded value is in `scratch.decoded`.
    Decoded,
    /// Still changing after every round of URL decoding: no client encodes a value that
    /// often, so that is the finding.
    OverEncoded,
}

/// Decodes `value` into `scratch.decoded` when it holds anything to decode.
fn canonical(value: &[u8], bytes: ByteSet, scratch: &mut PayloadScratch, prefilter: bool) -> Canonical {
    let percent = bytes.has(ByteSet::PERCENT, || memchr::memchr(b'%', value).is_some());
    let escapes = bytes.has(ByteSet::BACKSLASH | ByteSet::AMPERSAND, || memchr::memchr2(b'\\', b'&', value).is_some());
    if !percent && !escapes {
        return Canonical::Raw;
    }
    // A `\` or `&` that starts no escape or entity decodes to itself: when none does,
    // the decoded value is the value, and copying it would change nothing.
    if prefilter && !percent && !decode::escape_or_entity_in(value) {
        return Canonical::Raw;
    }
    let PayloadScratch { decoded, spare, .. } = scratch;
    if percent {
        if decode_url_repeatedly(value, decoded, spare) == MAX_URL_DECODE_ROUNDS {
            return Canonical::OverEncoded;
        }
    } else {
        decoded.clear();
        spare.clear();
        spare.reserve(value.len());
        decoded.extend_from_slice(value);
    }
    for transform in [Transform::EscapeDecode, Transform::HtmlEntityDecode] {
        if memchr::memchr2(b'\\', b'&', decoded).is_some() && transform.apply(decoded, spare) {
            std::mem::swap(decoded, spare);
        }
    }
    Canonical::Decoded
}

fn judge(value: &[u8], bytes: ByteSet, detectors: Detectors<'_>, prefilter: bool) -> Option<Reason> {
    if detectors.sqli && sqli::find(value, bytes, prefilter).is_some() {
        return Some(Reason::PayloadSqlInjection);
    }
    // `xss::find` reads a value only for a `<`, `=`, `:`, `(` or backtick.
    let xss_bytes = ByteSet::LESS_THAN | ByteSet::EQUALS | ByteSet::COLON | ByteSet::OPEN_PAREN | ByteSet::BACKTICK;
    if detectors.xss && bytes.may(xss_bytes) {
        if let Some(reason) = xss::find(value, bytes) {
            return Some(reason);
        }
    }
    // `shell::find` reads a value only for `;`, `|`, `&`, a line break, `$` or a backtick.
    let shell_bytes = ByteSet::SEMICOLON
        | ByteSet::PIPE
        | ByteSet::AMPERSAND
        | ByteSet::LINE_BREAK
        | ByteSet::DOLLAR
        | ByteSet::BACKTICK;
    if detectors.command && bytes.may(shell_bytes) {
        if let Some(reason) = shell::find(value, bytes) {
            return Some(reason);
        }
    }
    // `path_payload` needs a `:` (a stream wrapper), a slash or an overlong slash.
    let path_bytes = ByteSet::COLON | ByteSet::SLASH | ByteSet::BACKSLASH | ByteSet::OVERLONG_LEAD;
    if detectors.path && bytes.may(path_bytes) && path_payload(value, bytes, prefilter) {
        return Some(Reason::PayloadPathTraversal);
    }
    if detectors.ssrf && ssrf_payload(value, bytes, detectors.ssrf_allow_hosts, prefilter) {
        return Some(Reason::PayloadSsrf);
    }
    None
}

fn starts_with_ignore_case(value: &[u8], prefix: &[u8]) -> bool {
    value.len() >= prefix.len() && value[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// Stream wrappers that read files or run code where a file name is expected.
const FILE_WRAPPERS: [&[u8]; 11] = [
    b"php://",
    b"file:",
    b"expect://",
    b"phar://",
    b"zip://",
    b"data://",
    b"glob://",
    b"zlib:",
    b"compress.zlib://",
    b"compress.bzip2://",
    b"jar:file:",
];

/// Path traversal and file inclusion: two or more `..` segments (`/` or `\`, or the
/// overlong UTF-8 slashes old decoders accepted), one `..` segment or an absolute path
/// reaching a sensitive file, a NUL byte cutting a path short, or a stream wrapper.
fn path_payload(value: &[u8], bytes: ByteSet, prefilter: bool) -> bool {
    let trimmed = &value[value.iter().position(|&b| b > b' ').unwrap_or(value.len())..];
    // The bytes trimmed are no `:`: the value holds one when what is left does.
    if bytes.has(ByteSet::COLON, || memchr::memchr(b':', trimmed).is_some())
        && FILE_WRAPPERS.iter().any(|w| starts_with_ignore_case(trimmed, w))
    {
        return true;
    }
    let has_separator =
        bytes.has(ByteSet::SLASH | ByteSet::BACKSLASH, || memchr::memchr2(b'/', b'\\', value).is_some());
    if !has_separator && !bytes.has(ByteSet::OVERLONG_LEAD, || memchr::memchr3(0xc0, 0xc1, 0xe0, value).is_some()) {
        // No separator: no traversal, no absolute path.
        return false;
    }
    // A `..` segment needs two dots in a row; without one, both counts are zero.
    let (parents, most_in_a_row) = if prefilter
        && !(bytes.may(ByteSet::DOT) && memchr::memchr_iter(b'.', value).any(|i| value.get(i + 1) == Some(&b'.')))
    {
        (0, 0)
    } else {
        parent_segments(value)
    };
    if most_in_a_row >= 2 {
        return true;
    }
    if !has_separator && parents == 0 {
        return false;
    }
    if bytes.has(ByteSet::NUL, || memchr::memchr(0, value).is_some()) {
        return true;
    }
    let absolute = matches!(trimmed.first(), Some(b'/' | b'\\' | b'~'))
        || (trimmed.len() > 2
            && trimmed[0].is_ascii_alphabetic()
            && trimmed[1] == b':'
            && matches!(trimmed[2], b'/' | b'\\'));
    (parents > 0 || absolute) && targets_sensitive_file(value)
}

/// Counts `..` segments (all of them, and the longest run of consecutive ones). A segment
/// of dots only (`...`, `....`) counts: filters that strip `../` once leave `../` behind.
fn parent_segments(value: &[u8]) -> (usize, usize) {
    let (mut total, mut run, mut best) = (0, 0, 0);
    let mut start = 0;
    let mut i = 0;
    while i <= value.len() {
        let sep_len = separator_len(value, i);
        if i == value.len() || sep_len > 0 {
            let segment = &value[start..i];
            let dots_only = segment.len() >= 2 && segment.iter().all(|&b| b == b'.');
            if dots_only && (i < value.len() || total > 0) {
                total += 1;
                run += 1;
                best = best.max(run);
            } else if !segment.is_empty() {
                run = 0;
            }
            i += sep_len.max(1);
            start = i;
        } else {
            i += 1;
        }
    }
    (total, best)
}

/// `/`, `\`, and the overlong UTF-8 encodings of them (`C0 AF`, `C1 9C`, `E0 80 AF`).
fn separator_len(value: &[u8], i: usize) -> usize {
    match value.get(i..) {
        Some([b'/' | b'\\', ..]) => 1,
        Some([0xc0, 0xaf, ..]) | Some([0xc1, 0x9c, ..]) | Some([0xc0, 0x2f, ..]) => 2,
        Some([0xe0, 0x80, 0xaf, ..]) => 3,
        _ => 0,
    }
}

/// Schemes an SSRF uses to talk to services that are not web servers.
const SMUGGLING_SCHEMES: [&[u8]; 8] = [b"gopher", b"dict", b"ldap", b"ldaps", b"tftp", b"netdoc", b"sftp", b"jar"];

/// A URL to an internal or metadata host (every IPv4 and IPv6 spelling, as browsers
/// parse it), a URL with a scheme used to smuggle requests to internal services, or a
/// bare cloud metadata address.
/// `prefilter`: rule out bare hosts that cannot parse to a metadata address
/// ([`may_be_metadata_host`]) without parsing them.
fn ssrf_payload(value: &[u8], bytes: ByteSet, allow_hosts: &[String], prefilter: bool) -> bool {
    let mut searched = 0;
    let colons = if bytes.may(ByteSet::COLON) { value } else { &[] };
    for colon in memchr::memchr_iter(b':', colons) {
        if value.get(colon + 1..colon + 3) != Some(b"//") {
            continue;
        }
        searched += 1;
        if searched > 8 {
            break;
        }
        let start = value[..colon]
            .iter()
            .rposition(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')))
            .map_or(0, |p| p + 1);
        let scheme = &value[start..colon];
        if scheme.is_empty() {
            continue;
        }
        if SMUGGLING_SCHEMES.iter().any(|s| scheme.eq_ignore_ascii_case(s)) {
            return true;
        }
        let end = value[start..]
            .iter()
            .position(|&b| b <= b' ' || b == b'"' || b == b'\'')
            .map_or(value.len(), |p| start + p);
        let url = &value[start..end];
        let parts = UrlParts::parse(url, Relative::Navigate);
        if parts.host.is_some() {
            let host = parts.parse_host(url);
            if classify_host(&host, false).is_some() && !is_allowed(&host, allow_hosts) {
                return true;
            }
        }
    }
    // A bare host: only a metadata address is worth a finding (`169.254.169.254`, its
    // decimal, hex and octal spellings, `[fd00:ec2::254]`, `metadata.google.internal`).
    let host_like = matches!(value.first(), Some(b'0'..=b'9' | b'[' | b'm' | b'M'));
    if searched == 0
        && host_like
        && value.len() < 256
        && !bytes.has(ByteSet::SPACE_OR_CONTROL, || value.iter().any(|&b| b <= b' '))
    {
        let host = value.split(|&b| b == b'/' || b == b':').next().unwrap_or_default();
        if prefilter && !may_be_metadata_host(host) {
            return false;
        }
        return classify_host(&parse_host(host), false) == Some(Target::Metadata);
    }
    false
}

/// Can the bare host `host` (no space or control byte, as [`ssrf_payload`] reads it)
/// parse to a metadata address? A host that starts with a digit does so only as an IPv4
/// address, or as a name under a wildcard DNS service (`169.254.169.254.nip.io`): every
/// metadata name starts with a letter. Without a `.` the name has no such suffix and the
/// address is one number (`2852039166`, `0xa9fea9fe`, `025177524776`), written with
/// digits, hexadecimal digits and `x` only. A `%` escape or a byte outside printable
/// ASCII may map to either (`%2e`, a full-width digit or full stop), so those are parsed.
/// Other first bytes (`[`, `m`) are always parsed: `12,15,99` and `5` are what this spares.
fn may_be_metadata_host(host: &[u8]) -> bool {
    if !host.first().is_some_and(u8::is_ascii_digit) {
        return true;
    }
    let mut number = true;
    for &b in host {
        match b {
            b'.' | b'%' | 0x7f.. => return true,
            b'0'..=b'9' | b'a'..=b'f' | b'A'..=b'F' | b'x' | b'X' => {}
            _ => number = false,
        }
    }
    number
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(value: &str) -> Option<Reason> {
        let found = inspect_value(value.as_bytes(), Detectors::ALL, &mut PayloadScratch::default(), true);
        let full = inspect_value(value.as_bytes(), Detectors::ALL, &mut PayloadScratch::default(), false);
        assert_eq!(found, full, "prefilters changed {value:?}");
        found
    }

    /// Bare hosts built from the pieces of every IPv4 spelling, escapes, full-width
    /// digits and dots, wildcard DNS names and near misses: the host guard gives the
    /// parser's answer on each, and spares the parse on some.
    #[test]
    fn bare_host_guard_keeps_the_parser_answer() {
        const PIECES: &[&str] = &[
            "1",
            "169",
            "254",
            ".254.169.254",
            "2852039166",
            "0xa9fea9fe",
            "0XA9FEA9FE",
            "025177524776",
            "0x7f",
            "0",
            "00",
            ".",
            "..",
            ",",
            "x",
            "X",
            "g",
            "a9fea9fe",
            "e",
            "%2e",
            "%31",
            "%",
            "\u{ff11}",
            "\u{ff0e}",
            "\u{3002}",
            ".nip.io",
            "nip",
            ".io",
            "-",
            "/",
            ":80",
            "[",
            "]",
            "metadata",
            "\u{7f}",
            "_",
            "+",
        ];
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let (mut metadata, mut spared) = (0, 0);
        for _ in 0..40_000 {
            let mut host = String::from(["1", "169", "0", "2", "9"][(state % 5) as usize]);
            for _ in 0..1 + state % 6 {
                let next = crate::test_random::xorshift(&mut state);
                host.push_str(PIECES[(next % PIECES.len() as u64) as usize]);
            }
            let value = host.as_bytes();
            let bytes = ByteSet::of(value, true);
            let full = ssrf_payload(value, bytes, &[], false);
            assert_eq!(ssrf_payload(value, bytes, &[], true), full, "host guard changed {host:?}");
            metadata += usize::from(full);
            spared +=
                usize::from(!may_be_metadata_host(value.split(|&b| b == b'/' || b == b':').next().unwrap_or_default()));
        }
        assert!(metadata > 100 && spared > 1_000, "{metadata} metadata hosts, {spared} spared");
        for (host, expected) in [("12,15,99", false), ("2852039166", true), ("0xa9fea9fe", true), ("5", true)] {
            assert_eq!(may_be_metadata_host(host.as_bytes()), expected, "{host}");
        }
    }

    #[test]
    fn decodes_before_judging() {
        assert_eq!(reason("%27%20OR%201%3D1--%20"), Some(Reason::PayloadSqlInjection));
        assert_eq!(reason("%253Cscript%253Ealert(1)"), Some(Reason::PayloadXss));
        assert_eq!(reason("&lt;script&gt;alert(1)&lt;/script&gt;"), Some(Reason::PayloadXss));
        assert_eq!(reason("\\u003cscript\\u003e"), Some(Reason::PayloadXss));
        assert_eq!(reason("<a href=\"jav&#x09;ascript:alert(1)\">x</a>"), Some(Reason::PayloadXss));
        assert_eq!(reason("100% cotton"), None);
    }

    #[test]
    fn paths_and_urls() {
        for v in [
            "../../etc/passwd",
            "..\\..\\windows\\win.ini",
            "....//....//etc/passwd",
            "/etc/passwd",
            "../etc/shadow",
            "..%c0%af..%c0%afetc",
            "php://filter/convert.base64-encode/resource=index.php",
            "file:///etc/passwd",
            "image.php%00.jpg/x",
        ] {
            assert_eq!(reason(v), Some(Reason::PayloadPathTraversal), "{v}");
        }
        for v in [
            "http://169.254.169.254/latest/meta-data/",
            "http://0x7f.1:6379/",
            "gopher://127.0.0.1:6379/_INFO",
            "http://[::ffff:127.0.0.1]/",
            "169.254.169.254",
            "url=http://localhost/admin",
        ] {
            assert_eq!(reason(v), Some(Reason::PayloadSsrf), "{v}");
        }
        for v in ["../images/a.png", "https://example.com/a/b", "2024/01/05", "a/b/c.txt", "10.5", "..."] {
            assert_eq!(reason(v), None, "{v}");
        }
    }
}

#[cfg(test)]
mod timing {
    use super::*;

    #[test]
    #[ignore = "prints per-detector timings; run in release"]
    fn time_detectors() {
        let values: [&[u8]; 8] = [
            b"Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0",
            b"text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8",
            b"Great shoes, fit well. I'd order them again & recommend them to anyone who walks a lot; the sole is soft",
            b"Flat 3, 27 King's Road",
            b"London",
            b"5",
            b"{\"client\":\"web\",\"version\":\"4.2.1\",\"ab\":[\"b\",\"c\"]}",
            b"https://shop.example.com/account/orders/1234?tab=items&sort=date",
        ];
        let rounds = 100_000;
        let time = |name: &str, f: &mut dyn FnMut(&[u8]) -> bool| {
            let start = std::time::Instant::now();
            let mut n = 0;
            for _ in 0..rounds {
                for v in values {
                    n += usize::from(f(v));
                }
            }
            eprintln!("{name}: {:?} per value ({n})", start.elapsed() / (rounds * values.len() as u32));
        };
        time("sqli", &mut |v| sqli::find(v, ByteSet::of(v, true), true).is_some());
        time("xss", &mut |v| xss::find(v, ByteSet::of(v, true)).is_some());
        time("shell", &mut |v| shell::find(v, ByteSet::of(v, true)).is_some());
        time("path", &mut |v| path_payload(v, ByteSet::of(v, true), true));
        time("ssrf", &mut |v| ssrf_payload(v, ByteSet::of(v, true), &[], true));
        let mut scratch = PayloadScratch::default();
        time("all", &mut |v| inspect_value(v, Detectors::ALL, &mut scratch, true).is_some());
    }
}
