//! SSRF check benchmarks: the per-call shapes of the performance targets, the
//! connect-time address check, and linearity on a hostile URL.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use rampart_benches::{blocking_engine, typical_request};
use rampart_core::{Request, Source};

fn per_call(c: &mut Criterion) {
    let engine = blocking_engine();
    let mut group = c.benchmark_group("url_check");

    // 10 inputs (one of them a public URL), none of them in the URL fetched.
    let benign = typical_request(None);
    let url = b"https://api.payments.example.net/v2/customers/cus_9f3c2e7a/invoices?limit=20&expand=lines";
    group.bench_function("benign_10_inputs_not_in_url", |b| {
        b.iter(|| engine.check_url(black_box(&benign), black_box(url)))
    });

    // A user-supplied public webhook URL, fetched as given.
    let hook = "https://hooks.partner.example.com/rampart/events?token=5e1f";
    let safe = typical_request(Some(("webhook", hook)));
    group.bench_function("public_url_from_input", |b| {
        b.iter(|| engine.check_url(black_box(&safe), black_box(hook.as_bytes())))
    });

    let payload = "http://0xA9FEA9FE/latest/meta-data/iam/security-credentials/";
    let attack = typical_request(Some(("webhook", payload)));
    group.bench_function("attack_found", |b| {
        b.iter(|| engine.check_url(black_box(&attack), black_box(payload.as_bytes())))
    });

    let rebind = typical_request(Some(("webhook", "https://rebind.attacker.example/hook")));
    group.bench_function("resolved_ip_attack", |b| {
        b.iter(|| engine.check_resolved_ip(black_box(&rebind), black_box(b"rebind.attacker.example"), b"127.0.0.1"))
    });
    group.bench_function("resolved_ip_public", |b| {
        b.iter(|| engine.check_resolved_ip(black_box(&rebind), black_box(b"rebind.attacker.example"), b"93.184.216.34"))
    });
    assert!(engine.check_url(&attack, payload.as_bytes()).is_attack());
    assert!(!engine.check_url(&safe, hook.as_bytes()).is_attack());
    assert!(!engine.check_url(&benign, url).is_attack());
    assert!(engine.check_resolved_ip(&rebind, b"rebind.attacker.example", b"127.0.0.1").is_attack());
    group.finish();
}

/// A 1 MB URL whose host is 100k characters and whose path an input occurs in a
/// quarter million times.
fn hostile(c: &mut Criterion) {
    let engine = blocking_engine();
    let mut group = c.benchmark_group("url_check_large");
    group.sample_size(20);
    let url = format!("http://{}/{}", "a.".repeat(50_000), "../".repeat(1 << 18));
    let mut request = Request::new();
    request.add_input(Source::Body, b"p", b"../");
    group.throughput(Throughput::Bytes(url.len() as u64));
    group
        .bench_function("hostile_1MB", |b| b.iter(|| engine.check_url(black_box(&request), black_box(url.as_bytes()))));
    group.finish();
}

criterion_group!(benches, per_call, hostile);
criterion_main!(benches);
