//! Open redirect check benchmarks: the per-call shapes of the performance targets.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use rampart_benches::{blocking_engine, typical_request};

fn per_call(c: &mut Criterion) {
    let engine = blocking_engine();
    let mut group = c.benchmark_group("redirect_check");

    let mut benign = typical_request(None);
    benign.set_host(b"shop.example.com");
    let location = b"/account/orders?status=shipped&page=3";
    group.bench_function("benign_10_inputs_not_in_location", |b| {
        b.iter(|| engine.check_redirect(black_box(&benign), black_box(location)))
    });

    let next = "/checkout/confirm?order=77";
    let mut safe = typical_request(Some(("next", next)));
    safe.set_host(b"shop.example.com");
    group.bench_function("same_site_next", |b| {
        b.iter(|| engine.check_redirect(black_box(&safe), black_box(next.as_bytes())))
    });

    let payload = "/\\evil.example/login";
    let mut attack = typical_request(Some(("next", payload)));
    attack.set_host(b"shop.example.com");
    group.bench_function("attack_found", |b| {
        b.iter(|| engine.check_redirect(black_box(&attack), black_box(payload.as_bytes())))
    });
    assert!(engine.check_redirect(&attack, payload.as_bytes()).is_attack());
    assert!(!engine.check_redirect(&safe, next.as_bytes()).is_attack());
    assert!(!engine.check_redirect(&benign, location).is_attack());
    group.finish();
}

criterion_group!(benches, per_call);
criterion_main!(benches);
