//! The WSGI middleware's per-request exchange, in native code.
//!
//! The server calls into the exchange several times per request: the application's
//! `start_response`, `iter()` of the response, `close()`. Written in Python these were
//! Python frames the server entered on every request (most of the middleware's cost on
//! a small app); here each is one C call, and so are entering the middleware and the
//! context variable set and reset. What remains in Python runs only when needed: reading
//! a body rampart parses, the payload inspection the policy asks for, the checks of a
//! response header that needs one, and the block response.
//!
//! Semantics are PEP 3333's: `start_response` is held until the application returned
//! (so a blocked request's response can still be replaced), and forwarded at once when
//! called again after that; its `write` callable sends the held headers first; `exc_info`
//! is passed through; the response iterable's `close()` is always forwarded; lists,
//! tuples and the server's file wrappers go back to the server untouched.

use pyo3::gc::PyVisit;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyTuple, PyType};
use pyo3::PyTraverseError;

use crate::context::RequestContext;
use crate::error::guard_result;
use crate::hooks::headers_need_check;

/// Key of the request's context in the environ; also marks a request an outer rampart
/// middleware already handles.
const CONTEXT_KEY: &str = "rampart.context";

/// The Python side the exchange calls back into, set once by `rampart.middleware.wsgi`.
#[derive(Debug)]
struct Glue {
    /// `rampart._agent`: `_engine` and `_inspect_requests` are read per request, since
    /// `protect()` and `unprotect()` change them.
    agent: Py<PyAny>,
    /// The bound `set` and `reset` of the context variable the hooks read.
    set_current: Py<PyAny>,
    reset_current: Py<PyAny>,
    /// `(environ) -> body | None`: reads a body rampart parses and puts it back.
    read_body: Py<PyAny>,
    /// `(context, start_response, forwarded, error) -> iterable`: the block response.
    answer_blocked: Py<PyAny>,
    /// `(context, headers)`: the redirect and header-injection checks.
    check_headers: Py<PyAny>,
    /// `(engine, error)`: the error event of a request served unprotected.
    middleware_failed: Py<PyAny>,
    attack_blocked: Py<PyAny>,
}

static GLUE: PyOnceLock<Glue> = PyOnceLock::new();

/// Called once by `rampart.middleware.wsgi` at import: what the exchange calls back.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn _wsgi_glue(
    py: Python<'_>,
    agent: Py<PyAny>,
    set_current: Py<PyAny>,
    reset_current: Py<PyAny>,
    read_body: Py<PyAny>,
    answer_blocked: Py<PyAny>,
    check_headers: Py<PyAny>,
    middleware_failed: Py<PyAny>,
    attack_blocked: Py<PyAny>,
) {
    // A second import (a reloaded module) keeps the first glue: the same functions.
    let _ = GLUE.set(
        py,
        Glue {
            agent,
            set_current,
            reset_current,
            read_body,
            answer_blocked,
            check_headers,
            middleware_failed,
            attack_blocked,
        },
    );
}

fn glue(py: Python<'_>) -> PyResult<&Glue> {
    GLUE.get(py).ok_or_else(|| crate::error::InternalError::new_err("rampart.middleware.wsgi was not imported"))
}

/// `environ.get(key)` for a dict (what PEP 3333 requires) or any mapping.
fn environ_get<'py>(
    environ: &Bound<'py, PyAny>,
    key: &Bound<'py, pyo3::types::PyString>,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    if let Ok(dict) = environ.cast::<PyDict>() {
        return dict.get_item(key);
    }
    let value = environ.call_method1(intern!(environ.py(), "get"), (key,))?;
    Ok(if value.is_none() { None } else { Some(value) })
}

/// A context for the request, its inputs read from `environ` when first needed; a body
/// rampart parses is read now (the app consumes the stream) and put back.
fn new_context<'py>(
    py: Python<'py>,
    glue: &Glue,
    engine: &Bound<'py, PyAny>,
    environ: &Bound<'py, PyAny>,
    routing: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, RequestContext>> {
    let mut context = RequestContext::for_environ(
        py,
        engine.clone().unbind(),
        environ.clone().unbind(),
        routing.map(|r| r.clone().unbind()),
    );
    if environ_get(environ, intern!(py, "CONTENT_TYPE"))?.is_some_and(|t| t.is_truthy().unwrap_or(false)) {
        context.set_body(glue.read_body.bind(py).call1((environ,))?.unbind());
    }
    Bound::new(py, context)
}

fn is_blocked(context: &Bound<'_, RequestContext>) -> PyResult<bool> {
    Ok(context.borrow().is_blocked(context.py()))
}

/// Runs `app` for one request under rampart's protection (the body of
/// `rampart.middleware.serve_wsgi`). `routing`: how the framework tells the route, when
/// it can (see `rampart.context.Routing`).
#[pyfunction]
#[pyo3(signature = (app, environ, start_response, routing=None))]
pub fn _serve_wsgi<'py>(
    py: Python<'py>,
    app: &Bound<'py, PyAny>,
    environ: &Bound<'py, PyAny>,
    start_response: &Bound<'py, PyAny>,
    routing: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    guard_result(|| {
        let glue = glue(py)?;
        let engine = glue.agent.bind(py).getattr(intern!(py, "_engine"))?;
        if engine.is_none() || environ.contains(intern!(py, CONTEXT_KEY))? {
            return app.call1((environ, start_response));
        }
        let context = match new_context(py, glue, &engine, environ, routing) {
            Ok(context) => context,
            Err(error) if error.is_instance_of::<pyo3::exceptions::PyException>(py) => {
                // Fail open: the request is served unprotected, an error event says so.
                glue.middleware_failed.bind(py).call1((&engine, error.value(py)))?;
                return app.call1((environ, start_response));
            }
            Err(error) => return Err(error),
        };
        if glue.agent.bind(py).getattr(intern!(py, "_inspect_requests"))?.is_truthy()? {
            if let Err(error) = crate::sinks::request_payload(&context) {
                if error.is_instance(py, glue.attack_blocked.bind(py)) {
                    return glue.answer_blocked.bind(py).call1((&context, start_response, false, py.None()));
                }
                return Err(error);
            }
        }
        environ.set_item(intern!(py, CONTEXT_KEY), &context)?;
        let token = glue.set_current.bind(py).call1((&context,))?;
        let exchange = Bound::new(
            py,
            WsgiExchange {
                context: context.clone().into_any().unbind(),
                start_response: start_response.clone().unbind(),
                token: Some(token.unbind()),
                environ: Some(environ.clone().unbind()),
                held: None,
                forwarded: false,
                write: None,
                result: None,
            },
        )?;
        let result = match app.call1((environ, &exchange)) {
            Ok(result) => result,
            Err(error) => {
                WsgiExchange::reset(&exchange)?;
                if is_blocked(&context)? {
                    let forwarded = exchange.borrow().forwarded;
                    return glue.answer_blocked.bind(py).call1((&context, start_response, forwarded, error.value(py)));
                }
                return Err(error);
            }
        };
        if is_blocked(&context)? {
            exchange.borrow_mut().result = Some(result.unbind());
            WsgiExchange::close(&exchange)?;
            let forwarded = exchange.borrow().forwarded;
            return glue.answer_blocked.bind(py).call1((&context, start_response, forwarded, py.None()));
        }
        WsgiExchange::forward(&exchange)?;
        if result.is_instance_of::<PyList>() || result.is_instance_of::<PyTuple>() {
            WsgiExchange::reset(&exchange)?;
            return Ok(result);
        }
        if let Some(wrapper) = environ_get(environ, intern!(py, "wsgi.file_wrapper"))? {
            if let Ok(wrapper) = wrapper.cast::<PyType>() {
                if result.is_instance(wrapper)? {
                    WsgiExchange::reset(&exchange)?;
                    return Ok(result);
                }
            }
        }
        exchange.borrow_mut().result = Some(result.unbind());
        Ok(exchange.into_any())
    })
}

/// One request's way through the application: the `start_response` the application
/// calls, and the response iterable the server reads and closes. It keeps the request's
/// context current while the body is produced (templates and generators may query
/// lazily) and resets it at `close()`.
#[pyclass(module = "rampart._rampart", name = "_WsgiExchange")]
#[derive(Debug)]
pub struct WsgiExchange {
    context: Py<PyAny>,
    start_response: Py<PyAny>,
    /// The context variable's token, until the context is reset.
    token: Option<Py<PyAny>>,
    /// The request's environ, which holds the context until it is reset.
    environ: Option<Py<PyAny>>,
    /// `(status, headers, exc_info)` of the application's `start_response`, held until
    /// the application has returned.
    held: Option<Py<PyTuple>>,
    forwarded: bool,
    /// The server's `write` callable, once the headers went out.
    write: Option<Py<PyAny>>,
    result: Option<Py<PyAny>>,
}

impl WsgiExchange {
    /// Sends the held `start_response` to the server (once).
    fn forward(slf: &Bound<'_, WsgiExchange>) -> PyResult<()> {
        let held = {
            let mut this = slf.borrow_mut();
            if this.forwarded {
                return Ok(());
            }
            this.forwarded = true;
            this.held.take()
        };
        if let Some(held) = held {
            let py = slf.py();
            let start_response = slf.borrow().start_response.clone_ref(py);
            let write = start_response.bind(py).call1(held.bind(py))?;
            slf.borrow_mut().write = Some(write.unbind());
        }
        Ok(())
    }

    /// Resets the request's context (once), and takes it out of the environ: the two
    /// refer to each other, and a cycle would leave every request's environ and context
    /// to the garbage collector instead of freeing them when the server drops them.
    fn reset(slf: &Bound<'_, WsgiExchange>) -> PyResult<()> {
        let py = slf.py();
        let (token, environ) = {
            let mut this = slf.borrow_mut();
            (this.token.take(), this.environ.take())
        };
        if let Some(environ) = environ {
            if let Ok(environ) = environ.bind(py).cast::<PyDict>() {
                let key = intern!(py, CONTEXT_KEY);
                if environ.get_item(key)?.is_some_and(|held| held.is(slf.borrow().context.bind(py))) {
                    environ.del_item(key)?;
                }
            }
        }
        match token {
            Some(token) => reset_token(py, token),
            None => Ok(()),
        }
    }
}

/// Resets the context variable to what it was before the request. A server that closes
/// the response from another context than the one that set it: that context is cleared
/// instead.
fn reset_token(py: Python<'_>, token: Py<PyAny>) -> PyResult<()> {
    let glue = glue(py)?;
    if let Err(error) = glue.reset_current.bind(py).call1((token,)) {
        if !error.is_instance_of::<pyo3::exceptions::PyValueError>(py) {
            return Err(error);
        }
        glue.set_current.bind(py).call1((py.None(),))?;
    }
    Ok(())
}

#[pymethods]
impl WsgiExchange {
    /// The application's `start_response(status, headers, exc_info=None)`.
    #[pyo3(signature = (status, headers, exc_info=None))]
    fn __call__<'py>(
        slf: &Bound<'py, Self>,
        status: &Bound<'py, PyAny>,
        headers: &Bound<'py, PyAny>,
        exc_info: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        guard_result(|| {
            if headers_need_check(headers)? {
                let context = slf.borrow().context.clone_ref(py);
                glue(py)?.check_headers.bind(py).call1((context, headers))?;
            }
            let exc_info = exc_info.cloned().unwrap_or_else(|| py.None().into_bound(py));
            let args = PyTuple::new(py, [status, headers, &exc_info])?;
            let forwarded_to = {
                let mut this = slf.borrow_mut();
                if this.forwarded {
                    Some(this.start_response.clone_ref(py))
                } else {
                    this.held = Some(args.clone().unbind());
                    None
                }
            };
            match forwarded_to {
                Some(start_response) => start_response.bind(py).call1(args),
                None => slf.getattr(intern!(py, "_write")),
            }
        })
    }

    /// The legacy `write()` callable: the headers go out first.
    fn _write<'py>(slf: &Bound<'py, Self>, data: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        WsgiExchange::forward(slf)?;
        let write = slf.borrow().write.as_ref().map(|w| w.clone_ref(py));
        match write {
            Some(write) => write.bind(py).call1((data,)),
            None => Ok(py.None().into_bound(py)),
        }
    }

    fn __iter__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let result = slf.borrow().result.as_ref().map(|r| r.clone_ref(py));
        match result {
            Some(result) => Ok(result.bind(py).try_iter()?.into_any()),
            None => Ok(PyTuple::empty(py).try_iter()?.into_any()),
        }
    }

    /// Forwards `close()` to the application's response, then resets the context
    /// (even when the response's `close()` raised).
    fn close(slf: &Bound<'_, Self>) -> PyResult<()> {
        let py = slf.py();
        let result = slf.borrow().result.as_ref().map(|r| r.clone_ref(py));
        let closed = match result {
            Some(result) => match result.bind(py).getattr_opt(intern!(py, "close")) {
                Ok(Some(close)) => close.call0().map(drop),
                Ok(None) => Ok(()),
                Err(error) => Err(error),
            },
            None => Ok(()),
        };
        let reset = WsgiExchange::reset(slf);
        closed.and(reset)
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        visit.call(&self.context)?;
        visit.call(&self.start_response)?;
        visit.call(&self.token)?;
        visit.call(&self.environ)?;
        visit.call(&self.held)?;
        visit.call(&self.write)?;
        visit.call(&self.result)?;
        Ok(())
    }

    fn __clear__(&mut self) {
        self.token = None;
        self.environ = None;
        self.held = None;
        self.write = None;
        self.result = None;
    }
}
