//! The middleware every simulator route runs through: names the route, logs and counts the
//! request, applies rate limiting and injected faults.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::Value;

use crate::faults::{self, FaultPhase, FaultSet};
use crate::observe::{Observer, REDACTED, RequestRecord, redact};
use crate::server::ConnectionKiller;

/// Maps a method and a matched route path (without any mount prefix) to a route name.
pub(crate) type RouteNamer = fn(&Method, &str) -> Option<&'static str>;

/// Gate run before faults and handlers (the Cloud rate limiter); `Some` answers immediately.
pub(crate) type Gate =
    Arc<dyn Fn(&'static str, &axum::http::HeaderMap) -> Option<Response> + Send + Sync>;

/// Shared state of the instrumentation middleware.
#[derive(Clone)]
pub(crate) struct Instrument {
    pub faults: FaultSet,
    pub observer: Observer,
    pub namer: RouteNamer,
    pub prefix: String,
    pub gate: Option<Gate>,
}

const LOGGED_HEADERS: &[&str] = &[
    "accept",
    "content-type",
    "if-match",
    "user-agent",
    "x-elastic-product-origin",
    "x-opaque-id",
];

/// The middleware function (use with `axum::middleware::from_fn_with_state`).
pub(crate) async fn instrument(
    State(ins): State<Arc<Instrument>>,
    req: Request,
    next: Next,
) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| {
            m.as_str()
                .strip_prefix(ins.prefix.as_str())
                .unwrap_or(m.as_str())
                .to_owned()
        })
        .and_then(|p| (ins.namer)(req.method(), if p.is_empty() { "/" } else { &p }));
    let killer = req.extensions().get::<ConnectionKiller>().cloned();
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 16 * 1024 * 1024)
        .await
        .unwrap_or_default();

    let mut headers = BTreeMap::new();
    for name in LOGGED_HEADERS {
        if let Some(v) = parts.headers.get(*name).and_then(|v| v.to_str().ok()) {
            headers.insert((*name).to_owned(), v.to_owned());
        }
    }
    if let Some(v) = parts.headers.get(header::AUTHORIZATION) {
        let scheme = v
            .to_str()
            .ok()
            .and_then(|s| s.split_whitespace().next())
            .unwrap_or("");
        headers.insert(
            "authorization".into(),
            format!("{scheme} {REDACTED}").trim().to_owned(),
        );
    }
    let body_value = if bytes.is_empty() {
        Value::Null
    } else {
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(mut v) => {
                redact(&mut v);
                v
            }
            Err(_) => Value::String(String::from_utf8_lossy(&bytes).into_owned()),
        }
    };
    let seq = ins.observer.record(RequestRecord {
        seq: 0,
        route: route.map(str::to_owned),
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers,
        if_match: parts.headers.contains_key(header::IF_MATCH),
        body: body_value,
        status: None,
        fault: None,
    });

    let response = match route {
        None => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Some(route) => {
            let req = Request::from_parts(parts, Body::from(bytes));
            run_route(&ins, route, seq, req, next, killer.as_ref()).await
        }
    };
    ins.observer.set_status(seq, response.status().as_u16());
    response
}

async fn run_route(
    ins: &Instrument,
    route: &'static str,
    seq: u64,
    req: Request,
    next: Next,
    killer: Option<&ConnectionKiller>,
) -> Response {
    if let Some(gate) = &ins.gate
        && let Some(resp) = gate(route, req.headers())
    {
        return resp;
    }
    let Some(fault) = ins.faults.on_call(route) else {
        return next.run(req).await;
    };
    let label = serde_json::to_value(&fault.kind)
        .ok()
        .and_then(|v| v.get("type").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_default();
    let phase = match fault.phase {
        FaultPhase::Before => "before",
        FaultPhase::After => "after",
    };
    ins.observer.set_fault(seq, format!("{phase}:{label}"));
    match fault.phase {
        FaultPhase::Before => match faults::before(&fault.kind, killer).await {
            Some(resp) => resp,
            None => next.run(req).await,
        },
        FaultPhase::After => {
            let resp = next.run(req).await;
            faults::after(&fault.kind, resp, killer).await
        }
    }
}
