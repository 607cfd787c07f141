//! One exception class per core error kind, all under `rampart.RampartError`, and the
//! panic guard every entry point runs in.

use std::panic::{catch_unwind, AssertUnwindSafe};

use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use rampart_core::{Error, ErrorKind};

pyo3::create_exception!(rampart, RampartError, PyException, "Base class of every error rampart raises.");
pyo3::create_exception!(
    rampart,
    PolicyError,
    RampartError,
    "The policy document is invalid; the message names the field."
);
pyo3::create_exception!(
    rampart,
    PolicyIOError,
    RampartError,
    "The policy file named by RAMPART_POLICY could not be read."
);
pyo3::create_exception!(
    rampart,
    InvalidArgumentError,
    RampartError,
    "An argument is outside its domain (an unknown dialect or input source)."
);
pyo3::create_exception!(
    rampart,
    InternalError,
    RampartError,
    "A fault inside rampart itself (a panic in the engine). Hooks fail open on it."
);

/// Code of `InternalError`; core kinds use small codes, this one stays clear of them.
const INTERNAL_CODE: u32 = 1000;

/// Maps a core error to its exception class; a kind this build does not know yet maps
/// to the base class.
pub fn to_py(error: &Error) -> PyErr {
    let message = error.message().to_owned();
    match error.kind() {
        ErrorKind::InvalidPolicy => PolicyError::new_err(message),
        ErrorKind::PolicyIo => PolicyIOError::new_err(message),
        ErrorKind::InvalidArgument => InvalidArgumentError::new_err(message),
        _ => RampartError::new_err(error.to_string()),
    }
}

pub fn invalid_argument(message: impl Into<String>) -> PyErr {
    InvalidArgumentError::new_err(message.into())
}

/// Runs `f`, turning a panic into `rampart.InternalError`.
pub fn guard<T>(f: impl FnOnce() -> T) -> PyResult<T> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_owned());
        InternalError::new_err(format!("rampart panicked: {what}"))
    })
}

/// Like [`guard`] for a body that can itself fail.
pub fn guard_result<T>(f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    guard(f).and_then(|result| result)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    // Stable numeric codes, the same as the core's and the C ABI's.
    let classes = [
        (py.get_type::<RampartError>(), 0),
        (py.get_type::<PolicyError>(), ErrorKind::InvalidPolicy.code()),
        (py.get_type::<PolicyIOError>(), ErrorKind::PolicyIo.code()),
        (py.get_type::<InvalidArgumentError>(), ErrorKind::InvalidArgument.code()),
        (py.get_type::<InternalError>(), INTERNAL_CODE),
    ];
    for (class, code) in classes {
        class.setattr("code", code)?;
        m.add(class.name()?, class)?;
    }
    Ok(())
}
