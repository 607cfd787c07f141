//! Policy::from_json: any bytes give a policy or an error, never a panic; a policy that
//! parses serializes to JSON that parses back to an equal policy, and builds an engine.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rampart_core::{Engine, Policy};

fuzz_target!(|data: &[u8]| {
    let Ok(policy) = Policy::from_json(data) else { return };
    let json = serde_json::to_vec(&policy).expect("a policy serializes");
    let again = Policy::from_json(&json)
        .unwrap_or_else(|e| panic!("the serialized policy {} does not parse: {e}", String::from_utf8_lossy(&json)));
    assert_eq!(policy, again, "parse -> serialize -> parse changed the policy");
    Engine::new(policy).expect("a valid policy builds an engine");
});
