//! Organization endpoints and key introspection (spec §2.10–§2.13).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use super::Shared;
use super::auth::authenticate;
use super::clusters::tri;
use super::errors::{json_reply, not_found};
use super::state::{CloudState, KeyKind, TermsAcceptance};
use super::validation::valid_org_id;

fn terms_json(t: Option<&TermsAcceptance>) -> Value {
    match t {
        Some(t) => {
            json!({ "accepted": { "accepted_at": t.accepted_at, "accepted_by": t.accepted_by } })
        }
        None => json!({}),
    }
}

fn org_call(
    sh: &Shared,
    org_id: &str,
    headers: &HeaderMap,
    op: &str,
    action: impl FnOnce(&mut CloudState, u64, String) -> Value,
) -> Response {
    let now = sh.clock.now_ms();
    let mut st = sh.lock();
    st.tick(now);
    let caller = tri!(authenticate(&st, headers, now));
    if !valid_org_id(org_id) {
        return not_found(op);
    }
    tri!(caller.check_org(org_id, op));
    let reply = action(&mut st, now, caller.user_id.to_string());
    json_reply(StatusCode::OK, &reply)
}

/// `GET /organizations/{org}/subscription`
pub(crate) async fn subscription(
    State(sh): State<Arc<Shared>>,
    Path(org): Path<String>,
    headers: HeaderMap,
) -> Response {
    org_call(&sh, &org, &headers, "get_subscription", |st, _, _| {
        let state = st
            .orgs
            .get(&org)
            .map(|o| o.subscription)
            .unwrap_or_default();
        json!({ "state": state.as_str() })
    })
}

/// `GET /organizations/{org}/terms-and-conditions`
pub(crate) async fn get_terms(
    State(sh): State<Arc<Shared>>,
    Path(org): Path<String>,
    headers: HeaderMap,
) -> Response {
    org_call(
        &sh,
        &org,
        &headers,
        "get_terms_and_conditions",
        |st, _, _| terms_json(st.orgs.get(&org).and_then(|o| o.terms.as_ref())),
    )
}

/// `POST /organizations/{org}/terms-and-conditions/_accept` (idempotent: keeps the first acceptance)
pub(crate) async fn accept_terms(
    State(sh): State<Arc<Shared>>,
    Path(org): Path<String>,
    headers: HeaderMap,
) -> Response {
    org_call(
        &sh,
        &org,
        &headers,
        "accept_terms_and_conditions",
        |st, now, user| {
            let entry = st
                .orgs
                .entry(org.clone())
                .or_insert_with(|| super::state::Org {
                    terms: None,
                    subscription: Default::default(),
                });
            let terms = entry.terms.get_or_insert_with(|| TermsAcceptance {
                accepted_at: crate::clock::rfc3339(now),
                accepted_by: user,
            });
            terms_json(Some(terms))
        },
    )
}

/// `GET /saas/user[?show_role_assignments=true]`
pub(crate) async fn saas_user(
    State(sh): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let now = sh.clock.now_ms();
    let mut st = sh.lock();
    st.tick(now);
    let caller = tri!(authenticate(&st, &headers, now));
    let key = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .map(|(_, k)| k.trim().to_owned())
        .unwrap_or_default();
    let seeded = st.key(&key).and_then(|k| k.assignments.clone());
    let assignments = seeded.unwrap_or_else(|| match (caller.kind, &caller.cluster_id) {
        (KeyKind::Cluster, Some(cluster)) => vec![json!({
            "role_id": "cloud-connected-admin",
            "organization_id": caller.org_id,
            "all": false,
            "resource_ids": [cluster],
        })],
        _ => vec![json!({
            "role_id": "cloud-connected-admin",
            "organization_id": caller.org_id,
            "all": true,
            "resource_ids": [],
        })],
    });
    let mut user = json!({
        "user_id": caller.user_id,
        "email": caller.email,
    });
    if let Some(org) = &caller.org_id {
        user["organization_id"] = json!(org);
    }
    if query
        .get("show_role_assignments")
        .is_some_and(|v| v == "true")
    {
        let mut roles = json!({ "cloud_connected_resource": assignments });
        if st.options.extra_fields {
            roles["deployment"] = json!([]);
        }
        user["role_assignments"] = roles;
    }
    if st.options.extra_fields {
        user["sim_extra"] = json!("user-extra");
    }
    json_reply(StatusCode::OK, &json!({ "user": user }))
}
