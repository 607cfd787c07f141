//! The shell check against the real shells of this machine (`sh`, and `bash` when
//! installed): every payload is spliced into every context, the command is run by the
//! shell in an empty directory, and the shell's own reading is the oracle.
//!
//! The commands only print their arguments (`printf '[%s]'`) or `touch` files in the
//! empty directory: when the shell prints other than three arguments `a`, `<one word>`,
//! `b`, fails, or creates a file, the input changed the command's structure, and the
//! engine must have said so. When the shell shows no change, the engine must say safe,
//! unless it reported one of the documented policy decisions (a glob, tilde or brace
//! expansion, a variable that expanded to one word, an option) that the shell's output
//! cannot show.

use std::path::{Path, PathBuf};
use std::process::Command;

use rampart_core::{Engine, Policy, Reason, Request, Source};

const CONTEXTS: &[&str] = &[
    "printf '[%s]' a SLOT b",
    "printf '[%s]' a 'SLOT' b",
    "printf '[%s]' a \"SLOT\" b",
    "printf '[%s]' a x\"SLOT\"y b",
    "printf '[%s]' a pre-SLOT b",
    "printf '[%s]' a \"$(printf '%s' 'SLOT')\" b",
    "printf '[%s]' a \"$(printf '%s' \"SLOT\")\" b",
    "echo \"$(printf '[%s]' a SLOT b)\"",
    "echo \"`printf '[%s]' a SLOT b`\"",
    "echo \"$(printf '[%s]' a 'SLOT' b)\"",
    "printf '[%s]' a ${UNSET_VAR:-SLOT} b",
    "printf '[%s]' a SLOT b # trailing comment",
];

const PAYLOADS: &[&str] = &[
    "hello-world",
    "a.b_c:d@e%f+g=h,i",
    "x y",
    "x\ty",
    "x;touch p1",
    "x|touch p2",
    "x&touch p3",
    "x&&touch p4",
    "x||touch p5",
    "x\ntouch p6",
    "$(touch p7)",
    "`touch p8`",
    "x'; touch p9; '",
    "x\"; touch p10; \"",
    "x' 'y",
    "x\" \"y",
    "'quoted'",
    "\"dq\"",
    "x\\",
    "x\\ y",
    "x\\'y",
    "x\\\"y",
    "\\$(touch p11)",
    "x>f1",
    "x 2>f2",
    "x>>f3",
    "(touch p12)",
    "x #comment",
    "x#y",
    "$((1+2))",
    "${PATH:+z}",
    "$HOME",
    "*",
    "?",
    "[ab]",
    "{a,b}",
    "~",
    "~/x",
    "x~y",
    "-n",
    "--",
    "--flag=1",
    "a!b",
    "a^b",
    "$'x'",
    "'",
    "\"",
    "`",
    "$(",
    ")",
    "x)y",
    "x(y",
    "}",
    "x}y",
    "x]y",
    "x=y",
    "a;b",
    "é漢字",
    "x\ry",
    "x <<EOF",
    "x<f",
];

/// Reasons the engine may give where the shell's output shows no change: policy
/// decisions the output cannot show (the directory is empty, so globs match nothing).
const POLICY_REASONS: &[Reason] =
    &[Reason::ShellGlob, Reason::ShellOption, Reason::ShellSubstitution, Reason::ShellCommand];

/// Findings the printed arguments cannot show: policy decisions, quotes the input broke
/// out of without adding a word (`''quoted''`), and redirections that only read input.
fn invisible_to_the_oracle(reason: Reason, payload: &str) -> bool {
    POLICY_REASONS.contains(&reason)
        || (reason == Reason::ShellQuoteEscape && (payload.contains(['\'', '"']) || payload.ends_with('\\')))
        || (reason == Reason::ShellRedirection && payload.contains('<'))
}

fn shells() -> Vec<&'static str> {
    ["sh", "bash", "dash"]
        .into_iter()
        .filter(|s| Command::new(s).arg("-c").arg(":").output().is_ok_and(|o| o.status.success()))
        .collect()
}

struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("rampart-sh-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch directory");
        Scratch(dir)
    }

    fn clear(&self) -> bool {
        let mut had_files = false;
        for entry in std::fs::read_dir(&self.0).expect("scratch directory").flatten() {
            had_files = true;
            let _ = std::fs::remove_file(entry.path());
        }
        had_files
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `command` in the empty directory: `Some(middle argument)` when the shell printed
/// exactly `[a][<word>][b]`, succeeded and created nothing.
fn shell_reading(shell: &str, command: &str, scratch: &Scratch) -> Option<String> {
    let output = Command::new(shell)
        .arg("-c")
        .arg(command)
        .current_dir(scratch.path())
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", "/nonexistent-home")
        .output()
        .expect("shell runs");
    let created = scratch.clear();
    if !output.status.success() || created {
        return None;
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let text = text.strip_suffix('\n').unwrap_or(&text);
    let inner = text.strip_prefix("[a][")?.strip_suffix("][b]")?;
    (!inner.contains("][")).then(|| inner.to_owned())
}

#[test]
fn engine_agrees_with_real_shells() {
    let mut policy = Policy::default();
    policy.override_mode("block").expect("mode");
    let engine = Engine::new(policy).expect("engine");
    let shells = shells();
    assert!(!shells.is_empty(), "no POSIX shell on this machine");
    let scratch = Scratch::new("oracle");
    let mut request = Request::new();
    let (mut runs, mut changed, mut policy_flags) = (0, 0, 0);
    let mut disagreements = Vec::new();
    for context in CONTEXTS {
        for payload in PAYLOADS {
            let command = context.replace("SLOT", payload);
            request.reset();
            request.add_input(Source::Query, b"q", payload.as_bytes());
            let verdict = engine.check_shell(&request, command.as_bytes());
            if payload.len() < 2 {
                // One byte can only break the syntax; such inputs are not judged (see the docs).
                assert!(!verdict.is_attack(), "1-byte input judged: {command:?}");
                continue;
            }
            for shell in &shells {
                runs += 1;
                let reading = shell_reading(shell, &command, &scratch);
                match (reading, verdict.reason) {
                    (None, Some(_)) => changed += 1,
                    (None, None) => disagreements.push(format!("{shell}: MISSED {command:?} (input {payload:?})")),
                    (Some(_), None) => {}
                    (Some(_), Some(reason)) if invisible_to_the_oracle(reason, payload) => policy_flags += 1,
                    (Some(word), Some(reason)) => disagreements.push(format!(
                        "{shell}: FALSE POSITIVE {reason} on {command:?} (input {payload:?}, shell read one word {word:?})"
                    )),
                }
            }
        }
    }
    eprintln!(
        "real shells {shells:?}: {runs} runs, {changed} structure changes caught, {policy_flags} policy flags, {} disagreements",
        disagreements.len()
    );
    assert!(disagreements.is_empty(), "{} disagreements:\n{}", disagreements.len(), disagreements.join("\n"));
}
