//! Document APIs used to store a Kibana saved object (spec §6): index, create, get, delete, with
//! aliases, `require_alias`, the strict root mapping and optimistic concurrency control.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Uri};
use axum::response::Response;
use serde_json::{Value, json};

use super::errors::{es_error, es_error_with, extra, json_reply, validation_failed};
use super::info::tri;
use super::security::{
    DELETE_PRIVILEGES, Principal, READ_PRIVILEGES, WRITE_PRIVILEGES, authenticate, check_index,
    is_restricted,
};
use super::state::{Doc, EsState, Index};
use super::{Shared, uri_text};

/// Sentinel for "no `if_seq_no`" (ES's `UNASSIGNED_SEQ_NO`).
const UNASSIGNED_SEQ_NO: i64 = -2;

type Params = HashMap<String, String>;

#[derive(Clone, Copy, PartialEq, Eq)]
enum WriteOp {
    Index,
    Create,
}

/// `PUT|POST /{index}/_doc/{id}`
pub(crate) async fn index_doc(
    State(sh): State<Arc<Shared>>,
    Path((index, id)): Path<(String, String)>,
    Query(q): Query<Params>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let op = match q.get("op_type").map(String::as_str) {
        None | Some("index") => WriteOp::Index,
        Some("create") => WriteOp::Create,
        Some(other) => {
            return es_error(
                400,
                "illegal_argument_exception",
                &format!("opType must be 'create' or 'index', found: [{other}]"),
            );
        }
    };
    write(&sh, &index, &id, &q, &uri, &headers, &body, op)
}

/// `PUT|POST /{index}/_create/{id}`
pub(crate) async fn create_doc(
    State(sh): State<Arc<Shared>>,
    Path((index, id)): Path<(String, String)>,
    Query(q): Query<Params>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    write(&sh, &index, &id, &q, &uri, &headers, &body, WriteOp::Create)
}

fn check_refresh(q: &Params) -> Result<(), Response> {
    match q.get("refresh").map(String::as_str) {
        None | Some("" | "true" | "false" | "wait_for") => Ok(()),
        Some(other) => Err(es_error(
            400,
            "illegal_argument_exception",
            &format!("Unknown value for refresh: [{other}]."),
        )),
    }
}

/// Parses `if_seq_no` / `if_primary_term` (0 and `UNASSIGNED_SEQ_NO` mean "not given").
fn cas_params(q: &Params) -> Result<(i64, i64), Response> {
    let parse = |name: &str, default: i64| -> Result<i64, Response> {
        match q.get(name) {
            None => Ok(default),
            Some(v) => v.parse::<i64>().map_err(|_| {
                es_error(
                    400,
                    "illegal_argument_exception",
                    &format!("Failed to parse long parameter [{name}] with value [{v}]"),
                )
            }),
        }
    };
    let seq = parse("if_seq_no", UNASSIGNED_SEQ_NO)?;
    let term = parse("if_primary_term", 0)?;
    if seq < 0 && seq != UNASSIGNED_SEQ_NO {
        return Err(es_error(
            400,
            "illegal_argument_exception",
            &format!("sequence numbers must be non negative. got [{seq}]."),
        ));
    }
    if term < 0 {
        return Err(es_error(
            400,
            "illegal_argument_exception",
            &format!("primary term must be non negative. got [{term}]"),
        ));
    }
    Ok((seq, term))
}

fn cas_validation(seq: i64, term: i64, create: bool, errors: &mut Vec<String>) {
    if create && (seq != UNASSIGNED_SEQ_NO || term != 0) {
        errors.push("create operations do not support compare and set. use index instead".into());
    }
    if seq != UNASSIGNED_SEQ_NO && term == 0 {
        errors.push("ifSeqNo is set, but primary term is [0]".into());
    }
    if seq == UNASSIGNED_SEQ_NO && term != 0 {
        errors.push(format!(
            "ifSeqNo is unassigned, but primary term is [{term}]"
        ));
    }
}

fn flag(q: &Params, name: &str) -> bool {
    q.get(name).is_some_and(|v| v.is_empty() || v == "true")
}

/// Resolves an alias or concrete index name; `(concrete, is_alias)`.
fn resolve(st: &EsState, name: &str) -> Option<(String, bool)> {
    if let Some(concrete) = st.aliases.get(name) {
        return Some((concrete.clone(), true));
    }
    st.indices
        .contains_key(name)
        .then(|| (name.to_owned(), false))
}

fn no_such_index(name: &str) -> Response {
    es_error_with(
        404,
        "index_not_found_exception",
        &format!("no such index [{name}]"),
        extra(&[
            ("resource.type", json!("index_or_alias")),
            ("resource.id", json!(name)),
            ("index_uuid", json!("_na_")),
            ("index", json!(name)),
        ]),
        None,
    )
}

fn conflict(st: &EsState, concrete: &str, id: &str, detail: &str) -> Response {
    let uuid = st
        .indices
        .get(concrete)
        .map(|i| i.uuid.clone())
        .unwrap_or_default();
    es_error_with(
        409,
        "version_conflict_engine_exception",
        &format!("[{id}]: version conflict, {detail}"),
        extra(&[
            ("index_uuid", json!(uuid)),
            ("shard", json!("0")),
            ("index", json!(concrete)),
        ]),
        None,
    )
}

/// Names to authorize: the requested name and, for an alias, its concrete index.
fn auth_names<'a>(st: &'a EsState, name: &'a str) -> Vec<&'a str> {
    let mut names = vec![name];
    if let Some(c) = st.aliases.get(name) {
        names.push(c.as_str());
    }
    names
}

/// Deprecation warning for access to a system index without `x-elastic-product-origin: kibana`.
fn system_index_warning(resp: &mut Response, headers: &HeaderMap, version: &str, concrete: &str) {
    let from_kibana = headers
        .get("x-elastic-product-origin")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("kibana"));
    if is_restricted(concrete) && !from_kibana {
        let text = format!(
            "299 Elasticsearch-{version}-0f7b9a1c \"this request accesses system indices: [{concrete}], but in a future major version, direct access to system indices will be prevented by default\""
        );
        if let Ok(v) = HeaderValue::from_str(&text) {
            resp.headers_mut().append("warning", v);
        }
    }
}

fn write_reply(
    concrete: &str,
    id: &str,
    doc: &Doc,
    result: &str,
    refresh: Option<&String>,
) -> Value {
    let mut v = json!({
        "_index": concrete,
        "_id": id,
        "_version": doc.version,
        "result": result,
        "_shards": { "total": 2, "successful": 1, "failed": 0 },
        "_seq_no": doc.seq_no,
        "_primary_term": doc.primary_term,
    });
    if refresh.is_some_and(|r| r.is_empty() || r == "true") {
        v["forced_refresh"] = json!(true);
    }
    v
}

#[allow(clippy::too_many_arguments)]
fn write(
    sh: &Shared,
    name: &str,
    id: &str,
    q: &Params,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    op: WriteOp,
) -> Response {
    let mut st = sh.lock();
    let p: Option<Principal> = tri!(authenticate(&st, headers, &uri_text(uri)));
    tri!(check_refresh(q));
    let (seq, term) = tri!(cas_params(q));
    let mut errors = Vec::new();
    if body.iter().all(u8::is_ascii_whitespace) {
        errors.push("source is missing".into());
    }
    cas_validation(seq, term, op == WriteOp::Create, &mut errors);
    if !errors.is_empty() {
        return validation_failed(&errors);
    }
    let source = match serde_json::from_slice::<Value>(body) {
        Ok(v @ Value::Object(_)) => v,
        _ => return es_error(400, "mapper_parsing_exception", "failed to parse"),
    };
    tri!(check_index(
        p.as_ref(),
        "indices:data/write/index",
        &auth_names(&st, name),
        WRITE_PRIVILEGES
    ));
    let concrete = match resolve(&st, name) {
        Some((_, false)) | None if flag(q, "require_alias") => {
            return es_error_with(
                404,
                "index_not_found_exception",
                &format!(
                    "no such index [{name}] and [require_alias] request flag is [true] and [{name}] is not an alias"
                ),
                extra(&[("index_uuid", json!("_na_")), ("index", json!(name))]),
                None,
            );
        }
        Some((c, _)) => c,
        None => {
            let uuid = super::random_uuid();
            st.indices.insert(name.to_owned(), Index::new(uuid));
            name.to_owned()
        }
    };
    if concrete == st.config.kibana_index
        && let Some(known) = &st.config.kibana_root_fields
        && let Some(field) = source
            .as_object()
            .and_then(|m| m.keys().find(|k| !known.contains(k)))
    {
        return es_error(
            400,
            "strict_dynamic_mapping_exception",
            &format!(
                "mapping set to strict, dynamic introduction of [{field}] within [_doc] is not allowed"
            ),
        );
    }
    let primary_term = st.config.primary_term;
    let existing = st
        .indices
        .get(&concrete)
        .and_then(|i| i.docs.get(id))
        .cloned();
    let live = existing.as_ref().filter(|d| !d.deleted);
    if op == WriteOp::Create
        && let Some(d) = live
    {
        return conflict(
            &st,
            &concrete,
            id,
            &format!("document already exists (current version [{}])", d.version),
        );
    }
    if seq != UNASSIGNED_SEQ_NO {
        match live {
            None => {
                return conflict(
                    &st,
                    &concrete,
                    id,
                    &format!(
                        "required seqNo [{seq}], primary term [{term}]. but no document was found"
                    ),
                );
            }
            Some(d) if d.seq_no != seq || d.primary_term as i64 != term => {
                return conflict(
                    &st,
                    &concrete,
                    id,
                    &format!(
                        "required seqNo [{seq}], primary term [{term}]. current document has seqNo [{}] and primary term [{}]",
                        d.seq_no, d.primary_term
                    ),
                );
            }
            Some(_) => {}
        }
    }
    let created = live.is_none();
    let version = existing.as_ref().map(|d| d.version + 1).unwrap_or(1);
    let Some(index) = st.indices.get_mut(&concrete) else {
        return no_such_index(name);
    };
    let doc = Doc {
        source,
        version,
        seq_no: index.next_seq_no,
        primary_term,
        deleted: false,
    };
    index.next_seq_no += 1;
    index.docs.insert(id.to_owned(), doc.clone());
    let (status, result) = if created {
        (201, "created")
    } else {
        (200, "updated")
    };
    let mut resp = json_reply(
        status,
        &write_reply(&concrete, id, &doc, result, q.get("refresh")),
    );
    let version_str = st.config.cluster.version.clone();
    system_index_warning(&mut resp, headers, &version_str, &concrete);
    resp
}

/// `GET /{index}/_doc/{id}`
pub(crate) async fn get_doc(
    State(sh): State<Arc<Shared>>,
    Path((name, id)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let st = sh.lock();
    let p = tri!(authenticate(&st, &headers, &uri_text(&uri)));
    tri!(check_index(
        p.as_ref(),
        "indices:data/read/get",
        &auth_names(&st, &name),
        READ_PRIVILEGES
    ));
    let Some((concrete, _)) = resolve(&st, &name) else {
        return no_such_index(&name);
    };
    let doc = st
        .indices
        .get(&concrete)
        .and_then(|i| i.docs.get(&id))
        .filter(|d| !d.deleted);
    let mut resp = match doc {
        Some(d) => json_reply(
            200,
            &json!({
                "_index": concrete,
                "_id": id,
                "_version": d.version,
                "_seq_no": d.seq_no,
                "_primary_term": d.primary_term,
                "found": true,
                "_source": d.source,
            }),
        ),
        None => json_reply(
            404,
            &json!({ "_index": concrete, "_id": id, "found": false }),
        ),
    };
    system_index_warning(&mut resp, &headers, &st.config.cluster.version, &concrete);
    resp
}

/// `DELETE /{index}/_doc/{id}`
pub(crate) async fn delete_doc(
    State(sh): State<Arc<Shared>>,
    Path((name, id)): Path<(String, String)>,
    Query(q): Query<Params>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let mut st = sh.lock();
    let p = tri!(authenticate(&st, &headers, &uri_text(&uri)));
    tri!(check_refresh(&q));
    let (seq, term) = tri!(cas_params(&q));
    let mut errors = Vec::new();
    cas_validation(seq, term, false, &mut errors);
    if !errors.is_empty() {
        return validation_failed(&errors);
    }
    tri!(check_index(
        p.as_ref(),
        "indices:data/write/delete",
        &auth_names(&st, &name),
        DELETE_PRIVILEGES
    ));
    let Some((concrete, _)) = resolve(&st, &name) else {
        return no_such_index(&name);
    };
    let primary_term = st.config.primary_term;
    let existing = st
        .indices
        .get(&concrete)
        .and_then(|i| i.docs.get(&id))
        .cloned();
    let live = existing.as_ref().filter(|d| !d.deleted);
    if seq != UNASSIGNED_SEQ_NO {
        match live {
            None => {
                return conflict(
                    &st,
                    &concrete,
                    &id,
                    &format!(
                        "required seqNo [{seq}], primary term [{term}]. but no document was found"
                    ),
                );
            }
            Some(d) if d.seq_no != seq || d.primary_term as i64 != term => {
                return conflict(
                    &st,
                    &concrete,
                    &id,
                    &format!(
                        "required seqNo [{seq}], primary term [{term}]. current document has seqNo [{}] and primary term [{}]",
                        d.seq_no, d.primary_term
                    ),
                );
            }
            Some(_) => {}
        }
    }
    let found = live.is_some();
    let version = match (&existing, found) {
        (Some(d), true) => d.version + 1,
        _ => 1,
    };
    let Some(index) = st.indices.get_mut(&concrete) else {
        return no_such_index(&name);
    };
    let tombstone = Doc {
        source: Value::Null,
        version,
        seq_no: index.next_seq_no,
        primary_term,
        deleted: true,
    };
    index.next_seq_no += 1;
    index.docs.insert(id.clone(), tombstone.clone());
    let (status, result) = if found {
        (200, "deleted")
    } else {
        (404, "not_found")
    };
    let mut resp = json_reply(
        status,
        &write_reply(&concrete, &id, &tombstone, result, q.get("refresh")),
    );
    system_index_warning(&mut resp, &headers, &st.config.cluster.version, &concrete);
    resp
}
