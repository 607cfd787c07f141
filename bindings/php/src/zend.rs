//! The raw Zend engine access the hooks need and ext-php-rs does not wrap: finding an
//! internal function's entry, swapping its handler, reading a call's arguments, walking
//! the call stack. Every `unsafe` block of the extension that touches Zend memory is here,
//! each with the invariant it relies on.
#![allow(unsafe_code)]

use std::ffi::{c_char, c_int, CStr};
use std::ptr;

use ext_php_rs::convert::IntoZvalDyn;
use ext_php_rs::ffi::{
    compiler_globals, executor_globals, zend_class_entry, zend_execute_data, zend_function, zend_hash_str_find_ptr_lc,
    zend_string, zval, HashTable,
};
use ext_php_rs::types::Zval;
use ext_php_rs::zend::Function;

/// `zif_handler`: what PHP calls for an internal function (`INTERNAL_FUNCTION_PARAMETERS`;
/// `ZEND_FASTCALL` is the C convention on the platforms PHP's Rust bindings support).
pub type Handler = unsafe extern "C" fn(*mut zend_execute_data, *mut zval);

const ZEND_INTERNAL_FUNCTION: u8 = 1;
const ZEND_USER_FUNCTION: u8 = 2;
const IS_STRING: u8 = 6;
const IS_ARRAY: u8 = 7;
const IS_REFERENCE: u8 = 10;

extern "C" {
    /// main/main.c: writes to PHP's error log (the `error_log` setting, else the SAPI's).
    fn php_log_err_with_severity(message: *const c_char, syslog_type: c_int);
}

/// Finds an internal function (`class` = `None`) or method by name, case-insensitively.
/// Null when the extension that defines it is not loaded.
pub fn find_function(class: Option<&str>, name: &str) -> *mut zend_function {
    // SAFETY: called from RINIT, when the global function and class tables are complete and
    // no other thread mutates them (the tables of a non-ZTS build belong to this process;
    // a ZTS build gives each thread its own copy of these globals).
    unsafe {
        let table: *const HashTable = match class {
            None => compiler_globals.function_table,
            Some(class) => {
                let ce = zend_hash_str_find_ptr_lc(compiler_globals.class_table, class.as_ptr().cast(), class.len())
                    .cast::<zend_class_entry>();
                if ce.is_null() {
                    return ptr::null_mut();
                }
                ptr::addr_of!((*ce).function_table)
            }
        };
        if table.is_null() {
            return ptr::null_mut();
        }
        zend_hash_str_find_ptr_lc(table, name.as_ptr().cast(), name.len()).cast::<zend_function>()
    }
}

/// Replaces an internal function's handler; returns the original, or `None` (and changes
/// nothing) when `func` is not an internal function with a handler.
///
/// # Safety
/// `func` is null or an entry returned by [`find_function`].
pub unsafe fn swap_handler(func: *mut zend_function, handler: Handler) -> Option<Handler> {
    if func.is_null() || (*func).type_ != ZEND_INTERNAL_FUNCTION {
        return None;
    }
    let internal = ptr::addr_of_mut!((*func).internal_function);
    let original = (*internal).handler?;
    (*internal).handler = Some(handler);
    Some(original)
}

/// A call's arguments, as PHP passed them to an internal function.
#[derive(Debug, Clone, Copy)]
pub struct Call {
    ex: *mut zend_execute_data,
}

impl Call {
    /// # Safety
    /// `ex` is the execute data PHP passed to a handler, valid for the handler's duration.
    pub unsafe fn new(ex: *mut zend_execute_data) -> Call {
        Call { ex }
    }

    /// How many arguments the caller passed.
    pub fn len(&self) -> usize {
        // SAFETY: `This.u2.num_args` is set by the VM for every call frame (ZEND_CALL_NUM_ARGS).
        unsafe { (*self.ex).This.u2.num_args as usize }
    }

    /// Argument `index`, dereferenced.
    pub fn arg_zval(&self, index: usize) -> Option<&Zval> {
        if index >= self.len() {
            return None;
        }
        // ZEND_CALL_ARG: the arguments follow the frame header, in zval-sized slots.
        let slot = std::mem::size_of::<zend_execute_data>().div_ceil(std::mem::size_of::<zval>());
        // SAFETY: index < num_args, so the slot holds an initialised argument of this frame.
        unsafe {
            let arg = self.ex.cast::<zval>().add(slot + index);
            let arg = arg.cast::<Zval>();
            let mut value = &*arg;
            if value.get_type_raw() == IS_REFERENCE {
                value = value.reference()?;
            }
            Some(value)
        }
    }

    /// Argument `index` when it is a string (other types are converted by the function
    /// itself; an object's `__toString` is not run twice).
    pub fn string(&self, index: usize) -> Option<&[u8]> {
        let value = self.arg_zval(index)?;
        if value.get_type_raw() != IS_STRING {
            return None;
        }
        value.zend_str().map(|s| s.as_bytes())
    }

    /// Argument `index` when it is an integer.
    pub fn long(&self, index: usize) -> Option<i64> {
        self.arg_zval(index)?.long()
    }

    /// Argument `index` when it is an array.
    pub fn array(&self, index: usize) -> Option<&ext_php_rs::types::ZendHashTable> {
        let value = self.arg_zval(index)?;
        if value.get_type_raw() != IS_ARRAY {
            return None;
        }
        value.array()
    }

    /// `$this`, for a method call.
    pub fn this(&self) -> Option<&ext_php_rs::types::ZendObject> {
        // SAFETY: the frame is live; `This` holds the object for method calls.
        unsafe { (*self.ex).This.object() }
    }

    /// The call stack above this call, innermost first: `file:line in function`.
    pub fn stack(&self, max_frames: usize) -> Vec<String> {
        // SAFETY: the frame is live.
        stack_from(unsafe { (*self.ex).prev_execute_data }, max_frames)
    }
}

/// The user-code frames from `frame` outwards, innermost first: `file:line in function`.
pub fn stack_from(frame: *mut zend_execute_data, max_frames: usize) -> Vec<String> {
    let mut frames = Vec::new();
    // SAFETY: prev_execute_data links live frames of this thread's VM stack; each
    // frame's func is null or a valid function; a user function's frame has an opline
    // into its op_array.
    unsafe {
        let mut frame = frame;
        while !frame.is_null() && frames.len() < max_frames {
            let func = (*frame).func;
            if !func.is_null() && (*func).type_ == ZEND_USER_FUNCTION {
                let file = zstr((*func).op_array.filename);
                let line = if (*frame).opline.is_null() { 0 } else { (*(*frame).opline).lineno };
                let name = zstr((*func).common.function_name);
                let scope = (*func).common.scope;
                let function = match (name.is_empty(), scope.is_null()) {
                    (true, _) => "{main}".to_owned(),
                    (false, true) => name,
                    (false, false) => format!("{}::{name}", zstr((*scope).name)),
                };
                frames.push(format!("{file}:{line} in {function}"));
            }
            frame = (*frame).prev_execute_data;
        }
    }
    frames
}

trait RawType {
    fn get_type_raw(&self) -> u8;
}

impl RawType for Zval {
    fn get_type_raw(&self) -> u8 {
        // SAFETY: every zval has its type in the low byte of u1.type_info (Z_TYPE).
        unsafe { (self.u1.type_info & 0xff) as u8 }
    }
}

/// A zend_string's text (lossy), or empty for null.
///
/// # Safety
/// `s` is null or a valid zend_string.
unsafe fn zstr(s: *const zend_string) -> String {
    if s.is_null() {
        return String::new();
    }
    let len = (*s).len;
    let bytes = std::slice::from_raw_parts((*s).val.as_ptr().cast::<u8>(), len);
    String::from_utf8_lossy(bytes).into_owned()
}

/// Writes one line to PHP's error log.
pub fn log_error(message: &CStr) {
    const LOG_NOTICE: c_int = 5;
    // SAFETY: exported by the PHP binary that loaded us; the message is NUL-terminated.
    unsafe { php_log_err_with_severity(message.as_ptr(), LOG_NOTICE) }
}

/// Calls a PHP function by name on rampart's own behalf (its hooks pass through). `None`
/// when the function does not exist or throws.
pub fn call_function(name: &str, args: &[&dyn IntoZvalDyn]) -> Option<Zval> {
    crate::guard::as_rampart(|| {
        let function = Function::try_from_function(name)?;
        let result = function.try_call(args.to_vec()).ok();
        // A function that threw leaves its exception pending: it is ours, not the app's.
        let _ = ext_php_rs::zend::ExecutorGlobals::take_exception();
        result
    })
}

/// The currently executing frame (for the stack of an event raised outside a hook).
pub fn current_frame() -> *mut zend_execute_data {
    // SAFETY: reading a pointer-sized global of this thread's executor.
    unsafe { executor_globals.current_execute_data }
}
