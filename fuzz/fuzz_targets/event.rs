//! format_event / Engine::event_json: for any verdict (found by a check or made up, with
//! spans and indexes out of range), any resource, inputs and context strings, the event
//! is one line of valid JSON holding an object; a verdict without a threat gives none.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rampart_core::{format_event, Action, Dialect, EventContext, Reason, Span, Threat, Verdict};
use rampart_fuzz::{engine, Case};

fn word(data: &[u8], at: usize) -> usize {
    let mut bytes = [0u8; 2];
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = data.get(at + i).copied().unwrap_or(0);
    }
    usize::from(u16::from_le_bytes(bytes))
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 8 {
        return;
    }
    let (head, rest) = data.split_at(8);
    let case = Case::parse(rest);
    let text = |i: usize| String::from_utf8_lossy(case.request.input(i).map_or(&b""[..], |x| x.value)).into_owned();
    let context = EventContext {
        operation: text(0),
        event_id: if head[0] & 1 == 0 { String::new() } else { text(1) },
        client_ip: text(2),
        user_agent: text(3),
        request_id: text(1),
        stack: (0..usize::from(head[0] >> 5)).map(text).collect(),
    };
    let sink_kind = String::from_utf8_lossy(&head[6..8]).into_owned();
    // The verdict a check finds, and one made up from the head bytes.
    let found = engine().check_sql(&case.request, Dialect::MySql, case.resource);
    let made_up = Verdict {
        action: [Action::Allow, Action::Report, Action::Block][usize::from(head[1] % 3)],
        threat: Threat::from_code(u32::from(head[1] >> 2) % 10),
        reason: Reason::from_code(u32::from(head[2]) + 100 * u32::from(head[3] % 6)),
        input_index: (head[3] & 0x80 == 0).then(|| usize::from(head[3] & 0x1f)),
        span: (head[4] & 0x80 == 0).then(|| Span { start: word(head, 4) & 0x7fff, end: word(head, 5) }),
        rule_id: u32::from(head[7]),
    };
    for verdict in [found, made_up] {
        let event = format_event(engine().policy(), &case.request, &verdict, &sink_kind, case.resource, &context);
        let same = engine().event_json(&case.request, &verdict, &sink_kind, case.resource, &context);
        assert_eq!(event.is_some(), verdict.threat.is_some(), "an event iff a threat: {verdict:?}");
        assert_eq!(event.is_some(), same.is_some());
        let Some(line) = event else { continue };
        assert!(!line.contains('\n') && !line.contains('\r'), "the event is not one line: {line}");
        let value: serde_json::Value = serde_json::from_str(&line).expect("the event is valid JSON");
        assert!(value.is_object(), "the event is not an object: {line}");
    }
});
