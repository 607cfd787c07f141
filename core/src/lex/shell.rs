//! A total, allocation-free, linear-time lexer for POSIX `sh` command strings (the string
//! `sh -c` runs), with the bash extensions that `/bin/sh` is on many systems.
//!
//! *Total* means every byte belongs to exactly one token and the tokens tile the input in
//! order; nothing is ever "unparseable". Unterminated quotes and substitutions run to the
//! end of the input; a NUL byte (which cuts the C string a shell receives) is an
//! [`ShellTokenKind::Unknown`] token; nesting deeper than [`MAX_DEPTH`] makes the rest of
//! the input one `Unknown` token. A detector can therefore never be told "cannot parse".
//!
//! The lexer follows quoting and nesting: `'..'`, `$'..'`, `".."` (where `$`, backticks and
//! `\` stay live), `$(..)`, backticks, `${..}`, `$((..))`, `<(..)`, here-documents, comments
//! at word starts, and it knows which word of a simple command is the command name, which
//! words are redirection targets and where `--` ends the options. Where shells disagree,
//! it takes the reading that exposes more structure (see `docs/detection/shell.md`).

/// Nesting deeper than this (quotes inside substitutions inside quotes ...) turns the rest
/// of the input into one `Unknown` token.
pub const MAX_DEPTH: usize = 24;

/// Here-documents pending on one line beyond this many are not tracked: their bodies are
/// lexed as commands (more structure, never less).
const MAX_HEREDOCS: usize = 8;

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ShellTokenKind {
    /// Spaces and tabs between words.
    Blank,
    /// A newline outside quotes: ends a command.
    Newline,
    /// `# ...` to the end of the line (content: after the `#`).
    Comment,
    /// Unquoted literal word bytes.
    Word,
    /// `NAME=` at the start of a word in command position (an assignment).
    AssignName,
    /// A reserved word in command position (`if`, `then`, `do`, `{`, `!`, ...).
    Keyword,
    /// `\x`: a backslash and the byte it quotes (content: the quoted byte).
    Escape,
    /// `'..'` (content: between the quotes).
    SingleQuoted,
    /// `$'..'`, with backslash escapes (content: between the quotes).
    DollarSingleQuoted,
    /// The `"` (or `$"`) opening a double-quoted string.
    DoubleQuoteOpen,
    /// Literal text inside double quotes.
    DoubleQuotedText,
    /// The `"` closing a double-quoted string.
    DoubleQuoteClose,
    /// `$name`, `$1`, `$@`, `$?`, ...
    Variable,
    /// `$(`, `` ` `` (opening), `${`, `$((`, `<(`, `>(`.
    SubstitutionOpen,
    /// `)`, `` ` `` (closing), `}`, `))` closing a substitution.
    SubstitutionClose,
    /// Text inside `${..}` (operators and words of a parameter expansion).
    ParameterText,
    /// Text inside `$((..))`.
    ArithmeticText,
    /// An unquoted `*`, `?` or `[` (pathname expansion).
    Glob,
    /// An unquoted `~` at the start of a word.
    Tilde,
    /// An unquoted `{` or `}` (brace expansion, grouping).
    Brace,
    /// `;`, `&`, `|`, `&&`, `||`, `;;`, `(`, `)`, `|&`, ...
    Operator,
    /// `<`, `>`, `>>`, `<<`, `<<-`, `<<<`, `<>`, `>|`, `>&`, `<&`, `&>`, with a leading fd number.
    Redirect,
    /// Body text of a here-document (content: the text).
    HeredocText,
    /// The line that ends a here-document.
    HeredocEnd,
    /// A NUL byte, or the rest of the input once nesting is too deep.
    Unknown,
}

impl ShellTokenKind {
    /// True for tokens that are part of a word (its value or its quotes).
    pub fn is_word_piece(self) -> bool {
        use ShellTokenKind::*;
        matches!(
            self,
            Word | AssignName
                | Escape
                | SingleQuoted
                | DollarSingleQuoted
                | DoubleQuoteOpen
                | DoubleQuotedText
                | DoubleQuoteClose
                | Variable
                | SubstitutionOpen
                | SubstitutionClose
                | Glob
                | Tilde
                | Brace
        )
    }
}

/// The token belongs to the command-name word of a simple command.
pub const FLAG_COMMAND: u8 = 1;
/// The token's word already has value bytes before this token.
pub const FLAG_VALUE_BEFORE: u8 = 2;
/// The token belongs to a redirection target (or here-document delimiter).
pub const FLAG_REDIRECT_TARGET: u8 = 4;
/// An argument `--` came earlier in this simple command: later words are not options.
pub const FLAG_END_OF_OPTIONS: u8 = 8;
/// The token is inside double quotes.
pub const FLAG_IN_DOUBLE_QUOTES: u8 = 16;
/// The token is inside backticks (where `` \` `` opens a nested substitution).
pub const FLAG_IN_BACKTICKS: u8 = 32;

/// One token: kind, span, content span (between delimiters; the whole token otherwise)
/// and `FLAG_*` bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShellToken {
    pub kind: ShellTokenKind,
    pub start: usize,
    pub end: usize,
    pub content_start: usize,
    pub content_end: usize,
    pub flags: u8,
}

impl ShellToken {
    /// True when `flag` (a `FLAG_*` constant) is set.
    pub fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FrameKind {
    /// `$(..)`: commands; `parens` counts unclosed `(` inside.
    Subst,
    /// `` `..` ``: commands.
    Backtick,
    /// `<(..)` / `>(..)`: commands.
    ProcSubst,
    /// `".."`.
    DoubleQuotes,
    /// `${..}`.
    Param,
    /// `$((..))`.
    Arith,
    /// The body of the here-document at index `heredoc`.
    Heredoc,
}

/// Where the lexer is inside the current simple command.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct CommandState {
    /// The next word starts a command (after an operator, newline, keyword or assignment).
    expect_command: bool,
    /// Inside a word.
    in_word: bool,
    /// The current word has value bytes already.
    word_value: bool,
    /// The current word is the command name.
    word_command: bool,
    /// The current word is a redirection target.
    word_target: bool,
    /// The current word is a here-document delimiter.
    word_heredoc: bool,
    /// The next word is a redirection target.
    after_redirect: bool,
    /// The next word is a here-document delimiter (`<<` seen); `heredoc_strip` for `<<-`.
    heredoc_next: bool,
    heredoc_strip: bool,
    /// The current here-document delimiter word has quotes or backslashes.
    heredoc_quoted: bool,
    /// `--` seen as an argument of this simple command.
    end_of_options: bool,
    /// Where the current word started.
    word_start: usize,
}

impl CommandState {
    fn new_command() -> CommandState {
        CommandState { expect_command: true, ..CommandState::default() }
    }
}

#[derive(Clone, Copy, Debug)]
struct Frame {
    kind: FrameKind,
    parens: u32,
    saved: CommandState,
    heredoc: u8,
}

#[derive(Clone, Copy, Debug, Default)]
struct Heredoc {
    delim_start: usize,
    delim_end: usize,
    strip_tabs: bool,
    quoted: bool,
}

/// A streaming lexer: an iterator of [`ShellToken`]s.
#[derive(Clone, Debug)]
pub struct ShellLexer<'a> {
    input: &'a [u8],
    pos: usize,
    frames: [Frame; MAX_DEPTH],
    depth: usize,
    cmd: CommandState,
    heredocs: [Heredoc; MAX_HEREDOCS],
    pending_heredocs: usize,
    /// Nesting overflowed: the rest of the input is one `Unknown` token.
    overflow: bool,
    /// Open backtick frames.
    backticks: usize,
}

const EMPTY_FRAME: Frame = Frame { kind: FrameKind::Subst, parens: 0, saved: CommandState::new_const(), heredoc: 0 };

impl CommandState {
    const fn new_const() -> CommandState {
        CommandState {
            expect_command: true,
            in_word: false,
            word_value: false,
            word_command: false,
            word_target: false,
            word_heredoc: false,
            after_redirect: false,
            heredoc_next: false,
            heredoc_strip: false,
            heredoc_quoted: false,
            end_of_options: false,
            word_start: 0,
        }
    }
}

const RESERVED_WORDS: [&[u8]; 20] = [
    b"if",
    b"then",
    b"else",
    b"elif",
    b"fi",
    b"do",
    b"done",
    b"case",
    b"esac",
    b"while",
    b"until",
    b"for",
    b"in",
    b"{",
    b"}",
    b"!",
    b"[[",
    b"]]",
    b"function",
    b"select",
];

impl<'a> ShellLexer<'a> {
    /// A lexer over the command string `input`.
    pub fn new(input: &'a [u8]) -> ShellLexer<'a> {
        ShellLexer {
            input,
            pos: 0,
            frames: [EMPTY_FRAME; MAX_DEPTH],
            depth: 0,
            cmd: CommandState::new_command(),
            heredocs: [Heredoc::default(); MAX_HEREDOCS],
            pending_heredocs: 0,
            overflow: false,
            backticks: 0,
        }
    }

    /// The bytes being lexed.
    pub fn input(&self) -> &'a [u8] {
        self.input
    }

    fn peek(&self, offset: usize) -> Option<u8> {
        self.input.get(self.pos + offset).copied()
    }

    fn frame(&self) -> Option<&Frame> {
        self.depth.checked_sub(1).map(|i| &self.frames[i])
    }

    fn frame_kind(&self) -> Option<FrameKind> {
        self.frame().map(|f| f.kind)
    }

    fn context_flags(&self) -> u8 {
        let mut flags = 0;
        if self.frame_kind() == Some(FrameKind::DoubleQuotes) {
            flags |= FLAG_IN_DOUBLE_QUOTES;
        }
        if self.backticks > 0 {
            flags |= FLAG_IN_BACKTICKS;
        }
        flags
    }

    /// Pushes a frame; on overflow the rest of the input becomes `Unknown`.
    fn push(&mut self, kind: FrameKind, heredoc: u8) {
        if self.depth == MAX_DEPTH {
            self.overflow = true;
            return;
        }
        self.frames[self.depth] = Frame { kind, parens: 0, saved: self.cmd, heredoc };
        self.depth += 1;
        if kind == FrameKind::Backtick {
            self.backticks += 1;
        }
        if matches!(kind, FrameKind::Subst | FrameKind::Backtick | FrameKind::ProcSubst) {
            self.cmd = CommandState::new_command();
        }
    }

    /// Pops the current frame; command frames restore the enclosing word's state.
    fn pop(&mut self) {
        let Some(frame) = self.depth.checked_sub(1).map(|i| self.frames[i]) else {
            return;
        };
        self.depth -= 1;
        if frame.kind == FrameKind::Backtick {
            self.backticks -= 1;
        }
        if matches!(frame.kind, FrameKind::Subst | FrameKind::Backtick | FrameKind::ProcSubst) {
            self.cmd = frame.saved;
        }
    }

    fn plain(&mut self, kind: ShellTokenKind, len: usize, flags: u8) -> ShellToken {
        let start = self.pos;
        self.pos = (start + len.max(1)).min(self.input.len());
        ShellToken { kind, start, end: self.pos, content_start: start, content_end: self.pos, flags }
    }

    /// Ends the current word (at a blank, newline, operator or redirection).
    fn end_word(&mut self) {
        if !self.cmd.in_word {
            return;
        }
        self.cmd.in_word = false;
        if self.cmd.word_target {
            if self.cmd.word_heredoc && self.pending_heredocs < MAX_HEREDOCS {
                self.heredocs[self.pending_heredocs] = Heredoc {
                    delim_start: self.cmd.word_start,
                    delim_end: self.pos,
                    strip_tabs: self.cmd.heredoc_strip,
                    quoted: self.cmd.heredoc_quoted,
                };
                self.pending_heredocs += 1;
            }
            self.cmd.word_heredoc = false;
            self.cmd.heredoc_quoted = false;
        }
    }

    /// Starts a word if none is open; returns the flags of a piece at the current position.
    fn begin_piece(&mut self) -> u8 {
        if !self.cmd.in_word {
            let target = self.cmd.after_redirect;
            self.cmd.in_word = true;
            self.cmd.word_value = false;
            self.cmd.word_start = self.pos;
            self.cmd.word_target = target;
            self.cmd.word_heredoc = target && self.cmd.heredoc_next;
            self.cmd.word_command = self.cmd.expect_command && !target;
            if target {
                self.cmd.after_redirect = false;
                self.cmd.heredoc_next = false;
            } else {
                self.cmd.expect_command = false;
            }
        }
        let mut flags = self.context_flags();
        if self.cmd.word_command {
            flags |= FLAG_COMMAND;
        }
        if self.cmd.word_value {
            flags |= FLAG_VALUE_BEFORE;
        }
        if self.cmd.word_target {
            flags |= FLAG_REDIRECT_TARGET;
        }
        if self.cmd.end_of_options {
            flags |= FLAG_END_OF_OPTIONS;
        }
        flags
    }

    /// Emits a word piece of `len` bytes; `value` says whether it gives the word value bytes.
    fn piece(&mut self, kind: ShellTokenKind, len: usize, value: bool) -> ShellToken {
        let flags = self.begin_piece();
        let quoting =
            matches!(kind, ShellTokenKind::Escape | ShellTokenKind::SingleQuoted | ShellTokenKind::DoubleQuoteOpen);
        if self.cmd.word_heredoc && quoting {
            self.cmd.heredoc_quoted = true;
        }
        let token = self.plain(kind, len, flags);
        if value {
            self.cmd.word_value = true;
        }
        token
    }

    /// A new command starts after this token (operator, newline, opening keyword).
    fn command_boundary(&mut self) {
        self.cmd.expect_command = true;
        self.cmd.end_of_options = false;
        self.cmd.after_redirect = false;
        self.cmd.heredoc_next = false;
    }

    fn lex_token(&mut self) -> ShellToken {
        if self.overflow {
            let len = self.input.len() - self.pos;
            return self.plain(ShellTokenKind::Unknown, len, 0);
        }
        if self.input[self.pos] == 0 {
            return self.plain(ShellTokenKind::Unknown, 1, self.context_flags());
        }
        match self.frame_kind() {
            None | Some(FrameKind::Subst | FrameKind::Backtick | FrameKind::ProcSubst) => self.lex_command(),
            Some(FrameKind::DoubleQuotes) => self.lex_double_quoted(),
            Some(FrameKind::Param) => self.lex_param(),
            Some(FrameKind::Arith) => self.lex_arith(),
            Some(FrameKind::Heredoc) => self.lex_heredoc(),
        }
    }

    fn lex_command(&mut self) -> ShellToken {
        use ShellTokenKind::*;
        let b = self.input[self.pos];
        let next = self.peek(1);
        match b {
            b' ' | b'\t' => {
                self.end_word();
                let len = self.count_while(0, |c| c == b' ' || c == b'\t');
                self.plain(Blank, len, 0)
            }
            b'\n' => {
                self.end_word();
                self.command_boundary();
                let token = self.plain(Newline, 1, self.context_flags());
                self.start_heredoc_bodies();
                token
            }
            b'#' if !self.cmd.in_word => {
                // Inside backticks the substitution's text ends at the closing backtick first.
                let backticks = self.frame_kind() == Some(FrameKind::Backtick);
                let len = self.count_while(0, |c| c != b'\n' && c != 0 && !(backticks && c == b'`'));
                let mut token = self.plain(Comment, len, self.context_flags());
                token.content_start = token.start + 1;
                token
            }
            b'\'' => self.single_quoted(),
            b'"' => {
                let token = self.piece(DoubleQuoteOpen, 1, false);
                self.push(FrameKind::DoubleQuotes, 0);
                token
            }
            b'`' if self.frame_kind() == Some(FrameKind::Backtick) => self.close_substitution(1),
            b'`' => self.open_substitution(1, FrameKind::Backtick),
            b'\\' => self.escape(),
            b'$' => self.dollar(false),
            b';' => {
                self.end_word();
                self.command_boundary();
                let len = if next == Some(b';') {
                    if self.peek(2) == Some(b'&') {
                        3
                    } else {
                        2
                    }
                } else if next == Some(b'&') {
                    2
                } else {
                    1
                };
                self.plain(Operator, len, self.context_flags())
            }
            b'&' if next == Some(b'>') => self.redirect(),
            b'&' | b'|' => {
                self.end_word();
                self.command_boundary();
                let len = if next == Some(b) || (b == b'|' && next == Some(b'&')) { 2 } else { 1 };
                self.plain(Operator, len, self.context_flags())
            }
            b'(' => {
                self.end_word();
                self.command_boundary();
                if let Some(frame) = self.depth.checked_sub(1).map(|i| &mut self.frames[i]) {
                    if matches!(frame.kind, FrameKind::Subst | FrameKind::ProcSubst) {
                        frame.parens += 1;
                    }
                }
                self.plain(Operator, 1, self.context_flags())
            }
            b')' => {
                let closes = match self.frame() {
                    Some(f) if matches!(f.kind, FrameKind::Subst | FrameKind::ProcSubst) => f.parens == 0,
                    _ => false,
                };
                if closes {
                    return self.close_substitution(1);
                }
                if let Some(frame) = self.depth.checked_sub(1).map(|i| &mut self.frames[i]) {
                    frame.parens = frame.parens.saturating_sub(1);
                }
                self.end_word();
                // `)` ends a case pattern or a subshell; a command may follow either.
                self.command_boundary();
                self.plain(Operator, 1, self.context_flags())
            }
            b'<' | b'>' if next == Some(b'(') => self.open_substitution(2, FrameKind::ProcSubst),
            b'<' | b'>' => self.redirect(),
            b'0'..=b'9' if !self.cmd.in_word && self.fd_redirect_len().is_some() => self.redirect(),
            b'*' | b'?' => self.piece(Glob, 1, true),
            b'[' if self.cmd.expect_command && !self.cmd.in_word => self.word(),
            b'[' => self.piece(Glob, 1, true),
            b'~' if !self.cmd.in_word => self.piece(Tilde, 1, true),
            b'{' | b'}' if !self.cmd.in_word && self.cmd.expect_command && self.ends_word_at(1) => self.keyword(1),
            b'{' | b'}' => self.piece(Brace, 1, true),
            _ => self.word(),
        }
    }

    fn count_while(&self, from: usize, pred: impl Fn(u8) -> bool) -> usize {
        self.input.get(self.pos + from..).map_or(0, |rest| rest.iter().take_while(|&&c| pred(c)).count())
    }

    /// True when a word ending `len` bytes from here would end there (blank, operator, end).
    fn ends_word_at(&self, len: usize) -> bool {
        match self.peek(len) {
            None => true,
            Some(c) => is_word_terminator(c) || (c == b'`' && self.frame_kind() == Some(FrameKind::Backtick)),
        }
    }

    /// `2>`, `10>>`: the length of the digits when a redirection operator follows them.
    fn fd_redirect_len(&self) -> Option<usize> {
        let digits = self.count_while(0, |c| c.is_ascii_digit());
        matches!(self.peek(digits), Some(b'<' | b'>')).then_some(digits)
    }

    fn redirect(&mut self) -> ShellToken {
        self.end_word();
        let digits = if self.input[self.pos].is_ascii_digit() { self.fd_redirect_len().unwrap_or(0) } else { 0 };
        let rest = &self.input[self.pos + digits..];
        const OPERATORS: [&[u8]; 13] =
            [b"<<<", b"<<-", b"&>>", b"<<", b">>", b"<>", b"<&", b">&", b">|", b"&>", b"<", b">", b"&"];
        let op = OPERATORS.iter().find(|op| rest.starts_with(op)).map_or(1, |op| op.len());
        if rest.starts_with(b"<<") && !rest.starts_with(b"<<<") {
            self.cmd.heredoc_next = true;
            self.cmd.heredoc_strip = rest.starts_with(b"<<-");
        }
        self.cmd.after_redirect = true;
        self.plain(ShellTokenKind::Redirect, digits + op, self.context_flags())
    }

    fn open_substitution(&mut self, len: usize, kind: FrameKind) -> ShellToken {
        let token = self.piece(ShellTokenKind::SubstitutionOpen, len, true);
        self.push(kind, 0);
        token
    }

    fn close_substitution(&mut self, len: usize) -> ShellToken {
        self.end_word();
        self.pop();
        let flags = self.begin_piece();
        self.plain(ShellTokenKind::SubstitutionClose, len, flags)
    }

    fn escape(&mut self) -> ShellToken {
        let len = if self.pos + 1 < self.input.len() { 2 } else { 1 };
        let mut token = self.piece(ShellTokenKind::Escape, len, true);
        token.content_start = token.start + 1;
        token
    }

    fn single_quoted(&mut self) -> ShellToken {
        let content_start = self.pos + 1;
        let close = self.input[content_start.min(self.input.len())..].iter().position(|&c| c == b'\'' || c == 0);
        let (content_end, end) = match close {
            Some(i) if self.input[content_start + i] == b'\'' => (content_start + i, content_start + i + 1),
            Some(i) => (content_start + i, content_start + i),
            None => (self.input.len(), self.input.len()),
        };
        let content_end = content_end.max(content_start.min(self.input.len()));
        let mut token = self.piece(ShellTokenKind::SingleQuoted, end - self.pos, content_end > content_start);
        token.content_start = content_start.min(token.end);
        token.content_end = content_end.min(token.end);
        token
    }

    fn dollar_single_quoted(&mut self) -> ShellToken {
        let content_start = self.pos + 2;
        let mut i = content_start;
        let (content_end, end) = loop {
            match self.input.get(i) {
                None => break (self.input.len(), self.input.len()),
                Some(0) => break (i, i),
                Some(b'\\') if i + 1 < self.input.len() && self.input[i + 1] != 0 => i += 2,
                Some(b'\'') => break (i, i + 1),
                Some(_) => i += 1,
            }
        };
        let mut token = self.piece(ShellTokenKind::DollarSingleQuoted, end - self.pos, content_end > content_start);
        token.content_start = content_start.min(token.end);
        token.content_end = content_end.clamp(token.content_start, token.end);
        token
    }

    /// `$` in a command context or (with `quoted`) inside double quotes or a here-document.
    fn dollar(&mut self, quoted: bool) -> ShellToken {
        use ShellTokenKind::*;
        match self.peek(1) {
            Some(b'(') if self.peek(2) == Some(b'(') => self.open_substitution(3, FrameKind::Arith),
            Some(b'(') => self.open_substitution(2, FrameKind::Subst),
            Some(b'{') => self.open_substitution(2, FrameKind::Param),
            Some(b'\'') if !quoted => self.dollar_single_quoted(),
            Some(b'"') if !quoted => {
                let token = self.piece(DoubleQuoteOpen, 2, false);
                self.push(FrameKind::DoubleQuotes, 0);
                token
            }
            // `$[..]`: old bash arithmetic; the bracket is lexed on its own.
            Some(b'[') => self.piece(Variable, 2, true),
            Some(c) if c.is_ascii_alphabetic() || c == b'_' => {
                let len = 1 + self.count_while(1, |c| c.is_ascii_alphanumeric() || c == b'_');
                self.piece(Variable, len, true)
            }
            Some(b'0'..=b'9' | b'@' | b'*' | b'#' | b'?' | b'-' | b'$' | b'!') => self.piece(Variable, 2, true),
            // A lone `$` is literal.
            _ if quoted => self.piece(DoubleQuotedText, 1, true),
            _ => self.piece(Word, 1, true),
        }
    }

    fn keyword(&mut self, len: usize) -> ShellToken {
        let word = &self.input[self.pos..self.pos + len];
        let flags = self.context_flags();
        let token = self.plain(ShellTokenKind::Keyword, len, flags);
        // After these a command follows; after the others a name, a word list or an operator.
        let opens_command =
            matches!(word, b"if" | b"then" | b"else" | b"elif" | b"do" | b"while" | b"until" | b"{" | b"!");
        self.cmd.expect_command = opens_command;
        self.cmd.end_of_options = false;
        token
    }

    /// Unquoted literal word bytes: assignments, reserved words, `--`.
    fn word(&mut self) -> ShellToken {
        use ShellTokenKind::*;
        let len = if self.input[self.pos] == b'[' {
            self.count_while(0, |c| c == b'[')
        } else {
            self.count_while(0, is_word_byte).max(1)
        };
        let text = &self.input[self.pos..self.pos + len];
        let word_start = !self.cmd.in_word;
        if word_start && self.cmd.expect_command && !self.cmd.after_redirect {
            if self.ends_word_at(len) && RESERVED_WORDS.contains(&text) {
                return self.keyword(len);
            }
            if let Some(eq) = assignment_name_len(text) {
                let flags = self.context_flags();
                let start = self.pos;
                self.cmd.in_word = true;
                self.cmd.word_value = true;
                self.cmd.word_start = start;
                self.cmd.word_command = false;
                self.cmd.word_target = false;
                self.pos += eq;
                // The command is still to come: `A=b cmd`.
                self.cmd.expect_command = true;
                return ShellToken {
                    kind: AssignName,
                    start,
                    end: self.pos,
                    content_start: start,
                    content_end: self.pos,
                    flags,
                };
            }
        }
        let is_double_dash = word_start && text == b"--" && self.ends_word_at(len);
        let token = self.piece(Word, len, true);
        if is_double_dash && !self.cmd.word_command && !self.cmd.word_target {
            self.cmd.end_of_options = true;
        }
        token
    }

    fn lex_double_quoted(&mut self) -> ShellToken {
        use ShellTokenKind::*;
        match self.input[self.pos] {
            b'"' => {
                let flags = self.begin_piece() | FLAG_IN_DOUBLE_QUOTES;
                self.pop();
                self.plain(DoubleQuoteClose, 1, flags)
            }
            b'$' => self.dollar(true),
            b'`' => self.open_substitution(1, FrameKind::Backtick),
            b'\\' if matches!(self.peek(1), Some(b'$' | b'`' | b'"' | b'\\' | b'\n')) => self.escape(),
            _ => {
                let len = 1 + self.count_while(1, |c| !matches!(c, b'"' | b'$' | b'`' | b'\\' | 0));
                self.piece(DoubleQuotedText, len, true)
            }
        }
    }

    fn lex_param(&mut self) -> ShellToken {
        use ShellTokenKind::*;
        let in_quotes = self.depth >= 2 && self.frames[self.depth - 2].kind == FrameKind::DoubleQuotes;
        match self.input[self.pos] {
            b'}' => {
                self.pop();
                let flags = self.begin_piece();
                self.plain(SubstitutionClose, 1, flags)
            }
            b'"' => {
                let token = self.piece(DoubleQuoteOpen, 1, false);
                self.push(FrameKind::DoubleQuotes, 0);
                token
            }
            b'\'' if !in_quotes => self.single_quoted(),
            b'$' => self.dollar(in_quotes),
            b'`' => self.open_substitution(1, FrameKind::Backtick),
            b'\\' => self.escape(),
            _ => {
                let len = 1 + self.count_while(1, |c| !matches!(c, b'}' | b'"' | b'\'' | b'$' | b'`' | b'\\' | 0));
                self.piece(ParameterText, len, true)
            }
        }
    }

    fn lex_arith(&mut self) -> ShellToken {
        use ShellTokenKind::*;
        match self.input[self.pos] {
            b')' => {
                let parens = self.frame().map_or(0, |f| f.parens);
                if parens == 0 && self.peek(1) == Some(b')') {
                    self.pop();
                    let flags = self.begin_piece();
                    return self.plain(SubstitutionClose, 2, flags);
                }
                if let Some(frame) = self.depth.checked_sub(1).map(|i| &mut self.frames[i]) {
                    frame.parens = frame.parens.saturating_sub(1);
                }
                self.piece(ArithmeticText, 1, true)
            }
            b'(' => {
                if let Some(frame) = self.depth.checked_sub(1).map(|i| &mut self.frames[i]) {
                    frame.parens += 1;
                }
                self.piece(ArithmeticText, 1, true)
            }
            b'"' => {
                let token = self.piece(DoubleQuoteOpen, 1, false);
                self.push(FrameKind::DoubleQuotes, 0);
                token
            }
            b'\'' => self.single_quoted(),
            b'$' => self.dollar(true),
            b'`' => self.open_substitution(1, FrameKind::Backtick),
            b'\\' => self.escape(),
            _ => {
                let len =
                    1 + self.count_while(1, |c| !matches!(c, b'(' | b')' | b'"' | b'\'' | b'$' | b'`' | b'\\' | 0));
                self.piece(ArithmeticText, len, true)
            }
        }
    }

    /// After a newline: the bodies of the here-documents started on that line follow.
    fn start_heredoc_bodies(&mut self) {
        if self.pending_heredocs > 0 {
            // Bodies are read in order; push the first, the rest follow as each ends.
            self.push(FrameKind::Heredoc, 0);
        }
    }

    /// True when the line at `at` ends the here-document `doc`.
    fn is_heredoc_end(&self, doc: &Heredoc, at: usize) -> Option<usize> {
        let line_end = self.input[at..].iter().position(|&c| c == b'\n').map_or(self.input.len(), |i| at + i);
        let mut line = &self.input[at..line_end];
        if doc.strip_tabs {
            let tabs = line.iter().take_while(|&&c| c == b'\t').count();
            line = &line[tabs..];
        }
        let delim = &self.input[doc.delim_start..doc.delim_end];
        let mut unquoted = delim.iter().copied().filter(|&c| c != b'\'' && c != b'"' && c != b'\\');
        let matches = line.iter().all(|&c| unquoted.next() == Some(c)) && unquoted.next().is_none();
        matches.then_some(if line_end < self.input.len() { line_end + 1 } else { line_end })
    }

    fn lex_heredoc(&mut self) -> ShellToken {
        use ShellTokenKind::*;
        let index = self.frame().map_or(0, |f| f.heredoc as usize);
        let doc = self.heredocs[index];
        let at_line_start = self.pos == 0 || self.input[self.pos - 1] == b'\n';
        if at_line_start {
            if let Some(end) = self.is_heredoc_end(&doc, self.pos) {
                let flags = self.context_flags();
                let token = self.plain(HeredocEnd, end - self.pos, flags);
                self.finish_heredoc(index);
                return token;
            }
        }
        if !doc.quoted {
            match self.input[self.pos] {
                b'$' => return self.dollar(true),
                b'`' => return self.open_substitution(1, FrameKind::Backtick),
                b'\\' if matches!(self.peek(1), Some(b'$' | b'`' | b'\\' | b'\n')) => return self.escape(),
                _ => {}
            }
        }
        // Text up to a live byte, a NUL, or the start of a line that ends the document.
        let mut i = self.pos;
        while i < self.input.len() {
            let c = self.input[i];
            if c == 0 || (!doc.quoted && i > self.pos && matches!(c, b'$' | b'`' | b'\\')) {
                break;
            }
            i += 1;
            if c == b'\n' && (i == self.input.len() || self.is_heredoc_end(&doc, i).is_some()) {
                break;
            }
        }
        let len = i.max(self.pos + 1) - self.pos;
        let flags = self.context_flags();
        self.plain(HeredocText, len, flags)
    }

    fn finish_heredoc(&mut self, index: usize) {
        self.pop();
        self.cmd.in_word = false;
        if index + 1 < self.pending_heredocs {
            self.push(FrameKind::Heredoc, (index + 1) as u8);
        } else {
            self.pending_heredocs = 0;
            self.command_boundary();
        }
    }
}

impl Iterator for ShellLexer<'_> {
    type Item = ShellToken;

    fn next(&mut self) -> Option<ShellToken> {
        if self.pos >= self.input.len() {
            return None;
        }
        let token = self.lex_token();
        debug_assert!(token.end > token.start, "every token consumes at least one byte");
        Some(token)
    }
}

/// Bytes that end an unquoted word.
pub fn is_word_terminator(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b'(' | b')' | b'<' | b'>' | 0)
}

/// Bytes of an unquoted literal run (anything without a special meaning mid-word).
fn is_word_byte(c: u8) -> bool {
    WORD_BYTES[c as usize]
}

const WORD_BYTES: [bool; 256] = {
    let mut table = [true; 256];
    let special = b" \t\n;&|()<>'\"`\\$*?[{}\0";
    let mut i = 0;
    while i < special.len() {
        table[special[i] as usize] = false;
        i += 1;
    }
    table
};

/// `NAME=` at the start of `text`: the length through the `=`.
fn assignment_name_len(text: &[u8]) -> Option<usize> {
    let first = *text.first()?;
    if !(first.is_ascii_alphabetic() || first == b'_') {
        return None;
    }
    let name = text.iter().take_while(|&&c| c.is_ascii_alphanumeric() || c == b'_').count();
    (text.get(name) == Some(&b'=')).then_some(name + 1)
}

#[cfg(test)]
mod tests {
    use super::ShellTokenKind::*;
    use super::*;

    fn kinds(cmd: &str) -> Vec<(ShellTokenKind, &str)> {
        ShellLexer::new(cmd.as_bytes()).map(|t| (t.kind, &cmd[t.start..t.end])).filter(|(k, _)| *k != Blank).collect()
    }

    fn assert_tiles(cmd: &[u8]) {
        let mut at = 0;
        for t in ShellLexer::new(cmd) {
            assert_eq!(t.start, at, "tokens tile {cmd:?}");
            assert!(t.end > t.start);
            assert!(t.start <= t.content_start && t.content_start <= t.content_end && t.content_end <= t.end);
            at = t.end;
        }
        assert_eq!(at, cmd.len(), "tokens cover {cmd:?}");
    }

    #[test]
    fn words_operators_and_redirections() {
        assert_eq!(
            kinds("ls -la /tmp | grep x && echo ok; true 2>&1 >>log &"),
            vec![
                (Word, "ls"),
                (Word, "-la"),
                (Word, "/tmp"),
                (Operator, "|"),
                (Word, "grep"),
                (Word, "x"),
                (Operator, "&&"),
                (Word, "echo"),
                (Word, "ok"),
                (Operator, ";"),
                (Word, "true"),
                (Redirect, "2>&"),
                (Word, "1"),
                (Redirect, ">>"),
                (Word, "log"),
                (Operator, "&")
            ]
        );
        assert_eq!(
            kinds("a<<<b &>x"),
            vec![(Word, "a"), (Redirect, "<<<"), (Word, "b"), (Redirect, "&>"), (Word, "x")]
        );
    }

    #[test]
    fn quotes_and_substitutions() {
        assert_eq!(
            kinds(r#"echo 'a b' "c $d $(e "f") `g`" $'h\'i' ${j:-k}"#),
            vec![
                (Word, "echo"),
                (SingleQuoted, "'a b'"),
                (DoubleQuoteOpen, "\""),
                (DoubleQuotedText, "c "),
                (Variable, "$d"),
                (DoubleQuotedText, " "),
                (SubstitutionOpen, "$("),
                (Word, "e"),
                (DoubleQuoteOpen, "\""),
                (DoubleQuotedText, "f"),
                (DoubleQuoteClose, "\""),
                (SubstitutionClose, ")"),
                (DoubleQuotedText, " "),
                (SubstitutionOpen, "`"),
                (Word, "g"),
                (SubstitutionClose, "`"),
                (DoubleQuoteClose, "\""),
                (DollarSingleQuoted, r"$'h\'i'"),
                (SubstitutionOpen, "${"),
                (ParameterText, "j:-k"),
                (SubstitutionClose, "}"),
            ]
        );
        assert_eq!(
            kinds("x=$((1+(2))) y"),
            vec![
                (AssignName, "x="),
                (SubstitutionOpen, "$(("),
                (ArithmeticText, "1+"),
                (ArithmeticText, "("),
                (ArithmeticText, "2"),
                (ArithmeticText, ")"),
                (SubstitutionClose, "))"),
                (Word, "y"),
            ]
        );
    }

    #[test]
    fn comments_globs_and_keywords() {
        assert_eq!(
            kinds("if [ -f a#b ]; then rm *.txt ~/x # done\nfi"),
            vec![
                (Keyword, "if"),
                (Word, "["),
                (Word, "-f"),
                (Word, "a#b"),
                (Word, "]"),
                (Operator, ";"),
                (Keyword, "then"),
                (Word, "rm"),
                (Glob, "*"),
                (Word, ".txt"),
                (Tilde, "~"),
                (Word, "/x"),
                (Comment, "# done"),
                (Newline, "\n"),
                (Keyword, "fi"),
            ]
        );
    }

    #[test]
    fn command_words_and_options() {
        let cmd = "A=1 tar -- -x | nice ls > -out";
        let tokens: Vec<ShellToken> = ShellLexer::new(cmd.as_bytes()).filter(|t| t.kind != Blank).collect();
        let text = |t: &ShellToken| &cmd[t.start..t.end];
        let command: Vec<&str> = tokens.iter().filter(|t| t.has(FLAG_COMMAND)).map(text).collect();
        assert_eq!(command, vec!["tar", "nice"]);
        let after_dashes: Vec<&str> = tokens.iter().filter(|t| t.has(FLAG_END_OF_OPTIONS)).map(text).collect();
        assert_eq!(after_dashes, vec!["-x"]);
        let targets: Vec<&str> = tokens.iter().filter(|t| t.has(FLAG_REDIRECT_TARGET)).map(text).collect();
        assert_eq!(targets, vec!["-out"]);
    }

    #[test]
    fn heredocs() {
        assert_eq!(
            kinds("cat <<'EOF' >x\n$a `b`\nEOF\necho $c"),
            vec![
                (Word, "cat"),
                (Redirect, "<<"),
                (SingleQuoted, "'EOF'"),
                (Redirect, ">"),
                (Word, "x"),
                (Newline, "\n"),
                (HeredocText, "$a `b`\n"),
                (HeredocEnd, "EOF\n"),
                (Word, "echo"),
                (Variable, "$c"),
            ]
        );
        assert_eq!(
            kinds("cat <<-E\n\tx $y\n\tE\n"),
            vec![
                (Word, "cat"),
                (Redirect, "<<-"),
                (Word, "E"),
                (Newline, "\n"),
                (HeredocText, "\tx "),
                (Variable, "$y"),
                (HeredocText, "\n"),
                (HeredocEnd, "\tE\n"),
            ]
        );
    }

    #[test]
    fn unterminated_and_hostile_inputs_tile() {
        let samples: &[&[u8]] = &[
            b"",
            b"'",
            b"\"",
            b"\\",
            b"$",
            b"$'",
            b"$'\\",
            b"$(",
            b"$((",
            b"${",
            b"`",
            b"\"`\"",
            b"<<",
            b"cat <<E\n",
            b"cat <<E\nx",
            b"a\x00b'\x00'\"\x00",
            b"2>",
            b"))))",
            b"}}}",
            b"#",
            b"$\"",
            b"\xff\xfe $\xff",
            b"<(",
            b"case x in a) b;; esac",
        ];
        for s in samples {
            assert_tiles(s);
        }
        let deep = "$(".repeat(10_000);
        assert_tiles(deep.as_bytes());
        let last = ShellLexer::new(deep.as_bytes()).last().expect("tokens");
        assert_eq!(last.kind, Unknown);
        assert_tiles("\"$(".repeat(1000).as_bytes());
        assert_tiles("<<a ".repeat(100).as_bytes());
    }
}
