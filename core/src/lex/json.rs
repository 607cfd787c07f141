//! A total, allocation-free, linear-time JSON tokenizer, for query filters (MongoDB-style)
//! given as JSON text.
//!
//! Every byte belongs to exactly one token; malformed input never stops it: an
//! unterminated string runs to the end, a byte no JSON token starts with is an
//! [`JsonTokenKind::Unknown`] token, and bare words (`true`, `ObjectId`, `undefined`)
//! are [`JsonTokenKind::Literal`]s. Structure (which string is a key, how deep it sits)
//! is left to the caller, which can bound its depth.

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JsonTokenKind {
    /// Spaces, tabs, CR, LF.
    Whitespace,
    /// `"..."` with escapes (content: between the quotes).
    String,
    /// `-12.5e3`.
    Number,
    /// `true`, `false`, `null` or another bare word.
    Literal,
    /// `{`
    ObjectOpen,
    /// `}`
    ObjectClose,
    /// `[`
    ArrayOpen,
    /// `]`
    ArrayClose,
    /// `:`
    Colon,
    /// `,`
    Comma,
    /// A byte no token starts with.
    Unknown,
}

/// One token: kind, span and content span (a string's text between its quotes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JsonToken {
    pub kind: JsonTokenKind,
    pub start: usize,
    pub end: usize,
    pub content_start: usize,
    pub content_end: usize,
}

/// A streaming tokenizer: an iterator of [`JsonToken`]s.
#[derive(Clone, Copy, Debug)]
pub struct JsonLexer<'a> {
    input: &'a [u8],
    pos: usize,
}

impl<'a> JsonLexer<'a> {
    /// A tokenizer over `input`.
    pub fn new(input: &'a [u8]) -> JsonLexer<'a> {
        JsonLexer { input, pos: 0 }
    }

    fn run(&self, pred: impl Fn(u8) -> bool) -> usize {
        self.input[self.pos..].iter().take_while(|&&c| pred(c)).count().max(1)
    }
}

impl Iterator for JsonLexer<'_> {
    type Item = JsonToken;

    fn next(&mut self) -> Option<JsonToken> {
        use JsonTokenKind::*;
        let start = self.pos;
        let b = *self.input.get(start)?;
        let (kind, len) = match b {
            b' ' | b'\t' | b'\r' | b'\n' => (Whitespace, self.run(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\n'))),
            b'"' => {
                let mut i = start + 1;
                while i < self.input.len() && self.input[i] != b'"' {
                    i += if self.input[i] == b'\\' { 2 } else { 1 };
                }
                let content_end = i.min(self.input.len());
                let end = (i + 1).min(self.input.len());
                self.pos = end;
                return Some(JsonToken { kind: String, start, end, content_start: start + 1, content_end });
            }
            b'-' | b'0'..=b'9' => {
                (Number, self.run(|c| c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.' | b'e' | b'E')))
            }
            b'{' => (ObjectOpen, 1),
            b'}' => (ObjectClose, 1),
            b'[' => (ArrayOpen, 1),
            b']' => (ArrayClose, 1),
            b':' => (Colon, 1),
            b',' => (Comma, 1),
            c if c.is_ascii_alphabetic() || c == b'_' || c == b'$' => {
                (Literal, self.run(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'$'))
            }
            _ => (Unknown, 1),
        };
        self.pos = start + len;
        Some(JsonToken { kind, start, end: self.pos, content_start: start, content_end: self.pos })
    }
}

/// The bytes a JSON string's content stands for, decoded on the fly (no allocation):
/// `\n`, `\"`, `\u0024` ... A lone surrogate decodes to U+FFFD.
pub fn decoded(content: &[u8]) -> impl Iterator<Item = u8> + '_ {
    let mut i = 0;
    let mut utf8 = [0u8; 4];
    let (mut pending, mut pending_len) = (0usize, 0usize);
    std::iter::from_fn(move || {
        if pending < pending_len {
            pending += 1;
            return Some(utf8[pending - 1]);
        }
        let b = *content.get(i)?;
        if b != b'\\' {
            i += 1;
            return Some(b);
        }
        let escaped = content.get(i + 1).copied();
        i += 2;
        let byte = match escaped {
            Some(b'n') => b'\n',
            Some(b't') => b'\t',
            Some(b'r') => b'\r',
            Some(b'b') => 0x08,
            Some(b'f') => 0x0c,
            Some(b'u') => {
                let unit = hex4(content.get(i..i + 4));
                i += if unit.is_some() { 4 } else { 0 };
                let mut code = unit.unwrap_or(0xfffd);
                if (0xd800..0xdc00).contains(&code) {
                    let low =
                        (content.get(i..i + 2) == Some(b"\\u")).then(|| hex4(content.get(i + 2..i + 6))).flatten();
                    match low {
                        Some(low) if (0xdc00..0xe000).contains(&low) => {
                            code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
                            i += 6;
                        }
                        _ => code = 0xfffd,
                    }
                } else if (0xdc00..0xe000).contains(&code) {
                    code = 0xfffd;
                }
                let c = char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER);
                pending_len = c.encode_utf8(&mut utf8).len();
                pending = 1;
                return Some(utf8[0]);
            }
            Some(other) => other,
            None => b'\\',
        };
        Some(byte)
    })
}

fn hex4(digits: Option<&[u8]>) -> Option<u32> {
    let digits = digits?;
    digits.iter().try_fold(0u32, |acc, &d| Some(acc * 16 + (d as char).to_digit(16)?))
}

/// True when the decoded content of a JSON string equals `text`.
pub fn decoded_eq(content: &[u8], text: &[u8]) -> bool {
    if !content.contains(&b'\\') {
        return content == text;
    }
    let mut expected = text.iter();
    decoded(content).all(|b| expected.next() == Some(&b)) && expected.next().is_none()
}

#[cfg(test)]
mod tests {
    use super::JsonTokenKind::*;
    use super::*;

    fn kinds(json: &str) -> Vec<(JsonTokenKind, &str)> {
        JsonLexer::new(json.as_bytes())
            .map(|t| (t.kind, &json[t.start..t.end]))
            .filter(|(k, _)| *k != Whitespace)
            .collect()
    }

    #[test]
    fn tokens() {
        assert_eq!(
            kinds(r#"{"a\"b": [1, -2.5e3, true, null], "$ne": x}"#),
            vec![
                (ObjectOpen, "{"),
                (String, r#""a\"b""#),
                (Colon, ":"),
                (ArrayOpen, "["),
                (Number, "1"),
                (Comma, ","),
                (Number, "-2.5e3"),
                (Comma, ","),
                (Literal, "true"),
                (Comma, ","),
                (Literal, "null"),
                (ArrayClose, "]"),
                (Comma, ","),
                (String, "\"$ne\""),
                (Colon, ":"),
                (Literal, "x"),
                (ObjectClose, "}")
            ]
        );
    }

    #[test]
    fn malformed_input_tiles() {
        for json in ["", "\"", "\"\\", "{\"a", "\u{0}", "@#", "\"\\u12", "\\"] {
            let mut at = 0;
            for t in JsonLexer::new(json.as_bytes()) {
                assert_eq!(t.start, at);
                assert!(t.end > t.start && t.content_start <= t.content_end && t.content_end <= t.end);
                at = t.end;
            }
            assert_eq!(at, json.len());
        }
    }

    #[test]
    fn decoding() {
        assert!(decoded_eq(br"\u0024ne", b"$ne"));
        assert!(decoded_eq(br#"a\"b\n"#, b"a\"b\n"));
        assert!(decoded_eq(br"\u00e9\ud83d\ude00", "é😀".as_bytes()));
        assert!(!decoded_eq(br"\u0024ne", b"$n"));
        assert!(decoded_eq(br"\ud800", "\u{fffd}".as_bytes()));
    }
}
