//! The hooked sinks: which internal functions rampart replaces, and what each one checks.
//!
//! At the first request [`install_once`] finds each function of [`HOOKS`] in PHP's
//! function (or class) table and swaps its handler for `handler::<I>`, keeping the
//! original in `ORIGINALS[I]`. A replaced handler reads the argument that carries the
//! resource, asks the engine, reports, and either calls the original or throws
//! `Rampart\BlockedException`. A function whose extension is not loaded is skipped.
//!
//! Because the handler lives in the function's entry, every way of calling it is covered:
//! direct calls, `call_user_func`, callbacks, subclasses of `PDO`, and the backtick
//! operator (which compiles to a `shell_exec` call).
#![allow(unsafe_code)]

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::OnceLock;

use ext_php_rs::class::RegisteredClass;
use ext_php_rs::exception::PhpException;
use ext_php_rs::ffi::{zend_execute_data, zval};
use rampart_core::{Action, Dialect, Engine, EventContext, Request, Verdict};

use crate::api::BlockedException;
use crate::context;
use crate::events;
use crate::guard;
use crate::zend::{self, Call, Handler};

/// Which argument holds the resource, and which check it gets.
#[derive(Clone, Copy, Debug)]
enum Sink {
    /// A SQL query in argument `arg`.
    Sql(Dialect, usize),
    /// PostgreSQL functions whose connection argument is optional: the query is argument
    /// `at` when `full` arguments are passed, one earlier otherwise.
    PgSql { full: usize, at: usize },
    /// A PDO method: the dialect comes from the handle's driver.
    Pdo(usize),
    /// A command run by `sh -c`.
    Shell(usize),
    /// `proc_open`: a string runs through the shell, an array is an argv.
    ProcOpen,
    /// File system paths in these arguments (a URL with a scheme is checked as a URL).
    Files(&'static [usize]),
    /// A URL to fetch.
    Url(usize),
    /// `curl_setopt($ch, CURLOPT_URL, $url)`.
    CurlSetopt,
    /// `curl_setopt_array($ch, [CURLOPT_URL => $url, ...])`.
    CurlSetoptArray,
    /// `curl_exec($ch)`: the URL the handle will fetch.
    CurlExec,
    /// `header("Name: value")`: CR/LF injection, and `Location` redirects.
    Header,
}

#[derive(Debug)]
struct Hook {
    /// `function` or `Class::method`, as events name it.
    operation: &'static str,
    sink: Sink,
}

const fn hook(operation: &'static str, sink: Sink) -> Hook {
    Hook { operation, sink }
}

const CURLOPT_URL: i64 = 10002;
const CURLINFO_EFFECTIVE_URL: i64 = 0x10_0001;
const PDO_ATTR_DRIVER_NAME: i64 = 16;
const MAX_STACK_FRAMES: usize = 16;

static HOOKS: [Hook; 46] = [
    hook("mysqli_query", Sink::Sql(Dialect::MySql, 1)),
    hook("mysqli_real_query", Sink::Sql(Dialect::MySql, 1)),
    hook("mysqli_multi_query", Sink::Sql(Dialect::MySql, 1)),
    hook("mysqli_prepare", Sink::Sql(Dialect::MySql, 1)),
    hook("mysqli_execute_query", Sink::Sql(Dialect::MySql, 1)),
    hook("mysqli_stmt_prepare", Sink::Sql(Dialect::MySql, 1)),
    hook("mysqli::query", Sink::Sql(Dialect::MySql, 0)),
    hook("mysqli::real_query", Sink::Sql(Dialect::MySql, 0)),
    hook("mysqli::multi_query", Sink::Sql(Dialect::MySql, 0)),
    hook("mysqli::prepare", Sink::Sql(Dialect::MySql, 0)),
    hook("mysqli::execute_query", Sink::Sql(Dialect::MySql, 0)),
    hook("mysqli_stmt::prepare", Sink::Sql(Dialect::MySql, 0)),
    hook("PDO::query", Sink::Pdo(0)),
    hook("PDO::exec", Sink::Pdo(0)),
    hook("PDO::prepare", Sink::Pdo(0)),
    hook("SQLite3::query", Sink::Sql(Dialect::Sqlite, 0)),
    hook("SQLite3::exec", Sink::Sql(Dialect::Sqlite, 0)),
    hook("SQLite3::prepare", Sink::Sql(Dialect::Sqlite, 0)),
    hook("SQLite3::querySingle", Sink::Sql(Dialect::Sqlite, 0)),
    hook("pg_query", Sink::PgSql { full: 2, at: 1 }),
    hook("pg_query_params", Sink::PgSql { full: 3, at: 1 }),
    hook("pg_prepare", Sink::PgSql { full: 3, at: 2 }),
    hook("pg_send_query", Sink::Sql(Dialect::PostgreSql, 1)),
    hook("pg_send_query_params", Sink::Sql(Dialect::PostgreSql, 1)),
    hook("shell_exec", Sink::Shell(0)),
    hook("exec", Sink::Shell(0)),
    hook("system", Sink::Shell(0)),
    hook("passthru", Sink::Shell(0)),
    hook("popen", Sink::Shell(0)),
    hook("proc_open", Sink::ProcOpen),
    hook("fopen", Sink::Files(&[0])),
    hook("file_get_contents", Sink::Files(&[0])),
    hook("file_put_contents", Sink::Files(&[0])),
    hook("readfile", Sink::Files(&[0])),
    hook("file", Sink::Files(&[0])),
    hook("unlink", Sink::Files(&[0])),
    hook("rename", Sink::Files(&[0, 1])),
    hook("copy", Sink::Files(&[0, 1])),
    hook("opendir", Sink::Files(&[0])),
    hook("scandir", Sink::Files(&[0])),
    hook("move_uploaded_file", Sink::Files(&[1])),
    hook("curl_init", Sink::Url(0)),
    hook("curl_setopt", Sink::CurlSetopt),
    hook("curl_setopt_array", Sink::CurlSetoptArray),
    hook("curl_exec", Sink::CurlExec),
    hook("header", Sink::Header),
];

macro_rules! handlers {
    ($($i:literal)*) => { [$(handler::<$i> as Handler),*] };
}

/// One distinct handler per hook, so that each knows its hook and original without a
/// lookup. (A new hook needs its index here: the array's type fails to compile until then.)
static HANDLERS: [Handler; HOOKS.len()] = handlers!(
    0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22
    23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45
);
static ORIGINALS: [OnceLock<Handler>; HOOKS.len()] = [const { OnceLock::new() }; HOOKS.len()];
static INSTALLED: AtomicBool = AtomicBool::new(false);
static INSTALLED_COUNT: AtomicUsize = AtomicUsize::new(0);

/// Replaces the handlers, once per process.
pub fn install_once() {
    if INSTALLED.swap(true, Ordering::AcqRel) || crate::runtime::engine().is_err() {
        return;
    }
    let mut count = 0;
    for (index, hook) in HOOKS.iter().enumerate() {
        let (class, name) = match hook.operation.split_once("::") {
            Some((class, name)) => (Some(class), name),
            None => (None, hook.operation),
        };
        let func = zend::find_function(class, name);
        // SAFETY: `func` is null or an entry of PHP's function tables (find_function).
        if let Some(original) = unsafe { zend::swap_handler(func, HANDLERS[index]) } {
            let _ = ORIGINALS[index].set(original);
            count += 1;
        }
    }
    INSTALLED_COUNT.store(count, Ordering::Release);
    crate::include::install();
}

/// How many functions are hooked (for `phpinfo()`).
pub fn installed_count() -> usize {
    INSTALLED_COUNT.load(Ordering::Acquire)
}

/// What a hook decided.
#[derive(Debug)]
pub enum Decision {
    /// Call the original function.
    Proceed,
    /// Throw instead: the exception's message.
    Block(String),
}

unsafe extern "C" fn handler<const I: usize>(ex: *mut zend_execute_data, return_value: *mut zval) {
    let Some(original) = ORIGINALS[I].get().copied() else { return };
    if !guard::busy() {
        // SAFETY: PHP passes the live frame of this call.
        let call = unsafe { Call::new(ex) };
        let hook = &HOOKS[I];
        match guard::catching(|| inspect(hook, &call)) {
            Ok(Decision::Proceed) => {}
            Ok(Decision::Block(message)) => {
                throw_blocked(message);
                return;
            }
            Err(panic) => {
                events::internal_error(sink_kind(hook.sink), hook.operation, &panic);
                // The policy may prefer a refused call to an unchecked one.
                if crate::runtime::engine().is_ok_and(|e| e.policy().fail_closed) {
                    throw_blocked(format!("rampart failed closed at {}", hook.operation));
                    return;
                }
            }
        }
    }
    // SAFETY: the original handler, called with the arguments PHP gave us.
    unsafe { original(ex, return_value) }
}

/// Throws `Rampart\BlockedException` (its code is the policy's block status).
pub fn throw_blocked(message: String) {
    let status = crate::runtime::engine().map_or(403, |e| e.policy().block_response.status);
    let ce = BlockedException::get_metadata().ce();
    PhpException::new(message, i32::from(status), ce).throw();
}

fn sink_kind(sink: Sink) -> &'static str {
    match sink {
        Sink::Sql(..) | Sink::PgSql { .. } | Sink::Pdo(_) => "sql",
        Sink::Shell(_) | Sink::ProcOpen => "shell",
        Sink::Files(_) => "path",
        Sink::Url(_) | Sink::CurlSetopt | Sink::CurlSetoptArray | Sink::CurlExec => "url",
        Sink::Header => "header",
    }
}

fn inspect(hook: &Hook, call: &Call) -> Decision {
    match hook.sink {
        Sink::Sql(dialect, arg) => sql(hook, call, dialect, arg),
        Sink::PgSql { full, at } => {
            let arg = if call.len() >= full { at } else { at - 1 };
            sql(hook, call, Dialect::PostgreSql, arg)
        }
        Sink::Pdo(arg) => {
            if call.string(arg).is_none() || request_is_empty() {
                return Decision::Proceed;
            }
            sql(hook, call, pdo_dialect(call), arg)
        }
        Sink::Shell(arg) => match call.string(arg) {
            Some(command) => judge_call(hook, call, "shell", command, |e, r| e.check_shell(r, command)),
            None => Decision::Proceed,
        },
        Sink::ProcOpen => {
            if let Some(command) = call.string(0) {
                return judge_call(hook, call, "shell", command, |e, r| e.check_shell(r, command));
            }
            let Some(argv) = call.array(0) else { return Decision::Proceed };
            let args: Vec<&[u8]> = argv.iter().filter_map(|(_, v)| v.zend_str().map(|s| s.as_bytes())).collect();
            let shown = args.join(&b' ');
            judge_call(hook, call, "exec", &shown, |e, r| e.check_exec(r, &args))
        }
        Sink::Files(args) => {
            for &arg in args {
                if let Some(path) = call.string(arg) {
                    let decision = if is_remote_url(path) {
                        judge_call(hook, call, "url", path, |e, r| e.check_url(r, path))
                    } else {
                        judge_call(hook, call, "path", path, |e, r| e.check_path(r, path))
                    };
                    if let Decision::Block(_) = decision {
                        return decision;
                    }
                }
            }
            Decision::Proceed
        }
        Sink::Url(arg) => match call.string(arg) {
            Some(url) => judge_call(hook, call, "url", url, |e, r| e.check_url(r, url)),
            None => Decision::Proceed,
        },
        Sink::CurlSetopt => match (call.long(1), call.string(2)) {
            (Some(CURLOPT_URL), Some(url)) => judge_call(hook, call, "url", url, |e, r| e.check_url(r, url)),
            _ => Decision::Proceed,
        },
        Sink::CurlSetoptArray => {
            let Some(options) = call.array(1) else { return Decision::Proceed };
            let url = options.get_index(CURLOPT_URL).and_then(|v| v.zend_str()).map(|s| s.as_bytes());
            match url {
                Some(url) => judge_call(hook, call, "url", url, |e, r| e.check_url(r, url)),
                None => Decision::Proceed,
            }
        }
        Sink::CurlExec => {
            if request_is_empty() {
                return Decision::Proceed;
            }
            let Some(handle) = call.arg_zval(0) else { return Decision::Proceed };
            let url = zend::call_function("curl_getinfo", &[handle, &CURLINFO_EFFECTIVE_URL])
                .and_then(|v| v.zend_str().map(|s| s.as_bytes().to_vec()));
            match url {
                Some(url) if !context::with_request(|state| state.reported_url == url) => {
                    judge_call(hook, call, "url", &url, |e, r| e.check_url(r, &url))
                }
                _ => Decision::Proceed,
            }
        }
        Sink::Header => {
            let Some(line) = call.string(0) else { return Decision::Proceed };
            let Some(colon) = line.iter().position(|&b| b == b':') else { return Decision::Proceed };
            let name = &line[..colon];
            let value = line[colon + 1..].trim_ascii_start();
            let decision = judge_call(hook, call, "header", line, |e, r| e.check_header(r, name, value));
            if matches!(decision, Decision::Block(_)) || !name.trim_ascii().eq_ignore_ascii_case(b"location") {
                return decision;
            }
            judge_call(hook, call, "redirect", value, |e, r| e.check_redirect(r, value))
        }
    }
}

fn sql(hook: &Hook, call: &Call, dialect: Dialect, arg: usize) -> Decision {
    match call.string(arg) {
        Some(query) => judge_call(hook, call, "sql", query, |e, r| e.check_sql(r, dialect, query)),
        None => Decision::Proceed,
    }
}

/// `http://`, `https://`, `ftp://`, `ftps://`: what PHP's URL wrappers fetch over the network.
fn is_remote_url(path: &[u8]) -> bool {
    let Some(end) = path.windows(3).position(|w| w == b"://") else { return false };
    matches!(path[..end].to_ascii_lowercase().as_slice(), b"http" | b"https" | b"ftp" | b"ftps")
}

fn request_is_empty() -> bool {
    context::with_request(|state| state.request.is_empty())
}

/// The PDO handle's driver (`getAttribute(PDO::ATTR_DRIVER_NAME)`) as a dialect.
fn pdo_dialect(call: &Call) -> Dialect {
    let driver = call.this().and_then(|this| {
        guard::as_rampart(|| {
            let name = this.try_call_method("getAttribute", vec![&PDO_ATTR_DRIVER_NAME]).ok();
            let _ = ext_php_rs::zend::ExecutorGlobals::take_exception();
            name.and_then(|v| v.string())
        })
    });
    match driver.as_deref() {
        Some("mysql") => Dialect::MySql,
        Some("pgsql") => Dialect::PostgreSql,
        Some("sqlite" | "sqlite2") => Dialect::Sqlite,
        Some("sqlsrv" | "dblib" | "mssql") => Dialect::MsSql,
        Some("oci") => Dialect::Oracle,
        _ => Dialect::Generic,
    }
}

fn judge_call(
    hook: &Hook,
    call: &Call,
    sink_kind: &str,
    resource: &[u8],
    check: impl FnOnce(&Engine, &Request) -> Verdict,
) -> Decision {
    match judge(hook.operation, || call.stack(MAX_STACK_FRAMES), sink_kind, resource, check) {
        Some(message) => Decision::Block(message),
        None => Decision::Proceed,
    }
}

/// `include`/`require` of `path`: the block message, if the policy blocks it.
pub fn judge_include(path: &[u8]) -> Option<String> {
    let stack = || zend::stack_from(zend::current_frame(), MAX_STACK_FRAMES);
    judge("include", stack, "path", path, |e, r| e.check_path(r, path))
}

/// Runs one check against the current request; reports a finding; returns the block
/// message when the policy blocks it.
fn judge(
    operation: &str,
    stack: impl FnOnce() -> Vec<String>,
    sink_kind: &str,
    resource: &[u8],
    check: impl FnOnce(&Engine, &Request) -> Verdict,
) -> Option<String> {
    let engine = crate::runtime::engine().ok()?;
    context::with_request(|state| {
        if state.request.is_empty() {
            return None;
        }
        let verdict = check(engine, &state.request);
        if !verdict.is_attack() || verdict.action == Action::Allow {
            return None;
        }
        let event_id = rampart_core::event::new_event_id();
        let event = EventContext {
            operation: operation.to_owned(),
            event_id: event_id.clone(),
            client_ip: state.client_ip.clone(),
            user_agent: state.user_agent.clone(),
            request_id: state.request_id.clone(),
            stack: stack(),
        };
        if let Some(line) = engine.event_json(&state.request, &verdict, sink_kind, resource, &event) {
            events::emit(&line);
        }
        if sink_kind == "url" {
            state.reported_url.clear();
            state.reported_url.extend_from_slice(resource);
        }
        if verdict.action != Action::Block {
            return None;
        }
        state.blocked_event = Some(event_id.clone());
        let threat = verdict.threat.map_or("attack", |t| t.name());
        Some(format!("rampart blocked {threat} at {operation} (event {event_id})"))
    })
}
