//! `rampart._rampart`: the Python extension module of rampart.
//!
//! A thin layer over rampart-core, one file per core module: [`engine`] (Engine, the
//! checks and the event formatting), [`request`] (Request), [`verdict`] (Verdict),
//! [`dialect`] (Dialect), [`error`] (one exception class per core error kind), and the
//! per-request pieces of the agent that every request pays, done in Rust: [`context`]
//! (the request's context and the collection of its inputs, Flask's routing read),
//! [`collect`] (the WSGI environ and ASGI scope), [`wsgi`] (the WSGI middleware's
//! exchange), [`sinks`] (the SQL hooks' way to the check, the payload inspection), [`sqlite`]
//! (sqlite3's hooked connect and methods) and [`hooks`] (the response header screen). Everything above them (hooks, the rest of
//! the middleware, events) is Python, in `python/rampart/`.
//!
//! Every entry point runs inside [`error::guard`]: a panic becomes
//! `rampart.InternalError` (an `Exception`), never pyo3's `PanicException` (a
//! `BaseException` that would slip past the application's `except Exception`).

use pyo3::prelude::*;

mod collect;
mod context;
mod dialect;
mod engine;
mod error;
mod hooks;
mod request;
mod sinks;
mod sqlite;
mod text;
mod verdict;
mod wsgi;

/// A fresh, unpredictable event id (32 hex digits).
#[pyfunction]
fn new_event_id() -> PyResult<String> {
    error::guard(rampart_core::event::new_event_id)
}

/// Panics inside the guard. The test suite calls it to prove that a panic reaches
/// Python as `rampart.InternalError`.
#[pyfunction]
fn _panic_for_test() -> PyResult<()> {
    error::guard(|| panic!("deliberate panic for the test suite"))
}

#[pymodule]
fn _rampart(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", rampart_core::VERSION)?;
    m.add("MAX_EVENT_VALUE_BYTES", rampart_core::event::MAX_VALUE_BYTES)?;
    m.add_class::<engine::PyEngine>()?;
    m.add_class::<request::PyRequest>()?;
    m.add_class::<verdict::PyVerdict>()?;
    m.add_class::<dialect::PyDialect>()?;
    m.add_function(wrap_pyfunction!(new_event_id, m)?)?;
    m.add_function(wrap_pyfunction!(hooks::_headers_need_check, m)?)?;
    m.add_class::<hooks::NewlineGuard>()?;
    m.add_function(wrap_pyfunction!(wsgi::_wsgi_glue, m)?)?;
    m.add_function(wrap_pyfunction!(wsgi::_serve_wsgi, m)?)?;
    m.add_class::<wsgi::WsgiExchange>()?;
    m.add_function(wrap_pyfunction!(sinks::_sinks_glue, m)?)?;
    m.add_function(wrap_pyfunction!(sinks::_sql, m)?)?;
    m.add_function(wrap_pyfunction!(sinks::_request_payload, m)?)?;
    m.add_function(wrap_pyfunction!(sqlite::_sqlite_native, m)?)?;
    m.add_class::<sqlite::SqliteConnect>()?;
    m.add_class::<context::RequestContext>()?;
    m.add_class::<context::FlaskRouting>()?;
    m.add_function(wrap_pyfunction!(context::_context_glue, m)?)?;
    m.add_function(wrap_pyfunction!(_panic_for_test, m)?)?;
    error::register(m)?;
    Ok(())
}
