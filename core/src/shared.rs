//! `SharedEngine`: the engine in force for a whole process, replaceable while other
//! threads check.
//!
//! An [`Engine`] is immutable: a new policy means a new engine. Agents keep one
//! `SharedEngine` for the process and swap the engine inside it when the policy changes
//! (a reloaded policy file, an operator switching report to block), without stopping
//! traffic:
//!
//! - [`SharedEngine::load`] borrows the engine in force for one check: lock-free, no
//!   allocation, no reference-count traffic on the shared engine.
//! - [`SharedEngine::snapshot`] takes an owned `Arc<Engine>`, for a binding that pins
//!   one engine per HTTP request (every check of a request then sees the same policy).
//! - [`SharedEngine::replace`] installs a new engine atomically. Checks already running
//!   finish on the engine they started with; the old engine is freed when the last of
//!   them (and the last snapshot) lets go of it.
//!
//! The swap itself is [`arc_swap::ArcSwap`]: readers never block writers or each other.
//! Compiling the new engine (the only step that allocates much) happens before the swap,
//! outside any reader's path.

use std::fmt;
use std::sync::Arc;

use arc_swap::ArcSwap;

use crate::engine::Engine;
use crate::error::Error;
use crate::policy::Policy;

/// The engine in force, atomically replaceable. `Send + Sync`; share it by reference or
/// in an `Arc`.
pub struct SharedEngine {
    current: ArcSwap<Engine>,
}

/// A borrowed engine, valid for one check (or a few): dereferences to [`Engine`]. Hold
/// it briefly; a long-held guard keeps a replaced engine alive.
pub struct EngineGuard {
    guard: arc_swap::Guard<Arc<Engine>>,
}

impl std::ops::Deref for EngineGuard {
    type Target = Engine;

    #[inline]
    fn deref(&self) -> &Engine {
        &self.guard
    }
}

impl fmt::Debug for EngineGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("EngineGuard").field(&**self).finish()
    }
}

impl SharedEngine {
    /// Starts with `engine` in force.
    pub fn new(engine: Engine) -> SharedEngine {
        SharedEngine { current: ArcSwap::from_pointee(engine) }
    }

    /// Compiles `policy` and puts it in force.
    pub fn from_policy(policy: Policy) -> Result<SharedEngine, Error> {
        Engine::new(policy).map(SharedEngine::new)
    }

    /// The engine in force, borrowed for a check. Lock-free and allocation-free (a
    /// thread's first call may register that thread with the swap, once).
    #[inline]
    pub fn load(&self) -> EngineGuard {
        EngineGuard { guard: self.current.load() }
    }

    /// The engine in force, owned: it stays valid (and alive) however long it is held,
    /// even after a replacement.
    pub fn snapshot(&self) -> Arc<Engine> {
        self.current.load_full()
    }

    /// `held` if it is still the engine in force, otherwise the one in force now: for a
    /// binding that refreshes a pinned engine between requests. Touches no reference
    /// count when nothing changed.
    pub fn refresh(&self, held: &mut Arc<Engine>) {
        let current = self.current.load();
        if !Arc::ptr_eq(&current, held) {
            *held = arc_swap::Guard::into_inner(current);
        }
    }

    /// Puts `engine` in force and returns the engine it replaces. Checks that started
    /// before the call finish on the old engine; checks that start after it see the new
    /// one.
    pub fn replace(&self, engine: Engine) -> Arc<Engine> {
        self.current.swap(Arc::new(engine))
    }

    /// Compiles `policy` and puts it in force. On error the engine in force stays.
    pub fn reload(&self, policy: Policy) -> Result<(), Error> {
        let engine = Engine::new(policy)?;
        drop(self.replace(engine));
        Ok(())
    }
}

impl fmt::Debug for SharedEngine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedEngine").field("current", &*self.load()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Action, Dialect, Request, Source};

    fn engine(mode: &str) -> Engine {
        let json = format!(r#"{{"mode": "{mode}"}}"#);
        Engine::new(Policy::from_json(json.as_bytes()).expect("valid policy")).expect("engine builds")
    }

    #[test]
    fn a_replacement_applies_to_the_next_check() {
        let shared = SharedEngine::new(engine("report"));
        let mut request = Request::new();
        request.add_input(Source::Body, b"email", b"' OR 1=1-- ");
        let query = b"SELECT * FROM users WHERE email = '' OR 1=1-- '";
        assert_eq!(shared.load().check_sql(&request, Dialect::MySql, query).action, Action::Report);
        shared.reload(engine("block").policy().clone()).expect("reloads");
        assert_eq!(shared.load().check_sql(&request, Dialect::MySql, query).action, Action::Block);
    }

    #[test]
    fn a_snapshot_outlives_its_replacement_and_is_then_freed() {
        let shared = SharedEngine::new(engine("report"));
        let mut pinned = shared.snapshot();
        let old = Arc::downgrade(&pinned);
        drop(shared.replace(engine("block")));
        assert!(old.upgrade().is_some(), "a snapshot keeps its engine alive");
        shared.refresh(&mut pinned);
        assert_eq!(pinned.policy().mode, crate::Mode::Block);
        assert!(old.upgrade().is_none(), "the replaced engine is freed with its last holder");
    }
}
