//! `GET /` (spec §3) and `GET /_license` (spec §4).

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use serde_json::{Value, json};

use super::Shared;
use super::errors::json_reply;
use super::security::{MONITOR, authenticate, check_cluster};
use crate::clock::rfc3339_millis;

macro_rules! tri {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(resp) => return resp,
        }
    };
}
pub(crate) use tri;

/// `GET /`
pub(crate) async fn root(State(sh): State<Arc<Shared>>, uri: Uri, headers: HeaderMap) -> Response {
    let st = sh.lock();
    let p = tri!(authenticate(&st, &headers, &super::uri_text(&uri)));
    tri!(check_cluster(p.as_ref(), "cluster:monitor/main", MONITOR));
    let c = &st.config.cluster;
    let snapshot = c
        .build_snapshot
        .unwrap_or_else(|| c.version.ends_with("-SNAPSHOT"));
    json_reply(
        200,
        &json!({
            "name": c.node_name,
            "cluster_name": c.cluster_name,
            "cluster_uuid": c.cluster_uuid,
            "version": {
                "number": c.version,
                "build_flavor": c.build_flavor,
                "build_type": c.build_type,
                "build_hash": c.build_hash,
                "build_date": c.build_date,
                "build_snapshot": snapshot,
                "lucene_version": c.lucene_version,
                "minimum_wire_compatibility_version": c.minimum_wire_compatibility_version,
                "minimum_index_compatibility_version": c.minimum_index_compatibility_version,
            },
            "tagline": c.tagline,
        }),
    )
}

/// `GET /_license`
pub(crate) async fn license(
    State(sh): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let st = sh.lock();
    let p = tri!(authenticate(&st, &headers, &super::uri_text(&uri)));
    tri!(check_cluster(
        p.as_ref(),
        "cluster:monitor/xpack/license/get",
        MONITOR
    ));
    let Some(l) = &st.config.license else {
        return json_reply(200, &json!({}));
    };
    let mut license = json!({
        "status": l.status,
        "uid": l.uid,
        "type": l.license_type,
        "issue_date": rfc3339_millis(l.issue_date_ms),
        "issue_date_in_millis": l.issue_date_ms,
    });
    if l.license_type != "basic"
        && let Some(expiry) = l.expiry_date_ms
    {
        license["expiry_date"] = json!(rfc3339_millis(expiry));
        license["expiry_date_in_millis"] = json!(expiry);
    }
    if l.license_type == "enterprise" {
        license["max_nodes"] = Value::Null;
        license["max_resource_units"] = json!(100_000);
    } else {
        license["max_nodes"] = json!(1000);
        license["max_resource_units"] = Value::Null;
    }
    license["issued_to"] = json!(l.issued_to);
    license["issuer"] = json!(l.issuer);
    license["start_date_in_millis"] = json!(-1);
    json_reply(200, &json!({ "license": license }))
}
