//! Fault injection: what a fault is, when it fires and how it is carried out.
//!
//! A [`FaultSpec`] names a route (for example `"cloud.patch_cluster"` or `"es.ccm_put"`), the calls
//! on which it fires, what happens ([`FaultKind`]) and whether it replaces the handler
//! ([`FaultPhase::Before`]: the state change is **not** applied) or mangles the handler's answer
//! after the state change ([`FaultPhase::After`]: models a lost reply).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::{Deserialize, Serialize};

use crate::server::ConnectionKiller;

/// When, relative to the handler, a fault takes effect.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultPhase {
    /// The fault replaces the handler: no state change is applied.
    #[default]
    Before,
    /// The handler runs (state changes are applied), then the fault replaces or mangles the reply.
    After,
}

/// What an injected fault does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FaultKind {
    /// Answer with this status and body verbatim (JSON, text, empty, anything).
    Status {
        /// HTTP status code.
        status: u16,
        /// Raw response body; may be empty or non-JSON.
        #[serde(default)]
        body: String,
        /// `Content-Type` of the reply. `None`: `application/json` when `body` parses as JSON,
        /// `text/plain` for other non-empty bodies, no header for an empty body.
        #[serde(default)]
        content_type: Option<String>,
    },
    /// Wait this long. `Before`: then process the request normally (a slow server; the state
    /// change happens after the wait). `After`: process first, then wait before replying.
    Delay {
        /// Delay in milliseconds (real time, not the simulated clock).
        ms: u64,
    },
    /// Never answer and keep the connection open (the client's timeout fires).
    Hang,
    /// Close the TCP connection without writing any response bytes.
    DropConnection,
    /// Send the status, headers and half of the body, then close the connection.
    /// `Before`: a synthetic 200 JSON reply is truncated; `After`: the handler's real reply is.
    TruncatedBody,
    /// Answer 200 with `Content-Type: application/json` and a body that is not valid JSON.
    MalformedJson,
}

impl FaultKind {
    /// A status fault with a JSON body.
    pub fn json(status: u16, body: &serde_json::Value) -> Self {
        FaultKind::Status {
            status,
            body: body.to_string(),
            content_type: Some("application/json".into()),
        }
    }

    /// A status fault with a plain-text (non-JSON) body.
    pub fn text(status: u16, body: &str) -> Self {
        FaultKind::Status {
            status,
            body: body.into(),
            content_type: Some("text/plain; charset=utf-8".into()),
        }
    }

    /// A status fault with an empty body.
    pub fn empty(status: u16) -> Self {
        FaultKind::Status {
            status,
            body: String::new(),
            content_type: None,
        }
    }

    /// A delay fault.
    pub fn delay(duration: Duration) -> Self {
        FaultKind::Delay {
            ms: duration.as_millis() as u64,
        }
    }
}

/// One injected fault.
///
/// Calls are counted per fault from the moment it is injected, counting only calls of `route`.
/// The fault fires on calls `nth ..= nth + times - 1`. Defaults: `nth` 1; `times` 1 when `nth` is
/// given, otherwise unlimited. So `{nth: 2}` is "only the 2nd call", `{times: 3}` is "the first 3
/// calls" and neither is "every call". JSON form (control API):
/// `{"route":"cloud.patch_cluster","nth":2,"times":1,"kind":{"type":"status","status":500,"body":"oops"},"phase":"before"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultSpec {
    /// Route name, e.g. `"cloud.patch_cluster"`, `"es.ccm_put"` (see the crate README).
    pub route: String,
    /// First call (1-based) on which the fault fires; default 1.
    #[serde(default)]
    pub nth: Option<u64>,
    /// Number of consecutive calls it fires on; `None`: 1 if `nth` is set, otherwise unlimited.
    #[serde(default)]
    pub times: Option<u64>,
    /// What happens.
    pub kind: FaultKind,
    /// Before (no state change) or after (state applied, reply lost/mangled) the handler.
    #[serde(default)]
    pub phase: FaultPhase,
}

impl FaultSpec {
    /// Fires once, on the `n`-th call of `route` (1-based).
    pub fn on_nth(route: impl Into<String>, n: u64, kind: FaultKind) -> Self {
        FaultSpec {
            route: route.into(),
            nth: Some(n),
            times: Some(1),
            kind,
            phase: FaultPhase::Before,
        }
    }

    /// Fires on the first `n` calls of `route`.
    pub fn first(route: impl Into<String>, n: u64, kind: FaultKind) -> Self {
        FaultSpec {
            route: route.into(),
            nth: None,
            times: Some(n),
            kind,
            phase: FaultPhase::Before,
        }
    }

    /// Fires on every call of `route` until the faults are cleared.
    pub fn always(route: impl Into<String>, kind: FaultKind) -> Self {
        FaultSpec {
            route: route.into(),
            nth: None,
            times: None,
            kind,
            phase: FaultPhase::Before,
        }
    }

    /// The same fault in the [`FaultPhase::After`] phase.
    pub fn after(mut self) -> Self {
        self.phase = FaultPhase::After;
        self
    }

    fn fires_on(&self, call: u64) -> bool {
        let first = self.nth.unwrap_or(1).max(1);
        // `nth` alone means "only the nth call"; neither field means "every call".
        let times = self.times.or(self.nth.map(|_| 1));
        call >= first && times.is_none_or(|t| call < first + t)
    }
}

#[derive(Debug)]
struct ArmedFault {
    spec: FaultSpec,
    calls: u64,
}

/// The faults injected into one simulator.
#[derive(Clone, Debug, Default)]
pub struct FaultSet {
    inner: Arc<Mutex<Vec<ArmedFault>>>,
}

impl FaultSet {
    /// Adds a fault.
    pub fn inject(&self, spec: FaultSpec) {
        lock(&self.inner).push(ArmedFault { spec, calls: 0 });
    }

    /// Removes every fault.
    pub fn clear(&self) {
        lock(&self.inner).clear();
    }

    /// The injected faults.
    pub fn list(&self) -> Vec<FaultSpec> {
        lock(&self.inner).iter().map(|f| f.spec.clone()).collect()
    }

    /// Counts a call of `route` against every fault for it; returns the first fault that fires.
    pub fn on_call(&self, route: &str) -> Option<FaultSpec> {
        let mut faults = lock(&self.inner);
        let mut fired = None;
        for fault in faults.iter_mut().filter(|f| f.spec.route == route) {
            fault.calls += 1;
            if fired.is_none() && fault.spec.fires_on(fault.calls) {
                fired = Some(fault.spec.clone());
            }
        }
        fired
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Carries out a fault that fires before the handler. Returns `None` when the request must still
/// be handled (after a [`FaultKind::Delay`]).
pub(crate) async fn before(
    kind: &FaultKind,
    killer: Option<&ConnectionKiller>,
) -> Option<Response> {
    match kind {
        FaultKind::Delay { ms } => {
            tokio::time::sleep(Duration::from_millis(*ms)).await;
            None
        }
        FaultKind::Status {
            status,
            body,
            content_type,
        } => Some(status_response(*status, body, content_type.as_deref())),
        FaultKind::Hang => std::future::pending().await,
        FaultKind::DropConnection => drop_connection(killer).await,
        FaultKind::TruncatedBody => {
            let body = Bytes::from_static(
                br#"{"id":"0123456789abcdef0123456789abcdef","name":"truncated-reply"}"#,
            );
            Some(truncated(StatusCode::OK, Some("application/json"), body))
        }
        FaultKind::MalformedJson => Some(malformed_json()),
    }
}

/// Carries out a fault after the handler produced `response`.
pub(crate) async fn after(
    kind: &FaultKind,
    response: Response,
    killer: Option<&ConnectionKiller>,
) -> Response {
    match kind {
        FaultKind::Delay { ms } => {
            tokio::time::sleep(Duration::from_millis(*ms)).await;
            response
        }
        FaultKind::Status {
            status,
            body,
            content_type,
        } => status_response(*status, body, content_type.as_deref()),
        FaultKind::Hang => std::future::pending().await,
        FaultKind::DropConnection => drop_connection(killer).await,
        FaultKind::TruncatedBody => {
            let (parts, body) = response.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap_or_default();
            let bytes = if bytes.is_empty() {
                Bytes::from_static(b"{\"truncated\":true}")
            } else {
                bytes
            };
            let ct = parts
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let mut resp = truncated(parts.status, ct.as_deref(), bytes);
            for (name, value) in parts.headers.iter() {
                if name != header::CONTENT_LENGTH && name != header::CONTENT_TYPE {
                    resp.headers_mut().append(name.clone(), value.clone());
                }
            }
            resp
        }
        FaultKind::MalformedJson => malformed_json(),
    }
}

async fn drop_connection<T>(killer: Option<&ConnectionKiller>) -> T {
    if let Some(k) = killer {
        k.kill();
    }
    std::future::pending().await
}

fn status_response(status: u16, body: &str, content_type: Option<&str>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let ct = content_type.map(str::to_owned).or_else(|| {
        if body.is_empty() {
            None
        } else if serde_json::from_str::<serde_json::Value>(body).is_ok() {
            Some("application/json".into())
        } else {
            Some("text/plain; charset=utf-8".into())
        }
    });
    let mut resp = Response::new(Body::from(body.to_owned()));
    *resp.status_mut() = status;
    if let Some(ct) = ct.and_then(|c| HeaderValue::from_str(&c).ok()) {
        resp.headers_mut().insert(header::CONTENT_TYPE, ct);
    }
    resp
}

fn malformed_json() -> Response {
    let mut resp = Response::new(Body::from(
        r#"{"id": "0123456789abcdef0123456789abcdef", "name": "#,
    ));
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// Announces the full length, sends half of it, then fails the body so the connection closes.
fn truncated(status: StatusCode, content_type: Option<&str>, full: Bytes) -> Response {
    let len = full.len();
    let half = full.slice(..len / 2);
    let stream = futures_util::stream::unfold(0u8, move |step| {
        let half = half.clone();
        async move {
            match step {
                0 => Some((Ok::<Bytes, std::io::Error>(half), 1)),
                1 => {
                    // Let the first half reach the socket before failing the body.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    Some((Err(std::io::Error::other("injected truncated body")), 2))
                }
                _ => None,
            }
        }
    });
    let mut resp = Response::new(Body::from_stream(stream));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    if let Some(ct) = content_type.and_then(|c| HeaderValue::from_str(c).ok()) {
        resp.headers_mut().insert(header::CONTENT_TYPE, ct);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nth_fires_once() {
        let set = FaultSet::default();
        set.inject(FaultSpec::on_nth("r", 2, FaultKind::empty(500)));
        assert!(set.on_call("r").is_none());
        assert!(set.on_call("other").is_none());
        assert!(set.on_call("r").is_some());
        assert!(set.on_call("r").is_none());
    }

    #[test]
    fn first_and_always() {
        let set = FaultSet::default();
        set.inject(FaultSpec::first("a", 2, FaultKind::empty(500)));
        set.inject(FaultSpec::always("b", FaultKind::empty(500)));
        assert!(set.on_call("a").is_some());
        assert!(set.on_call("a").is_some());
        assert!(set.on_call("a").is_none());
        for _ in 0..5 {
            assert!(set.on_call("b").is_some());
        }
        set.clear();
        assert!(set.on_call("b").is_none());
    }

    #[test]
    fn spec_json_round_trip() {
        let json =
            r#"{"route":"es.ccm_put","nth":3,"kind":{"type":"drop_connection"},"phase":"after"}"#;
        let spec: FaultSpec = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(spec.kind, FaultKind::DropConnection);
        assert_eq!(spec.phase, FaultPhase::After);
        assert_eq!(spec.nth, Some(3));
        assert!(!spec.fires_on(2) && spec.fires_on(3) && !spec.fires_on(4));
    }
}
