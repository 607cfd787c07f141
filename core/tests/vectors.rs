//! Runs every conformance vector in testdata/vectors through the core and checks the
//! verdict against `expect`. `testdata/vectors/skip.jsonl` lists cases that may not
//! pass yet, each with a reason; a listed case that passes is an error too (remove it).

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};

use rampart_core::vectors::Outcome;
use rampart_core::Request;

#[test]
fn every_vector_passes() {
    let cases = common::load_all();
    let skip: HashMap<String, String> = std::fs::read_to_string(common::vectors_dir().join("skip.jsonl"))
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("skip.jsonl line is JSON");
            let id = v["id"].as_str().expect("skip entry has an id").to_owned();
            let reason = v["reason"].as_str().expect("skip entry names a reason").to_owned();
            (id, reason)
        })
        .collect();

    let engine = common::blocking_engine();
    let mut request = Request::new();
    let mut ids = HashSet::new();
    let mut per_kind: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut unexpectedly_passing = Vec::new();
    let mut ran = 0;
    for case in &cases {
        assert!(ids.insert(case.id.clone()), "duplicate vector id {}", case.id);
        let outcome = case.run(&engine, &mut request);
        let entry = per_kind.entry(case.kind.clone()).or_default();
        if outcome == Outcome::Unsupported {
            entry.1 += 1;
            continue;
        }
        ran += 1;
        entry.0 += 1;
        let ok = outcome.matches(case.expect).expect("every vector has an expect");
        match (ok, skip.contains_key(&case.id)) {
            (false, false) => failures.push(format!(
                "{} expected {:?}, got {} ({:?}) -- {}",
                case.id,
                case.expect,
                outcome.label(),
                match outcome {
                    Outcome::Checked(v) => v.reason,
                    Outcome::Unsupported => None,
                },
                case.note.as_deref().unwrap_or("")
            )),
            (true, true) => unexpectedly_passing.push(case.id.clone()),
            _ => {}
        }
    }
    for (kind, (checked, unsupported)) in &per_kind {
        eprintln!("vectors: {kind}: {checked} checked, {unsupported} unsupported");
    }
    eprintln!("vectors: {ran} run, {} failed, {} skipped", failures.len(), skip.len());
    assert!(ran >= 800, "expected the SQL vectors at least, ran {ran}");
    // Each kind's file must keep its size: a lost file or a kind turned unsupported fails here.
    for (kind, minimum) in [("sql", 800), ("shell", 250), ("exec", 100), ("nosql", 50)] {
        let checked = per_kind.get(kind).map_or(0, |&(checked, _)| checked);
        assert!(checked >= minimum, "expected at least {minimum} {kind} vectors checked, got {checked}");
    }
    assert!(failures.is_empty(), "{} vectors failed:\n{}", failures.len(), failures.join("\n"));
    assert!(unexpectedly_passing.is_empty(), "remove from skip.jsonl: {unexpectedly_passing:?}");
}
