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
    /// Every input of every request goes through here, so the head (where the pair
    /// is chosen) is read eight bytes at a time: letters, digits and spaces, most of
    /// the bytes of most values, rank above every other byte, so they decide nothing
    /// as long as the head holds other bytes. Those other bytes are surveyed one by one
    /// ([`Survey`]) and settle the hints; a value they do not settle (only letters,
    /// digits and spaces, or a single rank of a single byte besides them) takes the
    /// byte-by-byte path, [`Needle::scan_exact`], which chooses the same hints.
    pub(crate) fn scan(value: &[u8]) -> (Needle, bool) {
        let head = &value[..value.len().min(usize::from(u8::MAX))];
        let h = Survey::of(head);
        let Some((c0, rank_bits)) = h.lowest() else {
            return Needle::scan_exact(value);
        };
        let (first, class) = h.first_of_rank(c0);
        let at = usize::from(first);
        let (rare, word) = if value.len() == head.len() {
            ((value[at], at), h.classes & NON_WORD_CLASSES == 0 && h.spaces == 0)
        } else {
            // A long value: its tail byte by byte, as long values are rare.
            let tail = &value[head.len()..];
            let tail_classes = classes_in(tail);
            let word = (h.classes | tail_classes) & NON_WORD_CLASSES == 0 && h.spaces == 0;
            match lowest_rank(tail_classes) {
                Some(lowest) if lowest < CLASS_RANKS[c0] => {
                    let at = head.len() + tail.iter().position(|&b| frequency_rank(b) == lowest).unwrap_or(0);
                    ((value[at], at), word)
                }
                _ => ((value[at], at), word),
            }
        };
        if head.len() < 2 {
            return (Needle { rare, pair: None }, word);
        }
        // Another byte of the same rank: a different byte of `first`'s class, or any
        // byte of the rank's other class.
        let other_class = (h.classes & rank_bits & !(1 << class)).trailing_zeros() as usize;
        let mut second = h.differs[class];
        if other_class < CLASS_COUNT {
            second = second.min(h.first[other_class]);
        }
        if second == NONE {
            let rest = h.classes & !classes_up_to(CLASS_RANKS[c0]);
            if rest == 0 {
                // The next rank is among the letters, digits and spaces, or there is none.
                return (Needle { rare, pair: rare_pair(value, head, classes_in(head), at) }, word);
            }
            second = h.first_of_rank(rest.trailing_zeros() as usize).0;
        }
        let pair = Pair::with_indices(value, first, second);
        (Needle { rare, pair }, word)
    }

    /// [`Needle::scan`] byte by byte. One pass notes which byte
    /// classes occur (a class is a rank, split where word bytes and others share one):
    /// that gives the lowest rank and word-ness without a minimum per byte; the
    /// positions are then found by scans that stop at the first hit.
    ///
    /// `rare` is the first of the lowest-ranked bytes. The pair (for the SIMD
    /// prefilter, which indexes it with a `u8`) is chosen within the first 255 bytes:
    /// the lowest-ranked position there, and the lowest-ranked position holding
    /// another byte (any other position when every byte is the same).
    fn scan_exact(value: &[u8]) -> (Needle, bool) {
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

/// No position (of a head, whose positions are below 255).
const NONE: u8 = u8::MAX;

/// What [`Needle::scan`] learns of the bytes of a value's head that are not letters,
/// digits or spaces, per byte class.
struct Survey {
    /// The classes present.
    classes: u16,
    /// The first position of each class present.
    first: [u8; CLASS_COUNT],
    /// The byte at that position.
    first_byte: [u8; CLASS_COUNT],
    /// The first position of each class holding another byte than `first_byte`.
    differs: [u8; CLASS_COUNT],
    /// Non-zero when a space occurs (letters and digits are word bytes, spaces are not).
    spaces: u64,
}

const LOW_BYTES: u64 = 0x0101_0101_0101_0101;
const HIGH_BITS: u64 = LOW_BYTES * 0x80;

impl Survey {
    const EMPTY: Survey = Survey {
        classes: 0,
        first: [NONE; CLASS_COUNT],
        first_byte: [0; CLASS_COUNT],
        differs: [NONE; CLASS_COUNT],
        spaces: 0,
    };

    /// Surveys `head`, at most 255 bytes.
    #[inline(always)]
    fn of(head: &[u8]) -> Survey {
        debug_assert!(head.len() < 256);
        let mut survey = Survey::EMPTY;
        let mut chunks = head.chunks_exact(8);
        let mut at = 0u8;
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            survey.add_word(u64::from_le_bytes(word), at);
            at = at.wrapping_add(8);
        }
        // The last few bytes, padded with letters, which the survey skips: shifted down
        // from the last eight bytes when there are eight (no copy of a few bytes).
        let rest = chunks.remainder().len();
        if rest > 0 {
            let word = match head.len().checked_sub(8).and_then(|from| head.get(from..)) {
                Some(last) => {
                    let mut word = [0u8; 8];
                    word.copy_from_slice(last);
                    let shift = 8 * (8 - rest) as u32;
                    (u64::from_le_bytes(word) >> shift) | ((LOW_BYTES * u64::from(b'a')) << (64 - shift))
                }
                None => {
                    let mut word = [b'a'; 8];
                    word[..rest].copy_from_slice(&head[head.len() - rest..]);
                    u64::from_le_bytes(word)
                }
            };
            survey.add_word(word, at);
        }
        survey
    }

    /// Eight bytes at once: a mask of the letters, digits and spaces, then each other
    /// byte on its own. Per byte, without carries between bytes: `low` is its low
    /// seven bits, adding `0x80 - b'a'` sets the high bit when it is `b'a'` or above,
    /// adding `0x7f - b'z'` when it is above `b'z'` (letters folded to lowercase), and
    /// adding `0x7f` to its low bits xor a space leaves the high bit clear for a space.
    /// Bytes of `0x80` and above are masked out at the end, so `spaces` may count
    /// `0xa0` too: such a byte is not a word byte either.
    #[inline]
    fn add_word(&mut self, word: u64, base: u8) {
        let low = word & !HIGH_BITS;
        let folded = low | (LOW_BYTES * 0x20);
        let letter = (folded + LOW_BYTES * u64::from(0x80 - b'a')) & !(folded + LOW_BYTES * u64::from(0x7f - b'z'));
        let digit = (low + LOW_BYTES * u64::from(0x80 - b'0')) & !(low + LOW_BYTES * u64::from(0x7f - b'9'));
        let space = !((low ^ (LOW_BYTES * u64::from(b' '))) + LOW_BYTES * 0x7f);
        self.spaces |= space & HIGH_BITS;
        let mut others = !((letter | digit | space) & !word) & HIGH_BITS;
        while others != 0 {
            let bit = others.trailing_zeros();
            others &= others - 1;
            let b = (word >> (bit - 7)) as u8;
            let at = base.wrapping_add((bit / 8) as u8);
            let class = usize::from(BYTE_CLASSES[usize::from(b)]);
            if self.classes & 1 << class == 0 {
                self.classes |= 1 << class;
                self.first[class] = at;
                self.first_byte[class] = b;
            } else if self.differs[class] == NONE && b != self.first_byte[class] {
                self.differs[class] = at;
            }
        }
    }

    /// The lowest class present, and the classes of its rank (one, or two where a rank
    /// holds word bytes and others).
    fn lowest(&self) -> Option<(usize, u16)> {
        let class = self.classes.trailing_zeros() as usize;
        if class >= CLASS_COUNT {
            return None;
        }
        let mut bits = 1 << class;
        if class + 1 < CLASS_COUNT && CLASS_RANKS[class + 1] == CLASS_RANKS[class] {
            bits |= 1 << (class + 1);
        }
        Some((class, bits))
    }

    /// The first position of the rank of `class` (a class present, the lowest of its
    /// rank present), and its class.
    fn first_of_rank(&self, class: usize) -> (u8, usize) {
        let next = class + 1;
        if next < CLASS_COUNT && CLASS_RANKS[next] == CLASS_RANKS[class] && self.first[next] < self.first[class] {
            (self.first[next], next)
        } else {
            (self.first[class], class)
        }
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
#[inline]
fn classes_up_to(rank: u8) -> u16 {
    CLASSES_UP_TO[usize::from(rank)]
}

/// [`classes_up_to`] every rank, computed at compile time.
static CLASSES_UP_TO: [u16; 256] = {
    let mut table = [0u16; 256];
    let mut rank = 0;
    while rank < 256 {
        let mut c = 0;
        while c < CLASS_COUNT {
            if CLASSES.0[c] as usize <= rank {
                table[rank] |= 1 << c;
            }
            c += 1;
        }
        rank += 1;
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
        let mut next = move || crate::test_random::xorshift(&mut state);
        let alphabets: [&[u8]; 8] = [
            b"aaaaab",
            b"abcXYZ019_",
            b"hello world, it's 5 o'clock; (x) & y",
            b"\0\xff;;",
            b"a",
            b"Ab9 _.",
            b"xyz,,",
            b"Mozilla/5.0 (X11; Linux x86_64) q=0.9 -+!",
        ];
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

    /// The bytes the eight-at-a-time survey skips must rank above every byte it does
    /// not skip, or the bytes it surveys could not settle the lowest ranks.
    #[test]
    fn the_survey_skips_exactly_the_letters_digits_and_spaces() {
        let skipped = |b: u8| b.is_ascii_alphanumeric() || b == b' ';
        for b in 0..=255u8 {
            let mut chunk = [b'a'; 11];
            chunk[3] = b;
            chunk[9] = b;
            let survey = Survey::of(&chunk);
            assert_eq!(survey.classes == 0, skipped(b), "{b:#x}");
            if b.is_ascii() {
                assert_eq!(survey.spaces != 0, b == b' ', "{b:#x}");
            }
            if !skipped(b) {
                assert!(frequency_rank(b) < 200 && survey.first[usize::from(BYTE_CLASSES[usize::from(b)])] == 3);
            } else {
                assert!(frequency_rank(b) >= 200, "{b:#x}");
            }
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
        let mut next = move || crate::test_random::xorshift(&mut state);
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
