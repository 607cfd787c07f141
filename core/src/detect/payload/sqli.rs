//! SQL injection payloads, judged without a query: would this value, spliced into a query
//! the usual ways (bare as a number or column, inside `'..'`, inside `".."`), leave its
//! slot and form SQL code?
//!
//! The value is lexed with the SQL lexer (every comment syntax of every dialect) behind
//! the opening quote of each context. In a quoted context nothing is suspicious until the
//! value closes the quote; in the bare context the value must first finish the operand it
//! stands for. What follows is read as tokens, not words: a comment, a statement
//! separator before a statement, a boolean operator before a predicate (`OR 1=1`,
//! `AND SLEEP(5)`, `OR 'a'='a`), a comparison, `UNION SELECT`, a clause
//! (`ORDER BY 3`). Prose does not form these: `O'Brien`, `rock 'n' roll`, `black and
//! white`, `select the best option; drop me a line` stay data.

use crate::lex::sql::{SqlLexer, SqlRules, SqlTokenKind};
use crate::verdict::Reason;

/// Significant tokens read after the point where the value leaves its slot.
const WINDOW: usize = 40;
/// The first, cheaper read.
const SHORT_WINDOW: usize = 12;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    Num,
    Str,
    Ident,
    Var,
    /// A word followed by `(`.
    Func,
    /// `OR`, `AND`, `XOR`, `NOT`, `||`, `&&`, `!`.
    Logic,
    /// `LIKE`, `IS`, `IN`, `BETWEEN`, `REGEXP`, `RLIKE`, `SOUNDS`, `DIV`, `MOD`.
    Pred,
    /// `=`, `<`, `>`, `<>`, `!=`, `<=`, `>=`, `<=>`, `:=`.
    Cmp,
    /// Other operators.
    Arith,
    Union,
    Select,
    /// A word that starts a statement of its own (`DROP`, `INSERT`, `EXEC`, ...).
    Stmt,
    /// `ORDER`, `GROUP`, `HAVING`, `LIMIT`, `PROCEDURE`, `INTO`, `FROM`, `WHERE`.
    Clause,
    /// `ALL`, `DISTINCT`, `BY`, `TABLE`, `DELAY`, ...: words that only follow another keyword.
    Modifier,
    Open,
    Close,
    Comma,
    Semi,
    Comment,
    /// MySQL's `/*!` executable comment opening.
    ExecOpen,
    Unknown,
    Dot,
    End,
}

#[derive(Clone, Copy, Debug)]
struct Sig {
    class: Class,
    /// For words: the keyword, lowercased into a small buffer (prefix only).
    word: [u8; 12],
}

impl Sig {
    const END: Sig = Sig { class: Class::End, word: [0; 12] };

    fn is(&self, word: &[u8]) -> bool {
        word.len() <= self.word.len() && self.word[..word.len()] == *word && self.word.get(word.len()) == Some(&0)
    }
}

/// Up to [`WINDOW`] significant tokens, on the stack.
struct Window {
    toks: [Sig; WINDOW],
    len: usize,
}

impl Window {
    fn get(&self, i: usize) -> Sig {
        if i < self.len {
            self.toks[i]
        } else {
            Sig::END
        }
    }

    fn class(&self, i: usize) -> Class {
        self.get(i).class
    }

    /// Reads significant tokens from `lexer` (whitespace skipped).
    /// Reads a short window first (most values are judged within a few tokens) and the
    /// full one only when it holds what the longer rules look for (a statement or a
    /// subquery).
    fn read(lexer: SqlLexer<'_>) -> Window {
        let short = Window::read_at_most(lexer, SHORT_WINDOW);
        let needs_more = short.len == SHORT_WINDOW
            && short.toks[..short.len].iter().any(|t| matches!(t.class, Class::Select | Class::Union | Class::Stmt));
        if needs_more {
            Window::read_at_most(lexer, WINDOW)
        } else {
            short
        }
    }

    fn read_at_most(mut lexer: SqlLexer<'_>, limit: usize) -> Window {
        let input = lexer.input();
        let mut window = Window { toks: [Sig::END; WINDOW], len: 0 };
        let mut pending_word: Option<Sig> = None;
        while window.len < limit {
            let Some(tok) = lexer.next() else { break };
            if tok.kind == SqlTokenKind::Whitespace {
                continue;
            }
            let text = &input[tok.start..tok.end];
            // A word directly followed by `(` (spaces allowed) is a function call.
            if let Some(mut word) = pending_word.take() {
                if tok.kind == SqlTokenKind::OpenParen && word.class == Class::Ident {
                    word.class = Class::Func;
                }
                window.push(word);
                if window.len == limit {
                    break;
                }
            }
            let sig = classify(tok.kind, text);
            if tok.kind == SqlTokenKind::Word {
                pending_word = Some(sig);
            } else {
                window.push(sig);
            }
        }
        if let Some(word) = pending_word {
            if window.len < limit {
                window.push(word);
            }
        }
        window
    }

    fn push(&mut self, sig: Sig) {
        self.toks[self.len] = sig;
        self.len += 1;
    }
}

fn classify(kind: SqlTokenKind, text: &[u8]) -> Sig {
    use SqlTokenKind as K;
    let mut word = [0u8; 12];
    let class = match kind {
        K::Whitespace => Class::End,
        K::LineComment | K::BlockComment => Class::Comment,
        K::ExecutableCommentOpen => Class::ExecOpen,
        K::ExecutableCommentClose => Class::Comment,
        K::String => Class::Str,
        K::QuotedIdentifier => Class::Ident,
        K::Number => Class::Num,
        K::Variable | K::Placeholder => Class::Var,
        K::Operator => match text {
            b"||" | b"&&" | b"!" => Class::Logic,
            b"=" | b"<" | b">" | b"<>" | b"!=" | b"<=" | b">=" | b"<=>" | b":=" | b"==" | b"!<" | b"!>" => Class::Cmp,
            _ => Class::Arith,
        },
        K::Comma => Class::Comma,
        K::Dot => Class::Dot,
        K::OpenParen => Class::Open,
        K::CloseParen => Class::Close,
        K::Semicolon => Class::Semi,
        K::Unknown => Class::Unknown,
        K::Word => {
            if text.len() <= word.len() {
                for (slot, b) in word.iter_mut().zip(text) {
                    *slot = b.to_ascii_lowercase();
                }
            }
            keyword_class(&word[..text.len().min(word.len())])
        }
    };
    Sig { class, word }
}

fn keyword_class(word: &[u8]) -> Class {
    match word {
        b"or" | b"and" | b"xor" | b"not" => Class::Logic,
        b"like" | b"rlike" | b"regexp" | b"is" | b"in" | b"between" | b"sounds" | b"div" | b"mod" | b"glob"
        | b"match" | b"escape" | b"collate" => Class::Pred,
        b"true" | b"false" | b"null" | b"unknown" => Class::Num,
        b"union" | b"intersect" | b"except" => Class::Union,
        b"select" => Class::Select,
        b"insert" | b"update" | b"delete" | b"drop" | b"create" | b"alter" | b"truncate" | b"exec" | b"execute"
        | b"declare" | b"shutdown" | b"waitfor" | b"grant" | b"revoke" | b"call" | b"load" | b"replace" | b"rename"
        | b"handler" | b"merge" | b"backup" | b"restore" | b"dbcc" | b"kill" | b"if" => Class::Stmt,
        b"order" | b"group" | b"having" | b"limit" | b"procedure" | b"into" | b"from" | b"where" | b"offset" => {
            Class::Clause
        }
        b"all" | b"distinct" | b"by" | b"table" | b"delay" | b"time" | b"outfile" | b"dumpfile" | b"values"
        | b"set" | b"top" | b"case" | b"when" | b"then" | b"else" | b"end" | b"as" | b"on" | b"join" | b"cast"
        | b"database" | b"user" => Class::Modifier,
        _ => Class::Ident,
    }
}

/// The injection contexts of a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Context {
    Bare,
    Single,
    Double,
}

/// Judges `value` in every context. `buf` is scratch for the quote-prefixed copy.
/// `prefilter: false` lexes every value (the reference the prefilter is tested against).
pub(crate) fn find(value: &[u8], buf: &mut Vec<u8>, prefilter: bool) -> Option<Reason> {
    if !(prefilter && bare_reading_inert(value)) {
        if let Some(reason) = judge_context(value, Context::Bare, buf) {
            return Some(reason);
        }
    }
    for (quote, context) in [(b'\'', Context::Single), (b'"', Context::Double)] {
        if memchr::memchr(quote, value).is_some() {
            if let Some(reason) = judge_context(value, context, buf) {
                return Some(reason);
            }
        }
    }
    None
}

// ---- Prefilter: values the bare reading cannot judge as SQL, without lexing them ----

/// Longer values are lexed: the bare reading stops after a few tokens anyway, and
/// checking every word of a long text would cost more.
const BARE_PREFILTER_MAX_LEN: usize = 100;

/// Can the bare reading ([`judge_bare`]) not find anything in `value`? It acts only on a
/// token of the classes [`bare_trigger`] names: through `UNION SELECT`, a leading
/// statement, select or comment, or [`judge_tail`] with `bare` after an expression
/// (where comparisons and operators count only in quoted contexts, and a comma only
/// after a `)` and then only before a comment, a `;` or a keyword). Without those
/// tokens every path returns nothing. They need, in the bytes:
/// - a comment: `--`, `#`, `/*` (the `*/` closing `/*!` needs one too);
/// - a `;` that counts: only before a keyword, or in a list after `)` and `,`
///   ([`list_tail`]), so only with a `)` and a `,` in the value too;
/// - a boolean operator symbol: `||`, `&&`, `!`;
/// - a keyword word: a word is a run of letters, possibly inside a longer identifier
///   (then not a keyword: every keyword is letters only, and a run that is longer
///   than the keyword is not the keyword). The lexer starts a word where a run of
///   letters starts, except after a digit, where a hexadecimal number (`0xabc`) may
///   end inside the run: there every suffix of the run is checked.
///
/// Quotes, parentheses, operators and the rest may occur: the quoted readings are
/// judged apart, by [`find`].
fn bare_reading_inert(value: &[u8]) -> bool {
    if value.len() > BARE_PREFILTER_MAX_LEN {
        return false;
    }
    // Bytes first (cheap, and most SQL shows in them), then words.
    let (mut semicolon, mut close, mut comma) = (false, false, false);
    for (i, &b) in value.iter().enumerate() {
        if !BARE_PUNCTUATION[usize::from(b)] {
            continue;
        }
        let next = value.get(i + 1).copied();
        match b {
            b'#' | b'!' => return false,
            b'-' if next == Some(b'-') => return false,
            b'/' if next == Some(b'*') => return false,
            b'|' | b'&' if next == Some(b) => return false,
            b';' => semicolon = true,
            b')' => close = true,
            b',' => comma = true,
            _ => {}
        }
    }
    if semicolon && close && comma {
        return false;
    }
    let mut i = 0;
    while i < value.len() {
        if !value[i].is_ascii_alphabetic() {
            i += 1;
            continue;
        }
        let end = value[i..].iter().position(|b| !b.is_ascii_alphabetic()).map_or(value.len(), |p| i + p);
        let after_digit = i > 0 && value[i - 1].is_ascii_digit();
        let starts = if after_digit { i..end } else { i..i + 1 };
        // A word longer than the classifier's buffer is a plain name to it.
        let longest = Sig::END.word.len();
        for start in starts.filter(|&start| end - start <= longest) {
            if bare_trigger(classify(SqlTokenKind::Word, &value[start..end]).class) {
                return false;
            }
        }
        i = end;
    }
    true
}

/// The bytes [`bare_reading_inert`] looks at outside words.
const BARE_PUNCTUATION: [bool; 256] = {
    let mut table = [false; 256];
    let bytes = b"#!-/|&;),";
    let mut k = 0;
    while k < bytes.len() {
        table[bytes[k] as usize] = true;
        k += 1;
    }
    table
};

/// Word classes the bare reading may act on (see [`bare_reading_inert`]): all but the
/// four it only reads as operands or, in quoted contexts alone, as comparisons. Named by
/// exclusion, so a class added later counts until proven inert.
fn bare_trigger(class: Class) -> bool {
    !matches!(class, Class::Ident | Class::Num | Class::Modifier | Class::Pred)
}

// ---- End of the prefilter ----

fn judge_context(value: &[u8], context: Context, buf: &mut Vec<u8>) -> Option<Reason> {
    let backslash = memchr::memchr(b'\\', value).is_some();
    let readings: &[&SqlRules] =
        if backslash { &[&SqlRules::PAYLOAD, &SqlRules::PAYLOAD_BACKSLASH] } else { &[&SqlRules::PAYLOAD] };
    for rules in readings {
        let found = match context {
            Context::Bare => judge_bare(SqlLexer::new(rules, value)),
            Context::Single | Context::Double => {
                buf.clear();
                buf.push(if context == Context::Single { b'\'' } else { b'"' });
                buf.extend_from_slice(value);
                let mut lexer = SqlLexer::new(rules, buf);
                // The first token is the string the application opened; where it ends,
                // the value has left it. An unterminated string never leaves.
                let opened = lexer.next()?;
                if opened.end >= buf.len() {
                    continue;
                }
                judge_tail(&Window::read(lexer), 0, false, false)
            }
        };
        if found.is_some() {
            return found;
        }
    }
    None
}

/// The bare context (`WHERE id = VALUE`, `ORDER BY VALUE`).
fn judge_bare(lexer: SqlLexer<'_>) -> Option<Reason> {
    let w = Window::read(lexer);
    // `UNION SELECT` anywhere: there is no reading of it as data.
    if (0..w.len).any(|k| w.class(k) == Class::Union && union(&w, k).is_some()) {
        return Some(Reason::SqlKeyword);
    }
    let mut i = 0;
    // A whole statement as the value.
    match w.class(0) {
        Class::Select => return select_statement(&w, 1),
        Class::Stmt => return statement(&w, 0),
        Class::Comment | Class::ExecOpen if w.len > 1 => return Some(Reason::SqlComment),
        _ => {}
    }
    while w.class(i) == Class::Open {
        i += 1;
    }
    if matches!(w.class(i), Class::Select) {
        return select_statement(&w, i + 1);
    }
    let (after, compared) = expression(&w, i)?;
    judge_tail(&w, after, true, compared)
}

/// Is the token at `k` a literal (or a call, a variable, a parenthesised expression)?
fn literal(w: &Window, k: usize) -> bool {
    matches!(w.class(k), Class::Num | Class::Str | Class::Var | Class::Func | Class::Open)
}

/// Parses `operand ((arith | comparison) operand)*` at `i`. Returns the index after it
/// and whether it compared a literal (`1=1`, `'a'='a'`, `x>0`).
fn expression(w: &Window, i: usize) -> Option<(usize, bool)> {
    let mut after = operand(w, i)?;
    let mut compared = false;
    while matches!(w.class(after), Class::Arith | Class::Cmp | Class::Pred) {
        let op = after;
        let Some(next) = operand(w, op + 1) else { break };
        if w.class(op) != Class::Arith && (literal(w, op + 1) || literal(w, op.saturating_sub(1))) {
            compared = true;
        }
        after = next;
    }
    Some((after, compared))
}

/// After the value left its slot (or finished its bare expression) at `i`. `compared`:
/// the bare expression compared a literal.
fn judge_tail(w: &Window, mut i: usize, bare: bool, compared: bool) -> Option<Reason> {
    let mut closed = 0;
    while w.class(i) == Class::Close {
        i += 1;
        closed += 1;
    }
    let next = w.class(i + 1);
    match w.class(i) {
        Class::Comment | Class::ExecOpen => {
            // `admin'--`, `1)#`, `1=1-- `: the rest of the application's query is gone. A
            // bare word or number followed by a comment is too common in text to judge.
            if !bare || closed > 0 || compared || w.class(i) == Class::ExecOpen || following_code(w, i + 1) {
                return Some(Reason::SqlComment);
            }
            None
        }
        Class::Semi => match next {
            Class::Stmt | Class::Select | Class::Union => statement_after_separator(w, i + 1),
            Class::Comment if !bare => Some(Reason::SqlStatementSeparator),
            _ => None,
        },
        Class::Logic => predicate(w, i + 1).then_some(Reason::SqlKeyword),
        Class::Cmp | Class::Pred if !bare => {
            // `'='`, `' = 1--`, `x' LIKE '%`: a comparison with a literal, or one that
            // goes on as SQL. `">Home</a>` is markup.
            let (after, _) = expression(w, i + 1)?;
            let symbol = w.class(i) == Class::Cmp;
            let goes_on = matches!(w.class(after), Class::Comment | Class::Logic | Class::Semi | Class::Union);
            ((symbol && literal(w, i + 1)) || goes_on).then_some(Reason::SqlOperator)
        }
        Class::Arith if !bare => {
            // `'+(SELECT ..)+'`, `'||'`, `'-0-'`: concatenation or arithmetic with a
            // literal that rejoins the application's quote.
            let after = operand(w, i + 1)?;
            let strong = matches!(w.class(i + 1), Class::Func | Class::Select)
                || (w.class(i + 1) == Class::Open && w.class(i + 2) == Class::Select);
            (strong || (literal(w, i + 1) && closes_cleanly(w, after))).then_some(Reason::SqlOperator)
        }
        Class::Union => union(w, i),
        Class::Clause => clause(w, i),
        Class::Stmt => statement(w, i),
        Class::Comma if !bare || closed > 0 => list_tail(w, i),
        _ => None,
    }
}

/// Is there SQL after a comment (`1/**/OR/**/1=1`)? Comments between tokens are spaces.
fn following_code(w: &Window, i: usize) -> bool {
    matches!(w.class(i), Class::Logic | Class::Union | Class::Select | Class::Stmt | Class::Clause | Class::Semi)
        && w.class(i + 1) != Class::End
}

/// After an arithmetic or string-concatenation operator in a quoted context: the value
/// rejoins the application's quote (`'+'`, `'||'`) or ends the statement.
fn closes_cleanly(w: &Window, i: usize) -> bool {
    matches!(w.class(i), Class::Arith | Class::Logic | Class::Comment | Class::Semi | Class::Cmp)
        || (w.class(i) == Class::End && matches!(w.class(i.saturating_sub(1)), Class::Str))
}

/// Parses one operand at `i`: optional signs, then a literal, a name, a variable, a
/// function call or a parenthesised expression. Returns the index after it.
fn operand(w: &Window, mut i: usize) -> Option<usize> {
    // Comments read as spaces between tokens (`OR/**/1=1`).
    while w.class(i) == Class::Comment && w.class(i + 1) != Class::End {
        i += 1;
    }
    while matches!(w.class(i), Class::Arith) || (w.class(i) == Class::Logic && w.get(i).is(b"not")) {
        i += 1;
    }
    match w.class(i) {
        Class::Num | Class::Str | Class::Var | Class::Modifier => Some(after_dotted(w, i + 1)),
        Class::Ident => Some(after_dotted(w, i + 1)),
        Class::Func => Some(skip_parens(w, i + 1)),
        Class::Open => Some(skip_parens(w, i)),
        Class::Select => Some(w.len),
        _ => None,
    }
}

/// Past `.name` continuations (`users.name`, `a.b.c`).
fn after_dotted(w: &Window, mut i: usize) -> usize {
    while w.class(i) == Class::Dot && matches!(w.class(i + 1), Class::Ident | Class::Num | Class::Modifier) {
        i += 2;
    }
    i
}

/// From an `(` at `i`, past its matching `)` (or to the window's end).
fn skip_parens(w: &Window, i: usize) -> usize {
    let mut depth = 0usize;
    let mut j = i;
    while j < w.len {
        match w.class(j) {
            Class::Open => depth += 1,
            Class::Close => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return j + 1;
                }
            }
            _ => {}
        }
        j += 1;
    }
    w.len
}

/// After a boolean operator: does a predicate follow? A comparison (`1=1`, `'a'='a'`,
/// `x LIKE '%'`), a call (`SLEEP(5)`), a subquery, or a literal the query goes on after
/// (`1--`). A name or a lone literal is text: `black and white`, `1950 or 1960`.
fn predicate(w: &Window, mut i: usize) -> bool {
    while w.class(i) == Class::Comment && w.class(i + 1) != Class::End {
        i += 1;
    }
    let first = w.class(i);
    if first == Class::Select || (first == Class::Open && w.class(i + 1) == Class::Select) {
        return true;
    }
    // `OR (1=1`, `AND (version() LIKE 0x33)`: the predicate inside parentheses.
    if first == Class::Open && predicate_inside(w, i + 1) {
        return true;
    }
    let Some((after, compared)) = expression(w, i) else {
        return false;
    };
    if compared || first == Class::Func {
        return true;
    }
    let strong = literal(w, i) || (first == Class::Arith && literal(w, i + 1));
    match w.class(after) {
        Class::Comment | Class::Semi | Class::Close | Class::Union | Class::Clause => strong,
        Class::Logic => strong && predicate(w, after + 1),
        _ => false,
    }
}

fn predicate_inside(w: &Window, mut i: usize) -> bool {
    while w.class(i) == Class::Open {
        i += 1;
    }
    expression(w, i).is_some_and(|(_, compared)| compared) || w.class(i) == Class::Func
}

fn union(w: &Window, i: usize) -> Option<Reason> {
    let mut j = i + 1;
    while matches!(w.class(j), Class::Modifier | Class::Open | Class::Comment) {
        j += 1;
    }
    (w.class(j) == Class::Select).then_some(Reason::SqlKeyword)
}

/// `ORDER BY 3`, `GROUP BY x--`, `HAVING 1=1`, `LIMIT 1`, `INTO OUTFILE`, `PROCEDURE ANALYSE()`.
fn clause(w: &Window, i: usize) -> Option<Reason> {
    let s = w.get(i);
    let next = w.class(i + 1);
    let found = if s.is(b"order") || s.is(b"group") {
        w.get(i + 1).is(b"by")
            && matches!(w.class(i + 2), Class::Num | Class::Ident | Class::Func | Class::Open)
            && matches!(
                w.class(i + 3),
                Class::End
                    | Class::Comment
                    | Class::Semi
                    | Class::Comma
                    | Class::Modifier
                    | Class::Clause
                    | Class::Union
            )
            && (w.class(i + 2) != Class::Ident || w.class(i + 3) != Class::End)
    } else if s.is(b"having") || s.is(b"where") {
        predicate(w, i + 1)
    } else if s.is(b"limit") || s.is(b"offset") {
        next == Class::Num && matches!(w.class(i + 2), Class::End | Class::Comment | Class::Comma | Class::Semi)
    } else if s.is(b"procedure") {
        next == Class::Func
    } else if s.is(b"into") {
        w.get(i + 1).is(b"outfile") || w.get(i + 1).is(b"dumpfile") || next == Class::Var
    } else {
        false
    };
    found.then_some(Reason::SqlKeyword)
}

/// `; DROP TABLE x`, `; SELECT ...`, `; EXEC xp_cmdshell`.
fn statement_after_separator(w: &Window, i: usize) -> Option<Reason> {
    match w.class(i) {
        Class::Select => select_statement(w, i + 1).or(Some(Reason::SqlStatementSeparator)),
        Class::Union => union(w, i),
        _ => statement(w, i).map(|_| Reason::SqlStatementSeparator),
    }
}

/// A statement keyword at `i` followed by what only SQL puts after it.
fn statement(w: &Window, i: usize) -> Option<Reason> {
    let s = w.get(i);
    let a = w.get(i + 1);
    let b = w.class(i + 2);
    let found = if s.is(b"drop") || s.is(b"create") || s.is(b"alter") || s.is(b"truncate") {
        matches!(a.class, Class::Modifier | Class::Ident) && a.is(b"table")
            || a.is(b"database")
            || a.is(b"user")
            || (matches!(a.class, Class::Ident) && matches!(b, Class::Ident | Class::Comment | Class::Semi))
                && (a.is(b"procedure") || a.is(b"function") || a.is(b"view") || a.is(b"index") || a.is(b"schema"))
    } else if s.is(b"insert") || s.is(b"replace") {
        a.is(b"into")
    } else if s.is(b"delete") {
        a.is(b"from")
    } else if s.is(b"update") {
        a.class == Class::Ident && w.get(i + 2).is(b"set")
    } else if s.is(b"exec") || s.is(b"execute") || s.is(b"call") {
        matches!(a.class, Class::Ident | Class::Func | Class::Var | Class::Str)
            && a.class != Class::End
            && b != Class::End
            || matches!(a.class, Class::Func)
    } else if s.is(b"waitfor") {
        a.is(b"delay") || a.is(b"time")
    } else if s.is(b"shutdown") {
        matches!(a.class, Class::End | Class::Comment | Class::Semi) || a.is(b"with")
    } else if s.is(b"declare") {
        a.class == Class::Var
    } else if s.is(b"if") {
        a.class == Class::Open && predicate_inside(w, i + 2)
    } else if s.is(b"load") {
        a.is(b"data") || a.is(b"xml")
    } else {
        false
    };
    found.then_some(Reason::SqlKeyword)
}

/// `SELECT` at `i - 1`: a select list then `FROM name` ending like SQL, or a select list
/// that only SQL writes (`@@version`, a function call, `*`).
fn select_statement(w: &Window, i: usize) -> Option<Reason> {
    let mut j = i;
    let mut sql_only = false;
    let mut items = 0;
    while j < w.len {
        match w.class(j) {
            Class::Clause if w.get(j).is(b"from") => {
                let table = w.class(j + 1);
                let after = after_dotted(w, j + 2);
                let ends = matches!(
                    w.class(after),
                    Class::End
                        | Class::Comment
                        | Class::Semi
                        | Class::Clause
                        | Class::Close
                        | Class::Union
                        | Class::Modifier
                        | Class::Comma
                        | Class::Logic
                );
                return ((matches!(table, Class::Ident | Class::Open | Class::Func) && ends) || sql_only)
                    .then_some(Reason::SqlKeyword);
            }
            Class::Var | Class::Func | Class::Comma | Class::Open => sql_only = true,
            Class::Arith if items == 0 => sql_only = true,
            Class::Union | Class::Comment | Class::Semi => return sql_only.then_some(Reason::SqlKeyword),
            _ => {}
        }
        items += 1;
        j += 1;
    }
    (sql_only && items > 0).then_some(Reason::SqlKeyword)
}

/// `', 'x', 1)--`: more values for an INSERT, then the statement is closed off.
fn list_tail(w: &Window, i: usize) -> Option<Reason> {
    let mut j = i;
    while w.class(j) == Class::Comma {
        j = operand(w, j + 1)?;
    }
    if w.class(j) == Class::Close && matches!(w.class(j + 1), Class::Comment | Class::Semi) {
        return Some(Reason::SqlComment);
    }
    match w.class(j) {
        Class::Union | Class::Clause | Class::Comment => judge_tail(w, j, false, false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_sqli(value: &str) -> bool {
        let found = find(value.as_bytes(), &mut Vec::new(), true).is_some();
        assert_eq!(found, find(value.as_bytes(), &mut Vec::new(), false).is_some(), "prefilter changed {value:?}");
        found
    }

    #[test]
    fn attacks() {
        for v in [
            "' OR 1=1-- ",
            "admin'--",
            "admin'#",
            "1 OR 1=1",
            "1' or '1'='1",
            "x' AND 1=(SELECT COUNT(*) FROM tabname); --",
            "1 UNION SELECT username, password FROM users",
            "-1' union all select 1,2,3--",
            "1; DROP TABLE users",
            "'; exec master..xp_cmdshell 'dir'--",
            "1 AND SLEEP(5)",
            "1) or (1=1",
            "') or ('a'='a",
            "\" or \"\"=\"",
            "1' ORDER BY 3--+",
            "select * from users",
            "SELECT @@version",
            "1'; WAITFOR DELAY '0:0:5'--",
            "' or true--",
            "1 AND ASCII(LOWER(SUBSTRING((SELECT TOP 1 name FROM sysobjects WHERE xtype='U'), 1, 1))) > 116",
            "'='",
            "' || (select 1) || '",
        ] {
            assert!(is_sqli(v), "missed {v:?}");
        }
    }

    #[test]
    fn prose_and_data() {
        for v in [
            "O'Brien",
            "it's a nice day, isn't it",
            "rock 'n' roll",
            "black and white",
            "select the best option; drop me a line",
            "Tom & Jerry",
            "1,2,3",
            "2024-01-05",
            "john.doe@example.com",
            "price >= 10",
            "a=b",
            "the students' and teachers' books",
            "He said \"hello\" and left",
            "100%",
            "C:\\Users\\me",
            "Order by phone or email",
            "5'11\"",
        ] {
            assert!(!is_sqli(v), "flagged {v:?}");
        }
    }
}
