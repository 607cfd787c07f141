//! Total lexers: every byte of the input belongs to exactly one token, nothing is ever
//! "unparseable", nothing allocates, and the cost is linear in the input's length.
mod idna_map;
pub mod json;
pub mod path;
pub mod shell;
pub mod sql;
pub mod url;
