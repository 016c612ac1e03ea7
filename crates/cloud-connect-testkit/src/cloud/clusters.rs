//! Cluster operations: list, create, get, patch, disconnect (spec §2.1–§2.5, §8.5–§8.7).

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde_json::json;

use super::Shared;
use super::auth::{Caller, authenticate};
use super::errors::{
    bad_request, empty_ok, forbidden, invalid_state, json_reply, json_with_etag, not_found,
    op_error, with_etag,
};
use super::keys::new_cluster_id;
use super::render::cluster_json;
use super::state::{CloudState, Cluster, KeyKind, SubscriptionState};
use super::validation::{parse_create, parse_patch, valid_cluster_id};
use crate::clock::{Millis, rfc3339};

/// Unwraps a `Result<T, Response>` or returns the error reply.
macro_rules! tri {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(resp) => return resp,
        }
    };
}
pub(crate) use tri;

/// Checks shared by every cluster mutation, in this order: id pattern (404), visibility (404/403),
/// terms (403), `If-Match` (412), disconnecting (409), and — when `settle_blocks` — an operation
/// in progress (409 `invalid_state`).
pub(crate) fn guard_mutation(
    st: &mut CloudState,
    caller: &Caller,
    id: &str,
    op: &str,
    headers: &HeaderMap,
    now: Millis,
    settle_blocks: bool,
) -> Result<(), Response> {
    if !valid_cluster_id(id) {
        return Err(not_found(op));
    }
    let cluster = caller.visible_cluster(st, id, op)?;
    check_terms(st, &cluster.org_id, op)?;
    if let Some(expected) = headers.get(header::IF_MATCH) {
        let expected = expected.to_str().unwrap_or("");
        if expected.trim() != "*" && expected != cluster.etag() {
            return Err(op_error(
                412,
                op,
                "precondition_failed",
                "the If-Match header does not match the current ETag of the cluster",
            ));
        }
    }
    if cluster.disconnect_at.is_some() {
        return Err(invalid_state(op, "the cluster is being disconnected"));
    }
    if settle_blocks {
        let in_progress = cluster.busy_until > now;
        if let Some(c) = st.clusters.get_mut(id)
            && c.forced_busy_calls > 0
        {
            c.forced_busy_calls -= 1;
            return Err(invalid_state(
                op,
                "The API is still completing an operation, please try again later",
            ));
        }
        if in_progress {
            return Err(invalid_state(
                op,
                "The API is still completing an operation, please try again later",
            ));
        }
    }
    Ok(())
}

/// 403 unless the organization accepted the terms and conditions.
pub(crate) fn check_terms(st: &CloudState, org_id: &str, op: &str) -> Result<(), Response> {
    match st.orgs.get(org_id) {
        Some(org) if org.terms.is_some() => Ok(()),
        _ => Err(forbidden(
            op,
            "Terms and Conditions not accepted or no cloud organization found",
        )),
    }
}

/// `GET /clusters`
pub(crate) async fn list(State(sh): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let now = sh.clock.now_ms();
    let mut st = sh.lock();
    st.tick(now);
    let caller = tri!(authenticate(&st, &headers, now));
    let items: Vec<_> = st
        .clusters
        .values()
        .filter(|c| caller.sees(c))
        .map(|c| cluster_json(c, &st.options))
        .collect();
    let mut body = json!({ "items": items });
    if st.options.extra_fields {
        body["sim_extra"] = json!("list-extra");
    }
    json_reply(StatusCode::OK, &body)
}

/// `POST /clusters[?create_api_key=true]`
pub(crate) async fn create(
    State(sh): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    const OP: &str = "create_cluster";
    let now = sh.clock.now_ms();
    let mut st = sh.lock();
    st.tick(now);
    let caller = tri!(authenticate(&st, &headers, now));
    let create_key = match query.get("create_api_key").map(|v| v.to_ascii_lowercase()) {
        None => false,
        Some(v) if v == "true" => true,
        Some(v) if v == "false" => false,
        Some(v) => {
            return bad_request(&format!(
                "query parameter [create_api_key] must be a boolean; got [{v}]"
            ));
        }
    };
    let req = match parse_create(&body, st.options.strict_schema) {
        Ok(r) => r,
        Err(msg) => return bad_request(&msg),
    };
    let Some(org_id) = caller.org_id.clone() else {
        return forbidden(
            OP,
            "no cloud organization found for the user of this API key",
        );
    };
    tri!(check_terms(&st, &org_id, OP));
    if caller.kind == KeyKind::Cluster {
        let own = caller
            .cluster_id
            .as_deref()
            .and_then(|id| st.clusters.get(id));
        if own.is_none_or(|c| c.smc_id != req.smc_id) {
            return forbidden(OP, "request is not authorized");
        }
    }
    if st
        .clusters
        .values()
        .any(|c| c.smc_id == req.smc_id && c.org_id != org_id)
    {
        return op_error(
            409,
            OP,
            "conflict",
            "the cluster is already connected to another organization",
        );
    }
    let existing = st
        .clusters
        .values()
        .find(|c| c.smc_id == req.smc_id && c.org_id == org_id)
        .map(|c| (c.id.clone(), c.disconnect_at.is_some()));
    let (id, status) = match existing {
        Some((_, true)) => return invalid_state(OP, "the cluster is being disconnected"),
        Some((id, false)) => (id, StatusCode::OK),
        None => {
            let id = new_cluster_id();
            let cluster = Cluster {
                id: id.clone(),
                name: req.name.clone().unwrap_or_else(|| req.smc_name.clone()),
                org_id: org_id.clone(),
                created_at: rfc3339(now),
                created_by: caller.user_id.to_string(),
                smc_id: req.smc_id,
                smc_name: req.smc_name,
                smc_version: req.smc_version,
                license_type: req.license_type,
                license_uid: req.license_uid,
                auto_ops: st.options.auto_ops_enabled_on_create,
                eis: st.options.eis_enabled_on_create,
                version: 0,
                disconnect_at: None,
                busy_until: 0,
                forced_busy_calls: 0,
            };
            let eis = cluster.eis;
            st.clusters.insert(id.clone(), cluster);
            if eis {
                // An EIS key exists from the start; it is only obtainable by rotation.
                st.mint_cluster_scoped(&id, KeyKind::Eis, caller.user_id, &caller.email, now);
            }
            st.bump(&id);
            (id, StatusCode::CREATED)
        }
    };
    let key = create_key.then(|| {
        let key = st.mint_cluster_scoped(&id, KeyKind::Cluster, caller.user_id, &caller.email, now);
        st.bump(&id);
        key
    });
    let Some(cluster) = st.clusters.get(&id) else {
        return not_found(OP);
    };
    let mut reply = cluster_json(cluster, &st.options);
    if let Some(key) = key {
        reply["key"] = json!(key);
    }
    json_with_etag(status, &reply, &cluster.etag())
}

/// `GET /clusters/{id}`
pub(crate) async fn get(
    State(sh): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    const OP: &str = "get_cluster";
    let now = sh.clock.now_ms();
    let mut st = sh.lock();
    st.tick(now);
    let caller = tri!(authenticate(&st, &headers, now));
    if !valid_cluster_id(&id) {
        return not_found(OP);
    }
    let cluster = tri!(caller.visible_cluster(&st, &id, OP));
    json_with_etag(
        StatusCode::OK,
        &cluster_json(cluster, &st.options),
        &cluster.etag(),
    )
}

/// `PATCH /clusters/{id}`
pub(crate) async fn patch(
    State(sh): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    const OP: &str = "patch_cluster";
    let now = sh.clock.now_ms();
    let mut st = sh.lock();
    st.tick(now);
    let caller = tri!(authenticate(&st, &headers, now));
    if !valid_cluster_id(&id) {
        return not_found(OP);
    }
    let req = match parse_patch(&body, st.options.strict_schema) {
        Ok(r) => r,
        Err(msg) => return bad_request(&msg),
    };
    tri!(guard_mutation(
        &mut st, &caller, &id, OP, &headers, now, true
    ));
    let settle = st.options.settle_time_ms;
    let enforce = st.options.enforce_subscription;
    let Some(current) = st.clusters.get(&id).cloned() else {
        return not_found(OP);
    };
    let enables =
        req.auto_ops == Some(true) && !current.auto_ops || req.eis == Some(true) && !current.eis;
    let inactive = st
        .orgs
        .get(&current.org_id)
        .is_some_and(|o| o.subscription == SubscriptionState::Inactive);
    if enforce && enables && inactive {
        return forbidden(
            OP,
            "an active subscription or trial is required to enable this service",
        );
    }
    let mut next = current.clone();
    if let Some(v) = req.name {
        next.name = v;
    }
    if let Some(v) = req.smc_name {
        next.smc_name = v;
    }
    if let Some(v) = req.smc_version {
        next.smc_version = v;
    }
    if let Some(v) = req.license_type {
        next.license_type = v;
    }
    if let Some(v) = req.license_uid {
        next.license_uid = v;
    }
    if let Some(v) = req.auto_ops {
        next.auto_ops = v;
    }
    if let Some(v) = req.eis {
        next.eis = v;
    }
    let services_changed = next.auto_ops != current.auto_ops || next.eis != current.eis;
    if services_changed {
        next.busy_until = now + settle;
    }
    let changed = services_changed
        || next.name != current.name
        || next.smc_name != current.smc_name
        || next.smc_version != current.smc_version
        || next.license_type != current.license_type
        || next.license_uid != current.license_uid;
    st.clusters.insert(id.clone(), next.clone());
    let mut eis_key = None;
    if next.eis && !current.eis {
        eis_key =
            Some(st.mint_cluster_scoped(&id, KeyKind::Eis, caller.user_id, &caller.email, now));
    } else if !next.eis && current.eis {
        st.revoke_all(&id, KeyKind::Eis);
    }
    if changed {
        st.bump(&id);
    }
    let Some(cluster) = st.clusters.get(&id) else {
        return not_found(OP);
    };
    let mut reply = cluster_json(cluster, &st.options);
    if let Some(key) = eis_key {
        reply["keys"] = json!({ "eis": key });
    }
    json_with_etag(StatusCode::OK, &reply, &cluster.etag())
}

/// `DELETE /clusters/{id}`
pub(crate) async fn delete(
    State(sh): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    const OP: &str = "delete_cluster";
    let now = sh.clock.now_ms();
    let mut st = sh.lock();
    st.tick(now);
    let caller = tri!(authenticate(&st, &headers, now));
    tri!(guard_mutation(
        &mut st, &caller, &id, OP, &headers, now, true
    ));
    let delay = st.options.disconnect_delay_ms;
    if let Some(c) = st.clusters.get_mut(&id) {
        c.disconnect_at = Some(now + delay);
    }
    st.bump(&id);
    let etag = st.clusters.get(&id).map(Cluster::etag).unwrap_or_default();
    if delay == 0 {
        st.remove_cluster(&id);
    }
    let mut resp = empty_ok();
    with_etag(&mut resp, &etag);
    resp
}
