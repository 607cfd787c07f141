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
    /// Every input of every request goes through here. One pass notes which byte
    /// classes occur (a class is a rank, split where word bytes and others share one):
    /// that gives the lowest rank and word-ness without a minimum per byte; the
    /// positions are then found by scans that stop at the first hit.
    ///
    /// `rare` is the first of the lowest-ranked bytes. The pair (for the SIMD
    /// prefilter, which indexes it with a `u8`) is chosen within the first 255 bytes:
    /// the lowest-ranked position there, and the lowest-ranked position holding
    /// another byte (any other position when every byte is the same).
    pub(crate) fn scan(value: &[u8]) -> (Needle, bool) {
        let head = &value[..value.len().min(usize::from(u8::MAX))];
        let head_classes = classes_in(head);
        let classes = head_classes | classes_in(&value[head.len()..]);
        let word = classes & NON_WORD_CLASSES == 0;
        let Some(lowest) = lowest_rank(classes) else {
            return (Needle { rare: (0, 0), pair: None }, true);
        };
        let at = value.iter().position(|&b| frequency_rank(b) == lowest).unwrap_or(0);
        (Needle { rare: (value[at], at), pair: rare_pair(value, head, head_classes, at) }, word)
    }
}

/// The pair of [`Needle::scan`], given the position of the value's rarest byte and the
/// classes of the bytes of its head.
fn rare_pair(value: &[u8], head: &[u8], head_classes: u16, rarest: usize) -> Option<Pair> {
    if head.len() < 2 {
        return None;
    }
    let first = if rarest < head.len() {
        rarest // the rarest byte of the value is the rarest of its head too
    } else {
        let lowest = lowest_rank(head_classes).unwrap_or(u8::MAX);
        head.iter().position(|&b| frequency_rank(b) == lowest).unwrap_or(0)
    };
    let byte = head[first];
    let rank = frequency_rank(byte);
    // The lowest rank among the other bytes: the first byte's own rank if another byte
    // has it (after `first`, the first byte of that rank), else the next rank present.
    let second = match head[first + 1..].iter().position(|&b| b != byte && frequency_rank(b) == rank) {
        Some(offset) => first + 1 + offset,
        None => match lowest_rank(head_classes & !classes_up_to(rank)) {
            Some(next) => head.iter().position(|&b| frequency_rank(b) == next).unwrap_or(0),
            None => usize::from(first == 0), // every byte is the same one
        },
    };
    Pair::with_indices(value, u8::try_from(first).ok()?, u8::try_from(second).ok()?)
}

/// The byte classes of [`Needle::scan`]: bit `i` of a class set is `CLASS_RANKS[i]`,
/// ranks in increasing order, a rank split in two classes where it holds both word
/// bytes and others.
const CLASS_COUNT: usize = 16;

/// Each class's rank, in increasing order (unused classes at 255), and which classes
/// hold bytes outside `[A-Za-z0-9_]`; computed at compile time from [`rank_of`].
static CLASS_RANKS: [u8; CLASS_COUNT] = CLASSES.0;
const NON_WORD_CLASSES: u16 = CLASSES.1;
/// The class of every byte.
static BYTE_CLASSES: [u8; 256] = CLASSES.2;

const CLASSES: ([u8; CLASS_COUNT], u16, [u8; 256]) = {
    let mut ranks = [u8::MAX; CLASS_COUNT];
    let mut non_word = 0u16;
    let mut of_byte = [0u8; 256];
    let mut count = 0;
    let mut rank = 0usize;
    while rank < 256 {
        // Word bytes of this rank, then the others: each non-empty group is a class.
        let mut group = 0;
        while group < 2 {
            let mut class = None;
            let mut b = 0usize;
            while b < 256 {
                let is_word = (b as u8).is_ascii_alphanumeric() || b == b'_' as usize;
                if rank_of(b as u8) as usize == rank && is_word == (group == 0) {
                    let c = match class {
                        Some(c) => c,
                        None => {
                            assert!(count < CLASS_COUNT, "too many byte classes");
                            ranks[count] = rank as u8;
                            if group == 1 {
                                non_word |= 1 << count;
                            }
                            count += 1;
                            count - 1
                        }
                    };
                    class = Some(c);
                    of_byte[b] = c as u8;
                }
                b += 1;
            }
            group += 1;
        }
        rank += 1;
    }
    (ranks, non_word, of_byte)
};

/// The classes of the bytes of `bytes`, one bit each.
#[inline]
fn classes_in(bytes: &[u8]) -> u16 {
    bytes.iter().fold(0u16, |set, &b| set | 1 << BYTE_CLASSES[usize::from(b)])
}

/// The lowest rank of a set of classes.
#[inline]
fn lowest_rank(classes: u16) -> Option<u8> {
    (classes != 0).then(|| CLASS_RANKS[classes.trailing_zeros() as usize])
}

/// The classes of rank `rank` or lower.
fn classes_up_to(rank: u8) -> u16 {
    (0..CLASS_COUNT).filter(|&c| CLASS_RANKS[c] <= rank).fold(0, |set, c| set | 1 << c)
}

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

    /// [`Needle::scan`] as it was written first (a minimum per byte, then positions):
    /// the class-set version must choose the same hints.
    fn scan_by_minimum(value: &[u8]) -> (u8, usize, Option<(u8, u8)>, bool) {
        let word = value.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'_');
        let Some(lowest) = value.iter().map(|&b| frequency_rank(b)).min() else {
            return (0, 0, None, true);
        };
        let at = value.iter().position(|&b| frequency_rank(b) == lowest).expect("present");
        let head = &value[..value.len().min(255)];
        if head.len() < 2 {
            return (value[at], at, None, word);
        }
        let first = if at < head.len() {
            at
        } else {
            let lowest = head.iter().map(|&b| frequency_rank(b)).min().expect("non-empty");
            head.iter().position(|&b| frequency_rank(b) == lowest).expect("present")
        };
        let byte = head[first];
        let other_rank = |b: u8| if b == byte { 256 } else { u16::from(frequency_rank(b)) };
        let lowest = head.iter().map(|&b| other_rank(b)).min().unwrap_or(256);
        let second = if lowest == 256 {
            usize::from(first == 0)
        } else {
            head.iter().position(|&b| other_rank(b) == lowest).expect("present")
        };
        let pair = Pair::with_indices(value, first as u8, second as u8).map(|p| (p.index1(), p.index2()));
        (value[at], at, pair, word)
    }

    #[test]
    fn scan_chooses_the_hints_a_minimum_per_byte_chooses() {
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let alphabets: [&[u8]; 5] =
            [b"aaaaab", b"abcXYZ019_", b"hello world, it's 5 o'clock; (x) & y", b"\0\xff;;", b"a"];
        let mut value = Vec::new();
        for round in 0..20_000 {
            value.clear();
            let len = (next() % if round % 10 == 0 { 600 } else { 40 }) as usize;
            let alphabet = alphabets[round % alphabets.len()];
            for _ in 0..len {
                let r = next();
                value.push(if r % 7 == 0 { (r >> 8) as u8 } else { alphabet[(r >> 8) as usize % alphabet.len()] });
            }
            let (needle, word) = Needle::scan(&value);
            let got = (needle.rare.0, needle.rare.1, needle.pair.map(|p| (p.index1(), p.index2())), word);
            assert_eq!(got, scan_by_minimum(&value), "{value:?}");
        }
    }

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
