//! SQL check benchmarks: the three per-call shapes of the performance targets, lexing
//! throughput, and linearity on hostile sizes. Numbers go to docs/performance.md.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rampart_benches::{blocking_engine, large_query, query_with, typical_request};
use rampart_core::lex::sql::SqlLexer;
use rampart_core::{Dialect, Request, Source};

fn per_call(c: &mut Criterion) {
    let engine = blocking_engine();
    let mut group = c.benchmark_group("sql_check");

    // 10 inputs, none of them in a ~200-byte parameterised query.
    let benign = typical_request(None);
    let parameterised = query_with("?").replace("'?'", "?");
    group.bench_function("benign_10_inputs_not_in_query", |b| {
        b.iter(|| engine.check_sql(black_box(&benign), Dialect::PostgreSql, black_box(parameterised.as_bytes())))
    });

    // An apostrophe-bearing name that sits safely inside a literal (properly escaped).
    let safe = typical_request(Some(("name", "Anne-Marie d Arc")));
    let safe_query = query_with("Anne-Marie d Arc");
    group.bench_function("occurrence_inside_literal", |b| {
        b.iter(|| engine.check_sql(black_box(&safe), Dialect::PostgreSql, black_box(safe_query.as_bytes())))
    });

    // A tautology breaking out of the literal.
    let payload = "x' OR '1'='1";
    let attack = typical_request(Some(("name", payload)));
    let attack_query = query_with(payload);
    group.bench_function("attack_found", |b| {
        b.iter(|| engine.check_sql(black_box(&attack), Dialect::PostgreSql, black_box(attack_query.as_bytes())))
    });
    assert!(engine.check_sql(&attack, Dialect::PostgreSql, attack_query.as_bytes()).is_attack());
    assert!(!engine.check_sql(&safe, Dialect::PostgreSql, safe_query.as_bytes()).is_attack());
    group.finish();
}

fn lexing(c: &mut Criterion) {
    let mut group = c.benchmark_group("sql_lex");
    for size in [1 << 10, 64 << 10, 1 << 20] {
        let query = large_query(size);
        group.throughput(Throughput::Bytes(query.len() as u64));
        for dialect in [Dialect::MySql, Dialect::PostgreSql] {
            group.bench_with_input(BenchmarkId::new(dialect.name(), size), &query, |b, q| {
                b.iter(|| SqlLexer::new(dialect.rules(), black_box(q.as_bytes())).count())
            });
        }
    }
    group.finish();
}

/// The whole check when an input occurs at the very end of a large query (so the lexer
/// runs over all of it): cost must grow linearly with the size.
fn linearity(c: &mut Criterion) {
    let engine = blocking_engine();
    let mut group = c.benchmark_group("sql_check_large");
    group.sample_size(20);
    for size in [1 << 10, 64 << 10, 1 << 20, 16 << 20] {
        let mut query = large_query(size);
        query.push_str(" -- 'tail, marker'");
        let mut request = Request::new();
        request.add_input(Source::Body, b"note", b"tail, marker");
        group.throughput(Throughput::Bytes(query.len() as u64));
        group.bench_with_input(BenchmarkId::new("occurrence_at_end", size), &query, |b, q| {
            b.iter(|| engine.check_sql(black_box(&request), Dialect::MySql, black_box(q.as_bytes())))
        });
    }
    // Hostile: 1 MB of quotes, with an input made of quotes occurring everywhere.
    let quotes = "'".repeat(1 << 20);
    let mut request = Request::new();
    request.add_input(Source::Body, b"q", b"''''");
    group.throughput(Throughput::Bytes(quotes.len() as u64));
    group.bench_function("hostile_1MB_quotes", |b| {
        b.iter(|| engine.check_sql(black_box(&request), Dialect::MySql, black_box(quotes.as_bytes())))
    });
    group.finish();
}

criterion_group!(benches, per_call, lexing, linearity);
criterion_main!(benches);
