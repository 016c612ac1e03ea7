//! Key rotation and revocation of pending keys (spec §2.6–§2.9, §8.8).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::json;

use super::Shared;
use super::auth::authenticate;
use super::clusters::{guard_mutation, tri};
use super::errors::{bad_request, empty_ok, invalid_state, json_reply, not_found};
use super::state::KeyKind;
use super::validation::parse_no_body;

/// `POST /clusters/{id}/apikey/_rotate`
pub(crate) async fn rotate_cluster_key(
    State(sh): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    rotate(&sh, &id, None, &headers, &body, "rotate_cluster_api_key")
}

/// `POST /clusters/{id}/apikey/{service}/_rotate`
pub(crate) async fn rotate_service_key(
    State(sh): State<Arc<Shared>>,
    Path((id, service)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    rotate(
        &sh,
        &id,
        Some(&service),
        &headers,
        &body,
        "rotate_service_api_key",
    )
}

/// `POST /clusters/{id}/apikey/_revoke-pending`
pub(crate) async fn revoke_pending_cluster_keys(
    State(sh): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    revoke(
        &sh,
        &id,
        None,
        &headers,
        &body,
        "revoke_pending_cluster_api_keys",
    )
}

/// `POST /clusters/{id}/apikey/{service}/_revoke-pending`
pub(crate) async fn revoke_pending_service_keys(
    State(sh): State<Arc<Shared>>,
    Path((id, service)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    revoke(
        &sh,
        &id,
        Some(&service),
        &headers,
        &body,
        "revoke_pending_service_api_keys",
    )
}

/// The key kind addressed by an optional `{service}` segment; only `eis` exists (404 otherwise).
fn kind_of(service: Option<&str>, op: &str) -> Result<KeyKind, Response> {
    match service {
        None => Ok(KeyKind::Cluster),
        Some("eis") => Ok(KeyKind::Eis),
        Some(_) => Err(not_found(op)),
    }
}

fn rotate(
    sh: &Shared,
    id: &str,
    service: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
    op: &str,
) -> Response {
    let now = sh.clock.now_ms();
    let mut st = sh.lock();
    st.tick(now);
    let caller = tri!(authenticate(&st, headers, now));
    let kind = tri!(kind_of(service, op));
    if let Err(msg) = parse_no_body(body, st.options.strict_schema) {
        return bad_request(&msg);
    }
    tri!(guard_mutation(&mut st, &caller, id, op, headers, now, true));
    if kind == KeyKind::Eis && !st.clusters.get(id).is_some_and(|c| c.eis) {
        return invalid_state(op, "the service is not enabled for this cluster");
    }
    let key = st.mint_cluster_scoped(id, kind, caller.user_id, &caller.email, now);
    st.bump(id);
    json_reply(StatusCode::OK, &json!({ "key": key }))
}

fn revoke(
    sh: &Shared,
    id: &str,
    service: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
    op: &str,
) -> Response {
    let now = sh.clock.now_ms();
    let mut st = sh.lock();
    st.tick(now);
    let caller = tri!(authenticate(&st, headers, now));
    let kind = tri!(kind_of(service, op));
    if let Err(msg) = parse_no_body(body, st.options.strict_schema) {
        return bad_request(&msg);
    }
    tri!(guard_mutation(
        &mut st, &caller, id, op, headers, now, false
    ));
    if st.revoke_pending(id, kind, now) > 0 {
        st.bump(id);
    }
    empty_ok()
}
