//! The one boundary every JNI entry point goes through: panics and errors become Java
//! exceptions, never an unwind into the JVM.

use std::borrow::Cow;
use std::panic::{catch_unwind, AssertUnwindSafe};

use jni::objects::{JByteArray, JObject, JObjectArray, JString, ReleaseMode};
use jni::sys::jstring;
use jni::JNIEnv;
use rampart_core::ErrorKind;

/// Why an entry point could not return a value.
pub enum Failure {
    /// A core error: thrown as the exception class of its kind.
    Core(rampart_core::Error),
    /// An argument outside its domain: thrown as `InvalidArgumentException`.
    Argument(String),
    /// A JNI call failed; it usually left a Java exception pending already.
    Jni(jni::errors::Error),
}

impl From<rampart_core::Error> for Failure {
    fn from(e: rampart_core::Error) -> Failure {
        Failure::Core(e)
    }
}

impl From<jni::errors::Error> for Failure {
    fn from(e: jni::errors::Error) -> Failure {
        Failure::Jni(e)
    }
}

pub type Outcome<T> = Result<T, Failure>;

/// An `invalid_argument` failure (the Java side validates first: this is a last guard).
pub fn invalid_argument(message: &str) -> Failure {
    Failure::Argument(message.to_owned())
}

/// Runs `body`; a panic or a failure becomes a pending Java exception and `fallback` is
/// returned (the JVM ignores the return value while an exception is pending).
pub fn boundary<'l, T>(env: &mut JNIEnv<'l>, fallback: T, body: impl FnOnce(&mut JNIEnv<'l>) -> Outcome<T>) -> T {
    match catch_unwind(AssertUnwindSafe(|| body(env))) {
        Ok(Ok(value)) => value,
        Ok(Err(Failure::Core(e))) => {
            throw_core(env, &e);
            fallback
        }
        Ok(Err(Failure::Argument(message))) => {
            let kind = ErrorKind::InvalidArgument.name();
            throw(env, "dev/rampart/InvalidArgumentException", &format!("{kind}: {message}"));
            fallback
        }
        Ok(Err(Failure::Jni(e))) => {
            if !env.exception_check().unwrap_or(false) {
                throw(env, "dev/rampart/InternalException", &format!("internal: JNI call failed: {e}"));
            }
            fallback
        }
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            // A pending exception (from a JNI call before the panic) would make the throw fail.
            let _ = env.exception_clear();
            throw(env, "dev/rampart/InternalException", &format!("internal: rampart panicked: {message}"));
            fallback
        }
    }
}

fn throw_core(env: &mut JNIEnv<'_>, e: &rampart_core::Error) {
    let class = match e.kind() {
        ErrorKind::InvalidPolicy => "dev/rampart/InvalidPolicyException",
        ErrorKind::PolicyIo => "dev/rampart/PolicyIoException",
        ErrorKind::InvalidArgument => "dev/rampart/InvalidArgumentException",
        // A kind added to the core later: still an exception the caller can catch as
        // `RampartException` (whose own constructor JNI cannot call).
        _ => "dev/rampart/InternalException",
    };
    throw(env, class, &e.to_string());
}

fn throw(env: &mut JNIEnv<'_>, class: &str, message: &str) {
    // If even this fails (class missing), the JVM already has an exception pending.
    let _ = env.throw_new(class, message);
}

/// A Java `null` string, the fallback of entry points that return one.
pub fn null_string() -> jstring {
    JObject::null().into_raw()
}

/// A new Java string holding `value`.
pub fn java_string(env: &mut JNIEnv<'_>, value: &str) -> Outcome<jstring> {
    Ok(env.new_string(value)?.into_raw())
}

/// Runs `f` on the bytes of a Java string, as UTF-8 (a lone surrogate becomes U+FFFD).
/// The bytes are borrowed from the JVM's copy when its modified UTF-8 is plain UTF-8,
/// which it is for every string without NUL or characters outside the BMP.
pub fn with_text<R>(env: &mut JNIEnv<'_>, value: &JString<'_>, f: impl FnOnce(&[u8]) -> R) -> Outcome<R> {
    if value.is_null() {
        return Err(invalid_argument("a string argument is null"));
    }
    // SAFETY: every native method of `dev.rampart.Native` declares its string parameters
    // as `java.lang.String`, so the object is one (the JVM checks it at the call).
    let java = unsafe { env.get_string_unchecked(value) }?;
    let cow: Cow<'_, str> = (&java).into();
    Ok(f(cow.as_bytes()))
}

/// The text of a Java string, owned.
pub fn text(env: &mut JNIEnv<'_>, value: &JString<'_>) -> Outcome<String> {
    with_text(env, value, |bytes| String::from_utf8_lossy(bytes).into_owned())
}

/// The text of a Java string that may be `null` (then empty).
pub fn optional_text(env: &mut JNIEnv<'_>, value: &JString<'_>) -> Outcome<String> {
    if value.is_null() {
        return Ok(String::new());
    }
    text(env, value)
}

/// The strings of a `String[]`; a `null` array is empty, a `null` element an empty string.
pub fn text_array(env: &mut JNIEnv<'_>, array: &JObjectArray<'_>) -> Outcome<Vec<String>> {
    if array.is_null() {
        return Ok(Vec::new());
    }
    let len = env.get_array_length(array)?;
    let mut out = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    for i in 0..len {
        let element = JString::from(env.get_object_array_element(array, i)?);
        out.push(optional_text(env, &element)?);
        env.delete_local_ref(element)?;
    }
    Ok(out)
}

/// Runs `f` on the bytes of a Java `byte[]` without copying them (the JVM pins the array
/// for the duration: `f` must not call back into the JVM, and no check does).
///
/// The checks take their resource this way: Java's `String.getBytes(UTF_8)` plus a pinned
/// array costs a fraction of `GetStringUTFChars`, which allocates and re-encodes.
pub fn with_bytes<R>(env: &mut JNIEnv<'_>, array: &JByteArray<'_>, f: impl FnOnce(&[u8]) -> R) -> Outcome<R> {
    if array.is_null() {
        return Err(invalid_argument("a byte array argument is null"));
    }
    // SAFETY: the array is a `byte[]` (the native method's declared type) and `f` makes
    // no JNI call while the critical section is open.
    let elements = unsafe { env.get_array_elements_critical(array, ReleaseMode::NoCopyBack) }?;
    let signed: &[i8] = &elements;
    // SAFETY: `i8` and `u8` have the same size and alignment; the slice lives as long as
    // `elements`, which outlives this borrow.
    let bytes = unsafe { std::slice::from_raw_parts(signed.as_ptr().cast::<u8>(), signed.len()) };
    Ok(f(bytes))
}
