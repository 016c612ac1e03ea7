//! Errors across the boundary, both ways.
//!
//! Out: a napi `Error` carries only a message, so every library error leaves Rust as a message of
//! the form `CLOUD_CONNECT_ERROR:{json}`; `index.js` turns it into a `CloudConnectError` with
//! `code`, `statusCode`, `cloudCode`, `retryable`, `httpStatus` and, for a failed rollback,
//! `operationError` / `rollbackError`.
//!
//! In: a JS adapter (store, inference configurator, local cluster) that fails has its rejection
//! re-encoded by `index.js` as `CLOUD_CONNECT_ADAPTER_ERROR:{json}` (its `code`, `name`, `message`,
//! HTTP status and Elasticsearch error type), which [`AdapterFailure`] decodes into a library
//! error of the right kind.

use cloud_connect::{Error, ErrorCode};
use serde::{Deserialize, Serialize};

/// Prefix of the message of every library error thrown to JS.
pub const ERROR_MARKER: &str = "CLOUD_CONNECT_ERROR:";
/// Prefix of the rejection reason of a failed JS adapter call (written by `index.js`).
pub const ADAPTER_ERROR_MARKER: &str = "CLOUD_CONNECT_ADAPTER_ERROR:";

/// The JSON payload of a thrown library error (read by `index.js`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ThrownError<'a> {
    code: &'a str,
    status_code: u16,
    message: &'a str,
    retryable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    http_status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cloud_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    operation_error: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rollback_error: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    operation_error_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rollback_error_code: Option<&'a str>,
}

/// Converts a library error into the napi error thrown to JS. The message never holds a secret:
/// the library's messages are built without them.
pub fn to_napi(e: Error) -> napi::Error {
    let rollback = e.rollback_failure();
    let payload = ThrownError {
        code: e.code().as_str(),
        status_code: e.host_status(),
        message: e.message(),
        retryable: e.retryable(),
        http_status: e.http_status(),
        cloud_code: e.cloud_code(),
        operation_error: rollback.map(|r| r.operation_error.message()),
        rollback_error: rollback.map(|r| r.rollback_error.message()),
        operation_error_code: rollback.map(|r| r.operation_error.code().as_str()),
        rollback_error_code: rollback.map(|r| r.rollback_error.code().as_str()),
    };
    let json = serde_json::to_string(&payload)
        .unwrap_or_else(|_| r#"{"code":"internal","statusCode":500,"message":"error encoding failed","retryable":false}"#.to_owned());
    napi::Error::from_reason(format!("{ERROR_MARKER}{json}"))
}

/// Shorthand: a library `Result` as a napi `Result`.
pub fn napi_result<T>(r: cloud_connect::Result<T>) -> napi::Result<T> {
    r.map_err(to_napi)
}

/// What a failed JS adapter call reported (see the module docs).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AdapterFailure {
    /// A library error code chosen by the adapter (`"conflict"`, `"network"`, …).
    pub code: Option<String>,
    /// The JS error's `name` (`ConnectionError`, `TimeoutError`, `ResponseError`, …).
    pub name: Option<String>,
    /// The JS error's message.
    pub message: Option<String>,
    /// The HTTP status of the remote answer, when the error came from one.
    pub status_code: Option<u16>,
    /// Elasticsearch's `error.type`.
    pub es_type: Option<String>,
    /// Elasticsearch's `error.reason`.
    pub es_reason: Option<String>,
}

impl AdapterFailure {
    /// Decodes the napi error of a rejected adapter promise (or of a failed call).
    pub fn from_napi(e: &napi::Error) -> Self {
        let reason = e.reason.as_str();
        match reason.find(ADAPTER_ERROR_MARKER) {
            Some(at) => serde_json::from_str(&reason[at + ADAPTER_ERROR_MARKER.len()..])
                .unwrap_or_else(|_| AdapterFailure::plain("the adapter's error could not be read")),
            // Not encoded by index.js (a direct use of the native module): keep only the text.
            None => AdapterFailure::plain(reason),
        }
    }

    fn plain(message: &str) -> Self {
        AdapterFailure {
            message: Some(message.to_owned()),
            ..Default::default()
        }
    }

    /// The adapter's message, shortened, with `secret` (if given) masked out.
    fn text(&self, secret: Option<&str>) -> String {
        let raw: String = self
            .message
            .as_deref()
            .unwrap_or("unknown error")
            .chars()
            .take(300)
            .collect();
        match secret {
            Some(s) if !s.is_empty() => raw.replace(s, "** redacted **"),
            _ => raw,
        }
    }

    /// The adapter-chosen code, when it names a known library code.
    fn explicit_code(&self) -> Option<ErrorCode> {
        self.code.as_deref().and_then(ErrorCode::from_str_code)
    }

    /// The library error for a failed store call (default kind: `storage`). A `conflict` code or
    /// an HTTP 409 (Kibana's saved-objects version conflict) is the store's version conflict.
    pub fn into_store_error(self, operation: &str) -> Error {
        let conflict = self.status_code == Some(409) && self.code.is_none();
        match self.explicit_code() {
            Some(ErrorCode::Conflict) => cloud_connect::store::version_conflict(),
            None if conflict => cloud_connect::store::version_conflict(),
            Some(code) => Error::new(
                code,
                format!(
                    "the credential store failed to {operation}: {}",
                    self.text(None)
                ),
            ),
            None => Error::storage(format!(
                "the credential store failed to {operation}: {}",
                self.text(None)
            )),
        }
    }

    /// The library error for a failed Elasticsearch adapter call, classified like the library's
    /// own Elasticsearch client: by explicit code, then by transport failure, then by HTTP status
    /// and `error.type`. `secret` is masked out of the message (the key just sent, if any).
    pub fn into_es_error(self, operation: &str, secret: Option<&str>) -> Error {
        let detail = self
            .es_reason
            .as_deref()
            .map(|r| r.chars().take(300).collect::<String>())
            .unwrap_or_else(|| self.text(secret));
        let detail = match secret {
            Some(s) if !s.is_empty() => detail.replace(s, "** redacted **"),
            _ => detail,
        };
        let message = format!("Elasticsearch refused to {operation}: {detail}");
        if let Some(code) = self.explicit_code() {
            return Error::new(code, message);
        }
        match self.name.as_deref() {
            Some("ConnectionError") | Some("NoLivingConnectionsError") => {
                return Error::new(
                    ErrorCode::Network,
                    format!("cannot reach Elasticsearch to {operation}: {detail}"),
                );
            }
            Some("TimeoutError") | Some("RequestAbortedError") => {
                return Error::new(
                    ErrorCode::Timeout,
                    format!("Elasticsearch did not answer in time to {operation}"),
                );
            }
            _ => {}
        }
        let Some(status) = self.status_code else {
            return Error::new(ErrorCode::ElasticsearchRejected, message);
        };
        // The same classification as the library's own Elasticsearch client.
        cloud_connect::elasticsearch::classify_error(
            status,
            self.es_type.as_deref(),
            &detail,
            operation,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(json: &str) -> AdapterFailure {
        AdapterFailure::from_napi(&napi::Error::from_reason(format!(
            "GenericFailure, {ADAPTER_ERROR_MARKER}{json}"
        )))
    }

    #[test]
    fn thrown_error_carries_every_property() {
        let op = Error::new(ErrorCode::ElasticsearchRejected, "es said no");
        let rb = Error::new(ErrorCode::Conflict, "cloud busy")
            .with_cloud_code("clusters.patch_cluster.invalid_state");
        let e = to_napi(Error::rollback_failed(op, rb));
        let json = e.reason.strip_prefix(ERROR_MARKER).unwrap_or_default();
        let v: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
        assert_eq!(v["code"], "rollback_failed");
        assert_eq!(v["statusCode"], 500);
        assert_eq!(v["operationError"], "es said no");
        assert_eq!(v["rollbackError"], "cloud busy");
        assert_eq!(v["rollbackErrorCode"], "conflict");
        assert_eq!(v["retryable"], true);
    }

    #[test]
    fn adapter_failures_are_classified() {
        let e =
            failure(r#"{"code":"conflict","message":"version mismatch"}"#).into_store_error("save");
        assert_eq!(e.code(), ErrorCode::Conflict);
        let e = failure(r#"{"statusCode":409,"message":"saved object conflict"}"#)
            .into_store_error("save");
        assert_eq!(e.code(), ErrorCode::Conflict);
        let e = failure(r#"{"message":"disk full"}"#).into_store_error("save");
        assert_eq!(e.code(), ErrorCode::Storage);
        let e = failure(r#"{"statusCode":400,"esType":"status_exception","esReason":"Failed to validate the Cloud Connected Mode API key"}"#)
            .into_es_error("store the EIS key", None);
        assert_eq!(e.code(), ErrorCode::EisKeyRejected);
        assert_eq!(e.http_status(), Some(400));
        let e =
            failure(r#"{"statusCode":403,"esType":"status_exception","esReason":"not permitted"}"#)
                .into_es_error("store the EIS key", None);
        assert_eq!(e.code(), ErrorCode::CcmUnsupported);
        let e = failure(r#"{"name":"ConnectionError","message":"ECONNREFUSED"}"#)
            .into_es_error("read", None);
        assert_eq!(e.code(), ErrorCode::Network);
        let e = failure(r#"{"message":"bad key SECRET123 here"}"#)
            .into_es_error("store", Some("SECRET123"));
        assert!(!e.message().contains("SECRET123"), "{}", e.message());
        let e = AdapterFailure::from_napi(&napi::Error::from_reason("plain failure"))
            .into_store_error("load");
        assert!(e.message().contains("plain failure"));
    }
}
