//! NoSQL (MongoDB-style) operator injection: did a user-supplied object bring a query
//! operator (`$ne`, `$gt`, `$regex`, `$where`, ...) into the filter? And, for filters
//! built by string concatenation, did an input break out of a JSON string?
//!
//! The rules are in `docs/detection/nosql.md`. In short, an input *supplies an operator*
//! when its flattened key ends in a `$name` segment (`password.$ne`, `user[password][$ne]`
//! -> `user.password.$ne`), or its value is a JSON document with a `"$name":` key. Such an
//! operator is an attack when the filter holds the same operator key *for that input*:
//! under the same parent field, or with the same operand, or at the top level when the
//! input's operator was top-level. Requests without such inputs cost one pass over their
//! keys, and the filter is not even tokenized.

use crate::lex::json::{decoded, decoded_eq, JsonLexer, JsonToken, JsonTokenKind};
use crate::request::{Input, Request, Structural};
use crate::verdict::{Reason, Span};

/// Inputs shorter than this are not judged by the JSON break-out rule.
pub(crate) const MIN_INPUT_LEN: usize = 2;

/// Object nesting tracked for parent keys; deeper keys have no known parent.
const MAX_DEPTH: usize = 64;

/// Operators that run code on the server.
const CODE_OPERATORS: [&[u8]; 4] = [b"$where", b"$function", b"$accumulator", b"$expr"];

/// The last segment of a flattened key (`a.b.$ne`, `a[b][$ne]`) and the last
/// non-numeric segment before it.
fn key_segments(key: &[u8]) -> (Option<&[u8]>, Option<&[u8]>) {
    let mut segments = key.split(|&c| matches!(c, b'.' | b'[' | b']')).filter(|s| !s.is_empty()).rev();
    let last = segments.next();
    let parent = segments.find(|s| !s.iter().all(u8::is_ascii_digit));
    (last, parent)
}

fn is_operator_name(segment: &[u8]) -> bool {
    segment.len() >= 2 && segment[0] == b'$' && segment[1].is_ascii_alphabetic()
}

fn supplies_operators(input: &Input<'_>) -> bool {
    let (last, _) = key_segments(input.key);
    last.is_some_and(is_operator_name) || json_value_with_operator(input.value)
}

fn json_value_with_operator(value: &[u8]) -> bool {
    let first = value.iter().find(|c| !c.is_ascii_whitespace());
    matches!(first, Some(b'{' | b'[')) && value.windows(2).any(|w| w == b"\"$")
}

/// One operator key found in the filter.
#[derive(Clone, Copy, Debug)]
struct OperatorKey {
    /// The key token (with its quotes).
    key: JsonToken,
    /// The key of the field whose value holds the operator, if known (`password` in
    /// `{"password": {"$ne": 1}}`); `None` at the top level.
    parent: Option<JsonToken>,
    top_level: bool,
    depth_known: bool,
    /// The operand, when it is a scalar.
    operand: Option<JsonToken>,
}

/// Inputs that supply operators considered per check; a request with more is hostile,
/// and any operator key in the filter is then reported.
const MAX_SUPPLIERS: usize = 32;

/// Operator keys remembered per JSON-valued input; beyond, it supplies every operator.
const MAX_JSON_OPERATORS: usize = 8;

/// An input that supplies operators, read once per check.
#[derive(Clone, Copy, Debug)]
struct Supplier<'r> {
    index: usize,
    input: Input<'r>,
    /// The operator keys of a JSON-valued input (spans into its value).
    json_operators: [(usize, usize); MAX_JSON_OPERATORS],
    json_count: usize,
    /// A JSON value with more operator keys than remembered.
    json_any: bool,
}

impl<'r> Supplier<'r> {
    fn of(index: usize, input: Input<'r>) -> Supplier<'r> {
        let mut supplier =
            Supplier { index, input, json_operators: [(0, 0); MAX_JSON_OPERATORS], json_count: 0, json_any: false };
        if json_value_with_operator(input.value) {
            supplier.read_json(input.value);
        }
        supplier
    }

    fn read_json(&mut self, doc: &[u8]) {
        let mut previous: Option<JsonToken> = None;
        for token in JsonLexer::new(doc).filter(|t| t.kind != JsonTokenKind::Whitespace) {
            let key = previous.filter(|p| p.kind == JsonTokenKind::String && token.kind == JsonTokenKind::Colon);
            if let Some(key) = key {
                if doc.get(key.content_start) == Some(&b'$') {
                    if self.json_count == MAX_JSON_OPERATORS {
                        self.json_any = true;
                        return;
                    }
                    self.json_operators[self.json_count] = (key.content_start, key.content_end);
                    self.json_count += 1;
                }
            }
            previous = Some(token);
        }
    }
}

/// Finds the first operator key of `filter` that an input of `request` supplied.
/// `excluded(input)` says whether the policy excludes an input.
pub(crate) fn find_operator(
    filter: &[u8],
    request: &Request,
    mut excluded: impl FnMut(Input<'_>) -> bool,
) -> Option<(usize, Span, Reason)> {
    if !request.inputs().any(|input| supplies_operators(&input)) {
        return None;
    }
    let empty = Supplier::of(0, Input { source: crate::request::Source::Other, key: b"", value: b"" });
    let mut suppliers = [empty; MAX_SUPPLIERS];
    let mut count = 0;
    let mut overflow = None;
    for (index, input) in request.inputs().enumerate() {
        if !supplies_operators(&input) || excluded(input) {
            continue;
        }
        if count == MAX_SUPPLIERS {
            overflow = overflow.or(Some(index));
            continue;
        }
        suppliers[count] = Supplier::of(index, input);
        count += 1;
    }
    if count == 0 {
        return None;
    }
    let mut walker = Walker::new(filter);
    while let Some(op) = walker.next_operator() {
        let name = &filter[op.key.content_start..op.key.content_end];
        let found = suppliers[..count].iter().find(|s| supplies(filter, &op, s)).map(|s| s.index).or(overflow);
        if let Some(index) = found {
            let code = CODE_OPERATORS.iter().any(|c| decoded_eq(name, c));
            let reason = if code { Reason::NosqlCodeOperator } else { Reason::NosqlOperator };
            return Some((index, Span { start: op.key.start, end: op.key.end }, reason));
        }
    }
    None
}

/// Did the input of `supplier` supply the operator `op` of the filter?
fn supplies(filter: &[u8], op: &OperatorKey, supplier: &Supplier<'_>) -> bool {
    let input = &supplier.input;
    let name = &filter[op.key.content_start..op.key.content_end];
    let (last, parent) = key_segments(input.key);
    if let Some(segment) = last.filter(|s| is_operator_name(s)) {
        if decoded_eq(name, segment) {
            let same_parent = match (parent, op.parent) {
                (Some(p), Some(field)) => decoded_eq(&filter[field.content_start..field.content_end], p),
                (None, None) => op.top_level || !op.depth_known,
                _ => false,
            };
            if same_parent || same_operand(filter, op.operand, input.value) {
                return true;
            }
        }
    }
    // A JSON document sent as one value (`?filter={"$gt":""}`) that the application parses.
    supplier.json_any
        || supplier.json_operators[..supplier.json_count].iter().any(|&(start, end)| {
            let mut theirs = decoded(&input.value[start..end]);
            decoded(name).all(|b| theirs.next() == Some(b)) && theirs.next().is_none()
        })
}

fn same_operand(filter: &[u8], operand: Option<JsonToken>, value: &[u8]) -> bool {
    let Some(token) = operand else {
        return false;
    };
    match token.kind {
        JsonTokenKind::String => decoded_eq(&filter[token.content_start..token.content_end], value),
        JsonTokenKind::Literal if &filter[token.start..token.end] == b"null" => value.is_empty() || value == b"null",
        _ => &filter[token.start..token.end] == value,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Container {
    Object,
    Array,
}

#[derive(Clone, Copy, Debug)]
struct Level {
    container: Container,
    /// The latest key of this object.
    key: Option<JsonToken>,
}

/// Walks the filter's tokens, tracking containers and keys to a bounded depth.
struct Walker<'a> {
    filter: &'a [u8],
    lexer: JsonLexer<'a>,
    levels: [Level; MAX_DEPTH],
    depth: usize,
    /// Containers opened beyond `MAX_DEPTH` (their keys have no known parent).
    overflow: usize,
    /// The previous significant token.
    previous: Option<JsonToken>,
}

impl<'a> Walker<'a> {
    fn new(filter: &'a [u8]) -> Walker<'a> {
        Walker {
            filter,
            lexer: JsonLexer::new(filter),
            levels: [Level { container: Container::Object, key: None }; MAX_DEPTH],
            depth: 0,
            overflow: 0,
            previous: None,
        }
    }

    fn significant(&mut self) -> Option<JsonToken> {
        let token = self.lexer.find(|t| t.kind != JsonTokenKind::Whitespace)?;
        Some(token)
    }

    fn next_operator(&mut self) -> Option<OperatorKey> {
        use JsonTokenKind::*;
        loop {
            let token = self.significant()?;
            let previous = self.previous.replace(token);
            match token.kind {
                ObjectOpen | ArrayOpen => {
                    let container = if token.kind == ObjectOpen { Container::Object } else { Container::Array };
                    if self.depth < MAX_DEPTH && self.overflow == 0 {
                        self.levels[self.depth] = Level { container, key: None };
                        self.depth += 1;
                    } else {
                        self.overflow += 1;
                    }
                }
                ObjectClose | ArrayClose => {
                    if self.overflow > 0 {
                        self.overflow -= 1;
                    } else {
                        self.depth = self.depth.saturating_sub(1);
                    }
                }
                Colon => {
                    // The string before a colon is a key.
                    let Some(key) = previous.filter(|p| p.kind == String) else {
                        continue;
                    };
                    let depth_known = self.overflow == 0;
                    if depth_known && self.depth > 0 {
                        self.levels[self.depth - 1].key = Some(key);
                    }
                    let content = &self.filter[key.content_start..key.content_end];
                    let mut bytes = decoded(content);
                    let (first, second) = (bytes.next(), bytes.next());
                    if first != Some(b'$') || !second.is_some_and(|c| c.is_ascii_alphabetic()) {
                        continue;
                    }
                    let operand = self.operand();
                    return Some(OperatorKey {
                        key,
                        parent: if depth_known { self.parent_key() } else { None },
                        top_level: depth_known && self.depth <= 1,
                        depth_known,
                        operand,
                    });
                }
                _ => {}
            }
        }
    }

    /// The scalar after the colon, if the value is one (peeked: the lexer is `Copy`).
    fn operand(&self) -> Option<JsonToken> {
        let token = self.lexer.clone().find(|t| t.kind != JsonTokenKind::Whitespace)?;
        matches!(token.kind, JsonTokenKind::String | JsonTokenKind::Number | JsonTokenKind::Literal).then_some(token)
    }

    /// The key whose value is the current object (arrays in between are skipped).
    fn parent_key(&self) -> Option<JsonToken> {
        let mut level = self.depth.checked_sub(1)?;
        loop {
            level = level.checked_sub(1)?;
            if self.levels[level].container == Container::Object {
                return self.levels[level].key;
            }
        }
    }
}

/// The JSON break-out rule: the input's occurrence must sit inside one string's content
/// (without a trailing backslash), be one whole string, number or literal, or be bare
/// punctuation. A whole key that starts with `$` supplies an operator.
pub(crate) fn find_json_escape(filter: &[u8], input: &Structural<'_>) -> Option<(Span, Reason)> {
    let value = input.input.value;
    if value.len() < MIN_INPUT_LEN || value.len() > filter.len() {
        return None;
    }
    let mut occurrences = input.occurrences(filter).peekable();
    occurrences.peek()?;
    let trailing_backslashes = value.iter().rev().take_while(|&&c| c == b'\\').count();
    let mut lexer = JsonLexer::new(filter);
    let mut current: Option<JsonToken> = None;
    for start in occurrences {
        let end = start + value.len();
        let token = loop {
            match current {
                Some(t) if t.end > start => break t,
                _ => current = Some(lexer.next()?),
            }
        };
        let reason = judge(filter, token, lexer, start, end, trailing_backslashes % 2 == 1, value);
        if let Some(reason) = reason {
            return Some((Span { start, end }, reason));
        }
    }
    None
}

fn judge(
    filter: &[u8],
    first: JsonToken,
    rest: JsonLexer<'_>,
    start: usize,
    end: usize,
    ends_with_backslash: bool,
    value: &[u8],
) -> Option<Reason> {
    use JsonTokenKind::*;
    if end <= first.end {
        return match first.kind {
            String if first.content_start <= start && end <= first.content_end => {
                if ends_with_backslash {
                    return Some(Reason::NosqlJsonEscape);
                }
                // `{"<input>": ..}` with input `$where`: the input named an operator key.
                let is_key = rest.clone().find(|t| t.kind != Whitespace).is_some_and(|t| t.kind == Colon);
                let whole = start == first.content_start && end == first.content_end;
                (is_key && whole && is_operator_name(value)).then_some(Reason::NosqlOperator)
            }
            String if start == first.start && end == first.end => None,
            String => Some(Reason::NosqlJsonEscape),
            Whitespace | Number | Literal | Comma | Colon | ObjectOpen | ObjectClose | ArrayOpen | ArrayClose => None,
            Unknown => Some(Reason::NosqlJsonEscape),
        };
    }
    // Several tokens: strings must be whole, and keys may only come as part of a whole
    // object or array value (`{"a": 1}` parsed from the input), never as an operator.
    let mut significant = value.iter().filter(|c| !c.is_ascii_whitespace());
    let (first_byte, last_byte) = (significant.next(), significant.next_back());
    let whole_value = matches!((first_byte, last_byte), (Some(b'{'), Some(b'}')) | (Some(b'['), Some(b']')));
    let mut token = first;
    let mut rest = rest;
    let mut previous: Option<JsonToken> = None;
    loop {
        let whole = start <= token.start && token.end <= end;
        match token.kind {
            String if !whole => return Some(Reason::NosqlJsonEscape),
            Unknown => return Some(Reason::NosqlJsonEscape),
            Colon => {
                if let Some(key) = previous.filter(|p| p.kind == String && p.start >= start) {
                    let operator = filter.get(key.content_start) == Some(&b'$');
                    if operator {
                        return Some(Reason::NosqlOperator);
                    }
                    if !whole_value {
                        return Some(Reason::NosqlJsonEscape);
                    }
                }
            }
            _ => {}
        }
        if token.kind != Whitespace {
            previous = Some(token);
        }
        match rest.next() {
            Some(next) if next.start < end => token = next,
            _ => break,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::Source;

    fn operator(filter: &str, inputs: &[(&str, &str)]) -> Option<Reason> {
        let mut request = Request::new();
        for (key, value) in inputs {
            request.add_input(Source::Body, key.as_bytes(), value.as_bytes());
        }
        find_operator(filter.as_bytes(), &request, |_| false).map(|(_, _, reason)| reason)
    }

    #[test]
    fn user_supplied_operators() {
        let login = r#"{"username": "admin", "password": {"$ne": ""}}"#;
        assert_eq!(operator(login, &[("username", "admin"), ("password.$ne", "")]), Some(Reason::NosqlOperator));
        assert_eq!(operator(login, &[("user[password][$ne]", "")]), Some(Reason::NosqlOperator));
        assert_eq!(operator(login, &[("pw.$ne", "")]), Some(Reason::NosqlOperator), "same operand");
        assert_eq!(operator(login, &[("other.$ne", "x")]), None, "another field's operator");
        assert_eq!(operator(login, &[("username", "admin")]), None);
        let app = r#"{"deleted": {"$ne": true}, "name": "bob"}"#;
        assert_eq!(operator(app, &[("name", "bob")]), None, "the application's own operator");
        assert_eq!(
            operator(r#"{"$where": "sleep(5000)"}"#, &[("$where", "sleep(5000)")]),
            Some(Reason::NosqlCodeOperator)
        );
        assert_eq!(
            operator(r#"{"age": {"$gt": 0}}"#, &[("filter", r#"{"age": {"$gt": 0}}"#)]),
            Some(Reason::NosqlOperator)
        );
    }

    #[test]
    fn malformed_filters_get_a_verdict() {
        for filter in ["", "{", "{\"a\": {\"$ne\"", "\"$ne\":", "{{{{[[[[", "}}}]]]", "{\"$ne\" 1}"] {
            let _ = operator(filter, &[("a.$ne", "1")]);
        }
        let deep = "{\"a\":".repeat(10_000) + "{\"$ne\": 1}";
        assert_eq!(operator(&deep, &[("x.$ne", "1")]), Some(Reason::NosqlOperator));
    }
}
