//! The policy: which protections run, what they do on an attack, what is excluded, and
//! the page a blocked request gets. Read from JSON; every unknown key and bad value is an
//! error whose message names the field.

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind};
use crate::verdict::{Action, Threat};

/// Environment variable naming the policy file.
pub const ENV_POLICY: &str = "RAMPART_POLICY";
/// Environment variable overriding the policy's `mode`.
pub const ENV_MODE: &str = "RAMPART_MODE";

/// The only policy format version this build reads.
pub const POLICY_VERSION: u32 = 1;

/// Global switch over all protections.
///
/// `block` lets each protection's action apply; `report` turns every `block` into
/// `report` (a dry run: see what would be blocked); `off` disables every check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Off,
    #[default]
    Report,
    Block,
}

impl Mode {
    fn parse(value: &str) -> Option<Mode> {
        match value.trim().to_ascii_lowercase().as_str() {
            "off" => Some(Mode::Off),
            "report" => Some(Mode::Report),
            "block" => Some(Mode::Block),
            _ => None,
        }
    }
}

/// What one protection does when it finds an attack.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProtectionAction {
    Off,
    Report,
    Block,
}

/// Settings of a protection that has nothing but an action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Protection {
    /// `None` means the protection's default (block for sink checks, report for
    /// malicious_payload).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<ProtectionAction>,
}

/// Settings of a protection judging destinations (SSRF, open redirect).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct HostProtection {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<ProtectionAction>,
    /// Hosts a user input may point the request to (exact names, or `*.example.com`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_hosts: Vec<String>,
}

/// Every protection of the policy. Absent entries take their defaults.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Protections {
    #[serde(default)]
    pub sql_injection: Protection,
    #[serde(default)]
    pub command_injection: Protection,
    #[serde(default)]
    pub path_traversal: Protection,
    #[serde(default)]
    pub ssrf: HostProtection,
    #[serde(default)]
    pub nosql_injection: Protection,
    #[serde(default)]
    pub open_redirect: HostProtection,
    #[serde(default)]
    pub header_injection: Protection,
    #[serde(default)]
    pub malicious_payload: Protection,
}

impl Protections {
    /// The action configured for `threat`, with the protection's default filled in.
    pub fn action(&self, threat: Threat) -> ProtectionAction {
        let configured = match threat {
            Threat::SqlInjection => self.sql_injection.action,
            Threat::CommandInjection => self.command_injection.action,
            Threat::PathTraversal => self.path_traversal.action,
            Threat::Ssrf => self.ssrf.action,
            Threat::NosqlInjection => self.nosql_injection.action,
            Threat::OpenRedirect => self.open_redirect.action,
            Threat::HeaderInjection => self.header_injection.action,
            Threat::MaliciousPayload => self.malicious_payload.action,
        };
        configured.unwrap_or(match threat {
            // Context-free payload detection is noisier by nature: report unless told.
            Threat::MaliciousPayload => ProtectionAction::Report,
            _ => ProtectionAction::Block,
        })
    }
}

/// A part of the traffic some protections leave alone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Exclusion {
    /// Route template or path; `*` matches any run of bytes (`/admin/*`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
    /// Input as `source.key` (`body.article_html`, `header.x-debug`); `*` wildcards allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    /// Protections excluded; empty means all of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub protections: Vec<Threat>,
}

/// The response a blocked request gets from the binding's middleware.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlockResponse {
    #[serde(default = "BlockResponse::default_status")]
    pub status: u16,
    #[serde(default = "BlockResponse::default_content_type")]
    pub content_type: String,
    /// UTF-8 body; `{{event_id}}` is replaced by the event's id.
    #[serde(default = "BlockResponse::default_body")]
    pub body: String,
}

impl BlockResponse {
    fn default_status() -> u16 {
        403
    }
    fn default_content_type() -> String {
        "text/html; charset=utf-8".to_owned()
    }
    fn default_body() -> String {
        concat!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>Request blocked</title></head>",
            "<body><h1>Request blocked</h1>",
            "<p>This request was blocked by the application's security policy.</p>",
            "<p>If you think this is a mistake, contact the site's support and quote this id: ",
            "<code>{{event_id}}</code></p></body></html>"
        )
        .to_owned()
    }

    /// The body with `{{event_id}}` replaced.
    pub fn render_body(&self, event_id: &str) -> String {
        self.body.replace("{{event_id}}", event_id)
    }
}

impl Default for BlockResponse {
    fn default() -> BlockResponse {
        BlockResponse {
            status: BlockResponse::default_status(),
            content_type: BlockResponse::default_content_type(),
            body: BlockResponse::default_body(),
        }
    }
}

/// How serious a rule's finding is (for people reading events; it does not change the action).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    #[default]
    Medium,
    High,
    Critical,
}

/// What a rule does when it matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleAction {
    /// Report the request (capped by nothing: a report is always a report).
    Report,
    /// Block the request (a report when the policy's mode is `report`).
    Block,
    /// Let the request through without any further payload inspection (an allow-list).
    Allow,
}

/// What a rule looks for in its targets: exactly one of the fields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RuleMatch {
    /// A regular expression over bytes (no Unicode classes; `(?i)` folds ASCII). Every
    /// regex rule of the engine is compiled into one DFA: linear time, no backtracking.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
    /// Strings any of which occurring in the target is a match (ASCII case-insensitive).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub literals: Vec<String>,
    /// The whole target matches a glob (`*` = any run of bytes): `/admin/*`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub glob: Option<String>,
    /// For `file` targets: the file's first bytes contradict its declared content type.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub content_mismatch: bool,
}

/// One rule of the rule engine. See `docs/policy.md` (Rules).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Non-zero, unique; reported in the verdict's `rule_id` and in events.
    pub id: u32,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    #[serde(default)]
    pub severity: Severity,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Where to look: `input`, `query`, `body`, `path`, `header`, `cookie`, `other`,
    /// `file` (each optionally `:key-glob`, e.g. `header:user-agent`), `request.path`,
    /// `request.method`, `header_names`.
    pub targets: Vec<String>,
    /// Applied in order before matching: names from `rampart_core::decode::Transform`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transforms: Vec<String>,
    #[serde(rename = "match")]
    pub matcher: RuleMatch,
    /// Only requests with one of these methods (any method when empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub methods: Vec<String>,
    /// Default: the `malicious_payload` protection's action.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<RuleAction>,
}

/// The largest DFA the regex rules of one engine may compile to.
pub const MAX_RULES_DFA_BYTES: usize = 16 << 20;

/// A complete policy document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Format version; must be 1.
    #[serde(default = "Policy::default_version")]
    pub version: u32,
    #[serde(default)]
    pub mode: Mode,
    #[serde(default)]
    pub protections: Protections,
    #[serde(default)]
    pub exclusions: Vec<Exclusion>,
    #[serde(default)]
    pub block_response: BlockResponse,
    /// When a hook fails internally: `false` (default) lets the call proceed and logs an
    /// error event; `true` blocks it.
    #[serde(default)]
    pub fail_closed: bool,
    /// Rules of the rule engine, added to the default ruleset.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<Rule>,
    /// Whether the ruleset shipped with the engine runs (scanners, forbidden paths,
    /// uploads, methods, known exploits).
    #[serde(default = "Policy::default_true")]
    pub default_rules: bool,
    /// Ids of rules (default or own) that do not run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disabled_rules: Vec<u32>,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            version: POLICY_VERSION,
            mode: Mode::default(),
            protections: Protections::default(),
            exclusions: Vec::new(),
            block_response: BlockResponse::default(),
            fail_closed: false,
            rules: Vec::new(),
            default_rules: true,
            disabled_rules: Vec::new(),
        }
    }
}

impl Policy {
    fn default_version() -> u32 {
        POLICY_VERSION
    }

    fn default_true() -> bool {
        true
    }

    /// The action a rule's finding gets, after the protection and the global mode:
    /// `None` when payload inspection is off.
    pub fn rule_action(&self, rule: Option<RuleAction>) -> Option<Action> {
        let base = self.effective_action(Threat::MaliciousPayload)?;
        Some(match rule {
            None | Some(RuleAction::Allow) => base,
            Some(RuleAction::Report) => Action::Report,
            Some(RuleAction::Block) if self.mode == Mode::Block => Action::Block,
            Some(RuleAction::Block) => Action::Report,
        })
    }

    /// Parses and validates a policy document.
    pub fn from_json(json: &[u8]) -> Result<Policy, Error> {
        let invalid = |msg: String| Error::new(ErrorKind::InvalidPolicy, msg);
        let value: serde_json::Value = serde_json::from_slice(json).map_err(|e| invalid(e.to_string()))?;
        // serde would also read a struct from a JSON array (field by position): a policy
        // written that way is a mistake, not a policy.
        require_objects(&value, "", &STRUCT_PATHS).map_err(invalid)?;
        let policy: Policy = serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            if path == "." || path.is_empty() {
                invalid(inner.to_string())
            } else {
                invalid(format!("{path}: {inner}"))
            }
        })?;
        policy.validate()?;
        Ok(policy)
    }

    /// Reads the policy the way every agent does: the file named by `RAMPART_POLICY` (or
    /// the default policy when unset), then `RAMPART_MODE` overriding its mode.
    pub fn from_env() -> Result<Policy, Error> {
        let mut policy = match std::env::var_os(ENV_POLICY) {
            Some(path) if !path.is_empty() => {
                let bytes = std::fs::read(&path).map_err(|e| {
                    Error::new(ErrorKind::PolicyIo, format!("{ENV_POLICY}={}: {e}", path.to_string_lossy()))
                })?;
                Policy::from_json(&bytes)
                    .map_err(|e| Error::new(e.kind(), format!("{}: {}", path.to_string_lossy(), e.message())))?
            }
            _ => Policy::default(),
        };
        if let Ok(mode) = std::env::var(ENV_MODE) {
            if !mode.is_empty() {
                policy.override_mode(&mode)?;
            }
        }
        Ok(policy)
    }

    /// Applies a `RAMPART_MODE`-style override (`off`, `report` or `block`).
    pub fn override_mode(&mut self, value: &str) -> Result<(), Error> {
        self.mode = Mode::parse(value).ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidPolicy,
                format!("{ENV_MODE}: unknown mode `{value}`, expected one of `off`, `report`, `block`"),
            )
        })?;
        Ok(())
    }

    /// The action a finding of `threat` gets, after the global mode.
    pub fn effective_action(&self, threat: Threat) -> Option<Action> {
        let action = match (self.mode, self.protections.action(threat)) {
            (Mode::Off, _) | (_, ProtectionAction::Off) => return None,
            (Mode::Report, _) | (_, ProtectionAction::Report) => Action::Report,
            (Mode::Block, ProtectionAction::Block) => Action::Block,
        };
        Some(action)
    }

    fn validate(&self) -> Result<(), Error> {
        let invalid = |msg: String| Err(Error::new(ErrorKind::InvalidPolicy, msg));
        if self.version != POLICY_VERSION {
            return invalid(format!(
                "version: unsupported policy version {}, this build reads version {POLICY_VERSION}",
                self.version
            ));
        }
        if !(100..=599).contains(&self.block_response.status) {
            return invalid(format!(
                "block_response.status: {} is not an HTTP status (100-599)",
                self.block_response.status
            ));
        }
        if self.block_response.content_type.bytes().any(|b| b == b'\r' || b == b'\n') {
            return invalid("block_response.content_type: must not contain CR or LF".to_owned());
        }
        for (i, exclusion) in self.exclusions.iter().enumerate() {
            if exclusion.route.is_none() && exclusion.input.is_none() {
                return invalid(format!(
                    "exclusions[{i}]: needs `route`, `input` or both (an exclusion of everything is `\"mode\": \"off\"`)"
                ));
            }
            for (field, value) in [("route", &exclusion.route), ("input", &exclusion.input)] {
                if value.as_deref() == Some("") {
                    return invalid(format!("exclusions[{i}].{field}: must not be empty"));
                }
            }
        }
        let mut seen = std::collections::HashSet::new();
        for (i, rule) in self.rules.iter().enumerate() {
            crate::rules::validate_rule(rule)
                .map_err(|msg| Error::new(ErrorKind::InvalidPolicy, format!("rules[{i}] (id {}): {msg}", rule.id)))?;
            if !seen.insert(rule.id) || crate::rules::is_default_rule_id(rule.id) {
                return invalid(format!(
                    "rules[{i}] (id {}): id is already used (ids 900000-999999 are the default ruleset's)",
                    rule.id
                ));
            }
        }
        for (name, hosts) in [
            ("ssrf", &self.protections.ssrf.allow_hosts),
            ("open_redirect", &self.protections.open_redirect.allow_hosts),
        ] {
            for (i, host) in hosts.iter().enumerate() {
                if host.is_empty() || host.bytes().any(|b| b.is_ascii_whitespace() || b == b'/') {
                    return invalid(format!("protections.{name}.allow_hosts[{i}]: `{host}` is not a host name"));
                }
            }
        }
        Ok(())
    }
}

/// Paths of the policy whose values are structs (`*` = any key or index).
const STRUCT_PATHS: [&str; 7] =
    ["", "protections", "protections.*", "exclusions.*", "block_response", "rules.*", "rules.*.match"];

/// Checks that every value at a struct path is an object.
fn require_objects(value: &serde_json::Value, path: &str, struct_paths: &[&str]) -> Result<(), String> {
    let is_struct_path = |p: &str| {
        struct_paths.iter().any(|pattern| {
            let (mut a, mut b) = (pattern.split('.'), p.split('.'));
            loop {
                match (a.next(), b.next()) {
                    (None, None) => return true,
                    (Some("*"), Some(_)) => {}
                    (Some(x), Some(y)) if x == y => {}
                    _ => return false,
                }
            }
        })
    };
    let here = if path.is_empty() { "the policy" } else { path };
    if is_struct_path(path) && !value.is_object() {
        return Err(format!("{here}: expected a JSON object (`{{ ... }}`)"));
    }
    let join = |key: &str| if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") };
    match value {
        serde_json::Value::Object(map) => map.iter().try_for_each(|(k, v)| require_objects(v, &join(k), struct_paths)),
        serde_json::Value::Array(items) => {
            items.iter().enumerate().try_for_each(|(i, v)| require_objects(v, &join(&i.to_string()), struct_paths))
        }
        _ => Ok(()),
    }
}

impl Serialize for Threat {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Threat {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Threat, D::Error> {
        let name = String::deserialize(deserializer)?;
        Threat::from_name(&name).ok_or_else(|| {
            let expected: Vec<&str> = Threat::ALL.iter().map(|t| t.name()).collect();
            serde::de::Error::custom(format!("unknown protection `{name}`, expected one of {}", expected.join(", ")))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(json: &str) -> String {
        Policy::from_json(json.as_bytes()).expect_err("policy must be rejected").to_string()
    }

    #[test]
    fn design_example_parses() {
        let p = Policy::from_json(
            r#"{ "version": 1, "mode": "report",
              "protections": {
                "sql_injection": { "action": "block" },
                "ssrf": { "action": "report", "allow_hosts": ["hooks.internal.example"] },
                "malicious_payload": { "action": "report" } },
              "exclusions": [ { "route": "/admin/sql-console", "protections": ["sql_injection"] },
                              { "input": "body.article_html", "protections": ["malicious_payload"] } ],
              "block_response": { "status": 403, "content_type": "text/html; charset=utf-8",
                                  "body": "<h1>リクエストはブロックされました</h1> id={{event_id}}" } }"#
                .as_bytes(),
        )
        .expect("valid policy");
        assert_eq!(p.mode, Mode::Report);
        assert_eq!(p.exclusions[0].protections, vec![Threat::SqlInjection]);
        assert_eq!(p.block_response.render_body("e1"), "<h1>リクエストはブロックされました</h1> id=e1");
    }

    #[test]
    fn errors_name_the_field() {
        assert!(err(r#"{"mode":"blok"}"#).contains("mode: unknown variant `blok`"));
        assert!(
            err(r#"{"protections":{"sql_injection":{"action":"yes"}}}"#).contains("protections.sql_injection.action")
        );
        assert!(err(r#"{"protections":{"sqli":{}}}"#).contains("unknown field `sqli`"));
        assert!(
            err(r#"{"exclusions":[{"route":"/a","protections":["xss"]}]}"#).contains("exclusions[0].protections[0]")
        );
        assert!(err(r#"{"version":2}"#).contains("version: unsupported"));
        assert!(err(r#"{"block_response":{"status":42}}"#).contains("block_response.status"));
        assert!(err(r#"{"exclusions":[{}]}"#).contains("exclusions[0]"));
        assert!(err(r#"{"protections":{"sql_injection":{"allow_hosts":[]}}}"#).contains("unknown field `allow_hosts`"));
        assert!(err("{").contains("EOF"));
        assert!(err("{} {}").contains("trailing"));
        assert!(err("[]").contains("the policy: expected a JSON object"));
        assert!(err(r#"{"protections":[]}"#).contains("protections: expected a JSON object"));
        assert!(err(r#"{"protections":{"ssrf":["block"]}}"#).contains("protections.ssrf: expected"));
        assert!(err(r#"{"exclusions":[["/a"]]}"#).contains("exclusions.0: expected"));
    }

    #[test]
    fn mode_caps_actions() {
        let mut p = Policy::default();
        assert_eq!(p.effective_action(Threat::SqlInjection), Some(Action::Report));
        p.override_mode("BLOCK").expect("valid mode");
        assert_eq!(p.effective_action(Threat::SqlInjection), Some(Action::Block));
        assert_eq!(p.effective_action(Threat::MaliciousPayload), Some(Action::Report));
        p.protections.sql_injection.action = Some(ProtectionAction::Off);
        assert_eq!(p.effective_action(Threat::SqlInjection), None);
        p.override_mode("off").expect("valid mode");
        assert_eq!(p.effective_action(Threat::Ssrf), None);
        assert!(p.override_mode("enforce").expect_err("bad").to_string().contains("RAMPART_MODE"));
    }
}
