//! `rampart.RequestContext`: the current HTTP request as the hooks see it, in native
//! code.
//!
//! The middleware makes one per request and every hooked call reads it, so its fields
//! are native slots, and the collection of the request's inputs (the environ or scope,
//! the body the middleware kept, the framework's route and path parameters) is one call
//! into Rust: no Python frame between a sink and its check. What stays in Python is rare
//! (a multipart body, the error event of a request that cannot be read) and is called
//! back through the glue `rampart.context` sets at import.

use pyo3::gc::PyVisit;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyString, PyTuple};
use pyo3::PyTraverseError;
use rampart_core::collect::Collector;
use rampart_core::Source;

use crate::collect;
use crate::error::guard_result;
use crate::request::PyRequest;
use crate::text::with_bytes;

/// The Python side of the collection, set once by `rampart.context` at import.
#[derive(Debug)]
struct Glue {
    /// `rampart._agent`: its `_limits` bound the work per request (`protect()` changes them).
    agent: Py<PyAny>,
    /// `(context, kind, body, content_type)`: a body kind parsed in Python (multipart).
    collect_body: Py<PyAny>,
    /// `(context, error)`: the error event of a request that could not be read.
    failed: Py<PyAny>,
}

static GLUE: PyOnceLock<Glue> = PyOnceLock::new();

#[pyfunction]
pub fn _context_glue(py: Python<'_>, agent: Py<PyAny>, collect_body: Py<PyAny>, failed: Py<PyAny>) {
    // A second import (a reloaded module) keeps the first glue: the same functions.
    let _ = GLUE.set(py, Glue { agent, collect_body, failed });
}

fn glue(py: Python<'_>) -> PyResult<&Glue> {
    GLUE.get(py).ok_or_else(|| crate::error::InternalError::new_err("rampart.context was not imported"))
}

/// `(max_inputs, max_depth)` of the agent's limits.
fn limits(py: Python<'_>) -> PyResult<(usize, usize)> {
    let limits = glue(py)?.agent.bind(py).getattr(intern!(py, "_limits"))?;
    Ok((limits.getattr(intern!(py, "max_inputs"))?.extract()?, limits.getattr(intern!(py, "max_depth"))?.extract()?))
}

/// Flask's route reading: the matched rule and view arguments, read from Flask's own
/// request context variable when the inputs are first needed (None before Flask matched
/// the request). Calling it returns `(rule, view_args)` or None, like any routing
/// function; the context reads it without the call.
#[pyclass(module = "rampart._rampart", name = "_FlaskRouting", frozen)]
#[derive(Debug)]
pub struct FlaskRouting {
    /// `flask.globals._cv_request`.
    request_context: Py<PyAny>,
}

impl FlaskRouting {
    fn read<'py>(&self, py: Python<'py>) -> PyResult<Option<(Bound<'py, PyAny>, Bound<'py, PyAny>)>> {
        let context = self.request_context.bind(py).call_method1(intern!(py, "get"), (py.None(),))?;
        if context.is_none() {
            return Ok(None);
        }
        let request = context.getattr(intern!(py, "request"))?;
        let rule = request.getattr(intern!(py, "url_rule"))?;
        let route = if rule.is_none() { rule } else { rule.getattr(intern!(py, "rule"))? };
        Ok(Some((route, request.getattr(intern!(py, "view_args"))?)))
    }
}

#[pymethods]
impl FlaskRouting {
    #[new]
    fn new(request_context: Py<PyAny>) -> Self {
        FlaskRouting { request_context }
    }

    fn __call__<'py>(&self, py: Python<'py>) -> PyResult<Option<(Bound<'py, PyAny>, Bound<'py, PyAny>)>> {
        self.read(py)
    }
}

/// One HTTP request: its inputs (a `rampart.Request`), what events need to know about
/// it, and whether a sink blocked it.
///
/// A context the middleware makes reads the request's inputs from the WSGI environ or
/// the ASGI scope when they are first needed (the first hooked call, a response header
/// that needs a check, or the payload inspection): a request that reaches no sink costs
/// no collection.
#[pyclass(module = "rampart", name = "RequestContext")]
#[derive(Debug)]
pub struct RequestContext {
    #[pyo3(get, set)]
    engine: Py<PyAny>,
    /// Set when a sink blocked this request: the middleware then answers with the block
    /// response, whatever the application answers.
    #[pyo3(get, set)]
    blocked_event_id: Py<PyAny>,
    /// True when the request had more inputs than the limits let in.
    #[pyo3(get, set)]
    inputs_truncated: bool,
    /// True once the framework's route and path parameters were added (or kept for the
    /// collection).
    #[pyo3(get, set)]
    routed: bool,
    /// Findings already reported in this request, so a retried query reports once.
    #[pyo3(get, set)]
    reported: Py<PyAny>,
    /// Host names of outgoing URLs whose authority an input wrote -> a Request of those
    /// inputs, checked against the addresses the names resolve to.
    #[pyo3(get, set)]
    resolving: Py<PyAny>,
    #[pyo3(get, set, name = "_environ")]
    environ: Py<PyAny>,
    #[pyo3(get, set, name = "_scope")]
    scope: Py<PyAny>,
    /// `(form|json|multipart, body, Content-Type)` kept by the middleware.
    #[pyo3(get, set, name = "_body")]
    body: Py<PyAny>,
    /// What the framework says about the route (see `rampart.context.Routing`).
    #[pyo3(get, set, name = "_routing")]
    routing: Py<PyAny>,
    request: Option<Py<PyRequest>>,
    /// True while the inputs (or the route) are still to be read.
    #[pyo3(get, set, name = "_pending")]
    pending: bool,
    /// `(client address, User-Agent, request id)` of a context made by hand.
    fields: Option<(String, String, String)>,
}

impl RequestContext {
    /// A context whose inputs are read from `environ` when first needed.
    pub fn for_environ(py: Python<'_>, engine: Py<PyAny>, environ: Py<PyAny>, routing: Option<Py<PyAny>>) -> Self {
        RequestContext {
            engine,
            blocked_event_id: py.None(),
            inputs_truncated: false,
            routed: false,
            reported: py.None(),
            resolving: py.None(),
            environ,
            scope: py.None(),
            body: py.None(),
            routing: routing.unwrap_or_else(|| py.None()),
            request: None,
            pending: true,
            fields: None,
        }
    }

    pub fn set_body(&mut self, body: Py<PyAny>) {
        self.body = body;
    }

    pub fn engine<'py>(&self, py: Python<'py>) -> Bound<'py, PyAny> {
        self.engine.bind(py).clone()
    }

    pub fn is_blocked(&self, py: Python<'_>) -> bool {
        !self.blocked_event_id.is_none(py)
    }

    /// The request's inputs, collected on first use.
    pub fn request_of(slf: &Bound<'_, Self>) -> PyResult<Py<PyRequest>> {
        let py = slf.py();
        if slf.borrow().pending {
            Self::collect(slf)?;
        }
        if let Some(request) = &slf.borrow().request {
            return Ok(request.clone_ref(py));
        }
        // A context made without inputs and without an environ or scope.
        let request = Py::new(py, PyRequest::new())?;
        slf.borrow_mut().request = Some(request.clone_ref(py));
        Ok(request)
    }

    /// Reads the inputs from the environ or scope (once), then the route once the
    /// framework knows it. Fails open: a request that cannot be read is checked with
    /// what could be read, and an error event says so.
    fn collect(slf: &Bound<'_, Self>) -> PyResult<()> {
        let py = slf.py();
        let fresh = {
            let mut this = slf.borrow_mut();
            this.pending = false;
            if this.request.is_none() {
                let request = Py::new(py, PyRequest::new())?;
                this.request = Some(request.clone_ref(py));
                Some(request)
            } else {
                None
            }
        };
        let mut limits = None;
        if let Some(request) = fresh {
            let collected = self::limits(py).and_then(|read| {
                limits = Some(read);
                Self::collect_inputs(slf, &request, read)
            });
            if let Err(error) = collected {
                Self::failed(slf, error)?;
            }
        }
        let routing = slf.borrow().routing.clone_ref(py);
        let routing = routing.bind(py);
        if routing.is_none() {
            return Ok(());
        }
        let (route, params) = if let Ok(pair) = routing.cast::<PyTuple>() {
            (pair.get_item(0)?, pair.get_item(1)?)
        } else {
            let read = match routing.cast::<FlaskRouting>() {
                Ok(flask) => flask.get().read(py)?,
                Err(_) => {
                    let read = routing.call0()?;
                    if read.is_none() {
                        None
                    } else {
                        let (route, params) = read.extract()?;
                        Some((route, params))
                    }
                }
            };
            match read {
                Some(pair) => pair,
                None => {
                    // Not matched yet: ask again at the next use.
                    slf.borrow_mut().pending = true;
                    return Ok(());
                }
            }
        };
        {
            let mut this = slf.borrow_mut();
            this.routing = py.None();
            this.routed = true;
        }
        Self::add_routing_to(slf, &route, &params, limits)
    }

    /// The environ's or scope's inputs, then the body the middleware kept.
    fn collect_inputs(
        slf: &Bound<'_, Self>,
        request: &Py<PyRequest>,
        (max_inputs, max_depth): (usize, usize),
    ) -> PyResult<()> {
        let py = slf.py();
        let (environ, scope) = {
            let this = slf.borrow();
            (this.environ.clone_ref(py), this.scope.clone_ref(py))
        };
        let truncated = {
            let mut request = request.borrow_mut(py);
            let mut collector = Collector::new(&mut request.inner, max_inputs);
            if !environ.is_none(py) {
                collect::wsgi_environ(&mut collector, environ.bind(py).cast::<PyDict>()?)?;
            } else if !scope.is_none(py) {
                collect::asgi_scope(&mut collector, scope.bind(py).cast::<PyDict>()?)?;
            }
            collector.truncated()
        };
        if truncated {
            slf.borrow_mut().inputs_truncated = true;
        }
        let body = std::mem::replace(&mut slf.borrow_mut().body, py.None());
        let body = body.bind(py);
        if body.is_none() {
            return Ok(());
        }
        let (kind, data, content_type): (Bound<'_, PyString>, Bound<'_, PyAny>, Bound<'_, PyAny>) = body.extract()?;
        let kind = kind.to_cow()?;
        let truncated = match kind.as_ref() {
            "form" | "json" => {
                let data = data.cast::<PyBytes>()?;
                let mut request = request.borrow_mut(py);
                let mut collector = Collector::new(&mut request.inner, max_inputs).with_max_depth(max_depth);
                if kind == "form" {
                    collector.urlencoded(Source::Body, data.as_bytes());
                } else {
                    collector.json(data.as_bytes());
                }
                collector.truncated()
            }
            _ => {
                glue(py)?.collect_body.bind(py).call1((slf, kind.as_ref(), data, content_type))?;
                false
            }
        };
        if truncated {
            slf.borrow_mut().inputs_truncated = true;
        }
        Ok(())
    }

    /// Fail open on an `Exception` (an error event); anything else goes on up.
    fn failed(slf: &Bound<'_, Self>, error: PyErr) -> PyResult<()> {
        let py = slf.py();
        if !error.is_instance_of::<pyo3::exceptions::PyException>(py) {
            return Err(error);
        }
        glue(py)?.failed.bind(py).call1((slf, error.value(py)))?;
        Ok(())
    }

    /// Sets the route and adds the path parameters (`limits`: the agent's, when the
    /// caller has just read them).
    fn add_routing_to(
        slf: &Bound<'_, Self>,
        route: &Bound<'_, PyAny>,
        params: &Bound<'_, PyAny>,
        limits: Option<(usize, usize)>,
    ) -> PyResult<()> {
        let added = (|| -> PyResult<()> {
            let py = slf.py();
            let request = Self::request_of(slf)?;
            if route.is_truthy()? {
                with_bytes(route, "route", |r| request.borrow_mut(py).inner.set_route(r))?;
            }
            if !params.is_truthy()? {
                return Ok(());
            }
            let (max_inputs, _) = match limits {
                Some(limits) => limits,
                None => self::limits(py)?,
            };
            // Adds one parameter; false once the limit is reached.
            let add = |key: Bound<'_, PyAny>, value: Bound<'_, PyAny>| -> PyResult<bool> {
                if request.borrow(py).inner.len() >= max_inputs {
                    slf.borrow_mut().inputs_truncated = true;
                    return Ok(false);
                }
                let key = if key.is_instance_of::<PyString>() { key } else { key.str()?.into_any() };
                let value = if value.is_instance_of::<PyString>() || value.is_instance_of::<PyBytes>() {
                    value
                } else {
                    value.str()?.into_any()
                };
                let mut request = request.borrow_mut(py);
                let inner = &mut request.inner;
                with_bytes(&key, "key", |key| {
                    with_bytes(&value, "value", |value| inner.add_input(Source::Path, key, value))
                })??;
                Ok(true)
            };
            if let Ok(dict) = params.cast::<PyDict>() {
                // `str()` of a value may run Python code: the dict's own iterator, which
                // notices a change, rather than a borrowed walk.
                for (key, value) in dict.iter() {
                    if !add(key, value)? {
                        break;
                    }
                }
                return Ok(());
            }
            for item in params.call_method0(intern!(py, "items"))?.try_iter()? {
                let (key, value) = item?.extract()?;
                if !add(key, value)? {
                    break;
                }
            }
            Ok(())
        })();
        match added {
            Ok(()) => Ok(()),
            Err(error) => Self::failed(slf, error),
        }
    }
}

/// `value.encode("latin-1").decode("utf-8")`, or `value` when it is not that: WSGI
/// hands header bytes over as latin-1 text.
fn latin1_text(value: &str) -> String {
    let bytes: Option<Vec<u8>> = value.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect();
    match bytes.map(String::from_utf8) {
        Some(Ok(text)) => text,
        _ => value.to_owned(),
    }
}

fn environ_text(environ: &Bound<'_, PyAny>, key: &str) -> PyResult<String> {
    let value = environ.call_method1(intern!(environ.py(), "get"), (key, ""))?;
    Ok(if value.is_truthy()? { value.str()?.to_string() } else { String::new() })
}

#[pymethods]
impl RequestContext {
    #[new]
    #[pyo3(signature = (
        engine, method="", path="", client_ip="", user_agent="", request_id="", *, environ=None, scope=None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        engine: Py<PyAny>,
        method: &str,
        path: &str,
        client_ip: &str,
        user_agent: &str,
        request_id: &str,
        environ: Option<Py<PyAny>>,
        scope: Option<Py<PyAny>>,
    ) -> PyResult<Self> {
        guard_result(|| {
            let lazy = environ.is_some() || scope.is_some();
            let mut context = RequestContext::for_environ(py, engine, environ.unwrap_or_else(|| py.None()), None);
            if let Some(scope) = scope {
                context.scope = scope;
            }
            if lazy {
                return Ok(context);
            }
            context.pending = false;
            let mut request = PyRequest::new();
            if !method.is_empty() {
                request.inner.set_method(method.as_bytes());
            }
            if !path.is_empty() {
                request.inner.set_path(path.as_bytes());
            }
            context.request = Some(Py::new(py, request)?);
            if !client_ip.is_empty() || !user_agent.is_empty() || !request_id.is_empty() {
                context.fields = Some((client_ip.to_owned(), user_agent.to_owned(), request_id.to_owned()));
            }
            Ok(context)
        })
    }

    /// The request's inputs and routing facts (collected on first use).
    #[getter]
    fn request(slf: &Bound<'_, Self>) -> PyResult<Py<PyRequest>> {
        guard_result(|| Self::request_of(slf))
    }

    /// The request's inputs if they were read, else None.
    #[getter]
    fn _request(&self, py: Python<'_>) -> Option<Py<PyRequest>> {
        self.request.as_ref().map(|r| r.clone_ref(py))
    }

    /// Sets the framework's route template and adds the path parameters as `path`
    /// inputs.
    fn add_routing(slf: &Bound<'_, Self>, route: &Bound<'_, PyAny>, params: &Bound<'_, PyAny>) -> PyResult<()> {
        guard_result(|| Self::add_routing_to(slf, route, params, None))
    }

    /// Adds one input (`source` is query, body, path, header, cookie or other).
    fn add_input(
        slf: &Bound<'_, Self>,
        source: &str,
        key: &Bound<'_, PyAny>,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let request = guard_result(|| Self::request_of(slf))?;
        request.bind(slf.py()).call_method1(intern!(slf.py(), "add_input"), (source, key, value)).map(drop)
    }

    #[getter]
    fn blocked(&self, py: Python<'_>) -> bool {
        self.is_blocked(py)
    }

    /// (client address, User-Agent, request id) for events.
    fn event_fields(&self, py: Python<'_>) -> PyResult<(String, String, String)> {
        guard_result(|| {
            let environ = self.environ.bind(py);
            if !environ.is_none() {
                return Ok((
                    environ_text(environ, "REMOTE_ADDR")?,
                    latin1_text(&environ_text(environ, "HTTP_USER_AGENT")?),
                    latin1_text(&environ_text(environ, "HTTP_X_REQUEST_ID")?),
                ));
            }
            let scope = self.scope.bind(py);
            if !scope.is_none() {
                let client = scope.call_method1(intern!(py, "get"), ("client",))?;
                let client_ip =
                    if client.is_truthy()? { client.get_item(0)?.str()?.to_string() } else { String::new() };
                let mut user_agent = None;
                let mut request_id = None;
                let headers = scope.call_method1(intern!(py, "get"), ("headers",))?;
                if headers.is_truthy()? {
                    for pair in headers.try_iter()? {
                        let (name, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) = pair?.extract()?;
                        let name: Vec<u8> = name.extract()?;
                        let slot = if name.eq_ignore_ascii_case(b"user-agent") {
                            &mut user_agent
                        } else if name.eq_ignore_ascii_case(b"x-request-id") {
                            &mut request_id
                        } else {
                            continue;
                        };
                        if slot.is_none() {
                            let value: Vec<u8> = value.extract()?;
                            *slot = Some(String::from_utf8_lossy(&value).into_owned());
                        }
                    }
                }
                return Ok((client_ip, user_agent.unwrap_or_default(), request_id.unwrap_or_default()));
            }
            Ok(self.fields.clone().unwrap_or_default())
        })
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let request = Self::request_of(slf)?;
        Ok(format!("<rampart.RequestContext {}>", request.bind(slf.py()).repr()?))
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        visit.call(&self.engine)?;
        visit.call(&self.blocked_event_id)?;
        visit.call(&self.reported)?;
        visit.call(&self.resolving)?;
        visit.call(&self.environ)?;
        visit.call(&self.scope)?;
        visit.call(&self.body)?;
        visit.call(&self.routing)?;
        visit.call(&self.request)?;
        Ok(())
    }

    fn __clear__(&mut self) {
        // The environ holds the context (its "rampart.context" key): break that cycle.
        Python::attach(|py| {
            self.environ = py.None();
            self.scope = py.None();
            self.body = py.None();
            self.routing = py.None();
            self.reported = py.None();
            self.resolving = py.None();
        });
    }
}
