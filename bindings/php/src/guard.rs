//! The boundary between PHP and Rust: nothing unwinds into the Zend engine.
//!
//! Hooks and lifecycle callbacks are `extern "C"` functions PHP calls directly; a panic
//! there would abort the process (or worse). Each runs its body through [`quietly`] or
//! [`catching`], which stop the unwind and report it as an internal error.

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};

thread_local! {
    /// Where the last panic of this thread happened (the panic hook records it).
    static LAST_PANIC: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
    /// Set while rampart itself calls back into PHP (reading `php://input`, asking a PDO
    /// handle for its driver): the sinks it reaches are its own, not the application's.
    static BUSY: Cell<bool> = const { Cell::new(false) };
}

/// Replaces Rust's default panic hook, which would print a backtrace into the
/// application's output or the web server's log: a panic inside rampart is caught at the
/// boundary and reported once, as an error event (hooks) or an exception (the API).
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let location = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        let _ = LAST_PANIC.try_with(|last| {
            if let Ok(mut last) = last.try_borrow_mut() {
                *last = location;
            }
        });
    }));
}

/// Runs `f`; a panic becomes `Err(message)`.
pub fn catching<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        let message = if let Some(s) = payload.downcast_ref::<&str>() {
            (*s).to_owned()
        } else if let Some(s) = payload.downcast_ref::<String>() {
            s.clone()
        } else {
            "panic with a non-string payload".to_owned()
        };
        let location = LAST_PANIC.try_with(|last| last.take()).unwrap_or_default();
        format!("{message}{location}")
    })
}

/// Runs `f` where there is nobody to tell about a failure (lifecycle callbacks): a panic
/// is written to stderr and otherwise ignored.
pub fn quietly(f: impl FnOnce()) {
    if let Err(message) = catching(f) {
        crate::events::internal_error("lifecycle", "", &message);
    }
}

/// Whether rampart is calling into PHP on its own behalf right now.
pub fn busy() -> bool {
    BUSY.with(Cell::get)
}

/// Clears [`busy`] at the start of a request: a PHP fatal error inside a call rampart made
/// unwinds with longjmp, past the guard that would have cleared it.
pub fn reset_busy() {
    BUSY.with(|b| b.set(false));
}

/// Runs `f` with [`busy`] set, so the hooks it reaches pass straight through.
pub fn as_rampart<R>(f: impl FnOnce() -> R) -> R {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            BUSY.with(|b| b.set(self.0));
        }
    }
    let _reset = Reset(BUSY.with(|b| b.replace(true)));
    f()
}
