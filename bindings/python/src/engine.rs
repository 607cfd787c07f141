//! `rampart.Engine`: the compiled policy, its checks and the event formatting.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString};
use rampart_core::{Engine, EventContext, Policy};

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
    fn check_sql(
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
