//! Hostile-input properties of the path, URL, redirect and header checks, over a
//! deterministic stream of generated resources: no panic, and an input that does not
//! occur in the resource never yields an attack (for paths: neither raw nor
//! percent-decoded; for the resolved-address check, the input must contain the host).

mod common;

use rampart_core::{Request, Source};

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// A string built from the pieces that matter to URL, path and header grammars.
    fn text(&mut self, max_pieces: usize) -> String {
        const PIECES: &[&str] = &[
            "/",
            "\\",
            ".",
            "..",
            ":",
            "@",
            "[",
            "]",
            "%",
            "%2e",
            "%2f",
            "%00",
            "%zz",
            "#",
            "?",
            "&",
            " ",
            "\t",
            "\n",
            "\r",
            "\0",
            "0",
            "1",
            "7f",
            "0x",
            "127",
            "255",
            "999999999999",
            "::",
            "ffff",
            "fe80",
            "%25",
            "localhost",
            "http",
            "https",
            "file",
            "gopher",
            "data",
            "javascript",
            "evil",
            "example",
            "com",
            "nip.io",
            "a",
            "Z",
            "。",
            "１",
            "①",
            "ⓛ",
            "\u{ad}",
            "é",
            "\u{ff}",
            "ß",
            "xn--",
            ".env",
            ".git",
            "etc",
            "passwd",
            "C:",
            "~",
        ];
        let n = 1 + self.below(max_pieces);
        (0..n).map(|_| PIECES[self.below(PIECES.len())]).collect()
    }
}

fn percent_decoded(value: &str) -> Vec<u8> {
    let b = value.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%' {
            if let (Some(h), Some(l)) = (b.get(i + 1).and_then(|&c| hex(c)), b.get(i + 2).and_then(|&c| hex(c))) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn generated_resources_never_panic_and_attacks_occur() {
    let engine = common::blocking_engine();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut request = Request::new();
    let mut attacks = 0;
    for round in 0..20_000 {
        let resource = rng.text(24);
        let bytes = resource.as_bytes();
        request.reset();
        // One input cut from the resource (so it occurs), one generated (it may not).
        let cut = if resource.is_empty() {
            String::new()
        } else {
            let a = rng.below(bytes.len());
            let b = a + rng.below(bytes.len() - a + 1);
            String::from_utf8_lossy(&bytes[a..b]).into_owned()
        };
        let other = rng.text(6);
        request.add_input(Source::Query, b"cut", cut.as_bytes());
        request.add_input(Source::Body, b"other", other.as_bytes());
        request.set_host(rng.text(3).as_bytes());
        let verdicts = [
            ("path", engine.check_path(&request, bytes)),
            ("url", engine.check_url(&request, bytes)),
            ("redirect", engine.check_redirect(&request, bytes)),
            ("header", engine.check_header(&request, b"X-Test", bytes)),
            ("header-name", engine.check_header(&request, bytes, b"v")),
        ];
        for (check, verdict) in verdicts {
            let Some(index) = verdict.input_index else { continue };
            attacks += 1;
            let value = request.input(index).expect("verdict names an input").value;
            let value_text = String::from_utf8_lossy(value);
            let occurs = contains(bytes, value) || (check == "path" && contains(bytes, &percent_decoded(&value_text)));
            assert!(occurs, "round {round}: {check} attack by {value_text:?}, which is not in {resource:?}");
            let span = verdict.span.expect("an attack has a span");
            assert!(span.end <= bytes.len() && span.start <= span.end, "round {round}: {check} span {span:?}");
        }
        let ip = ["127.0.0.1", "::1", "10.0.0.1", "8.8.8.8", "nonsense"][rng.below(5)];
        let verdict = engine.check_resolved_ip(&request, bytes, ip.as_bytes());
        if let Some(index) = verdict.input_index {
            let value = request.input(index).expect("verdict names an input").value;
            let host = resource.strip_suffix('.').unwrap_or(&resource).to_ascii_lowercase();
            assert!(
                contains(&value.to_ascii_lowercase(), host.as_bytes()),
                "round {round}: resolved-ip attack by {value:?} without the host {resource:?}"
            );
        }
    }
    assert!(attacks > 1_000, "the generator should produce attacks too, got {attacks}");
}
