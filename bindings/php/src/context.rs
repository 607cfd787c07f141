//! The current request's user inputs, collected once per request.
//!
//! Collection is lazy: it happens the first time a sink (or the explicit API) needs the
//! request, so a request that reaches no sink pays nothing. It reads PHP's own copies of
//! the request (`PG(http_globals)`), which the application's writes to `$_GET` and
//! friends do not change. How values become inputs (dotted keys, protocol headers
//! skipped, limits) is `rampart_core::collect`, shared by every agent.

use std::cell::RefCell;

use ext_php_rs::types::{ArrayKey, ZendHashTable, Zval};
use ext_php_rs::zend::{ProcessGlobals, SapiGlobals};
use rampart_core::collect::Collector;
use rampart_core::{Request, Source};

/// Inputs kept per request; the rest are ignored (and the request marked truncated).
pub const MAX_INPUTS: usize = 1000;
/// Nesting followed in arrays and JSON bodies.
pub const MAX_DEPTH: usize = 32;
/// Largest JSON body read from `php://input`.
pub const MAX_JSON_BODY: usize = 1 << 20;

/// What rampart knows about the current request.
#[derive(Debug, Default)]
pub struct RequestState {
    /// The inputs, method, path and host.
    pub request: Request,
    /// Whether `request` holds this request's inputs yet.
    pub collected: bool,
    /// More inputs than [`MAX_INPUTS`] were offered.
    pub truncated: bool,
    /// `REMOTE_ADDR`.
    pub client_ip: String,
    /// `User-Agent`.
    pub user_agent: String,
    /// `X-Request-Id`.
    pub request_id: String,
    /// Set when a sink was blocked in this request: the event id, for the block page.
    pub blocked_event: Option<String>,
    /// The last URL reported in this request: `curl_exec` does not report again the URL
    /// `curl_setopt` already reported.
    pub reported_url: Vec<u8>,
}

thread_local! {
    static STATE: RefCell<RequestState> = RefCell::new(RequestState::default());
}

/// A new request starts: nothing collected yet.
pub fn begin_request() {
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        s.request.reset();
        s.collected = false;
        s.truncated = false;
        s.client_ip.clear();
        s.user_agent.clear();
        s.request_id.clear();
        s.blocked_event = None;
        s.reported_url.clear();
    });
}

/// The request ended.
pub fn end_request() {
    begin_request();
}

/// Runs `f` on the current request, collecting it first if needed.
pub fn with_request<R>(f: impl FnOnce(&mut RequestState) -> R) -> R {
    let collected = STATE.with(|s| s.borrow().collected);
    if !collected {
        // Reading php://input calls back into PHP: done before borrowing the state.
        let body = json_body();
        STATE.with(|s| {
            let mut s = s.borrow_mut();
            collect(&mut s, body.as_deref());
            s.collected = true;
        });
    }
    STATE.with(|s| f(&mut s.borrow_mut()))
}

/// Replaces the current request's inputs by the caller's (the explicit API).
pub fn set_manual<R>(f: impl FnOnce(&mut RequestState) -> R) -> R {
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        s.collected = true;
        f(&mut s)
    })
}

fn collect(state: &mut RequestState, json_body: Option<&[u8]>) {
    state.request.reset();
    // $_SERVER is created on first use (auto_globals_jit): the first call creates it, but
    // may still answer None (it reads the table through a reference taken before the
    // engine filled it), so ask a fresh guard afterwards.
    let _ = ProcessGlobals::get().http_server_vars();
    // A command-line script has no HTTP request: its $_SERVER is the environment, whose
    // HTTP_* variables (HTTP_PROXY, ...) are not request headers.
    if is_command_line() {
        return;
    }
    let globals = ProcessGlobals::get();
    let RequestState { request, truncated, client_ip, user_agent, request_id, .. } = state;
    let mut collector = Collector::new(request, MAX_INPUTS).with_max_depth(MAX_DEPTH);
    {
        let sapi = SapiGlobals::get();
        let info = sapi.request_info();
        if let Some(method) = info.request_method() {
            collector.request().set_method(method.as_bytes());
        }
        if let Some(uri) = info.request_uri() {
            let path = uri.split('?').next().unwrap_or_default();
            collector.request().set_path(path.as_bytes());
        }
    }
    if let Some(get) = globals.http_get_vars() {
        table(&mut collector, Source::Query, get, 0);
    }
    if let Some(post) = globals.http_post_vars() {
        table(&mut collector, Source::Body, post, 0);
    }
    if let Some(cookies) = globals.http_cookie_vars() {
        table(&mut collector, Source::Cookie, cookies, 0);
    }
    if let Some(files) = globals.http_files_vars() {
        upload_names(&mut collector, files);
    }
    if let Some(server) = globals.http_server_vars() {
        let client = Client { ip: client_ip, user_agent, request_id };
        server_vars(&mut collector, server, client);
    }
    if let Some(body) = json_body {
        collector.json(body);
    }
    *truncated = collector.truncated();
}

/// Whether PHP runs a command-line script (no HTTP request; `$_SERVER` is the environment).
pub fn is_command_line() -> bool {
    let name = crate::zend::call_function("php_sapi_name", &[]).and_then(|name| name.string());
    name.as_deref() == Some("cli") || name.as_deref() == Some("phpdbg")
}

/// The JSON request body, when the request has one (read without consuming it: PHP keeps
/// `php://input` readable for the application).
fn json_body() -> Option<Vec<u8>> {
    let is_json = {
        let sapi = SapiGlobals::get();
        let content_type = sapi.request_info().content_type().unwrap_or_default().to_ascii_lowercase();
        content_type.contains("json")
    };
    if !is_json {
        return None;
    }
    let max = i64::try_from(MAX_JSON_BODY).unwrap_or(i64::MAX);
    crate::zend::call_function("file_get_contents", &[&"php://input", &false, &(), &0i64, &max])
        .and_then(|body| body.zend_str().map(|s| s.as_bytes().to_vec()))
}

/// A PHP array (`$_GET`, `$_POST`, `$_COOKIE`, nested arrays within), walked into inputs.
fn table(c: &mut Collector<'_>, source: Source, table: &ZendHashTable, depth: usize) -> bool {
    if !c.may_descend(depth) {
        return true;
    }
    for (key, value) in table.iter() {
        let mark = match &key {
            // `a[]=x&a[]=y`: list positions below the top, `0=x` at the top.
            ArrayKey::Long(index) if depth > 0 => Some(c.enter_index(index)),
            ArrayKey::Long(index) => c.enter_key(source, index.to_string().as_bytes()),
            ArrayKey::String(name) => c.enter_key(source, name.as_bytes()),
            ArrayKey::Str(name) => c.enter_key(source, name.as_bytes()),
            ArrayKey::ZendString(name) => c.enter_key(source, name.as_bytes()),
        };
        let more = mark.is_some() && scalar_or_table(c, source, value, depth);
        c.leave(mark);
        if !more {
            return false;
        }
    }
    true
}

fn scalar_or_table(c: &mut Collector<'_>, source: Source, value: &Zval, depth: usize) -> bool {
    let value = value.dereference();
    if let Some(nested) = value.array() {
        return table(c, source, nested, depth + 1);
    }
    if let Some(s) = value.zend_str() {
        return c.add_here(source, s.as_bytes());
    }
    if let Some(n) = value.long() {
        return c.add_here(source, n.to_string().as_bytes());
    }
    if let Some(f) = value.double() {
        return c.add_here(source, f.to_string().as_bytes());
    }
    true
}

/// The client's file names of uploads (`$_FILES[field]['name']` and `['full_path']`, as
/// `field.name`, `field.full_path`): applications build paths and queries from them.
/// Each upload is a `file` input too (key the field, value the client's name), with its
/// declared type and first bytes, for the upload rules of payload inspection. The rest of
/// `$_FILES` is the server's.
fn upload_names(c: &mut Collector<'_>, files: &ZendHashTable) {
    uploads(c, files);
    for (field, upload) in files.iter() {
        let Some(upload) = upload.dereference().array() else { continue };
        let field = key_bytes(&field);
        for part in ["name", "full_path"] {
            let Some(name) = upload.get(part) else { continue };
            let outer = c.enter_key(Source::Body, &field);
            let inner = c.enter_key(Source::Body, part.as_bytes());
            // A multiple upload (`files[]`) has an array of names.
            let more = outer.is_some() && inner.is_some() && scalar_or_table(c, Source::Body, name, 1);
            c.leave(inner);
            c.leave(outer);
            if !more {
                return;
            }
        }
    }
}

/// A PHP array key as bytes (an integer key in decimal).
fn key_bytes(key: &ArrayKey<'_>) -> Vec<u8> {
    match key {
        ArrayKey::String(name) => name.as_bytes().to_vec(),
        ArrayKey::Str(name) => name.as_bytes().to_vec(),
        ArrayKey::ZendString(name) => name.as_bytes().to_vec(),
        ArrayKey::Long(index) => index.to_string().into_bytes(),
    }
}

/// Each upload of `$_FILES` as a `file` input: `field` => name, type, tmp_name (strings,
/// or lists of them for `field[]`).
fn uploads(c: &mut Collector<'_>, files: &ZendHashTable) {
    for (field, upload) in files.iter() {
        let Some(upload) = upload.dereference().array() else { continue };
        let field = key_bytes(&field);
        let part = |name: &str| upload.get(name).map(Zval::dereference);
        let (Some(names), types, temps) = (part("name"), part("type"), part("tmp_name")) else { continue };
        let more = match names.array() {
            None => add_upload(c, &field, text(Some(names)), text(types), text(temps)),
            Some(list) => list.iter().all(|(index, name)| {
                let ArrayKey::Long(index) = index else { return true };
                let content_type = types.and_then(Zval::array).and_then(|a| a.get_index(index));
                let temp = temps.and_then(Zval::array).and_then(|a| a.get_index(index));
                add_upload(c, &field, text(Some(name.dereference())), text(content_type), text(temp))
            }),
        };
        if !more {
            return;
        }
    }
}

/// A string member's bytes (empty when absent or not a string).
fn text(value: Option<&Zval>) -> &[u8] {
    value.and_then(Zval::zend_str).map(|s| s.as_bytes()).unwrap_or_default()
}

/// One upload; its first bytes are read from PHP's temporary copy (a path PHP chose).
fn add_upload(c: &mut Collector<'_>, field: &[u8], name: &[u8], content_type: &[u8], temp: &[u8]) -> bool {
    use std::io::Read;
    if name.is_empty() {
        return true;
    }
    if c.request().len() >= MAX_INPUTS {
        c.mark_truncated();
        return false;
    }
    let mut head = Vec::new();
    if let Ok(path) = std::str::from_utf8(temp) {
        if let Ok(file) = std::fs::File::open(path) {
            let _ = file.take(Request::FILE_HEAD_LEN as u64).read_to_end(&mut head);
        }
    }
    c.request().add_file(field, name, content_type, &head);
    true
}

/// What events show of the client, read from `$_SERVER`.
struct Client<'a> {
    ip: &'a mut String,
    user_agent: &'a mut String,
    request_id: &'a mut String,
}

/// `HTTP_*` headers (lower-case, dashes) and what events show of the client.
fn server_vars(c: &mut Collector<'_>, server: &ZendHashTable, client: Client<'_>) {
    let mut header = Vec::new();
    for (key, value) in server.iter() {
        let name = match &key {
            ArrayKey::String(name) => name.as_str(),
            ArrayKey::Str(name) => name,
            ArrayKey::ZendString(name) => match name.as_str() {
                Ok(name) => name,
                Err(_) => continue,
            },
            ArrayKey::Long(_) => continue,
        };
        let Some(text) = value.dereference().zend_str() else { continue };
        let text = text.as_bytes();
        match name {
            "REMOTE_ADDR" => *client.ip = String::from_utf8_lossy(text).into_owned(),
            "HTTP_USER_AGENT" => *client.user_agent = String::from_utf8_lossy(text).into_owned(),
            "HTTP_X_REQUEST_ID" => *client.request_id = String::from_utf8_lossy(text).into_owned(),
            "HTTP_HOST" => c.request().set_host(text),
            _ => {}
        }
        let Some(name) = name.strip_prefix("HTTP_") else { continue };
        header.clear();
        header.extend(name.bytes().map(|b| if b == b'_' { b'-' } else { b.to_ascii_lowercase() }));
        if !c.header(&header, text) {
            return;
        }
    }
}

/// The event id of the sink blocked in this request, if any.
pub fn blocked_event() -> Option<String> {
    STATE.with(|s| s.try_borrow().ok().and_then(|s| s.blocked_event.clone()))
}
