//! File-system paths as both POSIX and Windows read them: segments separated by `/` or
//! `\`, ended early by a NUL byte (where the C layer under every runtime stops reading).
//!
//! Total and allocation-free: every byte is either a separator, a NUL or part of one
//! segment, and [`Segments`] yields the segments in order in one linear pass.

/// A path separator on either family of systems.
pub const fn is_separator(b: u8) -> bool {
    b == b'/' || b == b'\\'
}

/// A byte that ends a segment: a separator, or NUL (which ends the whole path for the
/// operating system).
pub const fn ends_segment(b: u8) -> bool {
    is_separator(b) || b == 0
}

/// A segment that names the parent directory: `..`, and the forms Windows trims to it
/// or that some servers read as it (`...`, `.. `). A segment made only of dots and
/// spaces that starts with `..` is never a real file name a client would send.
pub fn is_parent(segment: &[u8]) -> bool {
    segment.starts_with(b"..") && segment.iter().all(|&b| b == b'.' || b == b' ')
}

/// One segment: the byte range `start..end` of a maximal run without separators or NUL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    pub start: usize,
    pub end: usize,
}

/// The non-empty segments of a path, in order.
#[derive(Clone, Debug)]
pub struct Segments<'a> {
    path: &'a [u8],
    at: usize,
}

impl<'a> Segments<'a> {
    /// Segments of `path`, starting at byte `from`. When `from` is inside a segment, the
    /// first segment yielded is the rest of that one.
    pub fn new(path: &'a [u8], from: usize) -> Segments<'a> {
        Segments { path, at: from }
    }
}

impl Iterator for Segments<'_> {
    type Item = Segment;

    fn next(&mut self) -> Option<Segment> {
        let path = self.path;
        while self.at < path.len() && ends_segment(path[self.at]) {
            self.at += 1;
        }
        if self.at >= path.len() {
            return None;
        }
        let start = self.at;
        while self.at < path.len() && !ends_segment(path[self.at]) {
            self.at += 1;
        }
        Some(Segment { start, end: self.at })
    }
}

/// The path as the operating system reads it: up to the first NUL byte.
pub fn effective(path: &[u8]) -> &[u8] {
    match memchr::memchr(0, path) {
        Some(nul) => &path[..nul],
        None => path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(path: &str) -> Vec<&str> {
        Segments::new(path.as_bytes(), 0).map(|s| &path[s.start..s.end]).collect()
    }

    #[test]
    fn splits_on_both_separators_and_nul() {
        assert_eq!(texts("/var/www\\..//a.png"), ["var", "www", "..", "a.png"]);
        assert_eq!(texts("a\0b"), ["a", "b"]);
        assert_eq!(texts(""), Vec::<&str>::new());
        assert_eq!(texts("///"), Vec::<&str>::new());
    }

    #[test]
    fn parent_forms() {
        for s in ["..", "...", ".. ", "....", ". ."] {
            assert_eq!(is_parent(s.as_bytes()), s.starts_with(".."), "{s:?}");
        }
        for s in ["..foo", "foo..", "report..v2.pdf", ".", ".env"] {
            assert!(!is_parent(s.as_bytes()), "{s:?}");
        }
    }
}
