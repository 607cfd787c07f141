//! The current request's user inputs, collected once per request.
//!
//! Collection is lazy: it happens the first time a sink (or the explicit API) needs the
//! request, so a request that reaches no sink pays nothing. It reads PHP's own copies of
//! the request (`PG(http_globals)`), which the application's writes to `$_GET` and
//! friends do not change. Keys become dotted paths (`user.address.city`, `ids[2]`);
//! keys that are not plain words are inputs too. At most [`MAX_INPUTS`] inputs.

use std::cell::RefCell;

use ext_php_rs::types::{ArrayKey, ZendHashTable, Zval};
use ext_php_rs::zend::{ProcessGlobals, SapiGlobals};
use rampart_core::{Request, Source};

/// Inputs kept per request; the rest are ignored (and the request marked truncated).
pub const MAX_INPUTS: usize = 1000;
/// Nesting followed in arrays and JSON bodies.
pub const MAX_DEPTH: usize = 32;
/// Largest JSON body read from `php://input`.
pub const MAX_JSON_BODY: usize = 1 << 20;

/// Headers the protocol consumes: applications do not put them into queries.
const SKIPPED_HEADERS: [&[u8]; 14] = [
    b"cookie",
    b"content-length",
    b"content-type",
    b"connection",
    b"keep-alive",
    b"transfer-encoding",
    b"te",
    b"upgrade",
    b"upgrade-insecure-requests",
    b"accept-encoding",
    b"cache-control",
    b"pragma",
    b"priority",
    b"dnt",
];

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
    let mut collector = Collector { state, path: Vec::with_capacity(64) };
    {
        let sapi = SapiGlobals::get();
        let info = sapi.request_info();
        if let Some(method) = info.request_method() {
            collector.state.request.set_method(method.as_bytes());
        }
        if let Some(uri) = info.request_uri() {
            let path = uri.split('?').next().unwrap_or_default();
            collector.state.request.set_path(path.as_bytes());
        }
    }
    if let Some(get) = globals.http_get_vars() {
        collector.table(Source::Query, get, 0);
    }
    if let Some(post) = globals.http_post_vars() {
        collector.table(Source::Body, post, 0);
    }
    if let Some(cookies) = globals.http_cookie_vars() {
        collector.table(Source::Cookie, cookies, 0);
    }
    if let Some(files) = globals.http_files_vars() {
        collector.upload_names(files);
    }
    if let Some(server) = globals.http_server_vars() {
        collector.server(server);
    }
    if let Some(body) = json_body {
        collector.json(body);
    }
}

fn is_command_line() -> bool {
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

struct Collector<'a> {
    state: &'a mut RequestState,
    path: Vec<u8>,
}

impl Collector<'_> {
    fn add(&mut self, source: Source, key: &[u8], value: &[u8]) -> bool {
        if self.state.request.len() >= MAX_INPUTS {
            self.state.truncated = true;
            return false;
        }
        self.state.request.add_input(source, key, value);
        true
    }

    fn table(&mut self, source: Source, table: &ZendHashTable, depth: usize) -> bool {
        if depth >= MAX_DEPTH {
            self.state.truncated = true;
            return true;
        }
        for (key, value) in table.iter() {
            let len = self.path.len();
            let name: Option<&[u8]> = match &key {
                ArrayKey::Long(index) => {
                    let text = if depth > 0 { format!("[{index}]") } else { index.to_string() };
                    self.path.extend_from_slice(text.as_bytes());
                    None
                }
                ArrayKey::String(name) => Some(name.as_bytes()),
                ArrayKey::Str(name) => Some(name.as_bytes()),
                ArrayKey::ZendString(name) => Some(name.as_bytes()),
            };
            if let Some(name) = name {
                if !self.path.is_empty() {
                    self.path.push(b'.');
                }
                self.path.extend_from_slice(name);
            }
            let key_input = match name {
                Some(name) if !is_word(name) => {
                    let path = self.path.clone();
                    self.add(source, &path, name)
                }
                _ => true,
            };
            let more = key_input && self.value(source, value, depth);
            self.path.truncate(len);
            if !more {
                return false;
            }
        }
        true
    }

    fn value(&mut self, source: Source, value: &Zval, depth: usize) -> bool {
        let value = value.dereference();
        if let Some(table) = value.array() {
            return self.table(source, table, depth + 1);
        }
        let path = self.path.clone();
        if let Some(s) = value.zend_str() {
            return self.add(source, &path, s.as_bytes());
        }
        if let Some(n) = value.long() {
            return self.add(source, &path, n.to_string().as_bytes());
        }
        if let Some(f) = value.double() {
            return self.add(source, &path, f.to_string().as_bytes());
        }
        true
    }

    /// The client's file names of uploads (`$_FILES[field]['name']` and `['full_path']`,
    /// as `field.name`, `field.full_path`): applications build paths and queries from
    /// them. The rest of `$_FILES` is the server's.
    fn upload_names(&mut self, files: &ZendHashTable) {
        for (field, upload) in files.iter() {
            let field = match &field {
                ArrayKey::String(name) => name.as_bytes().to_vec(),
                ArrayKey::Str(name) => name.as_bytes().to_vec(),
                ArrayKey::ZendString(name) => name.as_bytes().to_vec(),
                ArrayKey::Long(index) => index.to_string().into_bytes(),
            };
            let Some(upload) = upload.dereference().array() else { continue };
            for part in ["name", "full_path"] {
                let Some(name) = upload.get(part) else { continue };
                self.path.clear();
                self.path.extend_from_slice(&field);
                self.path.push(b'.');
                self.path.extend_from_slice(part.as_bytes());
                // A multiple upload (`files[]`) has an array of names.
                if !self.value(Source::Body, name, 1) {
                    return;
                }
            }
        }
        self.path.clear();
    }

    /// `HTTP_*` headers (lower-case, dashes) and what events show of the client.
    fn server(&mut self, server: &ZendHashTable) {
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
                "REMOTE_ADDR" => self.state.client_ip = String::from_utf8_lossy(text).into_owned(),
                "HTTP_USER_AGENT" => self.state.user_agent = String::from_utf8_lossy(text).into_owned(),
                "HTTP_X_REQUEST_ID" => self.state.request_id = String::from_utf8_lossy(text).into_owned(),
                "HTTP_HOST" => self.state.request.set_host(text),
                _ => {}
            }
            let Some(header) = name.strip_prefix("HTTP_") else { continue };
            let header: Vec<u8> =
                header.bytes().map(|b| if b == b'_' { b'-' } else { b.to_ascii_lowercase() }).collect();
            if SKIPPED_HEADERS.contains(&header.as_slice())
                || header.starts_with(b"sec-fetch-")
                || header.starts_with(b"sec-ch-")
            {
                continue;
            }
            if !self.add(Source::Header, &header, text) {
                return;
            }
        }
    }

    /// A JSON body, flattened like form fields; nothing for invalid JSON.
    fn json(&mut self, body: &[u8]) {
        let Ok(document) = serde_json::from_slice::<serde_json::Value>(body) else { return };
        let mut path = String::new();
        self.json_node(&document, &mut path, 0);
    }

    fn json_node(&mut self, node: &serde_json::Value, path: &mut String, depth: usize) -> bool {
        use serde_json::Value;
        match node {
            Value::String(s) => self.add(Source::Body, path.as_bytes(), s.as_bytes()),
            Value::Number(n) => self.add(Source::Body, path.as_bytes(), n.to_string().as_bytes()),
            Value::Bool(_) | Value::Null => true,
            Value::Object(_) | Value::Array(_) if depth >= MAX_DEPTH => {
                self.state.truncated = true;
                true
            }
            Value::Object(map) => {
                for (key, value) in map {
                    let len = path.len();
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(key);
                    let more = (is_word(key.as_bytes()) || self.add(Source::Body, path.as_bytes(), key.as_bytes()))
                        && self.json_node(value, path, depth + 1);
                    path.truncate(len);
                    if !more {
                        return false;
                    }
                }
                true
            }
            Value::Array(items) => {
                for (index, value) in items.iter().enumerate() {
                    let len = path.len();
                    path.push_str(&format!("[{index}]"));
                    let more = self.json_node(value, path, depth + 1);
                    path.truncate(len);
                    if !more {
                        return false;
                    }
                }
                true
            }
        }
    }
}

fn is_word(bytes: &[u8]) -> bool {
    !bytes.is_empty() && bytes.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'_')
}

/// The event id of the sink blocked in this request, if any.
pub fn blocked_event() -> Option<String> {
    STATE.with(|s| s.try_borrow().ok().and_then(|s| s.blocked_event.clone()))
}
