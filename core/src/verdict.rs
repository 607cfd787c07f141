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
        /// The input brings a shell control operator (`;`, `&`, `|`, `&&`, `||`, `(`, `)`).
        ShellOperator = (201, "shell_operator"),
        /// The input brings a substitution or expansion (`$(..)`, backticks, `${..}`, `$VAR`, `$((..))`).
        ShellSubstitution = (202, "shell_substitution"),
        /// The input brings a redirection (`<`, `>`, `>>`, `<<`, `2>&1`, ...).
        ShellRedirection = (203, "shell_redirection"),
        /// The input brings a newline that ends the command (or a here-document).
        ShellNewline = (204, "shell_newline"),
        /// The input leaves a quoted string, or ends with a backslash that escapes the command's next byte.
        ShellQuoteEscape = (205, "shell_quote_escape"),
        /// The input starts a comment.
        ShellComment = (206, "shell_comment"),
        /// The input's unquoted blanks split it into several arguments.
        ShellWordSplit = (207, "shell_word_split"),
        /// The input brings an unquoted glob, brace or tilde expansion (`*`, `?`, `[..]`, `{a,b}`, `~`).
        ShellGlob = (208, "shell_glob"),
        /// The input starts an argument with `-`: an option for the program.
        ShellOption = (209, "shell_option"),
        /// The input is or names the command to run (or an environment assignment before it).
        ShellCommand = (210, "shell_command"),
        /// The input covers bytes the shell cannot read safely: a NUL byte (which cuts the command short) or nesting too deep to follow.
        ShellUnknownToken = (211, "shell_unknown_token"),
        /// The input is or sets the program to run (argv[0], or the program a wrapper runs).
        ExecProgram = (220, "exec_program"),
        /// The input injects an option into a program whose options run code or write files.
        ExecOption = (221, "exec_option"),
        /// The input is code for an interpreter or script language run by the program.
        ExecCode = (222, "exec_code"),
        /// A user-supplied object's query operator (`$ne`, `$gt`, `$regex`, `$in`, ...) is in the filter.
        NosqlOperator = (501, "nosql_operator"),
        /// A user-supplied object's code-running operator (`$where`, `$function`, `$accumulator`, `$expr`) is in the filter.
        NosqlCodeOperator = (502, "nosql_code_operator"),
        /// The input breaks out of a JSON string or adds JSON structure to the filter text.
        NosqlJsonEscape = (503, "nosql_json_escape"),

        /// The input brings a `..` segment into a file path.
        PathTraversal = (301, "path_traversal"),
        /// The input is an absolute path (or drive, UNC path, `file:` URL) the path starts with.
        PathAbsolute = (302, "path_absolute"),
        /// The input brings a NUL byte, which cuts the path short below the runtime.
        PathNulByte = (303, "path_nul_byte"),
        /// The input names a secrets file (`.env`, `.git/`, `.ssh/`, ...) inside the application's directory.
        PathSecretFile = (304, "path_secret_file"),
        /// `path_traversal` reaching a sensitive file (`/etc/passwd`, `/proc/self/`, credentials).
        PathTraversalSensitive = (311, "path_traversal_sensitive"),
        /// `path_absolute` naming a sensitive file.
        PathAbsoluteSensitive = (312, "path_absolute_sensitive"),
        /// `path_nul_byte` with a sensitive file before the NUL.
        PathNulByteSensitive = (313, "path_nul_byte_sensitive"),
        /// The input points an outgoing request to a loopback, private, link-local or internal host.
        SsrfInternalHost = (401, "ssrf_internal_host"),
        /// The input points an outgoing request to a cloud metadata service.
        SsrfCloudMetadata = (402, "ssrf_cloud_metadata"),
        /// The input chooses a scheme other than http(s) (`file:`, `gopher:`, `dict:`, ...).
        SsrfScheme = (403, "ssrf_scheme"),
        /// A host name from the input resolved to a loopback, private or link-local address.
        SsrfResolvedInternal = (404, "ssrf_resolved_internal"),
        /// A host name from the input resolved to a cloud metadata address.
        SsrfResolvedMetadata = (405, "ssrf_resolved_metadata"),
        /// The input sends the redirect to a host other than the application's own.
        RedirectForeignHost = (601, "redirect_foreign_host"),
        /// The input makes the redirect a `javascript:`, `data:` or `vbscript:` URL.
        RedirectScriptScheme = (602, "redirect_script_scheme"),
        /// The input brings a CR or LF into a response header value.
        HeaderLineBreak = (701, "header_line_break"),
        /// The input brings a NUL byte into a response header value.
        HeaderNulByte = (702, "header_nul_byte"),
        /// The input brings a CR, LF, NUL, colon or space into a response header name.
        HeaderNameInjection = (703, "header_name_injection"),
        /// The value forms SQL code in one of the usual injection contexts (bare, `'..'`, `".."`).
        PayloadSqlInjection = (801, "payload_sql_injection"),
        /// The value adds script to a page: an active tag, an event handler, a script URL.
        PayloadXss = (802, "payload_xss"),
        /// The value starts a command after a shell operator or in a substitution.
        PayloadCommand = (803, "payload_command_injection"),
        /// The value climbs directories, names a sensitive file or uses a file stream wrapper.
        PayloadPathTraversal = (804, "payload_path_traversal"),
        /// The value is a URL to an internal or metadata host, or uses a request-smuggling scheme.
        PayloadSsrf = (805, "payload_ssrf"),
        /// The value is still URL-encoded after eight rounds of decoding.
        PayloadEncodingEvasion = (806, "payload_encoding_evasion"),
        /// A rule of the rule engine matched (the verdict's `rule_id` names it).
        RuleMatch = (810, "rule_match"),
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
            Reason::ShellOperator => "the input adds a shell control operator (a new or chained command)",
            Reason::ShellSubstitution => "the input adds a shell substitution or expansion",
            Reason::ShellRedirection => "the input adds a shell redirection",
            Reason::ShellNewline => "the input adds a newline that ends the command",
            Reason::ShellQuoteEscape => "the input breaks out of a quoted string or escapes the next byte",
            Reason::ShellComment => "the input starts a shell comment that hides the rest of the command",
            Reason::ShellWordSplit => "the input's unquoted spaces split it into several arguments",
            Reason::ShellGlob => "the input adds an unquoted glob, brace or tilde expansion",
            Reason::ShellOption => "the input starts an argument with `-`, turning data into an option",
            Reason::ShellCommand => "the input names the command to run",
            Reason::ShellUnknownToken => "the input adds a NUL byte or nesting too deep to follow",
            Reason::ExecProgram => "the input chooses the program to run",
            Reason::ExecOption => "the input injects an option into a program whose options run code or write files",
            Reason::ExecCode => "the input is code for an interpreter run by the program",
            Reason::NosqlOperator => "a query operator from a user-supplied object reaches the filter",
            Reason::NosqlCodeOperator => "a code-running query operator from a user-supplied object reaches the filter",
            Reason::NosqlJsonEscape => "the input breaks out of a JSON string or adds structure to the filter",

            Reason::PathTraversal => "the input climbs out of the directory with a `..` segment",
            Reason::PathAbsolute => "the input replaces the whole path with an absolute path",
            Reason::PathNulByte => "the input cuts the path short with a NUL byte",
            Reason::PathSecretFile => "the input names a secrets file inside the application's directory",
            Reason::PathTraversalSensitive => "the input climbs out of the directory to a sensitive file",
            Reason::PathAbsoluteSensitive => "the input replaces the whole path with a sensitive file",
            Reason::PathNulByteSensitive => "the input cuts the path short at a sensitive file with a NUL byte",
            Reason::SsrfInternalHost => "the input points the request to an internal host",
            Reason::SsrfCloudMetadata => "the input points the request to a cloud metadata service",
            Reason::SsrfScheme => "the input makes the request use a scheme other than http or https",
            Reason::SsrfResolvedInternal => "a host name from the input resolved to an internal address",
            Reason::SsrfResolvedMetadata => "a host name from the input resolved to a cloud metadata address",
            Reason::RedirectForeignHost => "the input sends the redirect to another host",
            Reason::RedirectScriptScheme => "the input turns the redirect into a script or data URL",
            Reason::HeaderLineBreak => "the input adds a line break to a response header value",
            Reason::HeaderNulByte => "the input adds a NUL byte to a response header value",
            Reason::HeaderNameInjection => "the input adds separator bytes to a response header name",
            Reason::PayloadSqlInjection => "the input forms SQL code when placed in a query",
            Reason::PayloadXss => "the input adds script to a page (an active tag, an event handler or a script URL)",
            Reason::PayloadCommand => "the input starts a shell command of its own",
            Reason::PayloadPathTraversal => "the input climbs directories or names a sensitive file",
            Reason::PayloadSsrf => "the input is a URL to an internal or cloud metadata host",
            Reason::PayloadEncodingEvasion => "the input is still URL-encoded after eight rounds of decoding",
            Reason::RuleMatch => "a rule of the policy matched the request",
        }
    }

    /// True when the attack aims at a target whose disclosure is critical: credentials,
    /// keys, process memory or environment, a cloud metadata service. Events and block
    /// pages may rank such findings higher.
    pub const fn sensitive_target(self) -> bool {
        matches!(
            self,
            Reason::PathSecretFile
                | Reason::PathTraversalSensitive
                | Reason::PathAbsoluteSensitive
                | Reason::PathNulByteSensitive
                | Reason::SsrfCloudMetadata
                | Reason::SsrfResolvedMetadata
        )
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
