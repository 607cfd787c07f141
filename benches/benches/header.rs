//! Header injection check benchmarks: the per-call shapes of the performance targets.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use rampart_benches::{blocking_engine, typical_request};

fn per_call(c: &mut Criterion) {
    let engine = blocking_engine();
    let mut group = c.benchmark_group("header_check");

    // The common case: no line break in the header at all.
    let benign = typical_request(None);
    let value = b"attachment; filename=\"invoice-2024-11.pdf\"";
    group.bench_function("benign_no_line_break", |b| {
        b.iter(|| engine.check_header(black_box(&benign), b"Content-Disposition", black_box(value)))
    });

    // A multi-line value the application wrote itself; 10 inputs not in it.
    let folded = b"first line\r\n second line";
    group.bench_function("benign_10_inputs_not_in_value", |b| {
        b.iter(|| engine.check_header(black_box(&benign), b"X-Note", black_box(folded)))
    });

    let payload = "en\r\nSet-Cookie: session=attacker";
    let attack = typical_request(Some(("lang", payload)));
    group.bench_function("attack_found", |b| {
        b.iter(|| engine.check_header(black_box(&attack), b"Content-Language", black_box(payload.as_bytes())))
    });
    assert!(engine.check_header(&attack, b"Content-Language", payload.as_bytes()).is_attack());
    assert!(!engine.check_header(&benign, b"X-Note", folded).is_attack());
    group.finish();
}

criterion_group!(benches, per_call);
criterion_main!(benches);
