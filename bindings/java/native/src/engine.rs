//! `dev.rampart.Engine`: a compiled policy behind a `long` handle, its checks, its
//! events and its block page.

use jni::objects::{JByteArray, JClass, JIntArray, JObjectArray, JString};
use jni::sys::{jboolean, jint, jlong, jstring, JNI_FALSE, JNI_TRUE};
use jni::JNIEnv;
use rampart_core::event::EventContext;
use rampart_core::{Action, Dialect, Engine, Policy, Reason, Request, Span, Threat, Verdict};

use crate::boundary::{
    boundary, invalid_argument, java_string, null_string, optional_text, text, text_array, with_bytes, with_text,
    Outcome,
};
use crate::request;

/// Number of `int`s a verdict fills: action, threat, reason, input index, span start,
/// span end, rule id (`-1` for an absent field).
const VERDICT_INTS: usize = 7;

/// The engine behind `handle`.
fn engine<'a>(handle: jlong) -> Outcome<&'a Engine> {
    if handle == 0 {
        return Err(invalid_argument("the engine is closed"));
    }
    // SAFETY: `handle` came from `engineNew`/`engineFromEnv` and Java frees it once, after
    // its last use (`Engine.close()`, documented not to race with checks, or its Cleaner,
    // which runs only when the engine is unreachable). `Engine` is `Sync`.
    Ok(unsafe { &*(handle as *const Engine) })
}

fn into_handle(policy: Policy) -> Outcome<jlong> {
    Ok(Box::into_raw(Box::new(Engine::new(policy)?)) as jlong)
}

#[no_mangle]
pub extern "system" fn Java_dev_rampart_Native_engineNew<'l>(
    mut env: JNIEnv<'l>,
    _: JClass<'l>,
    policy_json: JString<'l>,
) -> jlong {
    boundary(&mut env, 0, |env| {
        let policy =
            if policy_json.is_null() { Policy::default() } else { with_text(env, &policy_json, Policy::from_json)?? };
        into_handle(policy)
    })
}

#[no_mangle]
pub extern "system" fn Java_dev_rampart_Native_engineFromEnv<'l>(mut env: JNIEnv<'l>, _: JClass<'l>) -> jlong {
    boundary(&mut env, 0, |_| into_handle(Policy::from_env()?))
}

#[no_mangle]
pub extern "system" fn Java_dev_rampart_Native_engineFree<'l>(mut env: JNIEnv<'l>, _: JClass<'l>, handle: jlong) {
    boundary(&mut env, (), |_| {
        if handle != 0 {
            // SAFETY: see `engine`; this is the one release of the handle.
            drop(unsafe { Box::from_raw(handle as *mut Engine) });
        }
        Ok(())
    })
}

/// `0` off, `1` report, `2` block.
#[no_mangle]
pub extern "system" fn Java_dev_rampart_Native_engineMode<'l>(
    mut env: JNIEnv<'l>,
    _: JClass<'l>,
    handle: jlong,
) -> jint {
    boundary(&mut env, 0, |_| {
        Ok(match engine(handle)?.policy().mode {
            rampart_core::Mode::Off => 0,
            rampart_core::Mode::Report => 1,
            rampart_core::Mode::Block => 2,
        })
    })
}

#[no_mangle]
pub extern "system" fn Java_dev_rampart_Native_engineFailClosed<'l>(
    mut env: JNIEnv<'l>,
    _: JClass<'l>,
    handle: jlong,
) -> jboolean {
    boundary(&mut env, JNI_FALSE, |_| Ok(if engine(handle)?.policy().fail_closed { JNI_TRUE } else { JNI_FALSE }))
}

/// The action a finding of `threat` gets after the mode: 0 when the protection (or the
/// mode) is off, 1 report, 2 block; agents skip the work of a protection that is off.
#[no_mangle]
pub extern "system" fn Java_dev_rampart_Native_engineAction<'l>(
    mut env: JNIEnv<'l>,
    _: JClass<'l>,
    handle: jlong,
    threat: jint,
) -> jint {
    boundary(&mut env, 0, |_| {
        let threat = u32::try_from(threat)
            .ok()
            .and_then(Threat::from_code)
            .ok_or_else(|| crate::boundary::invalid_argument("unknown threat"))?;
        Ok(match engine(handle)?.policy().effective_action(threat) {
            None | Some(Action::Allow) => 0,
            Some(Action::Report) => 1,
            Some(Action::Block) => 2,
        })
    })
}

#[no_mangle]
pub extern "system" fn Java_dev_rampart_Native_blockStatus<'l>(
    mut env: JNIEnv<'l>,
    _: JClass<'l>,
    handle: jlong,
) -> jint {
    boundary(&mut env, 403, |_| Ok(jint::from(engine(handle)?.policy().block_response.status)))
}

#[no_mangle]
pub extern "system" fn Java_dev_rampart_Native_blockContentType<'l>(
    mut env: JNIEnv<'l>,
    _: JClass<'l>,
    handle: jlong,
) -> jstring {
    boundary(&mut env, null_string(), |env| {
        let content_type = &engine(handle)?.policy().block_response.content_type;
        java_string(env, content_type)
    })
}

/// The policy's block page body with `{{event_id}}` filled in.
#[no_mangle]
pub extern "system" fn Java_dev_rampart_Native_blockBody<'l>(
    mut env: JNIEnv<'l>,
    _: JClass<'l>,
    handle: jlong,
    event_id: JString<'l>,
) -> jstring {
    boundary(&mut env, null_string(), |env| {
        let event_id = optional_text(env, &event_id)?;
        let body = engine(handle)?.policy().block_response.render_body(&event_id);
        java_string(env, &body)
    })
}

/// What the hook knows about the sink call and the HTTP request.
#[allow(clippy::too_many_arguments)]
fn context(
    env: &mut JNIEnv<'_>,
    operation: &JString<'_>,
    event_id: &JString<'_>,
    client_ip: &JString<'_>,
    user_agent: &JString<'_>,
    request_id: &JString<'_>,
    stack: &JObjectArray<'_>,
) -> Outcome<EventContext> {
    Ok(EventContext {
        operation: optional_text(env, operation)?,
        event_id: optional_text(env, event_id)?,
        client_ip: optional_text(env, client_ip)?,
        user_agent: optional_text(env, user_agent)?,
        request_id: optional_text(env, request_id)?,
        stack: text_array(env, stack)?,
    })
}

/// The verdict Java passes back for an event, from the ints a check filled.
fn verdict_from_ints(ints: &[jint; VERDICT_INTS]) -> Outcome<Verdict> {
    let code = |i: usize| u32::try_from(ints[i]).ok();
    let index = |i: usize| usize::try_from(ints[i]).ok();
    let action = match ints[0] {
        0 => Action::Allow,
        1 => Action::Report,
        2 => Action::Block,
        _ => return Err(invalid_argument("verdict: unknown action")),
    };
    let span = match (index(4), index(5)) {
        (Some(start), Some(end)) if start <= end => Some(Span { start, end }),
        _ => None,
    };
    Ok(Verdict {
        action,
        threat: code(1).and_then(Threat::from_code),
        reason: code(2).and_then(Reason::from_code),
        input_index: index(3),
        span,
        rule_id: code(6).unwrap_or(0),
    })
}

/// The event JSON line of a finding; `null` for a verdict without a threat.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "system" fn Java_dev_rampart_Native_eventJson<'l>(
    mut env: JNIEnv<'l>,
    _: JClass<'l>,
    engine_handle: jlong,
    request_handle: jlong,
    verdict: JIntArray<'l>,
    sink_kind: JString<'l>,
    resource: JString<'l>,
    operation: JString<'l>,
    event_id: JString<'l>,
    client_ip: JString<'l>,
    user_agent: JString<'l>,
    request_id: JString<'l>,
    stack: JObjectArray<'l>,
) -> jstring {
    boundary(&mut env, null_string(), |env| {
        let mut ints = [0; VERDICT_INTS];
        env.get_int_array_region(&verdict, 0, &mut ints)?;
        let verdict = verdict_from_ints(&ints)?;
        let sink_kind = text(env, &sink_kind)?;
        let context = context(env, &operation, &event_id, &client_ip, &user_agent, &request_id, &stack)?;
        let engine = engine(engine_handle)?;
        let line = with_text(env, &resource, |resource| -> Outcome<Option<String>> {
            let request = request::lock(request_handle)?;
            Ok(engine.event_json(&request, &verdict, &sink_kind, resource, &context))
        })??;
        match line {
            Some(line) => java_string(env, &line),
            None => Ok(null_string()),
        }
    })
}

/// The event JSON line of a hook that failed internally; `request_handle` may be 0.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "system" fn Java_dev_rampart_Native_errorEventJson<'l>(
    mut env: JNIEnv<'l>,
    _: JClass<'l>,
    engine_handle: jlong,
    request_handle: jlong,
    sink_kind: JString<'l>,
    error_kind: JString<'l>,
    message: JString<'l>,
    operation: JString<'l>,
    event_id: JString<'l>,
    client_ip: JString<'l>,
    user_agent: JString<'l>,
    request_id: JString<'l>,
    stack: JObjectArray<'l>,
) -> jstring {
    boundary(&mut env, null_string(), |env| {
        let sink_kind = optional_text(env, &sink_kind)?;
        let error_kind = optional_text(env, &error_kind)?;
        let message = optional_text(env, &message)?;
        // The hook's id: under fail_closed the block page quotes it.
        let context = context(env, &operation, &event_id, &client_ip, &user_agent, &request_id, &stack)?;
        let engine = engine(engine_handle)?;
        let line = if request_handle == 0 {
            engine.error_event_json(None, &sink_kind, &error_kind, &message, &context)
        } else {
            let request = request::lock(request_handle)?;
            engine.error_event_json(Some(&request), &sink_kind, &error_kind, &message, &context)
        };
        java_string(env, &line)
    })
}

/// Writes a verdict that found something into `out`; returns 1, or 0 when it found
/// nothing (and leaves `out` alone).
fn found(env: &mut JNIEnv<'_>, verdict: Verdict, out: &JIntArray<'_>) -> Outcome<jint> {
    if !verdict.is_attack() {
        return Ok(0);
    }
    let signed = |n: Option<u32>| n.and_then(|n| jint::try_from(n).ok()).unwrap_or(-1);
    let offset = |n: Option<usize>| n.and_then(|n| jint::try_from(n).ok()).unwrap_or(-1);
    let ints: [jint; VERDICT_INTS] = [
        signed(Some(verdict.action.code())),
        signed(verdict.threat.map(Threat::code)),
        signed(verdict.reason.map(Reason::code)),
        offset(verdict.input_index),
        offset(verdict.span.map(|s| s.start)),
        offset(verdict.span.map(|s| s.end)),
        signed(Some(verdict.rule_id)),
    ];
    env.set_int_array_region(out, 0, &ints)?;
    Ok(1)
}

/// The common frame of the checks that take one string resource.
fn check_text<'l>(
    env: &mut JNIEnv<'l>,
    handles: (jlong, jlong),
    resource: &JByteArray<'_>,
    out: &JIntArray<'_>,
    check: impl FnOnce(&Engine, &Request, &[u8]) -> Verdict,
) -> jint {
    boundary(env, 0, |env| {
        let engine = engine(handles.0)?;
        let verdict = with_bytes(env, resource, |resource| -> Outcome<Verdict> {
            Ok(check(engine, &*request::lock(handles.1)?, resource))
        })??;
        found(env, verdict, out)
    })
}

#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "system" fn Java_dev_rampart_Native_checkSql<'l>(
    mut env: JNIEnv<'l>,
    _: JClass<'l>,
    engine: jlong,
    request: jlong,
    dialect: jint,
    query: JByteArray<'l>,
    out: JIntArray<'l>,
) -> jint {
    let Some(dialect) = u32::try_from(dialect).ok().and_then(Dialect::from_code) else {
        return boundary(&mut env, 0, |_| Err(invalid_argument("unknown SQL dialect")));
    };
    check_text(&mut env, (engine, request), &query, &out, |e, r, q| e.check_sql(r, dialect, q))
}

#[no_mangle]
pub extern "system" fn Java_dev_rampart_Native_checkShell<'l>(
    mut env: JNIEnv<'l>,
    _: JClass<'l>,
    engine: jlong,
    request: jlong,
    command: JByteArray<'l>,
    out: JIntArray<'l>,
) -> jint {
    check_text(&mut env, (engine, request), &command, &out, Engine::check_shell)
}

#[no_mangle]
pub extern "system" fn Java_dev_rampart_Native_checkNosql<'l>(
    mut env: JNIEnv<'l>,
    _: JClass<'l>,
    engine: jlong,
    request: jlong,
    filter: JByteArray<'l>,
    out: JIntArray<'l>,
) -> jint {
    check_text(&mut env, (engine, request), &filter, &out, Engine::check_nosql)
}

#[no_mangle]
pub extern "system" fn Java_dev_rampart_Native_checkPath<'l>(
    mut env: JNIEnv<'l>,
    _: JClass<'l>,
    engine: jlong,
    request: jlong,
    path: JByteArray<'l>,
    out: JIntArray<'l>,
) -> jint {
    check_text(&mut env, (engine, request), &path, &out, Engine::check_path)
}

#[no_mangle]
pub extern "system" fn Java_dev_rampart_Native_checkUrl<'l>(
    mut env: JNIEnv<'l>,
    _: JClass<'l>,
    engine: jlong,
    request: jlong,
    url: JByteArray<'l>,
    out: JIntArray<'l>,
) -> jint {
    check_text(&mut env, (engine, request), &url, &out, Engine::check_url)
}

#[no_mangle]
pub extern "system" fn Java_dev_rampart_Native_checkRedirect<'l>(
    mut env: JNIEnv<'l>,
    _: JClass<'l>,
    engine: jlong,
    request: jlong,
    location: JByteArray<'l>,
    out: JIntArray<'l>,
) -> jint {
    check_text(&mut env, (engine, request), &location, &out, Engine::check_redirect)
}

#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "system" fn Java_dev_rampart_Native_checkResolvedIp<'l>(
    mut env: JNIEnv<'l>,
    _: JClass<'l>,
    engine: jlong,
    request: jlong,
    host: JByteArray<'l>,
    ip: JByteArray<'l>,
    out: JIntArray<'l>,
) -> jint {
    boundary(&mut env, 0, |env| {
        let host = with_bytes(env, &host, <[u8]>::to_vec)?;
        let verdict = with_bytes(env, &ip, |ip| -> Outcome<Verdict> {
            Ok(self::engine(engine)?.check_resolved_ip(&*request::lock(request)?, &host, ip))
        })??;
        found(env, verdict, &out)
    })
}

/// Payload inspection of the request itself (method, path, inputs); no sink.
#[no_mangle]
pub extern "system" fn Java_dev_rampart_Native_inspect<'l>(
    mut env: JNIEnv<'l>,
    _: JClass<'l>,
    engine: jlong,
    request: jlong,
    out: JIntArray<'l>,
) -> jint {
    boundary(&mut env, 0, |env| {
        let verdict = self::engine(engine)?.inspect(&*request::lock(request)?);
        found(env, verdict, &out)
    })
}

#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "system" fn Java_dev_rampart_Native_checkHeader<'l>(
    mut env: JNIEnv<'l>,
    _: JClass<'l>,
    engine: jlong,
    request: jlong,
    name: JByteArray<'l>,
    value: JByteArray<'l>,
    out: JIntArray<'l>,
) -> jint {
    boundary(&mut env, 0, |env| {
        let name = with_bytes(env, &name, <[u8]>::to_vec)?;
        let verdict = with_bytes(env, &value, |value| -> Outcome<Verdict> {
            Ok(self::engine(engine)?.check_header(&*request::lock(request)?, &name, value))
        })??;
        found(env, verdict, &out)
    })
}

#[no_mangle]
pub extern "system" fn Java_dev_rampart_Native_checkExec<'l>(
    mut env: JNIEnv<'l>,
    _: JClass<'l>,
    engine: jlong,
    request: jlong,
    argv: JObjectArray<'l>,
    out: JIntArray<'l>,
) -> jint {
    boundary(&mut env, 0, |env| {
        let argv = text_array(env, &argv)?;
        let args: Vec<&[u8]> = argv.iter().map(String::as_bytes).collect();
        let verdict = self::engine(engine)?.check_exec(&*request::lock(request)?, &args);
        found(env, verdict, &out)
    })
}
