//! Command injection without a shell: does an input of the request choose the program an
//! argv runs, smuggle an option into a program whose options run code or write files,
//! or reach a shell or interpreter through the argv?
//!
//! The rules are in `docs/detection/exec.md`. The argv is read once per check into an
//! [`ExecPlan`] (which argument is the program, which one a shell runs, where options
//! end); each input is then judged against the plan. A plain data argument is data,
//! whatever bytes it holds: no shell reads it.
//!
//! Spans are offsets into the arguments joined by one space (`argv.join(" ")`), the form
//! events and the CLI show.

use crate::detect::shell;
use crate::request::Structural;
use crate::verdict::{Reason, Span};

/// Inputs shorter than this are not judged.
pub(crate) const MIN_INPUT_LEN: usize = 2;

/// Arguments joined into a stack buffer of this size for the cheap "does it occur" test.
pub(crate) const JOINED_CAPACITY: usize = 2048;

/// The arguments joined by NUL bytes into `buf`, if they fit.
pub(crate) fn join<'b>(argv: &[&[u8]], buf: &'b mut [u8; JOINED_CAPACITY]) -> Option<&'b [u8]> {
    let mut len = 0;
    for arg in argv {
        let end = len + arg.len();
        if end + 1 > buf.len() {
            return None;
        }
        buf[len..end].copy_from_slice(arg);
        buf[end] = 0;
        len = end + 1;
    }
    Some(&buf[..len])
}

/// Does the input occur in `haystack` in a way the rules can use? A word-only value
/// matters only as a whole name (a program, a command word), so it must not sit inside
/// a longer word.
pub(crate) fn occurs(haystack: &[u8], input: &Structural<'_>) -> bool {
    let value = input.input.value;
    if !value.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'_') {
        return input.occurrences(haystack).next().is_some();
    }
    let word = |c: &u8| c.is_ascii_alphanumeric() || *c == b'_';
    input.occurrences(haystack).any(|start| {
        let before = start.checked_sub(1).map(|i| &haystack[i]);
        !before.is_some_and(word) && !haystack.get(start + value.len()).is_some_and(word)
    })
}

/// Wrapper programs followed: `sudo env nice xargs tool` runs `tool`.
const MAX_WRAPPERS: usize = 4;

/// How one argument is read by the program (or what the program hands it to).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    /// Data.
    Data,
    /// A program name (argv[0], or the program a wrapper or `find -exec` runs).
    Program,
    /// A string a POSIX shell runs (`sh -c`, `ssh host CMD`, `watch`, `su -c`, option values).
    Shell,
    /// Part of a `cmd.exe /c` command line.
    Cmd,
    /// Part of a PowerShell `-Command`.
    PowerShell,
    /// `--option=CMD` or `key=CMD`: the text after the first `=` (or space) is a shell string.
    ShellValue,
    /// An argument a shell receives after the command word (`ssh host cmd ARG`, `watch cmd ARG`).
    ShellArgument,
    /// Code for an interpreter (`python -c`, `node -e`, `perl -e`, an awk program).
    Code,
    /// A sed script.
    Sed,
    /// An `env` assignment `NAME=value` (sets the program's environment).
    Assignment,
}

/// What one argv means, computed once per check. Only the first [`MAX_ARGS`] arguments get
/// a role; later ones are data unless the plan says all later ones share a role.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ExecPlan {
    roles: [Role; MAX_ARGS],
    /// Arguments from here on have this role (for `cmd /c a b c`, `ssh host cmd args`).
    tail_role: Option<(usize, Role)>,
    /// The program whose options are judged, when its options can run code or write files.
    dangerous_program: Option<usize>,
    /// Index of the `--` that ends that program's options.
    end_of_options: Option<usize>,
    /// The program is git (where `ext::` URLs run commands).
    git: bool,
}

const MAX_ARGS: usize = 64;

/// Programs that run the rest of their argv as a command, with their options that take a value.
const WRAPPERS: &[(&str, &[&str])] = &[
    ("env", &["-u", "--unset", "-C", "--chdir"]),
    ("sudo", &["-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "-T", "--user", "--group", "--chdir"]),
    ("doas", &["-u", "-C"]),
    ("nice", &["-n", "--adjustment"]),
    ("nohup", &[]),
    ("setsid", &[]),
    ("time", &["-f", "-o", "--format", "--output"]),
    ("stdbuf", &["-i", "-o", "-e", "--input", "--output", "--error"]),
    ("ionice", &["-c", "-n", "-p", "--class", "--classdata"]),
    ("chrt", &[]),
    ("taskset", &["-c", "--cpu-list"]),
    (
        "xargs",
        &["-I", "-n", "-L", "-P", "-s", "-d", "-E", "-a", "--arg-file", "--delimiter", "--max-args", "--max-procs"],
    ),
    ("strace", &["-o", "-e", "-p", "-s", "-u"]),
    ("ltrace", &["-o", "-e", "-p", "-s", "-u"]),
    ("valgrind", &[]),
    ("unbuffer", &[]),
    ("firejail", &[]),
    ("command", &[]),
    ("exec", &["-a"]),
    ("busybox", &[]),
    ("caffeinate", &[]),
    ("torsocks", &[]),
    ("proxychains", &["-f"]),
    ("proxychains4", &["-f"]),
];

/// Wrappers whose first operand is not the program: `timeout 5 cmd`, `chroot /r cmd`, `flock f cmd`.
const WRAPPERS_WITH_OPERAND: &[(&str, &[&str])] = &[
    ("timeout", &["-s", "-k", "--signal", "--kill-after"]),
    ("chroot", &["--userspec", "--groups"]),
    ("flock", &["-w", "-E", "--timeout", "--conflict-exit-code"]),
    ("taskset", &[]),
    ("chrt", &[]),
];

const SHELLS: &[&str] =
    &["sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "yash", "posh", "fish", "csh", "tcsh", "rbash"];

/// Interpreters and the options whose value is code.
const INTERPRETERS: &[(&str, &[&str])] = &[
    ("python", &["-c"]),
    ("pypy", &["-c"]),
    ("node", &["-e", "--eval", "-p", "--print"]),
    ("nodejs", &["-e", "--eval", "-p", "--print"]),
    ("bun", &["-e", "--eval", "-p", "--print"]),
    ("perl", &["-e", "-E"]),
    ("ruby", &["-e"]),
    ("php", &["-r"]),
    ("lua", &["-e"]),
    ("luajit", &["-e"]),
    ("rscript", &["-e"]),
    ("osascript", &["-e"]),
    ("tclsh", &[]),
    ("gawk", &["-e", "--source"]),
];

/// Programs with options (or operands) that run commands or write or delete files:
/// injecting any option into them is an attack (long options also match by unambiguous
/// prefix, and short options cluster, so a list of bad options would leak).
const DANGEROUS_OPTIONS: &[&str] = &[
    "git",
    "find",
    "tar",
    "bsdtar",
    "gtar",
    "rsync",
    "ssh",
    "scp",
    "sftp",
    "curl",
    "wget",
    "zip",
    "unzip",
    "7z",
    "7za",
    "7zr",
    "sed",
    "gsed",
    "awk",
    "gawk",
    "mawk",
    "nawk",
    "xargs",
    "env",
    "sort",
    "man",
    "vim",
    "vi",
    "nvim",
    "ex",
    "view",
    "emacs",
    "less",
    "more",
    "tcpdump",
    "rm",
    "cp",
    "mv",
    "ln",
    "install",
    "dd",
    "tee",
    "split",
    "ffmpeg",
    "ffprobe",
    "convert",
    "magick",
    "mogrify",
    "openssl",
    "gpg",
    "python",
    "perl",
    "ruby",
    "php",
    "node",
    "lua",
    "sh",
    "bash",
    "dash",
    "zsh",
    "ksh",
    "pip",
    "pip3",
    "npm",
    "npx",
    "yarn",
    "pnpm",
    "composer",
    "make",
    "gcc",
    "cc",
    "clang",
    "g++",
    "ld",
    "patch",
    "mail",
    "mailx",
    "sendmail",
    "nmap",
    "docker",
    "kubectl",
    "psql",
    "mysql",
    "sqlite3",
    "chmod",
    "chown",
    "crontab",
    "systemctl",
    "service",
    "journalctl",
    "gdb",
    "strace",
    "ltrace",
    "tshark",
    "wireshark",
    "exiftool",
    "pdftk",
    "gs",
    "ghostscript",
    "soffice",
    "libreoffice",
    "pandoc",
    "latex",
    "pdflatex",
    "xelatex",
    "lualatex",
    "mysqldump",
    "pg_dump",
    "ansible",
    "terraform",
    "hg",
    "svn",
    "bzr",
    "nc",
    "ncat",
    "netcat",
    "socat",
    "telnet",
    "ftp",
    "busybox",
    "timeout",
    "nice",
    "sudo",
    "su",
    "watch",
    "flock",
    "script",
    "at",
];

/// `(program, option)`: the option's value is a command run by a shell.
const SHELL_VALUED_OPTIONS: &[(&str, &str)] = &[
    ("tar", "--to-command"),
    ("tar", "--checkpoint-action"),
    ("tar", "--use-compress-program"),
    ("tar", "--info-script"),
    ("tar", "--new-volume-script"),
    ("rsync", "-e"),
    ("rsync", "--rsh"),
    ("rsync", "--rsync-path"),
    ("git", "--upload-pack"),
    ("git", "--receive-pack"),
    ("git", "--exec"),
    ("zip", "--unzip-command"),
    ("zip", "-TT"),
    ("man", "-P"),
    ("man", "--pager"),
    ("tcpdump", "-z"),
    ("sort", "--compress-program"),
    ("vim", "-c"),
    ("vim", "--cmd"),
    ("su", "-c"),
    ("su", "--command"),
    ("runuser", "-c"),
    ("script", "-c"),
    ("script", "--command"),
    ("flock", "-c"),
    ("flock", "--command"),
    ("env", "-S"),
    ("env", "--split-string"),
];

/// The last path component of a program name, without a Windows executable suffix.
fn program_name(arg: &[u8]) -> &[u8] {
    let base = match arg.iter().rposition(|&c| c == b'/' || c == b'\\') {
        Some(i) => &arg[i + 1..],
        None => arg,
    };
    for suffix in [b".exe", b".com", b".bat", b".cmd"] {
        if base.len() > 4 && base[base.len() - 4..].eq_ignore_ascii_case(suffix) {
            return &base[..base.len() - 4];
        }
    }
    base
}

/// `name` is a [`program_name`].
fn name_is(name: &[u8], expected: &str) -> bool {
    name.eq_ignore_ascii_case(expected.as_bytes())
}

/// `python3`, `python3.12`, `pypy3`: the family name `python` / `pypy` with a version.
fn family_is(name: &[u8], family: &str) -> bool {
    name.len() >= family.len()
        && name[..family.len()].eq_ignore_ascii_case(family.as_bytes())
        && name[family.len()..].iter().all(|&c| c.is_ascii_digit() || c == b'.')
}

fn lookup<'t, T>(table: &'t [(&str, T)], arg: &[u8]) -> Option<&'t T> {
    table.iter().find(|(name, _)| name_is(arg, name)).map(|(_, v)| v)
}

fn is_option(arg: &[u8]) -> bool {
    arg.len() > 1 && arg[0] == b'-'
}

/// The option part of `--opt=value`.
fn option_name(arg: &[u8]) -> &[u8] {
    match arg.iter().position(|&c| c == b'=') {
        Some(eq) if arg.starts_with(b"--") => &arg[..eq],
        _ => arg,
    }
}

impl ExecPlan {
    /// Reads `argv`.
    pub(crate) fn of(argv: &[&[u8]]) -> ExecPlan {
        let mut plan = ExecPlan {
            roles: [Role::Data; MAX_ARGS],
            tail_role: None,
            dangerous_program: None,
            end_of_options: None,
            git: false,
        };
        let mut program = 0;
        for _ in 0..=MAX_WRAPPERS {
            let Some(&name) = argv.get(program) else {
                break;
            };
            plan.set(program, Role::Program);
            match plan.read_program(argv, program, name) {
                Some(next) if next > program => program = next,
                _ => break,
            }
        }
        plan
    }

    fn set(&mut self, index: usize, role: Role) {
        if let Some(slot) = self.roles.get_mut(index) {
            *slot = role;
        }
    }

    /// The role of argument `index`.
    fn role(&self, index: usize) -> Role {
        match self.tail_role {
            Some((from, Role::Shell)) if index > from => Role::ShellArgument,
            Some((from, role)) if index >= from => role,
            _ => self.roles.get(index).copied().unwrap_or(Role::Data),
        }
    }

    /// Reads the arguments of the program at `at`; returns the index of the program it
    /// runs in turn, if it is a wrapper.
    fn read_program(&mut self, argv: &[&[u8]], at: usize, name: &[u8]) -> Option<usize> {
        let name = program_name(name);
        if DANGEROUS_OPTIONS.iter().any(|p| name_is(name, p)) || family_is(name, "python") {
            self.dangerous_program = Some(at);
            self.end_of_options = argv[at + 1..].iter().position(|a| *a == b"--").map(|i| at + 1 + i);
            self.git = name_is(name, "git");
        }
        self.mark_shell_valued_options(argv, at, name);
        if SHELLS.iter().any(|s| name_is(name, s)) {
            // `sh [-opts] -c CMD [name args...]`: the first operand after a `c` option.
            let mut saw_c = false;
            for (i, arg) in argv.iter().enumerate().skip(at + 1) {
                if is_option(arg) && !arg.starts_with(b"--") {
                    saw_c |= arg.contains(&b'c');
                    continue;
                }
                if arg.starts_with(b"--") {
                    continue;
                }
                if saw_c {
                    self.set(i, Role::Shell);
                }
                break;
            }
            return None;
        }
        if name_is(name, "cmd") {
            let c = argv[at + 1..].iter().position(|a| a.eq_ignore_ascii_case(b"/c") || a.eq_ignore_ascii_case(b"/k"));
            if let Some(c) = c {
                self.tail_role = Some((at + 2 + c, Role::Cmd));
            }
            return None;
        }
        if name_is(name, "powershell") || name_is(name, "pwsh") {
            let command = argv[at + 1..].iter().position(|a| {
                let lower = a.to_ascii_lowercase_prefix();
                lower.starts_with("-c") || lower.starts_with("-e") || lower.starts_with("/c")
            });
            self.tail_role = Some((command.map_or(at + 1, |c| at + 2 + c), Role::PowerShell));
            return None;
        }
        if name_is(name, "ssh") {
            // `ssh [opts] destination command...`: the command runs in the remote shell.
            const WITH_VALUE: &[u8] = b"BbcDEeFIiJLlmOoPpQRSWw";
            let mut i = at + 1;
            while let Some(arg) = argv.get(i) {
                if arg == b"--" {
                    i += 1;
                    break;
                }
                if !is_option(arg) {
                    break;
                }
                let takes_value = arg.len() == 2 && WITH_VALUE.contains(&arg[1]);
                i += if takes_value { 2 } else { 1 };
            }
            self.tail_role = Some((i + 1, Role::Shell));
            return None;
        }
        if name_is(name, "watch") {
            let first = operands(argv, at, &["-n", "-d", "--interval", "-c", "-g"]).next();
            if let Some(first) = first {
                self.tail_role = Some((first, Role::Shell));
            }
            return None;
        }
        if name_is(name, "find") {
            for (i, arg) in argv.iter().enumerate().skip(at + 1) {
                if matches!(*arg, b"-exec" | b"-execdir" | b"-ok" | b"-okdir") {
                    self.set(i + 1, Role::Program);
                }
            }
            return None;
        }
        const PYTHON_CODE: &[&str] = &["-c"];
        let python = family_is(name, "python") || family_is(name, "pypy");
        if let Some(code_options) = lookup(INTERPRETERS, name).or_else(|| python.then_some(&PYTHON_CODE)) {
            self.mark_code(argv, at, code_options);
            return None;
        }
        if ["awk", "mawk", "nawk"].iter().any(|a| name_is(name, a)) || name_is(name, "gawk") {
            // The program text is the first operand unless `-f` gives a file.
            if !argv[at + 1..].iter().any(|a| a.starts_with(b"-f")) {
                if let Some(first) = operands(argv, at, &["-F", "-v", "--field-separator", "--assign"]).next() {
                    self.set(first, Role::Code);
                }
            }
            if name_is(name, "gawk") {
                self.mark_code(argv, at, &["-e", "--source"]);
            }
            return None;
        }
        if name_is(name, "sed") || name_is(name, "gsed") {
            let mut explicit = false;
            for (i, arg) in argv.iter().enumerate().skip(at + 1) {
                if matches!(*arg, b"-e" | b"--expression") {
                    self.set(i + 1, Role::Sed);
                    explicit = true;
                } else if arg.starts_with(b"--expression=") || arg.starts_with(b"-f") {
                    explicit = true;
                }
            }
            if !explicit {
                if let Some(first) = operands(argv, at, &["-l", "--line-length"]).next() {
                    self.set(first, Role::Sed);
                }
            }
            return None;
        }
        if let Some(with_value) = lookup(WRAPPERS, name) {
            let is_env = name_is(name, "env");
            let mut i = at + 1;
            while let Some(arg) = argv.get(i) {
                if arg == b"--" {
                    return Some(i + 1);
                }
                if is_env && !is_option(arg) && arg.contains(&b'=') {
                    self.set(i, Role::Assignment);
                    i += 1;
                    continue;
                }
                if !is_option(arg) {
                    return Some(i);
                }
                i += if with_value.iter().any(|o| o.as_bytes() == *arg) { 2 } else { 1 };
            }
            return None;
        }
        if let Some(with_value) = lookup(WRAPPERS_WITH_OPERAND, name) {
            // Skip the first operand (duration, new root, lock file, CPU mask).
            return operands(argv, at, with_value).nth(1);
        }
        None
    }

    /// Values of shell-valued options (`--to-command=CMD`, `rsync -e CMD`).
    fn mark_shell_valued_options(&mut self, argv: &[&[u8]], at: usize, name: &[u8]) {
        for &(program, option) in SHELL_VALUED_OPTIONS {
            if !name_is(name, program) {
                continue;
            }
            for (i, arg) in argv.iter().enumerate().skip(at + 1) {
                if *arg == b"--" {
                    break;
                }
                if *arg == option.as_bytes() {
                    self.set(i + 1, Role::Shell);
                } else if option_name(arg) == option.as_bytes() && arg.len() > option.len() {
                    self.set(i, Role::ShellValue);
                }
            }
        }
        if name_is(name, "git") || name_is(name, "ssh") || name_is(name, "scp") {
            // `-c core.sshCommand=CMD`, `-o ProxyCommand=CMD`: values that run commands.
            for (i, arg) in argv.iter().enumerate().skip(at + 1) {
                if *arg == b"--" {
                    break;
                }
                let lower = arg.to_ascii_lowercase_prefix();
                if [
                    "core.sshcommand=",
                    "core.pager=",
                    "core.editor=",
                    "core.fsmonitor=",
                    "proxycommand",
                    "localcommand",
                ]
                .iter()
                .any(|k| lower.contains(k))
                {
                    self.set(i, Role::ShellValue);
                }
            }
        }
    }

    fn mark_code(&mut self, argv: &[&[u8]], at: usize, code_options: &[&str]) {
        for (i, &arg) in argv.iter().enumerate().skip(at + 1) {
            let cluster_ends_with_flag = arg.len() >= 2
                && arg[0] == b'-'
                && arg[1] != b'-'
                && code_options.iter().any(|o| o.len() == 2 && arg.last() == o.as_bytes().last());
            if code_options.iter().any(|o| o.as_bytes() == arg) || cluster_ends_with_flag {
                self.set(i + 1, Role::Code);
            } else if code_options.iter().any(|o| {
                let o = o.as_bytes();
                arg.len() > o.len() && arg.starts_with(o) && (o.len() == 2 || arg[o.len()] == b'=')
            }) {
                self.set(i, Role::Code);
            }
        }
    }
}

/// Indices of the operands (non-options) after the program at `at`, skipping the values
/// of the options in `with_value`.
fn operands<'a>(argv: &'a [&'a [u8]], at: usize, with_value: &'a [&'a str]) -> impl Iterator<Item = usize> + 'a {
    let mut i = at + 1;
    let mut options_done = false;
    std::iter::from_fn(move || {
        while let Some(arg) = argv.get(i) {
            let index = i;
            i += 1;
            if !options_done && arg == b"--" {
                options_done = true;
                continue;
            }
            if !options_done && is_option(arg) {
                if with_value.iter().any(|o| o.as_bytes() == *arg) {
                    i += 1;
                }
                continue;
            }
            return Some(index);
        }
        None
    })
}

trait LowercasePrefix {
    /// The first 32 bytes, ASCII-lowercased, as a str (lossy: non-UTF-8 gives "").
    fn to_ascii_lowercase_prefix(&self) -> LowerBuf;
}

/// A small stack buffer of lowercased bytes.
struct LowerBuf {
    bytes: [u8; 32],
    len: usize,
}

impl LowerBuf {
    fn starts_with(&self, prefix: &str) -> bool {
        self.bytes[..self.len].starts_with(prefix.as_bytes())
    }

    fn contains(&self, needle: &str) -> bool {
        let needle = needle.as_bytes();
        self.bytes[..self.len].windows(needle.len()).any(|w| w == needle)
    }
}

impl LowercasePrefix for [u8] {
    fn to_ascii_lowercase_prefix(&self) -> LowerBuf {
        let mut bytes = [0u8; 32];
        let len = self.len().min(32);
        for (dst, src) in bytes.iter_mut().zip(self) {
            *dst = src.to_ascii_lowercase();
        }
        LowerBuf { bytes, len }
    }
}

/// Finds the first argument in which the input does what the plan forbids.
pub(crate) fn find_injection(argv: &[&[u8]], plan: &ExecPlan, input: &Structural<'_>) -> Option<(Span, Reason)> {
    let value = input.input.value;
    if value.len() < MIN_INPUT_LEN {
        return None;
    }
    let word_only = value.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'_');
    let mut offset = 0;
    for (index, arg) in argv.iter().enumerate() {
        let base = offset;
        offset += arg.len() + 1;
        if value.len() > arg.len() {
            continue;
        }
        let role = plan.role(index);
        // Word-only values can only name a program.
        let names_program = match role {
            Role::Program | Role::Shell | Role::ShellValue | Role::ShellArgument => true,
            Role::Cmd | Role::PowerShell => plan.tail_role.is_some_and(|(from, _)| from == index),
            _ => false,
        };
        if word_only && !names_program {
            continue;
        }
        // An input that is a whole option (`--upload-pack=..`) is judged as one first.
        if !word_only && option_hit(plan, index, arg, 0, value.len()) && arg.starts_with(value) {
            return Some((Span { start: base, end: base + value.len() }, Reason::ExecOption));
        }
        let found = match role {
            Role::Shell => shell::find_injection(arg, input),
            Role::ShellArgument => shell_argument(arg, input),
            Role::ShellValue => {
                let at = arg.iter().position(|&c| c == b'=' || c == b' ').map_or(0, |i| i + 1);
                // The input wrote the setting itself (`core.pager=..`, `ProxyCommand=..`).
                if let Some(start) = input.occurrences(arg).next().filter(|&start| start < at) {
                    let span = Span { start: base + start, end: base + start + value.len() };
                    return Some((span, Reason::ExecOption));
                }
                shell::find_injection(&arg[at..], input)
                    .map(|(span, reason)| (Span { start: span.start + at, end: span.end + at }, reason))
            }
            _ => judge_arg(plan, index, arg, role, value, input),
        };
        if let Some((span, reason)) = found {
            return Some((Span { start: base + span.start, end: base + span.end }, reason));
        }
    }
    None
}

/// Judges `arg` as an argument of a shell command: as if it followed a command word.
///
/// The command word is a synthetic `:` and a blank. An occurrence of the input may
/// straddle that blank (an input starting with ` -` against an argument starting with
/// `-`): such an occurrence is not in the argument at all. When the finding straddles
/// it, the argument is judged again behind a tab instead, which no occurrence can
/// straddle at the same byte, so every real occurrence gets judged and spans map back
/// exactly.
fn shell_argument(arg: &[u8], input: &Structural<'_>) -> Option<(Span, Reason)> {
    const PREFIXES: [&[u8; 2]; 2] = [b": ", b":\t"];
    let mut buf = [0u8; 1024];
    if arg.len() + 2 > buf.len() {
        return shell::find_injection(arg, input);
    }
    for prefix in PREFIXES {
        buf[..2].copy_from_slice(prefix);
        buf[2..2 + arg.len()].copy_from_slice(arg);
        let (span, reason) = shell::find_injection(&buf[..2 + arg.len()], input)?;
        if span.start >= 2 {
            return Some((Span { start: span.start - 2, end: span.end - 2 }, reason));
        }
    }
    None
}

fn judge_arg(
    plan: &ExecPlan,
    index: usize,
    arg: &[u8],
    role: Role,
    value: &[u8],
    input: &Structural<'_>,
) -> Option<(Span, Reason)> {
    let word_only = value.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'_');
    let mut code = CodeStrings::new(arg);
    for start in input.occurrences(arg) {
        let end = start + value.len();
        let span = Span { start, end };
        let reason = match role {
            Role::Program => program_hit(arg, start, end, word_only).then_some(Reason::ExecProgram),
            Role::Assignment => {
                let eq = arg.iter().position(|&c| c == b'=').unwrap_or(arg.len());
                (start <= eq).then_some(Reason::ExecProgram)
            }
            Role::Cmd => {
                let meta = value
                    .iter()
                    .any(|c| matches!(c, b'&' | b'|' | b'<' | b'>' | b'^' | b'%' | b'!' | b'"' | b'\n' | b'\r'));
                if meta {
                    Some(Reason::ShellOperator)
                } else {
                    (plan.tail_role.is_some_and(|(from, _)| from == index) && start == 0)
                        .then_some(Reason::ShellCommand)
                }
            }
            Role::PowerShell => {
                let meta = value.iter().any(|c| {
                    matches!(
                        c,
                        b';' | b'|'
                            | b'&'
                            | b'$'
                            | b'('
                            | b')'
                            | b'{'
                            | b'}'
                            | b'\''
                            | b'"'
                            | b'`'
                            | b'<'
                            | b'>'
                            | b'#'
                            | b'@'
                            | b'\n'
                            | b'\r'
                    )
                });
                if meta {
                    Some(Reason::ShellOperator)
                } else {
                    (plan.tail_role.is_some_and(|(from, _)| from == index) && start == 0)
                        .then_some(Reason::ShellCommand)
                }
            }
            // The whole program text from the input is code whatever its bytes.
            Role::Code | Role::Sed if start == 0 && end == arg.len() => Some(Reason::ExecCode),
            Role::Code => (!code.inert(start, end, value)).then_some(Reason::ExecCode),
            // A sed script starting with the input: the input chooses the command.
            Role::Sed if start == 0 => Some(Reason::ExecCode),
            Role::Sed => {
                let inert = value.iter().all(|&c| {
                    c.is_ascii_alphanumeric() || matches!(c, b' ' | b'_' | b'.' | b'-' | b'+' | b'=') || c >= 0x80
                });
                (!inert).then_some(Reason::ExecCode)
            }
            Role::Data => option_hit(plan, index, arg, start, end).then_some(Reason::ExecOption),
            Role::Shell | Role::ShellValue | Role::ShellArgument => None,
        };
        if let Some(reason) = reason {
            return Some((span, reason));
        }
    }
    None
}

/// The occurrence chooses the program: it covers its name (last path component) or
/// starts the path; a word-only value must be a whole component.
fn program_hit(arg: &[u8], start: usize, end: usize, word_only: bool) -> bool {
    let name_start = arg.iter().rposition(|&c| c == b'/' || c == b'\\').map_or(0, |i| i + 1);
    let name_end = name_start + program_name(&arg[name_start..]).len();
    let component_start = start == 0 || matches!(arg[start - 1], b'/' | b'\\');
    let component_end = end == arg.len() || end == name_end || matches!(arg[end], b'/' | b'\\');
    if word_only {
        return component_start && component_end && start >= name_start;
    }
    start == 0 || (start <= name_start && end >= name_end) || (component_start && end >= name_end)
}

/// The occurrence starts an option of a dangerous program (or a git `ext::` URL).
fn option_hit(plan: &ExecPlan, index: usize, arg: &[u8], start: usize, end: usize) -> bool {
    let Some(program) = plan.dangerous_program else {
        return false;
    };
    if index <= program || start != 0 {
        return false;
    }
    if plan.git && (arg.starts_with(b"ext::") || arg.starts_with(b"fd::")) {
        return true;
    }
    if plan.end_of_options.is_some_and(|eoo| index > eoo) || !is_option(arg) || end < 2 {
        return false;
    }
    let negative_number = arg[1..].iter().all(|c| c.is_ascii_digit() || *c == b'.') && arg[1].is_ascii_digit();
    !negative_number
}

/// String literals of C-like code (`'..'`, `".."`, `` `..` `` with backslash escapes),
/// found by a forward-only scan: occurrences arrive in increasing order.
struct CodeStrings<'a> {
    code: &'a [u8],
    /// Scan position (always at a code byte, outside strings).
    pos: usize,
    /// The string literal most recently found: (content start, content end).
    current: Option<(usize, usize)>,
}

impl<'a> CodeStrings<'a> {
    fn new(code: &'a [u8]) -> CodeStrings<'a> {
        CodeStrings { code, pos: 0, current: None }
    }

    /// The literal whose content could hold `start`.
    fn literal_at(&mut self, start: usize) -> Option<(usize, usize)> {
        loop {
            if let Some((content_start, content_end)) = self.current {
                if content_end >= start {
                    return (content_start <= start).then_some((content_start, content_end));
                }
            }
            if self.pos >= self.code.len() {
                return None;
            }
            let quote = self.code[self.pos];
            if !matches!(quote, b'\'' | b'"' | b'`') {
                self.pos += 1;
                continue;
            }
            let content_start = self.pos + 1;
            let mut i = content_start;
            while i < self.code.len() && self.code[i] != quote {
                i += if self.code[i] == b'\\' { 2 } else { 1 };
            }
            let content_end = i.min(self.code.len());
            self.current = Some((content_start, content_end));
            self.pos = (i + 1).min(self.code.len()).max(content_start);
        }
    }

    /// The occurrence sits inside one literal and cannot leave or interpolate into it.
    fn inert(&mut self, start: usize, end: usize, value: &[u8]) -> bool {
        let Some((_, content_end)) = self.literal_at(start) else {
            return false;
        };
        let live = value
            .iter()
            .any(|c| matches!(c, b'\'' | b'"' | b'`' | b'\\' | b'$' | b'{' | b'}' | b'@' | b'\n' | b'\r' | 0));
        end <= content_end && !live
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::{Request, Source};

    fn verdict(argv: &[&str], value: &str) -> Option<Reason> {
        let argv: Vec<&[u8]> = argv.iter().map(|a| a.as_bytes()).collect();
        let mut request = Request::new();
        request.add_input(Source::Query, b"q", value.as_bytes());
        let input = request.all_inputs(MIN_INPUT_LEN).next().expect("one input");
        let plan = ExecPlan::of(&argv);
        find_injection(&argv, &plan, &input).map(|(_, reason)| reason)
    }

    #[test]
    fn data_arguments_are_data() {
        assert_eq!(verdict(&["ping", "-c", "1", "a; rm -rf / $(id)"], "a; rm -rf / $(id)"), None);
        assert_eq!(verdict(&["convert", "my photo.png", "out.jpg"], "my photo.png"), None);
        assert_eq!(verdict(&["git", "log", "--", "-rf"], "-rf"), None);
        assert_eq!(verdict(&["python3", "-c", "import sys; print(sys.argv[1])", "x'); id; ('"], "x'); id; ('"), None);
    }

    #[test]
    fn programs_shells_options_and_code() {
        use Reason::*;
        assert_eq!(verdict(&["whoami"], "whoami"), Some(ExecProgram));
        assert_eq!(verdict(&["/usr/bin/nc", "-e", "sh"], "/usr/bin/nc"), Some(ExecProgram));
        assert_eq!(verdict(&["sudo", "-u", "app", "nc", "x"], "nc"), Some(ExecProgram));
        assert_eq!(verdict(&["sh", "-c", "ping -c 1 x; id"], "x; id"), Some(ShellOperator));
        assert_eq!(verdict(&["bash", "-ec", "echo 'xy'"], "xy"), None);
        assert_eq!(
            verdict(&["git", "clone", "--upload-pack=touch /tmp/x", "repo"], "--upload-pack=touch /tmp/x"),
            Some(ExecOption)
        );
        assert_eq!(verdict(&["git", "clone", "ext::sh -c id", "dir"], "ext::sh -c id"), Some(ExecOption));
        assert_eq!(verdict(&["find", ".", "-name", "x", "-exec", "rm", "{}", ";"], "rm"), Some(ExecProgram));
        assert_eq!(verdict(&["tar", "xf", "a.tar", "--to-command=cat x; id"], "x; id"), Some(ShellOperator));
        assert_eq!(verdict(&["git", "-c", "core.pager=less -R", "log"], "less"), Some(ShellCommand));
        assert_eq!(verdict(&["tar", "xf", "a.tar", "--to-command=id"], "id"), Some(ShellCommand));
        assert_eq!(verdict(&["ssh", "-o", "ProxyCommand nc %h 22", "host"], "nc"), Some(ShellCommand));
        assert_eq!(verdict(&["python3", "-c", "print('a')"], "a')"), Some(ExecCode));
        assert_eq!(verdict(&["python3", "-c", "print('hello world')"], "hello world"), None);
        assert_eq!(verdict(&["cmd.exe", "/c", "ping", "x & calc"], "x & calc"), Some(ShellOperator));
        assert_eq!(verdict(&["ssh", "-p", "22", "host", "ls", "x; id"], "x; id"), Some(ShellOperator));
        assert_eq!(verdict(&["ls", "-la", "--color=always"], "-la"), None, "ls options do nothing harmful");
    }
}
