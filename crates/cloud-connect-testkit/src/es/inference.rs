//! Inference endpoint listing (spec §5.7): preconfigured EIS endpoints appear after a successful
//! `PUT _inference/_ccm`, next to a non-EIS preconfigured endpoint.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use serde_json::{Value, json};

use super::errors::{es_error, json_reply};
use super::info::tri;
use super::security::{MONITOR_INFERENCE, authenticate, check_cluster};
use super::state::EsState;
use super::{Shared, uri_text};
use crate::clock::Millis;

const GET_ACTION: &str = "cluster:monitor/xpack/inference/get";

/// Task types of the inference API.
pub(crate) const TASK_TYPES: &[&str] = &[
    "sparse_embedding",
    "text_embedding",
    "rerank",
    "completion",
    "chat_completion",
];

const EIS_ENDPOINTS: &[(&str, &str, &str)] = &[
    (
        ".rainbow-sprinkles-elastic",
        "chat_completion",
        "rainbow-sprinkles",
    ),
    (".gp-llm-v2-chat_completion", "chat_completion", "gp-llm-v2"),
    (".elser-2-elastic", "sparse_embedding", "elser_model_2"),
    (
        ".jina-embeddings-v3",
        "text_embedding",
        "jina-embeddings-v3",
    ),
    (".elastic-rerank-v1", "rerank", "elastic-rerank-v1"),
];

impl EsState {
    /// Whether the EIS endpoints are listed at `now`.
    pub(crate) fn eis_endpoints_visible(&self, now: Millis) -> bool {
        self.ccm_enabled_at
            .is_some_and(|t| now >= t + self.config.endpoints_delay_ms)
            || (self.config.endpoints_listed_after_delete && self.eis_endpoints_created)
    }

    fn endpoints(&self, now: Millis) -> Vec<Value> {
        let mut list = vec![json!({
            "inference_id": ".elser-2-elasticsearch",
            "task_type": "sparse_embedding",
            "service": "elasticsearch",
            "service_settings": {
                "num_threads": 1,
                "model_id": ".elser_model_2",
                "adaptive_allocations": { "enabled": true, "min_number_of_allocations": 0, "max_number_of_allocations": 32 }
            },
            "chunking_settings": { "strategy": "sentence", "max_chunk_size": 250, "sentence_overlap": 1 }
        })];
        if self.eis_endpoints_visible(now) {
            list.extend(EIS_ENDPOINTS.iter().map(|(id, task, model)| {
                json!({
                    "inference_id": id,
                    "task_type": task,
                    "service": "elastic",
                    "service_settings": { "model_id": model },
                })
            }));
        }
        list
    }
}

fn list(
    sh: &Shared,
    uri: &Uri,
    headers: &HeaderMap,
    task: Option<&str>,
    id: Option<&str>,
) -> Response {
    let now = sh.clock.now_ms();
    let st = sh.lock();
    let p = tri!(authenticate(&st, headers, &uri_text(uri)));
    tri!(check_cluster(p.as_ref(), GET_ACTION, MONITOR_INFERENCE));
    if let Some(t) = task
        && !TASK_TYPES.contains(&t)
    {
        return es_error(
            400,
            "illegal_argument_exception",
            &format!("Unknown task_type [{t}]"),
        );
    }
    let endpoints: Vec<Value> = st
        .endpoints(now)
        .into_iter()
        .filter(|e| task.is_none_or(|t| e["task_type"] == t))
        .filter(|e| id.is_none_or(|i| e["inference_id"] == i))
        .collect();
    if let Some(i) = id
        && endpoints.is_empty()
    {
        return es_error(
            404,
            "resource_not_found_exception",
            &format!("Inference endpoint not found [{i}]"),
        );
    }
    json_reply(200, &json!({ "endpoints": endpoints }))
}

/// `GET /_inference/_all`
pub(crate) async fn all(State(sh): State<Arc<Shared>>, uri: Uri, headers: HeaderMap) -> Response {
    list(&sh, &uri, &headers, None, None)
}

/// `GET /_inference/{task_type_or_id}`
pub(crate) async fn one(
    State(sh): State<Arc<Shared>>,
    Path(segment): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if TASK_TYPES.contains(&segment.as_str()) {
        list(&sh, &uri, &headers, Some(&segment), None)
    } else {
        list(&sh, &uri, &headers, None, Some(&segment))
    }
}

/// `GET /_inference/{task_type}/{inference_id}` (and `/{task_type}/_all`)
pub(crate) async fn typed(
    State(sh): State<Arc<Shared>>,
    Path((task, id)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let id = (id != "_all").then_some(id.as_str());
    list(&sh, &uri, &headers, Some(&task), id)
}
