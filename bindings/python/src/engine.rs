//! `rampart.Engine`: the compiled policy, its checks and the event formatting.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString};
use rampart_core::{Engine, EventContext, Policy, Threat};

use crate::error::{guard, guard_result, invalid_argument, to_py};
use crate::request::PyRequest;
use crate::text::with_bytes;
use crate::verdict::{self, PyVerdict};

/// Resources at least this long are checked with the GIL released, so that other
/// Python threads run meanwhile. Below it, releasing and re-taking the GIL costs more
/// than the check itself (see docs/python.md, "Performance").
const DETACH_MIN_BYTES: usize = 64 * 1024;

/// The compiled policy. Build one per process (`rampart.protect()` does) and share it
/// between threads: every method is safe to call concurrently.
#[pyclass(module = "rampart._rampart", name = "Engine", frozen)]
#[derive(Debug)]
pub struct PyEngine {
    engine: Engine,
    /// The one "allow" verdict object every clean check returns.
    allow: Py<PyVerdict>,
}

fn policy_from(py: Python<'_>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Policy> {
    let Some(policy) = policy.filter(|p| !p.is_none()) else {
        return Policy::from_env().map_err(|e| to_py(&e));
    };
    if policy.is_instance_of::<PyDict>() {
        let json = py.import("json")?.call_method1("dumps", (policy,))?;
        return with_bytes(&json, "policy", Policy::from_json)?.map_err(|e| to_py(&e));
    }
    if policy.is_instance_of::<PyString>() || policy.is_instance_of::<PyBytes>() {
        return with_bytes(policy, "policy", Policy::from_json)?.map_err(|e| to_py(&e));
    }
    Err(invalid_argument("policy must be None (read the environment), a JSON str or bytes, or a dict"))
}

impl PyEngine {
    /// One check of one text-or-bytes resource, with the GIL released for large ones.
    fn check_one(
        &self,
        py: Python<'_>,
        request: &PyRequest,
        resource: &Bound<'_, PyAny>,
        what: &str,
        check: impl Fn(&Engine, &rampart_core::Request, &[u8]) -> rampart_core::Verdict + Sync,
    ) -> PyResult<Py<PyVerdict>> {
        guard_result(|| {
            let request = &request.inner;
            let engine = &self.engine;
            let verdict = with_bytes(resource, what, |resource| {
                if resource.len() >= DETACH_MIN_BYTES {
                    py.detach(|| guard(|| check(engine, request, resource)))
                } else {
                    Ok(check(engine, request, resource))
                }
            })??;
            verdict::to_py(py, verdict, &self.allow)
        })
    }

    /// The frame of the checks that take two short strings (a host and an address, a
    /// header's name and value): never large enough to be worth releasing the GIL.
    fn check_two(
        &self,
        py: Python<'_>,
        request: &PyRequest,
        first: (&Bound<'_, PyAny>, &str),
        second: (&Bound<'_, PyAny>, &str),
        check: impl Fn(&Engine, &rampart_core::Request, &[u8], &[u8]) -> rampart_core::Verdict,
    ) -> PyResult<Py<PyVerdict>> {
        guard_result(|| {
            let (engine, request) = (&self.engine, &request.inner);
            let verdict =
                with_bytes(first.0, first.1, |a| with_bytes(second.0, second.1, |b| check(engine, request, a, b)))??;
            verdict::to_py(py, verdict, &self.allow)
        })
    }
}

/// The bytes of one argv element: `bytes` as they are, `str` as UTF-8 (lone
/// surrogates, as `os.fsdecode` makes them, replaced).
fn arg_bytes<'a>(arg: &'a Bound<'_, PyAny>) -> PyResult<std::borrow::Cow<'a, [u8]>> {
    if let Ok(bytes) = arg.cast::<PyBytes>() {
        return Ok(std::borrow::Cow::Borrowed(bytes.as_bytes()));
    }
    if let Ok(text) = arg.cast::<PyString>() {
        return Ok(match text.to_cow() {
            Ok(std::borrow::Cow::Borrowed(s)) => std::borrow::Cow::Borrowed(s.as_bytes()),
            Ok(std::borrow::Cow::Owned(s)) => std::borrow::Cow::Owned(s.into_bytes()),
            Err(_) => std::borrow::Cow::Owned(text.to_string_lossy().into_owned().into_bytes()),
        });
    }
    Err(invalid_argument(format!(
        "argv items must be str or bytes, not {}",
        arg.get_type().name().map_or_else(|_| "?".to_owned(), |n| n.to_string())
    )))
}

#[pymethods]
impl PyEngine {
    /// Compiles a policy: a JSON document (str or bytes), a dict, or None to read the
    /// environment (`RAMPART_POLICY` names a file, `RAMPART_MODE` overrides the mode).
    #[new]
    #[pyo3(signature = (policy=None))]
    fn new(py: Python<'_>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<PyEngine> {
        guard_result(|| {
            let policy = policy_from(py, policy)?;
            let engine = Engine::new(policy).map_err(|e| to_py(&e))?;
            let allow = Py::new(py, PyVerdict { inner: rampart_core::Verdict::ALLOW })?;
            Ok(PyEngine { engine, allow })
        })
    }

    /// Did an input of `request` change the structure of `query`? `dialect` is a
    /// `rampart.Dialect` (fast) or a dialect name.
    pub(crate) fn check_sql(
        &self,
        py: Python<'_>,
        request: PyRef<'_, PyRequest>,
        dialect: &Bound<'_, PyAny>,
        query: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyVerdict>> {
        guard_result(|| {
            let dialect = crate::dialect::extract(dialect)?;
            let request = &request.inner;
            let engine = &self.engine;
            let verdict = with_bytes(query, "query", |query| {
                if query.len() >= DETACH_MIN_BYTES {
                    py.detach(|| guard(|| engine.check_sql(request, dialect, query)))
                } else {
                    Ok(engine.check_sql(request, dialect, query))
                }
            })??;
            verdict::to_py(py, verdict, &self.allow)
        })
    }

    /// Did an input of `request` change the structure of `command`, a string about to
    /// be run by `sh -c` (`os.system`, `subprocess.run(..., shell=True)`)?
    fn check_shell(
        &self,
        py: Python<'_>,
        request: PyRef<'_, PyRequest>,
        command: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyVerdict>> {
        self.check_one(py, &request, command, "command", |engine, request, command| {
            engine.check_shell(request, command)
        })
    }

    /// Did an input of `request` choose the program of `argv` (a sequence of str or
    /// bytes, run without a shell), inject an option that runs code, or reach a shell
    /// through it? The verdict's span is in the arguments joined by one space.
    fn check_exec(
        &self,
        py: Python<'_>,
        request: PyRef<'_, PyRequest>,
        argv: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyVerdict>> {
        guard_result(|| {
            // Keep every argument's bytes alive while the check borrows them.
            let mut owned: Vec<Bound<'_, PyAny>> = Vec::new();
            for arg in argv.try_iter()? {
                owned.push(arg?);
            }
            let mut texts: Vec<std::borrow::Cow<'_, [u8]>> = Vec::with_capacity(owned.len());
            for arg in &owned {
                texts.push(arg_bytes(arg)?);
            }
            let args: Vec<&[u8]> = texts.iter().map(|t| t.as_ref()).collect();
            let verdict = self.engine.check_exec(&request.inner, &args);
            verdict::to_py(py, verdict, &self.allow)
        })
    }

    /// Did a user-supplied object bring a query operator (`$ne`, `$where`, ...) into
    /// `filter_json`, a MongoDB-style filter as JSON text?
    fn check_nosql(
        &self,
        py: Python<'_>,
        request: PyRef<'_, PyRequest>,
        filter_json: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyVerdict>> {
        self.check_one(py, &request, filter_json, "filter_json", |engine, request, filter| {
            engine.check_nosql(request, filter)
        })
    }

    /// Did an input of `request` take `path` (about to be opened, listed, removed) out
    /// of the directory the application meant?
    fn check_path(
        &self,
        py: Python<'_>,
        request: PyRef<'_, PyRequest>,
        path: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyVerdict>> {
        self.check_one(py, &request, path, "path", |engine, request, path| engine.check_path(request, path))
    }

    /// Did an input of `request` point this outgoing `url` at an internal host or a
    /// non-web scheme?
    fn check_url(
        &self,
        py: Python<'_>,
        request: PyRef<'_, PyRequest>,
        url: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyVerdict>> {
        self.check_one(py, &request, url, "url", |engine, request, url| engine.check_url(request, url))
    }

    /// At connect time: `host` (as passed to the resolver) came from an input and `ip`
    /// (the address the socket really uses, as text) is internal? Catches DNS
    /// rebinding and names that resolve inside. An `ip` that is not an address is
    /// allowed.
    fn check_resolved_ip(
        &self,
        py: Python<'_>,
        request: PyRef<'_, PyRequest>,
        host: &Bound<'_, PyAny>,
        ip: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyVerdict>> {
        self.check_two(py, &request, (host, "host"), (ip, "ip"), Engine::check_resolved_ip)
    }

    /// Did an input of `request` send this redirect (`location`, the Location header
    /// value) to another site, or make it a `javascript:` URL?
    fn check_redirect(
        &self,
        py: Python<'_>,
        request: PyRef<'_, PyRequest>,
        location: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyVerdict>> {
        self.check_one(py, &request, location, "location", |engine, request, location| {
            engine.check_redirect(request, location)
        })
    }

    /// Did an input of `request` bring a line break or NUL into the response header
    /// `name: value`?
    fn check_header(
        &self,
        py: Python<'_>,
        request: PyRef<'_, PyRequest>,
        name: &Bound<'_, PyAny>,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyVerdict>> {
        self.check_two(py, &request, (name, "name"), (value, "value"), Engine::check_header)
    }

    /// Does one of `request`'s inputs carry a malicious payload (SQL injection, XSS, shell,
    /// traversal, SSRF URL) or match a rule (default ruleset and the policy's own)? No sink
    /// needed: the request's method, path and inputs are judged on their own.
    pub(crate) fn inspect(&self, py: Python<'_>, request: PyRef<'_, PyRequest>) -> PyResult<Py<PyVerdict>> {
        guard_result(|| {
            let verdict = guard(|| self.engine.inspect(&request.inner))?;
            verdict::to_py(py, verdict, &self.allow)
        })
    }

    /// The event JSON line of a finding, or None when `verdict` found nothing.
    /// `sink_kind` is `sql`, `shell`, ...; `resource` what the sink received.
    #[pyo3(signature = (
        request, verdict, sink_kind, resource, *,
        operation="", event_id="", client_ip="", user_agent="", request_id="", stack=Vec::new()
    ))]
    #[allow(clippy::too_many_arguments)]
    fn event_json(
        &self,
        request: PyRef<'_, PyRequest>,
        verdict: PyRef<'_, PyVerdict>,
        sink_kind: &str,
        resource: &Bound<'_, PyAny>,
        operation: &str,
        event_id: &str,
        client_ip: &str,
        user_agent: &str,
        request_id: &str,
        stack: Vec<String>,
    ) -> PyResult<Option<String>> {
        guard_result(|| {
            let context = EventContext {
                operation: operation.to_owned(),
                event_id: event_id.to_owned(),
                client_ip: client_ip.to_owned(),
                user_agent: user_agent.to_owned(),
                request_id: request_id.to_owned(),
                stack,
            };
            with_bytes(resource, "resource", |resource| {
                self.engine.event_json(&request.inner, &verdict.inner, sink_kind, resource, &context)
            })
        })
    }

    /// The event JSON line of a hook that failed internally (`error_kind` is
    /// `internal`, ...). See docs/events.md, "Error events".
    #[pyo3(signature = (
        sink_kind, error_kind, message, *,
        request=None, operation="", event_id="", client_ip="", user_agent="", request_id="", stack=Vec::new()
    ))]
    #[allow(clippy::too_many_arguments)]
    fn error_event_json(
        &self,
        sink_kind: &str,
        error_kind: &str,
        message: &str,
        request: Option<PyRef<'_, PyRequest>>,
        operation: &str,
        event_id: &str,
        client_ip: &str,
        user_agent: &str,
        request_id: &str,
        stack: Vec<String>,
    ) -> PyResult<String> {
        guard(|| {
            let context = EventContext {
                operation: operation.to_owned(),
                event_id: event_id.to_owned(),
                client_ip: client_ip.to_owned(),
                user_agent: user_agent.to_owned(),
                request_id: request_id.to_owned(),
                stack,
            };
            self.engine.error_event_json(request.as_deref().map(|r| &r.inner), sink_kind, error_kind, message, &context)
        })
    }

    /// What a finding of `threat` (`"sql_injection"`, `"malicious_payload"`, ...) does
    /// under this policy: `"off"`, `"report"` or `"block"`, the mode capping the
    /// protection's action. Raises ValueError for an unknown threat name.
    fn action(&self, threat: &str) -> PyResult<&'static str> {
        let threat = Threat::from_name(threat)
            .ok_or_else(|| pyo3::exceptions::PyValueError::new_err(format!("unknown threat `{threat}`")))?;
        Ok(self.engine.policy().effective_action(threat).map_or("off", |action| action.name()))
    }

    /// The global mode: `"off"`, `"report"` or `"block"`.
    #[getter]
    fn mode(&self) -> &'static str {
        match self.engine.policy().mode {
            rampart_core::Mode::Off => "off",
            rampart_core::Mode::Report => "report",
            rampart_core::Mode::Block => "block",
        }
    }

    /// Whether a hook that fails internally stops the call (True) or lets it go on.
    #[getter]
    fn fail_closed(&self) -> bool {
        self.engine.policy().fail_closed
    }

    /// The HTTP status of the block response.
    #[getter]
    fn block_status(&self) -> u16 {
        self.engine.policy().block_response.status
    }

    /// The Content-Type of the block response.
    #[getter]
    fn block_content_type(&self) -> &str {
        &self.engine.policy().block_response.content_type
    }

    /// The block response's body with `{{event_id}}` replaced.
    fn block_body(&self, event_id: &str) -> PyResult<String> {
        guard(|| self.engine.policy().block_response.render_body(event_id))
    }

    /// The policy in force, as JSON (defaults filled in).
    fn policy_json(&self) -> PyResult<String> {
        guard(|| serde_json::to_string(self.engine.policy()))?
            .map_err(|e| crate::error::InternalError::new_err(format!("policy serialization: {e}")))
    }

    fn __repr__(&self) -> String {
        format!("<rampart.Engine mode={}>", self.mode())
    }
}
