//! rampart_core::collect: what every agent does with a request's query string, Cookie
//! header, headers and JSON body, on hostile bytes.
//! Oracles: the input limit holds; collection is deterministic; a smaller limit gives a
//! prefix of what a larger one gives, and says it left inputs out exactly when it did;
//! every input the depth limit lets through is also there with a deeper limit.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rampart_core::collect::Collector;
use rampart_core::{Request, Source};

type Inputs = Vec<(Source, Vec<u8>, Vec<u8>)>;

/// Collects `data` the way the first byte says, keeping at most `max` inputs.
fn collect(pick: u8, data: &[u8], max: usize, depth: usize) -> (Inputs, bool) {
    let mut request = Request::new();
    let mut c = Collector::new(&mut request, max).with_max_depth(depth);
    match pick % 4 {
        0 => {
            c.urlencoded(Source::Query, data);
        }
        1 => {
            c.cookies(data);
        }
        2 => {
            for line in data.split(|&b| b == b'\n') {
                let (name, value) = line.split_at(line.iter().position(|&b| b == b':').unwrap_or(line.len()));
                if !c.header_any_case(name, value) {
                    break;
                }
            }
        }
        _ => {
            c.json(data);
        }
    }
    let truncated = c.truncated();
    let inputs = request.inputs().map(|i| (i.source, i.key.to_vec(), i.value.to_vec())).collect();
    (inputs, truncated)
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let small = usize::from(pick >> 2) % 8;
    let (all, all_truncated) = collect(pick, rest, 100_000, 32);
    assert_eq!((all.clone(), all_truncated), collect(pick, rest, 100_000, 32), "deterministic");
    let (some, truncated) = collect(pick, rest, small, 32);
    assert!(some.len() <= small, "{} inputs kept with a limit of {small}", some.len());
    assert_eq!(some[..], all[..some.len()], "a smaller limit keeps a prefix");
    if !all_truncated {
        assert_eq!(truncated, all.len() > small, "truncated exactly when inputs were left out");
    }
    if pick % 4 == 3 {
        let (shallow, _) = collect(pick, rest, 100_000, 2);
        assert!(shallow.iter().all(|i| all.contains(i)), "a depth limit only leaves inputs out");
    }
});
