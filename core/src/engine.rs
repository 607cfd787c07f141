//! The engine: a compiled, immutable policy. Build it once, share it across threads,
//! and call its checks from every hooked sink.

use crate::detect::sqli;
use crate::error::Error;
use crate::glob::glob_match;
use crate::lex::sql::Dialect;
use crate::policy::Policy;
use crate::request::{Input, Request, Structural};
use crate::verdict::{Reason, Span, Threat, Verdict};

/// The compiled policy. `Send + Sync`: share one `Engine` (in an `Arc`) between all
/// threads; every check borrows it immutably, takes no lock and allocates nothing.
#[derive(Debug)]
pub struct Engine {
    policy: Policy,
}

impl Engine {
    /// Compiles `policy`. All allocation the engine will ever do happens here.
    pub fn new(policy: Policy) -> Result<Engine, Error> {
        Ok(Engine { policy })
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

    /// The common frame of the context-aware checks: skip what the policy excludes, run
    /// `detect` on each structural input, and turn the first finding into a verdict.
    fn check_each_input(
        &self,
        request: &Request,
        threat: Threat,
        min_len: usize,
        mut detect: impl FnMut(&Structural<'_>) -> Option<(Span, Reason)>,
    ) -> Verdict {
        let Some(action) = self.policy.effective_action(threat) else {
            return Verdict::ALLOW;
        };
        if self.route_excluded(request, threat) {
            return Verdict::ALLOW;
        }
        for structural in request.structural_inputs(min_len) {
            let Some((span, reason)) = detect(&structural) else {
                continue;
            };
            if self.input_excluded(structural.input, threat) {
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

    fn route_excluded(&self, request: &Request, threat: Threat) -> bool {
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

    fn input_excluded(&self, input: Input<'_>, threat: Threat) -> bool {
        self.policy.exclusions.iter().any(|exclusion| {
            let Some(pattern) = exclusion.input.as_deref() else {
                return false;
            };
            covers(&exclusion.protections, threat) && input_matches(pattern.as_bytes(), input)
        })
    }
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
    }

    #[test]
    fn engine_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Engine>();
        assert_send_sync::<Request>();
    }
}
