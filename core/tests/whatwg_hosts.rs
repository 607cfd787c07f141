//! The host parser against the WHATWG URL test suite (web-platform-tests'
//! `urltestdata.json`, from the shared corpus next to the repository: `../shared/corpus`,
//! or the directory named by `RAMPART_CORPUS`).
//!
//! For every absolute URL with a special scheme, the host rampart parses must be the
//! `hostname` the standard expects: addresses in every spelling, percent-encoded and
//! full-width names, userinfo, backslashes. A URL the standard rejects must not parse to
//! an address or name rampart would judge differently: such cases are listed in
//! `DIFFERENCES` with the reason.

use std::net::Ipv6Addr;
use std::path::PathBuf;

use rampart_core::lex::url::{head_bound, Host, Relative, UrlParts};

/// Inputs where rampart deliberately reads differently from the standard, and why.
const DIFFERENCES: &[(&str, &str)] = &[
    ("http://f:b/c", PORT),
    ("http://f: /c", PORT),
    ("http://f:fifty-two/c", PORT),
    ("http://f:999999/c", PORT),
    ("http://f: 21 / b ? d # e ", PORT),
    ("http://[1::2]:3:4", PORT),
    ("http://2001::1", PORT),
    ("http://2001::1]", PORT),
    ("http://2001::1]:80", PORT),
    ("http://foo:-80/", PORT),
    ("http://f:4294967377/c", PORT),
    ("http://f:18446744073709551697/c", PORT),
    ("http://f:340282366920938463463374607431768211537/c", PORT),
    ("http://a.b.c.xn--pokxncvks", PUNYCODE),
    ("http://10.0.0.xn--pokxncvks", PUNYCODE),
    ("http://a.b.c.XN--pokxncvks", PUNYCODE),
    ("http://a.b.c.Xn--pokxncvks", PUNYCODE),
    ("http://10.0.0.XN--pokxncvks", PUNYCODE),
    ("http://10.0.0.xN--pokxncvks", PUNYCODE),
    ("https://xn--/", PUNYCODE),
    ("http://[::%31]", "zone ids are accepted and ignored, as operating-system resolvers do; the host is judged"),
];

const PORT: &str = "the port is not validated: the host is judged as written (a client that rejects the port \
                    sends nothing, one that truncates it connects to that host)";
const PUNYCODE: &str = "`xn--` labels are not decoded and validated: such a name is never an address or an \
                        internal name, so the verdict is the same";

fn corpus() -> PathBuf {
    match std::env::var_os("RAMPART_CORPUS") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus"),
    }
}

/// The WHATWG serialisation of an IPv6 address: the first longest run of two or more
/// zero pieces compressed, no embedded IPv4 form.
fn serialize_v6(ip: Ipv6Addr) -> String {
    let s = ip.segments();
    let (mut best, mut best_len, mut i) = (None, 1, 0);
    while i < 8 {
        if s[i] == 0 {
            let start = i;
            while i < 8 && s[i] == 0 {
                i += 1;
            }
            if i - start > best_len {
                best = Some(start);
                best_len = i - start;
            }
        } else {
            i += 1;
        }
    }
    let mut out = String::from("[");
    let mut i = 0;
    while i < 8 {
        if Some(i) == best {
            out.push_str(if i == 0 { "::" } else { ":" });
            i += best_len;
            continue;
        }
        out.push_str(&format!("{:x}", s[i]));
        if i < 7 {
            out.push(':');
        }
        i += 1;
    }
    out.push(']');
    out
}

fn serialize(host: &Host) -> String {
    match host {
        Host::Empty => String::new(),
        Host::Invalid => "<invalid>".to_owned(),
        Host::Ipv4(ip) => ip.to_string(),
        Host::Ipv6(ip) => serialize_v6(*ip),
        Host::Name(name) => String::from_utf8_lossy(name.as_bytes()).into_owned(),
    }
}

fn scheme_of(input: &str) -> Option<String> {
    let trimmed = input.trim_matches(|c: char| c <= ' ');
    let colon = trimmed.find(':')?;
    let scheme: String = trimmed[..colon].chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).collect();
    let valid = scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    valid.then(|| scheme.to_ascii_lowercase())
}

/// `http:foo.com` against an `http:` base is a path relative to the base: the standard
/// reads it so only when there is a base of the same scheme. A client fetching a URL has
/// no base, so these cases do not apply.
fn resolved_against_base(case: &serde_json::Value, input: &str, scheme: &str) -> bool {
    let Some(base) = case["base"].as_str() else { return false };
    if scheme_of(base).as_deref() != Some(scheme) {
        return false;
    }
    let trimmed = input.trim_matches(|c: char| c <= ' ');
    let after: String = trimmed[trimmed.find(':').map_or(0, |c| c + 1)..]
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    !(after.starts_with("//") || after.starts_with("\\\\") || after.starts_with("/\\") || after.starts_with("\\/"))
}

/// `head_bound` must never cut the scheme or authority short (the checks search inputs
/// only before it).
fn assert_head_bounded(url: &[u8], parts: &UrlParts) {
    let region_end = parts
        .authority
        .map(|a| url[a.start..].iter().position(|&b| b == b'/' || b == b'\\').map_or(url.len(), |i| a.start + i));
    let end = [parts.scheme.map(|p| p.end), parts.authority.map(|p| p.end), region_end].into_iter().flatten().max();
    let bound = head_bound(url);
    assert!(end.unwrap_or(0) <= bound, "{:?}: head ends at {end:?}, bound {bound}", String::from_utf8_lossy(url));
}

#[test]
fn every_input_has_a_bounded_head() {
    let file = corpus().join("rust-url/url/tests/urltestdata.json");
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let cases: Vec<serde_json::Value> = serde_json::from_str(&text).expect("urltestdata.json is JSON");
    for case in cases.iter().filter(|c| c.is_object()) {
        let input = case["input"].as_str().expect("input");
        for relative in [Relative::Fetch, Relative::Navigate] {
            assert_head_bounded(input.as_bytes(), &UrlParts::parse(input.as_bytes(), relative));
        }
    }
}

#[test]
fn hosts_match_the_url_standard() {
    let file = corpus().join("rust-url/url/tests/urltestdata.json");
    let text = std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("{}: {e} (set RAMPART_CORPUS to the shared corpus)", file.display()));
    let cases: Vec<serde_json::Value> = serde_json::from_str(&text).expect("urltestdata.json is JSON");
    let (mut compared, mut rejected) = (0, 0);
    let mut mismatches = Vec::new();
    for case in cases.iter().filter(|c| c.is_object()) {
        let input = case["input"].as_str().expect("every case has an input");
        // Scheme-relative inputs (`//host/x`) take the scheme of their base.
        let trimmed = input.trim_start_matches(|c: char| c <= ' ').replace(['\t', '\n', '\r'], "");
        let scheme_relative = trimmed.starts_with("//") || trimmed.starts_with("\\\\");
        let scheme = match (scheme_of(input), scheme_relative) {
            (Some(scheme), _) => scheme,
            (None, true) => match case["base"].as_str().and_then(scheme_of) {
                Some(scheme) => scheme,
                None => continue,
            },
            (None, false) => continue,
        };
        if !["http", "https", "ws", "wss", "ftp"].contains(&scheme.as_str()) {
            continue;
        }
        if !scheme_relative && resolved_against_base(case, input, &scheme) {
            continue;
        }
        let parts = UrlParts::parse(input.as_bytes(), Relative::Fetch);
        assert_head_bounded(input.as_bytes(), &parts);
        let host = parts.parse_host(input.as_bytes());
        let known = DIFFERENCES.iter().any(|(i, _)| *i == input);
        if case["failure"].as_bool() == Some(true) {
            rejected += 1;
            // A rejected URL must not look like an address or a plain name to us.
            let judged = match host {
                Host::Ipv4(_) | Host::Ipv6(_) => true,
                Host::Name(name) => !name.has_non_ascii(),
                Host::Empty | Host::Invalid => false,
            };
            if judged && !known {
                mismatches.push(format!("{input:?}: rejected by the standard, parsed as {}", serialize(&host)));
            }
            continue;
        }
        // Relative inputs resolved against a base with another scheme are not ours.
        if case["protocol"].as_str() != Some(&format!("{scheme}:")) {
            continue;
        }
        compared += 1;
        let expected = case["hostname"].as_str().expect("hostname");
        // rampart drops the root label's dot (`localhost.` is `localhost`).
        let expected = expected.strip_suffix('.').filter(|e| !e.is_empty()).unwrap_or(expected);
        let ours = serialize(&host);
        let agrees = match host {
            Host::Name(name) if name.has_non_ascii() => expected.split('.').any(|l| l.starts_with("xn--")),
            _ => ours == expected,
        };
        if !agrees && !known {
            mismatches.push(format!("{input:?}: expected {expected:?}, parsed {ours:?}"));
        }
    }
    eprintln!("whatwg hosts: {compared} compared, {rejected} rejected URLs checked, {} mismatches", mismatches.len());
    assert!(compared >= 200, "compared only {compared} hosts");
    assert!(mismatches.is_empty(), "{} mismatches:\n{}", mismatches.len(), mismatches.join("\n"));
}
