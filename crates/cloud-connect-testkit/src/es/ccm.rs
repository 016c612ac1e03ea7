//! `/_inference/_ccm` — Cloud Connected Mode configuration (spec §5.1–§5.5).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use serde_json::{Value, json};

use super::errors::{es_error, es_error_with, extra, json_reply, validation_failed};
use super::info::tri;
use super::security::{MANAGE_INFERENCE, MONITOR_INFERENCE, authenticate, check_cluster};
use super::state::{CcmEvent, EisOutcome, EsState};
use super::{Shared, uri_text};
use crate::clock::rfc3339;

const PUT_ACTION: &str = "cluster:admin/xpack/inference/ccm/put";
const DELETE_ACTION: &str = "cluster:admin/xpack/inference/ccm/delete";
const GET_ACTION: &str = "cluster:monitor/xpack/inference/ccm/get";
const NOT_PERMITTED: &str =
    "Cloud Connected Mode configuration is not permitted for this environment";
const VALIDATION_FAILED: &str = "Failed to validate the Cloud Connected Mode API key";

fn not_permitted() -> Response {
    es_error(403, "status_exception", NOT_PERMITTED)
}

fn write_block() -> Response {
    es_error(
        503,
        "cluster_block_exception",
        "blocked by: [SERVICE_UNAVAILABLE/1/state not recovered / initialized];",
    )
}

/// Pre-9.3: `_ccm` is taken for an inference endpoint id (spec §5.1).
fn endpoint_not_found() -> Response {
    es_error(
        404,
        "resource_not_found_exception",
        "Inference endpoint not found [_ccm]",
    )
}

/// `PUT /_inference/_ccm`, checks in the order of spec §5.3.
pub(crate) async fn put(
    State(sh): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let now = sh.clock.now_ms();
    let mut st = sh.lock();
    let p = tri!(authenticate(&st, &headers, &uri_text(&uri)));
    if !st.config.has_ccm() {
        return validation_failed(&[
            "Invalid [inference_id] value [_ccm]. Must start and end with a lowercase alphanumeric character and contain only lowercase alphanumeric characters, hyphens and underscores".into(),
        ]);
    }
    let resp = put_checked(&sh, &mut st, p.as_ref(), &body, now);
    let submitted = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("api_key").and_then(Value::as_str).map(str::to_owned));
    st.ccm_history.push(CcmEvent {
        action: "put".into(),
        key: submitted,
        status: resp.status().as_u16(),
        at: rfc3339(now),
    });
    resp
}

fn put_checked(
    sh: &Shared,
    st: &mut EsState,
    p: Option<&super::security::Principal>,
    body: &[u8],
    now: u64,
) -> Response {
    if !st.config.ccm_supported_environment {
        return not_permitted();
    }
    let key = tri!(parse_put_body(body));
    tri!(check_cluster(p, PUT_ACTION, MANAGE_INFERENCE));
    if st.config.metadata_write_block {
        return write_block();
    }
    if st.config.not_fully_upgraded {
        return es_error(
            400,
            "status_exception",
            "Cloud Connected Mode functionality is not supported until the cluster is fully upgraded, please try again later",
        );
    }
    tri!(validate_with_eis(sh, st, &key));
    if now < st.started_at + st.config.warmup_ms {
        return es_error(
            503,
            "unavailable_shards_exception",
            "[.ccm-inference][0] primary shard is not active Timeout: [30s], request: [BulkShardRequest [[.ccm-inference][0]] containing [index {[.ccm-inference][ccm_config]}]]",
        );
    }
    st.ccm_key = Some(key);
    st.ccm_enabled_at = Some(now);
    json_reply(200, &json!({ "enabled": true }))
}

/// Strict parsing of `{"api_key": "<key>"}` (rows 3–6).
fn parse_put_body(body: &[u8]) -> Result<String, Response> {
    let text = String::from_utf8_lossy(body);
    if text.trim().is_empty() {
        return Err(es_error(
            400,
            "illegal_argument_exception",
            "The body must be specified when configuring CCM.",
        ));
    }
    let value: Value = serde_json::from_str(&text).map_err(|e| {
        es_error(
            400,
            "x_content_parse_exception",
            &format!(
                "[{}:{}] [{PUT_ACTION}] failed to parse the request body: {e}",
                e.line(),
                e.column()
            ),
        )
    })?;
    let Value::Object(map) = value else {
        return Err(es_error(
            400,
            "x_content_parse_exception",
            &format!(
                "[1:1] [{PUT_ACTION}] Expected START_OBJECT but was: {}",
                token_name(&value)
            ),
        ));
    };
    let mut key = None;
    for (name, v) in &map {
        if name != "api_key" {
            let (line, col) = locate_field(&text, name);
            return Err(es_error(
                400,
                "x_content_parse_exception",
                &format!("[{line}:{col}] [{PUT_ACTION}] unknown field [{name}]"),
            ));
        }
        match v {
            Value::String(s) => key = Some(s.clone()),
            other => {
                let (line, col) = locate_value(&text, name);
                return Err(es_error(
                    400,
                    "x_content_parse_exception",
                    &format!(
                        "[{line}:{col}] [{PUT_ACTION}] api_key doesn't support values of type: {}",
                        token_name(other)
                    ),
                ));
            }
        }
    }
    match key {
        Some(k) if !k.is_empty() => Ok(k),
        _ => Err(validation_failed(&[
            "The [api_key] field cannot be an empty string or null".into(),
        ])),
    }
}

fn token_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "VALUE_NULL",
        Value::Bool(_) => "VALUE_BOOLEAN",
        Value::Number(_) => "VALUE_NUMBER",
        Value::String(_) => "VALUE_STRING",
        Value::Array(_) => "START_ARRAY",
        Value::Object(_) => "START_OBJECT",
    }
}

/// 1-based line and column of the first `"name"` used as a key in `text`.
fn locate_field(text: &str, name: &str) -> (usize, usize) {
    position(text, field_offset(text, name).unwrap_or(0))
}

/// 1-based line and column of the value of field `name`.
fn locate_value(text: &str, name: &str) -> (usize, usize) {
    let Some(start) = field_offset(text, name) else {
        return (1, 1);
    };
    let after_key = start + name.len() + 2;
    let rest = &text[after_key..];
    let colon = rest.find(':').map(|i| i + 1).unwrap_or(0);
    let ws = rest[colon..].len() - rest[colon..].trim_start().len();
    position(text, after_key + colon + ws)
}

fn field_offset(text: &str, name: &str) -> Option<usize> {
    let needle = format!("\"{name}\"");
    text.match_indices(&needle)
        .map(|(i, _)| i)
        .find(|&i| text[i + needle.len()..].trim_start().starts_with(':'))
}

fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, col)
}

/// Live validation against EIS (row 10, spec §5.4): scripts first, then the Cloud simulator's keys.
fn validate_with_eis(sh: &Shared, st: &EsState, key: &str) -> Result<(), Response> {
    let outcome = st
        .eis_scripts
        .get(key)
        .copied()
        .or(st.eis_default)
        .unwrap_or_else(|| {
            let valid = st.eis_allowed.contains(key)
                || st.config.eis_accept_unknown_keys
                || sh.eis_check.as_ref().is_some_and(|check| check(key));
            if valid {
                EisOutcome::Accept
            } else {
                EisOutcome::Status { status: 401 }
            }
        });
    let (status, cause) = match outcome {
        EisOutcome::Accept => return Ok(()),
        EisOutcome::Status { status: 401 } => (401, eis_status_cause(401)),
        EisOutcome::Status { status } if (400..500).contains(&status) => {
            (status, eis_status_cause(status))
        }
        EisOutcome::Status { status } => (400, eis_status_cause(status)),
        EisOutcome::Network => (
            400,
            json!({
                "type": "connect_exception",
                "reason": "Connection refused",
            }),
        ),
    };
    Err(es_error_with(
        status,
        "status_exception",
        VALIDATION_FAILED,
        extra(&[]),
        Some(cause),
    ))
}

fn eis_status_cause(status: u16) -> Value {
    json!({
        "type": "status_exception",
        "reason": format!(
            "Received an unsuccessful status code for request from inference entity id [elastic-inference-service-authorization] status [{status}]. Error message: [{{\"error\":{{\"message\":\"unable to authorize the Cloud Connected Mode API key\"}}}}]"
        ),
    })
}

/// `GET /_inference/_ccm`
pub(crate) async fn get(State(sh): State<Arc<Shared>>, uri: Uri, headers: HeaderMap) -> Response {
    let st = sh.lock();
    let p = tri!(authenticate(&st, &headers, &uri_text(&uri)));
    if !st.config.has_ccm() {
        return endpoint_not_found();
    }
    if !st.config.ccm_supported_environment {
        return not_permitted();
    }
    tri!(check_cluster(p.as_ref(), GET_ACTION, MONITOR_INFERENCE));
    json_reply(200, &json!({ "enabled": st.ccm_key.is_some() }))
}

/// `DELETE /_inference/_ccm` (idempotent)
pub(crate) async fn delete(
    State(sh): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let now = sh.clock.now_ms();
    let mut st = sh.lock();
    let p = tri!(authenticate(&st, &headers, &uri_text(&uri)));
    if !st.config.has_ccm() {
        return endpoint_not_found();
    }
    let resp = if !st.config.ccm_supported_environment {
        not_permitted()
    } else if let Err(r) = check_cluster(p.as_ref(), DELETE_ACTION, MANAGE_INFERENCE) {
        r
    } else if st.config.metadata_write_block {
        write_block()
    } else {
        if st.ccm_key.take().is_some() && st.eis_endpoints_visible(now) {
            st.eis_endpoints_created = true;
        }
        st.ccm_enabled_at = None;
        json_reply(200, &json!({ "enabled": false }))
    };
    st.ccm_history.push(CcmEvent {
        action: "delete".into(),
        key: None,
        status: resp.status().as_u16(),
        at: rfc3339(now),
    });
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_fields_and_values() {
        assert_eq!(locate_field(r#"{"foo":1}"#, "foo"), (1, 2));
        assert_eq!(
            locate_field("{\n  \"api_key\": \"k\",\n  \"x\": 1\n}", "x"),
            (3, 3)
        );
        assert_eq!(locate_value(r#"{"api_key": 12}"#, "api_key"), (1, 13));
    }
}
