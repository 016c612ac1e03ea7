//! Routing table of the Cloud simulator and the names faults and counters use.

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::response::Response;
use axum::routing::{get, post};

use super::errors::{error, op_error};
use super::{Shared, clusters, orgs, rotation};

const CLUSTERS: &str = "/api/v1/cloud-connected/clusters";
const CLUSTER: &str = "/api/v1/cloud-connected/clusters/{id}";
const ROTATE: &str = "/api/v1/cloud-connected/clusters/{id}/apikey/_rotate";
const ROTATE_SERVICE: &str = "/api/v1/cloud-connected/clusters/{id}/apikey/{service}/_rotate";
const REVOKE: &str = "/api/v1/cloud-connected/clusters/{id}/apikey/_revoke-pending";
const REVOKE_SERVICE: &str =
    "/api/v1/cloud-connected/clusters/{id}/apikey/{service}/_revoke-pending";
const SUBSCRIPTION: &str = "/api/v1/cloud-connected/organizations/{org}/subscription";
const TERMS: &str = "/api/v1/cloud-connected/organizations/{org}/terms-and-conditions";
const ACCEPT: &str = "/api/v1/cloud-connected/organizations/{org}/terms-and-conditions/_accept";
const SAAS_USER: &str = "/api/v1/saas/user";

/// Every Cloud route name (for faults and counters).
pub const CLOUD_ROUTES: &[&str] = &[
    "cloud.list_clusters",
    "cloud.create_cluster",
    "cloud.get_cluster",
    "cloud.patch_cluster",
    "cloud.delete_cluster",
    "cloud.get_subscription",
    "cloud.get_terms_and_conditions",
    "cloud.accept_terms_and_conditions",
    "cloud.rotate_cluster_api_key",
    "cloud.rotate_service_api_key",
    "cloud.revoke_pending_cluster_api_keys",
    "cloud.revoke_pending_service_api_keys",
    "cloud.get_saas_user",
];

/// Route name of a matched path and method.
pub(crate) fn route_name(method: &Method, path: &str) -> Option<&'static str> {
    let name = match (path, method.as_str()) {
        (CLUSTERS, "GET") => "cloud.list_clusters",
        (CLUSTERS, "POST") => "cloud.create_cluster",
        (CLUSTER, "GET") => "cloud.get_cluster",
        (CLUSTER, "PATCH") => "cloud.patch_cluster",
        (CLUSTER, "DELETE") => "cloud.delete_cluster",
        (ROTATE, "POST") => "cloud.rotate_cluster_api_key",
        (ROTATE_SERVICE, "POST") => "cloud.rotate_service_api_key",
        (REVOKE, "POST") => "cloud.revoke_pending_cluster_api_keys",
        (REVOKE_SERVICE, "POST") => "cloud.revoke_pending_service_api_keys",
        (SUBSCRIPTION, "GET") => "cloud.get_subscription",
        (TERMS, "GET") => "cloud.get_terms_and_conditions",
        (ACCEPT, "POST") => "cloud.accept_terms_and_conditions",
        (SAAS_USER, "GET") => "cloud.get_saas_user",
        _ => return None,
    };
    Some(name)
}

/// The API routes (without instrumentation or prefix).
pub(crate) fn api_router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(CLUSTERS, get(clusters::list).post(clusters::create))
        .route(
            CLUSTER,
            get(clusters::get)
                .patch(clusters::patch)
                .delete(clusters::delete),
        )
        .route(ROTATE, post(rotation::rotate_cluster_key))
        .route(ROTATE_SERVICE, post(rotation::rotate_service_key))
        .route(REVOKE, post(rotation::revoke_pending_cluster_keys))
        .route(REVOKE_SERVICE, post(rotation::revoke_pending_service_keys))
        .route(SUBSCRIPTION, get(orgs::subscription))
        .route(TERMS, get(orgs::get_terms))
        .route(ACCEPT, post(orgs::accept_terms))
        .route(SAAS_USER, get(orgs::saas_user))
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(unknown_path)
        .with_state(shared)
}

async fn unknown_path() -> Response {
    error(
        404,
        "root.resource_not_found",
        "the requested resource could not be found",
    )
}

async fn method_not_allowed() -> Response {
    error(
        405,
        "root.method_not_allowed",
        "the HTTP method is not allowed on this resource",
    )
}

/// Rate limiter (spec §8.9): `Some(429)` when the budget of the caller's window is spent.
pub(crate) fn rate_limit(
    sh: &Shared,
    route: &'static str,
    headers: &HeaderMap,
) -> Option<Response> {
    let now = sh.clock.now_ms();
    let mut st = sh.lock();
    let rl = st.options.rate_limit.clone()?;
    let bucket = if rl.per_key {
        headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    } else {
        "*".to_owned()
    };
    let entry = st.rate.entry(bucket).or_insert((now, 0));
    if now.saturating_sub(entry.0) >= rl.window_ms {
        *entry = (now, 0);
    }
    entry.1 += 1;
    if entry.1 <= rl.limit {
        return None;
    }
    let op = route.trim_start_matches("cloud.");
    let mut resp = op_error(429, op, "rate_limit_exceeded", "User-rate limit exceeded");
    let h = resp.headers_mut();
    if let Some(secs) = rl.retry_after_seconds {
        h.insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    if rl.headers {
        h.insert(
            "x-ratelimit-interval",
            HeaderValue::from(rl.window_ms / 1000),
        );
        h.insert("x-ratelimit-remaining", HeaderValue::from(0u32));
        h.insert("x-ratelimit-limit", HeaderValue::from(rl.limit));
    }
    Some(resp)
}
