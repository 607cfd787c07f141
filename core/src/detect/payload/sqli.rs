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
//! (`ORDER BY 3`), a literal that rejoins the application's `'` (`x' OR 'y`). Prose does
//! not form these: `O'Brien`, `rock 'n' roll`, `black and white`, `select the best
//! option; drop me a line`, `"red" AND "blue"`, `Execute a command` stay data. Where the
//! two read alike, the judgement leans to text: a false positive gets inspection
//! switched off, and the sink checks still see the query.

use super::bytes::ByteSet;
use crate::lex::sql::{SqlLexer, SqlRules, SqlToken, SqlTokenKind};
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
    word: [u8; WORD_BUF],
    /// For strings: the quote that opened it.
    quote: u8,
    /// [`OPEN_END`], [`ONE_WORD`], [`GLUED`], [`EMPTY`], [`SPACED`].
    flags: u8,
}

/// A string that runs to the end of the value without closing: the application's own
/// closing quote will close it.
const OPEN_END: u8 = 1;
/// A string whose content is at most one word (`'x`, `' 1`): what a payload writes to
/// rejoin the application's quote. Prose quotes phrases.
const ONE_WORD: u8 = 2;
/// A line comment whose marker is glued to a letter or digit and that goes on with more
/// words (`#2 needle`, `--INFANT -CHILD`): the number sign and the option dash of prose,
/// not a comment an injection ends with (`--sp_password` is one word).
const GLUED: u8 = 4;
/// A string with nothing inside.
const EMPTY: u8 = 8;
/// Whitespace comes before the token.
const SPACED: u8 = 16;

impl Sig {
    const END: Sig = Sig { class: Class::End, word: [0; WORD_BUF], quote: 0, flags: 0 };

    fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }

    fn is(&self, word: &[u8]) -> bool {
        word.len() <= self.word.len() && self.word[..word.len()] == *word && self.word.get(word.len()) == Some(&0)
    }
}

/// Up to [`WINDOW`] significant tokens, on the stack.
struct Window {
    toks: [Sig; WINDOW],
    len: usize,
    /// The quote of the context (`'` or `"`), 0 in the bare context.
    quote: u8,
    /// The string the value left holds a phrase (`BAMBOO SOAP 1 '#`), not one word (`admin'#`).
    left_phrase: bool,
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
    /// full one only when it holds what the longer rules look for (a statement, a
    /// subquery, or a boolean operator or comparison whose operands run past it).
    fn read(lexer: SqlLexer<'_>, quote: u8, left_phrase: bool) -> Window {
        let short = Window::read_at_most(lexer, SHORT_WINDOW, quote, left_phrase);
        let needs_more = short.len == SHORT_WINDOW && short.toks[..short.len].iter().any(|t| widens_window(t.class));
        if needs_more {
            Window::read_at_most(lexer, WINDOW, quote, left_phrase)
        } else {
            short
        }
    }

    fn read_at_most(mut lexer: SqlLexer<'_>, limit: usize, quote: u8, left_phrase: bool) -> Window {
        let input = lexer.input();
        let mut window = Window { toks: [Sig::END; WINDOW], len: 0, quote, left_phrase };
        let mut pending_word: Option<Sig> = None;
        let mut spaced = false;
        while window.len < limit {
            let Some(tok) = lexer.next() else { break };
            if tok.kind == SqlTokenKind::Whitespace {
                spaced = true;
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
            let mut sig = classify(tok.kind, text);
            mark(&mut sig, &tok, input);
            if spaced {
                sig.flags |= SPACED;
                spaced = false;
            }
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
    let mut word = [0u8; WORD_BUF];
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
            word = lowercase_word(text);
            if may_be_any_keyword(text) {
                keyword_class(&word)
            } else {
                Class::Ident
            }
        }
    };
    Sig { class, word, quote: 0, flags: 0 }
}

/// The string and comment details the judgement needs beyond the class.
fn mark(sig: &mut Sig, tok: &SqlToken, input: &[u8]) {
    let content = &input[tok.content_start.min(tok.content_end)..tok.content_end];
    match tok.kind {
        SqlTokenKind::String => {
            sig.quote = input[tok.content_start.saturating_sub(1).max(tok.start)];
            if tok.end == tok.content_end {
                sig.flags |= OPEN_END;
            }
            if content.is_empty() {
                sig.flags |= EMPTY;
            }
            let trimmed = content.trim_ascii();
            if !trimmed.iter().any(u8::is_ascii_whitespace) {
                sig.flags |= ONE_WORD;
            }
        }
        SqlTokenKind::LineComment
            if content.first().is_some_and(u8::is_ascii_alphanumeric)
                && content.trim_ascii_end().iter().any(u8::is_ascii_whitespace) =>
        {
            sig.flags |= GLUED
        }
        _ => {}
    }
}

// ---- Keywords: one table, found by a perfect hash ----

/// Every word the detector gives a class of its own, lowercase; every other word is a
/// name ([`Class::Ident`]). The judgement compares further words by spelling
/// ([`Sig::is`]): those need no class.
const KEYWORDS: [(&[u8], Class); 81] = [
    (b"or", Class::Logic),
    (b"and", Class::Logic),
    (b"xor", Class::Logic),
    (b"not", Class::Logic),
    (b"like", Class::Pred),
    (b"rlike", Class::Pred),
    (b"regexp", Class::Pred),
    (b"is", Class::Pred),
    (b"in", Class::Pred),
    (b"between", Class::Pred),
    (b"sounds", Class::Pred),
    (b"div", Class::Pred),
    (b"mod", Class::Pred),
    (b"glob", Class::Pred),
    (b"match", Class::Pred),
    (b"escape", Class::Pred),
    (b"collate", Class::Pred),
    (b"true", Class::Num),
    (b"false", Class::Num),
    (b"null", Class::Num),
    (b"unknown", Class::Num),
    (b"union", Class::Union),
    (b"intersect", Class::Union),
    (b"except", Class::Union),
    (b"select", Class::Select),
    (b"insert", Class::Stmt),
    (b"update", Class::Stmt),
    (b"delete", Class::Stmt),
    (b"drop", Class::Stmt),
    (b"create", Class::Stmt),
    (b"alter", Class::Stmt),
    (b"truncate", Class::Stmt),
    (b"exec", Class::Stmt),
    (b"execute", Class::Stmt),
    (b"declare", Class::Stmt),
    (b"shutdown", Class::Stmt),
    (b"waitfor", Class::Stmt),
    (b"grant", Class::Stmt),
    (b"revoke", Class::Stmt),
    (b"call", Class::Stmt),
    (b"load", Class::Stmt),
    (b"replace", Class::Stmt),
    (b"rename", Class::Stmt),
    (b"handler", Class::Stmt),
    (b"merge", Class::Stmt),
    (b"backup", Class::Stmt),
    (b"restore", Class::Stmt),
    (b"dbcc", Class::Stmt),
    (b"kill", Class::Stmt),
    (b"if", Class::Stmt),
    (b"order", Class::Clause),
    (b"group", Class::Clause),
    (b"having", Class::Clause),
    (b"limit", Class::Clause),
    (b"procedure", Class::Clause),
    (b"into", Class::Clause),
    (b"from", Class::Clause),
    (b"where", Class::Clause),
    (b"offset", Class::Clause),
    (b"all", Class::Modifier),
    (b"distinct", Class::Modifier),
    (b"by", Class::Modifier),
    (b"table", Class::Modifier),
    (b"delay", Class::Modifier),
    (b"time", Class::Modifier),
    (b"outfile", Class::Modifier),
    (b"dumpfile", Class::Modifier),
    (b"values", Class::Modifier),
    (b"set", Class::Modifier),
    (b"top", Class::Modifier),
    (b"case", Class::Modifier),
    (b"when", Class::Modifier),
    (b"then", Class::Modifier),
    (b"else", Class::Modifier),
    (b"end", Class::Modifier),
    (b"as", Class::Modifier),
    (b"on", Class::Modifier),
    (b"join", Class::Modifier),
    (b"cast", Class::Modifier),
    (b"database", Class::Modifier),
    (b"user", Class::Modifier),
];

/// The bytes of a word the detector keeps, lowercased ([`Sig::word`]); a longer word is
/// kept as all zeros, which no keyword is.
const WORD_BUF: usize = 12;

/// The shortest and longest keyword: a word of another length is a name without a lookup.
const KEYWORD_LEN: (usize, usize) = {
    let (mut shortest, mut longest) = (usize::MAX, 0);
    let mut k = 0;
    while k < KEYWORDS.len() {
        let len = KEYWORDS[k].0.len();
        shortest = if len < shortest { len } else { shortest };
        longest = if len > longest { len } else { longest };
        k += 1;
    }
    assert!(longest <= WORD_BUF);
    (shortest, longest)
};

/// The keyword lookup multiplies a word's first eight lowercase bytes (zero-padded) by
/// this constant and keeps the top eight bits of the product: the word's slot in
/// [`KEYWORD_SLOTS`]. The constant was searched for so that no two keywords share a slot
/// (a perfect hash): a keyword added later that collides stops the build, and a new
/// constant must be searched for then. The ninth byte of the longest keywords is not
/// hashed; the slot's stored word is compared whole.
const KEYWORD_HASH: u64 = 0x438e_2ce1_c0ac_ccf9;

/// A word as two integers: its first eight bytes and the next four, little-endian,
/// zero-padded. Comparing a word to a keyword is two integer comparisons.
#[derive(Clone, Copy, PartialEq, Eq)]
struct WordKey {
    head: u64,
    tail: u32,
}

impl WordKey {
    const fn of(word: &[u8; WORD_BUF]) -> WordKey {
        let w = word;
        WordKey {
            head: u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]),
            tail: u32::from_le_bytes([w[8], w[9], w[10], w[11]]),
        }
    }

    const fn slot(self) -> usize {
        (self.head.wrapping_mul(KEYWORD_HASH) >> 56) as usize
    }
}

#[derive(Clone, Copy)]
struct KeywordSlot {
    /// The keyword, or zeros for an empty slot.
    key: WordKey,
    /// [`Class::Ident`] in an empty slot.
    class: Class,
}

const KEYWORD_SLOTS: [KeywordSlot; 256] = {
    let mut slots = [KeywordSlot { key: WordKey { head: 0, tail: 0 }, class: Class::Ident }; 256];
    let mut k = 0;
    while k < KEYWORDS.len() {
        let (text, class) = KEYWORDS[k];
        let mut word = [0u8; WORD_BUF];
        let mut j = 0;
        while j < text.len() {
            word[j] = text[j];
            j += 1;
        }
        let key = WordKey::of(&word);
        assert!(slots[key.slot()].key.head == 0, "two keywords share a slot: search another KEYWORD_HASH");
        slots[key.slot()] = KeywordSlot { key, class };
        k += 1;
    }
    slots
};

/// `text` lowercased into a zero-padded buffer; all zeros when it does not fit.
fn lowercase_word(text: &[u8]) -> [u8; WORD_BUF] {
    let mut word = [0u8; WORD_BUF];
    if text.len() <= WORD_BUF {
        for (slot, b) in word.iter_mut().zip(text) {
            *slot = b.to_ascii_lowercase();
        }
    }
    word
}

/// The class of a lowercased word ([`lowercase_word`]).
fn keyword_class(word: &[u8; WORD_BUF]) -> Class {
    key_class(WordKey::of(word))
}

/// The class of a word by its key: one multiplication, one load, two comparisons. An
/// empty slot holds zeros, which a word (never empty, never holding a NUL) does not
/// equal unless it was too long to keep, and then it is a name either way.
fn key_class(key: WordKey) -> Class {
    let slot = &KEYWORD_SLOTS[key.slot()];
    if slot.key == key {
        slot.class
    } else {
        Class::Ident
    }
}

/// The class of a token, as [`classify`] gives it, without keeping the word.
fn token_class(kind: SqlTokenKind, text: &[u8]) -> Class {
    match kind {
        SqlTokenKind::Word if !may_be_any_keyword(text) => Class::Ident,
        _ => classify(kind, text).class,
    }
}

/// Can the word `text` be a keyword, by its length and first two bytes
/// ([`KEYWORD_PREFIXES`])? A word with bytes other than letters is no keyword, whatever
/// the table says of them.
fn may_be_any_keyword(text: &[u8]) -> bool {
    may_be_keyword(&KEYWORD_PREFIXES, text, 0, text.len())
}

/// Every keyword, by first letters and length.
const KEYWORD_PREFIXES: [u16; 1024] = keyword_prefixes(u32::MAX);

/// Two letters as an index: their low five bits, the same for either case.
const fn letter_pair(first: u8, second: u8) -> usize {
    ((first & 31) as usize) << 5 | (second & 31) as usize
}

/// A set of classes, as bits.
const fn class_bit(class: Class) -> u32 {
    1 << class as u32
}

const _: () = assert!((Class::End as u32) < 32);

/// For each pair of first letters ([`letter_pair`]), the lengths of the keywords of the
/// `classes` that start with it, as bits.
const fn keyword_prefixes(classes: u32) -> [u16; 1024] {
    let mut table = [0u16; 1024];
    let mut k = 0;
    while k < KEYWORDS.len() {
        let (word, class) = KEYWORDS[k];
        assert!(word.len() >= 2 && word.len() < 16);
        if classes & class_bit(class) != 0 {
            table[letter_pair(word[0], word[1])] |= 1 << word.len();
        }
        k += 1;
    }
    table
}

/// The key of the run of ASCII letters `value[start..end]` (at most [`WORD_BUF`] long),
/// spelled as [`lowercase_word`] spells it, read with fixed-size loads where the value
/// has the bytes: for letters, setting bit 5 is lowercasing, and the bytes past the run
/// are masked off.
fn letters_key(value: &[u8], start: usize, end: usize) -> WordKey {
    let loaded = value.get(start..start + WORD_BUF).map(<&[u8; WORD_BUF]>::try_from);
    let (Some(mask), Some(Ok(bytes))) = (LETTERS_MASK.get(end - start), loaded) else {
        return WordKey::of(&lowercase_word(&value[start..end]));
    };
    let word = WordKey::of(bytes);
    WordKey { head: (word.head | 0x2020_2020_2020_2020) & mask.head, tail: (word.tail | 0x2020_2020) & mask.tail }
}

/// For a word of each length up to [`WORD_BUF`], the bits of a [`WordKey`] it covers.
const LETTERS_MASK: [WordKey; WORD_BUF + 1] = {
    let mut masks = [WordKey { head: 0, tail: 0 }; WORD_BUF + 1];
    let mut len = 0;
    while len <= WORD_BUF {
        let mut word = [0u8; WORD_BUF];
        let mut k = 0;
        while k < len {
            word[k] = 0xff;
            k += 1;
        }
        masks[len] = WordKey::of(&word);
        len += 1;
    }
    masks
};

/// The injection contexts of a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Context {
    Bare,
    Single,
    Double,
}

/// Judges `value` in every context. `bytes` is its summary: which quotes and whether a
/// backslash occur. `prefilter: false`
/// lexes every value (the reference the prefilter is tested against).
pub(crate) fn find(value: &[u8], bytes: ByteSet, prefilter: bool) -> Option<Reason> {
    let bare = !(prefilter && bare_reading_inert(value, bytes));
    let (single, double) = quotes(value, bytes);
    if !bare && !single && !double {
        return None;
    }
    // A backslash adds the reading with backslash escapes to every context.
    let readings: &[&SqlRules] = if bytes.has(ByteSet::BACKSLASH, || memchr::memchr(b'\\', value).is_some()) {
        &[&SqlRules::PAYLOAD, &SqlRules::PAYLOAD_BACKSLASH]
    } else {
        &[&SqlRules::PAYLOAD]
    };
    if bare {
        // Without `UNION` or `SELECT` the bare reading may be decided by its first tokens.
        if let Some(reason) = judge_context(value, bytes, Context::Bare, readings, prefilter) {
            return Some(reason);
        }
    }
    for (quoted, context) in [(single, Context::Single), (double, Context::Double)] {
        if quoted {
            if let Some(reason) = judge_context(value, bytes, context, readings, prefilter) {
                return Some(reason);
            }
        }
    }
    None
}

/// Which quoted readings apply: `'` and `"` occur. Without a scanned summary, one search
/// for both quotes rules out the two readings on most values, and the first quote found
/// spares the search for its own kind.
fn quotes(value: &[u8], bytes: ByteSet) -> (bool, bool) {
    if bytes.exact() {
        return (bytes.may(ByteSet::SINGLE_QUOTE), bytes.may(ByteSet::DOUBLE_QUOTE));
    }
    let Some(first) = memchr::memchr2(b'\'', b'"', value) else {
        return (false, false);
    };
    let other = if value[first] == b'\'' { b'"' } else { b'\'' };
    let both = memchr::memchr(other, &value[first + 1..]).is_some();
    (both || value[first] == b'\'', both || value[first] == b'"')
}

// ---- Prefilter: what the bare reading can act on, from the bytes ----

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
/// - a keyword word ([`words_find`] says which words the lexer may read).
///
/// Quotes, parentheses, operators and the rest may occur: the quoted readings are
/// judged apart, by [`find`].
fn bare_reading_inert(value: &[u8], bytes: ByteSet) -> bool {
    value.len() <= BARE_PREFILTER_MAX_LEN
        && !punctuation_acts(value, bytes)
        && !words_find(value, TRIGGER_CLASSES, &TRIGGER_PREFIXES)
}

/// Does `value` hold a byte sequence the bare reading acts on ([`bare_reading_inert`])?
/// The summary rules most of them out without a search.
fn punctuation_acts(value: &[u8], bytes: ByteSet) -> bool {
    let doubled = |class: u32, first: u8, second: u8| {
        bytes.has(class, || memchr::memchr(first, value).is_some())
            && memchr::memchr_iter(first, value).any(|i| value.get(i + 1) == Some(&second))
    };
    bytes.has(ByteSet::HASH_BANG, || memchr::memchr2(b'#', b'!', value).is_some())
        || doubled(ByteSet::DASH, b'-', b'-')
        || (bytes.may(ByteSet::STAR) && doubled(ByteSet::SLASH, b'/', b'*'))
        || doubled(ByteSet::PIPE, b'|', b'|')
        || doubled(ByteSet::AMPERSAND, b'&', b'&')
        || (bytes.has(ByteSet::SEMICOLON, || memchr::memchr(b';', value).is_some())
            && bytes.has(ByteSet::CLOSE_PAREN, || memchr::memchr(b')', value).is_some())
            && bytes.has(ByteSet::COMMA, || memchr::memchr(b',', value).is_some()))
}

/// Past this length [`may_hold_query_words`] answers yes without looking: reading every
/// word of a long text would cost more than the window it spares.
const QUERY_WORDS_MAX_LEN: usize = 256;

/// May a word of `value` be `UNION` (or `INTERSECT`, `EXCEPT`) or `SELECT`?
fn may_hold_query_words(value: &[u8]) -> bool {
    value.len() > QUERY_WORDS_MAX_LEN || query_words_find(value)
}

/// [`words_find`] for [`QUERY_CLASSES`], led by the keywords' first two letters: every
/// one of them starts with `un`, `in`, `ex` or `se`, so a run of letters [`words_find`]
/// accepts holds one of those pairs where its keyword starts (at the run's start, or past
/// a hexadecimal number's digits). Only the runs that hold such a pair are judged, as
/// [`words_find`] judges them; prose has few, and the pairs are found eight positions at
/// a time instead of word by word.
fn query_words_find(value: &[u8]) -> bool {
    const CASE: u64 = 0x2020_2020_2020_2020;
    // Runs that end before this offset are judged.
    let mut judged = 0;
    let mut i = 0;
    // `| 0x20` lowercases a letter and maps no other byte to a lowercase letter.
    while let (Some(Ok(first)), Some(Ok(second))) =
        (value.get(i..i + 8).map(<[u8; 8]>::try_from), value.get(i + 1..i + 9).map(<[u8; 8]>::try_from))
    {
        let a = u64::from_le_bytes(first) | CASE;
        let b = u64::from_le_bytes(second) | CASE;
        let mut pairs = ((bytes_equal(a, b'u') | bytes_equal(a, b'i')) & bytes_equal(b, b'n'))
            | (bytes_equal(a, b'e') & bytes_equal(b, b'x'))
            | (bytes_equal(a, b's') & bytes_equal(b, b'e'));
        while pairs != 0 {
            let at = i + (pairs.trailing_zeros() / 8) as usize;
            pairs &= pairs - 1;
            if at >= judged && query_run(value, at, &mut judged) {
                return true;
            }
        }
        i += 8;
    }
    while i + 1 < value.len() {
        let pair = [value[i] | 0x20, value[i + 1] | 0x20];
        if matches!(pair, [b'u' | b'i', b'n'] | [b'e', b'x'] | [b's', b'e'])
            && i >= judged
            && query_run(value, i, &mut judged)
        {
            return true;
        }
        i += 1;
    }
    false
}

/// The top bit of each byte of `word` equal to `byte`, and possibly of bytes above one
/// that is (a borrow runs on past an equal byte): the pairs it marks are candidates,
/// which [`query_run`] judges exactly, so a few extra cost a look and change no answer.
#[inline(always)]
fn bytes_equal(word: u64, byte: u8) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const TOP: u64 = 0x8080_8080_8080_8080;
    let v = word ^ (u64::from(byte) * ONES);
    v.wrapping_sub(ONES) & !v & TOP
}

/// Does the run of letters around `at` hold a word of [`QUERY_CLASSES`], as
/// [`words_find`] reads it? `judged` moves past the run. Any offset may be given: one
/// that is no letter ends the run before it, which is then judged (or is empty).
#[inline(always)]
fn query_run(value: &[u8], at: usize, judged: &mut usize) -> bool {
    let mut start = at;
    while start > 0 && value[start - 1].is_ascii_alphabetic() {
        start -= 1;
    }
    let end = letters_end(value, at);
    *judged = end;
    word_in(value, start, end, QUERY_CLASSES, &QUERY_PREFIXES)
        || (start > 0
            && value[start - 1].is_ascii_digit()
            && suffix_in(value, start, end, QUERY_CLASSES, &QUERY_PREFIXES))
}

/// One pass over `value`: true as soon as a word the lexer may read in it has a class of
/// `classes` (never [`Class::Ident`]: `prefixes`, the table of those classes' keywords,
/// rules the other words out).
///
/// A word is a run of letters, possibly inside a longer identifier (then not a keyword:
/// every keyword is letters only, and a run longer than the keyword is not the keyword).
/// The lexer starts a word where a run of letters starts, except after a digit, where a
/// hexadecimal number (`0xabc`) may end inside the run: there the rest of the run after
/// its hexadecimal digits is a word it may read ([`suffix_in`]).
///
/// Runs of letters and the bytes between them are both crossed eight bytes at a time,
/// and most words are ruled out by their length and first two letters before any lookup.
#[inline(always)]
fn words_find(value: &[u8], classes: u32, prefixes: &[u16; 1024]) -> bool {
    let mut i = if value.first().is_some_and(u8::is_ascii_alphabetic) { 0 } else { next_letter(value, 0) };
    while i < value.len() {
        let end = letters_end(value, i);
        if word_in(value, i, end, classes, prefixes) {
            return true;
        }
        if i > 0 && value[i - 1].is_ascii_digit() && suffix_in(value, i, end, classes, prefixes) {
            return true;
        }
        i = next_letter(value, end);
    }
    false
}

/// Can the run of letters `value[start..end]` be one of the keywords of `prefixes`
/// ([`keyword_prefixes`]), by its length and its first two letters?
#[inline(always)]
fn may_be_keyword(prefixes: &[u16; 1024], value: &[u8], start: usize, end: usize) -> bool {
    let len = end - start;
    (KEYWORD_LEN.0..=KEYWORD_LEN.1).contains(&len)
        && prefixes[letter_pair(value[start], value[start + 1])] & (1 << len) != 0
}

/// Is the word `value[start..end]`, a run of letters, a keyword of `classes`?
/// `prefixes`, the table of those classes' keywords ([`keyword_prefixes`]), rules most
/// words out before the lookup.
#[inline(always)]
fn word_in(value: &[u8], start: usize, end: usize, classes: u32, prefixes: &[u16; 1024]) -> bool {
    may_be_keyword(prefixes, value, start, end) && classes & class_bit(key_class(letters_key(value, start, end))) != 0
}

/// Is the word the lexer may read inside the run of letters `value[start..end]` that
/// follows a digit a keyword of `classes` ([`word_in`])? A number ends inside such a run
/// only as a hexadecimal number (`0xabcor`, `0x1bcor`): its digits (`abc`, `bc`, after
/// the `x` of a `0x` prefix) are read up to the first letter that is not one, and the
/// rest of the run is read as a word. Every other token that holds the digit (a decimal
/// number, a name, a variable, a placeholder, a string or comment) ends before the run
/// or goes on through all of it.
#[inline(always)]
fn suffix_in(value: &[u8], start: usize, end: usize, classes: u32, prefixes: &[u16; 1024]) -> bool {
    // A run that starts with a letter that is no hexadecimal digit (nor the `x` of a
    // prefix) is read whole: no number reads into it.
    let prefix = match value[start] {
        b'x' | b'X' => 1,
        b'a'..=b'f' | b'A'..=b'F' => 0,
        _ => return false,
    };
    let word = (start + prefix..end).find(|&k| !value[k].is_ascii_hexdigit()).unwrap_or(end);
    word > start && word < end && word_in(value, word, end, classes, prefixes)
}

/// The top bit of each of the eight bytes of `chunk` that is an ASCII letter: with bit 5
/// set, a letter lies in `a..=z`, and the two additions set each byte's top bit at `a`
/// and past `z` (no byte carries into the next: a byte's low seven bits plus `0x1f` stay
/// below `0x100`); bytes with the top bit set are no letters.
#[inline(always)]
fn letter_bits(chunk: [u8; 8]) -> u64 {
    const LOW: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const TOP: u64 = 0x8080_8080_8080_8080;
    const CASE: u64 = 0x2020_2020_2020_2020;
    let bytes = u64::from_le_bytes(chunk);
    let low = (bytes | CASE) & LOW;
    let from_a = low + 0x1f1f_1f1f_1f1f_1f1f;
    let past_z = low + 0x0505_0505_0505_0505;
    from_a & !past_z & !bytes & TOP
}

/// The end of the run of ASCII letters that starts at `i`: eight bytes at a time where
/// the value has them.
#[inline(always)]
fn letters_end(value: &[u8], mut i: usize) -> usize {
    const TOP: u64 = 0x8080_8080_8080_8080;
    while let Some(Ok(chunk)) = value.get(i..i + 8).map(<[u8; 8]>::try_from) {
        let others = !letter_bits(chunk) & TOP;
        if others != 0 {
            return i + (others.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < value.len() && value[i].is_ascii_alphabetic() {
        i += 1;
    }
    i
}

/// The first ASCII letter after `i`, where a run of letters ended (the value's length
/// when none is left): eight bytes at a time where the value has them, after a look at
/// the next byte, since words are most often one byte apart.
#[inline(always)]
fn next_letter(value: &[u8], mut i: usize) -> usize {
    i += 1;
    if value.get(i).is_some_and(u8::is_ascii_alphabetic) {
        return i;
    }
    while let Some(Ok(chunk)) = value.get(i..i + 8).map(<[u8; 8]>::try_from) {
        let letters = letter_bits(chunk);
        if letters != 0 {
            return i + (letters.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < value.len() && !value[i].is_ascii_alphabetic() {
        i += 1;
    }
    i
}

/// Word classes the bare reading may act on (see [`bare_reading_inert`]): all but the
/// four it only reads as operands or, in quoted contexts alone, as comparisons. Named by
/// exclusion, so a class added later counts until proven inert.
const TRIGGER_CLASSES: u32 =
    !(class_bit(Class::Ident) | class_bit(Class::Num) | class_bit(Class::Modifier) | class_bit(Class::Pred));
const TRIGGER_PREFIXES: [u16; 1024] = keyword_prefixes(TRIGGER_CLASSES);

/// The words [`may_hold_query_words`] looks for.
const QUERY_CLASSES: u32 = class_bit(Class::Union) | class_bit(Class::Select);
const QUERY_PREFIXES: [u16; 1024] = keyword_prefixes(QUERY_CLASSES);

// ---- End of the prefilter ----

/// `fast`: decide from the first tokens where they suffice ([`plain_expression`],
/// [`tail_starts`]).
fn judge_context(value: &[u8], bytes: ByteSet, context: Context, readings: &[&SqlRules], fast: bool) -> Option<Reason> {
    for rules in readings {
        let found = match context {
            Context::Bare => {
                let lexer = SqlLexer::new(rules, value);
                if fast && plain_expression(lexer, value, bytes) {
                    continue;
                }
                judge_bare(lexer)
            }
            Context::Single | Context::Double => {
                let quote = if context == Context::Single { b'\'' } else { b'"' };
                // The string the application opened runs into the value; where it ends,
                // the value has left it. An unterminated string never leaves.
                let (opened, lexer) = SqlLexer::after_quote(rules, value, quote);
                if opened.end >= value.len() {
                    continue;
                }
                // Most values that leave the quote go on with a word (`O'Brien`, `it's`):
                // decided by that token, without reading the window.
                if fast && !tail_starts(first_past_closes(lexer), false, true) {
                    continue;
                }
                let left = value[opened.content_start..opened.content_end].trim_ascii();
                let phrase = left.iter().any(u8::is_ascii_whitespace);
                judge_tail(&Window::read(lexer, quote, phrase), 0, false, false)
            }
        };
        if found.is_some() {
            return found;
        }
    }
    None
}

/// Does a bare value stay data by the expression it starts with? [`judge_bare`] finds
/// no union and no subquery when its window holds no `UNION` and no `SELECT` token. A
/// first token that is a name, a literal or a variable starts no statement or condition
/// and no leading comment, so what is left is the expression it starts and
/// [`judge_tail`] after it. Read here as simple operands (one token each: no call, no
/// parenthesis, no `a.b`, no sign) joined by operators and comparisons, the expression
/// is what [`expression`] reads; when the token after it neither goes on with it (`.`,
/// `(`, `)`, `NOT`, a predicate word) nor starts a tail ([`tail_starts`]), the tail finds
/// nothing, whatever the expression compared: `Great shoes, ..`,
/// `text/html,application/xml;q=0.9`, `2024-01-05`. Anything else is left to the window.
///
/// Whether the window holds `UNION` or `SELECT`: when the first [`SHORT_WINDOW`]
/// significant tokens hold none of the classes that make [`Window::read`] read further,
/// the window is those tokens, and their classes answer. Reading on from the expression
/// pays where a quote opens a string that runs over the rest of the value (`I'd order
/// them again ..`: the words after the apostrophe are one string token), and past
/// [`QUERY_WORDS_MAX_LEN`], where the words are not searched; elsewhere the value's words
/// are searched ([`may_hold_query_words`]).
fn plain_expression(mut lexer: SqlLexer<'_>, value: &[u8], bytes: ByteSet) -> bool {
    // Significant tokens read, and whether one of them makes the window longer.
    let mut read = 0;
    let mut widens = false;
    let mut significant = || next_class(&mut lexer, &mut read, &mut widens);
    let simple = |class: Class| matches!(class, Class::Ident | Class::Num | Class::Modifier | Class::Str | Class::Var);
    let mut operand = significant();
    loop {
        if !operand.is_some_and(simple) {
            return false;
        }
        let Some(next) = significant() else { break };
        match next {
            Class::Arith | Class::Cmp => operand = significant(),
            Class::Dot | Class::Open | Class::Close | Class::Pred | Class::Select => return false,
            // `NOT` is a boolean operator: it starts a tail.
            class if tail_starts(class, true, false) => return false,
            _ => break,
        }
    }
    let lex_on = value.len() > QUERY_WORDS_MAX_LEN
        || bytes.may(ByteSet::SINGLE_QUOTE)
        || bytes.may(ByteSet::DOUBLE_QUOTE)
        || bytes.may(ByteSet::BACKTICK);
    if lex_on && !widens {
        while read < SHORT_WINDOW && !widens {
            if next_class(&mut lexer, &mut read, &mut widens).is_none() {
                return !widens;
            }
        }
        if !widens {
            return true;
        }
    }
    !may_hold_query_words(value)
}

/// The class of the next significant token of `lexer`, counted in `read`; `widens` is
/// set when it makes the window longer ([`widens_window`]).
#[inline(always)]
fn next_class(lexer: &mut SqlLexer<'_>, read: &mut usize, widens: &mut bool) -> Option<Class> {
    let input = lexer.input();
    let tok = lexer.find(|tok| tok.kind != SqlTokenKind::Whitespace)?;
    let class = token_class(tok.kind, &input[tok.start..tok.end]);
    *read += 1;
    *widens |= widens_window(class);
    Some(class)
}

/// Does a token of `class` in the short window make [`Window::read`] read the long one?
fn widens_window(class: Class) -> bool {
    matches!(class, Class::Select | Class::Union | Class::Stmt | Class::Logic | Class::Cmp)
}

/// The bare context (`WHERE id = VALUE`, `ORDER BY VALUE`).
fn judge_bare(lexer: SqlLexer<'_>) -> Option<Reason> {
    let w = Window::read(lexer, 0, false);
    // `UNION SELECT` anywhere: there is no reading of it as data.
    if (0..w.len).any(|k| w.class(k) == Class::Union && union(&w, k).is_some()) {
        return Some(Reason::SqlKeyword);
    }
    // Leading comments read as space: what follows them decides (`/**/1 OR 1=1`). A
    // multipart body starts with `--boundary`, a config file with `# comment`.
    let mut i = 0;
    while w.class(i) == Class::Comment {
        i += 1;
    }
    // A whole statement as the value.
    match w.class(i) {
        Class::Select => return select_statement(&w, i + 1),
        Class::Stmt => return statement(&w, i),
        Class::ExecOpen if w.len > i + 1 => return Some(Reason::SqlComment),
        // `; DROP TABLE users--`: the value starts a statement of its own; `OR 1=1`,
        // `AND SLEEP(5)`: a condition of its own.
        Class::Semi | Class::Logic => return judge_tail(&w, i, true, false),
        _ => {}
    }
    // A subquery anywhere (`1=(select @@version)`, `conv(hex((select user())),16,10)`).
    if (i..w.len).any(|k| subquery(&w, k)) {
        return Some(Reason::SqlKeyword);
    }
    let start = i;
    while w.class(i) == Class::Open {
        i += 1;
    }
    if matches!(w.class(i), Class::Select) {
        return select_statement(&w, i + 1);
    }
    // Read past the opening parentheses (`1) OR (1=1`), and as a whole expression
    // (`(1)*x AND 8=3`).
    let inside = expression(&w, i).and_then(|(after, compared)| judge_tail(&w, after, true, compared));
    inside.or_else(|| {
        let (after, compared) = expression(&w, start).filter(|_| start != i)?;
        judge_tail(&w, after, true, compared)
    })
}

/// `(SELECT ..)` at `k`, as SQL writes a subquery: a select list then `FROM` a table that
/// ends like SQL, or a select list only SQL writes (a variable, a call glued to its
/// parenthesis). `(select one, two or three)` and `(select from the list)` are text.
fn subquery(w: &Window, k: usize) -> bool {
    if w.class(k) != Class::Open || w.class(k + 1) != Class::Select {
        return false;
    }
    let close = skip_parens(w, k);
    for j in k + 2..close {
        match w.class(j) {
            Class::Clause if w.get(j).is(b"from") => {
                let table = w.class(j + 1);
                let after = if table == Class::Func { skip_parens(w, j + 2) } else { after_dotted(w, j + 2) };
                let alias = if w.class(after) == Class::Ident { after + 1 } else { after };
                // `SELECT FROM t` has no select list.
                return j > k + 2
                    && matches!(table, Class::Ident | Class::Func | Class::Open)
                    && matches!(
                        w.class(alias),
                        Class::Close
                            | Class::End
                            | Class::Comma
                            | Class::Clause
                            | Class::Logic
                            | Class::Union
                            | Class::Semi
                            | Class::Comment
                    );
            }
            Class::Var => return true,
            Class::Func if call_is_code(w, j) => return true,
            _ => {}
        }
    }
    false
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
    loop {
        // `NOT LIKE`, `NOT BETWEEN`, `SOUNDS LIKE`: one operator of two words.
        let negated = w.get(after).is(b"not") && w.class(after + 1) == Class::Pred;
        if !negated && !matches!(w.class(after), Class::Arith | Class::Cmp | Class::Pred) {
            break;
        }
        let mut op = after + usize::from(negated);
        while w.class(op) == Class::Pred && w.class(op + 1) == Class::Pred {
            op += 1;
        }
        let Some(next) = operand(w, op + 1) else { break };
        // The operand's first token past signs and `NOT` (`IS NOT NULL`, `= -1`).
        let mut first = op + 1;
        while w.class(first) == Class::Arith || w.get(first).is(b"not") {
            first += 1;
        }
        if w.class(op) != Class::Arith && (literal(w, first) || literal(w, after.saturating_sub(1))) {
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
    if !tail_starts(w.class(i), bare, closed > 0) {
        return None;
    }
    let next = w.class(i + 1);
    match w.class(i) {
        Class::Comment | Class::ExecOpen => {
            // `admin'--`, `1)#`, `1=1-- `: the rest of the application's query is gone. A
            // bare word or number followed by a comment is too common in text to judge.
            if closed > 0 || compared || w.class(i) == Class::ExecOpen || following_code(w, i + 1) {
                return Some(Reason::SqlComment);
            }
            // `7" #2 needle`, `wool' --kids`: a glued `#2` or `--word` is prose, and so is
            // a comment right after a quoted phrase (`BAMBOO SOAP 1 '#`): `admin'--` leaves a
            // one-word value.
            (!bare && !w.get(i).has(GLUED) && !w.left_phrase).then_some(Reason::SqlComment)
        }
        Class::Semi => match next {
            Class::Stmt | Class::Select | Class::Union => statement_after_separator(w, i + 1),
            Class::Comment if !bare => Some(Reason::SqlStatementSeparator),
            _ => None,
        },
        Class::Logic if !bare && w.get(i).is(b"not") && w.class(i + 1) == Class::Pred => quoted_comparison(w, i + 1),
        Class::Logic => predicate(w, i + 1).then_some(Reason::SqlKeyword),
        Class::Cmp | Class::Pred if !bare => quoted_comparison(w, i),
        Class::Arith if !bare => quoted_arithmetic(w, i),
        Class::Union => union(w, i),
        Class::Clause => clause(w, i),
        Class::Stmt => statement(w, i),
        Class::Comma if !bare || closed > 0 => list_tail(w, i),
        _ => None,
    }
}

/// The tokens [`judge_tail`] acts on, first after the point where the value left its
/// slot and any closing parentheses (`closed`: there were some): after any other token
/// the value stays data, whatever follows. Comparisons and arithmetic count only in the
/// quoted contexts, and a comma only there or after a `)`.
fn tail_starts(class: Class, bare: bool, closed: bool) -> bool {
    match class {
        Class::Comment | Class::ExecOpen | Class::Semi | Class::Logic | Class::Union | Class::Clause | Class::Stmt => {
            true
        }
        Class::Cmp | Class::Pred | Class::Arith => !bare,
        Class::Comma => !bare || closed,
        _ => false,
    }
}

/// The class of the first significant token from `lexer` past closing parentheses, as
/// [`Window::read`] classifies it (a name before `(` is a call there: neither starts a
/// tail).
fn first_past_closes(mut lexer: SqlLexer<'_>) -> Class {
    let input = lexer.input();
    for tok in lexer.by_ref() {
        if !matches!(tok.kind, SqlTokenKind::Whitespace | SqlTokenKind::CloseParen) {
            return token_class(tok.kind, &input[tok.start..tok.end]);
        }
    }
    Class::End
}

/// Does the token at `k` end the value inside a string that the application's own
/// closing quote closes? `' OR 'x` spliced into `'..'` reads `'' OR 'x'`: the payload
/// rejoins the quote and the query stays valid. A string opened with the other quote
/// (`'-"8`) stays open, and a phrase on either side (`' is a word`, `lines by '*':`) is
/// prose quoting, not a rejoin.
/// Only in the `'..'` context: text quotes with `"` all the time (`"red" AND "blue"`,
/// `"LIKE" stamp`, inch marks), and `".."` is an identifier in every engine but MySQL.
fn rejoins(w: &Window, k: usize) -> bool {
    let s = w.get(k);
    w.quote == b'\''
        && !w.left_phrase
        && s.class == Class::Str
        && s.has(OPEN_END)
        && s.has(ONE_WORD)
        && s.quote == w.quote
        && w.class(k + 1) == Class::End
}

/// Does the value end where an injection ends after the expression that ends at `k`:
/// rejoining the application's quote, at a comment, or going on as SQL?
fn ends_as_payload(w: &Window, k: usize) -> bool {
    match w.class(k) {
        Class::Comment => !w.get(k).has(GLUED),
        Class::Semi | Class::Union => true,
        Class::Logic => predicate(w, k + 1),
        // `aa'^0+0='0`: the chain is compared in turn.
        Class::Cmp | Class::Pred => {
            let mut j = k + 1;
            while w.class(j) == Class::Pred || w.get(j).is(b"not") {
                j += 1;
            }
            expression(w, j).is_some_and(|(after, _)| literal(w, j) && ends_as_payload(w, after))
        }
        Class::End => rejoins(w, k.saturating_sub(1)),
        _ => false,
    }
}

/// A comparison right after the value left its quote: `'='`, `' = 1--`, `x' LIKE 'x`,
/// `a' SOUNDS LIKE 'b`, `a' NOT REGEXP 'b`. The compared literal must end the value as a
/// payload does (`">Home</a>` is markup, `Q="<3"&VIEW=` is a URL in quotes).
fn quoted_comparison(w: &Window, i: usize) -> Option<Reason> {
    let mut j = i + 1;
    while w.class(j) == Class::Pred || w.get(j).is(b"not") {
        j += 1;
    }
    let (after, _) = expression(w, j)?;
    let goes_on = matches!(w.class(after), Class::Comment | Class::Logic | Class::Semi | Class::Union);
    // `"=sleep(12)="`, `'=(SELECT ..)`: compared with code, wherever the value ends.
    let code = (w.class(j) == Class::Func && call_is_code(w, j))
        || (w.class(j) == Class::Open && w.class(j + 1) == Class::Select);
    (goes_on || code || (literal(w, j) && ends_as_payload(w, after) && !quoted_word(w, i, after)))
        .then_some(Reason::SqlOperator)
}

/// `'OR'`, `"like"`, `'NOT LIKE'`: the whole value is one quoted word operator, a search
/// for that word. A payload puts something on either side (`x' OR 'y`).
fn quoted_word(w: &Window, op: usize, after: usize) -> bool {
    let last = w.get(after.saturating_sub(1));
    after == w.len
        && after >= op + 2
        && last.has(EMPTY)
        && !last.has(SPACED)
        && !w.get(op).has(SPACED)
        && (op..after - 1).all(|k| w.get(k).word[0] != 0)
}

/// Arithmetic or concatenation right after the value left its quote. A call or a subquery
/// is code (`'+(SELECT ..)+'`, `'||version()||'`). Otherwise the chain must reach a column
/// or a variable (`1'*id-'0`, `'-@a-'`) and end as a payload ends: prose puts `-`, `+`,
/// `*`, `&` between quoted words and measurements (`"red" + "blue"`, `1/4"-1/2"`, `5'-6'`).
fn quoted_arithmetic(w: &Window, i: usize) -> Option<Reason> {
    if matches!(w.class(i + 1), Class::Func | Class::Select)
        || (w.class(i + 1) == Class::Open && w.class(i + 2) == Class::Select)
    {
        return Some(Reason::SqlOperator);
    }
    let mut j = i;
    let mut code = false;
    while w.class(j) == Class::Arith {
        let mut k = j + 1;
        while matches!(w.class(k), Class::Arith) || w.get(k).is(b"not") {
            k += 1;
        }
        code |= matches!(w.class(k), Class::Ident | Class::Var | Class::Func | Class::Open);
        j = operand(w, j + 1)?;
    }
    // Between literals only in `'..'` (`'-'`, `1'+'1`), and not a range of feet (`5'-6'`).
    let measurement = w.class(j) == Class::End && j >= 2 && w.get(j - 1).has(EMPTY) && w.class(j - 2) == Class::Num;
    let literals = w.quote == b'\'' && !measurement;
    ((code || literals) && ends_as_payload(w, j)).then_some(Reason::SqlOperator)
}

/// Is there SQL after a comment (`1/**/OR/**/1=1`)? Comments between tokens are spaces.
fn following_code(w: &Window, i: usize) -> bool {
    matches!(w.class(i), Class::Logic | Class::Union | Class::Select | Class::Stmt | Class::Clause | Class::Semi)
        && w.class(i + 1) != Class::End
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
    // `OR (SELECT ..)`, `AND SELECT 1 FROM t` (`Drag and select a window` is an instruction).
    if (first == Class::Open && w.class(i + 1) == Class::Select)
        || (first == Class::Select && select_statement(w, i + 1).is_some())
    {
        return true;
    }
    // `OR (1=1`, `AND (version() LIKE 0x33)`: the predicate inside parentheses.
    if first == Class::Open && predicate_inside(w, i + 1) {
        return true;
    }
    let Some((after, compared)) = expression(w, i) else {
        return false;
    };
    if compared || (first == Class::Func && call_is_code(w, i)) {
        return true;
    }
    let strong = literal(w, i) || (first == Class::Arith && literal(w, i + 1));
    match w.class(after) {
        Class::Comment | Class::Semi | Class::Close | Class::Union | Class::Clause => strong,
        Class::Logic => strong && predicate(w, after + 1),
        // `' OR 'x`: the literal rejoins the application's quote.
        Class::End => strong && rejoins(w, after - 1) && !quoted_word(w, i.saturating_sub(1), after),
        _ => false,
    }
}

/// Is the call at `k` code? `SLEEP(5)` glued to its parenthesis is. Prose puts a space
/// before a parenthetical and words inside it and after it: `apply (switch to) the new
/// configuration`, `windows (inside a tmux session)`.
fn call_is_code(w: &Window, k: usize) -> bool {
    if !w.get(k + 1).has(SPACED) {
        return true;
    }
    let close = skip_parens(w, k + 1);
    let word = |c: Class| matches!(c, Class::Ident | Class::Num | Class::Str | Class::Modifier);
    let prose_inside = (k + 2..close.saturating_sub(1)).any(|j| word(w.class(j)) && word(w.class(j + 1)));
    !prose_inside && !word(w.class(close))
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
    let found = if s.is(b"drop") || s.is(b"create") || s.is(b"alter") || s.is(b"truncate") {
        ddl_object(w, i + 1)
    } else if s.is(b"insert") || s.is(b"replace") {
        a.is(b"into")
    } else if s.is(b"delete") {
        a.is(b"from")
    } else if s.is(b"update") {
        a.class == Class::Ident && w.get(i + 2).is(b"set")
    } else if s.is(b"exec") || s.is(b"execute") || s.is(b"call") {
        procedure_call(w, i + 1)
    } else if s.is(b"waitfor") {
        a.is(b"delay") || a.is(b"time")
    } else if s.is(b"shutdown") {
        matches!(a.class, Class::End | Class::Comment | Class::Semi) || a.is(b"with")
    } else if s.is(b"declare") {
        a.class == Class::Var
    } else if s.is(b"if") {
        a.class == Class::Open && predicate_inside(w, i + 2)
    } else if s.is(b"load") {
        // `LOAD DATA [LOCAL] INFILE`, `LOAD XML`; `load data from a file` is prose.
        (a.is(b"data") || a.is(b"xml")) && (w.get(i + 2).is(b"infile") || w.get(i + 3).is(b"infile"))
    } else {
        false
    };
    found.then_some(Reason::SqlKeyword)
}

/// After `DROP`/`CREATE`/`ALTER`/`TRUNCATE` at `i - 1`: `TABLE users`, `DATABASE x;`,
/// `INDEX i ON t`, `TABLE IF EXISTS t`, `TABLE t ADD ..`: an object kind, then a name where the statement
/// ends or goes on as SQL. `create table data to MySQL`, `Create index for a file` are
/// instructions in prose: a word follows the name.
fn ddl_object(w: &Window, i: usize) -> bool {
    let kind = w.get(i);
    let kinds: [&[u8]; 10] =
        [b"table", b"database", b"user", b"procedure", b"function", b"view", b"index", b"schema", b"trigger", b"login"];
    if !kinds.iter().any(|k| kind.is(k)) {
        return false;
    }
    let mut j = i + 1;
    if w.get(j).is(b"if") {
        j += 1;
        while w.get(j).is(b"not") || w.get(j).is(b"exists") {
            j += 1;
        }
    }
    if !matches!(w.class(j), Class::Ident | Class::Str | Class::Func) {
        return false;
    }
    let after = if w.class(j) == Class::Func { skip_parens(w, j + 1) } else { after_dotted(w, j + 1) };
    let altered = w.get(i - 1).is(b"alter") && kind.is(b"table");
    let action: [&[u8]; 6] = [b"add", b"drop", b"change", b"modify", b"rename", b"alter"];
    match w.class(after) {
        Class::End | Class::Comment | Class::Semi | Class::Open | Class::Comma | Class::Close => true,
        // `ALTER TABLE t CHANGE c ..`, `ALTER TABLE t ADD ..`.
        Class::Ident | Class::Stmt if altered => action.iter().any(|a| w.get(after).is(a)),
        Class::Modifier => w.get(after).is(b"as") || w.get(after).is(b"on") || w.get(after).is(b"set"),
        Class::Select | Class::Stmt => true,
        _ => false,
    }
}

/// After `EXEC`/`CALL` at `i - 1`: a procedure and its arguments as SQL writes them:
/// `xp_cmdshell 'dir'`, `master..xp_cmdshell`, `sp_x @a=1`, `f(1)`, `(@s)`. `Execute a
/// command`, `Call a function on the module` put words after the name.
fn procedure_call(w: &Window, i: usize) -> bool {
    match w.class(i) {
        Class::Func => true,
        Class::Open => matches!(w.class(i + 1), Class::Var | Class::Str),
        Class::Ident | Class::Var | Class::Str => {
            matches!(w.class(i + 1), Class::Str | Class::Num | Class::Var | Class::Comment | Class::Semi | Class::Dot)
        }
        _ => false,
    }
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
                // `FROM users`, `FROM db.users`, `FROM pg_sleep(15)`.
                let after = if table == Class::Func { skip_parens(w, j + 2) } else { after_dotted(w, j + 2) };
                // `select x from y where` with nothing after the clause is a sentence cut short.
                let ends = match w.class(after) {
                    Class::End | Class::Comment | Class::Semi | Class::Close | Class::Union | Class::Comma => true,
                    Class::Clause | Class::Modifier => w.class(after + 1) != Class::End,
                    Class::Logic => predicate(w, after + 1),
                    _ => false,
                };
                return ((matches!(table, Class::Ident | Class::Open | Class::Func) && ends) || sql_only)
                    .then_some(Reason::SqlKeyword);
            }
            // `Select pages 1, 2, and 6 from ..`, `Select full path and size from ..`: words
            // in a row and lists closed by `and` are prose, whatever follows.
            Class::Comma if w.class(j + 1) == Class::Logic => return None,
            Class::Ident | Class::Num | Class::Str
                if w.class(j + 1) == Class::Ident
                    && !matches!(
                        w.class(j + 2),
                        Class::Comma
                            | Class::Clause
                            | Class::End
                            | Class::Comment
                            | Class::Semi
                            | Class::Union
                            | Class::Close
                    ) =>
            {
                return None
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
        let found = find(value.as_bytes(), ByteSet::of(value.as_bytes(), true), true).is_some();
        assert_eq!(
            found,
            find(value.as_bytes(), ByteSet::of(value.as_bytes(), false), false).is_some(),
            "prefilter changed {value:?}"
        );
        found
    }

    /// The pair scan finds a query word exactly where the word by word scan does: on
    /// values built from query words and their near misses, glued to hexadecimal numbers,
    /// in both cases, across the eight-byte blocks.
    #[test]
    fn query_pairs_agree_with_the_word_scan() {
        for (word, class) in KEYWORDS {
            if QUERY_CLASSES & class_bit(class) != 0 {
                assert!(
                    matches!(&word[..2], b"un" | b"in" | b"ex" | b"se"),
                    "{word:?} starts with no pair of the scan"
                );
            }
        }
        const PIECES: &[&str] = &[
            " ",
            "  ",
            ",",
            "union",
            "UNION",
            "Union",
            "unions",
            "select",
            "SeLeCt",
            "selects",
            "except",
            "EXCEPT",
            "intersect",
            "in",
            "inn",
            "se",
            "ex",
            "un",
            "x",
            "0x",
            "0x1",
            "0",
            "1",
            "abc",
            "f",
            "e",
            "_",
            "'",
            "(",
            "the",
            "sun",
            "sent",
            "index",
            "un1on",
            "é",
        ];
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let (mut found, mut values) = (0, 0);
        let mut value = Vec::new();
        for _ in 0..100_000 {
            value.clear();
            for _ in 0..1 + state % 10 {
                let next = crate::test_random::xorshift(&mut state);
                value.extend_from_slice(PIECES[(next % PIECES.len() as u64) as usize].as_bytes());
            }
            let expected = words_find(&value, QUERY_CLASSES, &QUERY_PREFIXES);
            assert_eq!(query_words_find(&value), expected, "{:?}", String::from_utf8_lossy(&value));
            found += usize::from(expected);
            values += 1;
        }
        assert!(found > 1_000 && found < values - 1_000, "{found} of {values} hold a query word");
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

    fn assert_classes(attacks: &[&str], benign: &[&str]) {
        for v in attacks {
            assert!(is_sqli(v), "missed {v:?}");
        }
        for v in benign {
            assert!(!is_sqli(v), "flagged {v:?}");
        }
    }

    /// A boolean operator or comparison whose literal rejoins the application's `'`: the
    /// query stays valid (`'' OR 'x'`). Text quoting with `"`, a quoted phrase, or the
    /// whole value being one quoted word are not rejoins.
    #[test]
    fn operator_then_rejoining_literal() {
        assert_classes(
            &[
                "A' OR 'B",
                "x' AND 'y",
                "A 'OR' B",
                "' || '",
                "a'&&'b",
                "a' LIKE 'b",
                "a' SOUNDS LIKE 'b",
                "a' NOT REGEXP 'b",
                "1' OR '1' XOR '0",
                "'or'1",
                "'='",
                "X' = 'X' = 0 = '1",
                "x'<email--",
                "SKLJDRTZWS89E450W49NQB0W45BN\"=sleep(12)=\"",
            ],
            &[
                "red\" AND \"blue",
                "CHRISTMAS STOCKING \"NOT\" STUFFER",
                "\"LIKE\" STAMP",
                "countdown calendar\" and \"disney:",
                "'and'",
                "select 'and'",
                "the word 'or' is a conjunction",
                "byte counts and '!' prompt",
                "students' and 'teachers books",
                "/SEARCH?SUBMIT=&Q=\"<3\"&VIEW_TYPE=GALLERY",
                "\">Home</a>",
            ],
        );
    }

    /// Arithmetic or concatenation after leaving the quote: a column, variable, call or
    /// subquery is code; between literals only in `'..'`, never for measurements and
    /// quoted words joined by symbols.
    #[test]
    fn quoted_arithmetic() {
        assert_classes(
            &[
                "'-'",
                "A' * 'B",
                "1'*id-'0",
                "'-@a1 union select us3rs from table1",
                "aa'^0+0='0",
                "'+(SELECT 1)+'",
                "x\"||version()||\"",
                "'-((1) or -1) and 1=0 union",
            ],
            &[
                "\"*\"",
                "SMALL \"&\" SIGN",
                "RECLAIMED WOOD\" + \"SIGN\" + \"PRIMITIVE\"",
                "1/4\"-1/2\" WIDE RIBBON",
                "1/4\"-1/2RIBBON",
                "'-\"8 TRACK\"",
                "5'-6'",
                "replacing duplicate lines by '*':",
                "headers as JSON (e.g., '{\"X-Custom\": \"Value\"}'):",
            ],
        );
    }

    /// A comment right after the quote ends an injection; the number sign and option
    /// dashes of text, and a comment after a quoted phrase, do not.
    #[test]
    fn comment_after_quote() {
        assert_classes(
            &["admin'--", "admin'#", "x' -- ", "1'--sp_password", "admin')#", "x' #comment"],
            &[
                "7\" #2 CIRCULAR NEEDLE",
                "\"#2 MOM\"",
                "FOO BAR'# BLAH",
                "BAMBOO CHARCOAL SOAP 1 '#",
                "BROWN -TODDLER -DRESSES' --INFANT -CHILD -KIDS",
                "WOOL' -SHOES -HEEL --INFANT -CHILD",
            ],
        );
    }

    /// A statement keyword is SQL only when SQL's grammar follows it; instructions in
    /// prose start with the same verbs.
    #[test]
    fn statements_and_instructions() {
        assert_classes(
            &[
                "1; exec master..xp_cmdshell 'dir'",
                "; EXEC sp_configure 'show advanced options', 1",
                "exec(@s)",
                "call f(1)",
                "DROP TABLE users",
                "1; drop table if exists users--",
                "create index i on t (c)",
                "1;load xml concurrent infile \"foo\"",
                "ALTER TABLE `mass_mails` CHANGE `receivers` `receivers` ENUM('A','B')",
                "OR 1=1",
                "AND ISNULL(1/0)",
                "OR '{\"b\":2}'::jsonb > '{\"a\":1}'::jsonb",
                "select 1 from foo where 1=1",
                "select name from users where id = 1",
                "1 AND SELECT 1 FROM t",
            ],
            &[
                "1; exec will create the case 7",
                "Execute a command in a new terminal window:",
                "Call a specific service:",
                "Create index for a bgzipped VCF file:",
                "Create table data to MySQL database from CSV file:",
                "select x from y where",
                "Select pages 1, 2, 3, and 6 from a source document",
                "Select full path and size from temporary or configuration files in a given directory:",
                "Batch load data from a specific file in formats such as CSV:",
                "Drag and select a window on screen to display screenkey:",
                "Build and apply (switch to) the new configuration:",
                "Switch between sessions and windows (inside a tmux session):",
                "Copy (\"yank\") or cut (\"delete\") the current line",
                "alter table names in the docs",
                "or 5 stars",
                "Not (sure)",
                "and then some",
            ],
        );
    }

    /// A subquery anywhere in a bare value, and expressions that start with parentheses.
    #[test]
    fn subqueries_and_parenthesised_expressions() {
        assert_classes(
            &[
                "1=(select @@version)",
                "(select 99999999 from pg_sleep(15))",
                "length((select length(version())))",
                "convert(numeric,(select max(dbname) from master..syslogins))--",
                "1 RLIKE (SELECT * FROM (SELECT(SLEEP(5)))FsPL)",
                "(1)*HOPE AND 8=3",
                "1 AND 1 NOT LIKE 0",
                "' OR UserID IS NOT NULL",
            ],
            &[
                "Choose a size (select one, two or three)",
                "(select all that apply)",
                "(select from the list)",
                "(555) 123-4567",
                "(1) or (2)",
                "(a) pick a color and (b) a size",
                "(5)+(3)=8",
                "it is not like that",
            ],
        );
    }

    /// Leading comments read as space: the code after them decides. A multipart body
    /// or a text starting with a `--` line is not an attack by that alone.
    #[test]
    fn leading_comments() {
        assert_classes(
            &["/**/1 OR 1=1", "#x\n1 OR 1=1", "--\n1 UNION SELECT 1", "/*!UNION SELECT*/ 1"],
            &[
                "------WebKitFormBoundaryABC\nContent-Disposition: form-data; name=\"image\"; filename=\"a.jpg\"\n\
                 Content-Type: image/jpeg\n\nBINARYDATA\n------WebKitFormBoundaryABC--\n",
                "-- no comment --",
                "# Title\nsome text, and more",
            ],
        );
    }
}
