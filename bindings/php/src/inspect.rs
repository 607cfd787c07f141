//! Payload inspection of each HTTP request at its start (`Engine::inspect`): before any of
//! the application's code runs, the request's inputs, method, path and uploads are judged
//! context-free, as the policy's `malicious_payload` protection says.
//!
//! - `off` (or `mode: off`): nothing happens at request start; inputs stay collected
//!   lazily, at the first sink, so a request that reaches none costs nothing.
//! - `report` (the default): the inputs are collected at request start, inspected, and a
//!   finding is written as an event (`sink.kind` `request`); the request goes on.
//! - `block`: the same event (`blocked`), and the script never runs: the first frame of
//!   user code gets a `Rampart\BlockedException` before its first opcode, which PHP
//!   reports as uncaught, so the policy's block page is sent ([`crate::block`]) with
//!   PHP's usual cleanup.
//!
//! A command-line script has no HTTP request and is never inspected.
#![allow(unsafe_code)]

use std::cell::RefCell;

use ext_php_rs::ffi::zend_execute_data;
use rampart_core::event::REQUEST_SINK;
use rampart_core::{Action, EventContext, Threat};

use crate::context;
use crate::events;

type ExecuteEx = unsafe extern "C" fn(*mut zend_execute_data);

extern "C" {
    /// Zend/zend_execute.h: runs a frame of user code; extensions may replace it.
    static mut zend_execute_ex: Option<ExecuteEx>;
}

const ZEND_USER_FUNCTION: u8 = 2;

thread_local! {
    /// The block message waiting for the request's first frame of user code, and the
    /// executor to put back once it is thrown.
    static PENDING: RefCell<Option<(String, ExecuteEx)>> = const { RefCell::new(None) };
}

/// RINIT: inspects the request when the policy asks for it.
pub fn at_request_start() {
    // A block of the previous request that never reached user code (a request the SAPI
    // answered itself) must not leak into this one.
    restore_executor();
    let Ok(engine) = crate::runtime::engine() else { return };
    if engine.policy().effective_action(Threat::MaliciousPayload).is_none() || context::is_command_line() {
        return;
    }
    let blocked = context::with_request(|state| {
        let verdict = engine.inspect(&state.request);
        if !verdict.is_attack() || verdict.action == Action::Allow {
            return None;
        }
        let event_id = rampart_core::event::new_event_id();
        let event = EventContext {
            operation: "request".to_owned(),
            event_id: event_id.clone(),
            client_ip: state.client_ip.clone(),
            user_agent: state.user_agent.clone(),
            request_id: state.request_id.clone(),
            stack: Vec::new(),
        };
        // No sink: an empty resource, so the event quotes the offending value (or the path).
        if let Some(line) = engine.event_json(&state.request, &verdict, REQUEST_SINK, b"", &event) {
            events::emit(&line);
        }
        if verdict.action != Action::Block {
            return None;
        }
        state.blocked_event = Some(event_id.clone());
        Some(format!("rampart blocked malicious_payload at request start (event {event_id})"))
    });
    if let Some(message) = blocked {
        block_before_user_code(message);
    }
}

/// Replaces the executor until the first frame of user code starts.
fn block_before_user_code(message: String) {
    // SAFETY: the executor pointer is read and written on the thread serving requests,
    // between frames (RINIT); PHP reads it at each call of user code. In a non-ZTS build
    // (one request per process at a time) nothing else runs meanwhile.
    unsafe {
        let slot = std::ptr::addr_of_mut!(zend_execute_ex);
        let Some(original) = *slot else { return };
        PENDING.with(|p| *p.borrow_mut() = Some((message, original)));
        *slot = Some(execute_blocked);
    }
}

/// Puts PHP's executor back (a replacement is for one request only: while it is in place
/// PHP calls it for every frame instead of its faster inline calls). RSHUTDOWN calls it
/// too, for a blocked request that never ran user code.
pub fn restore_executor() -> Option<String> {
    let (message, original) = PENDING.with(|p| p.borrow_mut().take())?;
    // SAFETY: as in `block_before_user_code`.
    unsafe { *std::ptr::addr_of_mut!(zend_execute_ex) = Some(original) };
    Some(message)
}

/// The executor for the request's first frame: throws the block, then lets PHP's own
/// executor run the frame, which starts at the exception handler (an exception thrown
/// while a user frame is current moves its next opcode there), unwinds it and frees it.
unsafe extern "C" fn execute_blocked(execute_data: *mut zend_execute_data) {
    let original = PENDING.with(|p| p.borrow().as_ref().map(|(_, original)| *original));
    let message = crate::guard::catching(restore_executor).ok().flatten();
    // SAFETY: PHP passes the frame it is about to run; its function pointer is set.
    let user_code = unsafe {
        !execute_data.is_null()
            && !(*execute_data).func.is_null()
            && (*(*execute_data).func).type_ == ZEND_USER_FUNCTION
    };
    if let (Some(message), true) = (message, user_code) {
        let _ = crate::guard::catching(|| crate::hooks::throw_blocked(message));
    }
    if let Some(original) = original {
        // SAFETY: PHP's executor, with the frame PHP gave us.
        unsafe { original(execute_data) };
    }
}
