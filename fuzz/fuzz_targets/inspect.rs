//! Engine::inspect (context-free payload inspection) and the decoding transforms.
//! Oracles: a finding is well-formed (threat, reason, rule id, an existing input, a span
//! covering that input's whole value); a built-in detector's finding depends on its
//! input alone (the same value inspected by itself is a finding too); inspecting is
//! deterministic; the prefilters change no verdict (the unfiltered path, which runs every
//! rule automaton and every detector on every value, agrees); no transform writes more
//! bytes than it reads.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rampart_core::decode::Transform;
use rampart_core::{InspectScratch, Reason, Request, Span, Threat};
use rampart_fuzz::{engine, Case};

fuzz_target!(|data: &[u8]| {
    let case = Case::parse(data);
    let mut request = case.request;
    // The resource is the request path; its first byte picks a method.
    request.set_path(case.resource);
    let methods: [&[u8]; 4] = [b"GET", b"POST", b"TRACE", b"delete"];
    request.set_method(methods[usize::from(case.resource.first().copied().unwrap_or(0)) % methods.len()]);
    let verdict = engine().inspect(&request);
    assert_eq!(verdict, engine().inspect(&request), "inspect is deterministic");
    let unfiltered = engine().inspect_with(&request, &mut InspectScratch::unfiltered());
    assert_eq!(verdict, unfiltered, "the prefilters changed the verdict");
    if verdict.is_attack() {
        assert_eq!(verdict.threat, Some(Threat::MaliciousPayload));
        let reason = verdict.reason.expect("a finding has a reason");
        if reason == Reason::RuleMatch {
            assert_ne!(verdict.rule_id, 0, "a rule finding names its rule");
        } else {
            assert_eq!(verdict.rule_id, 0);
            let index = verdict.input_index.expect("a built-in finding names its input");
            let input = request.input(index).expect("the input exists");
            assert_eq!(verdict.span, Some(Span { start: 0, end: input.value.len() }));
            // The built-in detectors judge one value at a time.
            let mut alone = Request::new();
            alone.add_input(input.source, input.key, input.value);
            let again = engine().inspect(&alone);
            assert!(again.is_attack(), "{reason} on input {index} but not on the value alone");
        }
        if let Some(index) = verdict.input_index {
            assert!(index < request.len());
        }
    }
    for transform in Transform::ALL {
        let mut out = Vec::new();
        transform.apply(case.resource, &mut out);
        assert!(out.len() <= case.resource.len(), "{transform} grew its input");
    }
});
