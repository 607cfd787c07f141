//! `rampart.sinks.sql` in native code: the step every SQL hook (sqlite3, psycopg,
//! psycopg2, PyMySQL, mysqlclient) takes on every query, from the hook to the engine's
//! check, without a Python frame. A finding and a failure go back to Python (the event,
//! the stack, AttackBlocked), as do the request's inputs when they are first read.

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyString};

use crate::context::RequestContext;
use crate::engine::PyEngine;
use crate::error::guard_result;
use crate::verdict::PyVerdict;

/// The Python side, set once by `rampart.sinks` at import.
#[derive(Debug)]
struct Glue {
    /// The context variable's bound `get`: the current request's context or None.
    current: Py<PyAny>,
    /// `(context, kind, operation, resource, verdict)`: the event; raises AttackBlocked.
    finding: Py<PyAny>,
    /// `(context, kind, operation, error)`: the error event of a failed check.
    failed: Py<PyAny>,
}

static GLUE: PyOnceLock<Glue> = PyOnceLock::new();

#[pyfunction]
pub fn _sinks_glue(py: Python<'_>, current: Py<PyAny>, finding: Py<PyAny>, failed: Py<PyAny>) {
    // A second import (a reloaded module) keeps the first glue: the same functions.
    let _ = GLUE.set(py, Glue { current, finding, failed });
}

fn glue(py: Python<'_>) -> PyResult<&Glue> {
    GLUE.get(py).ok_or_else(|| crate::error::InternalError::new_err("rampart.sinks was not imported"))
}

fn is_attack(verdict: &Bound<'_, PyAny>) -> PyResult<bool> {
    match verdict.cast::<PyVerdict>() {
        Ok(native) => Ok(native.get().inner.is_attack()),
        Err(_) => verdict.getattr(intern!(verdict.py(), "is_attack"))?.is_truthy(),
    }
}

/// Checks a SQL query (str or bytes) about to run, against the current request's
/// inputs; raises AttackBlocked to stop it. Outside a request it costs one context
/// variable lookup.
#[pyfunction]
pub fn _sql(
    py: Python<'_>,
    operation: &Bound<'_, PyAny>,
    dialect: &Bound<'_, PyAny>,
    query: &Bound<'_, PyAny>,
) -> PyResult<()> {
    guard_result(|| {
        let glue = glue(py)?;
        let context = glue.current.bind(py).call0()?;
        if context.is_none() || !(query.is_instance_of::<PyString>() || query.is_instance_of::<PyBytes>()) {
            return Ok(());
        }
        let checked = (|| {
            let native = context.cast::<RequestContext>()?;
            // The inputs are collected on first use.
            let request = RequestContext::request_of(native)?;
            let engine = native.borrow().engine(py);
            match engine.cast::<PyEngine>() {
                Ok(engine) => Ok(engine
                    .borrow()
                    .check_sql(py, request.bind(py).borrow(), dialect, query)?
                    .into_bound(py)
                    .into_any()),
                Err(_) => engine.call_method1(intern!(py, "check_sql"), (request, dialect, query)),
            }
        })();
        let sql = intern!(py, "sql");
        match checked {
            Ok(verdict) => {
                if is_attack(&verdict)? {
                    glue.finding.bind(py).call1((&context, sql, operation, query, verdict))?;
                }
                Ok(())
            }
            // Fail open (or closed, as the policy says), with an event.
            Err(error) if error.is_instance_of::<pyo3::exceptions::PyException>(py) => {
                glue.failed.bind(py).call1((&context, sql, operation, error.value(py)))?;
                Ok(())
            }
            Err(error) => Err(error),
        }
    })
}

/// Payload inspection of the request itself (`Engine.inspect`), as it arrives and
/// before the application runs: the middlewares call it when the policy's
/// `malicious_payload` protection is not off. It reads the request's inputs, which the
/// sinks then share. A finding is an event (sink kind `request`; the event quotes the
/// offending value); a block raises AttackBlocked and the middleware answers with the
/// block response.
#[pyfunction]
pub fn _request_payload(context: &Bound<'_, RequestContext>) -> PyResult<()> {
    guard_result(|| request_payload(context))
}

/// [`_request_payload`] without its own panic guard, for callers inside one.
pub fn request_payload(context: &Bound<'_, RequestContext>) -> PyResult<()> {
    let py = context.py();
    let glue = glue(py)?;
    let inspected = (|| {
        let request = RequestContext::request_of(context)?;
        let engine = context.borrow().engine(py);
        let verdict = match engine.cast::<PyEngine>() {
            Ok(engine) => engine.borrow().inspect(py, request.bind(py).borrow())?.into_bound(py).into_any(),
            Err(_) => engine.call_method1(intern!(py, "inspect"), (&request,))?,
        };
        Ok::<_, PyErr>((request, verdict))
    })();
    let kind = intern!(py, "request");
    match inspected {
        Ok((request, verdict)) => {
            if is_attack(&verdict)? {
                glue.finding.bind(py).call1((context, kind, kind, PyBytes::new(py, b""), verdict, request))?;
            }
            Ok(())
        }
        // Fail open (or closed, as the policy says), with an event.
        Err(error) if error.is_instance_of::<pyo3::exceptions::PyException>(py) => {
            glue.failed.bind(py).call1((context, kind, kind, error.value(py)))?;
            Ok(())
        }
        Err(error) => Err(error),
    }
}
