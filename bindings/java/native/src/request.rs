//! `dev.rampart.Request`: the inputs of one HTTP request, behind a `long` handle.
//!
//! The handle is the address of a `Mutex<Request>`: Java may share a request between
//! threads by mistake, and the lock (uncontended: a few nanoseconds) keeps that from
//! becoming a data race.

use std::sync::{Mutex, MutexGuard};

use jni::objects::{JByteArray, JClass, JObjectArray, JString};
use jni::sys::{jint, jlong, jobjectArray};
use jni::JNIEnv;
use rampart_core::collect::Collector;
use rampart_core::{Request, Source};

use crate::boundary::{boundary, invalid_argument, with_text, Outcome};

type Shared = Mutex<Request>;

/// Inputs kept per request: bounds the memory and the time of every check.
const MAX_INPUTS: usize = 4096;

/// Adds inputs to `request` the way every agent flattens them (`rampart_core::collect`).
fn collector(request: &mut Request) -> Collector<'_> {
    Collector::new(request, MAX_INPUTS)
}

/// The request behind `handle`, locked.
pub fn lock<'a>(handle: jlong) -> Outcome<MutexGuard<'a, Request>> {
    if handle == 0 {
        return Err(invalid_argument("the request is closed"));
    }
    // SAFETY: `handle` came from `requestNew` and Java calls `requestFree` only once, after
    // its last use (`Request.close()` or its Cleaner, which runs when the object is
    // unreachable; the checks keep it reachable for their duration).
    let shared: &'a Shared = unsafe { &*(handle as *const Shared) };
    Ok(shared.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
}

fn source(code: jint) -> Outcome<Source> {
    u32::try_from(code).ok().and_then(Source::from_code).ok_or_else(|| invalid_argument("unknown input source"))
}

#[no_mangle]
pub extern "system" fn Java_dev_rampart_Native_requestNew<'l>(mut env: JNIEnv<'l>, _: JClass<'l>) -> jlong {
    boundary(&mut env, 0, |_| Ok(Box::into_raw(Box::new(Mutex::new(Request::new()))) as jlong))
}

#[no_mangle]
pub extern "system" fn Java_dev_rampart_Native_requestFree<'l>(mut env: JNIEnv<'l>, _: JClass<'l>, handle: jlong) {
    boundary(&mut env, (), |_| {
        if handle != 0 {
            // SAFETY: see `lock`; this is the one release of the handle.
            drop(unsafe { Box::from_raw(handle as *mut Shared) });
        }
        Ok(())
    })
}

#[no_mangle]
pub extern "system" fn Java_dev_rampart_Native_requestReset<'l>(mut env: JNIEnv<'l>, _: JClass<'l>, handle: jlong) {
    boundary(&mut env, (), |_| {
        lock(handle)?.reset();
        Ok(())
    })
}

#[no_mangle]
pub extern "system" fn Java_dev_rampart_Native_requestAddInput<'l>(
    mut env: JNIEnv<'l>,
    _: JClass<'l>,
    handle: jlong,
    source_code: jint,
    key: JString<'l>,
    value: JString<'l>,
) {
    boundary(&mut env, (), |env| {
        let source = source(source_code)?;
        let key = with_text(env, &key, <[u8]>::to_vec)?;
        with_text(env, &value, |value| -> Outcome<()> {
            lock(handle)?.add_input(source, &key, value);
            Ok(())
        })?
    })
}

/// Field codes of `requestSet`, as in `dev.rampart.Native`.
const METHOD: jint = 0;
const PATH: jint = 1;
const ROUTE: jint = 2;
const HOST: jint = 3;

#[no_mangle]
pub extern "system" fn Java_dev_rampart_Native_requestSet<'l>(
    mut env: JNIEnv<'l>,
    _: JClass<'l>,
    handle: jlong,
    field: jint,
    value: JString<'l>,
) {
    boundary(&mut env, (), |env| {
        with_text(env, &value, |value| -> Outcome<()> {
            let mut request = lock(handle)?;
            match field {
                METHOD => request.set_method(value),
                PATH => request.set_path(value),
                ROUTE => request.set_route(value),
                HOST => request.set_host(value),
                _ => return Err(invalid_argument("unknown request field")),
            }
            Ok(())
        })?
    })
}

/// Kinds of text `requestAddEncoded` flattens, as in `dev.rampart.Native`.
const QUERY_STRING: jint = 0;
const FORM_BODY: jint = 1;
const COOKIE_HEADER: jint = 2;

/// Adds the inputs of a query string, a urlencoded body or a Cookie header.
#[no_mangle]
pub extern "system" fn Java_dev_rampart_Native_requestAddEncoded<'l>(
    mut env: JNIEnv<'l>,
    _: JClass<'l>,
    handle: jlong,
    kind: jint,
    data: JString<'l>,
) {
    boundary(&mut env, (), |env| {
        with_text(env, &data, |data| -> Outcome<()> {
            let mut request = lock(handle)?;
            match kind {
                QUERY_STRING => collector(&mut request).urlencoded(Source::Query, data),
                FORM_BODY => collector(&mut request).urlencoded(Source::Body, data),
                COOKIE_HEADER => collector(&mut request).cookies(data),
                _ => return Err(invalid_argument("unknown encoding")),
            };
            Ok(())
        })?
    })
}

/// Adds decoded parameters (`getParameterMap()`): each key with each of its values.
#[no_mangle]
pub extern "system" fn Java_dev_rampart_Native_requestAddPairs<'l>(
    mut env: JNIEnv<'l>,
    _: JClass<'l>,
    handle: jlong,
    source_code: jint,
    pairs: JObjectArray<'l>,
) {
    boundary(&mut env, (), |env| {
        let source = source(source_code)?;
        let pairs = crate::boundary::text_array(env, &pairs)?;
        let mut request = lock(handle)?;
        let mut collector = collector(&mut request);
        for pair in pairs.chunks_exact(2) {
            if !collector.pair(source, pair[0].as_bytes(), pair[1].as_bytes()) {
                break;
            }
        }
        Ok(())
    })
}

/// Adds one header (protocol headers skipped; `Cookie` split into cookies).
#[no_mangle]
pub extern "system" fn Java_dev_rampart_Native_requestAddHeader<'l>(
    mut env: JNIEnv<'l>,
    _: JClass<'l>,
    handle: jlong,
    name: JString<'l>,
    value: JString<'l>,
) {
    boundary(&mut env, (), |env| {
        let name = with_text(env, &name, <[u8]>::to_vec)?;
        with_text(env, &value, |value| -> Outcome<()> {
            collector(&mut *lock(handle)?).header_any_case(&name, value);
            Ok(())
        })?
    })
}

/// Adds the inputs of a JSON body (the bytes as the application read them).
#[no_mangle]
pub extern "system" fn Java_dev_rampart_Native_requestAddJson<'l>(
    mut env: JNIEnv<'l>,
    _: JClass<'l>,
    handle: jlong,
    body: JByteArray<'l>,
    length: jint,
) {
    boundary(&mut env, (), |env| {
        let mut bytes = env.convert_byte_array(&body)?;
        bytes.truncate(usize::try_from(length).unwrap_or(0));
        collector(&mut *lock(handle)?).json(&bytes);
        Ok(())
    })
}

/// Adds an uploaded file: field, client's file name, declared content type and the first
/// `length` bytes of `head` (the core keeps at most `Request::FILE_HEAD_LEN`).
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "system" fn Java_dev_rampart_Native_requestAddFile<'l>(
    mut env: JNIEnv<'l>,
    _: JClass<'l>,
    handle: jlong,
    field: JString<'l>,
    filename: JString<'l>,
    content_type: JString<'l>,
    head: JByteArray<'l>,
    length: jint,
) {
    boundary(&mut env, (), |env| {
        let field = with_text(env, &field, <[u8]>::to_vec)?;
        let filename = with_text(env, &filename, <[u8]>::to_vec)?;
        let content_type = with_text(env, &content_type, <[u8]>::to_vec)?;
        let mut head = env.convert_byte_array(&head)?;
        head.truncate(usize::try_from(length).unwrap_or(0).min(Request::FILE_HEAD_LEN));
        let mut request = lock(handle)?;
        // The same bound as every other input: a request with thousands of parts stops here.
        if request.len() < MAX_INPUTS {
            request.add_file(&field, &filename, &content_type, &head);
        }
        Ok(())
    })
}

#[no_mangle]
pub extern "system" fn Java_dev_rampart_Native_requestLength<'l>(
    mut env: JNIEnv<'l>,
    _: JClass<'l>,
    handle: jlong,
) -> jint {
    boundary(&mut env, 0, |_| Ok(jint::try_from(lock(handle)?.len()).unwrap_or(jint::MAX)))
}

/// Input `index` as `{source, key, value}`; `null` past the end.
#[no_mangle]
pub extern "system" fn Java_dev_rampart_Native_requestInput<'l>(
    mut env: JNIEnv<'l>,
    _: JClass<'l>,
    handle: jlong,
    index: jint,
) -> jobjectArray {
    boundary(&mut env, std::ptr::null_mut(), |env| {
        let triple = {
            let request = lock(handle)?;
            let Some(input) = usize::try_from(index).ok().and_then(|i| request.input(i)) else {
                return Ok(std::ptr::null_mut());
            };
            let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
            [input.source.name().to_owned(), text(input.key), text(input.value)]
        };
        let array = env.new_object_array(3, "java/lang/String", jni::objects::JObject::null())?;
        for (i, part) in triple.iter().enumerate() {
            let s = env.new_string(part)?;
            env.set_object_array_element(&array, i as jint, &s)?;
            env.delete_local_ref(s)?;
        }
        Ok(array.into_raw())
    })
}
