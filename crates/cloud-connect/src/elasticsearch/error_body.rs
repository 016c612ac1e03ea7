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
    let etype_str = etype.as_deref().unwrap_or("");
    let reason_str = reason.clone().unwrap_or_else(|| format!("status {status}"));
    let eis_validation = reason_str.contains("Failed to validate the Cloud Connected Mode API key");
    let code = match (status, etype_str) {
        (_, "status_exception") if eis_validation => ErrorCode::EisKeyRejected,
        (403, "status_exception") => ErrorCode::CcmUnsupported,
        (401, _) | (403, _) => ErrorCode::ElasticsearchRejected,
        (_, "cluster_block_exception") => ErrorCode::ElasticsearchRejected,
        _ => ErrorCode::ElasticsearchRejected,
    };
    let retryable = status == 503 || status == 429 || reason_str.contains("fully upgraded");
    let hint = match (status, etype_str) {
        (401, "security_exception") => " (check the Elasticsearch credentials)",
        (403, "security_exception") => " (the Elasticsearch user lacks a privilege)",
        _ => "",
    };
    Error::new(
        code,
        format!("Elasticsearch refused to {operation}: {reason_str}{hint}"),
    )
    .with_http_status(status)
    .with_retryable(retryable)
}
