//! Which of the bytes the detectors start from occur in a value, found in one pass (a
//! table lookup per byte) that every detector reads instead of running its own SIMD
//! searches: on short values a search's fixed cost (a call, the dispatch, the tail
//! handling) is several times the cost of reading the value once. Each detector's first
//! tests ("is there a `<`?", "a quote?", "a `;`, `|` or `&`?") become bit tests, and a
//! detector whose first test needs a byte that does not occur is not called at all.

/// The byte classes of one value. Exact when the value was scanned; otherwise every
/// class may occur and each detector searches the value itself, as it would without the
/// summary: that is the case for values too long for the scan to pay and for the
/// unfiltered reference path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ByteSet {
    bits: u32,
    exact: bool,
}

impl ByteSet {
    pub(crate) const PERCENT: u32 = 1 << 0;
    pub(crate) const BACKSLASH: u32 = 1 << 1;
    pub(crate) const AMPERSAND: u32 = 1 << 2;
    pub(crate) const LESS_THAN: u32 = 1 << 3;
    pub(crate) const EQUALS: u32 = 1 << 4;
    pub(crate) const COLON: u32 = 1 << 5;
    pub(crate) const OPEN_PAREN: u32 = 1 << 6;
    pub(crate) const BACKTICK: u32 = 1 << 7;
    pub(crate) const SEMICOLON: u32 = 1 << 8;
    /// `\n` and `\r`.
    pub(crate) const LINE_BREAK: u32 = 1 << 9;
    pub(crate) const DOLLAR: u32 = 1 << 10;
    pub(crate) const SLASH: u32 = 1 << 11;
    /// `C0`, `C1`, `E0`: lead bytes of the overlong slashes.
    pub(crate) const OVERLONG_LEAD: u32 = 1 << 12;
    pub(crate) const SINGLE_QUOTE: u32 = 1 << 13;
    pub(crate) const DOUBLE_QUOTE: u32 = 1 << 14;
    pub(crate) const NUL: u32 = 1 << 15;
    /// A space or a control byte (`0x00..=0x20`).
    pub(crate) const SPACE_OR_CONTROL: u32 = 1 << 16;
    pub(crate) const DOT: u32 = 1 << 17;
    pub(crate) const PIPE: u32 = 1 << 18;
    /// `#` and `!`.
    pub(crate) const HASH_BANG: u32 = 1 << 19;
    pub(crate) const DASH: u32 = 1 << 20;
    pub(crate) const STAR: u32 = 1 << 21;
    pub(crate) const CLOSE_PAREN: u32 = 1 << 22;
    pub(crate) const COMMA: u32 = 1 << 23;

    /// Longer values are searched with SIMD by each detector: there the searches stride
    /// through the value faster than a byte-at-a-time scan.
    pub(crate) const SCAN_MAX_LEN: usize = 512;

    const TABLE: [u32; 256] = {
        let mut table = [0u32; 256];
        let mut b = 0;
        while b <= 0x20 {
            table[b] = Self::SPACE_OR_CONTROL;
            b += 1;
        }
        table[0] |= Self::NUL;
        table[b'\n' as usize] |= Self::LINE_BREAK;
        table[b'\r' as usize] |= Self::LINE_BREAK;
        table[b'%' as usize] = Self::PERCENT;
        table[b'\\' as usize] = Self::BACKSLASH;
        table[b'&' as usize] = Self::AMPERSAND;
        table[b'<' as usize] = Self::LESS_THAN;
        table[b'=' as usize] = Self::EQUALS;
        table[b':' as usize] = Self::COLON;
        table[b'(' as usize] = Self::OPEN_PAREN;
        table[b'`' as usize] = Self::BACKTICK;
        table[b';' as usize] = Self::SEMICOLON;
        table[b'|' as usize] = Self::PIPE;
        table[b'#' as usize] = Self::HASH_BANG;
        table[b'!' as usize] = Self::HASH_BANG;
        table[b'-' as usize] = Self::DASH;
        table[b'*' as usize] = Self::STAR;
        table[b')' as usize] = Self::CLOSE_PAREN;
        table[b',' as usize] = Self::COMMA;
        table[b'$' as usize] = Self::DOLLAR;
        table[b'/' as usize] = Self::SLASH;
        table[b'\'' as usize] = Self::SINGLE_QUOTE;
        table[b'"' as usize] = Self::DOUBLE_QUOTE;
        table[b'.' as usize] = Self::DOT;
        table[0xc0] = Self::OVERLONG_LEAD;
        table[0xc1] = Self::OVERLONG_LEAD;
        table[0xe0] = Self::OVERLONG_LEAD;
        table
    };

    /// The summary of `value`: scanned when `prefilter` is on and the value is short
    /// enough, else the inexact summary in which every class may occur.
    pub(crate) fn of(value: &[u8], prefilter: bool) -> ByteSet {
        if !prefilter || value.len() > Self::SCAN_MAX_LEN {
            return ByteSet { bits: u32::MAX, exact: false };
        }
        // Eight lookups per step: fewer loop instructions per byte.
        let mut chunks = value.chunks_exact(8);
        let mut bits = 0;
        for chunk in &mut chunks {
            bits |= chunk.iter().fold(0, |acc, &b| acc | Self::TABLE[usize::from(b)]);
        }
        let bits = chunks.remainder().iter().fold(bits, |acc, &b| acc | Self::TABLE[usize::from(b)]);
        ByteSet { bits, exact: true }
    }

    /// May a byte of one of the classes `bits` occur? Only an exact summary says no.
    pub(crate) fn may(self, bits: u32) -> bool {
        self.bits & bits != 0
    }

    /// Does a byte of one of the classes `bits` occur? An exact summary answers from its
    /// bits; otherwise `search` looks, and must look for the same bytes.
    pub(crate) fn has(self, bits: u32, search: impl FnOnce() -> bool) -> bool {
        if self.exact {
            self.bits & bits != 0
        } else {
            search()
        }
    }

    /// Was the value scanned (every answer exact)?
    pub(crate) fn exact(self) -> bool {
        self.exact
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each class answers as a search for its bytes does, on every byte.
    #[test]
    fn classes_match_their_bytes() {
        let classes: [(u32, &dyn Fn(u8) -> bool); 24] = [
            (ByteSet::PERCENT, &|b| b == b'%'),
            (ByteSet::BACKSLASH, &|b| b == b'\\'),
            (ByteSet::AMPERSAND, &|b| b == b'&'),
            (ByteSet::LESS_THAN, &|b| b == b'<'),
            (ByteSet::EQUALS, &|b| b == b'='),
            (ByteSet::COLON, &|b| b == b':'),
            (ByteSet::OPEN_PAREN, &|b| b == b'('),
            (ByteSet::BACKTICK, &|b| b == b'`'),
            (ByteSet::SEMICOLON, &|b| b == b';'),
            (ByteSet::PIPE, &|b| b == b'|'),
            (ByteSet::HASH_BANG, &|b| b == b'#' || b == b'!'),
            (ByteSet::DASH, &|b| b == b'-'),
            (ByteSet::STAR, &|b| b == b'*'),
            (ByteSet::CLOSE_PAREN, &|b| b == b')'),
            (ByteSet::COMMA, &|b| b == b','),
            (ByteSet::LINE_BREAK, &|b| b == b'\n' || b == b'\r'),
            (ByteSet::DOLLAR, &|b| b == b'$'),
            (ByteSet::SLASH, &|b| b == b'/'),
            (ByteSet::OVERLONG_LEAD, &|b| matches!(b, 0xc0 | 0xc1 | 0xe0)),
            (ByteSet::SINGLE_QUOTE, &|b| b == b'\''),
            (ByteSet::DOUBLE_QUOTE, &|b| b == b'"'),
            (ByteSet::NUL, &|b| b == 0),
            (ByteSet::SPACE_OR_CONTROL, &|b| b <= b' '),
            (ByteSet::DOT, &|b| b == b'.'),
        ];
        for b in 0..=255u8 {
            let set = ByteSet::of(&[b, b'a'], true);
            assert!(set.exact());
            for (bits, holds) in classes {
                assert_eq!(set.has(bits, || unreachable!()), holds(b), "byte {b:#04x}, class {bits:#x}");
            }
        }
        let long = vec![b'a'; ByteSet::SCAN_MAX_LEN + 1];
        assert!(!ByteSet::of(&long, true).exact() && !ByteSet::of(b"ab", false).exact());
        assert!(ByteSet::of(b"ab", false).has(ByteSet::LESS_THAN, || true));
    }
}
