//! Context-free inspection benchmarks: a typical request (20 inputs, about 2 KB), the
//! throughput on large benign text, the engine build with the default ruleset.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rampart_benches::{benign_prose_request, blocking_engine, typical_inspect_request as typical_request};
use rampart_core::{Engine, InspectScratch, Policy, Source};

fn per_request(c: &mut Criterion) {
    let engine = blocking_engine();
    let mut group = c.benchmark_group("inspect");
    let benign = typical_request();
    assert!(!engine.inspect(&benign).is_attack(), "{:?}", engine.inspect(&benign));
    let bytes: usize = benign.inputs().map(|i| i.key.len() + i.value.len()).sum();
    eprintln!("typical request: {} inputs, {bytes} bytes", benign.len());
    group.bench_function("typical_request_20_inputs", |b| b.iter(|| engine.inspect(black_box(&benign))));
    // The same without the prefilters (every automaton and detector on every value):
    // what the prefilters save, measured in the same run.
    let mut unfiltered = InspectScratch::unfiltered();
    group.bench_function("typical_request_20_inputs_unfiltered", |b| {
        b.iter(|| engine.inspect_with(black_box(&benign), &mut unfiltered))
    });

    let mut attack = typical_request();
    attack.add_input(Source::Query, b"q", b"1' UNION SELECT password FROM users-- ");
    assert!(engine.inspect(&attack).is_attack());
    group.bench_function("typical_request_with_sqli", |b| b.iter(|| engine.inspect(black_box(&attack))));

    let no_rules = Engine::new(
        Policy::from_json(br#"{"mode":"block","default_rules":false}"#).expect("policy without default rules"),
    )
    .expect("engine");
    group.bench_function("typical_request_builtin_detectors_only", |b| b.iter(|| no_rules.inspect(black_box(&benign))));
    group.finish();

    let mut group = c.benchmark_group("inspect_throughput");
    for size in [4 << 10, 64 << 10, 1 << 20] {
        let request = benign_prose_request(size);
        assert!(!engine.inspect(&request).is_attack());
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(BenchmarkId::new("benign_text", size), &request, |b, r| {
            b.iter(|| engine.inspect(black_box(r)))
        });
        group.bench_with_input(BenchmarkId::new("benign_text_unfiltered", size), &request, |b, r| {
            b.iter(|| engine.inspect_with(black_box(r), &mut unfiltered))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("rules");
    group.bench_function("engine_new_default_ruleset", |b| b.iter(|| Engine::new(black_box(Policy::default()))));
    group.finish();
}

criterion_group!(benches, per_request);
criterion_main!(benches);
