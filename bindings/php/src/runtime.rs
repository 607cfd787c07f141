//! The process-wide engine and settings, built once at module start-up.
//!
//! A policy that cannot be read leaves the extension loaded but inert (fail open): the
//! reason is written as an error event at start-up, shown by `phpinfo()`, and the
//! explicit API throws `Rampart\PolicyException` with it.

use std::sync::OnceLock;

use rampart_core::{Engine, Policy};

/// Where events are written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventSink {
    /// The process's standard error (container log drivers pick it up).
    Stderr,
    /// PHP's error log (`error_log` ini setting, or the SAPI's log).
    ErrorLog,
    /// A file, appended to.
    File(String),
}

#[derive(Debug)]
struct Runtime {
    engine: Result<Engine, String>,
    events: EventSink,
}

static RUNTIME: OnceLock<Runtime> = OnceLock::new();

/// Reads `rampart.policy` (or `RAMPART_POLICY`) and `rampart.events`, builds the engine.
pub fn init_from_ini() {
    let ini = ext_php_rs::zend::ExecutorGlobals::get().ini_values();
    let setting = |name: &str| ini.get(name).cloned().flatten().unwrap_or_default();
    let events = match setting("rampart.events").as_str() {
        "" | "stderr" => EventSink::Stderr,
        "error_log" => EventSink::ErrorLog,
        path => EventSink::File(path.to_owned()),
    };
    let engine = load_policy(&setting("rampart.policy")).and_then(|p| Engine::new(p).map_err(|e| e.to_string()));
    let failed = engine.as_ref().err().cloned();
    let _ = RUNTIME.set(Runtime { engine, events });
    if let Some(message) = failed {
        crate::events::internal_error("policy", "", &format!("rampart runs unprotected: {message}"));
    }
}

fn load_policy(path: &str) -> Result<Policy, String> {
    if path.is_empty() {
        return Policy::from_env().map_err(|e| e.to_string());
    }
    let bytes = std::fs::read(path).map_err(|e| format!("rampart.policy={path}: {e}"))?;
    let mut policy = Policy::from_json(&bytes).map_err(|e| format!("{path}: {}", e.message()))?;
    if let Ok(mode) = std::env::var("RAMPART_MODE") {
        if !mode.is_empty() {
            policy.override_mode(&mode).map_err(|e| e.to_string())?;
        }
    }
    Ok(policy)
}

/// The engine, or why there is none.
pub fn engine() -> Result<&'static Engine, &'static str> {
    match RUNTIME.get() {
        Some(Runtime { engine: Ok(engine), .. }) => Ok(engine),
        Some(Runtime { engine: Err(message), .. }) => Err(message),
        None => Err("rampart was not started"),
    }
}

/// Where events go.
pub fn event_sink() -> EventSink {
    RUNTIME.get().map_or(EventSink::Stderr, |r| r.events.clone())
}

/// One line for `phpinfo()`.
pub fn status() -> String {
    match engine() {
        Ok(engine) => format!("mode {:?}", engine.policy().mode).to_lowercase(),
        Err(message) => format!("not loaded: {message}"),
    }
}
