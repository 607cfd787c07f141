//! `Engine::inspect`: context-free inspection of a request's inputs ("malicious
//! payload"), before any sink runs. The rule engine runs first (an `allow` rule exempts
//! the request), then the built-in detectors judge each input value.

use std::cell::RefCell;

use crate::detect::payload::{inspect_value, Detectors, PayloadScratch};
use crate::engine::Engine;
use crate::policy::RuleAction;
use crate::request::{Input, Request, Source};
use crate::rules::RuleScratch;
use crate::verdict::{Reason, Span, Threat, Verdict};

/// Reusable buffers for [`Engine::inspect_with`]: decoding and transform output. Each
/// grows to the largest value seen (buffers over 1 MiB are released after the call), so
/// inspection allocates nothing in steady state. [`Engine::inspect`] keeps one per thread.
#[derive(Debug, Default)]
pub struct InspectScratch {
    payload: PayloadScratch,
    rules: RuleScratch,
    /// Skip no work: every rule automaton and every detector runs on every value.
    unfiltered: bool,
}

impl InspectScratch {
    /// Empty buffers.
    pub fn new() -> InspectScratch {
        InspectScratch::default()
    }

    /// Scratch that makes [`Engine::inspect_with`] run without its prefilters: the rule
    /// automata search every value, every detector reads every value in full. Verdicts
    /// are the same, only slower; tests compare the two paths.
    #[doc(hidden)]
    pub fn unfiltered() -> InspectScratch {
        InspectScratch { unfiltered: true, ..InspectScratch::default() }
    }

    fn trim(&mut self) {
        self.payload.trim();
        self.rules.trim();
    }
}

thread_local! {
    static SCRATCH: RefCell<InspectScratch> = RefCell::new(InspectScratch::default());
}

impl Engine {
    /// Does `request` carry a malicious payload, whatever sink it may reach? Runs the
    /// policy's rules and the default ruleset (scanners, forbidden paths, uploads,
    /// methods, known exploits), then the built-in detectors on every input (SQL
    /// injection, XSS, shell commands, path traversal and file inclusion, SSRF URLs),
    /// after decoding (URL encoding, escapes, HTML entities).
    ///
    /// The threat is [`Threat::MaliciousPayload`]; the verdict's `rule_id` names the rule
    /// for [`Reason::RuleMatch`]; `span` covers the whole offending input value (a match
    /// may only exist after decoding). Uses a per-thread scratch: see
    /// [`Engine::inspect_with`] to pass your own. See `docs/detection/payload.md`.
    pub fn inspect(&self, request: &Request) -> Verdict {
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut scratch) => {
                let verdict = self.inspect_with(request, &mut scratch);
                scratch.trim();
                verdict
            }
            // Re-entered from inside an inspection (a logging hook, say): fresh buffers.
            Err(_) => self.inspect_with(request, &mut InspectScratch::default()),
        })
    }

    /// [`Engine::inspect`] with caller-owned scratch buffers.
    pub fn inspect_with(&self, request: &Request, scratch: &mut InspectScratch) -> Verdict {
        let threat = Threat::MaliciousPayload;
        let Some(action) = self.policy().effective_action(threat) else {
            return Verdict::ALLOW;
        };
        if self.route_excluded(request, threat) {
            return Verdict::ALLOW;
        }
        let excluded = |index: usize| request.input(index).is_some_and(|i| self.input_excluded(request, i, threat));
        if let Some(hit) = self.rules().evaluate(request, &mut scratch.rules, excluded, !scratch.unfiltered) {
            if hit.action == Some(RuleAction::Allow) {
                return Verdict::ALLOW;
            }
            let action = self.policy().rule_action(hit.action).unwrap_or(action);
            let span = hit.input.and_then(|i| request.input(i)).map(|input| Span { start: 0, end: input.value.len() });
            return Verdict {
                action,
                threat: Some(threat),
                reason: Some(Reason::RuleMatch),
                input_index: hit.input,
                span,
                rule_id: hit.id,
            };
        }
        for (index, input) in request.inputs().enumerate() {
            let Some(reason) =
                inspect_value(input.value, self.detectors_for(&input), &mut scratch.payload, !scratch.unfiltered)
            else {
                continue;
            };
            if self.input_excluded(request, input, threat) {
                continue;
            }
            return Verdict {
                action,
                threat: Some(threat),
                reason: Some(reason),
                input_index: Some(index),
                span: Some(Span { start: 0, end: input.value.len() }),
                rule_id: 0,
            };
        }
        Verdict::ALLOW
    }
}

impl Engine {
    /// The detectors that read `input`. The `Referer` and `Origin` headers name the page
    /// the browser came from, which on a developer's machine or an intranet is a loopback
    /// or private host (`http://localhost:3000/cart`); the server does not fetch them, so
    /// the SSRF-looking-URL detector skips them. URLs to hosts the policy lets the
    /// application fetch (`protections.ssrf.allow_hosts`) are no payload either.
    fn detectors_for(&self, input: &Input<'_>) -> Detectors<'_> {
        let navigation = input.source == Source::Header
            && (input.key.eq_ignore_ascii_case(b"referer") || input.key.eq_ignore_ascii_case(b"origin"));
        Detectors { ssrf: !navigation, ssrf_allow_hosts: &self.policy().protections.ssrf.allow_hosts, ..Detectors::ALL }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::EventContext;
    use crate::policy::Policy;
    use crate::request::Source;
    use crate::verdict::Action;

    fn engine(json: &str) -> Engine {
        Engine::new(Policy::from_json(json.as_bytes()).expect("policy")).expect("engine")
    }

    #[test]
    fn actions_exclusions_and_events() {
        let mut request = Request::new();
        request.set_path(b"/search");
        request.add_input(Source::Query, b"page", b"2");
        request.add_input(Source::Query, b"q", b"' OR 1=1-- ");
        // Payload inspection reports by default, even in block mode.
        let verdict = engine(r#"{"mode":"block"}"#).inspect(&request);
        assert_eq!(verdict.action, Action::Report);
        assert_eq!((verdict.input_index, verdict.reason), (Some(1), Some(Reason::PayloadSqlInjection)));
        assert_eq!(verdict.span, Some(Span { start: 0, end: 11 }));
        let blocking = engine(r#"{"mode":"block","protections":{"malicious_payload":{"action":"block"}}}"#);
        assert!(blocking.inspect(&request).is_block());
        assert_eq!(engine(r#"{"mode":"off"}"#).inspect(&request), Verdict::ALLOW);
        let excluded = engine(r#"{"exclusions":[{"input":"query.q","protections":["malicious_payload"]}]}"#);
        assert_eq!(excluded.inspect(&request), Verdict::ALLOW);
        let other = engine(r#"{"exclusions":[{"input":"query.q","protections":["sql_injection"]}]}"#);
        assert!(other.inspect(&request).is_attack());

        // A rule's own action, capped by the mode; an allow rule exempts the request.
        let rules = r#"{"mode":"MODE","rules":[
            {"id":7,"targets":["query:q"],"match":{"literals":["or 1=1"]},"action":"block"},
            {"id":8,"targets":["request.path"],"match":{"glob":"/health"},"action":"allow"}]}"#;
        let verdict = engine(&rules.replace("MODE", "block")).inspect(&request);
        assert_eq!((verdict.rule_id, verdict.reason, verdict.action), (7, Some(Reason::RuleMatch), Action::Block));
        assert_eq!(engine(&rules.replace("MODE", "report")).inspect(&request).action, Action::Report);
        request.set_path(b"/health");
        assert_eq!(engine(&rules.replace("MODE", "block")).inspect(&request), Verdict::ALLOW);

        // The event names the threat and the rule.
        request.set_path(b"/search");
        let engine = engine(&rules.replace("MODE", "block"));
        let verdict = engine.inspect(&request);
        let json = engine.event_json(&request, &verdict, "request", b"", &EventContext::default()).expect("event");
        let event: serde_json::Value = serde_json::from_str(&json).expect("event JSON");
        assert_eq!(event["threat"], "malicious_payload");
        assert_eq!(event["rule_id"], 7);
        assert_eq!(event["reason"], "rule_match");
    }

    /// A loopback or private Referer/Origin is where the browser came from (a developer's
    /// machine, an intranet page); the same URL in a parameter is still an SSRF payload.
    #[test]
    fn navigation_headers_are_not_ssrf_payloads() {
        let engine = engine("{}");
        let mut request = Request::new();
        request.add_input(Source::Header, b"referer", b"http://localhost:3000/cart");
        request.add_input(Source::Header, b"Origin", b"http://10.0.0.5");
        assert_eq!(engine.inspect(&request), Verdict::ALLOW);
        request.add_input(Source::Query, b"url", b"http://localhost:3000/admin");
        let verdict = engine.inspect(&request);
        assert_eq!((verdict.input_index, verdict.reason), (Some(2), Some(Reason::PayloadSsrf)));
    }

    /// A URL to a host the policy lets the application fetch is no payload; any other
    /// internal host in the same request still is.
    #[test]
    fn allowed_hosts_are_not_ssrf_payloads() {
        let engine = engine(r#"{"protections":{"ssrf":{"allow_hosts":["localhost","*.svc.internal"]}}}"#);
        let mut request = Request::new();
        request.add_input(Source::Query, b"preview", b"http://localhost:8080/partner");
        request.add_input(Source::Body, b"hook", b"see http://billing.svc.internal/notify");
        assert_eq!(engine.inspect(&request), Verdict::ALLOW);
        request.add_input(Source::Query, b"url", b"http://169.254.169.254/latest/meta-data/");
        let verdict = engine.inspect(&request);
        assert_eq!((verdict.input_index, verdict.reason), (Some(2), Some(Reason::PayloadSsrf)));
        assert!(self::engine("{}").inspect(&request).input_index == Some(0), "without the allow-list");
    }
}
