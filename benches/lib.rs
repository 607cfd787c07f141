//! Shared fixtures for rampart's criterion benchmarks (see `benches/*.rs`).

use rampart_core::{Engine, Policy, Request, Source};

/// The default policy in block mode: every protection runs.
pub fn blocking_engine() -> Engine {
    let mut policy = Policy::default();
    policy.override_mode("block").expect("valid mode");
    Engine::new(policy).expect("default policy compiles")
}

/// A typical login/search request: 10 inputs, some structural (quotes, spaces, @).
pub fn typical_request(extra: Option<(&str, &str)>) -> Request {
    let mut r = Request::new();
    for (key, value) in [
        ("email", "alice.smith@example.com"),
        ("password", "correct horse battery staple"),
        ("remember", "on"),
        ("q", "red shoes size 42"),
        ("page", "2"),
        ("sort", "price"),
        ("utm_source", "newsletter-2024/11"),
        ("lang", "en-GB,en;q=0.9"),
        ("ref", "https://shop.example.com/cart?id=77"),
    ] {
        r.add_input(Source::Query, key.as_bytes(), value.as_bytes());
    }
    if let Some((key, value)) = extra {
        r.add_input(Source::Body, key.as_bytes(), value.as_bytes());
    } else {
        r.add_input(Source::Header, b"user-agent", b"Mozilla/5.0 (X11; Linux x86_64)");
    }
    r
}

/// A realistic ~200-byte query with `value` spliced into a quoted literal.
pub fn query_with(value: &str) -> String {
    format!(
        "SELECT u.id, u.name, u.email, u.created_at FROM users u JOIN orders o ON o.user_id = u.id \
         WHERE u.name = '{value}' AND o.status IN ('paid', 'shipped') ORDER BY o.created_at DESC LIMIT 20"
    )
}

/// A large INSERT of `n` bytes (roughly): many rows of mixed literals, numbers and names.
pub fn large_query(bytes: usize) -> String {
    let mut q = String::with_capacity(bytes + 256);
    q.push_str("INSERT INTO events (id, user_id, kind, payload, created_at) VALUES ");
    let mut i = 0u64;
    while q.len() < bytes {
        q.push_str(&format!(
            "({i}, {}, 'page_view', '{{\"path\": \"/products/{i}\", \"ref\": \"search\"}}', '2024-11-28 10:00:00'), ",
            i % 977
        ));
        i += 1;
    }
    q.push_str("(0, 0, 'end', '{}', NULL)");
    q
}

/// A realistic ~200-byte shell command with `value` spliced into a single-quoted argument.
pub fn command_with(value: &str) -> String {
    format!(
        "convert '/srv/uploads/{value}' -auto-orient -strip -resize '1280x1280>' -quality 85 \
         /srv/thumbs/photo_8812.jpg && exiftool -overwrite_original -all= /srv/thumbs/photo_8812.jpg 2>/dev/null"
    )
}

/// A shell script of about `bytes` bytes: pipelines, quotes, substitutions, redirections.
pub fn large_command(bytes: usize) -> String {
    let mut s = String::with_capacity(bytes + 256);
    let mut i = 0u64;
    while s.len() < bytes {
        s.push_str(&format!(
            "grep -E 'user=[0-9]+ action=\"login\"' /var/log/app/{i}.log | awk '{{print $3}}' | sort -u > \"$TMP/out-{i}.txt\" && \
             echo \"done $(date +%s) ${{HOST:-local}}\" >> /var/log/batch.log; ",
        ));
        i += 1;
    }
    s.push_str("true");
    s
}

/// 20 inputs, about 2 KB: headers of a browser request, a form with prose, an address,
/// ids and a JSON-ish field.
pub fn typical_inspect_request() -> Request {
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

/// One body value of `size` bytes of benign English prose (punctuation, an apostrophe, a
/// parenthesis, an ampersand): the payload inspection throughput case.
pub fn benign_prose_request(size: usize) -> Request {
    let text = "The quick brown fox jumps over the lazy dog, then rests; it's 5 o'clock (tea time) & all is well. ";
    let value = text.repeat(size / text.len() + 1);
    let mut request = Request::new();
    request.add_input(Source::Body, b"text", &value.as_bytes()[..size]);
    request
}
