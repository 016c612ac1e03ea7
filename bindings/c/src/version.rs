//! [`cc_version`]: the library's version at run time (the header has it at compile time).

use std::ffi::{CStr, c_char};

/// The crate version, NUL-terminated.
const VERSION: &CStr =
    match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
        Ok(v) => v,
        Err(_) => panic!("the crate version contains a NUL"),
    };

/// The version of the linked library, `"MAJOR.MINOR.PATCH"`; compare it with the header's
/// `CLOUD_CONNECT_VERSION` to detect a header/library mismatch.
///
/// The returned string is owned by the library and lives for the whole program: never free it.
/// Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn cc_version() -> *const c_char {
    // Returns a constant; the boundary is there all the same.
    std::panic::catch_unwind(|| VERSION.as_ptr()).unwrap_or(c"".as_ptr())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_is_the_crate_version() {
        // SAFETY: cc_version returns a static NUL-terminated string.
        let v = unsafe { CStr::from_ptr(cc_version()) };
        assert_eq!(v.to_str().ok(), Some(env!("CARGO_PKG_VERSION")));
    }
}
