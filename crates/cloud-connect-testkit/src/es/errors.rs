//! The Elasticsearch error envelope (spec §1.3) and JSON replies.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::{Map, Value, json};

/// A JSON reply.
pub(crate) fn json_reply(status: u16, value: &Value) -> Response {
    let mut resp = Response::new(Body::from(value.to_string()));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// `{"error":{"root_cause":[{type,reason,..extra}],"type","reason",..extra},"status"}`.
pub(crate) fn es_error(status: u16, kind: &str, reason: &str) -> Response {
    es_error_with(status, kind, reason, Map::new(), None)
}

/// Like [`es_error`], with extra keys on the cause objects and an optional `caused_by` (which also
/// becomes the root cause, as ES reports the innermost exception there).
pub(crate) fn es_error_with(
    status: u16,
    kind: &str,
    reason: &str,
    extra: Map<String, Value>,
    caused_by: Option<Value>,
) -> Response {
    json_reply(status, &error_body(status, kind, reason, extra, caused_by))
}

pub(crate) fn error_body(
    status: u16,
    kind: &str,
    reason: &str,
    extra: Map<String, Value>,
    caused_by: Option<Value>,
) -> Value {
    let mut outer = Map::new();
    outer.insert("type".into(), json!(kind));
    outer.insert("reason".into(), json!(reason));
    outer.extend(extra);
    let root = match &caused_by {
        Some(c) => c.clone(),
        None => Value::Object(outer.clone()),
    };
    let mut error = Map::new();
    error.insert("root_cause".into(), json!([root]));
    error.extend(outer);
    if let Some(c) = caused_by {
        error.insert("caused_by".into(), c);
    }
    json!({ "error": error, "status": status })
}

/// `action_request_validation_exception` with numbered, `;`-terminated failures.
pub(crate) fn validation_failed(messages: &[String]) -> Response {
    let mut reason = String::from("Validation Failed: ");
    for (i, m) in messages.iter().enumerate() {
        reason.push_str(&format!("{}: {m};", i + 1));
    }
    es_error(400, "action_request_validation_exception", &reason)
}

/// Key/value pairs for [`es_error_with`].
pub(crate) fn extra(pairs: &[(&str, Value)]) -> Map<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_shape() {
        let v = error_body(400, "illegal_argument_exception", "bad", Map::new(), None);
        assert_eq!(v["status"], 400);
        assert_eq!(v["error"]["type"], "illegal_argument_exception");
        assert_eq!(v["error"]["root_cause"][0]["reason"], "bad");
    }
}
