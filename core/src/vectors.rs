//! Conformance vectors: the JSON Lines format of `testdata/vectors/*.jsonl`.
//!
//! One case per line:
//!
//! ```json
//! {"id":"sql-mysql-0042","kind":"sql","dialect":"mysql",
//!  "resource":"SELECT * FROM users WHERE email = '' OR 1=1-- ' AND pw = 'x'",
//!  "inputs":[{"source":"body","key":"email","value":"' OR 1=1-- "}],
//!  "expect":"attack","note":"tautology + comment"}
//! ```
//!
//! Optional fields some kinds use:
//!
//! - `host`: for `redirect`, the request's own host (the `Host` header, set with
//!   [`Request::set_host`]); for `url` cases with `ip`, the host name the client resolved.
//! - `ip`: for `url`, the address the connection really uses. The case runs
//!   [`Engine::check_url`] and, when that finds nothing, [`Engine::check_resolved_ip`]
//!   with `host` and `ip` (what a binding does at connect time).
//! - `name`: for `header`, the header name; `resource` is the header value.
//! - `method`: for `payload`, the HTTP method. A `payload` case's `resource` is the
//!   request path; the case runs [`Engine::inspect`] over its inputs.
//!
//! Every binding runs every case through its own public API; the Rust core and the
//! `rampart eval` command use this module. A case whose kind this build does not
//! support evaluates to [`Outcome::Unsupported`], never to a guess.

use serde::Deserialize;

use crate::engine::Engine;
use crate::error::{Error, ErrorKind};
use crate::lex::sql::Dialect;
use crate::request::{Request, Source};
use crate::verdict::Verdict;

/// The longest argv an `exec` case may have.
pub const MAX_ARGV: usize = 128;

/// What a case expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Expect {
    /// The check must find an attack.
    Attack,
    /// The check must find nothing.
    Safe,
}

/// One input of a case.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseInput {
    /// `query`, `body`, `path`, `header`, `cookie` or `other`.
    pub source: String,
    /// Dotted key.
    #[serde(default)]
    pub key: String,
    /// The raw value.
    pub value: String,
}

/// The resource a sink receives: a string, or (for `exec`) an argv array.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Resource {
    /// A query, command, path, URL, ...
    Text(String),
    /// An argv.
    Argv(Vec<String>),
}

/// One conformance case.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// Unique id, `<kind>-<dialect or group>-<number>`.
    pub id: String,
    /// `sql`, `shell`, `exec`, `path`, `url`, `nosql`, `redirect`, `header` or `payload`.
    pub kind: String,
    /// SQL dialect, for `sql` cases.
    #[serde(default)]
    pub dialect: Option<String>,
    /// `redirect`: the request's own host; `url` with `ip`: the host name resolved.
    #[serde(default)]
    pub host: Option<String>,
    /// `url`: the address the client connects to (checked with `host`).
    #[serde(default)]
    pub ip: Option<String>,
    /// `header`: the header name (`resource` is its value).
    #[serde(default)]
    pub name: Option<String>,
    /// `payload`: the HTTP method (`resource` is the request path).
    #[serde(default)]
    pub method: Option<String>,
    /// What the sink receives.
    pub resource: Resource,
    /// The request's user inputs.
    #[serde(default)]
    pub inputs: Vec<CaseInput>,
    /// The expected outcome; absent for unlabelled corpora scored by `rampart eval`.
    #[serde(default)]
    pub expect: Option<Expect>,
    /// Why the case expects what it does.
    #[serde(default)]
    pub note: Option<String>,
}

/// The outcome of running one case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The check ran and returned this verdict.
    Checked(Verdict),
    /// This build has no check for the case's kind.
    Unsupported,
}

impl Outcome {
    /// `attack`, `safe` or `unsupported`.
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Checked(v) if v.is_attack() => "attack",
            Outcome::Checked(_) => "safe",
            Outcome::Unsupported => "unsupported",
        }
    }

    /// Whether the outcome agrees with `expect` (`None` when either is unknown).
    pub fn matches(&self, expect: Option<Expect>) -> Option<bool> {
        match (self, expect?) {
            (Outcome::Checked(v), Expect::Attack) => Some(v.is_attack()),
            (Outcome::Checked(v), Expect::Safe) => Some(!v.is_attack()),
            (Outcome::Unsupported, _) => None,
        }
    }
}

impl Case {
    /// Parses one JSON line.
    pub fn from_json(line: &str) -> Result<Case, Error> {
        let case: Case =
            serde_json::from_str(line).map_err(|e| Error::new(ErrorKind::InvalidArgument, e.to_string()))?;
        for input in &case.inputs {
            if Source::from_name(&input.source).is_none() {
                return Err(Error::new(
                    ErrorKind::InvalidArgument,
                    format!("case {}: unknown input source `{}`", case.id, input.source),
                ));
            }
        }
        if case.kind == "sql" {
            let dialect = case.dialect.as_deref().unwrap_or("generic");
            if Dialect::parse(dialect).is_none() {
                return Err(Error::new(
                    ErrorKind::InvalidArgument,
                    format!("case {}: unknown SQL dialect `{dialect}`", case.id),
                ));
            }
        }
        if case.kind == "header" && case.name.is_none() {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("case {}: a header case needs `name`", case.id),
            ));
        }
        if case.ip.is_some() && case.host.is_none() {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("case {}: a case with `ip` needs `host` (the name resolved)", case.id),
            ));
        }
        Ok(case)
    }

    /// Loads the case's inputs into `request` (which is reset first).
    pub fn fill(&self, request: &mut Request) {
        request.reset();
        if let (Some(host), "redirect") = (&self.host, self.kind.as_str()) {
            request.set_host(host.as_bytes());
        }
        if self.kind == "payload" {
            if let Resource::Text(path) = &self.resource {
                request.set_path(path.as_bytes());
            }
            request.set_method(self.method.as_deref().unwrap_or("GET").as_bytes());
        }
        for input in &self.inputs {
            let source = Source::from_name(&input.source).unwrap_or(Source::Other);
            request.add_input(source, input.key.as_bytes(), input.value.as_bytes());
        }
    }

    /// Runs the case's check on an already [filled](Case::fill) request.
    pub fn check(&self, engine: &Engine, request: &Request) -> Outcome {
        match (self.kind.as_str(), &self.resource) {
            ("sql", Resource::Text(query)) => {
                let dialect = self.dialect.as_deref().and_then(Dialect::parse).unwrap_or(Dialect::Generic);
                Outcome::Checked(engine.check_sql(request, dialect, query.as_bytes()))
            }
            ("shell", Resource::Text(command)) => Outcome::Checked(engine.check_shell(request, command.as_bytes())),
            ("exec", Resource::Argv(argv)) => {
                // A stack array keeps the check itself allocation-free (the vectors' argvs are short).
                let mut args: [&[u8]; MAX_ARGV] = [&[]; MAX_ARGV];
                if argv.len() > MAX_ARGV {
                    return Outcome::Unsupported;
                }
                for (slot, arg) in args.iter_mut().zip(argv) {
                    *slot = arg.as_bytes();
                }
                Outcome::Checked(engine.check_exec(request, &args[..argv.len()]))
            }
            ("nosql", Resource::Text(filter)) => Outcome::Checked(engine.check_nosql(request, filter.as_bytes())),

            ("path", Resource::Text(path)) => Outcome::Checked(engine.check_path(request, path.as_bytes())),
            ("url", Resource::Text(url)) => {
                let verdict = engine.check_url(request, url.as_bytes());
                match (&self.host, &self.ip) {
                    (Some(host), Some(ip)) if !verdict.is_attack() => {
                        Outcome::Checked(engine.check_resolved_ip(request, host.as_bytes(), ip.as_bytes()))
                    }
                    _ => Outcome::Checked(verdict),
                }
            }
            ("redirect", Resource::Text(location)) => {
                Outcome::Checked(engine.check_redirect(request, location.as_bytes()))
            }
            ("header", Resource::Text(value)) => {
                let name = self.name.as_deref().unwrap_or_default();
                Outcome::Checked(engine.check_header(request, name.as_bytes(), value.as_bytes()))
            }
            ("payload", Resource::Text(_)) => Outcome::Checked(engine.inspect(request)),
            _ => Outcome::Unsupported,
        }
    }

    /// Fills `request` and runs the check.
    pub fn run(&self, engine: &Engine, request: &mut Request) -> Outcome {
        self.fill(request);
        self.check(engine, request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Policy;

    #[test]
    fn runs_a_design_example() {
        let case = Case::from_json(
            r#"{"id":"sql-mysql-0042","kind":"sql","dialect":"mysql","resource":"SELECT * FROM users WHERE email = '' OR 1=1-- ' AND pw = 'x'","inputs":[{"source":"body","key":"email","value":"' OR 1=1-- "}],"expect":"attack","note":"tautology + comment"}"#,
        )
        .expect("valid case");
        let mut policy = Policy::default();
        policy.override_mode("block").expect("mode");
        let engine = Engine::new(policy).expect("engine");
        let outcome = case.run(&engine, &mut Request::new());
        assert_eq!(outcome.label(), "attack");
        assert_eq!(outcome.matches(case.expect), Some(true));
    }

    #[test]
    fn rejects_malformed_cases() {
        assert!(Case::from_json("{}").is_err());
        assert!(Case::from_json(r#"{"id":"x","kind":"sql","resource":"q","inputs":[{"source":"body","key":"k","value":"v"}],"expect":"maybe"}"#).is_err());
        assert!(Case::from_json(
            r#"{"id":"x","kind":"sql","resource":"q","inputs":[{"source":"nowhere","value":"v"}]}"#
        )
        .is_err());
        assert!(Case::from_json(r#"{"id":"x","kind":"sql","dialect":"db2","resource":"q"}"#).is_err());
        let exec = Case::from_json(r#"{"id":"x","kind":"exec","resource":["ls","-l"]}"#).expect("argv resource");
        assert_eq!(exec.check(&Engine::new(Policy::default()).expect("engine"), &Request::new()).label(), "safe");
        let mismatch = Case::from_json(r#"{"id":"x","kind":"exec","resource":"ls -l"}"#).expect("text resource");
        assert_eq!(
            mismatch.check(&Engine::new(Policy::default()).expect("engine"), &Request::new()),
            Outcome::Unsupported
        );
    }
}
