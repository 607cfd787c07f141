//! Writing events: one JSON line each (core's schema, `docs/events.md`), to stderr, PHP's
//! error log or a file, as `rampart.events` says.

use std::ffi::CString;
use std::io::Write;

use rampart_core::EventContext;

use crate::runtime::{self, EventSink};

/// Writes one event line.
pub fn emit(line: &str) {
    match runtime::event_sink() {
        EventSink::Stderr => {
            let mut err = std::io::stderr().lock();
            let _ = writeln!(err, "{line}");
        }
        EventSink::ErrorLog => {
            // A JSON line holds no NUL (serde escapes it); an error here only drops the line.
            if let Ok(text) = CString::new(line) {
                crate::zend::log_error(&text);
            }
        }
        EventSink::File(path) => {
            let written = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .and_then(|mut f| f.write_all(format!("{line}\n").as_bytes()));
            if let Err(e) = written {
                let mut err = std::io::stderr().lock();
                let _ = writeln!(err, "rampart: cannot write events to {path}: {e}");
                let _ = writeln!(err, "{line}");
            }
        }
    }
}

/// Writes the error event of a hook that failed internally; the sink call goes on.
pub fn internal_error(sink_kind: &str, operation: &str, message: &str) {
    let context = EventContext { operation: operation.to_owned(), ..EventContext::default() };
    let line = match runtime::engine() {
        Ok(engine) => engine.error_event_json(None, sink_kind, "internal", message, &context),
        Err(_) => {
            let policy = rampart_core::Policy::default();
            rampart_core::format_error_event(&policy, None, sink_kind, "internal", message, &context)
        }
    };
    emit(&line);
}
