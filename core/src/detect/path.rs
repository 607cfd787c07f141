//! Path traversal: does an input's occurrence in a file path take the path out of the
//! directory the application meant?
//!
//! The rules, and the reasons for each, are in `docs/detection/path.md`. In short, an
//! occurrence is an attack when it contains a whole `..` segment (either separator), when
//! it starts the path and is itself absolute (`/etc/passwd`, `C:\`, `\\server\share`,
//! `file:`), when it contains a NUL byte, or when it names a secrets file (`.env`,
//! `.git/`, `.ssh`) by itself. Attacks whose target is a sensitive file get the
//! `*_sensitive` reasons.

use crate::lex::path::{ends_segment, is_parent, is_separator, Segment, Segments};
use crate::request::Structural;
use crate::verdict::{Reason, Span};

/// `..`, `C:` and `/x` are two bytes; one byte cannot leave a directory.
pub(crate) const MIN_INPUT_LEN: usize = 2;

/// Inputs longer than this are not percent-decoded a second time (see `find_traversal`).
const MAX_DECODED_INPUT: usize = 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mechanism {
    Traversal,
    Absolute,
    Nul,
    Secret,
}

/// Finds the first occurrence of the input in `path` that leaves the application's
/// directory, in the raw input or in its percent-decoded form (for applications that
/// decode a value the framework has already decoded once).
pub(crate) fn find_traversal(path: &[u8], input: &Structural<'_>) -> Option<(Span, Reason)> {
    let value = input.input.value;
    let has_percent = memchr::memchr(b'%', value).is_some();
    let decodable = has_percent && value.len() <= MAX_DECODED_INPUT;
    if value.len() < MIN_INPUT_LEN || (value.len() > path.len() && !decodable) || !(has_percent || may_escape(value)) {
        return None;
    }
    if value.len() <= path.len() {
        if let Some((span, mechanism)) = scan(path, value, input.occurrences(path)) {
            return Some((span, reason(mechanism, path)));
        }
    }
    if decodable {
        let mut buf = [0u8; MAX_DECODED_INPUT];
        let decoded = percent_decode(value, &mut buf);
        if decoded.len() >= MIN_INPUT_LEN && decoded.len() <= path.len() && decoded != value {
            let occurrences = memchr::memmem::find_iter(path, decoded);
            if let Some((span, mechanism)) = scan(path, decoded, occurrences) {
                return Some((span, reason(mechanism, path)));
            }
        }
    }
    None
}

/// Can the input be an attack at all, wherever it lands? Only when it is absolute, holds
/// a NUL, or one of its pieces (split at separators) is a parent segment or a secrets
/// file name: a hazard inside an occurrence is a whole path segment made of the input's
/// bytes. Everything else (emails, URLs, prose, the vast majority of values) is skipped
/// without searching the path. (Inputs with `%` escapes are searched regardless.)
fn may_escape(value: &[u8]) -> bool {
    if is_absolute(value) || memchr::memchr(0, value).is_some() {
        return true;
    }
    let mut start = 0;
    loop {
        let end = memchr::memchr2(b'/', b'\\', &value[start..]).map_or(value.len(), |i| start + i);
        let piece = &value[start..end];
        // Parent segments and every secrets name start with `.`, `i` or `w`.
        let candidate = matches!(piece.first(), Some(b'.' | b'i' | b'I' | b'w' | b'W'));
        if candidate && (is_parent(piece) || is_secret(piece, true)) {
            return true;
        }
        if end == value.len() {
            return false;
        }
        start = end + 1;
    }
}

/// Judges the occurrences (increasing start offsets) of `needle` in `path`.
///
/// Every hazard (a parent segment, a NUL byte, a secrets segment) is a byte range of the
/// path, and hazards come in increasing, non-overlapping order. An occurrence is an
/// attack when it contains a whole hazard, so one forward walk over the hazards serves
/// every occurrence: linear time even for a hostile input occurring everywhere.
fn scan(path: &[u8], needle: &[u8], occurrences: impl Iterator<Item = usize>) -> Option<(Span, Mechanism)> {
    let absolute = is_absolute(needle);
    let mut hazards = Hazards::new(path).peekable();
    for start in occurrences {
        let end = start + needle.len();
        if start == 0 && absolute {
            return Some((Span { start, end }, Mechanism::Absolute));
        }
        while hazards.next_if(|h| h.start < start).is_some() {}
        if let Some(&hazard) = hazards.peek() {
            if hazard.end <= end {
                return Some((Span { start, end }, hazard.mechanism));
            }
        }
    }
    None
}

#[derive(Clone, Copy, Debug)]
struct Hazard {
    start: usize,
    end: usize,
    mechanism: Mechanism,
}

/// The hazards of a path in order: NUL bytes and the segments that are parents or
/// secrets files. A parent segment's range includes nothing around it: the separators
/// bounding it may come from the application. Every byte is looked at once.
struct Hazards<'a> {
    path: &'a [u8],
    segments: Segments<'a>,
    /// The next byte not yet looked at for NULs.
    at: usize,
    /// A segment already found whose preceding gap may still hold NUL bytes.
    current: Option<Segment>,
}

impl<'a> Hazards<'a> {
    fn new(path: &'a [u8]) -> Hazards<'a> {
        Hazards { path, segments: Segments::new(path, 0), at: 0, current: None }
    }

    fn segment_hazard(&self, s: Segment) -> Option<Hazard> {
        let text = &self.path[s.start..s.end];
        let followed_by_separator = self.path.get(s.end).is_some_and(|&b| is_separator(b));
        let mechanism = if is_parent(text) {
            Mechanism::Traversal
        } else if is_secret(text, followed_by_separator) {
            Mechanism::Secret
        } else {
            return None;
        };
        Some(Hazard { start: s.start, end: s.end, mechanism })
    }
}

impl Iterator for Hazards<'_> {
    type Item = Hazard;

    fn next(&mut self) -> Option<Hazard> {
        loop {
            let gap_end = match self.current {
                Some(segment) => segment.start,
                None => match self.segments.next() {
                    Some(segment) => {
                        self.current = Some(segment);
                        continue;
                    }
                    None => self.path.len(),
                },
            };
            // NUL bytes in the gap before the current segment (or at the end) come first.
            if let Some(i) = memchr::memchr(0, &self.path[self.at.min(gap_end)..gap_end]) {
                let nul = self.at + i;
                self.at = nul + 1;
                return Some(Hazard { start: nul, end: nul + 1, mechanism: Mechanism::Nul });
            }
            let segment = self.current.take()?;
            self.at = segment.end;
            if let Some(hazard) = self.segment_hazard(segment) {
                return Some(hazard);
            }
        }
    }
}

/// `/x`, `\x` (including `//server` and `\\server`), `C:` and `file:`: the input picks
/// the file itself, whatever directory the application meant.
fn is_absolute(value: &[u8]) -> bool {
    match value {
        [first, ..] if is_separator(*first) => true,
        [drive, b':', ..] if drive.is_ascii_alphabetic() => true,
        _ => value.len() >= 5 && value[..5].eq_ignore_ascii_case(b"file:"),
    }
}

/// Files whose only purpose is to hold secrets or repository internals; no application
/// serves them to users. Matched case-insensitively on one segment. Directory names
/// count only when something follows them (`.git/config`, not a file called `.git`).
fn is_secret(segment: &[u8], followed_by_separator: bool) -> bool {
    const DIRECTORIES: [&[u8]; 8] = [b".git", b".svn", b".hg", b".ssh", b".aws", b".gnupg", b".kube", b".docker"];
    const FILES: [&[u8]; 16] = [
        b".htpasswd",
        b".git-credentials",
        b".netrc",
        b".pgpass",
        b".npmrc",
        b".pypirc",
        b".bash_history",
        b".zsh_history",
        b".mysql_history",
        b".psql_history",
        b"id_rsa",
        b"id_dsa",
        b"id_ecdsa",
        b"id_ed25519",
        b"wp-config.php",
        b".boto",
    ];
    // Every name below starts with `.`, `i` or `w` and is 3 to 16 bytes long.
    if !(3..=16).contains(&segment.len()) || !matches!(segment[0], b'.' | b'i' | b'I' | b'w' | b'W') {
        return is_env_file(segment);
    }
    let is = |name: &[u8]| segment.eq_ignore_ascii_case(name);
    (followed_by_separator && DIRECTORIES.iter().any(|d| is(d))) || FILES.iter().any(|f| is(f)) || is_env_file(segment)
}

/// `.env`, `.env.local`, `.env.production`, ... but not the committed templates
/// (`.env.example`, `.env.sample`, `.env.template`, `.env.dist`).
fn is_env_file(segment: &[u8]) -> bool {
    if segment.len() < 4 || !segment[..4].eq_ignore_ascii_case(b".env") {
        return false;
    }
    match &segment[4..] {
        [] => true,
        [b'.', suffix @ ..] => ![&b"example"[..], b"sample", b"template", b"dist", b"defaults"]
            .iter()
            .any(|t| suffix.eq_ignore_ascii_case(t)),
        _ => false,
    }
}

fn reason(mechanism: Mechanism, path: &[u8]) -> Reason {
    let sensitive = targets_sensitive_file(path);
    match (mechanism, sensitive) {
        (Mechanism::Traversal, false) => Reason::PathTraversal,
        (Mechanism::Traversal, true) => Reason::PathTraversalSensitive,
        (Mechanism::Absolute, false) => Reason::PathAbsolute,
        (Mechanism::Absolute, true) => Reason::PathAbsoluteSensitive,
        (Mechanism::Nul, false) => Reason::PathNulByte,
        (Mechanism::Nul, true) => Reason::PathNulByteSensitive,
        (Mechanism::Secret, _) => Reason::PathSecretFile,
    }
}

/// Does the path (as the OS reads it, up to a NUL) reach a file whose disclosure is
/// critical: account databases, process memory and environment, keys and credentials,
/// Windows system files? Runs only once an attack is found.
pub(crate) fn targets_sensitive_file(path: &[u8]) -> bool {
    let path = crate::lex::path::effective(path);
    let mut previous: [&[u8]; 2] = [b"", b""];
    for segment in Segments::new(path, 0) {
        let text = &path[segment.start..segment.end];
        let followed_by_separator = path.get(segment.end).is_some_and(|&b| ends_segment(b));
        if is_secret(text, followed_by_separator) || is_sensitive_pair(previous, text) {
            return true;
        }
        previous = [previous[1], text];
    }
    false
}

fn is_sensitive_pair(previous: [&[u8]; 2], name: &[u8]) -> bool {
    let is = |text: &[u8], word: &[u8]| text.eq_ignore_ascii_case(word);
    let any = |text: &[u8], words: &[&[u8]]| words.iter().any(|w| is(text, w));
    let parent = previous[1];
    // /etc/passwd and friends.
    (is(parent, b"etc")
        && any(name, &[b"passwd", b"shadow", b"gshadow", b"master.passwd", b"sudoers", b"security", b"ssh"]))
        // /proc/self/environ, /proc/1/cmdline, /proc/thread-self/...
        || (is(previous[0], b"proc")
            && (any(parent, &[b"self", b"thread-self"]) || (!parent.is_empty() && parent.iter().all(u8::is_ascii_digit))))
        // Kubernetes service-account tokens: /var/run/secrets/kubernetes.io/...
        || (is(parent, b"secrets") && is(name, b"kubernetes.io"))
        || (is(parent, b"gcloud") && any(name, &[b"credentials.db", b"application_default_credentials.json"]))
        || (is(parent, b".azure") && any(name, &[b"accesstokens.json", b"msal_token_cache.json"]))
        // Windows: C:\Windows\win.ini, system32\config\SAM, boot.ini.
        || any(name, &[b"win.ini", b"boot.ini", b"system.ini"])
        || (is(previous[0], b"system32") && is(parent, b"config") && any(name, &[b"sam", b"system", b"security"]))
}

/// Percent-decodes `value` into `buf` (which is at least as long), leaving malformed
/// escapes as they are.
fn percent_decode<'b>(value: &[u8], buf: &'b mut [u8]) -> &'b [u8] {
    let (mut i, mut len) = (0, 0);
    while i < value.len() {
        let b = value[i];
        let decoded = match (b, value.get(i + 1).copied().and_then(hex), value.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(hi), Some(lo)) => {
                i += 3;
                hi << 4 | lo
            }
            _ => {
                i += 1;
                b
            }
        };
        buf[len] = decoded;
        len += 1;
    }
    &buf[..len]
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::{Request, Source};

    fn judge(path: &str, value: &str) -> Option<Reason> {
        let mut r = Request::new();
        r.add_input(Source::Query, b"file", value.as_bytes());
        let structural = r.structural_inputs(MIN_INPUT_LEN).next()?;
        find_traversal(path.as_bytes(), &structural).map(|(_, reason)| reason)
    }

    #[test]
    fn attacks() {
        use Reason::*;
        for (path, value, reason) in [
            ("/var/www/files/../../etc/passwd", "../../etc/passwd", PathTraversalSensitive),
            ("/var/www/files/../app.py", "../app.py", PathTraversal),
            ("C:\\app\\files\\..\\..\\Windows\\win.ini", "..\\..\\Windows\\win.ini", PathTraversalSensitive),
            ("/var/www/files/..\\..\\x", "..\\..\\x", PathTraversal),
            ("/srv/img/..", "..", PathTraversal),
            ("/srv/img/.../.../WINDOWS/win.ini", ".../.../WINDOWS/win.ini", PathTraversalSensitive),
            ("/etc/passwd", "/etc/passwd", PathAbsoluteSensitive),
            ("/home/app/x.txt", "/home/app/x.txt", PathAbsolute),
            ("C:\\Windows\\system.ini", "C:\\Windows\\system.ini", PathAbsoluteSensitive),
            ("\\\\evil\\share\\x", "\\\\evil\\share\\x", PathAbsolute),
            ("file:///etc/shadow", "file:///etc/shadow", PathAbsoluteSensitive),
            ("/srv/img/a.php\0.png", "a.php\0", PathNulByte),
            ("/srv/app/.env", ".env", PathSecretFile),
            ("/srv/app/.git/config", ".git/config", PathSecretFile),
            ("/srv/files/../../proc/self/environ", "../../proc/self/environ", PathTraversalSensitive),
            ("/srv/files/../../etc/passwd", "..%2f..%2fetc%2fpasswd", PathTraversalSensitive),
        ] {
            assert_eq!(judge(path, value), Some(reason), "{value:?} in {path:?}");
        }
    }

    #[test]
    fn safe() {
        for (path, value) in [
            ("/srv/files/report..v2.pdf", "report..v2.pdf"),
            ("/srv/files/images/a.png", "images/a.png"),
            ("/srv/files/foo../1234", "foo../1234"),
            ("/srv/files/..foo", "..foo"),
            ("/srv/files/.env.example", ".env.example"),
            ("/srv/files/.github/workflows/ci.yml", ".github/workflows/ci.yml"),
            ("/srv/files/a.png", "/etc/passwd"),
            ("/srv/uploads/etc/passwd", "/etc/passwd"),
            ("/srv/files/x.txt", "x.txt"),
            ("/srv/files/../x.txt", "x.txt"),
            ("/srv/files/.gitignore", ".gitignore"),
        ] {
            assert_eq!(judge(path, value), None, "{value:?} in {path:?}");
        }
    }

    #[test]
    fn hostile_sizes_stay_linear() {
        let path = "../".repeat(1 << 18);
        let input = "a/".repeat(1000);
        assert_eq!(judge(&path, &input), None);
        let path = "a/".repeat(1 << 18);
        assert_eq!(judge(&path, &input), None);
        let path = format!("{}../x", "a/".repeat(1 << 18));
        assert_eq!(judge(&path, &format!("{input}../x")), Some(Reason::PathTraversal));
        // NUL bytes are hazards too: a million of them, and an input that is none of them.
        let path = format!("{}x..", "\0".repeat(1 << 20));
        assert_eq!(judge(&path, ".."), None);
        assert_eq!(judge(&path, "\0x"), Some(Reason::PathNulByte));
        let path = "\0/".repeat(1 << 19);
        assert_eq!(judge(&path, "/.."), None);
    }
}
