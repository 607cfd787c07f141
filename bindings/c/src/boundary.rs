//! The one way into Rust from C.
//!
//! Every `extern "C"` body runs inside [`boundary!`]: a panic is caught and becomes
//! `RAMPART_STATUS_PANIC` (unwinding into C is undefined behaviour, and aborting the
//! host is worse than failing one call), and an `Err(status)` from the body becomes the
//! returned status. The argument helpers below turn C's (pointer, length) pairs and out
//! pointers into Rust references, mapping NULL to `RAMPART_STATUS_NULL_ARGUMENT`; they
//! are the only places that dereference a pointer received from C.

use std::ffi::c_char;
use std::mem::MaybeUninit;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::error::rampart_status;

/// Runs an `extern "C"` body behind the panic boundary.
///
/// `boundary!({ ... })`: the block evaluates to `Result<(), rampart_status>` and the
/// function returns `rampart_status`.
///
/// `boundary!(fallback => { ... })`: for the few functions that return a value rather
/// than a status (a version string, `_free`): the block evaluates to that value, and a
/// panic returns `fallback`.
macro_rules! boundary {
    ($fallback:expr => $body:block) => {
        $crate::boundary::run_or($fallback, move || $body)
    };
    ($body:block) => {
        $crate::boundary::run(move || -> ::std::result::Result<(), $crate::error::rampart_status> { $body })
    };
}

pub(crate) use boundary;

/// The body of `boundary!({ ... })`.
#[inline(always)]
pub(crate) fn run(body: impl FnOnce() -> Result<(), rampart_status>) -> rampart_status {
    // AssertUnwindSafe: after a panic the caller gets RAMPART_STATUS_PANIC and each
    // function documents that the handle it was given must then be reset or freed; no
    // state is observed half-updated through this crate.
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => rampart_status::RAMPART_STATUS_OK,
        Ok(Err(status)) => status,
        Err(_) => rampart_status::RAMPART_STATUS_PANIC,
    }
}

/// The body of `boundary!(fallback => { ... })`.
pub(crate) fn run_or<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

/// A C byte range: NULL with length 0 is the empty slice; NULL with a length is an error.
///
/// # Safety
/// A non-NULL `ptr` must point to `len` readable bytes that stay valid and unchanged for
/// `'a` (the duration of the call).
#[inline(always)]
pub(crate) unsafe fn bytes<'a>(ptr: *const u8, len: usize) -> Result<&'a [u8], rampart_status> {
    if ptr.is_null() {
        return if len == 0 { Ok(&[]) } else { Err(rampart_status::RAMPART_STATUS_NULL_ARGUMENT) };
    }
    if len > isize::MAX as usize {
        return Err(rampart_status::RAMPART_STATUS_INVALID_ARGUMENT);
    }
    // SAFETY: non-NULL, `len` bytes readable per the caller's contract, len <= isize::MAX.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// A C array of `len` `T`s: NULL with length 0 is the empty slice; NULL with a length
/// is an error.
///
/// # Safety
/// A non-NULL `ptr` must point to `len` readable, initialized `T`s that stay valid and
/// unchanged for `'a`.
#[inline(always)]
pub(crate) unsafe fn slice_of<'a, T>(ptr: *const T, len: usize) -> Result<&'a [T], rampart_status> {
    if ptr.is_null() {
        return if len == 0 { Ok(&[]) } else { Err(rampart_status::RAMPART_STATUS_NULL_ARGUMENT) };
    }
    if len > isize::MAX as usize / std::mem::size_of::<T>().max(1) {
        return Err(rampart_status::RAMPART_STATUS_INVALID_ARGUMENT);
    }
    // SAFETY: non-NULL, `len` elements readable per the caller's contract, and the
    // slice's size fits isize.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// A required input object.
///
/// # Safety
/// A non-NULL `ptr` must point to a live `T` not mutated during `'a`.
#[inline(always)]
pub(crate) unsafe fn reference<'a, T>(ptr: *const T) -> Result<&'a T, rampart_status> {
    // SAFETY: per the caller's contract; NULL is rejected by `as_ref`.
    unsafe { ptr.as_ref() }.ok_or(rampart_status::RAMPART_STATUS_NULL_ARGUMENT)
}

/// A required object the call mutates.
///
/// # Safety
/// A non-NULL `ptr` must point to a live `T` that nothing else accesses during `'a`.
pub(crate) unsafe fn exclusive<'a, T>(ptr: *mut T) -> Result<&'a mut T, rampart_status> {
    // SAFETY: per the caller's contract; NULL is rejected by `as_mut`.
    unsafe { ptr.as_mut() }.ok_or(rampart_status::RAMPART_STATUS_NULL_ARGUMENT)
}

/// A required out parameter: a place to write a `T`, possibly uninitialized.
///
/// # Safety
/// A non-NULL `ptr` must point to writable, suitably aligned memory for a `T`.
#[inline(always)]
pub(crate) unsafe fn out<'a, T>(ptr: *mut T) -> Result<&'a mut MaybeUninit<T>, rampart_status> {
    // SAFETY: MaybeUninit<T> has T's layout, and writing through it never reads or drops
    // the old contents, which C may have left uninitialized.
    unsafe { ptr.cast::<MaybeUninit<T>>().as_mut() }.ok_or(rampart_status::RAMPART_STATUS_NULL_ARGUMENT)
}

/// An optional out parameter: NULL means the caller does not want the value.
///
/// # Safety
/// A non-NULL `ptr` must point to writable, suitably aligned memory for a `T`.
#[inline(always)]
pub(crate) unsafe fn optional_out<'a, T>(ptr: *mut T) -> Option<&'a mut MaybeUninit<T>> {
    // SAFETY: as for `out`.
    unsafe { ptr.cast::<MaybeUninit<T>>().as_mut() }
}

/// A caller's text buffer: `cap` bytes at `buf` (NULL with `cap` 0 asks for the size
/// only) and where to report the text's length.
pub(crate) struct TextOut<'a> {
    buf: *mut c_char,
    cap: usize,
    len_out: &'a mut MaybeUninit<usize>,
}

impl<'a> TextOut<'a> {
    /// # Safety
    /// A non-NULL `buf` must point to `cap` writable bytes; `len_out` as for [`out`].
    pub(crate) unsafe fn new(buf: *mut c_char, cap: usize, len_out: *mut usize) -> Result<Self, rampart_status> {
        if buf.is_null() && cap != 0 {
            return Err(rampart_status::RAMPART_STATUS_NULL_ARGUMENT);
        }
        // SAFETY: per the caller's contract.
        let len_out = unsafe { out(len_out) }?;
        Ok(TextOut { buf, cap, len_out })
    }

    /// True when `len` bytes and the terminating NUL fit.
    pub(crate) fn fits(&self, len: usize) -> bool {
        len < self.cap
    }

    /// Reports `text`'s length and, when it fits with its NUL, copies it. Returns
    /// `RAMPART_STATUS_BUFFER_TOO_SMALL` (having written only the length) otherwise.
    pub(crate) fn write(self, text: &[u8]) -> Result<(), rampart_status> {
        self.len_out.write(text.len());
        if !self.fits(text.len()) {
            return Err(rampart_status::RAMPART_STATUS_BUFFER_TOO_SMALL);
        }
        // SAFETY: `buf` has `cap > text.len()` writable bytes (checked above; `cap > 0`
        // implies `buf` is non-NULL) and cannot overlap `text`, which Rust owns.
        unsafe {
            std::ptr::copy_nonoverlapping(text.as_ptr(), self.buf.cast::<u8>(), text.len());
            self.buf.add(text.len()).write(0);
        }
        Ok(())
    }

    /// Reports the length only (a sibling buffer of the same call was too small).
    pub(crate) fn report_len(self, len: usize) {
        self.len_out.write(len);
    }
}

/// Writes `message` into an error buffer as NUL-terminated text, cut to fit (on a UTF-8
/// character boundary). NULL `buf` or `cap` 0 writes nothing.
///
/// # Safety
/// A non-NULL `buf` must point to `cap` writable bytes.
pub(crate) unsafe fn write_message(buf: *mut c_char, cap: usize, message: &str) {
    if buf.is_null() || cap == 0 {
        return;
    }
    let mut len = message.len().min(cap - 1);
    while !message.is_char_boundary(len) {
        len -= 1;
    }
    // SAFETY: `len + 1 <= cap` bytes are writable at `buf`, which cannot overlap `message`.
    unsafe {
        std::ptr::copy_nonoverlapping(message.as_ptr(), buf.cast::<u8>(), len);
        buf.add(len).write(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_a_status() {
        let status = boundary!({
            if std::hint::black_box(true) {
                panic!("a bug inside the engine");
            }
            Ok(())
        });
        assert_eq!(status, rampart_status::RAMPART_STATUS_PANIC);
        let value: u32 = boundary!(7 => { panic!("bug") });
        assert_eq!(value, 7);
        assert_eq!(
            boundary!({ Err(rampart_status::RAMPART_STATUS_NO_EVENT) }),
            rampart_status::RAMPART_STATUS_NO_EVENT
        );
        assert_eq!(boundary!({ Ok(()) }), rampart_status::RAMPART_STATUS_OK);
    }

    #[test]
    fn byte_ranges() {
        // SAFETY: NULL pointers and a live array.
        unsafe {
            assert_eq!(bytes(std::ptr::null(), 0), Ok(&[][..]));
            assert_eq!(bytes(std::ptr::null(), 3), Err(rampart_status::RAMPART_STATUS_NULL_ARGUMENT));
            let data = [1u8, 2, 3];
            assert_eq!(bytes(data.as_ptr(), 3), Ok(&data[..]));
            assert_eq!(bytes(data.as_ptr(), usize::MAX), Err(rampart_status::RAMPART_STATUS_INVALID_ARGUMENT));
        }
    }

    #[test]
    fn messages_are_cut_on_char_boundaries() {
        let mut buf = [0x55 as c_char; 5];
        // SAFETY: `buf` has 5 writable bytes.
        unsafe { write_message(buf.as_mut_ptr(), buf.len(), "ab\u{e9}\u{e9}") };
        // "ab" + 2-byte é fits in 4 bytes + NUL.
        assert_eq!(buf.map(|c| c as u8), [b'a', b'b', 0xc3, 0xa9, 0]);
        // SAFETY: `buf` has 5 writable bytes; only 4 are offered.
        unsafe { write_message(buf.as_mut_ptr(), 4, "ab\u{e9}\u{e9}") };
        assert_eq!(&buf.map(|c| c as u8)[..3], b"ab\0");
    }
}
