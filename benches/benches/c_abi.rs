//! The cost of the C ABI: the same SQL checks as `sql.rs`, once through
//! `Engine::check_sql` and once through the `extern "C"` function `rampart_check_sql`
//! (argument checks, panic boundary, verdict conversion). The difference is the ABI's
//! overhead; docs/performance.md records it.

#![allow(unsafe_code)] // calls the extern "C" functions, as a C host would

use std::mem::MaybeUninit;
use std::ptr;

use criterion::{black_box, criterion_group, Criterion};
use rampart::rampart_status::RAMPART_STATUS_OK;
use rampart::{
    rampart_check_sql, rampart_engine, rampart_engine_free, rampart_engine_new, rampart_request,
    rampart_request_add_input, rampart_request_free, rampart_request_new, rampart_verdict,
};
use rampart_benches::{blocking_engine, query_with, typical_request};
use rampart_core::{Dialect, Request};

/// A C-ABI engine and request holding the same inputs as `request`.
struct Handles {
    engine: *const rampart_engine,
    request: *mut rampart_request,
}

impl Handles {
    fn new(request: &Request) -> Handles {
        let policy = br#"{"mode": "block"}"#;
        let mut handles = Handles { engine: ptr::null(), request: ptr::null_mut() };
        // SAFETY: valid slices and out pointers; the handles are freed in Drop.
        unsafe {
            let status = rampart_engine_new(policy.as_ptr(), policy.len(), &mut handles.engine, ptr::null_mut(), 0);
            assert_eq!(status, RAMPART_STATUS_OK);
            assert_eq!(rampart_request_new(handles.engine, &mut handles.request), RAMPART_STATUS_OK);
            for input in request.inputs() {
                let status = rampart_request_add_input(
                    handles.request,
                    input.source.code(),
                    input.key.as_ptr(),
                    input.key.len(),
                    input.value.as_ptr(),
                    input.value.len(),
                );
                assert_eq!(status, RAMPART_STATUS_OK);
            }
        }
        handles
    }

    fn check(&self, query: &[u8]) -> rampart_verdict {
        let mut verdict = MaybeUninit::<rampart_verdict>::uninit();
        // SAFETY: live request, valid query slice, writable verdict.
        unsafe {
            let status = rampart_check_sql(
                black_box(self.request),
                Dialect::PostgreSql.code(),
                query.as_ptr(),
                query.len(),
                verdict.as_mut_ptr(),
            );
            debug_assert_eq!(status, RAMPART_STATUS_OK);
            verdict.assume_init()
        }
    }
}

impl Drop for Handles {
    fn drop(&mut self) {
        // SAFETY: both came from their constructors and are freed once.
        unsafe {
            rampart_request_free(self.request);
            rampart_engine_free(self.engine);
        }
    }
}

fn rust_vs_c(c: &mut Criterion) {
    let engine = blocking_engine();
    let parameterised = query_with("?").replace("'?'", "?");
    let payload = "x' OR '1'='1";
    let shapes = [
        // No input at all: the check itself is a few branches, so what remains is the
        // ABI's own cost.
        ("no_inputs", Request::new(), query_with("x")),
        ("benign_10_inputs_not_in_query", typical_request(None), parameterised),
        (
            "occurrence_inside_literal",
            typical_request(Some(("name", "Anne-Marie d Arc"))),
            query_with("Anne-Marie d Arc"),
        ),
        ("attack_found", typical_request(Some(("name", payload))), query_with(payload)),
    ];
    let mut group = c.benchmark_group("c_abi");
    for (name, request, query) in &shapes {
        let handles = Handles::new(request);
        let rust = engine.check_sql(request, Dialect::PostgreSql, query.as_bytes());
        assert_eq!(handles.check(query.as_bytes()), rust.into(), "{name}: same verdict both ways");
        group.bench_function(format!("{name}/rust"), |b| {
            b.iter(|| engine.check_sql(black_box(request), Dialect::PostgreSql, black_box(query.as_bytes())))
        });
        group.bench_function(format!("{name}/c_abi"), |b| b.iter(|| handles.check(black_box(query.as_bytes()))));
    }
    group.finish();
}

/// The same comparison, robust to a busy machine: the two ways alternate in short
/// batches for many rounds and each keeps its fastest batch, so a batch slowed down by
/// another process is discarded rather than averaged in. Prints ns per check and the
/// difference (the ABI's overhead).
fn paired() {
    let engine = blocking_engine();
    let empty = Request::new();
    let benign = typical_request(None);
    let parameterised = query_with("?").replace("'?'", "?");
    let payload = "x' OR '1'='1";
    let attack = typical_request(Some(("name", payload)));
    let attack_query = query_with(payload);
    let x_query = query_with("x");
    let shapes: [(&str, &Request, &str, u32); 3] = [
        ("no_inputs", &empty, &x_query, 20_000),
        ("benign_10_inputs_not_in_query", &benign, &parameterised, 5_000),
        ("attack_found", &attack, &attack_query, 1_000),
    ];
    for (name, request, query, batch) in shapes {
        let handles = Handles::new(request);
        let (mut rust_best, mut abi_best) = (f64::MAX, f64::MAX);
        for _ in 0..200 {
            let start = std::time::Instant::now();
            for _ in 0..batch {
                black_box(engine.check_sql(black_box(request), Dialect::PostgreSql, black_box(query.as_bytes())));
            }
            rust_best = rust_best.min(start.elapsed().as_nanos() as f64 / f64::from(batch));
            let start = std::time::Instant::now();
            for _ in 0..batch {
                black_box(handles.check(black_box(query.as_bytes())));
            }
            abi_best = abi_best.min(start.elapsed().as_nanos() as f64 / f64::from(batch));
        }
        println!(
            "c_abi_paired/{name:<30} rust {rust_best:8.1} ns   c_abi {abi_best:8.1} ns   overhead {:+6.1} ns",
            abi_best - rust_best
        );
    }
}

criterion_group!(benches, rust_vs_c);

fn main() {
    // `cargo bench --bench c_abi -- paired` runs only the paired measurement.
    if std::env::args().any(|a| a == "paired") {
        paired();
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
    paired();
}
