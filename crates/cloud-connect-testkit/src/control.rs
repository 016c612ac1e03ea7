//! The control API: a JSON HTTP server (its own listener) for Node and C tests to inspect state,
//! inject faults, move the clock and change knobs. Routes are listed in the crate README.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::clock::Clock;
use crate::cloud::{CLOUD_ROUTES, CloudSim, KeySeed, SubscriptionState};
use crate::es::{ES_ROUTES, EisOutcome, EsSim, EsUser};
use crate::faults::FaultSpec;
use crate::server::{ServerHandle, serve};

struct Ctx {
    cloud: Arc<CloudSim>,
    es: Arc<EsSim>,
    clock: Clock,
}

type Ctl = State<Arc<Ctx>>;

/// Starts the control API for a pair of simulators.
pub(crate) async fn serve_control(
    cloud: Arc<CloudSim>,
    es: Arc<EsSim>,
    clock: Clock,
) -> std::io::Result<ServerHandle> {
    let ctx = Arc::new(Ctx { cloud, es, clock });
    let router = Router::new()
        .route("/info", get(info))
        .route("/state", get(state))
        .route("/cloud/state", get(cloud_state))
        .route("/es/state", get(es_state))
        .route(
            "/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route("/clock", get(clock_now))
        .route("/clock/advance", post(advance))
        .route("/reset", post(reset))
        .route("/cloud/subscription", post(subscription))
        .route("/cloud/terms", post(terms))
        .route("/cloud/options", get(cloud_options).post(set_cloud_options))
        .route("/cloud/keys", post(seed_key))
        .route("/cloud/keys/revoke", post(revoke_key))
        .route("/cloud/clusters/{id}", get(cluster))
        .route("/cloud/clusters/{id}/keys", get(cluster_keys))
        .route("/cloud/clusters/{id}/in-progress", post(in_progress))
        .route("/es/config", get(es_config).post(set_es_config))
        .route("/es/ccm", get(ccm))
        .route("/es/eis", post(script_eis))
        .route("/es/eis/allow", post(allow_eis))
        .route("/es/users", post(add_user))
        .route("/es/api-keys", post(add_api_key))
        .route("/es/tokens", post(add_token))
        .route("/es/documents/{index}/{id}", get(document))
        .fallback(|| async { bad(StatusCode::NOT_FOUND, "unknown control route") })
        .with_state(ctx);
    serve(router).await
}

fn bad(status: StatusCode, msg: &str) -> Response {
    (status, Json(json!({ "error": msg }))).into_response()
}

fn ok(v: Value) -> Response {
    Json(v).into_response()
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, Response> {
    let text = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}".as_slice()
    } else {
        body
    };
    serde_json::from_slice(text)
        .map_err(|e| bad(StatusCode::BAD_REQUEST, &format!("invalid body: {e}")))
}

/// Merges `patch` into `target` (objects recursively; any other value, `null` included, replaces).
fn merge(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, v) in p {
                merge(t.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        (t, p) => *t = p.clone(),
    }
}

fn merged<T: serde::Serialize + DeserializeOwned>(current: &T, body: &[u8]) -> Result<T, Response> {
    let patch: Value = parse(body)?;
    let mut v = serde_json::to_value(current)
        .map_err(|e| bad(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()))?;
    merge(&mut v, &patch);
    serde_json::from_value(v)
        .map_err(|e| bad(StatusCode::BAD_REQUEST, &format!("invalid options: {e}")))
}

macro_rules! tri {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(resp) => return resp,
        }
    };
}

async fn info(State(c): Ctl) -> Response {
    ok(json!({
        "cloud_url": c.cloud.url(),
        "es_url": c.es.url(),
        "org_api_key": c.cloud.org_api_key(),
        "organization_id": c.cloud.organization_id(),
        "user_id": c.cloud.user_id(),
        "es_authorization": c.es.authorization(),
        "es_credentials": c.es.credentials(),
        "cloud_routes": CLOUD_ROUTES,
        "es_routes": ES_ROUTES,
    }))
}

async fn state(State(c): Ctl) -> Response {
    ok(json!({
        "cloud": c.cloud.state_json(),
        "es": c.es.state_json(),
        "clock": { "now": c.clock.now_rfc3339(), "now_ms": c.clock.now_ms(), "offset_ms": c.clock.offset().as_millis() as u64 },
    }))
}

async fn cloud_state(State(c): Ctl) -> Response {
    ok(c.cloud.state_json())
}

async fn es_state(State(c): Ctl) -> Response {
    ok(c.es.state_json())
}

async fn list_faults(State(c): Ctl) -> Response {
    ok(json!({ "cloud": c.cloud.faults(), "es": c.es.faults() }))
}

async fn add_fault(State(c): Ctl, body: axum::body::Bytes) -> Response {
    let spec: FaultSpec = tri!(parse(&body));
    if CLOUD_ROUTES.contains(&spec.route.as_str()) {
        c.cloud.inject(spec);
    } else if ES_ROUTES.contains(&spec.route.as_str()) {
        c.es.inject(spec);
    } else {
        return bad(
            StatusCode::BAD_REQUEST,
            &format!("unknown route [{}]", spec.route),
        );
    }
    ok(json!({ "ok": true }))
}

async fn clear_faults(State(c): Ctl) -> Response {
    c.cloud.clear_faults();
    c.es.clear_faults();
    ok(json!({ "ok": true }))
}

async fn clock_now(State(c): Ctl) -> Response {
    ok(
        json!({ "now": c.clock.now_rfc3339(), "now_ms": c.clock.now_ms(), "offset_ms": c.clock.offset().as_millis() as u64 }),
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Advance {
    seconds: u64,
    ms: u64,
}

async fn advance(State(c): Ctl, body: axum::body::Bytes) -> Response {
    let a: Advance = tri!(parse(&body));
    c.clock
        .advance(Duration::from_secs(a.seconds) + Duration::from_millis(a.ms));
    clock_now(State(c)).await
}

async fn reset(State(c): Ctl) -> Response {
    c.cloud.reset();
    c.es.reset();
    ok(json!({ "ok": true }))
}

#[derive(Deserialize)]
struct SubscriptionBody {
    organization_id: Option<String>,
    state: SubscriptionState,
}

async fn subscription(State(c): Ctl, body: axum::body::Bytes) -> Response {
    let b: SubscriptionBody = tri!(parse(&body));
    let org = b
        .organization_id
        .unwrap_or_else(|| c.cloud.organization_id());
    c.cloud.set_subscription(&org, b.state);
    ok(json!({ "organization_id": org, "state": b.state }))
}

#[derive(Deserialize)]
struct TermsBody {
    organization_id: Option<String>,
    accepted: bool,
}

async fn terms(State(c): Ctl, body: axum::body::Bytes) -> Response {
    let b: TermsBody = tri!(parse(&body));
    let org = b
        .organization_id
        .unwrap_or_else(|| c.cloud.organization_id());
    c.cloud.set_terms_accepted(&org, b.accepted);
    ok(json!({ "organization_id": org, "terms": c.cloud.terms(&org) }))
}

async fn cloud_options(State(c): Ctl) -> Response {
    ok(json!(c.cloud.options()))
}

async fn set_cloud_options(State(c): Ctl, body: axum::body::Bytes) -> Response {
    let options = tri!(merged(&c.cloud.options(), &body));
    c.cloud.set_options(options);
    ok(json!(c.cloud.options()))
}

async fn seed_key(State(c): Ctl, body: axum::body::Bytes) -> Response {
    let seed: KeySeed = tri!(parse(&body));
    ok(json!({ "key": c.cloud.seed_key(seed) }))
}

#[derive(Deserialize)]
struct KeyBody {
    key: String,
}

async fn revoke_key(State(c): Ctl, body: axum::body::Bytes) -> Response {
    let b: KeyBody = tri!(parse(&body));
    ok(json!({ "revoked": c.cloud.revoke_key(&b.key) }))
}

async fn cluster(State(c): Ctl, Path(id): Path<String>) -> Response {
    match c.cloud.cluster(&id) {
        Some(v) => ok(v),
        None => bad(StatusCode::NOT_FOUND, "no such cluster"),
    }
}

async fn cluster_keys(State(c): Ctl, Path(id): Path<String>) -> Response {
    ok(json!(c.cloud.keys(&id)))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct InProgressBody {
    calls: Option<u32>,
    seconds: Option<u64>,
}

async fn in_progress(State(c): Ctl, Path(id): Path<String>, body: axum::body::Bytes) -> Response {
    let b: InProgressBody = tri!(parse(&body));
    let mut found = true;
    if let Some(n) = b.calls {
        found &= c.cloud.force_in_progress(&id, n);
    }
    if let Some(s) = b.seconds {
        found &= c.cloud.force_in_progress_for(&id, Duration::from_secs(s));
    }
    if found {
        ok(json!({ "ok": true }))
    } else {
        bad(StatusCode::NOT_FOUND, "no such cluster")
    }
}

async fn es_config(State(c): Ctl) -> Response {
    ok(json!(c.es.config()))
}

async fn set_es_config(State(c): Ctl, body: axum::body::Bytes) -> Response {
    let config = tri!(merged(&c.es.config(), &body));
    c.es.set_config(config);
    ok(json!(c.es.config()))
}

async fn ccm(State(c): Ctl) -> Response {
    ok(
        json!({ "enabled": c.es.ccm_enabled(), "key": c.es.ccm_key(), "history": c.es.ccm_history() }),
    )
}

#[derive(Deserialize)]
struct EisBody {
    key: Option<String>,
    outcome: Option<EisOutcome>,
}

async fn script_eis(State(c): Ctl, body: axum::body::Bytes) -> Response {
    let b: EisBody = tri!(parse(&body));
    match (b.key, b.outcome) {
        (Some(key), Some(outcome)) => c.es.script_eis_key(&key, outcome),
        (Some(_), None) => {
            return bad(StatusCode::BAD_REQUEST, "a per-key script needs an outcome");
        }
        (None, outcome) => c.es.script_eis_default(outcome),
    }
    ok(json!({ "ok": true }))
}

async fn allow_eis(State(c): Ctl, body: axum::body::Bytes) -> Response {
    let b: KeyBody = tri!(parse(&body));
    c.es.allow_eis_key(&b.key);
    ok(json!({ "ok": true }))
}

async fn add_user(State(c): Ctl, body: axum::body::Bytes) -> Response {
    let user: EsUser = tri!(parse(&body));
    c.es.add_user(user);
    ok(json!({ "ok": true }))
}

#[derive(Deserialize)]
struct ApiKeyBody {
    id: String,
    key: String,
    owner: String,
}

async fn add_api_key(State(c): Ctl, body: axum::body::Bytes) -> Response {
    let b: ApiKeyBody = tri!(parse(&body));
    ok(json!({ "authorization": c.es.add_api_key(&b.id, &b.key, &b.owner) }))
}

#[derive(Deserialize)]
struct TokenBody {
    token: String,
    owner: String,
}

async fn add_token(State(c): Ctl, body: axum::body::Bytes) -> Response {
    let b: TokenBody = tri!(parse(&body));
    ok(json!({ "authorization": c.es.add_bearer_token(&b.token, &b.owner) }))
}

async fn document(State(c): Ctl, Path((index, id)): Path<(String, String)>) -> Response {
    match c.es.document(&index, &id) {
        Some(v) => ok(v),
        None => bad(StatusCode::NOT_FOUND, "no such document"),
    }
}
