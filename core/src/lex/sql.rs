//! A total, allocation-free, linear-time SQL lexer for six dialects.
//!
//! *Total* means every byte of the input belongs to exactly one token and the tokens
//! tile the input in order. There is no error path: an unterminated string or comment
//! runs to the end of the input, and a byte that cannot start any token becomes an
//! [`SqlTokenKind::Unknown`] token. A detector can therefore never be told "cannot
//! parse" and let an attack through.
//!
//! Where dialects differ on a rule that could hide code inside a token (nested
//! comments, line-comment terminators), the lexer ends tokens at the *earliest* point
//! any reading would: code the database sees is never mistaken for inert text.

use memchr::{memchr, memchr2, memmem};

use crate::names::named_enum;

named_enum! {
    /// A SQL dialect, with its own string, comment and identifier rules.
    pub enum Dialect {
        MySql = (1, "mysql"),
        PostgreSql = (2, "postgresql"),
        Sqlite = (3, "sqlite"),
        MsSql = (4, "mssql"),
        Oracle = (5, "oracle"),
        /// For databases rampart does not model: standard rules, and the engine judges
        /// a query under both standard and backslash-escape string readings.
        Generic = (6, "generic"),
    }
}

impl Dialect {
    /// Accepts the canonical names plus common aliases (`postgres`, `mariadb`, ...), in
    /// any case. Does not allocate: bindings call it on every check.
    pub fn parse(name: &str) -> Option<Dialect> {
        const ALIASES: [(&str, Dialect); 18] = [
            ("mysql", Dialect::MySql),
            ("mariadb", Dialect::MySql),
            ("postgresql", Dialect::PostgreSql),
            ("postgres", Dialect::PostgreSql),
            ("pg", Dialect::PostgreSql),
            ("pgsql", Dialect::PostgreSql),
            ("cockroachdb", Dialect::PostgreSql),
            ("sqlite", Dialect::Sqlite),
            ("sqlite3", Dialect::Sqlite),
            ("mssql", Dialect::MsSql),
            ("sqlserver", Dialect::MsSql),
            ("tsql", Dialect::MsSql),
            ("t-sql", Dialect::MsSql),
            ("oracle", Dialect::Oracle),
            ("generic", Dialect::Generic),
            ("sql", Dialect::Generic),
            ("ansi", Dialect::Generic),
            ("", Dialect::Generic),
        ];
        let name = name.trim();
        ALIASES.iter().find(|(alias, _)| alias.eq_ignore_ascii_case(name)).map(|&(_, d)| d)
    }

    /// The lexing rules of this dialect. For `Generic` these are the standard rules;
    /// the backslash reading is [`SqlRules::GENERIC_BACKSLASH`].
    pub fn rules(self) -> &'static SqlRules {
        match self {
            Dialect::MySql => &SqlRules::MYSQL,
            Dialect::PostgreSql => &SqlRules::POSTGRESQL,
            Dialect::Sqlite => &SqlRules::SQLITE,
            Dialect::MsSql => &SqlRules::MSSQL,
            Dialect::Oracle => &SqlRules::ORACLE,
            Dialect::Generic => &SqlRules::GENERIC,
        }
    }
}

/// The lexical rules that differ between dialects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SqlRules {
    /// `\` escapes the next byte inside `'..'` (and `".."` when those are strings).
    pub backslash_escapes: bool,
    /// `".."` is a string literal (MySQL's default), not a quoted identifier.
    pub double_quote_is_string: bool,
    /// `#` starts a comment to the end of the line.
    pub hash_comments: bool,
    /// `--` starts a comment only when followed by whitespace or a control byte.
    pub dash_comment_needs_space: bool,
    /// `/* /* */ */` nests.
    pub nested_comments: bool,
    /// `/*! ... */` is code (MySQL's executable comments).
    pub executable_comments: bool,
    /// `$$..$$` and `$tag$..$tag$` strings, `E'..'` escape strings, `U&'..'`.
    pub postgres_strings: bool,
    /// `q'[..]'` quoting.
    pub oracle_q_strings: bool,
    /// `[identifier]`.
    pub bracket_identifiers: bool,
    /// `` `identifier` ``.
    pub backtick_identifiers: bool,
    /// `?` is a placeholder (not an operator, as in PostgreSQL's jsonb `?`).
    pub question_placeholders: bool,
    /// `:name` and `:1` are placeholders.
    pub colon_placeholders: bool,
    /// `$1` is a placeholder.
    pub dollar_number_placeholders: bool,
    /// `$name` is a placeholder (SQLite).
    pub dollar_name_placeholders: bool,
    /// `@name` / `@@name` are variables or placeholders.
    pub at_variables: bool,
    /// `#name` starts an identifier (MSSQL temporary tables).
    pub hash_identifiers: bool,
    /// `$` may continue an identifier.
    pub dollar_in_identifiers: bool,
    /// `#` may continue an identifier.
    pub hash_in_identifiers: bool,
    /// Bytes that continue an identifier under these rules (derived from the flags by
    /// [`SqlRules::with_tables`]; a lookup per byte instead of a chain of tests).
    identifier_continue: [bool; 256],
}

impl SqlRules {
    const BASE: SqlRules = SqlRules {
        backslash_escapes: false,
        double_quote_is_string: false,
        hash_comments: false,
        dash_comment_needs_space: false,
        nested_comments: false,
        executable_comments: false,
        postgres_strings: false,
        oracle_q_strings: false,
        bracket_identifiers: false,
        backtick_identifiers: false,
        question_placeholders: true,
        colon_placeholders: false,
        dollar_number_placeholders: false,
        dollar_name_placeholders: false,
        at_variables: false,
        hash_identifiers: false,
        dollar_in_identifiers: false,
        hash_in_identifiers: false,
        identifier_continue: [false; 256],
    };

    /// Fills the lookup tables from the flags.
    const fn with_tables(mut self) -> SqlRules {
        let mut b = 0;
        while b < 256 {
            let c = b as u8;
            self.identifier_continue[b] = c.is_ascii_alphanumeric()
                || c == b'_'
                || c >= 0x80
                || (c == b'$' && self.dollar_in_identifiers)
                || (c == b'#' && self.hash_in_identifiers);
            b += 1;
        }
        self
    }

    /// MySQL / MariaDB (default sql_mode: backslash escapes, `".."` strings).
    pub const MYSQL: SqlRules = SqlRules {
        backslash_escapes: true,
        double_quote_is_string: true,
        hash_comments: true,
        dash_comment_needs_space: true,
        executable_comments: true,
        backtick_identifiers: true,
        at_variables: true,
        dollar_in_identifiers: true,
        ..SqlRules::BASE
    }
    .with_tables();

    /// PostgreSQL (standard_conforming_strings on).
    pub const POSTGRESQL: SqlRules = SqlRules {
        nested_comments: true,
        postgres_strings: true,
        question_placeholders: false,
        dollar_number_placeholders: true,
        dollar_in_identifiers: true,
        ..SqlRules::BASE
    }
    .with_tables();

    /// SQLite.
    pub const SQLITE: SqlRules = SqlRules {
        bracket_identifiers: true,
        backtick_identifiers: true,
        colon_placeholders: true,
        dollar_name_placeholders: true,
        at_variables: true,
        ..SqlRules::BASE
    }
    .with_tables();

    /// Microsoft SQL Server (QUOTED_IDENTIFIER on).
    pub const MSSQL: SqlRules = SqlRules {
        nested_comments: true,
        bracket_identifiers: true,
        at_variables: true,
        hash_identifiers: true,
        dollar_in_identifiers: true,
        hash_in_identifiers: true,
        ..SqlRules::BASE
    }
    .with_tables();

    /// Oracle.
    pub const ORACLE: SqlRules = SqlRules {
        oracle_q_strings: true,
        colon_placeholders: true,
        dollar_in_identifiers: true,
        hash_in_identifiers: true,
        ..SqlRules::BASE
    }
    .with_tables();

    /// Standard SQL with every common identifier quote and placeholder.
    pub const GENERIC: SqlRules = SqlRules {
        bracket_identifiers: true,
        backtick_identifiers: true,
        colon_placeholders: true,
        dollar_number_placeholders: true,
        at_variables: true,
        ..SqlRules::BASE
    }
    .with_tables();

    /// The generic rules with backslash escapes in strings: the second reading of a
    /// `generic` query.
    pub const GENERIC_BACKSLASH: SqlRules = SqlRules { backslash_escapes: true, ..SqlRules::GENERIC }.with_tables();

    /// For judging a request value with no query around it (context-free inspection):
    /// every comment syntax some database reads (`#`, `--` without a space, `/*! */`),
    /// `".."` read as a string, standard quote doubling.
    pub const PAYLOAD: SqlRules = SqlRules {
        double_quote_is_string: true,
        hash_comments: true,
        executable_comments: true,
        backtick_identifiers: true,
        at_variables: true,
        ..SqlRules::BASE
    }
    .with_tables();

    /// [`SqlRules::PAYLOAD`] with backslash escapes in strings (MySQL's reading).
    pub const PAYLOAD_BACKSLASH: SqlRules = SqlRules { backslash_escapes: true, ..SqlRules::PAYLOAD }.with_tables();
}

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SqlTokenKind {
    /// Spaces, tabs, newlines, form feeds, vertical tabs.
    Whitespace,
    /// `-- ...` or `# ...` up to (not including) the line end.
    LineComment,
    /// `/* ... */`, nested where the dialect nests.
    BlockComment,
    /// MySQL's `/*!` or `/*!50000` opening an executable comment (code follows).
    ExecutableCommentOpen,
    /// The `*/` closing an executable comment.
    ExecutableCommentClose,
    /// A string literal with its prefix and quotes (`'a''b'`, `E'\n'`, `$$x$$`, `q'[x]'`).
    String,
    /// A quoted identifier with its quotes (`"a"`, `` `a` ``, `[a]`).
    QuotedIdentifier,
    /// A numeric literal (`42`, `1.5e-3`, `0x1F`, `0b101`, `.5`).
    Number,
    /// An identifier or keyword (`users`, `SELECT`, `données`).
    Word,
    /// A variable (`@x`, `@@version`).
    Variable,
    /// A bind placeholder (`?`, `?1`, `$1`, `:name`, `$name`).
    Placeholder,
    /// An operator (`=`, `<>`, `||`, `::`, `->>`, `[`).
    Operator,
    /// `,`
    Comma,
    /// `.`
    Dot,
    /// `(`
    OpenParen,
    /// `)`
    CloseParen,
    /// `;`
    Semicolon,
    /// A byte no token can start with (a stray `\`, a control byte).
    Unknown,
}

/// One token: its kind, its span, and the span of its content (the part between the
/// delimiters of a string, quoted identifier or comment; the whole token otherwise).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SqlToken {
    pub kind: SqlTokenKind,
    pub start: usize,
    pub end: usize,
    pub content_start: usize,
    pub content_end: usize,
}

impl SqlToken {
    fn plain(kind: SqlTokenKind, start: usize, end: usize) -> SqlToken {
        SqlToken { kind, start, end, content_start: start, content_end: end }
    }
}

/// A streaming lexer: an iterator of [`SqlToken`]s. Cheap to copy, so a caller can
/// look ahead from any point and come back.
#[derive(Clone, Copy, Debug)]
pub struct SqlLexer<'a> {
    input: &'a [u8],
    pos: usize,
    rules: &'a SqlRules,
    /// Inside a MySQL `/*! ... */`: the next `*/` closes it.
    in_executable_comment: bool,
}

impl<'a> SqlLexer<'a> {
    /// A lexer over `input` with `rules`.
    pub fn new(rules: &'a SqlRules, input: &'a [u8]) -> SqlLexer<'a> {
        SqlLexer { input, pos: 0, rules, in_executable_comment: false }
    }

    /// A lexer over `input` as if a `quote` (`'` or `"`) had opened a string or quoted
    /// identifier just before it, as the application's own quote does around a value
    /// spliced into a query: returns the rest of that token (its content starts at 0; it
    /// ends at the input's end when no quote closes it) and the lexer after it. The
    /// tokens that follow are those [`SqlLexer::new`] gives over the quote followed by
    /// `input`, one byte to the left: the value is read without a quote-prefixed copy.
    pub fn after_quote(rules: &'a SqlRules, input: &'a [u8], quote: u8) -> (SqlToken, SqlLexer<'a>) {
        let mut lexer = SqlLexer::new(rules, input);
        let opened = if quote == b'\'' || rules.double_quote_is_string {
            lexer.quoted_from(SqlTokenKind::String, 0, quote, rules.backslash_escapes)
        } else {
            lexer.quoted_from(SqlTokenKind::QuotedIdentifier, 0, quote, false)
        };
        (opened, lexer)
    }

    /// The bytes being lexed.
    pub fn input(&self) -> &'a [u8] {
        self.input
    }

    /// The rules this lexer applies.
    pub fn rules(&self) -> &'a SqlRules {
        self.rules
    }

    /// The byte offset of the next token.
    pub fn position(&self) -> usize {
        self.pos
    }

    fn peek(&self, offset: usize) -> Option<u8> {
        self.input.get(self.pos + offset).copied()
    }

    fn emit(&mut self, kind: SqlTokenKind, len: usize) -> SqlToken {
        let start = self.pos;
        self.pos = (start + len).min(self.input.len());
        SqlToken::plain(kind, start, self.pos)
    }

    /// A delimited token: content from `content_start` to `content_end`, token end `end`.
    fn emit_delimited(&mut self, kind: SqlTokenKind, content_start: usize, content_end: usize, end: usize) -> SqlToken {
        let start = self.pos;
        self.pos = end;
        SqlToken { kind, start, end, content_start, content_end }
    }

    #[inline]
    fn lex_token(&mut self) -> SqlToken {
        let rules = self.rules;
        let b = self.input[self.pos];
        let next = self.peek(1);
        match b {
            b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c => {
                let len = 1 + self.count_while(1, |c| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c));
                self.emit(SqlTokenKind::Whitespace, len)
            }
            b'\'' => self.quoted(SqlTokenKind::String, 0, b'\'', rules.backslash_escapes),
            b'"' if rules.double_quote_is_string => self.quoted(SqlTokenKind::String, 0, b'"', rules.backslash_escapes),
            b'"' => self.quoted(SqlTokenKind::QuotedIdentifier, 0, b'"', false),
            b'`' if rules.backtick_identifiers => self.quoted(SqlTokenKind::QuotedIdentifier, 0, b'`', false),
            b'[' if rules.bracket_identifiers => self.bracketed(),
            b'-' if next == Some(b'-') && self.dash_comment_starts() => self.line_comment(2),
            b'#' if rules.hash_comments => self.line_comment(1),
            b'/' if next == Some(b'*') => self.block_comment(),
            b'*' if next == Some(b'/') && self.in_executable_comment => {
                self.in_executable_comment = false;
                self.emit(SqlTokenKind::ExecutableCommentClose, 2)
            }
            b'0'..=b'9' => self.number(),
            b'.' if next.is_some_and(|c| c.is_ascii_digit()) => self.number(),
            b',' => self.emit(SqlTokenKind::Comma, 1),
            b'.' => self.emit(SqlTokenKind::Dot, 1),
            b'(' => self.emit(SqlTokenKind::OpenParen, 1),
            b')' => self.emit(SqlTokenKind::CloseParen, 1),
            b';' => self.emit(SqlTokenKind::Semicolon, 1),
            b'?' if rules.question_placeholders => {
                let digits = self.count_while(1, |c| c.is_ascii_digit());
                self.emit(SqlTokenKind::Placeholder, 1 + digits)
            }
            b':' if rules.colon_placeholders && next.is_some_and(is_identifier_continue_ascii) => {
                let len = self.identifier_len(1);
                self.emit(SqlTokenKind::Placeholder, 1 + len)
            }
            b'@' if rules.at_variables => {
                let at = if next == Some(b'@') { 2 } else { 1 };
                let len = self.identifier_len(at);
                if len == 0 {
                    self.emit(SqlTokenKind::Operator, at)
                } else {
                    self.emit(SqlTokenKind::Variable, at + len)
                }
            }
            b'$' => self.dollar(),
            b'#' if rules.hash_identifiers => {
                let len = self.identifier_len(1);
                self.emit(SqlTokenKind::Word, 1 + len)
            }
            _ if rules.oracle_q_strings && self.oracle_q_prefix().is_some() => self.oracle_q_string(),
            _ if is_identifier_start(b) => self.word(),
            _ if is_operator_byte(b) => {
                let len = self.operator_len();
                self.emit(SqlTokenKind::Operator, len)
            }
            _ => self.emit(SqlTokenKind::Unknown, 1),
        }
    }

    #[inline]
    fn count_while(&self, from: usize, pred: impl Fn(u8) -> bool) -> usize {
        self.input.get(self.pos + from..).map_or(0, |rest| rest.iter().take_while(|&&c| pred(c)).count())
    }

    /// Length of the identifier starting `from` bytes after the current position.
    #[inline]
    fn identifier_len(&self, from: usize) -> usize {
        let table = &self.rules.identifier_continue;
        self.input.get(self.pos + from..).map_or(0, |rest| rest.iter().take_while(|&&c| table[usize::from(c)]).count())
    }

    fn dash_comment_starts(&self) -> bool {
        if !self.rules.dash_comment_needs_space {
            return true;
        }
        // MySQL: `--` needs a following whitespace or control byte; `1--1` is arithmetic.
        match self.peek(2) {
            None => true,
            Some(c) => c <= b' ' || c == 0x7f,
        }
    }

    fn line_comment(&mut self, marker: usize) -> SqlToken {
        let content_start = self.pos + marker;
        let rest = &self.input[content_start.min(self.input.len())..];
        // End at the first CR or LF: some engines end line comments at either, and
        // ending early never hides code.
        let content_end = memchr2(b'\n', b'\r', rest).map_or(self.input.len(), |i| content_start + i);
        self.emit_delimited(SqlTokenKind::LineComment, content_start, content_end, content_end)
    }

    fn block_comment(&mut self) -> SqlToken {
        let start = self.pos;
        if self.rules.executable_comments {
            // `/*!`, `/*!50000`, MariaDB's `/*M!`: the content is code.
            let bang = match (self.peek(2), self.peek(3)) {
                (Some(b'!'), _) => Some(3),
                (Some(b'M'), Some(b'!')) => Some(4),
                _ => None,
            };
            if let Some(marker) = bang {
                let digits = self.count_while(marker, |c| c.is_ascii_digit());
                self.in_executable_comment = true;
                return self.emit(SqlTokenKind::ExecutableCommentOpen, marker + digits);
            }
        }
        let content_start = start + 2;
        let mut depth = 1usize;
        let mut i = content_start;
        let input = self.input;
        loop {
            let rest = &input[i.min(input.len())..];
            let hit = if self.rules.nested_comments { memchr2(b'*', b'/', rest) } else { memchr(b'*', rest) };
            let Some(off) = hit else {
                // Unterminated: runs to the end.
                return self.emit_delimited(SqlTokenKind::BlockComment, content_start, input.len(), input.len());
            };
            let at = i + off;
            match (input[at], input.get(at + 1)) {
                (b'*', Some(b'/')) => {
                    depth -= 1;
                    if depth == 0 {
                        return self.emit_delimited(SqlTokenKind::BlockComment, content_start, at, at + 2);
                    }
                    i = at + 2;
                }
                (b'/', Some(b'*')) => {
                    depth += 1;
                    i = at + 2;
                }
                _ => i = at + 1,
            }
        }
    }

    /// A token delimited by `quote` on both sides, starting `prefix` bytes after the
    /// current position. A doubled quote is an escaped quote; with `backslash`, `\`
    /// escapes the next byte.
    fn quoted(&mut self, kind: SqlTokenKind, prefix: usize, quote: u8, backslash: bool) -> SqlToken {
        self.quoted_from(kind, self.pos + prefix + 1, quote, backslash)
    }

    /// The quoted token from the current position whose content starts at
    /// `content_start`, closed by `quote`.
    fn quoted_from(&mut self, kind: SqlTokenKind, content_start: usize, quote: u8, backslash: bool) -> SqlToken {
        let input = self.input;
        let mut i = content_start;
        loop {
            let rest = &input[i.min(input.len())..];
            let hit = if backslash { memchr2(quote, b'\\', rest) } else { memchr(quote, rest) };
            let Some(off) = hit else {
                return self.emit_delimited(kind, content_start, input.len(), input.len());
            };
            let at = i + off;
            // A backslash escapes the next byte; a doubled quote is a quote.
            if input[at] == b'\\' || input.get(at + 1) == Some(&quote) {
                i = at + 2;
            } else {
                return self.emit_delimited(kind, content_start, at, at + 1);
            }
        }
    }

    fn bracketed(&mut self) -> SqlToken {
        // `[a]]b]` is the identifier `a]b`.
        let input = self.input;
        let content_start = self.pos + 1;
        let mut i = content_start;
        loop {
            let Some(off) = memchr(b']', &input[i.min(input.len())..]) else {
                return self.emit_delimited(SqlTokenKind::QuotedIdentifier, content_start, input.len(), input.len());
            };
            let at = i + off;
            if input.get(at + 1) == Some(&b']') {
                i = at + 2;
            } else {
                return self.emit_delimited(SqlTokenKind::QuotedIdentifier, content_start, at, at + 1);
            }
        }
    }

    fn number(&mut self) -> SqlToken {
        let input = self.input;
        let start = self.pos;
        let mut i = start;
        let radix_prefix = input[i] == b'0' && matches!(input.get(i + 1), Some(b'x' | b'X' | b'b' | b'B'));
        if radix_prefix && input.get(i + 2).is_some_and(|c| c.is_ascii_hexdigit()) {
            i += 2;
            while input.get(i).is_some_and(|c| c.is_ascii_hexdigit()) {
                i += 1;
            }
        } else {
            while input.get(i).is_some_and(|c| c.is_ascii_digit()) {
                i += 1;
            }
            if input.get(i) == Some(&b'.') {
                i += 1;
                while input.get(i).is_some_and(|c| c.is_ascii_digit()) {
                    i += 1;
                }
            }
            if matches!(input.get(i), Some(b'e' | b'E')) {
                let mut j = i + 1;
                if matches!(input.get(j), Some(b'+' | b'-')) {
                    j += 1;
                }
                if input.get(j).is_some_and(|c| c.is_ascii_digit()) {
                    i = j;
                    while input.get(i).is_some_and(|c| c.is_ascii_digit()) {
                        i += 1;
                    }
                }
            }
        }
        // MySQL accepts identifiers that start with digits (`1abc`); everywhere else
        // digits glued to letters are rejected by the parser. Lexing the run as one
        // word is the reading that adds no structure either way. Not after a `.` or an
        // exponent: MySQL reads `1.e` as a number followed by what comes next.
        let plain_digits = input[start..i].iter().all(u8::is_ascii_digit);
        let glued = if plain_digits { self.identifier_len(i - start) } else { 0 };
        if glued > 0 {
            return self.emit(SqlTokenKind::Word, i - start + glued);
        }
        self.emit(SqlTokenKind::Number, i - start)
    }

    fn word(&mut self) -> SqlToken {
        let rules = self.rules;
        let b = self.input[self.pos];
        let next = self.peek(1);
        let upper = b.to_ascii_uppercase();
        // String prefixes: N'..', X'..', B'..', E'..', U&'..'.
        if next == Some(b'\'') {
            match upper {
                b'N' | b'X' | b'B' => return self.quoted(SqlTokenKind::String, 1, b'\'', rules.backslash_escapes),
                b'E' if rules.postgres_strings => return self.quoted(SqlTokenKind::String, 1, b'\'', true),
                _ => {}
            }
        }
        if rules.postgres_strings && upper == b'U' && next == Some(b'&') {
            match self.peek(2) {
                Some(b'\'') => return self.quoted(SqlTokenKind::String, 2, b'\'', false),
                Some(b'"') => return self.quoted(SqlTokenKind::QuotedIdentifier, 2, b'"', false),
                _ => {}
            }
        }
        let len = 1 + self.identifier_len(1);
        self.emit(SqlTokenKind::Word, len)
    }

    fn dollar(&mut self) -> SqlToken {
        let rules = self.rules;
        let next = self.peek(1);
        if next.is_some_and(|c| c.is_ascii_digit()) && rules.dollar_number_placeholders {
            let digits = self.count_while(1, |c| c.is_ascii_digit());
            return self.emit(SqlTokenKind::Placeholder, 1 + digits);
        }
        if rules.postgres_strings {
            // `$tag$ ... $tag$` where tag is empty or an identifier not starting with a digit.
            let tag_len = if next.is_some_and(|c| c.is_ascii_digit()) { 0 } else { self.identifier_len_no_dollar(1) };
            if self.peek(1 + tag_len) == Some(b'$') {
                let delimiter = &self.input[self.pos..self.pos + tag_len + 2];
                let content_start = self.pos + tag_len + 2;
                let rest = &self.input[content_start..];
                return match memmem::find(rest, delimiter) {
                    Some(off) => {
                        let content_end = content_start + off;
                        self.emit_delimited(
                            SqlTokenKind::String,
                            content_start,
                            content_end,
                            content_end + delimiter.len(),
                        )
                    }
                    None => {
                        let end = self.input.len();
                        self.emit_delimited(SqlTokenKind::String, content_start, end, end)
                    }
                };
            }
        }
        if rules.dollar_name_placeholders && next.is_some_and(is_identifier_continue_ascii) {
            let len = self.identifier_len(1);
            return self.emit(SqlTokenKind::Placeholder, 1 + len);
        }
        self.emit(SqlTokenKind::Operator, 1)
    }

    fn identifier_len_no_dollar(&self, from: usize) -> usize {
        self.count_while(from, |c| is_identifier_continue_ascii(c) || c >= 0x80)
    }

    /// `q'`, `Q'`, `nq'`, `NQ'`: the length of the prefix before the quote.
    fn oracle_q_prefix(&self) -> Option<usize> {
        let b0 = self.input[self.pos].to_ascii_lowercase();
        let b1 = self.peek(1).map(|c| c.to_ascii_lowercase());
        let b2 = self.peek(2);
        match (b0, b1, b2) {
            (b'q', Some(b'\''), Some(_)) => Some(1),
            (b'n', Some(b'q'), Some(b'\'')) if self.peek(3).is_some() => Some(2),
            _ => None,
        }
    }

    fn oracle_q_string(&mut self) -> SqlToken {
        let prefix = self.oracle_q_prefix().unwrap_or(1);
        let open_at = self.pos + prefix + 1;
        let open = self.input[open_at];
        let close = match open {
            b'[' => b']',
            b'{' => b'}',
            b'(' => b')',
            b'<' => b'>',
            other => other,
        };
        let content_start = open_at + 1;
        let mut i = content_start;
        loop {
            let Some(off) = memchr(close, &self.input[i.min(self.input.len())..]) else {
                let end = self.input.len();
                return self.emit_delimited(SqlTokenKind::String, content_start, end, end);
            };
            let at = i + off;
            if self.input.get(at + 1) == Some(&b'\'') {
                return self.emit_delimited(SqlTokenKind::String, content_start, at, at + 2);
            }
            i = at + 1;
        }
    }

    fn operator_len(&self) -> usize {
        const THREE: [&[u8]; 5] = [b"<=>", b"->>", b"#>>", b"!~*", b"!!="];
        const TWO: [&[u8]; 21] = [
            b"<=", b">=", b"<>", b"!=", b"==", b"||", b"&&", b"::", b":=", b"->", b"=>", b"<<", b">>", b"#>", b"@>",
            b"<@", b"~*", b"!~", b"?|", b"?&", b"^=",
        ];
        let rest = &self.input[self.pos..];
        if THREE.iter().any(|op| rest.starts_with(op)) {
            return 3;
        }
        if TWO.iter().any(|op| rest.starts_with(op)) {
            return 2;
        }
        1
    }
}

impl Iterator for SqlLexer<'_> {
    type Item = SqlToken;

    #[inline]
    fn next(&mut self) -> Option<SqlToken> {
        if self.pos >= self.input.len() {
            return None;
        }
        let token = self.lex_token();
        debug_assert!(token.end > token.start, "every token consumes at least one byte");
        Some(token)
    }
}

fn is_identifier_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_identifier_continue_ascii(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn is_operator_byte(b: u8) -> bool {
    matches!(
        b,
        b'+' | b'-'
            | b'*'
            | b'/'
            | b'<'
            | b'>'
            | b'='
            | b'!'
            | b'~'
            | b'^'
            | b'&'
            | b'|'
            | b'%'
            | b'@'
            | b'#'
            | b'?'
            | b':'
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'$'
    )
}

/// True when `word` is `ASC` or `DESC` (any case).
pub fn is_sort_direction(word: &[u8]) -> bool {
    word.eq_ignore_ascii_case(b"asc") || word.eq_ignore_ascii_case(b"desc")
}

#[cfg(test)]
mod tests {
    use super::SqlTokenKind::*;
    use super::*;

    fn kinds(d: Dialect, q: &str) -> Vec<(SqlTokenKind, &str)> {
        SqlLexer::new(d.rules(), q.as_bytes())
            .map(|t| (t.kind, &q[t.start..t.end]))
            .filter(|(k, _)| *k != Whitespace)
            .collect()
    }

    fn assert_tiles(rules: &SqlRules, q: &[u8]) {
        let mut at = 0;
        for t in SqlLexer::new(rules, q) {
            assert_eq!(t.start, at, "tokens tile {q:?}");
            assert!(t.end > t.start);
            assert!(t.start <= t.content_start && t.content_start <= t.content_end && t.content_end <= t.end);
            at = t.end;
        }
        assert_eq!(at, q.len());
    }

    #[test]
    fn mysql_strings_and_comments() {
        assert_eq!(
            kinds(Dialect::MySql, r#"SELECT 'a\'b', "c""d" # x"#),
            vec![(Word, "SELECT"), (String, r"'a\'b'"), (Comma, ","), (String, r#""c""d""#), (LineComment, "# x")]
        );
        assert_eq!(kinds(Dialect::MySql, "1--1"), vec![(Number, "1"), (Operator, "-"), (Operator, "-"), (Number, "1")]);
        assert_eq!(kinds(Dialect::MySql, "1-- x"), vec![(Number, "1"), (LineComment, "-- x")]);
        assert_eq!(
            kinds(Dialect::MySql, "/*!50000UNION*/ SELECT"),
            vec![
                (ExecutableCommentOpen, "/*!50000"),
                (Word, "UNION"),
                (ExecutableCommentClose, "*/"),
                (Word, "SELECT")
            ]
        );
        assert_eq!(kinds(Dialect::MySql, "`a``b`"), vec![(QuotedIdentifier, "`a``b`")]);
    }

    #[test]
    fn postgres_strings() {
        assert_eq!(
            kinds(Dialect::PostgreSql, r"E'a\'b' 'c\' $$x'y$$ $t$ $$ $t$ $1"),
            vec![
                (String, r"E'a\'b'"),
                (String, r"'c\'"),
                (String, "$$x'y$$"),
                (String, "$t$ $$ $t$"),
                (Placeholder, "$1")
            ]
        );
        assert_eq!(
            kinds(Dialect::PostgreSql, "/* a /* b */ c */x"),
            vec![(BlockComment, "/* a /* b */ c */"), (Word, "x")]
        );
        assert_eq!(kinds(Dialect::PostgreSql, "a::int"), vec![(Word, "a"), (Operator, "::"), (Word, "int")]);
        assert_eq!(kinds(Dialect::PostgreSql, "d ? 'k'"), vec![(Word, "d"), (Operator, "?"), (String, "'k'")]);
    }

    #[test]
    fn mssql_oracle_sqlite() {
        assert_eq!(
            kinds(Dialect::MsSql, "[a]]b] N'x' @p1 #tmp"),
            vec![(QuotedIdentifier, "[a]]b]"), (String, "N'x'"), (Variable, "@p1"), (Word, "#tmp")]
        );
        assert_eq!(kinds(Dialect::Oracle, "q'[it's]' :id"), vec![(String, "q'[it's]'"), (Placeholder, ":id")]);
        assert_eq!(
            kinds(Dialect::Sqlite, "?1 :a $b @c"),
            vec![(Placeholder, "?1"), (Placeholder, ":a"), (Placeholder, "$b"), (Variable, "@c")]
        );
    }

    #[test]
    fn unterminated_tokens_run_to_end() {
        let q = "SELECT 'abc";
        let last = SqlLexer::new(Dialect::Generic.rules(), q.as_bytes()).last().expect("tokens");
        assert_eq!((last.kind, last.end, last.content_end), (String, q.len(), q.len()));
        assert_eq!(kinds(Dialect::MySql, "a /* b"), vec![(Word, "a"), (BlockComment, "/* b")]);
    }

    #[test]
    fn numbers() {
        assert_eq!(
            kinds(Dialect::MySql, "0x1F 1.5e-3 .5 1e 1abc"),
            vec![(Number, "0x1F"), (Number, "1.5e-3"), (Number, ".5"), (Word, "1e"), (Word, "1abc")]
        );
    }

    /// Lexing a value after its opening quote gives the tokens of the quote-prefixed
    /// copy, one byte to the left, in every dialect and the payload readings.
    #[test]
    fn after_quote_reads_as_the_quoted_copy() {
        let samples: &[&[u8]] = &[
            b"O'Brien",
            b"' OR 1=1-- ",
            b"x\' OR 'a'='a",
            b"it''s fine' AND 1=1",
            b"\\' UNION SELECT 1 /*! 2 */",
            b"\"red\" AND \"blue\"",
            b"a\" OR \"x\"=\"x",
            b"unterminated",
            b"'",
            b"\"",
            b"\\",
            b"'x'y'z\"",
            b"abc'--\n#x\r/*y*/$$z$$ q'[w]' [id] `bt` @v :p ?1 0x1F 1e+",
        ];
        let mut all: Vec<&SqlRules> = Dialect::ALL.iter().map(|d| d.rules()).collect();
        all.extend([&SqlRules::PAYLOAD, &SqlRules::PAYLOAD_BACKSLASH, &SqlRules::GENERIC_BACKSLASH]);
        for rules in all {
            for value in samples {
                for quote in [b'\'', b'"'] {
                    let copy = [&[quote][..], value].concat();
                    let mut expected = SqlLexer::new(rules, &copy);
                    let first = expected.next().expect("a quote is a token");
                    let (opened, lexer) = SqlLexer::after_quote(rules, value, quote);
                    // The copy's opening quote is at 0, before the value: the rest is one
                    // byte to the left.
                    assert_eq!(
                        (first.kind, first.end - 1, first.content_start - 1, first.content_end - 1),
                        (opened.kind, opened.end, opened.content_start, opened.content_end)
                    );
                    let expected: Vec<_> = expected
                        .map(|t| (t.kind, t.start - 1, t.end - 1, t.content_start - 1, t.content_end - 1))
                        .collect();
                    let rest: Vec<_> =
                        lexer.map(|t| (t.kind, t.start, t.end, t.content_start, t.content_end)).collect();
                    assert_eq!(
                        rest,
                        expected,
                        "{:?} after {}",
                        std::string::String::from_utf8_lossy(value),
                        quote as char
                    );
                }
            }
        }
    }

    #[test]
    fn tokens_tile_every_input() {
        let samples: &[&[u8]] = &[
            b"",
            b"'",
            b"\\",
            b"/*",
            b"/*!",
            b"*/",
            b"$",
            b"$a",
            b"$$",
            b"q'",
            b"q'[",
            b"nq'x",
            b"[",
            b"E'\\",
            b"\x00\xff\xfe'--\r\n#",
            b"U&'",
            b"U&\"x",
            b"@",
            b"@@",
            b":",
            b"?9",
            b"0x",
            b"1e+",
            b"--",
            b"-",
        ];
        for d in Dialect::ALL {
            for q in samples {
                assert_tiles(d.rules(), q);
            }
        }
        assert_tiles(&SqlRules::GENERIC_BACKSLASH, b"'a\\' OR 1=1 --'");
    }
}
