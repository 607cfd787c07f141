//! Finding an input's occurrences in a resource, overlapping ones included.
//!
//! Most inputs of most requests do not occur in the resource at all, so the search is
//! the whole cost of a benign check. Building a full substring searcher per input and
//! per check (memchr's `memmem::Finder`, with its Two-Way factorisation) costs more than
//! scanning a 200-byte query. So the rarest *pair* of bytes of each input is chosen once,
//! when the input is added to the request ([`Needle::scan`]), and a check runs memchr's
//! SIMD "packed pair" prefilter for it, which is nearly free to set up, and verifies the
//! candidates. A hostile resource full of candidates cannot make this quadratic: after a
//! few false candidates the search switches to the linear-time Two-Way algorithm.

use memchr::arch::all::packedpair::Pair;
use memchr::arch::all::twoway;
use memchr::memchr;

/// False candidates tolerated before switching to the linear-time searcher.
const MAX_FALSE_CANDIDATES: u32 = 8;

/// What the search needs to know about an input, computed once when it is added.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Needle {
    /// The rarest byte and its offset, for short haystacks and non-SIMD targets.
    rare: (u8, usize),
    /// The two rarest bytes, for the SIMD prefilter (needles of 2+ bytes).
    pair: Option<Pair>,
}

impl Needle {
    #[cfg(test)]
    pub(crate) fn new(value: &[u8]) -> Needle {
        Needle::scan(value).0
    }

    /// The search hints of `value`, and whether it is made only of `[A-Za-z0-9_]`.
    /// Every input of every request goes through here: this ranks each byte in
    /// straight loops (a minimum, then the first byte that has it) rather than
    /// tracking the two rarest bytes byte by byte, which took three times the
    /// instructions.
    ///
    /// `rare` is the first of the lowest-ranked bytes. The pair (for the SIMD
    /// prefilter, which indexes it with a `u8`) is chosen within the first 255 bytes:
    /// the lowest-ranked position there, and the lowest-ranked position holding
    /// another byte (any other position when every byte is the same).
    pub(crate) fn scan(value: &[u8]) -> (Needle, bool) {
        let mut lowest = u8::MAX;
        let mut word = true;
        for &b in value {
            lowest = lowest.min(frequency_rank(b));
            word &= WORD_BYTES[usize::from(b)];
        }
        let Some(at) = value.iter().position(|&b| frequency_rank(b) == lowest) else {
            return (Needle { rare: (0, 0), pair: None }, true);
        };
        (Needle { rare: (value[at], at), pair: rare_pair(value, at) }, word)
    }
}

/// The pair of [`Needle::scan`], given the position of the value's rarest byte.
fn rare_pair(value: &[u8], rarest: usize) -> Option<Pair> {
    let head = &value[..value.len().min(usize::from(u8::MAX))];
    if head.len() < 2 {
        return None;
    }
    let first = if rarest < head.len() {
        rarest // the rarest byte of the value is the rarest of its head too
    } else {
        let lowest = head.iter().map(|&b| frequency_rank(b)).min().unwrap_or(u8::MAX);
        head.iter().position(|&b| frequency_rank(b) == lowest).unwrap_or(0)
    };
    let byte = head[first];
    // Ranks of the other bytes, one above every real rank for the first byte's.
    let other_rank = |b: u8| if b == byte { 256 } else { u16::from(frequency_rank(b)) };
    let lowest = head.iter().map(|&b| other_rank(b)).min().unwrap_or(256);
    let second = if lowest == 256 {
        usize::from(first == 0) // every byte is the same one
    } else {
        head.iter().position(|&b| other_rank(b) == lowest).unwrap_or(usize::from(first == 0))
    };
    Pair::with_indices(value, u8::try_from(first).ok()?, u8::try_from(second).ok()?)
}

/// `[A-Za-z0-9_]`, the bytes of a word-only value.
static WORD_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = (b as u8).is_ascii_alphanumeric() || b == b'_' as usize;
        b += 1;
    }
    table
};

/// [`rank_of`] every byte, computed at compile time. Every input added to a request
/// ranks each of its bytes twice (its rarest byte, its rarest pair): a table lookup
/// costs a fraction of the chain of comparisons the `match` compiles to, which made
/// adding an 80-byte header cost microseconds.
static RANKS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = rank_of(b as u8);
        b += 1;
    }
    table
};

#[inline]
fn frequency_rank(b: u8) -> u8 {
    RANKS[usize::from(b)]
}

/// A rough frequency rank of bytes in the text of queries, commands, paths and URLs
/// (higher is more frequent). Only the order matters.
const fn rank_of(b: u8) -> u8 {
    match b {
        b' ' => 255,
        b'e' | b't' | b'a' | b'o' | b'i' | b'n' | b's' | b'r' | b'l' => 250,
        b'a'..=b'z' => 230,
        b'E' | b'T' | b'A' | b'O' | b'I' | b'N' | b'S' | b'R' | b'L' | b'C' | b'D' => 225,
        b'A'..=b'Z' | b'0'..=b'9' => 200,
        b'_' | b',' | b'.' | b'\'' | b'(' | b')' | b'=' | b'/' => 190,
        b'"' | b'-' | b':' | b'*' | b'@' | b'?' | b'$' | b'`' | b'[' | b']' | b';' | b'<' | b'>' => 150,
        b'!' | b'%' | b'&' | b'|' | b'+' | b'#' | b'\n' | b'\t' | b'\r' => 140,
        0x21..=0x7e => 100,
        _ => 50,
    }
}

#[cfg(target_arch = "x86_64")]
type PairFinder = memchr::arch::x86_64::sse2::packedpair::Finder;

/// The start offsets of a needle in a haystack, in increasing order, overlapping
/// occurrences included.
#[derive(Debug)]
pub(crate) struct Occurrences<'a> {
    haystack: &'a [u8],
    needle: &'a [u8],
    rare: (u8, usize),
    /// Next candidate start.
    at: usize,
    false_candidates: u32,
    strategy: Strategy,
}

#[derive(Debug)]
enum Strategy {
    RareByte,
    #[cfg(target_arch = "x86_64")]
    PackedPair(PairFinder),
    /// Two-Way: linear time whatever the haystack, and small (no prefilter tables).
    Linear(twoway::Finder),
}

impl<'a> Occurrences<'a> {
    pub(crate) fn new(haystack: &'a [u8], needle: &'a [u8], hints: Needle) -> Occurrences<'a> {
        let strategy = Self::choose(haystack, needle, hints);
        Occurrences { haystack, needle, rare: hints.rare, at: 0, false_candidates: 0, strategy }
    }

    #[cfg(target_arch = "x86_64")]
    fn choose(haystack: &[u8], needle: &[u8], hints: Needle) -> Strategy {
        match hints.pair.and_then(|pair| PairFinder::with_pair(needle, pair)) {
            Some(finder) if haystack.len() >= finder.min_haystack_len() => Strategy::PackedPair(finder),
            _ => Strategy::RareByte,
        }
    }

    #[cfg(not(target_arch = "x86_64"))]
    fn choose(_haystack: &[u8], _needle: &[u8], _hints: Needle) -> Strategy {
        Strategy::RareByte
    }

    /// The next candidate start at or after `self.at`, or `None`.
    fn candidate(&self, last_start: usize) -> Option<usize> {
        match &self.strategy {
            Strategy::RareByte => {
                let (rare, offset) = self.rare;
                // The rare byte of an occurrence starting at `at` or later sits at `at + offset` or later.
                let from = self.at + offset;
                Some(memchr(rare, &self.haystack[from..=last_start + offset])? + from - offset)
            }
            #[cfg(target_arch = "x86_64")]
            Strategy::PackedPair(finder) => {
                let rest = &self.haystack[self.at..];
                if rest.len() < finder.min_haystack_len() {
                    // Too short for the SIMD kernel: finish with the scalar scan.
                    let (rare, offset) = self.rare;
                    let from = self.at + offset;
                    return Some(memchr(rare, &self.haystack[from..=last_start + offset])? + from - offset);
                }
                let start = self.at + finder.find_prefilter(rest)?;
                (start <= last_start).then_some(start)
            }
            Strategy::Linear(finder) => Some(self.at + finder.find(&self.haystack[self.at..], self.needle)?),
        }
    }
}

impl Iterator for Occurrences<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        let (hay, needle) = (self.haystack, self.needle);
        if needle.is_empty() || needle.len() > hay.len() {
            return None;
        }
        let last_start = hay.len() - needle.len();
        loop {
            if self.at > last_start {
                return None;
            }
            let start = self.candidate(last_start)?;
            self.at = start + 1;
            if hay.get(start..start + needle.len()) == Some(needle) {
                return Some(start);
            }
            self.false_candidates += 1;
            if self.false_candidates > MAX_FALSE_CANDIDATES && !matches!(self.strategy, Strategy::Linear(_)) {
                self.strategy = Strategy::Linear(twoway::Finder::new(needle));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(hay: &[u8], needle: &[u8]) -> Vec<usize> {
        Occurrences::new(hay, needle, Needle::new(needle)).collect()
    }

    fn naive(hay: &[u8], needle: &[u8]) -> Vec<usize> {
        if needle.is_empty() || needle.len() > hay.len() {
            return vec![];
        }
        (0..=hay.len() - needle.len()).filter(|&i| &hay[i..i + needle.len()] == needle).collect()
    }

    #[test]
    fn scan_chooses_the_rarest_bytes() {
        let long: Vec<u8> = (0..600u32).map(|i| b"aZ9_'%x \xff"[(i * 7 % 9) as usize]).collect();
        let mut values: Vec<Vec<u8>> = [
            &b"a"[..],
            b"ab",
            b"ba",
            b"aa",
            b"  ",
            b"%%",
            b"word_42",
            b"' OR 1=1-- ",
            b"Mozilla/5.0 (X11; Linux x86_64)",
            b"eyJ1c2VyIjoiYWxpY2UifQ.Zt3x9w",
            b"\x00\xff\xfe",
        ]
        .iter()
        .map(|v| v.to_vec())
        .collect();
        for len in [253, 254, 255, 256, 257, 600] {
            values.push(long[..len].to_vec());
            let mut tail_rare = long[..len].to_vec();
            tail_rare[len - 1] = 0xfe; // the rarest byte, beyond the pair's 255 positions
            values.push(tail_rare);
        }
        let rank = |b: &u8| frequency_rank(*b);
        for value in &values {
            let (needle, word) = Needle::scan(value);
            let first_lowest = value.iter().enumerate().min_by_key(|&(_, b)| rank(b)).map(|(i, &b)| (b, i));
            assert_eq!(Some(needle.rare), first_lowest, "{value:?}");
            assert_eq!(word, value.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'_'), "{value:?}");
            let head = &value[..value.len().min(255)];
            let Some(pair) = needle.pair else {
                assert!(value.len() < 2, "{value:?}");
                continue;
            };
            let (i1, i2) = (usize::from(pair.index1()), usize::from(pair.index2()));
            assert!(i1 != i2 && i1 < head.len() && i2 < head.len(), "{value:?}");
            assert_eq!(rank(&head[i1]), head.iter().map(rank).min().expect("a head of 2+ bytes"), "{value:?}");
            let others = head.iter().filter(|&&b| b != head[i1]).map(rank).min();
            if let Some(lowest_other) = others {
                assert!(head[i2] != head[i1] && rank(&head[i2]) == lowest_other, "{value:?}");
            }
        }
        assert!(Needle::scan(b"").0.pair.is_none() && Needle::scan(b"").1);
    }

    #[test]
    fn finds_overlapping_occurrences() {
        let long_quotes = format!("x{}y", "'".repeat(300));
        let long_mixed = format!("{}' OR 1=1 --{}' OR 1=1 --", "ab".repeat(200), "c".repeat(50));
        for (hay, needle) in [
            ("aaaa", "aa"),
            ("' OR 1=1 ' OR 1=1", "' OR"),
            ("SELECT 'x' FROM t", "'x'"),
            ("abc", "abcd"),
            ("", "a"),
            ("abc", ""),
            ("x'''''''''''''''''''''''''''''''''y", "''"),
            ("x'''''''''''''''''''''''''''''''''y", "'y"),
            ("ab'ab'ab'ab'ab'ab'ab'ab'ab'ab'ab'ab'abc", "'abc"),
            (long_quotes.as_str(), "''"),
            (long_quotes.as_str(), "''y"),
            (long_quotes.as_str(), "x''"),
            (long_mixed.as_str(), "' OR 1=1 --"),
            (long_mixed.as_str(), "ab"),
            (long_mixed.as_str(), "--"),
        ] {
            assert_eq!(all(hay.as_bytes(), needle.as_bytes()), naive(hay.as_bytes(), needle.as_bytes()), "{needle:?}");
        }
    }

    #[test]
    fn agrees_with_naive_search_on_pseudo_random_text() {
        // A fixed xorshift stream over a small alphabet makes many near-misses.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for round in 0..300 {
            let alphabet = b"'a -";
            let hay: Vec<u8> = (0..(next() % 400) as usize).map(|_| alphabet[(next() % 4) as usize]).collect();
            let needle: Vec<u8> = (0..2 + (next() % 6) as usize).map(|_| alphabet[(next() % 4) as usize]).collect();
            assert_eq!(all(&hay, &needle), naive(&hay, &needle), "round {round}");
        }
    }

    #[test]
    fn picks_rare_bytes() {
        assert_eq!(Needle::new(b"admin'--").rare, (b'-', 6));
        assert_eq!(Needle::new(b"x' OR 1=1").rare, (b'\'', 1));
        assert!(Needle::new(b"x").pair.is_none());
    }
}
