//! `rampart.Dialect`: the SQL dialects of the core, as constants the hooks pass to
//! `Engine.check_sql` without parsing a name on every call.

use pyo3::prelude::*;
use rampart_core::Dialect;

use crate::error::invalid_argument;

/// A SQL dialect with its own string, comment and identifier rules.
#[pyclass(module = "rampart._rampart", name = "Dialect", eq, eq_int, frozen, hash)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(clippy::upper_case_acronyms)]
pub enum PyDialect {
    MYSQL,
    POSTGRESQL,
    SQLITE,
    MSSQL,
    ORACLE,
    GENERIC,
}

impl PyDialect {
    pub fn core(self) -> Dialect {
        match self {
            PyDialect::MYSQL => Dialect::MySql,
            PyDialect::POSTGRESQL => Dialect::PostgreSql,
            PyDialect::SQLITE => Dialect::Sqlite,
            PyDialect::MSSQL => Dialect::MsSql,
            PyDialect::ORACLE => Dialect::Oracle,
            PyDialect::GENERIC => Dialect::Generic,
        }
    }
}

#[pymethods]
impl PyDialect {
    /// The dialect's canonical name (`"postgresql"`).
    #[getter]
    fn name(&self) -> &'static str {
        self.core().name()
    }

    /// Parses a dialect name or alias (`"postgres"`, `"mariadb"`), in any case.
    #[staticmethod]
    fn parse(name: &str) -> PyResult<PyDialect> {
        parse(name)
    }
}

fn parse(name: &str) -> PyResult<PyDialect> {
    let dialect = Dialect::parse(name).ok_or_else(|| {
        let known: Vec<&str> = Dialect::ALL.iter().map(|d| d.name()).collect();
        invalid_argument(format!("unknown SQL dialect `{name}`, expected one of {}", known.join(", ")))
    })?;
    Ok(match dialect {
        Dialect::MySql => PyDialect::MYSQL,
        Dialect::PostgreSql => PyDialect::POSTGRESQL,
        Dialect::Sqlite => PyDialect::SQLITE,
        Dialect::MsSql => PyDialect::MSSQL,
        Dialect::Oracle => PyDialect::ORACLE,
        _ => PyDialect::GENERIC,
    })
}

/// A `Dialect` constant, or a dialect name.
pub fn extract(obj: &Bound<'_, PyAny>) -> PyResult<Dialect> {
    if let Ok(dialect) = obj.cast::<PyDialect>() {
        return Ok(dialect.get().core());
    }
    let name: String =
        obj.extract().map_err(|_| invalid_argument("dialect must be a rampart.Dialect or a dialect name"))?;
    parse(&name).map(PyDialect::core)
}
