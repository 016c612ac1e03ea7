//! [`cc_status`]: the one result enum of the C API.
//!
//! Its numbers come from the core: every core [`ErrorCode`] appears here with the number of
//! [`ErrorCode::number`] (a test checks this, and that the committed header lists each one). cbindgen
//! cannot expand the core's `error_codes!` macro, so the list is written out. Errors that only the
//! C boundary can produce live in a separate range from 7000. Numbers are never reused.

use std::ffi::{CStr, c_char};

use cloud_connect_core::ErrorCode;

/// The result of every fallible `cc_` function. `CC_STATUS_OK` (0) is success; 1 to 6999 are the
/// core library's error codes (the same numbers as its `ErrorCode`, and the same names as Node's
/// `err.code`); 7000 and up are errors of the C boundary itself. Numbers are stable and never reused.
/// `cc_status_name` gives the string form.
#[repr(u32)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum cc_status {
    /// Success.
    Ok = 0,
    /// The caller passed something malformed: an empty API key, a short encryption key, an unknown
    /// service name, a bad URL, a malformed config JSON.
    InvalidInput = 1,
    /// No connection is stored: connect first.
    NotConnected = 2,
    /// A connection is already stored: disconnect first.
    AlreadyConnected = 3,
    /// Elastic Cloud rejected the API key (unknown, expired or revoked, or not usable for Cloud
    /// Connect).
    InvalidApiKey = 4,
    /// The key is valid but not allowed: wrong scope, terms not accepted, no Cloud organization.
    Forbidden = 5,
    /// The Cloud does not know the cluster (or it is not visible to this key).
    NotFound = 6,
    /// A conflicting change: the Cloud is busy, a precondition failed, or another writer changed
    /// the stored record.
    Conflict = 7,
    /// The Cloud rate-limited the request.
    RateLimited = 8,
    /// A request timed out; its outcome is unknown.
    Timeout = 9,
    /// The network failed (connection refused, dropped, TLS failure).
    Network = 10,
    /// The Cloud answered with a server error or something that is not its API.
    CloudUnavailable = 11,
    /// The Cloud answered in a way this client cannot understand.
    CloudProtocol = 12,
    /// Elasticsearch refused the request (privileges, validation, cluster state).
    ElasticsearchRejected = 13,
    /// The local Elasticsearch cannot do Cloud Connected Mode (older than 9.3.0, or not permitted).
    CcmUnsupported = 14,
    /// Elasticsearch (through EIS) rejected the EIS key.
    EisKeyRejected = 15,
    /// The credential store failed to read or write.
    Storage = 16,
    /// The stored record cannot be decrypted with the configured keys.
    DecryptionFailed = 17,
    /// No encryption key is configured.
    EncryptionKeyMissing = 18,
    /// An operation failed and undoing it failed too.
    RollbackFailed = 19,
    /// Another writer is running an operation on this connection.
    OperationInProgress = 20,
    /// A bug or an unexpected state in the library.
    Internal = 21,
    /// A required pointer argument was NULL.
    NullParameter = 7000,
    /// The library panicked (a bug). The panic was contained; the handle may still be used.
    Panic = 7001,
    /// A string argument was not valid UTF-8.
    InvalidUtf8 = 7002,
}

impl cc_status {
    /// Every status, in numeric order.
    pub(crate) const ALL: &'static [cc_status] = &[
        cc_status::Ok,
        cc_status::InvalidInput,
        cc_status::NotConnected,
        cc_status::AlreadyConnected,
        cc_status::InvalidApiKey,
        cc_status::Forbidden,
        cc_status::NotFound,
        cc_status::Conflict,
        cc_status::RateLimited,
        cc_status::Timeout,
        cc_status::Network,
        cc_status::CloudUnavailable,
        cc_status::CloudProtocol,
        cc_status::ElasticsearchRejected,
        cc_status::CcmUnsupported,
        cc_status::EisKeyRejected,
        cc_status::Storage,
        cc_status::DecryptionFailed,
        cc_status::EncryptionKeyMissing,
        cc_status::RollbackFailed,
        cc_status::OperationInProgress,
        cc_status::Internal,
        cc_status::NullParameter,
        cc_status::Panic,
        cc_status::InvalidUtf8,
    ];

    /// The status with this number, if there is one.
    pub(crate) fn from_number(number: u32) -> Option<cc_status> {
        Self::ALL.iter().copied().find(|s| *s as u32 == number)
    }

    /// The string form: the core's code string (`"not_connected"`) for core codes.
    pub(crate) fn name(self) -> &'static CStr {
        match self {
            cc_status::Ok => c"ok",
            cc_status::InvalidInput => c"invalid_input",
            cc_status::NotConnected => c"not_connected",
            cc_status::AlreadyConnected => c"already_connected",
            cc_status::InvalidApiKey => c"invalid_api_key",
            cc_status::Forbidden => c"forbidden",
            cc_status::NotFound => c"not_found",
            cc_status::Conflict => c"conflict",
            cc_status::RateLimited => c"rate_limited",
            cc_status::Timeout => c"timeout",
            cc_status::Network => c"network",
            cc_status::CloudUnavailable => c"cloud_unavailable",
            cc_status::CloudProtocol => c"cloud_protocol",
            cc_status::ElasticsearchRejected => c"elasticsearch_rejected",
            cc_status::CcmUnsupported => c"ccm_unsupported",
            cc_status::EisKeyRejected => c"eis_key_rejected",
            cc_status::Storage => c"storage",
            cc_status::DecryptionFailed => c"decryption_failed",
            cc_status::EncryptionKeyMissing => c"encryption_key_missing",
            cc_status::RollbackFailed => c"rollback_failed",
            cc_status::OperationInProgress => c"operation_in_progress",
            cc_status::Internal => c"internal",
            cc_status::NullParameter => c"null_parameter",
            cc_status::Panic => c"panic",
            cc_status::InvalidUtf8 => c"invalid_utf8",
        }
    }
}

impl From<ErrorCode> for cc_status {
    /// The status with the code's number. A code newer than this list (the core's enum is
    /// non-exhaustive) becomes `Internal`; the test over `ErrorCode::ALL` keeps that from shipping.
    fn from(code: ErrorCode) -> Self {
        cc_status::from_number(code.number()).unwrap_or(cc_status::Internal)
    }
}

/// The name of a status as a static, NUL-terminated string: `"ok"`, the core's code string for core
/// codes (`"not_connected"`, the same as Node's `err.code`), `"null_parameter"`, `"panic"`,
/// `"invalid_utf8"`, or `"unknown"` for a number that is not a `cc_status`.
///
/// Takes the number as a plain `uint32_t` so that any value, even one from a newer library, is safe
/// to pass. The returned string is owned by the library and lives for the whole program: never free
/// it. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn cc_status_name(status: u32) -> *const c_char {
    // A lookup in a constant table; the boundary is there all the same.
    std::panic::catch_unwind(|| cc_status::from_number(status).map(cc_status::name))
        .ok()
        .flatten()
        .unwrap_or(c"unknown")
        .as_ptr()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = include_str!("../include/cloud_connect.h");

    fn upper_snake(code: &str) -> String {
        code.to_ascii_uppercase()
    }

    #[test]
    fn every_core_code_has_a_status_with_the_same_number_and_name() {
        for code in ErrorCode::ALL {
            let status = cc_status::from_number(code.number());
            assert!(
                status.is_some(),
                "core code {} ({}) has no cc_status",
                code.as_str(),
                code.number()
            );
            let status = cc_status::from(*code);
            assert_eq!(status as u32, code.number(), "{}", code.as_str());
            assert_eq!(status.name().to_str().ok(), Some(code.as_str()));
        }
    }

    #[test]
    fn every_status_in_the_core_range_is_a_core_code() {
        for status in cc_status::ALL {
            let n = *status as u32;
            if (1..7000).contains(&n) {
                assert!(
                    ErrorCode::ALL.iter().any(|c| c.number() == n),
                    "cc_status {n} is not a core code"
                );
            }
        }
    }

    #[test]
    fn the_header_lists_every_core_code_with_its_number() {
        for code in ErrorCode::ALL {
            let line = format!(
                "CC_STATUS_{} = {},",
                upper_snake(code.as_str()),
                code.number()
            );
            assert!(HEADER.contains(&line), "header lacks `{line}`");
        }
        for (name, n) in [
            ("OK", 0),
            ("NULL_PARAMETER", 7000),
            ("PANIC", 7001),
            ("INVALID_UTF8", 7002),
        ] {
            let line = format!("CC_STATUS_{name} = {n},");
            assert!(HEADER.contains(&line), "header lacks `{line}`");
        }
    }

    #[test]
    fn numbers_are_unique_and_sorted() {
        let numbers: Vec<u32> = cc_status::ALL.iter().map(|s| *s as u32).collect();
        assert!(numbers.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn status_name_is_static_and_total() {
        // SAFETY: cc_status_name returns a pointer to a static NUL-terminated string.
        let name = |n: u32| unsafe { CStr::from_ptr(cc_status_name(n)) }.to_str().ok();
        assert_eq!(name(0), Some("ok"));
        assert_eq!(name(2), Some("not_connected"));
        assert_eq!(name(7000), Some("null_parameter"));
        assert_eq!(name(7001), Some("panic"));
        assert_eq!(name(7002), Some("invalid_utf8"));
        assert_eq!(name(6999), Some("unknown"));
        assert_eq!(name(u32::MAX), Some("unknown"));
    }
}
