//! Worst cases an attacker can send, next to the typical case: each hostile shape is
//! checked at two sizes and reported in ns per byte of resource, so a cost that grows
//! faster than the input shows as a ratio above 1 between the sizes.
//!
//! `cargo bench -p rampart-benches --bench adversarial` prints a table (the numbers in
//! docs/performance.md); `-- --quick` runs fewer repetitions. Timing: the best of
//! several runs of each case (other processes only ever add time).

use std::hint::black_box;
use std::time::{Duration, Instant};

use rampart_benches::{blocking_engine, query_with, typical_request};
use rampart_core::{Dialect, Engine, Request, Source, Verdict};

struct Case {
    name: &'static str,
    /// Builds the request and the resource for a resource of about `size` bytes.
    build: fn(usize) -> (Request, Vec<u8>),
    check: fn(&Engine, &Request, &[u8]) -> Verdict,
}

fn one_input(value: &[u8]) -> Request {
    let mut request = Request::new();
    request.add_input(Source::Body, b"q", value);
    request
}

fn repeat_to(unit: &[u8], size: usize) -> Vec<u8> {
    unit.iter().copied().cycle().take(size.max(unit.len())).collect()
}

fn sql(engine: &Engine, request: &Request, resource: &[u8]) -> Verdict {
    engine.check_sql(request, Dialect::MySql, resource)
}

fn sql_postgres(engine: &Engine, request: &Request, resource: &[u8]) -> Verdict {
    engine.check_sql(request, Dialect::PostgreSql, resource)
}

fn shell(engine: &Engine, request: &Request, resource: &[u8]) -> Verdict {
    engine.check_shell(request, resource)
}

fn path(engine: &Engine, request: &Request, resource: &[u8]) -> Verdict {
    engine.check_path(request, resource)
}

fn url(engine: &Engine, request: &Request, resource: &[u8]) -> Verdict {
    engine.check_url(request, resource)
}

/// `../../etc/passwd` percent-encoded `times` times (each round encodes the `%` again).
fn encoded(times: usize) -> Vec<u8> {
    let mut value = b"..%2F..%2Fetc%2Fpasswd".to_vec();
    for _ in 1..times {
        let mut next = Vec::with_capacity(value.len() + 8);
        for &b in &value {
            if b == b'%' {
                next.extend_from_slice(b"%25");
            } else {
                next.push(b);
            }
        }
        value = next;
    }
    value
}

const CASES: &[Case] = &[
    Case {
        name: "typical: 10 inputs, ~200-byte query, one occurs in a literal",
        build: |size| {
            let request = typical_request(Some(("name", "O'Brien & Sons")));
            let one = query_with("O''Brien & Sons");
            let mut resource = Vec::new();
            while resource.len() < size {
                resource.extend_from_slice(one.as_bytes());
                resource.push(b';');
            }
            (request, resource)
        },
        check: sql,
    },
    Case {
        name: "SQL: all quotes, input `'''` occurring at every byte",
        build: |size| (one_input(b"'''"), repeat_to(b"'", size)),
        check: sql,
    },
    Case {
        name: "SQL: one literal of escaped quotes, input `'''` at every byte",
        build: |size| {
            let mut resource = b"SELECT 'x".to_vec();
            resource.extend(repeat_to(b"''", size));
            resource.extend_from_slice(b"x'");
            // Only doubled quotes (`''`) are skipped as an input: three are judged.
            (one_input(b"'''"), resource)
        },
        check: sql,
    },
    Case {
        name: "SQL: nested comments `/*` (PostgreSQL nests them)",
        build: |size| (one_input(b"/*/*"), repeat_to(b"/*", size)),
        check: sql_postgres,
    },
    Case {
        name: "SQL: input occurring 100,000 times, each inside a literal",
        build: |size| {
            let unit = b"('a b'),";
            let count = (size / unit.len()).min(100_000);
            let mut resource = b"INSERT INTO t VALUES ".to_vec();
            for _ in 0..count {
                resource.extend_from_slice(unit);
            }
            (one_input(b"a b"), resource)
        },
        check: sql,
    },
    Case {
        name: "SQL: 10,000 inputs (none occurs), query of the given size",
        build: |size| {
            let mut request = Request::new();
            for i in 0..10_000 {
                request.add_input(Source::Body, format!("f{i}").as_bytes(), format!("v {i} ;").as_bytes());
            }
            let one = query_with("nothing to see");
            let mut resource = Vec::new();
            while resource.len() < size {
                resource.extend_from_slice(one.as_bytes());
            }
            (request, resource)
        },
        check: sql,
    },
    Case {
        name: "shell: all `$(`, input `$(` occurring everywhere",
        build: |size| (one_input(b"$("), repeat_to(b"$(", size)),
        check: shell,
    },
    Case {
        name: "shell: input occurring 100,000 times, each single-quoted",
        build: |size| {
            let unit = b" 'a b'";
            let count = (size / unit.len()).min(100_000);
            let mut resource = b"echo".to_vec();
            for _ in 0..count {
                resource.extend_from_slice(unit);
            }
            (one_input(b"a b"), resource)
        },
        check: shell,
    },
    Case {
        name: "path: URL-encoded 50 times, repeated as the path",
        build: |size| {
            let value = encoded(50);
            (one_input(&value), repeat_to(&[value.as_slice(), b"/"].concat(), size))
        },
        check: path,
    },
    Case {
        name: "URL: URL-encoded 50 times, in the query of a long URL",
        build: |size| {
            let value = encoded(50);
            let mut resource = b"http://127.0.0.1/fetch?u=".to_vec();
            while resource.len() < size {
                resource.extend_from_slice(&value);
                resource.push(b'&');
            }
            (one_input(&value), resource)
        },
        check: url,
    },
];

/// Best time of `runs` runs (each long enough to time: repeated until 20 ms).
fn best_ns_per_check(
    engine: &Engine,
    request: &Request,
    resource: &[u8],
    check: fn(&Engine, &Request, &[u8]) -> Verdict,
    runs: usize,
) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..runs {
        let start = Instant::now();
        let mut n = 0u32;
        while start.elapsed() < Duration::from_millis(20) || n == 0 {
            black_box(check(engine, black_box(request), black_box(resource)));
            n += 1;
        }
        best = best.min(start.elapsed().as_nanos() as f64 / f64::from(n));
    }
    best
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let runs = if quick { 3 } else { 9 };
    let engine = blocking_engine();
    println!("{:<66} {:>14} {:>14} {:>8}  verdict", "case", "64 KB ns/B", "1 MB ns/B", "ratio");
    for case in CASES {
        let mut per_byte = Vec::new();
        let mut verdict = "";
        for size in [64 << 10, 1 << 20] {
            let (request, resource) = (case.build)(size);
            let ns = best_ns_per_check(&engine, &request, &resource, case.check, runs);
            per_byte.push(ns / resource.len() as f64);
            // An attack ends the check at the first finding: say so next to its cost.
            verdict = match (case.check)(&engine, &request, &resource).reason {
                Some(reason) => reason.name(),
                None => "allow",
            };
        }
        println!(
            "{:<66} {:>14.2} {:>14.2} {:>8.2}  {verdict}",
            case.name,
            per_byte[0],
            per_byte[1],
            per_byte[1] / per_byte[0]
        );
    }
}
