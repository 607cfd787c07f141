//! Path traversal check benchmarks: the per-call shapes of the performance targets and
//! linearity on a hostile path. Numbers go to docs/performance.md.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use rampart_benches::{blocking_engine, typical_request};
use rampart_core::{Request, Source};

fn per_call(c: &mut Criterion) {
    let engine = blocking_engine();
    let mut group = c.benchmark_group("path_check");

    // 10 inputs, none of them in the path.
    let benign = typical_request(None);
    let path = b"/srv/app/storage/uploads/2024/11/7f3c9e2a-4b1d-4c8e-9f0a-1b2c3d4e5f60/thumbnail-640x480.webp";
    group.bench_function("benign_10_inputs_not_in_path", |b| {
        b.iter(|| engine.check_path(black_box(&benign), black_box(path)))
    });

    // A file name chosen by the user, inside the directory.
    let safe = typical_request(Some(("file", "reports/2024/Q3 report..v2.pdf")));
    let safe_path = b"/srv/app/storage/exports/reports/2024/Q3 report..v2.pdf";
    group.bench_function("occurrence_inside_directory", |b| {
        b.iter(|| engine.check_path(black_box(&safe), black_box(safe_path)))
    });

    let attack = typical_request(Some(("file", "../../../../etc/passwd")));
    let attack_path = b"/srv/app/storage/exports/../../../../etc/passwd";
    group.bench_function("attack_found", |b| b.iter(|| engine.check_path(black_box(&attack), black_box(attack_path))));
    assert!(engine.check_path(&attack, attack_path).is_attack());
    assert!(!engine.check_path(&safe, safe_path).is_attack());
    assert!(!engine.check_path(&benign, path).is_attack());
    group.finish();
}

/// 1 MB of `a..` with the input `..` occurring every third byte, never as a segment:
/// a third of a million occurrences to judge, and the cost stays linear.
fn hostile(c: &mut Criterion) {
    let engine = blocking_engine();
    let mut group = c.benchmark_group("path_check_large");
    group.sample_size(20);
    let path = "a..".repeat(1 << 18);
    let mut request = Request::new();
    request.add_input(Source::Body, b"f", b"..");
    assert!(!engine.check_path(&request, path.as_bytes()).is_attack());
    group.throughput(Throughput::Bytes(path.len() as u64));
    group.bench_function("hostile_1MB_overlapping_occurrences", |b| {
        b.iter(|| engine.check_path(black_box(&request), black_box(path.as_bytes())))
    });
    group.finish();
}

criterion_group!(benches, per_call, hostile);
criterion_main!(benches);
