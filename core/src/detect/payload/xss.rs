//! Cross-site scripting payloads: would this value, written into a page, add script?
//!
//! A small HTML tokenizer reads the value as a browser reads markup: start tags with
//! their attributes (quoted, unquoted, separated by `/` as browsers allow). Script comes
//! from elements that run or load code (`<script>`, `<iframe>`, `<object>`, `<svg>`,
//! `<math>`, `<base>`, ...), event-handler attributes (`onerror=`), URL attributes
//! holding `javascript:` / `vbscript:` / `data:text/html`, `srcdoc`, and CSS
//! `expression(`. Without a tag, a value can still leave an attribute value (`"
//! onmouseover="..`), be a script URL itself (`javascript:alert(1)`), or leave a
//! JavaScript string (`';alert(1)//`). Each tag is read once and scanning resumes after
//! it, so the cost is linear in the value's length.

use super::bytes::ByteSet;
use crate::verdict::Reason;

/// Elements that run script, load a document or plugin, or change how the page's URLs
/// and markup are read.
const ACTIVE_ELEMENTS: [&[u8]; 21] = [
    b"script",
    b"iframe",
    b"frame",
    b"frameset",
    b"object",
    b"embed",
    b"applet",
    b"base",
    b"svg",
    b"math",
    b"style",
    b"link",
    b"meta",
    b"import",
    b"template",
    b"portal",
    b"isindex",
    b"xss",
    b"vmlframe",
    b"bgsound",
    b"layer",
];

/// Attributes whose value is a URL the browser may navigate to or load.
const URL_ATTRIBUTES: [&[u8]; 16] = [
    b"href",
    b"src",
    b"action",
    b"formaction",
    b"data",
    b"xlink:href",
    b"background",
    b"dynsrc",
    b"lowsrc",
    b"poster",
    b"code",
    b"codebase",
    b"content",
    b"to",
    b"values",
    b"from",
];

/// `bytes` is the value's summary: which of the bytes each reading needs occur. A
/// scanned summary means the fast path: there a value with no `=` after a handler's
/// name skips [`leaves_attribute`]; without one every reading runs in full.
pub(crate) fn find(value: &[u8], bytes: ByteSet) -> Option<Reason> {
    // Each reading needs a byte most text lacks: the summary, or SIMD searches without
    // one, rule them out first.
    let lt = bytes.has(ByteSet::LESS_THAN, || memchr::memchr(b'<', value).is_some());
    let found = (lt && (find_tags(value) || active_element_anywhere(value)))
        || (bytes.has(ByteSet::EQUALS, || memchr::memchr(b'=', value).is_some())
            && (!bytes.exact() || names_an_active_attribute(value))
            && leaves_attribute(value))
        || (bytes.has(ByteSet::COLON, || memchr::memchr(b':', value).is_some()) && is_script_url(value))
        || (bytes.has(ByteSet::OPEN_PAREN | ByteSet::BACKTICK, || memchr::memchr2(b'(', b'`', value).is_some())
            // A string to leave needs a quote.
            && bytes.may(ByteSet::SINGLE_QUOTE | ByteSet::DOUBLE_QUOTE)
            && leaves_js_string(value));
    found.then_some(Reason::PayloadXss)
}

fn find_tags(value: &[u8]) -> bool {
    let mut at = 0;
    while let Some(offset) = memchr::memchr(b'<', &value[at..]) {
        let lt = at + offset;
        let (end, active) = read_tag(value, lt + 1);
        if active {
            return true;
        }
        at = end.max(lt + 1);
    }
    false
}

/// An active element's start tag anywhere, even inside what reads as an attribute value:
/// quoting the value broke is exactly how such a tag escapes (`<x foo="%><script>`).
fn active_element_anywhere(value: &[u8]) -> bool {
    let mut at = 0;
    while let Some(offset) = memchr::memchr(b'<', &value[at..]) {
        let name_start = at + offset + 1;
        at = name_start;
        let name_end =
            value[name_start..].iter().position(|&b| !is_name_byte(b)).map_or(value.len(), |p| name_start + p);
        let name = local_name(&value[name_start..name_end]);
        const ANYWHERE: [&[u8]; 6] = [b"script", b"iframe", b"frame", b"object", b"embed", b"svg"];
        if ANYWHERE.iter().any(|e| name.eq_ignore_ascii_case(e))
            && value.get(name_end).is_none_or(|&b| is_space(b) || b == b'>' || b == b'/')
        {
            return true;
        }
    }
    false
}

/// `x:script` and `svg:svg` are the elements `script` and `svg` in a namespace.
fn local_name(name: &[u8]) -> &[u8] {
    match name.iter().rposition(|&b| b == b':') {
        Some(colon) => &name[colon + 1..],
        None => name,
    }
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b':' | b'_' | b'.')
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0c | 0x0b | 0)
}

/// Reads a tag starting after `<` at `i`. Returns where scanning continues and whether
/// the tag is active.
fn read_tag(v: &[u8], mut i: usize) -> (usize, bool) {
    // `<!`, `<?`, `</` and text: only a start tag (a letter) has attributes.
    if i < v.len() && v[i] == b'?' {
        // `<?import implementation=..>` loads behaviours (old IE); `<?xml` is data.
        let rest = &v[i + 1..];
        return (i + 1, rest.len() >= 6 && rest[..6].eq_ignore_ascii_case(b"import"));
    }
    if !v.get(i).is_some_and(u8::is_ascii_alphabetic) {
        return (i, false);
    }
    let name_start = i;
    while i < v.len() && is_name_byte(v[i]) {
        i += 1;
    }
    let name = local_name(&v[name_start..i]);
    if ACTIVE_ELEMENTS.iter().any(|e| name.eq_ignore_ascii_case(e)) {
        return (i, true);
    }
    // Attributes until `>`.
    loop {
        while i < v.len() && (is_space(v[i]) || v[i] == b'/' || v[i] == b'"' || v[i] == b'\'') {
            i += 1;
        }
        if i >= v.len() || v[i] == b'>' {
            return (i, false);
        }
        if v[i] == b'<' {
            // A new tag starts before this one closed: the browser reads `<` as an
            // attribute name, but a payload split here is read again from `<`.
            return (i, false);
        }
        let attr_start = i;
        while i < v.len() && !is_space(v[i]) && !matches!(v[i], b'=' | b'>' | b'/') {
            i += 1;
        }
        let attr = &v[attr_start..i];
        let mut j = i;
        while j < v.len() && is_space(v[j]) {
            j += 1;
        }
        let (value, next) = if v.get(j) == Some(&b'=') {
            j += 1;
            while j < v.len() && is_space(v[j]) {
                j += 1;
            }
            match v.get(j) {
                Some(&q @ (b'"' | b'\'' | b'`')) => {
                    let end = memchr::memchr(q, &v[j + 1..]).map_or(v.len(), |p| j + 1 + p);
                    (&v[j + 1..end], (end + 1).min(v.len()))
                }
                _ => {
                    let start = j;
                    while j < v.len() && !is_space(v[j]) && v[j] != b'>' {
                        j += 1;
                    }
                    (&v[start..j], j)
                }
            }
        } else {
            (&v[i..i], i)
        };
        if active_attribute(attr, value) {
            return (next, true);
        }
        i = next.max(attr_start + 1);
    }
}

fn active_attribute(name: &[u8], value: &[u8]) -> bool {
    let name = local_name(name);
    if is_event_handler(name) || name.eq_ignore_ascii_case(b"srcdoc") || name.eq_ignore_ascii_case(b"datasrc") {
        return true;
    }
    if name.eq_ignore_ascii_case(b"style") {
        return active_style(value);
    }
    if name.eq_ignore_ascii_case(b"handler") || name.eq_ignore_ascii_case(b"attributename") {
        return script_scheme(value) || is_event_handler(value);
    }
    if URL_ATTRIBUTES.iter().any(|a| name.eq_ignore_ascii_case(a)) {
        return script_scheme(value);
    }
    false
}

/// CSS that runs script or loads behaviour: `expression(`, `url(javascript:`, `behavior`,
/// `-moz-binding`, read with CSS comments and backslash escapes removed (first 512 bytes).
fn active_style(value: &[u8]) -> bool {
    let mut buf = [0u8; 512];
    let mut len = 0;
    let mut i = 0;
    while i < value.len() && len < buf.len() {
        match (value[i], value.get(i + 1)) {
            (b'/', Some(b'*')) => {
                i = memchr::memmem::find(&value[i + 2..], b"*/").map_or(value.len(), |p| i + 2 + p + 2);
            }
            (b'\\', _) => i += 1,
            (b, _) => {
                buf[len] = b.to_ascii_lowercase();
                len += 1;
                i += 1;
            }
        }
    }
    let css = &buf[..len];
    [&b"expression("[..], b"javascript:", b"vbscript:", b"behavior", b"behaviour", b"binding"]
        .iter()
        .any(|needle| css.windows(needle.len()).any(|w| w == *needle))
}

/// `onerror`, `onload`, `onmouseover`, ... (`on` and at least three letters).
fn is_event_handler(name: &[u8]) -> bool {
    name.len() >= 5 && name[..2].eq_ignore_ascii_case(b"on") && name[2..].iter().all(u8::is_ascii_alphabetic)
}

fn contains_ignore_case(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle))
}

/// Does a URL start with a scheme that runs script? Browsers drop leading control bytes
/// and spaces and ignore tabs and newlines inside the scheme.
fn script_scheme(url: &[u8]) -> bool {
    let mut scheme = [0u8; 16];
    let mut len = 0;
    for &b in url.iter().skip_while(|&&b| b <= b' ') {
        // Browsers drop tabs and newlines inside a scheme; old ones dropped every
        // control byte.
        if b < 0x20 {
            continue;
        }
        if b == b':' {
            let s = &scheme[..len];
            if s == b"javascript" || s == b"vbscript" || s == b"livescript" {
                return true;
            }
            if s == b"data" {
                let rest = &url[url.iter().position(|&c| c == b':').map_or(url.len(), |p| p + 1)..];
                let rest = &rest[..rest.len().min(32)];
                return contains_ignore_case(rest, b"html") || contains_ignore_case(rest, b"svg");
            }
            return false;
        }
        if len == scheme.len() || !b.is_ascii_alphabetic() {
            return false;
        }
        scheme[len] = b.to_ascii_lowercase();
        len += 1;
    }
    false
}

/// A whole value that is a script URL with code after the scheme (`javascript:alert(1)`);
/// `javascript: the good parts` is a book title.
fn is_script_url(value: &[u8]) -> bool {
    script_scheme(value) && value.iter().any(|&b| matches!(b, b'(' | b'`' | b'=' | b'\\' | b'%' | b'&' | b'[' | b'<'))
}

/// `" onmouseover="alert(1)`, `' autofocus onfocus=alert(1) x='`, `x onerror=alert(1)`:
/// the value closes an attribute value (or was unquoted) and adds an event handler.
fn leaves_attribute(v: &[u8]) -> bool {
    // The value's start is a boundary too: an unquoted attribute value ends there.
    let mut i = 0;
    let mut at_start = true;
    while i < v.len() {
        let b = v[i];
        if !at_start {
            i += 1;
        }
        // An unquoted attribute value ends only at a space: `/` inside it (`x/onload=`,
        // a base64 tail `..o/onafe=`) stays part of the value.
        let boundary = at_start || b == b'"' || b == b'\'' || b == b'`' || is_space(b) || b == b'+';
        at_start = false;
        if !boundary {
            continue;
        }
        let mut j = i;
        while j < v.len() && (is_space(v[j]) || v[j] == b'/') {
            j += 1;
        }
        let start = j;
        while j < v.len() && v[j].is_ascii_alphabetic() && j - start < 40 {
            j += 1;
        }
        let name = &v[start..j];
        while j < v.len() && is_space(v[j]) {
            j += 1;
        }
        if v.get(j) == Some(&b'=') && (is_event_handler(name) || name.eq_ignore_ascii_case(b"srcdoc")) {
            return true;
        }
        if v.get(j) == Some(&b'=') && name.eq_ignore_ascii_case(b"style") && active_style(&v[j + 1..]) {
            return true;
        }
        i = i.max(start);
    }
    false
}

/// Can [`leaves_attribute`] find anything in `v`: does some `=` follow (spaces between
/// allowed) a run of letters that is an event handler's name, `srcdoc` or `style`? The
/// name it reads before an `=` is that whole run: it starts after a boundary, a space or
/// a `/`, never after a letter. Walks back from each `=` only over the spaces and letters
/// since the one before: linear.
fn names_an_active_attribute(v: &[u8]) -> bool {
    memchr::memchr_iter(b'=', v).any(|eq| {
        let mut end = eq;
        while end > 0 && is_space(v[end - 1]) {
            end -= 1;
        }
        let start = v[..end].iter().rposition(|b| !b.is_ascii_alphabetic()).map_or(0, |p| p + 1);
        let name = &v[start..end];
        is_event_handler(name) || name.eq_ignore_ascii_case(b"srcdoc") || name.eq_ignore_ascii_case(b"style")
    })
}

/// `';alert(1)//`, `"-alert(document.domain)-"`, `\";alert(1);//`: a quote, an operator
/// joining or ending the statement, then a call.
fn leaves_js_string(v: &[u8]) -> bool {
    let mut at = 0;
    while let Some(offset) = memchr::memchr2(b'\'', b'"', &v[at..]) {
        let q = at + offset;
        at = q + 1;
        let mut j = q + 1;
        while j < v.len() && is_space(v[j]) {
            j += 1;
        }
        if !matches!(v.get(j), Some(b';' | b'-' | b'+' | b'*' | b'|' | b'&' | b',' | b')' | b'}')) {
            continue;
        }
        j += 1;
        while j < v.len() && (is_space(v[j]) || matches!(v[j], b';' | b'(' | b'|' | b'&' | b'}' | b')')) {
            j += 1;
        }
        let start = j;
        while j < v.len()
            && (v[j].is_ascii_alphanumeric() || matches!(v[j], b'_' | b'$' | b'.' | b'[' | b']'))
            && j - start < 64
        {
            j += 1;
        }
        if j > start && v[start].is_ascii_alphabetic() && matches!(v.get(j), Some(b'(' | b'`')) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attacks() {
        for v in [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "<svg/onload=alert(1)>",
            "<a href=\"jav\tascript:alert(1)\">x</a>",
            "<a href=\" javascript:alert(1)\">",
            "<iframe srcdoc='x'>",
            "\" onmouseover=\"alert(1)",
            "' autofocus onfocus=alert(1) x='",
            "javascript:alert(document.cookie)",
            "';alert(String.fromCharCode(88,83,83))//",
            "<body onload=alert('XSS')>",
            "<div style=\"width: expression(alert(1))\">",
            "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">",
            "<IMG SRC=JaVaScRiPt:alert('XSS')>",
            "<input autofocus onfocus=alert(1)",
            "\"/onload=alert(1)",
            "x onerror=alert(1)",
        ] {
            assert!(find(v.as_bytes(), ByteSet::of(v.as_bytes(), true)).is_some(), "missed {v:?}");
        }
    }

    #[test]
    fn markup_and_prose() {
        for v in [
            "<b>bold</b> and <i>italic</i>",
            "a < b and c > d",
            "<p class=\"note\">Hello</p>",
            "<a href=\"https://example.com/\">link</a>",
            "javascript: the good parts",
            "I'm here; see you",
            "turn on = off",
            "1 <2 > 0",
            "it's \"quoted\" - ok",
            // `/` inside an unquoted attribute value does not start an attribute.
            "VGhhbmtzLCBmb3IgYWxsIHlvdXIgd29yayBzaW5jZSB5ZWFycyBvbiBDUlMuIEh1bQo/onafe=",
            "https://example.com/shop/online=1",
        ] {
            assert!(find(v.as_bytes(), ByteSet::of(v.as_bytes(), true)).is_none(), "flagged {v:?}");
        }
    }
}
