//! The sqlite3 hook's per-query steps in native code: `sqlite3.connect()` and the
//! standard connection's and cursor's `execute`, `executemany`, `executescript` and
//! `cursor()`, so that a hooked query runs no Python frame of rampart's.
//!
//! `sqlite3.Connection` and `sqlite3.Cursor` are C types whose methods cannot be
//! replaced, so the hook (`rampart/hooks/sqlite3.py`) still makes a subclass of each;
//! here their methods become method descriptors of C functions (what the C types' own
//! methods are): Python calls them like the originals, with no bound method and no
//! frame. Each checks the SQL (`sinks::_sql`), then calls the C method it stands for
//! with the caller's arguments as they came, so errors and results are sqlite3's own.
//! Subclasses of an application's own factories keep the hook's Python methods.
//!
//! The C-level method table is raw FFI (pyo3 makes methods of its own classes only):
//! the unsafe code of this module is the calling convention, nothing else.
#![allow(unsafe_code)]

use std::ffi::{c_int, CStr};
use std::ptr;

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyString, PyTuple, PyType};

use crate::error::guard_result;

/// What the native methods call, set once by the hook.
#[derive(Debug)]
struct Sqlite {
    connection: Py<PyAny>,
    hooked_cursor: Py<PyAny>,
    /// The hook's Python `cursor()` of the standard connection's subclass, for a call
    /// with a factory or other arguments.
    cursor_fallback: Py<PyAny>,
    connection_execute: Py<PyAny>,
    connection_executemany: Py<PyAny>,
    connection_executescript: Py<PyAny>,
    connection_cursor: Py<PyAny>,
    cursor_execute: Py<PyAny>,
    cursor_executemany: Py<PyAny>,
    cursor_executescript: Py<PyAny>,
    dialect: Py<PyAny>,
    /// The operation names of the events: connection's then cursor's execute,
    /// executemany, executescript.
    operations: [Py<PyString>; 6],
}

static SQLITE: PyOnceLock<Sqlite> = PyOnceLock::new();

/// PEP 590's calling convention for C methods (in every CPython since 3.7; the abi3
/// headers name it from 3.10 on).
const METH_FASTCALL: c_int = 0x0080;

type Fast = unsafe extern "C" fn(*mut ffi::PyObject, *const *mut ffi::PyObject, ffi::Py_ssize_t) -> *mut ffi::PyObject;
type FastKeywords = unsafe extern "C" fn(
    *mut ffi::PyObject,
    *const *mut ffi::PyObject,
    ffi::Py_ssize_t,
    *mut ffi::PyObject,
) -> *mut ffi::PyObject;

/// Runs a native method's body with the panic guard; an error is raised in Python.
///
/// # Safety
/// Called by CPython with the thread attached; `args` holds `count` borrowed objects.
unsafe fn enter(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    count: usize,
    body: impl FnOnce(Python<'_>, &Sqlite, Bound<'_, PyAny>, Vec<Bound<'_, PyAny>>) -> PyResult<Py<PyAny>>,
) -> *mut ffi::PyObject {
    let py = unsafe { Python::assume_attached() };
    let result = guard_result(|| {
        let sqlite = SQLITE.get(py).ok_or_else(|| crate::error::InternalError::new_err("sqlite3 hook not set"))?;
        let slf = unsafe { Bound::from_borrowed_ptr(py, slf) };
        let args = (0..count).map(|i| unsafe { Bound::from_borrowed_ptr(py, *args.add(i)) }).collect();
        body(py, sqlite, slf, args)
    });
    match result {
        Ok(value) => value.into_ptr(),
        Err(error) => {
            error.restore(py);
            ptr::null_mut()
        }
    }
}

fn with_self<'py>(slf: &Bound<'py, PyAny>, args: &[Bound<'py, PyAny>]) -> Vec<Bound<'py, PyAny>> {
    let mut items = Vec::with_capacity(args.len() + 1);
    items.push(slf.clone());
    items.extend(args.iter().cloned());
    items
}

/// `original(slf, *args)`.
fn forward(
    py: Python<'_>,
    original: &Py<PyAny>,
    slf: &Bound<'_, PyAny>,
    args: &[Bound<'_, PyAny>],
) -> PyResult<Py<PyAny>> {
    let call = PyTuple::new(py, with_self(slf, args))?;
    Ok(original.bind(py).call1(call)?.unbind())
}

/// Checks the SQL (the first argument, when there is one), then calls the C method.
fn checked(
    py: Python<'_>,
    sqlite: &Sqlite,
    operation: usize,
    original: &Py<PyAny>,
    slf: &Bound<'_, PyAny>,
    args: &[Bound<'_, PyAny>],
) -> PyResult<Py<PyAny>> {
    if let Some(sql) = args.first() {
        crate::sinks::_sql(py, sqlite.operations[operation].bind(py), sqlite.dialect.bind(py), sql)?;
    }
    forward(py, original, slf, args)
}

macro_rules! checked_method {
    ($name:ident, $operation:expr, $original:ident) => {
        unsafe extern "C" fn $name(
            slf: *mut ffi::PyObject,
            args: *const *mut ffi::PyObject,
            nargs: ffi::Py_ssize_t,
        ) -> *mut ffi::PyObject {
            unsafe {
                enter(slf, args, nargs.max(0) as usize, |py, sqlite, slf, args| {
                    checked(py, sqlite, $operation, &sqlite.$original, &slf, &args)
                })
            }
        }
    };
}

checked_method!(connection_executemany, 1, connection_executemany);
checked_method!(connection_executescript, 2, connection_executescript);
checked_method!(cursor_execute, 3, cursor_execute);
checked_method!(cursor_executemany, 4, cursor_executemany);
checked_method!(cursor_executescript, 5, cursor_executescript);

/// `Connection.execute(sql[, parameters])`: sqlite3's own makes a cursor with
/// `self.cursor()` (the override below, one more call); this one makes the hooked
/// standard cursor with the C `cursor` directly once the query is checked.
unsafe extern "C" fn connection_execute(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
) -> *mut ffi::PyObject {
    unsafe {
        enter(slf, args, nargs.max(0) as usize, |py, sqlite, slf, args| {
            if !(1..=2).contains(&args.len()) {
                // sqlite3's own TypeError for the wrong number of arguments.
                return forward(py, &sqlite.connection_execute, &slf, &args);
            }
            crate::sinks::_sql(py, sqlite.operations[0].bind(py), sqlite.dialect.bind(py), &args[0])?;
            let cursor = sqlite.connection_cursor.bind(py).call1((&slf, sqlite.hooked_cursor.bind(py)))?;
            forward(py, &sqlite.cursor_execute, &cursor, &args)
        })
    }
}

/// `Connection.cursor(factory=...)`: without arguments the hooked standard cursor;
/// with any, the hook's Python method (which wraps the factory).
unsafe extern "C" fn connection_cursor(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    let positional = nargs.max(0) as usize;
    let keywords = if kwnames.is_null() { 0 } else { unsafe { ffi::PyTuple_Size(kwnames) }.max(0) as usize };
    unsafe {
        enter(slf, args, positional + keywords, |py, sqlite, slf, args| {
            if args.is_empty() {
                return Ok(sqlite.connection_cursor.bind(py).call1((&slf, sqlite.hooked_cursor.bind(py)))?.unbind());
            }
            let call = PyTuple::new(py, with_self(&slf, &args[..positional]))?;
            let named = PyDict::new(py);
            if keywords > 0 {
                let names = Bound::from_borrowed_ptr(py, kwnames).cast_into::<PyTuple>()?;
                for (name, value) in names.iter().zip(&args[positional..]) {
                    named.set_item(name, value)?;
                }
            }
            Ok(sqlite.cursor_fallback.bind(py).call(call, Some(&named))?.unbind())
        })
    }
}

/// A method descriptor of `owner` for a C function (leaked: one per hooked class and
/// method, made once).
fn descriptor<'py>(
    owner: &Bound<'py, PyType>,
    name: &'static CStr,
    function: ffi::PyMethodDefPointer,
    flags: c_int,
) -> PyResult<Bound<'py, PyAny>> {
    let def = Box::leak(Box::new(ffi::PyMethodDef {
        ml_name: name.as_ptr(),
        ml_meth: function,
        ml_flags: flags,
        ml_doc: ptr::null(),
    }));
    let py = owner.py();
    // SAFETY: `def` lives for the rest of the process; `owner` is a live type.
    unsafe {
        let made = ffi::PyDescr_NewMethod(owner.as_ptr().cast(), def);
        Bound::from_owned_ptr_or_err(py, made)
    }
}

fn fast(function: Fast) -> ffi::PyMethodDefPointer {
    // SAFETY: CPython calls it with METH_FASTCALL's signature, which it has; the union
    // field is only how the pointer is stored (the abi3 build lacks the fastcall field).
    ffi::PyMethodDefPointer { PyCFunction: unsafe { std::mem::transmute::<Fast, ffi::PyCFunction>(function) } }
}

fn fast_keywords(function: FastKeywords) -> ffi::PyMethodDefPointer {
    // SAFETY: as in `fast`, with METH_FASTCALL | METH_KEYWORDS.
    ffi::PyMethodDefPointer { PyCFunction: unsafe { std::mem::transmute::<FastKeywords, ffi::PyCFunction>(function) } }
}

/// Gives the standard connection's and cursor's hooked subclasses their native
/// methods, once per process. Returns False when an earlier call set up other classes
/// (a reloaded hook module): those keep their Python methods.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn _sqlite_native(
    py: Python<'_>,
    connection: &Bound<'_, PyType>,
    cursor: &Bound<'_, PyType>,
    hooked_connection: &Bound<'_, PyType>,
    hooked_cursor: &Bound<'_, PyType>,
    cursor_fallback: &Bound<'_, PyAny>,
    dialect: &Bound<'_, PyAny>,
) -> PyResult<bool> {
    guard_result(|| {
        if let Some(set) = SQLITE.get(py) {
            return Ok(set.connection.bind(py).is(connection) && set.hooked_cursor.bind(py).is(hooked_cursor));
        }
        let method = |owner: &Bound<'_, PyType>, name: &str| owner.getattr(name).map(Bound::unbind);
        let operation = |name: &str| PyString::new(py, name).unbind();
        let sqlite = Sqlite {
            connection: connection.clone().into_any().unbind(),
            hooked_cursor: hooked_cursor.clone().into_any().unbind(),
            cursor_fallback: cursor_fallback.clone().unbind(),
            connection_execute: method(connection, "execute")?,
            connection_executemany: method(connection, "executemany")?,
            connection_executescript: method(connection, "executescript")?,
            connection_cursor: method(connection, "cursor")?,
            cursor_execute: method(cursor, "execute")?,
            cursor_executemany: method(cursor, "executemany")?,
            cursor_executescript: method(cursor, "executescript")?,
            dialect: dialect.clone().unbind(),
            operations: [
                operation("sqlite3.Connection.execute"),
                operation("sqlite3.Connection.executemany"),
                operation("sqlite3.Connection.executescript"),
                operation("sqlite3.Cursor.execute"),
                operation("sqlite3.Cursor.executemany"),
                operation("sqlite3.Cursor.executescript"),
            ],
        };
        if SQLITE.set(py, sqlite).is_err() {
            return Ok(false);
        }
        let fastcall = METH_FASTCALL;
        let methods: [(&Bound<'_, PyType>, &'static CStr, ffi::PyMethodDefPointer, c_int); 7] = [
            (hooked_connection, c"execute", fast(connection_execute), fastcall),
            (hooked_connection, c"executemany", fast(connection_executemany), fastcall),
            (hooked_connection, c"executescript", fast(connection_executescript), fastcall),
            (hooked_connection, c"cursor", fast_keywords(connection_cursor), fastcall | ffi::METH_KEYWORDS),
            (hooked_cursor, c"execute", fast(cursor_execute), fastcall),
            (hooked_cursor, c"executemany", fast(cursor_executemany), fastcall),
            (hooked_cursor, c"executescript", fast(cursor_executescript), fastcall),
        ];
        for (owner, name, function, flags) in methods {
            let made = descriptor(owner, name, function, flags)?;
            owner.setattr(name.to_str().unwrap_or_default(), made)?;
        }
        Ok(true)
    })
}

/// `sqlite3.connect` hooked: the standard connection's hooked subclass as `factory`
/// without a Python frame; a call that names another factory (or passes it by
/// position) goes to the hook's Python `connect`, which subclasses that factory.
#[pyclass(module = "rampart._rampart", name = "_SqliteConnect", frozen)]
#[derive(Debug)]
pub struct SqliteConnect {
    connect: Py<PyAny>,
    connection: Py<PyAny>,
    hooked_connection: Py<PyAny>,
    fallback: Py<PyAny>,
}

/// Position of `factory` in `sqlite3.connect(database, timeout, detect_types,
/// isolation_level, check_same_thread, factory, ...)`.
const FACTORY_POSITION: usize = 5;

#[pymethods]
impl SqliteConnect {
    #[new]
    fn new(connect: Py<PyAny>, connection: Py<PyAny>, hooked_connection: Py<PyAny>, fallback: Py<PyAny>) -> Self {
        SqliteConnect { connect, connection, hooked_connection, fallback }
    }

    #[pyo3(signature = (*args, **kwargs))]
    fn __call__<'py>(
        &self,
        py: Python<'py>,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard_result(|| {
            if args.len() > FACTORY_POSITION {
                return self.fallback.bind(py).call(args, kwargs);
            }
            let named = match kwargs {
                None => PyDict::new(py),
                Some(kwargs) => {
                    let factory = pyo3::intern!(py, "factory");
                    if let Some(given) = kwargs.get_item(factory)? {
                        if !given.is(self.connection.bind(py)) {
                            return self.fallback.bind(py).call(args, Some(kwargs));
                        }
                    }
                    kwargs.copy()?
                }
            };
            named.set_item(pyo3::intern!(py, "factory"), self.hooked_connection.bind(py))?;
            self.connect.bind(py).call(args, Some(&named))
        })
    }

    /// The function this stands for (what `unprotect()` puts back).
    #[getter]
    fn __rampart_original__(&self, py: Python<'_>) -> Py<PyAny> {
        self.connect.clone_ref(py)
    }

    /// `__name__`, `__doc__`, `__wrapped__`-style reads: the original function's.
    fn __getattr__<'py>(&self, py: Python<'py>, name: &Bound<'py, PyString>) -> PyResult<Bound<'py, PyAny>> {
        self.connect.bind(py).getattr(name)
    }
}
