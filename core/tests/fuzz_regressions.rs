//! Inputs the fuzz targets (fuzz/, docs/security.md) found breaking an oracle, minimized,
//! each with its root cause. They run with the other tests so a fix stays fixed.

use rampart_core::{Engine, Policy, Request, Source};

fn engine() -> Engine {
    Engine::new(Policy::from_json(br#"{"mode": "block"}"#).expect("policy")).expect("engine")
}

/// Oracle: an attack's span is an occurrence of its input in the joined argv.
///
/// Found by `check_exec` (minimized by hand): `ssh host ls -T\0 -` with the input `" -"`.
/// The input occurs in the joined argv at 11..13 (the separator before `-T`) and 15..17.
/// The verdict's span is 12..13: one byte, `"-"`, not the input.
///
/// Root cause (in `detect::exec`): the words ssh sends to the remote shell are judged by
/// the shell detector on a rebuilt command (`shell_argument` prefixes an argument with
/// `": "`); the span the shell detector returns is in that rebuilt text and is mapped back
/// with `saturating_sub(PREFIX.len())` and `.max(start)`, which clamps an occurrence that
/// starts in a separator or the synthetic prefix instead of mapping it. The finding
/// itself is right (the input splits a remote word); its span is wrong, so an event marks
/// the wrong bytes. The fix belongs in the detector: map spans exactly, or judge only
/// occurrences that start inside the argument.
/// Fixed: an occurrence straddling the synthetic command word is re-judged behind a tab.
#[test]
fn exec_remote_shell_argument_span_is_the_input() {
    let mut request = Request::new();
    request.add_input(Source::Query, b"q", b" -");
    let argv: [&[u8]; 4] = [b"ssh", b"host", b"ls", b"-T\0 -"];
    let verdict = engine().check_exec(&request, &argv);
    // The only real occurrence follows a NUL, which ends the argument for execve: inert.
    assert!(!verdict.is_attack(), "{verdict:?}");

    // A real occurrence behind one that straddles the synthetic command word is found,
    // with its exact span.
    let mut request = Request::new();
    request.add_input(Source::Query, b"q", b" -x");
    let argv: [&[u8]; 4] = [b"ssh", b"host", b"ls", b"-x -x"];
    let verdict = engine().check_exec(&request, &argv);
    let joined = argv.join(&b' ');
    let span = verdict.span.expect("the input adds a remote option: an attack");
    assert_eq!(&joined[span.start..span.end], b" -x", "span {span:?} of {verdict:?}");
}

/// Oracle (`collect`): a depth limit only leaves inputs out; a smaller limit never reads
/// more than a larger one.
///
/// Found by `collect` in the CI smoke run (minimized by hand:
/// `fuzz/regressions/collect/`): a JSON body that serde_json rejects (here, a trailing
/// comma three levels down) gave inputs with a depth limit of 2 and none with 32.
///
/// Root cause (in `collect::Collector::json`): a body serde_json rejects is repaired and
/// parsed again, and the repair cut everything nested deeper than the collector's own
/// `max_depth`. A syntax error below that depth was cut away with it, so the repaired
/// body parsed under a small limit and not under a large one. Fixed: the repair cuts at
/// a fixed depth (100, below serde_json's 128), the same for every limit.
#[test]
fn collect_depth_limit_only_leaves_inputs_out() {
    use rampart_core::collect::Collector;
    let body = br#"{"a": "x", "b": [[[1, ]]]}"#;
    let count = |max_depth: usize| {
        let mut request = Request::new();
        Collector::new(&mut request, 100).with_max_depth(max_depth).json(body);
        request.len()
    };
    assert_eq!(count(32), 0, "serde_json rejects the body");
    assert_eq!(count(2), 0, "a smaller limit reads no more");
}
