//! The engine: a compiled, immutable policy. Build it once, share it across threads,
//! and call its checks from every hooked sink.

use std::net::IpAddr;

use crate::detect::{exec, header, nosql, path, redirect, shell, sqli, ssrf};
use crate::error::Error;
use crate::glob::glob_match;
use crate::lex::sql::Dialect;
use crate::lex::url::{head_bound, Relative, UrlParts};
use crate::policy::Policy;
use crate::request::{Input, Request, Structural};
use crate::rules::RuleSet;
use crate::verdict::{Reason, Span, Threat, Verdict};

/// The compiled policy. `Send + Sync`: share one `Engine` (in an `Arc`) between all
/// threads; every check borrows it immutably, takes no lock and allocates nothing.
#[derive(Debug)]
pub struct Engine {
    policy: Policy,
    rules: RuleSet,
}

impl Engine {
    /// Compiles `policy`. All allocation the engine will ever do happens here.
    pub fn new(policy: Policy) -> Result<Engine, Error> {
        let rules = RuleSet::new(&policy)?;
        Ok(Engine { policy, rules })
    }

    /// The compiled rules (default ruleset and the policy's own).
    pub(crate) fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// The policy this engine was built from.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The event JSON line of a finding (`None` when `verdict` found nothing). See
    /// [`format_event`](crate::event::format_event).
    pub fn event_json(
        &self,
        request: &Request,
        verdict: &Verdict,
        sink_kind: &str,
        resource: &[u8],
        context: &crate::event::EventContext,
    ) -> Option<String> {
        crate::event::format_event(&self.policy, request, verdict, sink_kind, resource, context)
    }

    /// The event JSON line of a hook that failed internally. See
    /// [`format_error_event`](crate::event::format_error_event).
    pub fn error_event_json(
        &self,
        request: Option<&Request>,
        sink_kind: &str,
        error_kind: &str,
        message: &str,
        context: &crate::event::EventContext,
    ) -> String {
        crate::event::format_error_event(&self.policy, request, sink_kind, error_kind, message, context)
    }

    /// Did an input of `request` change the structure of `query`?
    ///
    /// `query` is the SQL text the application is about to send, as bytes (UTF-8 is not
    /// required). Runs in time linear in `query.len()` for each input that occurs in it.
    pub fn check_sql(&self, request: &Request, dialect: Dialect, query: &[u8]) -> Verdict {
        self.check_each_input(request, Threat::SqlInjection, sqli::MIN_INPUT_LEN, |input| {
            sqli::find_injection(dialect, query, input)
        })
    }

    /// Did an input of `request` change the structure of `command`, a string about to be
    /// run by `sh -c` (`system()`, `child_process.exec`, `subprocess.run(shell=True)`)?
    ///
    /// Runs in time linear in `command.len()` for each input that occurs in it. See
    /// `docs/detection/shell.md` for the rules.
    pub fn check_shell(&self, request: &Request, command: &[u8]) -> Verdict {
        self.check_every_input(request, Threat::CommandInjection, shell::MIN_INPUT_LEN, |input| {
            shell::find_injection(command, input)
        })
    }

    /// Did an input of `request` choose the program `argv` runs, inject an option into a
    /// program whose options run code or write files, or reach a shell or interpreter
    /// through it? For process creation without a shell (`execve`, `subprocess.run([..])`,
    /// `child_process.execFile`, `ProcessBuilder`).
    ///
    /// A verdict's span is an offset into the arguments joined by one space. See
    /// `docs/detection/exec.md` for the rules.
    pub fn check_exec(&self, request: &Request, argv: &[&[u8]]) -> Verdict {
        let mut plan = None;
        // Most inputs occur nowhere: one search over the joined arguments tells (a match
        // across a separator only costs the precise search), and the argv is read only
        // when an input does occur.
        let mut joined = [0u8; exec::JOINED_CAPACITY];
        let joined = exec::join(argv, &mut joined);
        self.check_every_input(request, Threat::CommandInjection, exec::MIN_INPUT_LEN, |input| {
            let occurs = match joined {
                Some(joined) => exec::occurs(joined, input),
                None => argv.iter().any(|arg| exec::occurs(arg, input)),
            };
            if !occurs {
                return None;
            }
            let plan = plan.get_or_insert_with(|| exec::ExecPlan::of(argv));
            exec::find_injection(argv, plan, input)
        })
    }

    /// Did a user-supplied object bring a query operator (`$ne`, `$gt`, `$where`, ...)
    /// into `filter_json`, a MongoDB-style filter as JSON text? Or did an input break out
    /// of a JSON string of a filter built by concatenation? Malformed JSON gets a verdict
    /// like any other. See `docs/detection/nosql.md` for the rules.
    pub fn check_nosql(&self, request: &Request, filter_json: &[u8]) -> Verdict {
        let threat = Threat::NosqlInjection;
        let Some(action) = self.policy.effective_action(threat) else {
            return Verdict::ALLOW;
        };
        if self.route_excluded(request, threat) {
            return Verdict::ALLOW;
        }
        let excluded = |input: Input<'_>| self.input_excluded(request, input, threat);
        if let Some((index, span, reason)) = nosql::find_operator(filter_json, request, excluded) {
            return Verdict {
                action,
                threat: Some(threat),
                reason: Some(reason),
                input_index: Some(index),
                span: Some(span),
                rule_id: 0,
            };
        }
        self.check_each_input(request, threat, nosql::MIN_INPUT_LEN, |input| {
            nosql::find_json_escape(filter_json, input)
        })
    }

    /// Did an input of `request` take `path` out of the directory the application meant?
    ///
    /// `path` is the file path about to be opened (or listed, deleted, included), as
    /// bytes. Attack: the input brings a `..` segment (`/` or `\`), is an absolute path
    /// (or drive, UNC path, `file:` URL) the path starts with, brings a NUL byte, or
    /// names a secrets file (`.env`, `.git/`, `.ssh/`). See `docs/detection/path.md`.
    pub fn check_path(&self, request: &Request, path: &[u8]) -> Verdict {
        self.check_each_input(request, Threat::PathTraversal, path::MIN_INPUT_LEN, |input| {
            path::find_traversal(path, input)
        })
    }

    /// Did an input of `request` point this outgoing request somewhere inside?
    ///
    /// `url` is the URL an HTTP client is about to fetch. Attack: an input chooses the
    /// URL's scheme and it is not a web scheme, or chooses the host and the host (parsed
    /// as browsers do, every IPv4/IPv6 spelling included) is loopback, private,
    /// link-local, an internal name or a cloud metadata service, and not in
    /// `protections.ssrf.allow_hosts`. See `docs/detection/ssrf.md`.
    pub fn check_url(&self, request: &Request, url: &[u8]) -> Verdict {
        let allow = &self.policy.protections.ssrf.allow_hosts;
        let bound = head_bound(url);
        let mut parsed = None;
        self.check_inputs(request, Threat::Ssrf, request.all_inputs(ssrf::MIN_INPUT_LEN), |input| {
            if !ssrf::may_reach_head(url, bound, input) {
                return None;
            }
            let parsed =
                parsed.get_or_insert_with(|| ssrf::ParsedUrl::new(url, UrlParts::parse(url, Relative::Fetch), allow));
            ssrf::find_ssrf(parsed, input)
        })
    }

    /// At connect time: `host` (the name the client resolved, as it passed it to the
    /// resolver) came from an input of `request`, and `ip` (the address the socket
    /// really connects to, as text: `10.0.0.7`, `::1`, `[fe80::1%eth0]`) is internal?
    /// This catches DNS rebinding and names that resolve inside. An `ip` that is not an
    /// address gets [`Verdict::ALLOW`]: it comes from the client library, not the user.
    pub fn check_resolved_ip(&self, request: &Request, host: &[u8], ip: &[u8]) -> Verdict {
        match ssrf::parse_ip_text(ip) {
            Some(ip) => self.check_resolved_addr(request, host, ip),
            None => Verdict::ALLOW,
        }
    }

    /// [`Engine::check_resolved_ip`] with the address already parsed.
    pub fn check_resolved_addr(&self, request: &Request, host: &[u8], ip: IpAddr) -> Verdict {
        let Some(target) = ssrf::classify_ip(ip) else {
            return Verdict::ALLOW;
        };
        let allow = &self.policy.protections.ssrf.allow_hosts;
        if ssrf::is_allowed(&crate::lex::url::parse_host(host), allow) {
            return Verdict::ALLOW;
        }
        self.check_inputs(request, Threat::Ssrf, request.all_inputs(1), |input| {
            ssrf::host_from_input(host, input).map(|span| (span, target.resolved_reason()))
        })
    }

    /// Did an input of `request` send this redirect to another site?
    ///
    /// `location` is the `Location` header value (or the URL of any redirect the
    /// application answers with). Attack: an input covers the host the browser will go
    /// to and that host is neither the request's own ([`Request::set_host`]) nor in
    /// `protections.open_redirect.allow_hosts`, or an input makes it a `javascript:`,
    /// `vbscript:` or `data:` URL. See `docs/detection/redirect.md`.
    pub fn check_redirect(&self, request: &Request, location: &[u8]) -> Verdict {
        let allow = &self.policy.protections.open_redirect.allow_hosts;
        let bound = head_bound(location);
        let mut parsed = None;
        let own_host = std::cell::OnceCell::new();
        self.check_inputs(request, Threat::OpenRedirect, request.all_inputs(redirect::MIN_INPUT_LEN), |input| {
            if !ssrf::may_reach_head(location, bound, input) {
                return None;
            }
            let parsed = parsed.get_or_insert_with(|| {
                ssrf::ParsedUrl::new(location, UrlParts::parse(location, Relative::Navigate), allow)
            });
            redirect::find_open_redirect(location, parsed, &own_host, request.host(), allow, input)
        })
    }

    /// Did an input of `request` bring a line break or NUL into a response header?
    ///
    /// `name` and `value` are the header as the application is about to send it. The
    /// verdict's span is in `value`, or in `name` for
    /// [`Reason::HeaderNameInjection`]. See `docs/detection/header.md`.
    pub fn check_header(&self, request: &Request, name: &[u8], value: &[u8]) -> Verdict {
        let (in_value, in_name) = (header::value_may_split(value), header::name_may_split(name));
        if !in_value && !in_name {
            return Verdict::ALLOW;
        }
        self.check_each_input(request, Threat::HeaderInjection, header::MIN_INPUT_LEN, |input| {
            let found = if in_value { header::find_in_value(value, input) } else { None };
            found.or_else(|| if in_name { header::find_in_name(name, input) } else { None })
        })
    }

    /// The common frame of the context-aware checks: skip what the policy excludes, run
    /// `detect` on each structural input, and turn the first finding into a verdict.
    fn check_each_input(
        &self,
        request: &Request,
        threat: Threat,
        min_len: usize,
        detect: impl FnMut(&Structural<'_>) -> Option<(Span, Reason)>,
    ) -> Verdict {
        self.check_inputs(request, threat, request.structural_inputs(min_len), detect)
    }

    /// [`Engine::check_each_input`] over any selection of the request's inputs.
    fn check_inputs<'r>(
        &self,
        request: &'r Request,
        threat: Threat,
        inputs: impl Iterator<Item = Structural<'r>>,
        mut detect: impl FnMut(&Structural<'_>) -> Option<(Span, Reason)>,
    ) -> Verdict {
        let Some(action) = self.policy.effective_action(threat) else {
            return Verdict::ALLOW;
        };
        if self.route_excluded(request, threat) {
            return Verdict::ALLOW;
        }
        for structural in inputs {
            let Some((span, reason)) = detect(&structural) else {
                continue;
            };
            if self.input_excluded(request, structural.input, threat) {
                continue;
            }
            return Verdict {
                action,
                threat: Some(threat),
                reason: Some(reason),
                input_index: Some(structural.index),
                span: Some(span),
                rule_id: 0,
            };
        }
        Verdict::ALLOW
    }

    /// [`Engine::check_each_input`] over every input of at least `min_len` bytes, word-only
    /// ones included (a bare word can be a whole program or host name).
    fn check_every_input(
        &self,
        request: &Request,
        threat: Threat,
        min_len: usize,
        detect: impl FnMut(&Structural<'_>) -> Option<(Span, Reason)>,
    ) -> Verdict {
        self.check_inputs(request, threat, request.all_inputs(min_len), detect)
    }

    pub(crate) fn route_excluded(&self, request: &Request, threat: Threat) -> bool {
        self.policy.exclusions.iter().any(|exclusion| {
            let Some(route) = exclusion.route.as_deref() else {
                return false;
            };
            // An exclusion with both route and input applies per input, not per route.
            exclusion.input.is_none()
                && covers(&exclusion.protections, threat)
                && (glob_match(route.as_bytes(), request.route()) || glob_match(route.as_bytes(), request.path()))
        })
    }

    pub(crate) fn input_excluded(&self, request: &Request, input: Input<'_>, threat: Threat) -> bool {
        self.policy.exclusions.iter().any(|exclusion| {
            let Some(pattern) = exclusion.input.as_deref() else {
                return false;
            };
            let on_route = exclusion.route.as_deref().is_none_or(|route| route_matches(route, request));
            covers(&exclusion.protections, threat) && on_route && input_matches(pattern.as_bytes(), input)
        })
    }
}

fn route_matches(pattern: &str, request: &Request) -> bool {
    glob_match(pattern.as_bytes(), request.route()) || glob_match(pattern.as_bytes(), request.path())
}

fn covers(protections: &[Threat], threat: Threat) -> bool {
    protections.is_empty() || protections.contains(&threat)
}

/// `source.key` patterns: `body.article_html`, `header.*`; a pattern without a dot is
/// matched against the key in any source.
fn input_matches(pattern: &[u8], input: Input<'_>) -> bool {
    match pattern.iter().position(|&b| b == b'.') {
        Some(dot) => {
            glob_match(&pattern[..dot], input.source.name().as_bytes()) && glob_match(&pattern[dot + 1..], input.key)
        }
        None => glob_match(pattern, input.key),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::Source;
    use crate::verdict::Action;

    fn engine(json: &str) -> Engine {
        Engine::new(Policy::from_json(json.as_bytes()).expect("policy")).expect("engine")
    }

    fn login_request(email: &str) -> Request {
        let mut r = Request::new();
        r.set_path(b"/login");
        r.add_input(Source::Body, b"email", email.as_bytes());
        r.add_input(Source::Body, b"password", b"hunter2");
        r
    }

    const QUERY_PREFIX: &str = "SELECT * FROM users WHERE email = '";

    fn login_query(email: &str) -> String {
        format!("{QUERY_PREFIX}{email}' AND password = 'hunter2'")
    }

    #[test]
    fn blocks_and_reports_per_mode() {
        let payload = "' OR 1=1-- ";
        let query = login_query(payload);
        let req = login_request(payload);
        let v = engine(r#"{"mode":"block"}"#).check_sql(&req, Dialect::Sqlite, query.as_bytes());
        assert_eq!(v.action, Action::Block);
        assert_eq!(v.threat, Some(Threat::SqlInjection));
        assert_eq!(v.reason, Some(Reason::SqlLiteralEscape));
        assert_eq!(v.input_index, Some(0));
        let span = v.span.expect("span");
        assert_eq!(&query[span.start..span.end], payload);
        assert_eq!(span.start, QUERY_PREFIX.len());

        let v = engine(r#"{"mode":"report"}"#).check_sql(&req, Dialect::Sqlite, query.as_bytes());
        assert_eq!(v.action, Action::Report);
        let v = engine(r#"{"mode":"off"}"#).check_sql(&req, Dialect::Sqlite, query.as_bytes());
        assert_eq!(v, Verdict::ALLOW);
    }

    #[test]
    fn exclusions_by_route_and_input() {
        let payload = "x' UNION SELECT password FROM users --";
        let query = login_query(payload);
        let req = login_request(payload);
        let by_route = engine(r#"{"mode":"block","exclusions":[{"route":"/log*","protections":["sql_injection"]}]}"#);
        assert_eq!(by_route.check_sql(&req, Dialect::MySql, query.as_bytes()), Verdict::ALLOW);
        let other_threat = engine(r#"{"mode":"block","exclusions":[{"route":"/login","protections":["ssrf"]}]}"#);
        assert!(other_threat.check_sql(&req, Dialect::MySql, query.as_bytes()).is_block());
        let by_input = engine(r#"{"mode":"block","exclusions":[{"input":"body.email"}]}"#);
        assert_eq!(by_input.check_sql(&req, Dialect::MySql, query.as_bytes()), Verdict::ALLOW);
        let other_input = engine(r#"{"mode":"block","exclusions":[{"input":"query.email"}]}"#);
        assert!(other_input.check_sql(&req, Dialect::MySql, query.as_bytes()).is_block());
        let input_on_route = engine(r#"{"mode":"block","exclusions":[{"route":"/login","input":"body.*"}]}"#);
        assert_eq!(input_on_route.check_sql(&req, Dialect::MySql, query.as_bytes()), Verdict::ALLOW);
        let input_on_other_route = engine(r#"{"mode":"block","exclusions":[{"route":"/admin","input":"body.*"}]}"#);
        assert!(input_on_other_route.check_sql(&req, Dialect::MySql, query.as_bytes()).is_block());
    }

    #[test]
    fn engine_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Engine>();
        assert_send_sync::<Request>();
    }
}
