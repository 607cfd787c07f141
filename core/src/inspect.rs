//! `Engine::inspect`: context-free inspection of a request's inputs ("malicious
//! payload"), before any sink runs. The rule engine runs first (an `allow` rule exempts
//! the request), then the built-in detectors judge each input value.

use std::cell::RefCell;

use crate::detect::payload::{inspect_value, Detectors, PayloadScratch};
use crate::engine::Engine;
use crate::policy::RuleAction;
use crate::request::Request;
use crate::rules::RuleScratch;
use crate::verdict::{Reason, Span, Threat, Verdict};

/// Reusable buffers for [`Engine::inspect_with`]: decoding and transform output. Each
/// grows to the largest value seen (buffers over 1 MiB are released after the call), so
/// inspection allocates nothing in steady state. [`Engine::inspect`] keeps one per thread.
#[derive(Debug, Default)]
pub struct InspectScratch {
    payload: PayloadScratch,
    rules: RuleScratch,
}

impl InspectScratch {
    /// Empty buffers.
    pub fn new() -> InspectScratch {
        InspectScratch::default()
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
        if let Some(hit) = self.rules().evaluate(request, &mut scratch.rules, excluded) {
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
            let Some(reason) = inspect_value(input.value, Detectors::ALL, &mut scratch.payload) else {
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
