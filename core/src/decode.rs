//! Decoding transforms: what an input means once the layers an attacker can wrap it in
//! are peeled off (URL encoding, HTML entities, `\uXXXX` escapes, ...).
//!
//! Every transform reads `src` and writes `dst` (cleared first), never produces more
//! bytes than it reads, runs in one linear pass and cannot fail: a malformed escape is
//! copied as it is. Callers keep `dst` in reusable scratch, so decoding allocates nothing
//! once the scratch has grown to the largest input seen.

use crate::names::named_enum;

/// How many times [`Transform::UrlDecode`] decodes at most. A value still encoded after
/// that many rounds is itself suspicious: see [`decode_url_repeatedly`].
pub const MAX_URL_DECODE_ROUNDS: usize = 8;

named_enum! {
    /// One decoding or normalising step, as named in a rule's `transforms`.
    pub enum Transform {
        /// `%XX` and `%uXXXX`, repeated until nothing changes (at most 8 rounds).
        UrlDecode = (1, "url_decode"),
        /// `&lt;`, `&quot;`, `&#39;`, `&#x3c;` and the other entities that matter for markup.
        HtmlEntityDecode = (2, "html_entity_decode"),
        /// `\uXXXX`, `\u{X..}`, `\xXX` and octal `\NNN` escapes of JavaScript, JSON, Python, C.
        EscapeDecode = (3, "escape_decode"),
        /// ASCII lowercase.
        Lowercase = (4, "lowercase"),
        /// Runs of whitespace become one space.
        CompressWhitespace = (5, "compress_whitespace"),
        /// `/* .. */` comments become one space; `--` and `#` comments are dropped to the end of line.
        RemoveComments = (6, "remove_comments"),
        /// NUL bytes are removed.
        RemoveNulls = (7, "remove_nulls"),
        /// `\` becomes `/`, `//` and `/./` fold, `..` segments are resolved (never above the root).
        NormalizePath = (8, "normalize_path"),
    }
}

impl Transform {
    /// Applies the transform; returns whether the output differs from `src`.
    pub fn apply(self, src: &[u8], dst: &mut Vec<u8>) -> bool {
        dst.clear();
        match self {
            Transform::UrlDecode => url_decode_once(src, dst),
            Transform::HtmlEntityDecode => html_entity_decode(src, dst),
            Transform::EscapeDecode => escape_decode(src, dst),
            Transform::Lowercase => {
                // Copy, then lowercase in place: both vectorise, a per-byte push does not.
                dst.extend_from_slice(src);
                dst.make_ascii_lowercase();
            }
            Transform::CompressWhitespace => compress_whitespace(src, dst),
            Transform::RemoveComments => remove_comments(src, dst),
            Transform::RemoveNulls => dst.extend(src.iter().copied().filter(|&b| b != 0)),
            Transform::NormalizePath => normalize_path(src, dst),
        }
        dst.as_slice() != src
    }
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Parses `count` hex digits at `at`.
fn hex_value(src: &[u8], at: usize, count: usize) -> Option<u32> {
    let digits = src.get(at..at + count)?;
    digits.iter().try_fold(0u32, |acc, &b| Some(acc << 4 | u32::from(hex(b)?)))
}

/// Writes `code` as UTF-8; code points that are not characters become U+FFFD. A code
/// point below 0x80 is written as its byte, which is the point: `%u0027` is a quote.
fn push_char(dst: &mut Vec<u8>, code: u32) {
    let c = char::from_u32(code).unwrap_or('\u{fffd}');
    let mut buf = [0u8; 4];
    dst.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
}

/// One round of percent-decoding (`%XX`, and IIS's `%uXXXX`). `+` stays: frameworks
/// turn it into a space before the value reaches rampart.
fn url_decode_once(src: &[u8], dst: &mut Vec<u8>) {
    let mut i = 0;
    while i < src.len() {
        let b = src[i];
        if b == b'%' {
            if let Some(v) = hex_value(src, i + 1, 2) {
                dst.push(v as u8);
                i += 3;
                continue;
            }
            if matches!(src.get(i + 1), Some(b'u' | b'U')) {
                // `%uXXXX` is 6 bytes; its UTF-8 encoding is at most 3: never longer.
                if let Some(v) = hex_value(src, i + 2, 4) {
                    push_char(dst, v);
                    i += 6;
                    continue;
                }
            }
        }
        dst.push(b);
        i += 1;
    }
}

/// Percent-decodes `src` into `dst` until nothing changes, at most
/// [`MAX_URL_DECODE_ROUNDS`] times, using `spare` as the second buffer. Returns the number
/// of rounds that changed something; `MAX_URL_DECODE_ROUNDS` means the value may still be
/// encoded (no legitimate client encodes a value eight times).
pub fn decode_url_repeatedly(src: &[u8], dst: &mut Vec<u8>, spare: &mut Vec<u8>) -> usize {
    dst.clear();
    spare.clear();
    // The two buffers swap roles from round to round and call to call: both get room
    // for the whole value, so a warmed-up pair never grows again.
    dst.reserve(src.len());
    spare.reserve(src.len());
    dst.extend_from_slice(src);
    let mut rounds = 0;
    while rounds < MAX_URL_DECODE_ROUNDS && memchr::memchr(b'%', dst).is_some() {
        if !Transform::UrlDecode.apply(dst, spare) {
            break;
        }
        std::mem::swap(dst, spare);
        rounds += 1;
    }
    rounds
}

/// Named entities that change how markup or a URL reads. Others are left as they are:
/// they cannot turn text into a tag, an attribute or a scheme.
const NAMED_ENTITIES: [(&[u8], u8); 14] = [
    (b"lt", b'<'),
    (b"gt", b'>'),
    (b"amp", b'&'),
    (b"quot", b'"'),
    (b"apos", b'\''),
    (b"colon", b':'),
    (b"sol", b'/'),
    (b"bsol", b'\\'),
    (b"lpar", b'('),
    (b"rpar", b')'),
    (b"tab", b'\t'),
    (b"newline", b'\n'),
    (b"semi", b';'),
    (b"equals", b'='),
];

/// Does `value` hold a `\\` escape or an `&` entity that [`Transform::EscapeDecode`] or
/// [`Transform::HtmlEntityDecode`] would decode? When not, both leave it as it is (each
/// copies every byte that starts nothing it decodes).
pub(crate) fn escape_or_entity_in(value: &[u8]) -> bool {
    memchr::memchr2_iter(b'\\', b'&', value).any(|i| {
        let rest = &value[i + 1..];
        if value[i] == b'\\' {
            escape_at(rest).is_some()
        } else {
            entity_at(rest).is_some()
        }
    })
}

fn html_entity_decode(src: &[u8], dst: &mut Vec<u8>) {
    let mut i = 0;
    while i < src.len() {
        if src[i] == b'&' {
            if let Some((consumed, code)) = entity_at(&src[i + 1..]) {
                // An entity is at least 3 bytes (`&#9`), its character at most 4 bytes of
                // UTF-8 only for `&#` forms of 4+ bytes: never longer than its source.
                push_char(dst, code);
                i += 1 + consumed;
                continue;
            }
        }
        dst.push(src[i]);
        i += 1;
    }
}

/// Reads an entity after `&`: returns the bytes consumed and the code point. Numeric
/// entities need no `;` (browsers accept `&#60` too); leading zeros are unbounded, so
/// digits are read until they end, keeping the value capped.
fn entity_at(rest: &[u8]) -> Option<(usize, u32)> {
    if rest.first() == Some(&b'#') {
        let hexadecimal = matches!(rest.get(1), Some(b'x' | b'X'));
        let start = if hexadecimal { 2 } else { 1 };
        let mut i = start;
        let mut value: u32 = 0;
        while let Some(&b) = rest.get(i) {
            let digit = if hexadecimal { hex(b) } else { b.is_ascii_digit().then(|| b - b'0') };
            let Some(digit) = digit else { break };
            value =
                value.saturating_mul(if hexadecimal { 16 } else { 10 }).saturating_add(u32::from(digit)).min(0x11_0000);
            i += 1;
        }
        if i == start {
            return None;
        }
        let consumed = if rest.get(i) == Some(&b';') { i + 1 } else { i };
        // `&#1;` is 4 bytes and decodes to 1: the shortest numeric entity that could
        // decode to a 4-byte character is `&#65536` (7 bytes).
        return Some((consumed, value));
    }
    // Every name starts with a letter: `& ` (the common case in text) is not an entity.
    if !rest.first().is_some_and(u8::is_ascii_alphabetic) {
        return None;
    }
    // Every name is letters only and must be followed by `;`: only a name as long as the
    // run of letters here can match, and only when a `;` ends the run (`&sort=date` in a
    // query string is ruled out without comparing a name).
    let letters = rest.iter().take(LONGEST_ENTITY_NAME + 1).take_while(|b| b.is_ascii_alphabetic()).count();
    if rest.get(letters) != Some(&b';') {
        return None;
    }
    for (name, byte) in NAMED_ENTITIES {
        if name.len() == letters && rest[..letters].eq_ignore_ascii_case(name) {
            return Some((letters + 1, u32::from(byte)));
        }
    }
    None
}

/// The longest of [`NAMED_ENTITIES`], whose names are letters only.
const LONGEST_ENTITY_NAME: usize = {
    let mut longest = 0;
    let mut k = 0;
    while k < NAMED_ENTITIES.len() {
        let name = NAMED_ENTITIES[k].0;
        let mut j = 0;
        while j < name.len() {
            assert!(name[j].is_ascii_alphabetic(), "entity names are letters only");
            j += 1;
        }
        longest = if name.len() > longest { name.len() } else { longest };
        k += 1;
    }
    longest
};

fn escape_decode(src: &[u8], dst: &mut Vec<u8>) {
    let mut i = 0;
    while i < src.len() {
        if src[i] == b'\\' {
            if let Some((consumed, code)) = escape_at(&src[i + 1..]) {
                push_char(dst, code);
                i += 1 + consumed;
                continue;
            }
        }
        dst.push(src[i]);
        i += 1;
    }
}

/// Reads an escape after `\`. Each form is at least as long as the UTF-8 it yields:
/// `\xXX` (4 bytes, 1-2 out), `\uXXXX` (6, <= 3), `\u{X..}` (>= 5 for 4-byte characters
/// needs >= 5 hex digits), octal `\NNN` (4, 1-2).
fn escape_at(rest: &[u8]) -> Option<(usize, u32)> {
    match rest.first()? {
        b'x' | b'X' => Some((3, hex_value(rest, 1, 2)?)),
        b'u' | b'U' if rest.get(1) == Some(&b'{') => {
            let close = rest.iter().take(9).position(|&b| b == b'}')?;
            let digits = close.checked_sub(2)?;
            if digits == 0 {
                return None;
            }
            let value = hex_value(rest, 2, digits)?;
            // Keep output no longer than input: 4-byte characters need 5+ hex digits.
            (value < 0x1_0000 || digits >= 5).then_some((close + 1, value))
        }
        b'u' | b'U' => Some((5, hex_value(rest, 1, 4)?)),
        b'0'..=b'3' => {
            let digits = rest.iter().take(3).take_while(|b| (b'0'..=b'7').contains(b)).count();
            if digits != 3 {
                return None;
            }
            let value = rest[..3].iter().fold(0u32, |acc, &b| acc * 8 + u32::from(b - b'0'));
            Some((3, value))
        }
        _ => None,
    }
}

fn compress_whitespace(src: &[u8], dst: &mut Vec<u8>) {
    let mut in_space = false;
    for &b in src {
        if b.is_ascii_whitespace() || b == 0x0b {
            if !in_space {
                dst.push(b' ');
            }
            in_space = true;
        } else {
            dst.push(b);
            in_space = false;
        }
    }
}

fn remove_comments(src: &[u8], dst: &mut Vec<u8>) {
    let mut i = 0;
    while i < src.len() {
        match (src[i], src.get(i + 1)) {
            (b'/', Some(b'*')) => {
                let end = memchr::memmem::find(&src[i + 2..], b"*/").map_or(src.len(), |p| i + 2 + p + 2);
                dst.push(b' ');
                i = end;
            }
            (b'-', Some(b'-')) | (b'#', _) => {
                let start = if src[i] == b'#' { i + 1 } else { i + 2 };
                i = memchr::memchr(b'\n', &src[start..]).map_or(src.len(), |p| start + p);
            }
            (b, _) => {
                dst.push(b);
                i += 1;
            }
        }
    }
}

/// Normalises a URL or file path the way a server resolves it before serving a file.
fn normalize_path(src: &[u8], dst: &mut Vec<u8>) {
    let absolute = matches!(src.first(), Some(b'/' | b'\\'));
    if absolute {
        dst.push(b'/');
    }
    let root = dst.len();
    for segment in src.split(|&b| b == b'/' || b == b'\\') {
        match segment {
            b"" | b"." => {}
            b".." => {
                // Drop the last segment written, never the root.
                let keep = dst[root..].iter().rposition(|&b| b == b'/').map_or(root, |p| root + p);
                dst.truncate(keep);
            }
            _ => {
                if dst.len() > root {
                    dst.push(b'/');
                }
                dst.extend_from_slice(segment);
            }
        }
    }
    // A trailing separator is part of what is asked for (`/.git/`).
    if matches!(src.last(), Some(b'/' | b'\\')) && dst.len() > root {
        dst.push(b'/');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(t: Transform, src: &str) -> String {
        let mut dst = Vec::new();
        t.apply(src.as_bytes(), &mut dst);
        String::from_utf8_lossy(&dst).into_owned()
    }

    #[test]
    fn transforms() {
        assert_eq!(run(Transform::UrlDecode, "%27%20or%201%3D1%zz%u003c+"), "' or 1=1%zz<+");
        assert_eq!(run(Transform::HtmlEntityDecode, "&lt;a&#x3A;b&#58c&amp;&nbsp;&"), "<a:b:c&&nbsp;&");
        assert_eq!(run(Transform::HtmlEntityDecode, "&#0000000000000000060;"), "<");
        assert_eq!(run(Transform::EscapeDecode, r"\x3cscript\u003e\u{27}\047\q"), "<script>''\\q");
        assert_eq!(run(Transform::Lowercase, "SeLeCT"), "select");
        assert_eq!(run(Transform::CompressWhitespace, "a \t\n b"), "a b");
        assert_eq!(run(Transform::RemoveComments, "UNION/**/SELECT-- x\n1#y"), "UNION SELECT\n1");
        assert_eq!(run(Transform::RemoveNulls, "a\0b"), "ab");
        assert_eq!(run(Transform::NormalizePath, "/a/./b//../../../.git/"), "/.git/");
        assert_eq!(run(Transform::NormalizePath, "..\\..\\etc\\passwd"), "etc/passwd");
    }

    /// The named entities are found by the length of the run of letters: the same as
    /// comparing every name, case-insensitively, with a `;` after it.
    #[test]
    fn named_entities_by_length_match_every_name() {
        let by_every_name = |rest: &[u8]| {
            NAMED_ENTITIES.iter().find_map(|&(name, byte)| {
                (rest.len() > name.len() && rest[..name.len()].eq_ignore_ascii_case(name) && rest[name.len()] == b';')
                    .then(|| (name.len() + 1, u32::from(byte)))
            })
        };
        let mut samples: Vec<Vec<u8>> = Vec::new();
        for (name, _) in NAMED_ENTITIES {
            for tail in [&b";"[..], b"", b";x", b"x;", b"1;", b" ;"] {
                samples.push([name, tail].concat());
                samples.push([&name.to_ascii_uppercase()[..], tail].concat());
                samples.push([&name[..name.len() - 1], tail].concat());
            }
        }
        samples
            .extend([&b"sort=date"[..], b"newlinex;", b"equalsequals;", b";", b"", b"abcdefghij;"].map(<[u8]>::to_vec));
        for rest in samples {
            assert_eq!(entity_at(&rest), by_every_name(&rest), "{:?}", String::from_utf8_lossy(&rest));
        }
    }

    #[test]
    fn no_transform_grows_its_input() {
        let samples: [&[u8]; 8] = [
            b"%u0000%uffff%ud800",
            b"&#1114111;&#x10ffff&#65536",
            b"\\u{10ffff}\\u{1}\\uffff\\x80\\377",
            b"/../..//./",
            b"\xff\xfe%\x00",
            b"&#;&#x;&#xg",
            b"/**/--#\n",
            b"\\u{}\\u{1234567}",
        ];
        for t in Transform::ALL {
            for s in samples {
                let mut dst = Vec::new();
                t.apply(s, &mut dst);
                assert!(dst.len() <= s.len(), "{t} grew {s:?}");
            }
        }
    }

    #[test]
    fn fifty_url_encodings_stop_at_the_limit() {
        // Each round encodes the previous round's `%`: the value grows linearly.
        let mut value = b"%3Cscript%3E".to_vec();
        for _ in 1..50 {
            value = value.iter().flat_map(|&b| if b == b'%' { b"%25".to_vec() } else { vec![b] }).collect();
        }
        let (mut dst, mut spare) = (Vec::new(), Vec::new());
        assert_eq!(decode_url_repeatedly(&value, &mut dst, &mut spare), MAX_URL_DECODE_ROUNDS);
        assert_eq!(decode_url_repeatedly(b"%253Cscript", &mut dst, &mut spare), 2);
        assert_eq!(dst, b"<script");
    }
}
