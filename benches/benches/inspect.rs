//! Context-free inspection benchmarks: a typical request (20 inputs, about 2 KB), the
//! throughput on large benign text, the engine build with the default ruleset.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rampart_benches::blocking_engine;
use rampart_core::{Engine, Policy, Request, Source};

/// 20 inputs, about 2 KB: headers of a browser request, a form with prose, an address,
/// ids and a JSON-ish field.
fn typical_request() -> Request {
    let mut r = Request::new();
    r.set_method(b"POST");
    r.set_path(b"/account/orders/1234/review");
    let prose = "Great shoes, fit well. I'd order them again & recommend them to anyone who walks a lot; \
                 the sole is soft (not too soft) and the color is exactly as shown. 5/5 would buy again!";
    for (source, key, value) in [
        (Source::Header, "user-agent", "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"),
        (Source::Header, "accept", "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"),
        (Source::Header, "accept-language", "en-GB,en;q=0.9,fr;q=0.8"),
        (Source::Header, "referer", "https://shop.example.com/account/orders/1234?tab=items&sort=date"),
        (
            Source::Cookie,
            "session",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk",
        ),
        (Source::Cookie, "theme", "dark"),
        (Source::Body, "title", "Comfortable, light and well made"),
        (Source::Body, "review", prose),
        (Source::Body, "review_again", prose),
        (Source::Body, "rating", "5"),
        (Source::Body, "name", "Siobhán O'Brien-Smith"),
        (Source::Body, "email", "siobhan.obrien@example.com"),
        (Source::Body, "address.line1", "Flat 3, 27 King's Road"),
        (Source::Body, "address.city", "London"),
        (Source::Body, "address.postcode", "SW3 4RP"),
        (Source::Body, "tags", "shoes,running,comfort"),
        (Source::Query, "utm_source", "newsletter-2024/11"),
        (Source::Query, "ids", "12,15,99"),
        (Source::Body, "note", "Please leave the parcel with the neighbour at no. 29 (blue door)."),
        (Source::Body, "meta", "{\"client\":\"web\",\"version\":\"4.2.1\",\"ab\":[\"b\",\"c\"]}"),
    ] {
        r.add_input(source, key.as_bytes(), value.as_bytes());
    }
    r
}

fn per_request(c: &mut Criterion) {
    let engine = blocking_engine();
    let mut group = c.benchmark_group("inspect");
    let benign = typical_request();
    assert!(!engine.inspect(&benign).is_attack(), "{:?}", engine.inspect(&benign));
    let bytes: usize = benign.inputs().map(|i| i.key.len() + i.value.len()).sum();
    eprintln!("typical request: {} inputs, {bytes} bytes", benign.len());
    group.bench_function("typical_request_20_inputs", |b| b.iter(|| engine.inspect(black_box(&benign))));

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
    let text = "The quick brown fox jumps over the lazy dog, then rests; it's 5 o'clock (tea time) & all is well. ";
    for size in [4 << 10, 64 << 10, 1 << 20] {
        let value = text.repeat(size / text.len() + 1);
        let mut request = Request::new();
        request.add_input(Source::Body, b"text", &value.as_bytes()[..size]);
        assert!(!engine.inspect(&request).is_attack());
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(BenchmarkId::new("benign_text", size), &request, |b, r| {
            b.iter(|| engine.inspect(black_box(r)))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("rules");
    group.bench_function("engine_new_default_ruleset", |b| b.iter(|| Engine::new(black_box(Policy::default()))));
    group.finish();
}

criterion_group!(benches, per_request);
criterion_main!(benches);
