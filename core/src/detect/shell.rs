//! Shell command injection: does an input's occurrence in a `sh -c` string add structure?
//!
//! The rules, with the reasons for each, are in `docs/detection/shell.md`. In short: an
//! occurrence is safe when it is confined to one word in an inert context (inside single
//! quotes, inside double quotes without `$`, backticks or a dangling `\`, or plain unquoted
//! word text) and is neither the command name nor a new option; anything else is an attack.
//!
//! Every occurrence is judged by a sliding window over the token stream: one lexer (the
//! *tail*) stops at the token holding the occurrence's first byte, another (the *head*)
//! has consumed every token starting before its end and remembers the latest token of
//! each structural kind. Occurrences come in increasing order and have the same length,
//! so both lexers only move forward: the whole check is linear in the command's length
//! however many (overlapping) occurrences there are.

use crate::lex::shell::{
    is_word_terminator, ShellLexer, ShellToken, ShellTokenKind, FLAG_COMMAND, FLAG_END_OF_OPTIONS, FLAG_IN_BACKTICKS,
    FLAG_IN_DOUBLE_QUOTES, FLAG_REDIRECT_TARGET, FLAG_VALUE_BEFORE,
};
use crate::request::Structural;
use crate::verdict::{Reason, Span};

/// Inputs shorter than this are not judged (see the docs: one byte alone can at most
/// break the syntax, and coincidences of single bytes are everywhere).
pub(crate) const MIN_INPUT_LEN: usize = 2;

/// Finds the first occurrence of the input in `command` that adds structure.
pub(crate) fn find_injection(command: &[u8], input: &Structural<'_>) -> Option<(Span, Reason)> {
    let value = input.input.value;
    if value.len() < MIN_INPUT_LEN || value.len() > command.len() {
        return None;
    }
    let mut occurrences = input.occurrences(command).peekable();
    occurrences.peek()?;
    let facts = InputFacts::of(value);
    if facts.word_only {
        return scan_word_only(command, value.len(), occurrences);
    }
    scan(command, &facts, occurrences)
}

/// What the judgement needs to know about the input's own bytes.
#[derive(Debug)]
struct InputFacts {
    len: usize,
    /// Only `[A-Za-z0-9_]`: can only matter as (part of) a command name.
    word_only: bool,
    /// Contains a `'`: ends a `$'..'` string in shells without ANSI-C quoting.
    has_single_quote: bool,
    /// Ends with an odd run of backslashes: escapes the byte after it.
    ends_with_backslash: bool,
    /// `{` followed by `,` or `..`: a brace expansion when unquoted.
    brace_expansion: bool,
}

impl InputFacts {
    fn of(value: &[u8]) -> InputFacts {
        let trailing_backslashes = value.iter().rev().take_while(|&&c| c == b'\\').count();
        let brace_expansion = value.iter().position(|&c| c == b'{').is_some_and(|open| {
            let rest = &value[open + 1..];
            rest.contains(&b',') || rest.windows(2).any(|w| w == b"..")
        });
        InputFacts {
            len: value.len(),
            word_only: value.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'_'),
            has_single_quote: value.contains(&b'\''),
            ends_with_backslash: trailing_backslashes % 2 == 1,
            brace_expansion,
        }
    }
}

/// A lexer that stops at the token holding a given offset.
struct Tail<'a> {
    lexer: ShellLexer<'a>,
    current: Option<ShellToken>,
}

impl<'a> Tail<'a> {
    fn new(command: &'a [u8]) -> Tail<'a> {
        Tail { lexer: ShellLexer::new(command), current: None }
    }

    /// The token containing `offset`; offsets must not decrease between calls.
    fn token_at(&mut self, offset: usize) -> Option<ShellToken> {
        loop {
            match self.current {
                Some(t) if t.end > offset => return Some(t),
                _ => self.current = Some(self.lexer.next()?),
            }
        }
    }
}

/// A lexer that has consumed every token starting before the window's end, remembering
/// the latest token of each kind the judgement asks about.
struct Head<'a> {
    command: &'a [u8],
    lexer: ShellLexer<'a>,
    pending: Option<ShellToken>,
    /// The last token consumed: it holds the window's last byte.
    last: Option<ShellToken>,
    /// End of the latest structural part (a whole token, or a comment's `#`), and why.
    structure: Option<(usize, Reason)>,
    /// End of the latest `"` delimiter.
    double_quote_end: usize,
    /// End of the latest unquoted `{` or `}`.
    brace_end: usize,
    /// The latest two blanks that separate two words.
    separating_blanks: [Option<(usize, usize)>; 2],
    /// The offsets of the latest two `-` that start an argument.
    option_starts: [Option<usize>; 2],
}

impl<'a> Head<'a> {
    fn new(command: &'a [u8]) -> Head<'a> {
        Head {
            command,
            lexer: ShellLexer::new(command),
            pending: None,
            last: None,
            structure: None,
            double_quote_end: 0,
            brace_end: 0,
            separating_blanks: [None; 2],
            option_starts: [None; 2],
        }
    }

    fn advance_to(&mut self, end: usize) {
        loop {
            let token = match self.pending.take() {
                Some(t) => t,
                None => match self.lexer.next() {
                    Some(t) => t,
                    None => return,
                },
            };
            if token.start >= end {
                self.pending = Some(token);
                return;
            }
            self.consume(token);
        }
    }

    fn consume(&mut self, t: ShellToken) {
        use ShellTokenKind::*;
        let structural = match t.kind {
            Newline | HeredocEnd => Some((t.end, Reason::ShellNewline)),
            Operator | Keyword => Some((t.end, Reason::ShellOperator)),
            Redirect => Some((t.end, Reason::ShellRedirection)),
            Comment => Some((t.start + 1, Reason::ShellComment)),
            SubstitutionOpen | SubstitutionClose | Variable | ParameterText | ArithmeticText => {
                Some((t.end, Reason::ShellSubstitution))
            }
            // Inside backticks the shell removes these backslashes before it reads the
            // text again: `\`` opens a nested substitution, `\"` is a live quote.
            Escape if t.has(FLAG_IN_BACKTICKS) => match self.command.get(t.content_start) {
                Some(b'`' | b'$') => Some((t.end, Reason::ShellSubstitution)),
                Some(b'"' | b'\\') => Some((t.end, Reason::ShellQuoteEscape)),
                _ => None,
            },
            Glob | Tilde => Some((t.end, Reason::ShellGlob)),
            AssignName => Some((t.end, Reason::ShellCommand)),
            Unknown => Some((t.end, Reason::ShellUnknownToken)),
            _ => None,
        };
        if structural.is_some() {
            self.structure = structural;
        }
        match t.kind {
            DoubleQuoteOpen | DoubleQuoteClose => self.double_quote_end = t.end,
            Brace => self.brace_end = t.end,
            Blank if self.separates_words(&t) => {
                self.separating_blanks = [Some((t.start, t.end)), self.separating_blanks[0]];
            }
            _ => {}
        }
        if let Some(at) = self.option_start(&t) {
            self.option_starts = [Some(at), self.option_starts[0]];
        }
        self.last = Some(t);
    }

    /// A blank separates two words when a word piece ends before it and one starts after.
    fn separates_words(&self, blank: &ShellToken) -> bool {
        use ShellTokenKind::*;
        let after_word = self.last.is_some_and(|prev| {
            matches!(
                prev.kind,
                Word | AssignName
                    | Escape
                    | SingleQuoted
                    | DollarSingleQuoted
                    | DoubleQuoteClose
                    | Variable
                    | SubstitutionClose
                    | Glob
                    | Tilde
                    | Brace
            )
        });
        let before_word = match self.command.get(blank.end) {
            None => false,
            Some(b'#') => false,
            Some(b'`') => !blank.has(FLAG_IN_BACKTICKS),
            Some(&c) => !is_word_terminator(c),
        };
        after_word && before_word
    }

    /// The offset of the `-` when `t` starts the value of an argument with one.
    fn option_start(&self, t: &ShellToken) -> Option<usize> {
        use ShellTokenKind::*;
        let excluded = FLAG_VALUE_BEFORE | FLAG_COMMAND | FLAG_REDIRECT_TARGET | FLAG_END_OF_OPTIONS;
        if t.flags & excluded != 0 {
            return None;
        }
        let at = match t.kind {
            Word => t.start,
            Escape | SingleQuoted | DollarSingleQuoted | DoubleQuotedText => t.content_start,
            _ => return None,
        };
        (at < t.end && self.command.get(at) == Some(&b'-')).then_some(at)
    }
}

/// Judges every occurrence (in increasing order) with the sliding window.
fn scan(command: &[u8], facts: &InputFacts, occurrences: impl Iterator<Item = usize>) -> Option<(Span, Reason)> {
    let mut tail = Tail::new(command);
    let mut head = Head::new(command);
    for start in occurrences {
        let end = start + facts.len;
        let first = tail.token_at(start)?;
        head.advance_to(end);
        let last = head.last?;
        if let Some(reason) = judge(command, facts, &head, first, last, start, end) {
            return Some((Span { start, end }, reason));
        }
    }
    None
}

fn judge(
    command: &[u8],
    facts: &InputFacts,
    head: &Head<'_>,
    first: ShellToken,
    last: ShellToken,
    start: usize,
    end: usize,
) -> Option<Reason> {
    use ShellTokenKind::*;
    // Single-quoted strings are one token: only the window's first and last tokens can
    // be cut, and a cut one must hold the whole window inside its content.
    let single = |t: &ShellToken| matches!(t.kind, SingleQuoted | DollarSingleQuoted);
    if single(&first) && first.start < start {
        let inside = first.content_start <= start && end <= first.content_end;
        if !inside {
            return Some(Reason::ShellQuoteEscape);
        }
        // `$'..'` ends at a `'` in shells without ANSI-C quoting, and a trailing `\`
        // turns the closing quote into content in the ones with it.
        if first.kind == DollarSingleQuoted && (facts.has_single_quote || facts.ends_with_backslash) {
            return Some(Reason::ShellQuoteEscape);
        }
    }
    if single(&last) && last.start >= start && last.end > end {
        return Some(Reason::ShellQuoteEscape);
    }
    // Double quotes: a `"` in the window must open a string the window also closes.
    if head.double_quote_end > start {
        let starts_inside = first.has(FLAG_IN_DOUBLE_QUOTES);
        let ends_inside =
            last.kind == DoubleQuoteOpen || (last.has(FLAG_IN_DOUBLE_QUOTES) && last.kind != DoubleQuoteClose);
        if starts_inside || ends_inside {
            return Some(Reason::ShellQuoteEscape);
        }
    }
    // A backslash at the window's end quotes the command's next byte.
    if last.kind == Escape && last.end > end {
        return Some(Reason::ShellQuoteEscape);
    }
    if let Some((structure_end, reason)) = head.structure {
        if structure_end > start {
            return Some(reason);
        }
    }
    let blank = match head.separating_blanks {
        [Some(latest), _] if latest.1 <= end => Some(latest),
        [_, earlier] => earlier,
    };
    if blank.is_some_and(|(blank_start, _)| blank_start >= start) {
        return Some(Reason::ShellWordSplit);
    }
    if facts.brace_expansion && head.brace_end > start {
        return Some(Reason::ShellGlob);
    }
    if first.has(FLAG_COMMAND) || last.has(FLAG_COMMAND) {
        let starts_word = !first.has(FLAG_COMMAND) || starts_component(command, start);
        if starts_word || ends_component(command, end) {
            return Some(Reason::ShellCommand);
        }
    }
    let option = match head.option_starts {
        [Some(latest), _] if latest + 1 < end => Some(latest),
        [_, earlier] => earlier,
    };
    if let Some(at) = option {
        if at >= start && at + 1 < end && !is_harmless_dash_word(command, at, end) {
            return Some(Reason::ShellOption);
        }
    }
    None
}

/// The occurrence starts a command word or one of its path components.
fn starts_component(command: &[u8], start: usize) -> bool {
    start == 0
        || matches!(
            command[start - 1],
            b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b'(' | b'`' | b'"' | b'\'' | b'/' | b'\\'
        )
}

/// The occurrence ends a command word (or a path component of it).
fn ends_component(command: &[u8], end: usize) -> bool {
    match command.get(end) {
        None => true,
        Some(&c) => is_word_terminator(c) || matches!(c, b'`' | b'"' | b'\'' | b'/'),
    }
}

/// `-5`, `-1.25` (negative numbers) and a lone `--` are not option injections.
fn is_harmless_dash_word(command: &[u8], at: usize, end: usize) -> bool {
    let rest = &command[at + 1..end];
    let quotes = |c: &u8| matches!(c, b'"' | b'\'');
    let number = rest.first().is_some_and(u8::is_ascii_digit)
        && rest.iter().all(|c| c.is_ascii_digit() || matches!(c, b'.' | b',') || quotes(c));
    let double_dash = rest == b"-" && command.get(end).is_none_or(|&c| is_word_terminator(c));
    number || double_dash
}

/// Word-only inputs cannot add structure, but they can name the whole command:
/// `whoami`, `/usr/bin/whoami` from `cmd=whoami`.
fn scan_word_only(command: &[u8], len: usize, occurrences: impl Iterator<Item = usize>) -> Option<(Span, Reason)> {
    let mut tail: Option<Tail<'_>> = None;
    for start in occurrences {
        let end = start + len;
        // Most occurrences of a word are inside longer words: decide that from the bytes.
        if !starts_component(command, start) || !ends_component(command, end) || command.get(end) == Some(&b'/') {
            continue;
        }
        let token = tail.get_or_insert_with(|| Tail::new(command)).token_at(start)?;
        let text = matches!(
            token.kind,
            ShellTokenKind::Word | ShellTokenKind::DoubleQuotedText | ShellTokenKind::SingleQuoted
        );
        if text && token.has(FLAG_COMMAND) && end <= token.end {
            return Some((Span { start, end }, Reason::ShellCommand));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::{Request, Source};

    fn verdict(command: &str, value: &str) -> Option<Reason> {
        let mut request = Request::new();
        request.add_input(Source::Query, b"q", value.as_bytes());
        let input = request.all_inputs(MIN_INPUT_LEN).next().expect("one input");
        let found = find_injection(command.as_bytes(), &input);
        if let Some((span, _)) = found {
            assert_eq!(&command.as_bytes()[span.start..span.end], value.as_bytes());
        }
        found.map(|(_, reason)| reason)
    }

    #[test]
    fn quoted_inputs_are_data() {
        assert_eq!(verdict("grep -r -- 'a; b | c $(d) `e`' /srv", "a; b | c $(d) `e`"), None);
        assert_eq!(verdict("echo \"hello world; it's me\"", "hello world; it's me"), None);
        assert_eq!(verdict("convert in.png -resize 50% out.png", "out.png"), None);
        assert_eq!(verdict("ping -c 1 example.com", "example.com"), None);
        assert_eq!(verdict("git log --author='Anne-Marie' -n 5", "Anne-Marie"), None);
    }

    #[test]
    fn structure_is_an_attack() {
        use Reason::*;
        assert_eq!(verdict("ping -c 1 127.0.0.1; cat /etc/passwd", "127.0.0.1; cat /etc/passwd"), Some(ShellOperator));
        assert_eq!(verdict("ping -c 1 $(id)", "$(id)"), Some(ShellSubstitution));
        assert_eq!(verdict("echo \"$(id)\"", "$(id)"), Some(ShellSubstitution));
        assert_eq!(verdict("echo 'x'; id; echo ''", "x'; id; echo '"), Some(ShellQuoteEscape));
        assert_eq!(verdict("echo \"x\\\" y\"", "x\\"), Some(ShellQuoteEscape));
        assert_eq!(verdict("cat a b", "a b"), Some(ShellWordSplit));
        assert_eq!(verdict("rm -f /uploads/*", "/uploads/*"), Some(ShellGlob));
        assert_eq!(
            verdict("tar cf x.tar --checkpoint-action=exec=sh", "--checkpoint-action=exec=sh"),
            Some(ShellOption)
        );
        assert_eq!(verdict("ls\nid", "ls\nid"), Some(ShellNewline));
        assert_eq!(verdict("cat x >/tmp/y", "x >/tmp/y"), Some(ShellRedirection));
        assert_eq!(verdict("whoami --all", "whoami"), Some(ShellCommand));
        assert_eq!(verdict("/usr/bin/whoami", "whoami"), Some(ShellCommand));
        assert_eq!(verdict("ls x #-la", "x #-la"), Some(ShellComment));
    }

    #[test]
    fn hard_cases() {
        assert_eq!(verdict("convert -rotate -90 a.png", "-90"), None, "negative number");
        assert_eq!(verdict("convert a.png", "on"), None, "word-only inside a command name");
        assert_eq!(verdict("rm -- -rf", "-rf"), None, "after --");
        assert_eq!(verdict("echo \"-n\"", "-n"), Some(Reason::ShellOption), "quotes do not stop options");
        assert_eq!(verdict("printf '%s' '{a,b}'", "{a,b}"), None);
        assert_eq!(verdict("echo {a,b}", "{a,b}"), Some(Reason::ShellGlob));
        assert_eq!(verdict("echo x\\;y", ";y"), None, "escaped by the application");
        assert_eq!(verdict("ls  foo", " foo"), None, "leading blank after the application's blank");
    }
}
