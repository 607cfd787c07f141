//! rampart-node: the native half of the `rampart` npm package.
//!
//! A thin napi-rs layer over rampart-core. The JavaScript half (`lib/`) owns the hooks,
//! the request context and the events; this crate only moves bytes across the boundary:
//!
//! - `NativeEngine`: a compiled policy (`new NativeEngine(json)` or `fromEnv()`), event
//!   formatting and the block page.
//! - `NativeRequest`: the flattened inputs of one HTTP request.
//! - one function per check (`checkSql`, `checkShell`, `checkExec`, `checkNosql`,
//!   `checkPath`, `checkUrl`, `checkResolvedIp`, `checkRedirect`, `checkHeader`), taking the `handle`
//!   numbers of an engine and a request: the hot path stays a plain function call.
//!
//! A check returns `null` when it found nothing (the common case costs no object) and a
//! plain verdict object otherwise.
//!
//! # Errors
//!
//! Every export is `#[napi(catch_unwind)]`: a panic becomes a JavaScript `Error` (status
//! `GenericFailure`) instead of aborting the host process. Core errors are thrown with
//! status `InvalidArg` and the message `"<kind name>: <message>"`; `lib/errors.js` turns
//! them into `RampartError` subclasses.

// napi-derive expands every export into `unsafe` glue code over the C N-API. This crate
// writes no `unsafe` of its own.
#![allow(unsafe_code)]

use std::cell::RefCell;
use std::rc::Rc;

use napi::bindgen_prelude::{Buffer, Either};
use napi::{Error, Result, Status};
use napi_derive::napi;
use rampart_core::collect::{Collector, DEFAULT_MAX_INPUTS};
use rampart_core::event::EventContext;
use rampart_core::{Action, Dialect, Reason, RuleAction, Source, Span, Threat, Verdict};

/// A string or bytes crossing the boundary (`Buffer`/`Uint8Array` stay bytes: no UTF-8
/// needed).
type Text = Either<String, Buffer>;

fn bytes(text: &Text) -> &[u8] {
    match text {
        Either::A(s) => s.as_bytes(),
        Either::B(b) => b,
    }
}

fn core_error(e: rampart_core::Error) -> Error {
    Error::new(Status::InvalidArg, format!("{}: {}", e.kind().name(), e.message()))
}

fn invalid_argument(message: String) -> Error {
    Error::new(Status::InvalidArg, format!("{}: {message}", rampart_core::ErrorKind::InvalidArgument.name()))
}

/// Handles of the live engines and requests of this thread, for the hot path.
///
/// A class instance passed as an argument costs an unwrap plus an instance check per
/// call (hundreds of nanoseconds); the checks instead take plain numbers naming the
/// engine and the request. Each class instance registers itself here and leaves on drop
/// (when JavaScript collects it). Thread-local: every Node worker has its own.
struct Registry<T> {
    slots: Vec<Option<Rc<T>>>,
    free: Vec<u32>,
}

impl<T> Registry<T> {
    const fn new() -> Self {
        Registry { slots: Vec::new(), free: Vec::new() }
    }

    fn insert(&mut self, value: Rc<T>) -> u32 {
        match self.free.pop() {
            Some(id) => {
                self.slots[id as usize] = Some(value);
                id
            }
            None => {
                self.slots.push(Some(value));
                saturate(self.slots.len() - 1)
            }
        }
    }

    fn get(&self, id: u32) -> Option<Rc<T>> {
        self.slots.get(id as usize).and_then(Clone::clone)
    }

    fn remove(&mut self, id: u32) {
        if let Some(slot) = self.slots.get_mut(id as usize) {
            if slot.take().is_some() {
                self.free.push(id);
            }
        }
    }
}

thread_local! {
    static ENGINES: RefCell<Registry<rampart_core::Engine>> = const { RefCell::new(Registry::new()) };
    static REQUESTS: RefCell<Registry<RefCell<rampart_core::Request>>> = const { RefCell::new(Registry::new()) };
    /// The inputs [`inspect_from`] judges, copied out of a request (kept for its capacity).
    static PART: RefCell<rampart_core::Request> = RefCell::new(rampart_core::Request::new());
}

fn stale(what: &str) -> Error {
    invalid_argument(format!("no live {what} with this handle"))
}

/// `null` when nothing was found. `engine` and `request` are the `handle`s of a
/// `NativeEngine` and a `NativeRequest`; `dialect` a code from `dialectCode` (a number
/// crosses the boundary for free, a name costs a string copy per check).
#[napi(catch_unwind)]
pub fn check_sql(engine: u32, request: u32, dialect: u32, query: Text) -> Result<Option<NativeVerdict>> {
    let (engine, request) = live(engine, request)?;
    let dialect =
        Dialect::from_code(dialect).ok_or_else(|| invalid_argument(format!("unknown SQL dialect code {dialect}")))?;
    let request = request.borrow();
    Ok(found(engine.check_sql(&request, dialect, bytes(&query))))
}

/// The code of the SQL dialect named `name` (aliases accepted, any case), for `checkSql`.
#[napi(catch_unwind)]
pub fn dialect_code(name: String) -> Result<u32> {
    Dialect::parse(&name).map(Dialect::code).ok_or_else(|| invalid_argument(format!("unknown SQL dialect `{name}`")))
}

/// The engine and request named by two handles.
fn live(engine: u32, request: u32) -> Result<(Rc<rampart_core::Engine>, Rc<RefCell<rampart_core::Request>>)> {
    let engine = ENGINES.with(|r| r.borrow().get(engine)).ok_or_else(|| stale("engine"))?;
    let request = REQUESTS.with(|r| r.borrow().get(request)).ok_or_else(|| stale("request"))?;
    Ok((engine, request))
}

/// `command` is about to run through `sh -c` (`child_process.exec`, `shell: true`).
#[napi(catch_unwind)]
pub fn check_shell(engine: u32, request: u32, command: Text) -> Result<Option<NativeVerdict>> {
    let (engine, request) = live(engine, request)?;
    let request = request.borrow();
    Ok(found(engine.check_shell(&request, bytes(&command))))
}

/// `argv` (program first) is about to run without a shell (`execFile`, `spawn`).
#[napi(catch_unwind)]
pub fn check_exec(engine: u32, request: u32, argv: Vec<Text>) -> Result<Option<NativeVerdict>> {
    let (engine, request) = live(engine, request)?;
    let request = request.borrow();
    let args: Vec<&[u8]> = argv.iter().map(bytes).collect();
    Ok(found(engine.check_exec(&request, &args)))
}

/// `filter` is a MongoDB-style filter as JSON text.
#[napi(catch_unwind)]
pub fn check_nosql(engine: u32, request: u32, filter: Text) -> Result<Option<NativeVerdict>> {
    let (engine, request) = live(engine, request)?;
    let request = request.borrow();
    Ok(found(engine.check_nosql(&request, bytes(&filter))))
}

/// `path` is about to be opened, listed, written or deleted.
#[napi(catch_unwind)]
pub fn check_path(engine: u32, request: u32, path: Text) -> Result<Option<NativeVerdict>> {
    let (engine, request) = live(engine, request)?;
    let request = request.borrow();
    Ok(found(engine.check_path(&request, bytes(&path))))
}

/// `url` is about to be fetched by an HTTP client.
#[napi(catch_unwind)]
pub fn check_url(engine: u32, request: u32, url: Text) -> Result<Option<NativeVerdict>> {
    let (engine, request) = live(engine, request)?;
    let request = request.borrow();
    Ok(found(engine.check_url(&request, bytes(&url))))
}

/// At connect time: `host` resolved to `ip` (text), the address the socket connects to.
#[napi(catch_unwind)]
pub fn check_resolved_ip(engine: u32, request: u32, host: Text, ip: Text) -> Result<Option<NativeVerdict>> {
    let (engine, request) = live(engine, request)?;
    let request = request.borrow();
    Ok(found(engine.check_resolved_ip(&request, bytes(&host), bytes(&ip))))
}

/// `location` is the `Location` of a redirect the application answers with.
#[napi(catch_unwind)]
pub fn check_redirect(engine: u32, request: u32, location: Text) -> Result<Option<NativeVerdict>> {
    let (engine, request) = live(engine, request)?;
    let request = request.borrow();
    Ok(found(engine.check_redirect(&request, bytes(&location))))
}

/// Payload inspection: does an input of the request (or its method and path) carry a
/// malicious payload or match a rule? No sink needed.
#[napi(catch_unwind)]
pub fn inspect(engine: u32, request: u32) -> Result<Option<NativeVerdict>> {
    let (engine, request) = live(engine, request)?;
    let request = request.borrow();
    Ok(found(engine.inspect(&request)))
}

/// [`inspect`] of the inputs from index `from` on, which the request gained since an
/// inspection that found nothing: the body and route parameters a framework parsed after
/// the request arrived. Method, path and route are judged again; the inputs before `from`
/// are not (the first inspection judged them, and their rules cannot change). A policy
/// with an `allow` rule inspects the whole request: an allow rule matching any input lets
/// the whole request through.
#[napi(catch_unwind)]
pub fn inspect_from(engine: u32, request: u32, from: u32) -> Result<Option<NativeVerdict>> {
    let (engine, request) = live(engine, request)?;
    let request = request.borrow();
    let from = from as usize;
    let allow_rules = engine.policy().rules.iter().any(|rule| rule.action == Some(RuleAction::Allow));
    if from == 0 || allow_rules {
        return Ok(found(engine.inspect(&request)));
    }
    PART.with(|cell| {
        let mut part = cell.borrow_mut();
        part.reset();
        part.set_method(request.method());
        part.set_path(request.path());
        part.set_route(request.route());
        part.set_host(request.host());
        for input in request.inputs().skip(from) {
            part.add_input(input.source, input.key, input.value);
        }
        let mut verdict = engine.inspect(&part);
        verdict.input_index = verdict.input_index.map(|index| index + from);
        Ok(found(verdict))
    })
}

/// A response header `name: value` is about to be sent.
#[napi(catch_unwind)]
pub fn check_header(engine: u32, request: u32, name: Text, value: Text) -> Result<Option<NativeVerdict>> {
    let (engine, request) = live(engine, request)?;
    let request = request.borrow();
    Ok(found(engine.check_header(&request, bytes(&name), bytes(&value))))
}

/// Collects an HTTP request's inputs with the core's collector (the rules every agent
/// shares: urlencoded query, Cookie header, headers without the protocol's own, JSON
/// flattened into dotted keys, keys as inputs) in one call, and returns how many inputs
/// the request holds.
///
/// `text` is five fields then the raw header pairs, each followed by one NUL: the
/// method, the URL as received (path and query string), the route, the route parameters
/// as a JSON object, the body as JSON (empty when there is none or it is not an object),
/// then `name`, `value` for every header line (`req.rawHeaders`). None of these can hold
/// a NUL byte of its own: HTTP forbids it in the request line and headers, and JSON
/// escapes it. `rawBody` is a body the application received as text or bytes rather
/// than parsed: it is one input with an empty key.
///
/// One string, although JavaScript must concatenate it (and N-API then copies the
/// concatenation into a flat string): the header lines as a second string, counted,
/// saved no more than their own conversion (two passes and an allocation) cost.
#[napi(catch_unwind)]
pub fn collect_request(request: u32, text: String, raw_body: Option<Text>) -> Result<u32> {
    let request = REQUESTS.with(|r| r.borrow().get(request)).ok_or_else(|| stale("request"))?;
    let mut request = request.borrow_mut();
    request.reset();
    let mut fields = text.as_bytes().split(|&b| b == 0);
    let mut next = || fields.next().unwrap_or_default();
    let (method, url, route, params, body) = (next(), next(), next(), next(), next());
    let (path, query) = match url.iter().position(|&b| b == b'?') {
        Some(at) => (&url[..at], &url[at + 1..]),
        None => (url, &b""[..]),
    };
    request.set_method(method);
    request.set_path(path);
    request.set_route(route);
    let mut collector = Collector::new(&mut request, DEFAULT_MAX_INPUTS);
    let mut more = collector.urlencoded(Source::Query, query);
    if more && !params.is_empty() {
        more = route_params(&mut collector, params);
    }
    if more && !body.is_empty() {
        more = collector.json(body);
    }
    if more {
        if let Some(raw) = &raw_body {
            more = collector.add(Source::Body, b"", bytes(raw));
        }
    }
    while let (Some(name), Some(value)) = (fields.next(), fields.next()) {
        if name.eq_ignore_ascii_case(b"host") {
            collector.request().set_host(value);
        }
        if more {
            more = collector.header_any_case(name, value);
        }
    }
    Ok(saturate(request.len()))
}

/// Adds what a framework parsed after the request arrived to a request
/// [`collect_request`] filled without it. `parsed` is three fields, each followed by one
/// NUL: the route, the route parameters as a JSON object and the body as JSON (one string:
/// each string crossing N-API costs a conversion); `raw_body` as in `collect_request`. The
/// request line and headers are not crossed or collected again. Returns how many inputs
/// the request holds.
#[napi(catch_unwind)]
pub fn collect_parsed(request: u32, parsed: String, raw_body: Option<Text>) -> Result<u32> {
    let request = REQUESTS.with(|r| r.borrow().get(request)).ok_or_else(|| stale("request"))?;
    let mut request = request.borrow_mut();
    let mut fields = parsed.as_bytes().split(|&b| b == 0);
    let mut next = || fields.next().unwrap_or_default();
    let (route, params, body) = (next(), next(), next());
    request.set_route(route);
    let mut collector = Collector::new(&mut request, DEFAULT_MAX_INPUTS);
    let mut more = params.is_empty() || route_params(&mut collector, params);
    if more && !body.is_empty() {
        more = collector.json(body);
    }
    if more {
        if let Some(raw) = &raw_body {
            collector.add(Source::Body, b"", bytes(raw));
        }
    }
    Ok(saturate(request.len()))
}

/// Route parameters (`/users/:id`) as `path` inputs named by the parameter.
fn route_params(collector: &mut Collector<'_>, json: &[u8]) -> bool {
    let Ok(serde_json::Value::Object(params)) = serde_json::from_slice::<serde_json::Value>(json) else { return true };
    params.iter().all(|(name, value)| match value {
        serde_json::Value::String(s) => collector.add(Source::Path, name.as_bytes(), s.as_bytes()),
        serde_json::Value::Number(n) => collector.add(Source::Path, name.as_bytes(), n.to_string().as_bytes()),
        _ => true,
    })
}

/// The outcome of a check that found something.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct NativeVerdict {
    /// `report` or `block` (`allow` when the verdict is passed back for an event).
    pub action: String,
    /// The policy's protection name (`sql_injection`).
    pub threat: Option<String>,
    /// Stable reason name (`sql_literal_escape`).
    pub reason: Option<String>,
    /// Index of the offending input in its request.
    pub input_index: Option<u32>,
    /// Byte offsets of the input inside the resource (UTF-8 bytes for strings).
    pub span_start: Option<u32>,
    pub span_end: Option<u32>,
    /// Rule id for rule-engine findings, 0 for built-in detection.
    pub rule_id: u32,
}

impl NativeVerdict {
    fn from_core(v: &Verdict) -> NativeVerdict {
        NativeVerdict {
            action: v.action.name().to_owned(),
            threat: v.threat.map(|t| t.name().to_owned()),
            reason: v.reason.map(|r| r.name().to_owned()),
            input_index: v.input_index.map(saturate),
            span_start: v.span.map(|s| saturate(s.start)),
            span_end: v.span.map(|s| saturate(s.end)),
            rule_id: v.rule_id,
        }
    }

    fn to_core(&self) -> Result<Verdict> {
        let action = match self.action.as_str() {
            "allow" => Action::Allow,
            "report" => Action::Report,
            "block" => Action::Block,
            other => return Err(invalid_argument(format!("verdict.action: unknown action `{other}`"))),
        };
        let threat = match self.threat.as_deref() {
            None => None,
            Some(name) => Some(
                Threat::from_name(name)
                    .ok_or_else(|| invalid_argument(format!("verdict.threat: unknown threat `{name}`")))?,
            ),
        };
        let reason = match self.reason.as_deref() {
            None => None,
            Some(name) => Some(
                Reason::from_name(name)
                    .ok_or_else(|| invalid_argument(format!("verdict.reason: unknown reason `{name}`")))?,
            ),
        };
        let span = match (self.span_start, self.span_end) {
            (Some(start), Some(end)) if start <= end => Some(Span { start: start as usize, end: end as usize }),
            _ => None,
        };
        Ok(Verdict {
            action,
            threat,
            reason,
            input_index: self.input_index.map(|i| i as usize),
            span,
            rule_id: self.rule_id,
        })
    }
}

fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// What the hook knows about the sink call and the HTTP request, for an event.
#[napi(object)]
#[derive(Debug, Clone, Default)]
pub struct NativeEventContext {
    pub operation: Option<String>,
    pub event_id: Option<String>,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
    pub stack: Option<Vec<String>>,
}

impl NativeEventContext {
    fn into_core(self) -> EventContext {
        EventContext {
            operation: self.operation.unwrap_or_default(),
            event_id: self.event_id.unwrap_or_default(),
            client_ip: self.client_ip.unwrap_or_default(),
            user_agent: self.user_agent.unwrap_or_default(),
            request_id: self.request_id.unwrap_or_default(),
            stack: self.stack.unwrap_or_default(),
        }
    }
}

/// The policy's block page, rendered for one event.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct NativeBlockResponse {
    pub status: u32,
    pub content_type: String,
    pub body: String,
}

/// One input of a request, read back.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct NativeInput {
    pub source: String,
    pub key: String,
    pub value: String,
}

/// The user inputs of one HTTP request.
#[napi]
#[derive(Debug)]
pub struct NativeRequest {
    handle: u32,
    inner: Rc<RefCell<rampart_core::Request>>,
}

impl Drop for NativeRequest {
    fn drop(&mut self) {
        // During thread teardown the registry may be gone already: nothing to release then.
        let _ = REQUESTS.try_with(|r| r.borrow_mut().remove(self.handle));
    }
}

#[napi]
impl NativeRequest {
    #[napi(constructor, catch_unwind)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        let inner = Rc::new(RefCell::new(rampart_core::Request::new()));
        let handle = REQUESTS.with(|r| r.borrow_mut().insert(Rc::clone(&inner)));
        NativeRequest { handle, inner }
    }

    /// The number naming this request in `checkSql`.
    #[napi(getter, catch_unwind)]
    pub fn handle(&self) -> u32 {
        self.handle
    }

    /// Adds one input; `source` is `query`, `body`, `path`, `header`, `cookie` or `other`.
    #[napi(catch_unwind)]
    pub fn add_input(&mut self, source: String, key: String, value: Text) -> Result<()> {
        let source =
            Source::from_name(&source).ok_or_else(|| invalid_argument(format!("unknown input source `{source}`")))?;
        self.inner.borrow_mut().add_input(source, key.as_bytes(), bytes(&value));
        Ok(())
    }

    #[napi(catch_unwind)]
    pub fn set_method(&mut self, method: String) {
        self.inner.borrow_mut().set_method(method.as_bytes());
    }

    #[napi(catch_unwind)]
    pub fn set_path(&mut self, path: String) {
        self.inner.borrow_mut().set_path(path.as_bytes());
    }

    #[napi(catch_unwind)]
    pub fn set_route(&mut self, route: String) {
        self.inner.borrow_mut().set_route(route.as_bytes());
    }

    /// The `Host` header the request was sent with: redirects to it are not open redirects.
    #[napi(catch_unwind)]
    pub fn set_host(&mut self, host: Text) {
        self.inner.borrow_mut().set_host(bytes(&host));
    }

    /// Forgets every input, keeping the buffers.
    #[napi(catch_unwind)]
    pub fn reset(&mut self) {
        self.inner.borrow_mut().reset();
    }

    #[napi(getter, catch_unwind)]
    pub fn length(&self) -> u32 {
        saturate(self.inner.borrow().len())
    }

    #[napi(catch_unwind)]
    pub fn input(&self, index: u32) -> Option<NativeInput> {
        self.inner.borrow().input(index as usize).map(|input| NativeInput {
            source: input.source.name().to_owned(),
            key: String::from_utf8_lossy(input.key).into_owned(),
            value: String::from_utf8_lossy(input.value).into_owned(),
        })
    }
}

/// A compiled policy.
#[napi]
#[derive(Debug)]
pub struct NativeEngine {
    handle: u32,
    inner: Rc<rampart_core::Engine>,
}

impl Drop for NativeEngine {
    fn drop(&mut self) {
        let _ = ENGINES.try_with(|r| r.borrow_mut().remove(self.handle));
    }
}

#[napi]
impl NativeEngine {
    /// Compiles a policy given as JSON text; no argument means the default policy.
    #[napi(constructor, catch_unwind)]
    pub fn new(policy_json: Option<String>) -> Result<Self> {
        let policy = match policy_json {
            Some(json) => rampart_core::Policy::from_json(json.as_bytes()).map_err(core_error)?,
            None => rampart_core::Policy::default(),
        };
        Self::build(policy)
    }

    /// The policy of `RAMPART_POLICY`, with `RAMPART_MODE` applied.
    #[napi(factory, catch_unwind)]
    pub fn from_env() -> Result<Self> {
        Self::build(rampart_core::Policy::from_env().map_err(core_error)?)
    }

    fn build(policy: rampart_core::Policy) -> Result<Self> {
        let inner = Rc::new(rampart_core::Engine::new(policy).map_err(core_error)?);
        let handle = ENGINES.with(|r| r.borrow_mut().insert(Rc::clone(&inner)));
        Ok(NativeEngine { handle, inner })
    }

    /// The number naming this engine in `checkSql`.
    #[napi(getter, catch_unwind)]
    pub fn handle(&self) -> u32 {
        self.handle
    }

    /// The event JSON line of a finding; `null` for a verdict without a threat.
    #[napi(catch_unwind)]
    pub fn event_json(
        &self,
        request: &NativeRequest,
        verdict: NativeVerdict,
        sink_kind: String,
        resource: Text,
        context: Option<NativeEventContext>,
    ) -> Result<Option<String>> {
        let verdict = verdict.to_core()?;
        let context = context.unwrap_or_default().into_core();
        let request = request.inner.borrow();
        Ok(self.inner.event_json(&request, &verdict, &sink_kind, bytes(&resource), &context))
    }

    /// The policy's block response with `{{event_id}}` filled in.
    #[napi(catch_unwind)]
    pub fn block_response(&self, event_id: String) -> NativeBlockResponse {
        let block = &self.inner.policy().block_response;
        NativeBlockResponse {
            status: u32::from(block.status),
            content_type: block.content_type.clone(),
            body: block.render_body(&event_id),
        }
    }

    /// `off`, `report` or `block`.
    #[napi(getter, catch_unwind)]
    pub fn mode(&self) -> String {
        match self.inner.policy().mode {
            rampart_core::Mode::Off => "off",
            rampart_core::Mode::Report => "report",
            rampart_core::Mode::Block => "block",
        }
        .to_owned()
    }

    /// Whether each request is inspected for malicious payloads (`Engine::inspect`) as it
    /// arrives: the policy's `malicious_payload` protection is not off (nor is its mode).
    #[napi(getter, catch_unwind)]
    pub fn inspects_payloads(&self) -> bool {
        self.inner.policy().effective_action(Threat::MaliciousPayload).is_some()
    }

    /// Whether a hook that fails internally must stop the call (`fail_closed`).
    #[napi(getter, catch_unwind)]
    pub fn fail_closed(&self) -> bool {
        self.inner.policy().fail_closed
    }

    /// The policy's `version`, written in every event's `engine.policy_version`.
    #[napi(getter, catch_unwind)]
    pub fn policy_version(&self) -> u32 {
        self.inner.policy().version
    }
}

fn found(verdict: Verdict) -> Option<NativeVerdict> {
    verdict.is_attack().then(|| NativeVerdict::from_core(&verdict))
}

/// rampart's version.
#[napi(catch_unwind)]
pub fn version() -> String {
    rampart_core::VERSION.to_owned()
}

/// A fresh event id (32 hex digits), for error events formatted on the JavaScript side.
#[napi(catch_unwind)]
pub fn new_event_id() -> String {
    rampart_core::event::new_event_id()
}

/// Panics on purpose: lets the test suite prove that a panic becomes an exception.
#[napi(catch_unwind)]
pub fn panic_for_test(message: String) {
    panic!("{message}");
}
