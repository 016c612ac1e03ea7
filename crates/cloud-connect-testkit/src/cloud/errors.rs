//! Reply builders of the Cloud simulator: JSON bodies, the documented error body, and the
//! `UnauthorizedMessages` 401 body.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

/// A JSON reply.
pub(crate) fn json_reply(status: StatusCode, value: &Value) -> Response {
    let mut resp = Response::new(Body::from(value.to_string()));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// A JSON reply carrying an `ETag`.
pub(crate) fn json_with_etag(status: StatusCode, value: &Value, etag: &str) -> Response {
    let mut resp = json_reply(status, value);
    with_etag(&mut resp, etag);
    resp
}

/// `200` without a body.
pub(crate) fn empty_ok() -> Response {
    Response::new(Body::empty())
}

pub(crate) fn with_etag(resp: &mut Response, etag: &str) {
    if let Ok(v) = HeaderValue::from_str(etag) {
        resp.headers_mut().insert(header::ETAG, v);
    }
}

/// The documented error body `{"errors":[{"code","message"}]}`.
pub(crate) fn error(status: u16, code: &str, message: &str) -> Response {
    json_reply(
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        &json!({ "errors": [ { "code": code, "message": message } ] }),
    )
}

/// `clusters.<op>.<reason>` error.
pub(crate) fn op_error(status: u16, op: &str, reason: &str, message: &str) -> Response {
    error(status, &format!("clusters.{op}.{reason}"), message)
}

pub(crate) fn not_found(op: &str) -> Response {
    op_error(
        404,
        op,
        "not_found",
        "the requested resource could not be found",
    )
}

pub(crate) fn forbidden(op: &str, message: &str) -> Response {
    op_error(403, op, "forbidden", message)
}

pub(crate) fn invalid_state(op: &str, message: &str) -> Response {
    op_error(409, op, "invalid_state", message)
}

pub(crate) fn bad_request(message: &str) -> Response {
    error(400, "request.invalid", message)
}

/// 401 for a request without usable credential headers (spec §1.2, E).
pub(crate) fn invalid_credential_headers() -> Response {
    json_reply(
        StatusCode::UNAUTHORIZED,
        &json!({ "UnauthorizedMessages": ["Invalid credential headers"], "Cause": null }),
    )
}

/// 401 for an unknown, expired, revoked or non-API key.
pub(crate) fn invalid_key() -> Response {
    error(401, "auth.unauthorized", "Invalid or expired API key")
}
