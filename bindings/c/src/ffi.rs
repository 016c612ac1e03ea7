//! Pointer helpers of the C boundary: reading string arguments, writing `*_out` arguments, and the
//! strings this library hands out (and takes back in [`cc_string_free`]).

use std::ffi::{CStr, CString, c_char};
use std::ptr::NonNull;

use crate::boundary::Failure;
use crate::status::cc_status;

/// Reads a required string argument.
///
/// # Safety
/// `ptr` must be NULL or point to a NUL-terminated string that stays valid and unchanged for `'a`.
pub(crate) unsafe fn str_arg<'a>(ptr: *const c_char, name: &str) -> Result<&'a str, Failure> {
    if ptr.is_null() {
        return Err(Failure::null_parameter(name));
    }
    // SAFETY: not NULL, and the caller guarantees a valid NUL-terminated string.
    let s = unsafe { CStr::from_ptr(ptr) };
    s.to_str().map_err(|e| {
        Failure::new(
            cc_status::InvalidUtf8,
            format!(
                "`{name}` is not valid UTF-8 (invalid byte at offset {})",
                e.valid_up_to()
            ),
        )
    })
}

/// A checked, non-NULL output argument (`T **x_out`), already set to NULL.
pub(crate) struct Out<T>(NonNull<*mut T>);

impl<T> Out<T> {
    /// Stores `value` in the caller's output variable.
    pub(crate) fn write(self, value: *mut T) {
        // SAFETY: `out_arg` checked the pointer and its caller guaranteed it valid for writes.
        unsafe { self.0.as_ptr().write(value) }
    }
}

/// Checks a required output argument and sets `*ptr` to NULL, so that the caller's variable holds
/// NULL on every failure.
///
/// # Safety
/// `ptr` must be NULL or valid for writes of a pointer for the duration of the call.
pub(crate) unsafe fn out_arg<T>(ptr: *mut *mut T, name: &str) -> Result<Out<T>, Failure> {
    let out = NonNull::new(ptr).ok_or_else(|| Failure::null_parameter(name))?;
    // SAFETY: not NULL, and the caller guarantees it valid for writes.
    unsafe { out.as_ptr().write(std::ptr::null_mut()) };
    Ok(Out(out))
}

/// A string for C, allocated by this library; the caller frees it with [`cc_string_free`]. An
/// interior NUL (which C cannot represent) becomes U+FFFD.
pub(crate) fn into_c_string(s: String) -> *mut c_char {
    let c = CString::new(s).unwrap_or_else(|e| {
        let text = String::from_utf8_lossy(&e.into_vec()).replace('\0', "\u{fffd}");
        // No NUL is left, so this cannot fail; an empty string is the harmless fallback.
        CString::new(text).unwrap_or_default()
    });
    c.into_raw()
}

/// Frees a string that this library returned through a `char **` output (`json_out`,
/// `message_out`). Passing NULL does nothing. Passing any other pointer, or freeing a string twice,
/// is undefined behavior.
///
/// # Safety
/// `s` must be NULL or a string returned by this library and not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cc_string_free(s: *mut c_char) {
    if s.is_null() {
        return;
    }
    // Dropping a CString only deallocates; the boundary is there all the same.
    let _ = std::panic::catch_unwind(|| {
        // SAFETY: the caller guarantees `s` came from `CString::into_raw` in `into_c_string`.
        drop(unsafe { CString::from_raw(s) });
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interior_nul_is_replaced() {
        let p = into_c_string("a\0b".to_owned());
        // SAFETY: `p` is a fresh string from into_c_string.
        let s = unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned();
        assert_eq!(s, "a\u{fffd}b");
        // SAFETY: returned by into_c_string, freed once.
        unsafe { cc_string_free(p) };
    }

    #[test]
    fn freeing_null_is_a_no_op() {
        // SAFETY: NULL is allowed.
        unsafe { cc_string_free(std::ptr::null_mut()) };
    }
}
