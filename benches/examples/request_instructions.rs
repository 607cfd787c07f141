//! Fills a reused `Request` with the inputs of the payload benchmark's typical request
//! (20 inputs, about 1 KB) N times: what every language agent pays per request before
//! any check, counted under `valgrind --tool=callgrind`:
//!
//! ```sh
//! cargo build --release -p rampart-benches --example request_instructions
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/examples/request_instructions 10000
//! ```
//! Subtract the run with N=0 and divide by N for instructions per request.

use std::hint::black_box;

use rampart_benches::typical_inspect_request;
use rampart_core::Request;

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let template = typical_inspect_request();
    let inputs: Vec<_> = template.inputs().collect();
    let mut request = Request::with_capacity(inputs.len(), 4096);
    for _ in 0..n {
        request.reset();
        for input in &inputs {
            request.add_input(input.source, black_box(input.key), black_box(input.value));
        }
        black_box(&request);
    }
    println!("{n} requests of {} inputs", request.len());
}
