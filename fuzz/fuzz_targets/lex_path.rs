//! Path segments: non-empty, in order, maximal runs of bytes that end no segment; the
//! bytes between them all end a segment; starting mid-segment yields the rest of it.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rampart_core::lex::path::{effective, ends_segment, Segments};

fuzz_target!(|path: &[u8]| {
    let mut at = 0;
    let segments: Vec<_> = Segments::new(path, 0).collect();
    for s in &segments {
        assert!(at <= s.start && s.start < s.end && s.end <= path.len(), "{s:?} after {at}");
        assert!(path[at..s.start].iter().all(|&b| ends_segment(b)), "non-separator skipped before {s:?}");
        assert!(path[s.start..s.end].iter().all(|&b| !ends_segment(b)), "separator inside {s:?}");
        at = s.end;
    }
    assert!(path[at..].iter().all(|&b| ends_segment(b)), "non-separator bytes after the last segment");
    assert!(Segments::new(path, 0).eq(segments.iter().copied()), "segments are not deterministic");
    // From any offset: the rest of the segment there, then the same segments.
    let from = path.len() / 2;
    let mut rest = Segments::new(path, from);
    if let Some(first) = rest.next() {
        assert!(first.start >= from);
        let tail: Vec<_> = segments.iter().filter(|s| s.end > first.start).copied().collect();
        assert_eq!(tail.first().map(|s| s.end), Some(first.end), "mid-segment start");
        assert!(rest.eq(tail.into_iter().skip(1)), "segments from {from} differ");
    }
    let eff = effective(path);
    assert!(path.starts_with(eff) && !eff.contains(&0));
});
