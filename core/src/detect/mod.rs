//! One module per threat. Each exposes a pure function over bytes; the engine applies
//! the policy around it.
pub(crate) mod exec;
pub(crate) mod find;
pub(crate) mod header;
pub(crate) mod nosql;
pub(crate) mod path;
pub(crate) mod payload;
pub(crate) mod redirect;
pub(crate) mod shell;
pub(crate) mod sqli;
pub(crate) mod ssrf;
