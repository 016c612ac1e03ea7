//! Classifies Elasticsearch error answers by status **and** `error.type` (`spec/elasticsearch.md`
//! §1.3, §5.3): a 401 from `PUT _inference/_ccm` can mean "EIS rejected the key".

use serde_json::Value;

use crate::error::{Error, ErrorCode};

/// `(error.type, error.reason)` of an Elasticsearch error body.
pub(crate) fn type_and_reason(body: &[u8]) -> (Option<String>, Option<String>) {
    let Ok(json) = serde_json::from_slice::<Value>(body) else {
        return (None, None);
    };
    let err = json.get("error");
    let t = err
        .and_then(|e| e.get("type"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let r = err
        .and_then(|e| e.get("reason"))
        .and_then(Value::as_str)
        .or_else(|| err.and_then(Value::as_str))
        .map(|s| s.chars().take(300).collect());
    (t, r)
}

/// The error for a failed call to Elasticsearch.
pub(crate) fn from_status(status: u16, body: &[u8], operation: &str) -> Error {
    let (etype, reason) = type_and_reason(body);
    let reason = reason.unwrap_or_else(|| format!("status {status}"));
    classify_error(status, etype.as_deref(), &reason, operation)
}

/// Classifies an Elasticsearch error answer from its HTTP status, `error.type` and
/// `error.reason`, the way the library's own client does: a `status_exception` about key
/// validation is EIS rejecting the key (not an authentication failure), a 403
/// `status_exception` is CCM not permitted, everything else is Elasticsearch refusing.
/// JS-provided adapters (Kibana's `esClient`) use it so their failures read the same.
pub fn classify_error(
    status: u16,
    error_type: Option<&str>,
    reason: &str,
    operation: &str,
) -> Error {
    let etype_str = error_type.unwrap_or("");
    let eis_validation = reason.contains("Failed to validate the Cloud Connected Mode API key");
    let code = match (status, etype_str) {
        (_, "status_exception") if eis_validation => ErrorCode::EisKeyRejected,
        (403, "status_exception") => ErrorCode::CcmUnsupported,
        _ => ErrorCode::ElasticsearchRejected,
    };
    let retryable = status == 503 || status == 429 || reason.contains("fully upgraded");
    let hint = match (status, etype_str) {
        (401, "security_exception") => " (check the Elasticsearch credentials)",
        (403, "security_exception") => " (the Elasticsearch user lacks a privilege)",
        _ => "",
    };
    Error::new(
        code,
        format!("Elasticsearch refused to {operation}: {reason}{hint}"),
    )
    .with_http_status(status)
    .with_retryable(retryable)
}
