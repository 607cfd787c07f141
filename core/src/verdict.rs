//! The result of one check: a small `Copy` value, never a heap object.

use crate::names::named_enum;

/// What the agent should do about a check's outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    /// Nothing found, or the protection is off for this request.
    Allow,
    /// An attack was found; the policy says to report it and let the call proceed.
    Report,
    /// An attack was found; the policy says to stop the call.
    Block,
}

impl Action {
    /// Stable numeric code (used by the C ABI and the bindings).
    pub const fn code(self) -> u32 {
        match self {
            Action::Allow => 0,
            Action::Report => 1,
            Action::Block => 2,
        }
    }

    /// Stable lowercase name.
    pub const fn name(self) -> &'static str {
        match self {
            Action::Allow => "allow",
            Action::Report => "report",
            Action::Block => "block",
        }
    }
}

named_enum! {
    /// The kind of attack a check found. The names are the policy's protection names.
    pub enum Threat {
        SqlInjection = (1, "sql_injection"),
        CommandInjection = (2, "command_injection"),
        PathTraversal = (3, "path_traversal"),
        Ssrf = (4, "ssrf"),
        NosqlInjection = (5, "nosql_injection"),
        OpenRedirect = (6, "open_redirect"),
        HeaderInjection = (7, "header_injection"),
        MaliciousPayload = (8, "malicious_payload"),
    }
}

named_enum! {
    /// Why a check judged an input to be an attack.
    pub enum Reason {
        /// The input starts or ends inside a string literal or quoted identifier and leaves it.
        SqlLiteralEscape = (101, "sql_literal_escape"),
        /// The input opens or closes a comment.
        SqlComment = (102, "sql_comment"),
        /// The input brings a statement separator.
        SqlStatementSeparator = (103, "sql_statement_separator"),
        /// The input brings an operator.
        SqlOperator = (104, "sql_operator"),
        /// The input brings keywords or words beyond a simple list.
        SqlKeyword = (105, "sql_keyword"),
        /// The input covers a byte the dialect cannot start a token with.
        SqlUnknownToken = (106, "sql_unknown_token"),
    }
}

impl Reason {
    /// A sentence for a person reading an event or the CLI's output.
    pub const fn description(self) -> &'static str {
        match self {
            Reason::SqlLiteralEscape => "the input breaks out of a quoted string or identifier",
            Reason::SqlComment => "the input opens or closes a comment",
            Reason::SqlStatementSeparator => "the input ends the statement and starts another",
            Reason::SqlOperator => "the input adds an operator to the query",
            Reason::SqlKeyword => "the input adds SQL keywords or expressions to the query",
            Reason::SqlUnknownToken => "the input adds bytes that are not valid SQL tokens",
        }
    }
}

/// A half-open byte range `start..end` inside a resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// The span's length in bytes.
    pub const fn len(&self) -> usize {
        self.end - self.start
    }

    /// True for an empty span.
    pub const fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

/// The outcome of one check. `Copy`, fixed size, no heap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// What to do.
    pub action: Action,
    /// The attack found, or `None` when nothing was found.
    pub threat: Option<Threat>,
    /// Why the input was judged an attack.
    pub reason: Option<Reason>,
    /// Index (in insertion order) of the request input that carried the attack.
    pub input_index: Option<usize>,
    /// Where that input sits inside the checked resource.
    pub span: Option<Span>,
    /// The rule that matched, for rule-engine findings; 0 for built-in detection.
    pub rule_id: u32,
}

impl Verdict {
    /// Nothing found.
    pub const ALLOW: Verdict =
        Verdict { action: Action::Allow, threat: None, reason: None, input_index: None, span: None, rule_id: 0 };

    /// True when the check found an attack (whatever the action).
    pub const fn is_attack(&self) -> bool {
        self.threat.is_some()
    }

    /// True when the call must be stopped.
    pub const fn is_block(&self) -> bool {
        matches!(self.action, Action::Block)
    }
}

impl Default for Verdict {
    fn default() -> Verdict {
        Verdict::ALLOW
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_unique() {
        for (i, a) in Reason::ALL.iter().enumerate() {
            for b in &Reason::ALL[i + 1..] {
                assert_ne!(a.code(), b.code());
                assert_ne!(a.name(), b.name());
            }
        }
        for t in Threat::ALL {
            assert_eq!(Threat::from_name(t.name()), Some(*t));
            assert_eq!(Threat::from_code(t.code()), Some(*t));
        }
    }

    #[test]
    fn verdict_is_small() {
        assert!(std::mem::size_of::<Verdict>() <= 64);
    }
}
