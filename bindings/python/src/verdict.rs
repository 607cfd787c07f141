//! `rampart.Verdict`: the outcome of one check, immutable.

use pyo3::prelude::*;
use pyo3::types::PyString;
use pyo3::{intern, Py};
use rampart_core::{Action, Verdict};

/// The outcome of one check. `action` is `"allow"`, `"report"` or `"block"`; the
/// other fields are None when nothing was found.
#[pyclass(module = "rampart._rampart", name = "Verdict", frozen)]
#[derive(Debug)]
pub struct PyVerdict {
    pub inner: Verdict,
}

#[pymethods]
impl PyVerdict {
    #[getter]
    fn action<'py>(&self, py: Python<'py>) -> &Bound<'py, PyString> {
        match self.inner.action {
            Action::Allow => intern!(py, "allow"),
            Action::Report => intern!(py, "report"),
            Action::Block => intern!(py, "block"),
        }
    }

    /// The attack found (`"sql_injection"`), the policy's protection name.
    #[getter]
    fn threat(&self) -> Option<&'static str> {
        self.inner.threat.map(|t| t.name())
    }

    /// Stable reason code (`"sql_literal_escape"`).
    #[getter]
    fn reason(&self) -> Option<&'static str> {
        self.inner.reason.map(|r| r.name())
    }

    /// The reason as a sentence for a person.
    #[getter]
    fn message(&self) -> Option<&'static str> {
        self.inner.reason.map(|r| r.description())
    }

    /// Index (insertion order) of the request input that carried the attack.
    #[getter]
    fn input_index(&self) -> Option<usize> {
        self.inner.input_index
    }

    /// `(start, end)` byte offsets of that input inside the checked resource.
    #[getter]
    fn span(&self) -> Option<(usize, usize)> {
        self.inner.span.map(|s| (s.start, s.end))
    }

    #[getter]
    fn rule_id(&self) -> u32 {
        self.inner.rule_id
    }

    /// True when an attack was found, whatever the action.
    #[getter]
    fn is_attack(&self) -> bool {
        self.inner.is_attack()
    }

    /// True when the call must be stopped.
    #[getter]
    fn is_block(&self) -> bool {
        self.inner.is_block()
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other.cast::<PyVerdict>().is_ok_and(|o| o.get().inner == self.inner)
    }

    fn __hash__(&self) -> u64 {
        u64::from(self.inner.action.code()) << 32 | u64::from(self.inner.threat.map_or(0, |t| t.code()))
    }

    fn __repr__(&self) -> String {
        let Some(threat) = self.inner.threat else {
            return format!("Verdict(action='{}')", self.inner.action.name());
        };
        let reason = self.inner.reason.map_or_else(|| "None".to_owned(), |r| format!("'{}'", r.name()));
        let input_index = self.inner.input_index.map_or_else(|| "None".to_owned(), |i| i.to_string());
        let span = self.inner.span.map_or_else(|| "None".to_owned(), |s| format!("({}, {})", s.start, s.end));
        format!(
            "Verdict(action='{}', threat='{}', reason={reason}, input_index={input_index}, span={span})",
            self.inner.action.name(),
            threat.name(),
        )
    }
}

/// Wraps a core verdict, sharing one object for every "allow".
pub fn to_py(py: Python<'_>, verdict: Verdict, allow: &Py<PyVerdict>) -> PyResult<Py<PyVerdict>> {
    if verdict == Verdict::ALLOW {
        return Ok(allow.clone_ref(py));
    }
    Py::new(py, PyVerdict { inner: verdict })
}
