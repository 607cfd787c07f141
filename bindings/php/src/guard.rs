//! The boundary between PHP and Rust: nothing unwinds into the Zend engine.
//!
//! Hooks and lifecycle callbacks are `extern "C"` functions PHP calls directly; a panic
//! there would abort the process (or worse). Each runs its body through [`quietly`] or
//! [`catching`], which stop the unwind and report it as an internal error.

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};

thread_local! {
    /// Set while rampart itself calls back into PHP (reading `php://input`, asking a PDO
    /// handle for its driver): the sinks it reaches are its own, not the application's.
    static BUSY: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f`; a panic becomes `Err(message)`.
pub fn catching<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        if let Some(s) = payload.downcast_ref::<&str>() {
            (*s).to_owned()
        } else if let Some(s) = payload.downcast_ref::<String>() {
            s.clone()
        } else {
            "panic with a non-string payload".to_owned()
        }
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
