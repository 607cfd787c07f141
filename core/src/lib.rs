//! rampart-core: the detection engine of rampart, an open-source RASP.
//!
//! # Overview
//!
//! An agent embedded in an application hooks its dangerous sinks (SQL drivers, shells,
//! the file system, outgoing HTTP). Right before a sink runs, the agent asks this crate:
//! *did a user input of the current HTTP request change the structure of this query /
//! command / path / URL?* The answer is a [`Verdict`]: allow, report or block, with the
//! threat, the reason, the offending input and where it sits in the resource.
//!
//! One check per kind of sink: [`Engine::check_sql`], [`Engine::check_path`],
//! [`Engine::check_url`] (and [`Engine::check_resolved_ip`] at connect time),
//! [`Engine::check_redirect`] and [`Engine::check_header`].
//!
//! Detection is context-aware: the engine finds each input's occurrences in the
//! resource and lexes the resource with a total lexer of the sink's grammar (see
//! [`lex`]). An input that stays inside one string literal is data; an input that
//! leaves it, or brings an operator, a comment or a keyword, is an attack. No keyword
//! lists, no regular expressions over the input alone.
//!
//! # Usage
//!
//! ```
//! use rampart_core::{Action, Dialect, Engine, Policy, Request, Source, Threat};
//!
//! // Once, at start-up: all allocation happens here.
//! let policy = Policy::from_json(br#"{"mode": "block"}"#)?;
//! let engine = Engine::new(policy)?;
//!
//! // Per HTTP request: the binding flattens the request's inputs.
//! let mut request = Request::new();
//! request.add_input(Source::Body, b"email", b"' OR 1=1-- ");
//!
//! // At each sink: one check, no allocation.
//! let query = b"SELECT * FROM users WHERE email = '' OR 1=1-- ' AND pw = 'x'";
//! let verdict = engine.check_sql(&request, Dialect::MySql, query);
//! assert_eq!(verdict.action, Action::Block);
//! assert_eq!(verdict.threat, Some(Threat::SqlInjection));
//!
//! // The same request, properly parameterised: the input never reaches the query.
//! let verdict = engine.check_sql(&request, Dialect::MySql, b"SELECT * FROM users WHERE email = ?");
//! assert_eq!(verdict.action, Action::Allow);
//!
//! // Next request: reuse the buffers.
//! request.reset();
//! # Ok::<(), rampart_core::Error>(())
//! ```
//!
//! The same frame serves every sink: [`Engine::check_sql`] for queries,
//! [`Engine::check_shell`] for strings run by `sh -c`, [`Engine::check_exec`] for argvs
//! run without a shell, [`Engine::check_nosql`] for MongoDB-style filters.
//!
//! ```
//! # use rampart_core::{Engine, Policy, Reason, Request, Source};
//! # let engine = Engine::new(Policy::from_json(br#"{"mode": "block"}"#)?)?;
//! let mut request = Request::new();
//! request.add_input(Source::Query, b"host", b"127.0.0.1; cat /etc/passwd");
//! let verdict = engine.check_shell(&request, b"ping -c 1 127.0.0.1; cat /etc/passwd");
//! assert_eq!(verdict.reason, Some(Reason::ShellOperator));
//! // Without a shell the same bytes are one harmless argument.
//! let argv: [&[u8]; 4] = [b"ping", b"-c", b"1", b"127.0.0.1; cat /etc/passwd"];
//! assert!(!engine.check_exec(&request, &argv).is_attack());
//! # Ok::<(), rampart_core::Error>(())
//! ```
//!
//! # Policy
//!
//! [`Policy`] is read from JSON ([`Policy::from_json`], or [`Policy::from_env`] for the
//! `RAMPART_POLICY` / `RAMPART_MODE` convention every agent follows). Each protection has
//! an action (off, report, block); the global `mode` caps them (`report` turns every
//! block into a report). Exclusions silence protections per route or per input.
//!
//! # Error reporting
//!
//! Findings are values, not errors. [`Error`] is only for things a caller must fix: a
//! malformed policy (its message names the field), an unreadable policy file, a bad
//! argument. Its [`ErrorKind`] is `#[non_exhaustive]` and each kind has a stable numeric
//! code.
//!
//! # Performance
//!
//! Checks take `&[u8]`, never allocate, never panic, and run in time linear in the
//! resource's length for each input that occurs in it. An input that does not occur
//! costs one substring search; an input made only of `[A-Za-z0-9_]` costs nothing.
//! `Engine` is `Send + Sync`; a `Request` belongs to one thread at a time and keeps its
//! buffers across [`Request::reset`].
//!
//! # Changing the policy at run time
//!
//! An `Engine` never changes. [`SharedEngine`] holds the engine in force for a process
//! and replaces it atomically while other threads keep checking: a check borrows the
//! current engine without a lock ([`SharedEngine::load`]), a reload compiles the new
//! policy first and then swaps it in ([`SharedEngine::reload`]).

#![forbid(unsafe_code)]

pub mod collect;
pub mod decode;
mod detect;
mod engine;
mod error;
pub mod event;
mod glob;
mod inspect;
pub mod lex;
mod names;
pub mod policy;
mod request;
mod rules;
mod shared;
#[cfg(test)]
mod test_random;
pub mod vectors;
mod verdict;

pub use engine::Engine;
pub use error::{Error, ErrorKind};
pub use event::{format_error_event, format_event, EventContext};
pub use inspect::InspectScratch;
pub use lex::sql::Dialect;
pub use policy::{Mode, Policy, ProtectionAction, Rule, RuleAction, RuleMatch, Severity};
pub use request::{Input, Request, Source};
pub use rules::default_rules;
pub use shared::{EngineGuard, SharedEngine};
pub use verdict::{Action, Reason, Span, Threat, Verdict};

/// The version of this crate (and of every rampart package: they share one version).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
