//! `rampart.Request`: the user inputs of one HTTP request, flattened.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use rampart_core::{Request, Source};

use crate::collect;
use crate::error::{guard, guard_result, invalid_argument};
use crate::text::with_bytes;
use rampart_core::collect::Collector;

/// The inputs and routing facts of one HTTP request. Fill one per request (the
/// middleware does), or `reset()` and reuse it.
#[pyclass(module = "rampart._rampart", name = "Request")]
#[derive(Debug, Default)]
pub struct PyRequest {
    pub inner: Request,
}

const TYPICAL_INPUTS: usize = 24;
const TYPICAL_BYTES: usize = 2048;

fn parse_source(name: &str) -> PyResult<Source> {
    Source::from_name(name).ok_or_else(|| {
        let known: Vec<&str> = Source::ALL.iter().map(|s| s.name()).collect();
        invalid_argument(format!("unknown input source `{name}`, expected one of {}", known.join(", ")))
    })
}

#[pymethods]
impl PyRequest {
    #[new]
    pub(crate) fn new() -> PyRequest {
        // Room for a typical request (a dozen headers, a small form) in one allocation
        // per buffer instead of a series of regrowths.
        PyRequest { inner: Request::with_capacity(TYPICAL_INPUTS, TYPICAL_BYTES) }
    }

    /// Adds one input: `source` is `query`, `body`, `path`, `header`, `cookie` or
    /// `other`; `key` the dotted key (`user.address.city`); `value` its raw value.
    fn add_input(&mut self, source: &str, key: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        guard_result(|| {
            let source = parse_source(source)?;
            let inner = &mut self.inner;
            with_bytes(key, "key", |key| with_bytes(value, "value", |value| inner.add_input(source, key, value)))?
        })
    }

    /// Collects method, path, query string, cookies and headers from a WSGI environ,
    /// up to `max_inputs` inputs in the request. Returns True when inputs were left out.
    #[pyo3(signature = (environ, max_inputs=1000))]
    fn collect_wsgi(&mut self, environ: &Bound<'_, PyDict>, max_inputs: usize) -> PyResult<bool> {
        guard_result(|| {
            let mut collector = Collector::new(&mut self.inner, max_inputs);
            collect::wsgi_environ(&mut collector, environ)?;
            Ok(collector.truncated())
        })
    }

    /// Collects method, path, query string, cookies and headers from an ASGI HTTP
    /// scope, up to `max_inputs` inputs. Returns True when inputs were left out.
    #[pyo3(signature = (scope, max_inputs=1000))]
    fn collect_asgi(&mut self, scope: &Bound<'_, PyDict>, max_inputs: usize) -> PyResult<bool> {
        guard_result(|| {
            let mut collector = Collector::new(&mut self.inner, max_inputs);
            collect::asgi_scope(&mut collector, scope)?;
            Ok(collector.truncated())
        })
    }

    /// Adds the pairs of `a=1&b=%27+x` (a query string or a form body) as inputs of
    /// `source`; keys that are not plain words are inputs too. Returns True when
    /// inputs were left out.
    #[pyo3(signature = (source, data, max_inputs=1000))]
    fn add_urlencoded(&mut self, source: &str, data: &[u8], max_inputs: usize) -> PyResult<bool> {
        guard_result(|| {
            let source = parse_source(source)?;
            let mut collector = Collector::new(&mut self.inner, max_inputs);
            collector.urlencoded(source, data);
            Ok(collector.truncated())
        })
    }

    /// Adds a JSON body, flattened (`user.address.city`, `ids[2]`; object keys are
    /// inputs too), as `body` inputs. Invalid JSON adds nothing. Returns True when
    /// inputs were left out (count or depth).
    #[pyo3(signature = (data, max_inputs=1000, max_depth=32))]
    fn add_json(&mut self, data: &[u8], max_inputs: usize, max_depth: usize) -> PyResult<bool> {
        guard(|| {
            let mut collector = Collector::new(&mut self.inner, max_inputs).with_max_depth(max_depth);
            collector.json(data);
            collector.truncated()
        })
    }

    /// Adds the cookies of a Cookie header as `cookie` inputs.
    #[pyo3(signature = (header, max_inputs=1000))]
    fn add_cookies(&mut self, header: &[u8], max_inputs: usize) -> PyResult<bool> {
        guard(|| {
            let mut collector = Collector::new(&mut self.inner, max_inputs);
            collector.cookies(header);
            collector.truncated()
        })
    }

    /// Sets the HTTP method (`GET`).
    fn set_method(&mut self, method: &Bound<'_, PyAny>) -> PyResult<()> {
        guard_result(|| with_bytes(method, "method", |m| self.inner.set_method(m)))
    }

    /// Sets the request path as received (`/users/42`), without the query string.
    fn set_path(&mut self, path: &Bound<'_, PyAny>) -> PyResult<()> {
        guard_result(|| with_bytes(path, "path", |p| self.inner.set_path(p)))
    }

    /// Sets the framework's route template (`/users/<int:id>`), when it knows one.
    fn set_route(&mut self, route: &Bound<'_, PyAny>) -> PyResult<()> {
        guard_result(|| with_bytes(route, "route", |r| self.inner.set_route(r)))
    }

    /// Sets the host the request was sent to (its `Host` header, `shop.example:8443`):
    /// redirects there are not open redirects. The middleware sets it.
    fn set_host(&mut self, host: &Bound<'_, PyAny>) -> PyResult<()> {
        guard_result(|| with_bytes(host, "host", |h| self.inner.set_host(h)))
    }

    #[getter]
    fn host(&self) -> String {
        String::from_utf8_lossy(self.inner.host()).into_owned()
    }

    #[getter]
    fn method(&self) -> String {
        String::from_utf8_lossy(self.inner.method()).into_owned()
    }

    #[getter]
    fn path(&self) -> String {
        String::from_utf8_lossy(self.inner.path()).into_owned()
    }

    #[getter]
    fn route(&self) -> String {
        String::from_utf8_lossy(self.inner.route()).into_owned()
    }

    /// Forgets every input and routing fact, keeping the buffers.
    fn reset(&mut self) -> PyResult<()> {
        guard(|| self.inner.reset())
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    /// The input at `index` as `(source, key, value)`, or None.
    fn input<'py>(
        &self,
        py: Python<'py>,
        index: usize,
    ) -> Option<(&'static str, Bound<'py, PyBytes>, Bound<'py, PyBytes>)> {
        self.inner
            .input(index)
            .map(|input| (input.source.name(), PyBytes::new(py, input.key), PyBytes::new(py, input.value)))
    }

    /// Every input as `(source, key, value)` tuples, in insertion order.
    fn inputs<'py>(&self, py: Python<'py>) -> Vec<(&'static str, Bound<'py, PyBytes>, Bound<'py, PyBytes>)> {
        self.inner
            .inputs()
            .map(|input| (input.source.name(), PyBytes::new(py, input.key), PyBytes::new(py, input.value)))
            .collect()
    }

    fn __repr__(&self) -> String {
        format!(
            "<rampart.Request {} {} with {} inputs>",
            String::from_utf8_lossy(self.inner.method()),
            String::from_utf8_lossy(self.inner.path()),
            self.inner.len()
        )
    }
}
