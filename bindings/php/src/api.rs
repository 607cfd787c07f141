//! The explicit PHP API (`Rampart\check_sql()`, ...); its stub is `bindings/php/rampart.stub.php`.
//!
//! Each check asks the engine about the current request (collected from the SAPI, or set
//! with `Rampart\request_add_input()`), returns the verdict as an array and does nothing
//! else: no event, no exception. The hooks are what report and block.

use ext_php_rs::boxed::ZBox;
use ext_php_rs::exception::{PhpException, PhpResult};
use ext_php_rs::prelude::*;
use ext_php_rs::types::{ZendHashTable, Zval};
use ext_php_rs::zend::ce;
use rampart_core::{Dialect, Engine, Request, Source, Verdict};

use crate::context::{self, RequestState};
use crate::runtime;

/// Thrown by a hooked sink when the policy blocks the call. Uncaught, the response is the
/// policy's block page with its status.
#[php_class]
#[php(name = "Rampart\\BlockedException")]
#[php(extends(ce = ce::exception, stub = "\\Exception"))]
#[derive(Default, Debug)]
pub struct BlockedException;

/// Thrown by the explicit API when no policy could be loaded, or for a bad argument.
#[php_class]
#[php(name = "Rampart\\RampartException")]
#[php(extends(ce = ce::exception, stub = "\\Exception"))]
#[derive(Default, Debug)]
pub struct RampartException;

fn error(message: impl Into<String>) -> PhpException {
    PhpException::from_class::<RampartException>(message.into())
}

fn bytes(value: &Zval, what: &str) -> PhpResult<Vec<u8>> {
    let value = value.dereference();
    if let Some(s) = value.zend_str() {
        return Ok(s.as_bytes().to_vec());
    }
    if value.is_long() || value.is_double() {
        if let Some(text) = value.coerce_to_string() {
            return Ok(text.into_bytes());
        }
    }
    Err(error(format!("{what} must be a string")))
}

fn engine() -> PhpResult<&'static Engine> {
    runtime::engine().map_err(|message| error(format!("rampart has no policy: {message}")))
}

fn check(f: impl FnOnce(&Engine, &Request) -> Verdict) -> PhpResult<ZBox<ZendHashTable>> {
    let engine = engine()?;
    let result = crate::guard::catching(|| {
        context::with_request(|state: &mut RequestState| verdict_array(&state.request, &f(engine, &state.request)))
    });
    result.map_err(|panic| error(format!("internal error: {panic}")))?
}

/// A verdict as PHP sees it.
pub fn verdict_array(request: &Request, verdict: &Verdict) -> PhpResult<ZBox<ZendHashTable>> {
    let mut array = ZendHashTable::new();
    array.insert("action", verdict.action.name())?;
    array.insert("attack", verdict.is_attack())?;
    array.insert("threat", verdict.threat.map(|t| t.name()))?;
    array.insert("reason", verdict.reason.map(|r| r.name()))?;
    array.insert("message", verdict.reason.map(|r| r.description()))?;
    let input = verdict.input_index.and_then(|i| request.input(i));
    array.insert("input_index", verdict.input_index.and_then(|i| i64::try_from(i).ok()))?;
    array.insert("input_source", input.map(|i| i.source.name()))?;
    array.insert("input_key", input.map(|i| String::from_utf8_lossy(i.key).into_owned()))?;
    match verdict.span {
        Some(span) => array.insert(
            "span",
            vec![i64::try_from(span.start).unwrap_or(i64::MAX), i64::try_from(span.end).unwrap_or(i64::MAX)],
        )?,
        None => array.insert("span", ())?,
    }
    array.insert("rule_id", i64::from(verdict.rule_id))?;
    Ok(array)
}

/// Did an input of the current request change the structure of `$query`?
#[php_function]
#[php(name = "Rampart\\check_sql")]
pub fn check_sql(dialect: &str, query: &Zval) -> PhpResult<ZBox<ZendHashTable>> {
    let dialect = Dialect::parse(dialect).ok_or_else(|| {
        error(format!("unknown SQL dialect `{dialect}`: expected mysql, postgresql, sqlite, mssql, oracle or generic"))
    })?;
    let query = bytes(query, "query")?;
    check(|engine, request| engine.check_sql(request, dialect, &query))
}

/// A string about to be run by `sh -c` (`shell_exec`, `system`, `exec`, ...).
#[php_function]
#[php(name = "Rampart\\check_shell")]
pub fn check_shell(command: &Zval) -> PhpResult<ZBox<ZendHashTable>> {
    let command = bytes(command, "command")?;
    check(|engine, request| engine.check_shell(request, &command))
}

/// An argv run without a shell (`proc_open` with an array).
#[php_function]
#[php(name = "Rampart\\check_exec")]
pub fn check_exec(argv: &ZendHashTable) -> PhpResult<ZBox<ZendHashTable>> {
    let mut args = Vec::with_capacity(argv.len());
    for (_, value) in argv.iter() {
        args.push(bytes(value, "every argv element")?);
    }
    let slices: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
    check(|engine, request| engine.check_exec(request, &slices))
}

/// A file system path about to be opened, written, deleted or included.
#[php_function]
#[php(name = "Rampart\\check_path")]
pub fn check_path(path: &Zval) -> PhpResult<ZBox<ZendHashTable>> {
    let path = bytes(path, "path")?;
    check(|engine, request| engine.check_path(request, &path))
}

/// A URL about to be fetched (server-side request forgery).
#[php_function]
#[php(name = "Rampart\\check_url")]
pub fn check_url(url: &Zval) -> PhpResult<ZBox<ZendHashTable>> {
    let url = bytes(url, "url")?;
    check(|engine, request| engine.check_url(request, &url))
}

/// The address a connection to `$host` really uses (DNS rebinding).
#[php_function]
#[php(name = "Rampart\\check_resolved_ip")]
pub fn check_resolved_ip(host: &Zval, ip: &Zval) -> PhpResult<ZBox<ZendHashTable>> {
    let host = bytes(host, "host")?;
    let ip = bytes(ip, "ip")?;
    check(|engine, request| engine.check_resolved_ip(request, &host, &ip))
}

/// A MongoDB-style filter, as JSON.
#[php_function]
#[php(name = "Rampart\\check_nosql")]
pub fn check_nosql(filter: &Zval) -> PhpResult<ZBox<ZendHashTable>> {
    let filter = bytes(filter, "filter")?;
    check(|engine, request| engine.check_nosql(request, &filter))
}

/// A redirect target (`Location`).
#[php_function]
#[php(name = "Rampart\\check_redirect")]
pub fn check_redirect(location: &Zval) -> PhpResult<ZBox<ZendHashTable>> {
    let location = bytes(location, "location")?;
    check(|engine, request| engine.check_redirect(request, &location))
}

/// A response header about to be sent.
#[php_function]
#[php(name = "Rampart\\check_header")]
pub fn check_header(name: &Zval, value: &Zval) -> PhpResult<ZBox<ZendHashTable>> {
    let name = bytes(name, "name")?;
    let value = bytes(value, "value")?;
    check(|engine, request| engine.check_header(request, &name, &value))
}

/// Payload inspection of the current request itself (its inputs, method, path and
/// uploads), context-free: what the extension does at request start when the policy's
/// `malicious_payload` protection is on. Returns the verdict; reports nothing.
#[php_function]
#[php(name = "Rampart\\inspect")]
pub fn inspect() -> PhpResult<ZBox<ZendHashTable>> {
    check(|engine, request| engine.inspect(request))
}

/// Forgets the current request's inputs; the checks then see only those added with
/// `request_add_input()` (for scripts, workers and tests).
#[php_function]
#[php(name = "Rampart\\request_reset")]
pub fn request_reset() {
    context::set_manual(|state| {
        state.request.reset();
        state.truncated = false;
    });
}

/// Adds one user input to the current request.
#[php_function]
#[php(name = "Rampart\\request_add_input")]
pub fn request_add_input(source: &str, key: &Zval, value: &Zval) -> PhpResult<()> {
    let source = Source::from_name(source).ok_or_else(|| {
        error(format!("unknown input source `{source}`: expected query, body, path, header, cookie, other or file"))
    })?;
    let key = bytes(key, "key")?;
    let value = bytes(value, "value")?;
    context::with_request(|state| state.request.add_input(source, &key, &value));
    Ok(())
}

/// Adds an uploaded file: its form field, the client's file name, the declared content
/// type and its first bytes (512 are kept), for the upload rules of `inspect()`.
#[php_function]
#[php(name = "Rampart\\request_add_file")]
pub fn request_add_file(field: &Zval, filename: &Zval, content_type: &Zval, head: &Zval) -> PhpResult<()> {
    let field = bytes(field, "field")?;
    let filename = bytes(filename, "filename")?;
    let content_type = bytes(content_type, "content_type")?;
    let head = bytes(head, "head")?;
    context::with_request(|state| state.request.add_file(&field, &filename, &content_type, &head));
    Ok(())
}

/// Sets the request's method (`GET`), which `inspect()` judges and events show.
#[php_function]
#[php(name = "Rampart\\request_set_method")]
pub fn request_set_method(method: &Zval) -> PhpResult<()> {
    let method = bytes(method, "method")?;
    context::with_request(|state| state.request.set_method(&method));
    Ok(())
}

/// Sets the request's path, without the query string (route exclusions and `inspect()`).
#[php_function]
#[php(name = "Rampart\\request_set_path")]
pub fn request_set_path(path: &Zval) -> PhpResult<()> {
    let path = bytes(path, "path")?;
    context::with_request(|state| state.request.set_path(&path));
    Ok(())
}

/// Sets the request's own host (what an open-redirect check compares against).
#[php_function]
#[php(name = "Rampart\\request_set_host")]
pub fn request_set_host(host: &Zval) -> PhpResult<()> {
    let host = bytes(host, "host")?;
    context::with_request(|state| state.request.set_host(&host));
    Ok(())
}

/// The current request's inputs, as `[source, key, value]` triples.
#[php_function]
#[php(name = "Rampart\\request_inputs")]
pub fn request_inputs() -> PhpResult<Vec<Vec<String>>> {
    crate::guard::catching(|| {
        context::with_request(|state| {
            state
                .request
                .inputs()
                .map(|input| {
                    vec![
                        input.source.name().to_owned(),
                        String::from_utf8_lossy(input.key).into_owned(),
                        String::from_utf8_lossy(input.value).into_owned(),
                    ]
                })
                .collect()
        })
    })
    .map_err(|panic| error(format!("internal error: {panic}")))
}

/// The policy's mode: `off`, `report` or `block`.
#[php_function]
#[php(name = "Rampart\\mode")]
pub fn mode() -> PhpResult<String> {
    Ok(format!("{:?}", engine()?.policy().mode).to_lowercase())
}

/// rampart's version.
#[php_function]
#[php(name = "Rampart\\version")]
pub fn version() -> &'static str {
    rampart_core::VERSION
}

/// Panics inside the boundary: proves a Rust panic becomes a `RampartException` and the
/// process goes on.
#[php_function]
#[php(name = "Rampart\\_panic_for_test")]
pub fn panic_for_test() -> PhpResult<()> {
    crate::guard::catching(|| panic!("deliberate panic for the test"))
        .map_err(|panic| error(format!("internal error: {panic}")))
}

/// Registers the classes and functions with the module.
pub fn register(module: ModuleBuilder) -> ModuleBuilder {
    module
        .class::<BlockedException>()
        .class::<RampartException>()
        .function(wrap_function!(check_sql))
        .function(wrap_function!(check_shell))
        .function(wrap_function!(check_exec))
        .function(wrap_function!(check_path))
        .function(wrap_function!(check_url))
        .function(wrap_function!(check_resolved_ip))
        .function(wrap_function!(check_nosql))
        .function(wrap_function!(check_redirect))
        .function(wrap_function!(check_header))
        .function(wrap_function!(inspect))
        .function(wrap_function!(request_reset))
        .function(wrap_function!(request_add_input))
        .function(wrap_function!(request_set_host))
        .function(wrap_function!(request_set_method))
        .function(wrap_function!(request_set_path))
        .function(wrap_function!(request_add_file))
        .function(wrap_function!(request_inputs))
        .function(wrap_function!(mode))
        .function(wrap_function!(version))
        .function(wrap_function!(panic_for_test))
}
