//! The one list of error codes. Rust, the Node binding's TypeScript types and the C header all take
//! their codes from [`ErrorCode::ALL`]; a test in each binding checks that they agree.

macro_rules! error_codes {
    ($( $(#[$doc:meta])* $variant:ident = ($num:expr, $name:literal, $status:expr, $retry:expr) ),* $(,)?) => {
        /// A stable, machine-readable error kind. The string and the number of a code never change
        /// and are never reused.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $( $(#[$doc])* $variant, )*
        }

        impl ErrorCode {
            /// Every code, in numeric order.
            pub const ALL: &'static [ErrorCode] = &[ $( ErrorCode::$variant, )* ];

            /// The stable string form, e.g. `"not_connected"` (Node's `err.code`).
            pub fn as_str(self) -> &'static str {
                match self { $( ErrorCode::$variant => $name, )* }
            }

            /// The stable number (the C API's `cc_status` value).
            pub fn number(self) -> u32 {
                match self { $( ErrorCode::$variant => $num, )* }
            }

            /// The HTTP status a host (such as Kibana's routes) should answer with for this kind.
            /// An upstream 401 is never passed on as the caller's own 401.
            pub fn host_status(self) -> u16 {
                match self { $( ErrorCode::$variant => $status, )* }
            }

            /// Whether retrying the same call later can help, for errors of this kind in general.
            pub fn default_retryable(self) -> bool {
                match self { $( ErrorCode::$variant => $retry, )* }
            }

            /// Looks a code up by its string form.
            pub fn from_str_code(s: &str) -> Option<ErrorCode> {
                match s { $( $name => Some(ErrorCode::$variant), )* _ => None }
            }
        }
    };
}

error_codes! {
    /// The caller passed something malformed: an empty API key, a short encryption key, an
    /// unknown service name, a bad URL.
    InvalidInput = (1, "invalid_input", 400, false),
    /// No connection is stored: connect first. Hosts answer 503.
    NotConnected = (2, "not_connected", 503, false),
    /// A connection is already stored: disconnect first.
    AlreadyConnected = (3, "already_connected", 409, false),
    /// Elastic Cloud rejected the API key (unknown, expired or revoked), or the key cannot be used
    /// for Cloud Connect (no `cloud_connected_resource` role assignment).
    InvalidApiKey = (4, "invalid_api_key", 400, false),
    /// The key is valid but not allowed: wrong scope, terms not accepted, no Cloud organization.
    Forbidden = (5, "forbidden", 403, false),
    /// The Cloud does not know the cluster (or it is not visible to this key).
    NotFound = (6, "not_found", 404, false),
    /// A conflicting change: the Cloud is busy (`invalid_state`), an `If-Match` precondition
    /// failed, or another writer changed the stored record.
    Conflict = (7, "conflict", 409, true),
    /// The Cloud rate-limited the request.
    RateLimited = (8, "rate_limited", 429, true),
    /// A request timed out; its outcome is unknown.
    Timeout = (9, "timeout", 504, true),
    /// The network failed (connection refused, dropped, TLS failure).
    Network = (10, "network", 502, true),
    /// The Cloud answered with a server error or something that is not its API.
    CloudUnavailable = (11, "cloud_unavailable", 502, true),
    /// The Cloud answered in a way this client cannot understand (malformed JSON, missing field).
    CloudProtocol = (12, "cloud_protocol", 502, false),
    /// Elasticsearch refused the request (privileges, validation, cluster state).
    ElasticsearchRejected = (13, "elasticsearch_rejected", 500, false),
    /// The local Elasticsearch cannot do Cloud Connected Mode (older than 9.3.0, or not permitted).
    CcmUnsupported = (14, "ccm_unsupported", 400, false),
    /// Elasticsearch (through EIS) rejected the EIS key.
    EisKeyRejected = (15, "eis_key_rejected", 500, false),
    /// The credential store failed to read or write.
    Storage = (16, "storage", 500, false),
    /// The stored record cannot be decrypted with the configured keys (wrong key, tampered data).
    DecryptionFailed = (17, "decryption_failed", 500, false),
    /// No encryption key is configured.
    EncryptionKeyMissing = (18, "encryption_key_missing", 500, false),
    /// An operation failed and undoing it failed too; both errors are attached.
    RollbackFailed = (19, "rollback_failed", 500, true),
    /// Another writer is running an operation on this connection.
    OperationInProgress = (20, "operation_in_progress", 409, true),
    /// A bug or an unexpected state in this library.
    Internal = (21, "internal", 500, false),
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::ErrorCode;

    #[test]
    fn numbers_and_strings_are_unique_and_round_trip() {
        let mut numbers: Vec<u32> = ErrorCode::ALL.iter().map(|c| c.number()).collect();
        numbers.dedup();
        assert_eq!(numbers.len(), ErrorCode::ALL.len());
        assert!(
            numbers.windows(2).all(|w| w[0] < w[1]),
            "codes must be listed in numeric order"
        );
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::from_str_code(code.as_str()), Some(*code));
        }
        assert_eq!(ErrorCode::NotConnected.host_status(), 503);
        assert_ne!(ErrorCode::InvalidApiKey.host_status(), 401);
    }
}
