//! Random hostile resources for the shell, exec and NoSQL checks: no panic, and every
//! attack's span lies inside the resource and is the input (the NoSQL operator rule
//! points at the supplied operator key instead).
//! Deterministic: a fixed-seed xorshift generator, so a failure reproduces.

mod common;

use rampart_core::{Request, Source};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Bytes that matter to shells and JSON, plus a few ordinary ones.
const ALPHABET: &[u8] = b" \t\n;&|()<>'\"`\\$*?[]{}~#=-/.:,!%^@+0aZ_\x00\xff";
const WORDS: &[&[u8]] = &[
    b"$(",
    b"<<EOF\n",
    b"EOF\n",
    b"$'",
    b"${",
    b"$((",
    b"))",
    b"\\\n",
    b"&&",
    b"2>&1",
    b"--",
    b"if ",
    b"; then ",
    b"\"$",
    b"\":",
    b"{\"$ne\":",
    b"[",
    b"sh",
    b"-c",
    b"`",
    b"'\\''",
];

fn random_bytes(rng: &mut Rng, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        if rng.below(4) == 0 {
            out.extend_from_slice(WORDS[rng.below(WORDS.len())]);
        } else {
            out.push(ALPHABET[rng.below(ALPHABET.len())]);
        }
    }
    out
}

#[test]
fn random_resources_get_sound_verdicts() {
    let engine = common::blocking_engine();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut request = Request::new();
    let mut attacks = 0;
    for round in 0..6_000 {
        let len = 1 + rng.below(120);
        let resource = random_bytes(&mut rng, len);
        request.reset();
        // Two substrings of the resource (so they occur) and one random value.
        for _ in 0..2 {
            let start = rng.below(resource.len());
            let end = (start + 1 + rng.below(12)).min(resource.len());
            request.add_input(Source::Query, b"q", &resource[start..end]);
        }
        let len = 2 + rng.below(6);
        let stranger = random_bytes(&mut rng, len);
        request.add_input(Source::Body, b"k.$ne", &stranger);

        let argv: Vec<&[u8]> = resource.split(|&c| c == b' ').collect();
        let verdicts = [
            ("shell", engine.check_shell(&request, &resource), resource.clone()),
            ("exec", engine.check_exec(&request, &argv), argv.join(&b' ')),
            ("nosql", engine.check_nosql(&request, &resource), resource.clone()),
        ];
        for (kind, verdict, shown) in verdicts {
            let Some(index) = verdict.input_index else {
                assert!(!verdict.is_attack());
                continue;
            };
            attacks += 1;
            let input = request.input(index).expect("the verdict's input exists");
            let span = verdict.span.expect("an attack has a span");
            assert!(span.start <= span.end && span.end <= shown.len(), "round {round} {kind}: span out of bounds");
            // The NoSQL operator rule points at the operator key the input supplied.
            let operator_key = &shown[span.start..span.end];
            let operator_rule = kind == "nosql" && operator_key.starts_with(b"\"$") && operator_key != input.value;
            if !operator_rule {
                assert_eq!(&shown[span.start..span.end], input.value, "round {round} {kind}: span is not the input");
            }
        }
    }
    assert!(attacks > 1_000, "the generator should produce attacks, got {attacks}");
}
