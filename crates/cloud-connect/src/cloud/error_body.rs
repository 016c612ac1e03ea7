//! Turns a non-2xx Cloud answer into an [`Error`] (`spec/cloud-api.md` §4): the message is taken
//! from `errors[0]`, then a top-level `message`, then `UnauthorizedMessages[0]`, then the raw text
//! (capped), then a default; the status and the Cloud's code are always kept.

use serde_json::Value;

use crate::error::{Error, ErrorCode};

const MAX_RAW_TEXT: usize = 200;

/// `(code, message)` extracted from an error body.
pub(crate) fn extract(body: &[u8]) -> (Option<String>, Option<String>) {
    let Ok(json) = serde_json::from_slice::<Value>(body) else {
        let text = String::from_utf8_lossy(body);
        let text = text.trim();
        if text.is_empty() {
            return (None, None);
        }
        return (None, Some(text.chars().take(MAX_RAW_TEXT).collect()));
    };
    let first = json.get("errors").and_then(|e| e.get(0));
    let code = first
        .and_then(|e| e.get("code"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let message = first
        .and_then(|e| e.get("message"))
        .and_then(Value::as_str)
        .or_else(|| json.get("message").and_then(Value::as_str))
        .or_else(|| {
            json.get("UnauthorizedMessages")
                .and_then(|m| m.get(0))
                .and_then(Value::as_str)
        })
        .map(|m| m.chars().take(MAX_RAW_TEXT).collect());
    (code, message)
}

/// The error for a non-2xx answer of `operation` (a short human name such as "update the cluster").
pub(crate) fn from_status(status: u16, body: &[u8], operation: &str) -> Error {
    let (cloud_code, message) = extract(body);
    let is_invalid_state = cloud_code
        .as_deref()
        .is_some_and(|c| c.ends_with(".invalid_state"));
    let code = match status {
        400 => ErrorCode::InvalidInput,
        401 => ErrorCode::InvalidApiKey,
        403 => ErrorCode::Forbidden,
        404 => ErrorCode::NotFound,
        409 | 412 => ErrorCode::Conflict,
        429 => ErrorCode::RateLimited,
        500..=599 => ErrorCode::CloudUnavailable,
        _ => ErrorCode::CloudProtocol,
    };
    let detail = match (status, message) {
        (_, _) if is_invalid_state => {
            "The API is still completing an operation, please try again later".to_owned()
        }
        (401, _) => "Invalid or expired API key".to_owned(),
        (412, _) => {
            "the cluster changed since it was read (If-Match precondition failed)".to_owned()
        }
        (_, Some(m)) => m,
        (_, None) => format!("request failed with status {status}"),
    };
    let mut e = Error::new(
        code,
        format!("Elastic Cloud could not {operation}: {detail}"),
    )
    .with_http_status(status);
    if let Some(c) = cloud_code {
        e = e.with_cloud_code(c);
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extracts_every_documented_shape() {
        let (c, m) = extract(br#"{"errors":[{"code":"clusters.get_cluster.forbidden","message":"request is not authorized"}]}"#);
        assert_eq!(c.as_deref(), Some("clusters.get_cluster.forbidden"));
        assert_eq!(m.as_deref(), Some("request is not authorized"));
        let (c, m) = extract(br#"{"message":"top level"}"#);
        assert_eq!((c, m.as_deref()), (None, Some("top level")));
        let (_, m) =
            extract(br#"{"UnauthorizedMessages":["Invalid credential headers"],"Cause":null}"#);
        assert_eq!(m.as_deref(), Some("Invalid credential headers"));
        let (_, m) = extract(b"<html>Bad gateway</html>");
        assert_eq!(m.as_deref(), Some("<html>Bad gateway</html>"));
        assert_eq!(extract(b""), (None, None));
    }

    #[test]
    fn maps_statuses_and_invalid_state() {
        let e = from_status(
            409,
            br#"{"errors":[{"code":"clusters.patch_cluster.invalid_state","message":"x"}]}"#,
            "update the cluster",
        );
        assert_eq!(e.code(), ErrorCode::Conflict);
        assert!(e.retryable());
        assert_eq!(e.cloud_code(), Some("clusters.patch_cluster.invalid_state"));
        assert!(e.message().contains("still completing an operation"));
        assert_eq!(from_status(401, b"", "x").code(), ErrorCode::InvalidApiKey);
        assert_eq!(
            from_status(503, b"", "x").code(),
            ErrorCode::CloudUnavailable
        );
        assert_eq!(from_status(429, b"", "x").http_status(), Some(429));
    }
}
