//! Runs `Engine::inspect` N times, for instruction counting under
//! `valgrind --tool=callgrind`: over the benchmark's typical request (20 inputs, about
//! 1 KB), or with a second argument SIZE over one benign prose value of SIZE bytes (the
//! throughput bench's text):
//!
//! ```sh
//! cargo build --release -p rampart-benches --example inspect_instructions
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/examples/inspect_instructions 2000
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/examples/inspect_instructions 20 65536
//! ```
//! Subtract the run with N=0 and divide by N for instructions per inspection.

use std::hint::black_box;

use rampart_benches::{benign_prose_request, blocking_engine, typical_inspect_request};

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(2_000);
    let size: Option<usize> = std::env::args().nth(2).and_then(|s| s.parse().ok());
    let engine = blocking_engine();
    let request = match size {
        Some(size) => benign_prose_request(size),
        None => typical_inspect_request(),
    };
    let mut attacks = 0;
    for _ in 0..n {
        attacks += usize::from(engine.inspect(black_box(&request)).is_attack());
    }
    println!("{n} inspections, {attacks} attacks");
}
