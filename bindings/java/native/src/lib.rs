//! rampart-jni: the native half of rampart's Java binding (`librampart_jni.so`).
//!
//! A thin JNI layer over rampart-core, called only by the package-private class
//! `dev.rampart.Native`. The Java half owns the public API (`Engine`, `Request`,
//! `Verdict`), the agent's hooks and the request context; this crate moves bytes across
//! the boundary and nothing else:
//!
//! - engines and requests live on the Rust heap; Java holds their addresses as `long`
//!   handles and releases them through `java.lang.ref.Cleaner` (or `close()`);
//! - a check returns `0` when it found nothing (the common case writes nothing back) and
//!   otherwise fills a caller-supplied `int[7]` with the verdict's fields;
//! - events and block pages are formatted by rampart-core, so every language writes the
//!   same JSON.
//!
//! # Errors
//!
//! Every entry point runs inside [`boundary`]: a panic is caught and thrown as
//! `dev.rampart.InternalException` instead of unwinding into the JVM, and each core
//! [`ErrorKind`](rampart_core::ErrorKind) is thrown as its own exception class.

// JNI entry points are `#[no_mangle] extern "system"` functions and handles are raw
// pointers: both are `unsafe` by nature. Every `unsafe` block states why it holds.
#![allow(unsafe_code)]

mod boundary;
mod engine;
mod request;

use jni::objects::{JClass, JString};
use jni::sys::{jint, jstring};
use jni::JNIEnv;

use crate::boundary::{boundary, java_string, null_string, text};

/// rampart's version.
#[no_mangle]
pub extern "system" fn Java_dev_rampart_Native_version<'l>(mut env: JNIEnv<'l>, _: JClass<'l>) -> jstring {
    boundary(&mut env, null_string(), |env| java_string(env, rampart_core::VERSION))
}

/// The stable snake_case name of a reason code (`sql_literal_escape`); `null` for an
/// unknown code.
#[no_mangle]
pub extern "system" fn Java_dev_rampart_Native_reasonName<'l>(
    mut env: JNIEnv<'l>,
    _: JClass<'l>,
    code: jint,
) -> jstring {
    boundary(&mut env, null_string(), |env| match rampart_core::Reason::from_code(code as u32) {
        Some(reason) => java_string(env, reason.name()),
        None => Ok(null_string()),
    })
}

/// The sentence describing a reason code; `null` for an unknown code.
#[no_mangle]
pub extern "system" fn Java_dev_rampart_Native_reasonDescription<'l>(
    mut env: JNIEnv<'l>,
    _: JClass<'l>,
    code: jint,
) -> jstring {
    boundary(&mut env, null_string(), |env| match rampart_core::Reason::from_code(code as u32) {
        Some(reason) => java_string(env, reason.description()),
        None => Ok(null_string()),
    })
}

/// A fresh event id (32 hex digits).
#[no_mangle]
pub extern "system" fn Java_dev_rampart_Native_newEventId<'l>(mut env: JNIEnv<'l>, _: JClass<'l>) -> jstring {
    boundary(&mut env, null_string(), |env| java_string(env, &rampart_core::event::new_event_id()))
}

/// Panics on purpose: the tests prove that a panic becomes a Java exception.
#[no_mangle]
pub extern "system" fn Java_dev_rampart_Native_panicForTest<'l>(
    mut env: JNIEnv<'l>,
    _: JClass<'l>,
    message: JString<'l>,
) {
    boundary(&mut env, (), |env| {
        let message = text(env, &message)?;
        panic!("{message}");
    })
}
