//! `rampart.sinks.sql` in native code: the step every SQL hook (sqlite3, psycopg,
//! psycopg2, PyMySQL, mysqlclient) takes on every query, from the hook to the engine's
//! check, without a Python frame. A finding and a failure go back to Python (the event,
//! the stack, AttackBlocked), as do the request's inputs when they are first read.

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyString};

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
        let glue =
            GLUE.get(py).ok_or_else(|| crate::error::InternalError::new_err("rampart.sinks was not imported"))?;
        let context = glue.current.bind(py).call0()?;
        if context.is_none() || !(query.is_instance_of::<PyString>() || query.is_instance_of::<PyBytes>()) {
            return Ok(());
        }
        let checked = (|| {
            // `context.request` collects the inputs on first use; after that, the slot.
            let request = if context.getattr(intern!(py, "_pending"))?.is_truthy()? {
                context.getattr(intern!(py, "request"))?
            } else {
                context.getattr(intern!(py, "_request"))?
            };
            let engine = context.getattr(intern!(py, "engine"))?;
            engine.call_method1(intern!(py, "check_sql"), (request, dialect, query))
        })();
        let sql = intern!(py, "sql");
        match checked {
            Ok(verdict) => {
                let is_attack = match verdict.cast::<PyVerdict>() {
                    Ok(native) => native.get().inner.is_attack(),
                    Err(_) => verdict.getattr(intern!(py, "is_attack"))?.is_truthy()?,
                };
                if is_attack {
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
