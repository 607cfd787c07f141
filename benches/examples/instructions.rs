//! Runs one check scenario N times, for instruction counting under
//! `valgrind --tool=callgrind` (repeatable on a busy machine, unlike wall time):
//!
//! ```sh
//! cargo build --release -p rampart-benches --example instructions
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/examples/instructions benign 10000
//! ```
//! Subtract the run with N=0 and divide by N for instructions per check.

use std::hint::black_box;

use rampart_benches::{blocking_engine, query_with, typical_request};
use rampart_core::Dialect;

fn main() {
    let mut args = std::env::args().skip(1);
    let scenario = args.next().unwrap_or_else(|| "benign".to_owned());
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let engine = blocking_engine();
    let (request, query) = match scenario.as_str() {
        "benign" => (typical_request(None), query_with("?").replace("'?'", "?")),
        "safe" => (typical_request(Some(("name", "Anne-Marie d Arc"))), query_with("Anne-Marie d Arc")),
        "attack" => (typical_request(Some(("name", "x' OR '1'='1"))), query_with("x' OR '1'='1")),
        other => panic!("unknown scenario {other}: benign, safe or attack"),
    };
    let mut attacks = 0;
    for _ in 0..n {
        attacks += usize::from(
            engine.check_sql(black_box(&request), Dialect::PostgreSql, black_box(query.as_bytes())).is_attack(),
        );
    }
    println!("{scenario}: {n} checks, {attacks} attacks");
}
