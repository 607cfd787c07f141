//! The path, URL, redirect and header checks through the public API, with the policy
//! around them: actions, allowed hosts, exclusions, reasons and spans.

use rampart_core::{Action, Engine, Policy, Reason, Request, Source, Threat};

fn engine(json: &str) -> Engine {
    Engine::new(Policy::from_json(json.as_bytes()).expect("valid policy")).expect("engine")
}

fn request(inputs: &[(&str, &str)]) -> Request {
    let mut r = Request::new();
    r.set_path(b"/api/fetch");
    for (key, value) in inputs {
        r.add_input(Source::Query, key.as_bytes(), value.as_bytes());
    }
    r
}

#[test]
fn path_verdicts_carry_reason_span_and_severity() {
    let e = engine(r#"{"mode":"block"}"#);
    let path = "/srv/files/../../etc/passwd";
    let v = e.check_path(&request(&[("page", "2"), ("file", "../../etc/passwd")]), path.as_bytes());
    assert_eq!(
        (v.action, v.threat, v.reason),
        (Action::Block, Some(Threat::PathTraversal), Some(Reason::PathTraversalSensitive))
    );
    assert_eq!(v.input_index, Some(1));
    let span = v.span.expect("span");
    assert_eq!(&path[span.start..span.end], "../../etc/passwd");
    assert!(Reason::PathTraversalSensitive.sensitive_target());
    assert!(!Reason::PathTraversal.sensitive_target());
    assert_eq!(Reason::PathTraversal.code(), 301);
    let report = engine(r#"{"mode":"block","protections":{"path_traversal":{"action":"report"}}}"#);
    assert_eq!(report.check_path(&request(&[("file", "../x")]), b"/srv/../x").action, Action::Report);
}

#[test]
fn ssrf_allow_hosts_and_exclusions() {
    let url = b"http://10.0.0.5:8080/hook";
    let r = request(&[("hook", "http://10.0.0.5:8080/hook")]);
    let v = engine(r#"{"mode":"block"}"#).check_url(&r, url);
    assert_eq!((v.threat, v.reason), (Some(Threat::Ssrf), Some(Reason::SsrfInternalHost)));
    let allowed = engine(r#"{"mode":"block","protections":{"ssrf":{"allow_hosts":["10.0.0.5"]}}}"#);
    assert!(!allowed.check_url(&r, url).is_attack());
    // Any spelling of an allowed address is allowed.
    let r = request(&[("hook", "http://167772165/")]);
    assert!(!allowed.check_url(&r, b"http://167772165/").is_attack());
    let excluded = engine(r#"{"mode":"block","exclusions":[{"input":"query.hook","protections":["ssrf"]}]}"#);
    assert!(!excluded.check_url(&r, b"http://167772165/").is_attack());
    let off = engine(r#"{"mode":"block","protections":{"ssrf":{"action":"off"}}}"#);
    assert!(!off.check_url(&request(&[("u", "http://127.0.0.1/")]), b"http://127.0.0.1/").is_attack());
}

#[test]
fn resolved_addresses() {
    let e = engine(r#"{"mode":"block","protections":{"ssrf":{"allow_hosts":["*.trusted.example"]}}}"#);
    let r = request(&[("hook", "https://Rebind.Attacker.example/x")]);
    let v = e.check_resolved_ip(&r, b"rebind.attacker.example", b"127.0.0.1");
    assert_eq!(v.reason, Some(Reason::SsrfResolvedInternal));
    let v = e.check_resolved_ip(&r, b"rebind.attacker.example.", b"[::ffff:169.254.169.254]");
    assert_eq!(v.reason, Some(Reason::SsrfResolvedMetadata));
    assert!(!e.check_resolved_ip(&r, b"rebind.attacker.example", b"93.184.216.34").is_attack());
    assert!(!e.check_resolved_ip(&r, b"rebind.attacker.example", b"not an address").is_attack());
    assert!(!e.check_resolved_ip(&r, b"api.partner.example", b"10.0.0.1").is_attack(), "host not from an input");
    let r = request(&[("hook", "https://hooks.trusted.example/x")]);
    assert!(!e.check_resolved_ip(&r, b"hooks.trusted.example", b"10.0.0.1").is_attack(), "allowed host");
    let ip: std::net::IpAddr = "fd00:ec2::254".parse().expect("address");
    let r = request(&[("hook", "https://meta.example/")]);
    assert_eq!(e.check_resolved_addr(&r, b"meta.example", ip).reason, Some(Reason::SsrfResolvedMetadata));
}

#[test]
fn redirects_to_own_and_allowed_hosts() {
    let e = engine(r#"{"mode":"block","protections":{"open_redirect":{"allow_hosts":["*.example.com"]}}}"#);
    let mut r = request(&[("next", "https://accounts.example.com/cb")]);
    r.set_host(b"www.example.com:443");
    assert!(!e.check_redirect(&r, b"https://accounts.example.com/cb").is_attack());
    let mut r = request(&[("next", "//evil.example/")]);
    r.set_host(b"www.example.com");
    let v = e.check_redirect(&r, b"//evil.example/");
    assert_eq!((v.threat, v.reason), (Some(Threat::OpenRedirect), Some(Reason::RedirectForeignHost)));
    r.reset();
    assert!(r.host().is_empty(), "reset forgets the host");
}

#[test]
fn header_spans_point_into_value_or_name() {
    let e = engine(r#"{"mode":"block"}"#);
    let value = "/search?q=x\r\nSet-Cookie: a=b";
    let r = request(&[("q", "x\r\nSet-Cookie: a=b")]);
    let v = e.check_header(&r, b"Location", value.as_bytes());
    assert_eq!(v.reason, Some(Reason::HeaderLineBreak));
    let span = v.span.expect("span");
    assert_eq!(&value[span.start..span.end], "x\r\nSet-Cookie: a=b");
    let r = request(&[("h", "X-A: b")]);
    let v = e.check_header(&r, b"X-A: b", b"1");
    assert_eq!((v.reason, v.span.map(|s| (s.start, s.end))), (Some(Reason::HeaderNameInjection), Some((0, 6))));
    assert!(!e.check_header(&r, b"X-Plain", b"no line break").is_attack());
}
