//! `*` wildcard matching for exclusions (routes, input keys), without allocation.

/// True when `text` matches `pattern`, where `*` matches any run of bytes (including
/// none) and every other byte matches itself.
///
/// The classic two-pointer algorithm: on a mismatch, retry from the last `*` one byte
/// further. Cost is at most `pattern.len() * text.len()`; patterns come from the
/// policy and are short.
pub(crate) fn glob_match(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut retry: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                retry = Some((p, t));
                p += 1;
            }
            Some(&c) if c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match retry {
                Some((star, from)) => {
                    p = star + 1;
                    t = from + 1;
                    retry = Some((star, from + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p.min(pattern.len())..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn wildcards() {
        assert!(glob_match(b"/admin/*", b"/admin/sql-console"));
        assert!(glob_match(b"/admin/*", b"/admin/"));
        assert!(!glob_match(b"/admin/*", b"/admin"));
        assert!(glob_match(b"*.html", b"body.article.html"));
        assert!(glob_match(b"a*b*c", b"aXXbYYc"));
        assert!(!glob_match(b"a*b*c", b"aXXbYY"));
        assert!(glob_match(b"exact", b"exact"));
        assert!(!glob_match(b"exact", b"exactly"));
        assert!(glob_match(b"*", b""));
        assert!(glob_match(b"", b""));
        assert!(!glob_match(b"", b"x"));
    }
}
