//! One engine shared by several threads doing many checks while another thread keeps
//! replacing it with a new policy.
//!
//! What must hold:
//! - no lost verdict: every check returns the verdict of one whole policy (the old or
//!   the new one, never a mix, never an allow for an attack), and every check is
//!   counted;
//! - a request pinned to one engine sees one policy for all its checks;
//! - no leak: once the threads are done, every replaced engine has been freed;
//! - no data race: `scripts/tsan` runs this test under ThreadSanitizer.
//!
//! `RAMPART_CONCURRENCY_CHECKS` sets the total number of checks (default 1,000,000).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier, Weak};
use std::thread;
use std::time::Duration;

use rampart_core::{Action, Dialect, Engine, EngineGuard, Policy, Request, SharedEngine, Source, Span, Threat};

const WORKERS: usize = 4;
const CHECKS_PER_REQUEST: usize = 20;

/// The two policies the swapper alternates: they differ in the action for SQL injection,
/// so each verdict says which engine produced it.
fn engine(action: &str) -> Engine {
    let json = format!(r#"{{"mode": "block", "protections": {{"sql_injection": {{"action": "{action}"}}}}}}"#);
    Engine::new(Policy::from_json(json.as_bytes()).expect("valid policy")).expect("engine builds")
}

fn total_checks() -> usize {
    std::env::var("RAMPART_CONCURRENCY_CHECKS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000)
}

#[derive(Default)]
struct Tally {
    checks: usize,
    blocked: usize,
    reported: usize,
    allowed_safe: usize,
    wrong: usize,
    mixed_requests: usize,
}

const ATTACK: &[u8] = b"SELECT * FROM users WHERE email = 'x' OR '1'='1' AND active = 1";
const SAFE: &[u8] = b"SELECT * FROM users WHERE note = 'x OR 1=1; --' AND active = 1";

fn fill(request: &mut Request, worker: usize) {
    request.reset();
    request.add_input(Source::Query, b"page", b"2");
    request.add_input(Source::Body, b"email", b"x' OR '1'='1");
    request.add_input(Source::Body, b"note", b"x OR 1=1; --");
    request.add_input(Source::Header, b"user-agent", if worker % 2 == 0 { b"curl/8.0" } else { b"Mozilla/5.0" });
}

/// Checks the attack and the safe query once; returns the attack's action.
fn check_pair(engine: &Engine, request: &Request, tally: &mut Tally) -> Action {
    let attack = engine.check_sql(request, Dialect::MySql, ATTACK);
    let safe = engine.check_sql(request, Dialect::MySql, SAFE);
    tally.checks += 2;
    let exact = attack.threat == Some(Threat::SqlInjection)
        && attack.input_index == Some(1)
        && attack.span == Some(Span { start: 35, end: 47 })
        && attack.reason.is_some();
    match attack.action {
        Action::Block if exact => tally.blocked += 1,
        Action::Report if exact => tally.reported += 1,
        _ => tally.wrong += 1,
    }
    if safe.action == Action::Allow && safe.threat.is_none() {
        tally.allowed_safe += 1;
    } else {
        tally.wrong += 1;
    }
    attack.action
}

/// Borrows the engine in force for every check.
fn per_check_worker(shared: &SharedEngine, worker: usize, pairs: usize) -> Tally {
    let mut tally = Tally::default();
    let mut request = Request::new();
    for i in 0..pairs {
        if i % CHECKS_PER_REQUEST == 0 {
            fill(&mut request, worker);
        }
        let engine: EngineGuard = shared.load();
        check_pair(&engine, &request, &mut tally);
        if i % 5_000 == 0 {
            let verdict = engine.check_sql(&request, Dialect::MySql, ATTACK);
            let event = engine.event_json(&request, &verdict, "sql", ATTACK, &Default::default());
            if !event.is_some_and(|e| e.contains("sql_injection")) {
                tally.wrong += 1;
            }
        }
    }
    tally
}

/// Pins one engine per HTTP request, refreshed between requests: all checks of a request
/// must see the same policy.
fn pinned_worker(shared: &SharedEngine, worker: usize, pairs: usize) -> Tally {
    let mut tally = Tally::default();
    let mut request = Request::new();
    let mut engine = shared.snapshot();
    let mut first_action = None;
    for i in 0..pairs {
        if i % CHECKS_PER_REQUEST == 0 {
            fill(&mut request, worker);
            shared.refresh(&mut engine);
            first_action = None;
        }
        let action = check_pair(&engine, &request, &mut tally);
        match first_action {
            None => first_action = Some(action),
            Some(first) if first != action => tally.mixed_requests += 1,
            Some(_) => {}
        }
    }
    tally
}

#[test]
fn checks_stay_exact_while_the_engine_is_replaced() {
    let pairs_per_worker = total_checks() / 2 / WORKERS;
    let shared = Arc::new(SharedEngine::new(engine("block")));
    let done = Arc::new(AtomicBool::new(false));
    let start = Arc::new(Barrier::new(WORKERS + 2));

    // The swapper: alternates report and block until the workers are done, keeping only
    // weak references to the engines it replaced (to prove they are freed).
    let swapper = {
        let (shared, done, start) = (Arc::clone(&shared), Arc::clone(&done), Arc::clone(&start));
        thread::spawn(move || {
            let mut replaced: Vec<Weak<Engine>> = Vec::new();
            start.wait();
            let mut generation = 1;
            while !done.load(Ordering::Acquire) {
                let action = if generation % 2 == 1 { "report" } else { "block" };
                let old = shared.replace(engine(action));
                replaced.push(Arc::downgrade(&old));
                drop(old);
                generation += 1;
                thread::sleep(Duration::from_millis(1));
            }
            replaced
        })
    };

    let workers: Vec<_> = (0..WORKERS)
        .map(|worker| {
            let (shared, start) = (Arc::clone(&shared), Arc::clone(&start));
            thread::spawn(move || {
                start.wait();
                if worker % 2 == 0 {
                    per_check_worker(&shared, worker, pairs_per_worker)
                } else {
                    pinned_worker(&shared, worker, pairs_per_worker)
                }
            })
        })
        .collect();
    start.wait();

    let mut total = Tally::default();
    for worker in workers {
        let tally = worker.join().expect("a worker panicked");
        total.checks += tally.checks;
        total.blocked += tally.blocked;
        total.reported += tally.reported;
        total.allowed_safe += tally.allowed_safe;
        total.wrong += tally.wrong;
        total.mixed_requests += tally.mixed_requests;
    }
    done.store(true, Ordering::Release);
    let replaced = swapper.join().expect("the swapper panicked");

    let pairs = pairs_per_worker * WORKERS;
    assert_eq!(total.checks, pairs * 2, "every check is counted");
    assert_eq!(total.wrong, 0, "a verdict matched neither policy exactly");
    assert_eq!(total.blocked + total.reported, pairs, "every attack got a verdict of one policy");
    assert_eq!(total.allowed_safe, pairs, "every safe query was allowed");
    assert_eq!(total.mixed_requests, 0, "a pinned request saw two policies");
    assert!(!replaced.is_empty(), "the engine was never replaced during the run");
    assert!(total.blocked > 0 && total.reported > 0, "both policies served traffic");

    // No leak: every replaced engine is gone; the one in force goes with the holder.
    assert!(replaced.iter().all(|weak| weak.upgrade().is_none()), "a replaced engine is still alive");
    let last = Arc::downgrade(&shared.snapshot());
    drop(shared);
    assert!(last.upgrade().is_none(), "the engine in force outlived its holder");
    eprintln!("{} checks, {} replacements", total.checks, replaced.len());
}
