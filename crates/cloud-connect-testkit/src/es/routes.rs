//! Routing table of the Elasticsearch simulator, the product-header and media-type middleware.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{get, put};
use serde_json::json;

use super::errors::{es_error, json_reply};
use super::{Shared, ccm, documents, inference, info};

const INFERENCE_ONE: &str = "/_inference/{segment}";
const INFERENCE_TYPED: &str = "/_inference/{task_type}/{inference_id}";
const DOC: &str = "/{index}/_doc/{id}";
const CREATE: &str = "/{index}/_create/{id}";

/// Every Elasticsearch route name (for faults and counters).
pub const ES_ROUTES: &[&str] = &[
    "es.info",
    "es.license",
    "es.ccm_put",
    "es.ccm_get",
    "es.ccm_delete",
    "es.inference_get",
    "es.doc_index",
    "es.doc_create",
    "es.doc_get",
    "es.doc_delete",
];

/// Route name of a matched path and method.
pub(crate) fn route_name(method: &Method, path: &str) -> Option<&'static str> {
    let name = match (path, method.as_str()) {
        ("/", "GET" | "HEAD") => "es.info",
        ("/_license", "GET") => "es.license",
        ("/_inference/_ccm", "PUT") => "es.ccm_put",
        ("/_inference/_ccm", "GET") => "es.ccm_get",
        ("/_inference/_ccm", "DELETE") => "es.ccm_delete",
        ("/_inference" | "/_inference/_all" | INFERENCE_ONE | INFERENCE_TYPED, "GET") => {
            "es.inference_get"
        }
        (DOC, "PUT" | "POST") => "es.doc_index",
        (DOC, "GET") => "es.doc_get",
        (DOC, "DELETE") => "es.doc_delete",
        (CREATE, "PUT" | "POST") => "es.doc_create",
        _ => return None,
    };
    Some(name)
}

/// The API routes (without instrumentation).
pub(crate) fn api_router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/", get(info::root))
        .route("/_license", get(info::license))
        .route(
            "/_inference/_ccm",
            put(ccm::put).get(ccm::get).delete(ccm::delete),
        )
        .route("/_inference", get(inference::all))
        .route("/_inference/_all", get(inference::all))
        .route(INFERENCE_ONE, get(inference::one))
        .route(INFERENCE_TYPED, get(inference::typed))
        .route(
            DOC,
            put(documents::index_doc)
                .post(documents::index_doc)
                .get(documents::get_doc)
                .delete(documents::delete_doc),
        )
        .route(
            CREATE,
            put(documents::create_doc).post(documents::create_doc),
        )
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(no_handler)
        .with_state(shared)
}

async fn no_handler(req: Request) -> Response {
    es_error(
        400,
        "illegal_argument_exception",
        &format!(
            "no handler found for uri [{}] and method [{}]",
            req.uri()
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/"),
            req.method()
        ),
    )
}

async fn method_not_allowed(req: Request) -> Response {
    json_reply(
        405,
        &json!({
            "error": format!(
                "Incorrect HTTP method for uri [{}] and method [{}]",
                req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/"),
                req.method()
            ),
            "status": 405,
        }),
    )
}

fn supported_media_type(ct: &str) -> bool {
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    matches!(
        essence.as_str(),
        "application/json" | "application/vnd.elasticsearch+json" | "application/x-ndjson"
    )
}

/// Outermost middleware: rejects unsupported body media types (406) and adds the product header
/// to every response, errors and injected faults included (unless switched off).
pub(crate) async fn transport(State(sh): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let product = sh.lock().config.product_header;
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let has_body = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|l| l != "0")
        || req.headers().contains_key(header::TRANSFER_ENCODING);
    let mut resp = match content_type {
        Some(ct) if has_body && !supported_media_type(&ct) => json_reply(
            406,
            &json!({ "error": format!("Content-Type header [{ct}] is not supported"), "status": 406 }),
        ),
        _ => next.run(req).await,
    };
    if product {
        resp.headers_mut().insert(
            "x-elastic-product",
            HeaderValue::from_static("Elasticsearch"),
        );
    }
    resp
}
