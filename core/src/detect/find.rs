//! Finding an input's occurrences in a resource, overlapping ones included.
//!
//! Most inputs of most requests do not occur in the resource at all, so the search is
//! the whole cost of a benign check. Building a full substring searcher per input and
//! per check (memchr's `memmem::Finder`) costs more than scanning a 200-byte query, so
//! the common path runs `memchr` on the input's rarest byte (chosen once, when the input
//! is added to the request) and verifies candidates. A hostile resource full of that
//! byte cannot make this quadratic: after a few false candidates the search switches to
//! `memmem`'s linear-time Two-Way searcher.

use memchr::{memchr, memmem};

/// False candidates tolerated before switching to the linear-time searcher.
const MAX_FALSE_CANDIDATES: u32 = 8;

/// The byte of `needle` least likely to appear in SQL, shell commands, paths and URLs,
/// and its offset. `None` for an empty needle.
pub(crate) fn rarest_byte(needle: &[u8]) -> Option<(u8, usize)> {
    needle.iter().enumerate().min_by_key(|&(_, &b)| frequency_rank(b)).map(|(i, &b)| (b, i))
}

/// A rough frequency rank of bytes in the text of queries, commands and URLs (higher is
/// more frequent). Only the order matters.
fn frequency_rank(b: u8) -> u8 {
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

/// The start offsets of `needle` in `haystack`, in increasing order, overlapping
/// occurrences included. `rare` is [`rarest_byte`] of the needle.
#[derive(Debug)]
pub(crate) struct Occurrences<'a> {
    haystack: &'a [u8],
    needle: &'a [u8],
    rare: (u8, usize),
    /// Next candidate start.
    at: usize,
    false_candidates: u32,
    linear: Option<memmem::Finder<'a>>,
}

impl<'a> Occurrences<'a> {
    pub(crate) fn new(haystack: &'a [u8], needle: &'a [u8], rare: (u8, usize)) -> Occurrences<'a> {
        Occurrences { haystack, needle, rare, at: 0, false_candidates: 0, linear: None }
    }
}

impl Iterator for Occurrences<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        let (hay, needle) = (self.haystack, self.needle);
        if needle.is_empty() || needle.len() > hay.len() || self.at > hay.len() - needle.len() {
            return None;
        }
        if let Some(finder) = &self.linear {
            let found = self.at + finder.find(&hay[self.at..])?;
            self.at = found + 1;
            return Some(found);
        }
        let (rare, offset) = self.rare;
        let last_start = hay.len() - needle.len();
        loop {
            if self.at > last_start {
                return None;
            }
            // The rare byte of an occurrence starting at `at` or later sits at `at + offset` or later.
            let from = self.at + offset;
            let hit = from + memchr(rare, &hay[from..=last_start + offset])?;
            let start = hit - offset;
            if &hay[start..start + needle.len()] == needle {
                self.at = start + 1;
                return Some(start);
            }
            self.at = start + 1;
            self.false_candidates += 1;
            if self.false_candidates > MAX_FALSE_CANDIDATES {
                self.linear = Some(memmem::Finder::new(needle));
                return self.next();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(hay: &str, needle: &str) -> Vec<usize> {
        let rare = rarest_byte(needle.as_bytes()).unwrap_or((0, 0));
        Occurrences::new(hay.as_bytes(), needle.as_bytes(), rare).collect()
    }

    fn naive(hay: &str, needle: &str) -> Vec<usize> {
        if needle.is_empty() || needle.len() > hay.len() {
            return vec![];
        }
        (0..=hay.len() - needle.len()).filter(|&i| &hay.as_bytes()[i..i + needle.len()] == needle.as_bytes()).collect()
    }

    #[test]
    fn finds_overlapping_occurrences() {
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
        ] {
            assert_eq!(all(hay, needle), naive(hay, needle), "{needle:?} in {hay:?}");
        }
    }

    #[test]
    fn picks_punctuation_over_letters() {
        assert_eq!(rarest_byte(b"admin'--"), Some((b'-', 6)));
        assert_eq!(rarest_byte(b"x' OR 1=1"), Some((b'\'', 1)));
        assert_eq!(rarest_byte(b""), None);
    }
}
