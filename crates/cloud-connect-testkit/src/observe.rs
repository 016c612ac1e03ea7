//! What a simulator records about the requests it received: a request log and per-route counters.
//!
//! Secrets never enter the log: the `Authorization` header is reduced to its scheme and any
//! `api_key` field of a JSON body is replaced by `"<redacted>"`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use serde_json::Value;

use crate::faults::lock;

/// Marker that replaces secrets in the request log.
pub const REDACTED: &str = "<redacted>";

/// One logged request.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct RequestRecord {
    /// Position in the log, from 0.
    pub seq: u64,
    /// Route name (`cloud.get_cluster`, `es.doc_get`, …); `None` for unknown paths.
    pub route: Option<String>,
    /// HTTP method.
    pub method: String,
    /// Path as received (still percent-encoded).
    pub path: String,
    /// Raw query string, if any.
    pub query: Option<String>,
    /// Selected request headers (lower-case names). `authorization` holds only the scheme
    /// followed by `<redacted>`.
    pub headers: BTreeMap<String, String>,
    /// Whether an `If-Match` header was sent.
    pub if_match: bool,
    /// Request body: parsed JSON with `api_key` redacted, a string for non-JSON text, `null` if empty.
    pub body: Value,
    /// Response status; `None` while in flight or when the connection was dropped or hung.
    pub status: Option<u16>,
    /// The injected fault that fired on this request, as `"<phase>:<kind>"`.
    pub fault: Option<String>,
}

/// Request log and per-route counters of one simulator.
#[derive(Clone, Debug, Default)]
pub struct Observer {
    inner: Arc<Mutex<ObserverState>>,
}

#[derive(Debug, Default)]
struct ObserverState {
    log: Vec<RequestRecord>,
    counts: BTreeMap<String, u64>,
    writes: u64,
}

impl Observer {
    /// Appends a record (its `seq` is assigned here) and counts its route; returns the `seq`.
    pub fn record(&self, mut record: RequestRecord) -> u64 {
        let mut s = lock(&self.inner);
        record.seq = s.log.len() as u64;
        if let Some(route) = &record.route {
            *s.counts.entry(route.clone()).or_default() += 1;
            if !matches!(record.method.as_str(), "GET" | "HEAD" | "OPTIONS") {
                s.writes += 1;
            }
        }
        let seq = record.seq;
        s.log.push(record);
        seq
    }

    /// Sets the response status of a logged request.
    pub fn set_status(&self, seq: u64, status: u16) {
        if let Some(r) = lock(&self.inner).log.get_mut(seq as usize) {
            r.status = Some(status);
        }
    }

    /// Notes that a fault fired on a logged request.
    pub fn set_fault(&self, seq: u64, fault: String) {
        if let Some(r) = lock(&self.inner).log.get_mut(seq as usize) {
            r.fault = Some(fault);
        }
    }

    /// All logged requests, oldest first.
    pub fn requests(&self) -> Vec<RequestRecord> {
        lock(&self.inner).log.clone()
    }

    /// Number of requests received for a route (including ones answered by a fault).
    pub fn route_count(&self, route: &str) -> u64 {
        lock(&self.inner).counts.get(route).copied().unwrap_or(0)
    }

    /// Requests per route.
    pub fn route_counts(&self) -> BTreeMap<String, u64> {
        lock(&self.inner).counts.clone()
    }

    /// Number of requests with a mutating method (`POST`, `PUT`, `PATCH`, `DELETE`) to known routes,
    /// whatever their outcome.
    pub fn write_count(&self) -> u64 {
        lock(&self.inner).writes
    }

    /// Forgets every record and counter.
    pub fn clear(&self) {
        *lock(&self.inner) = ObserverState::default();
    }
}

/// Replaces every `api_key` / `apiKey` / `key` string value in a JSON document by [`REDACTED`].
pub fn redact(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if matches!(k.as_str(), "api_key" | "apiKey" | "key") && !v.is_object() {
                    *v = Value::String(REDACTED.into());
                } else {
                    redact(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_nested_keys() {
        let mut v = serde_json::json!({"api_key": "secret", "a": [{"key": "k"}], "name": "n"});
        redact(&mut v);
        assert_eq!(v["api_key"], REDACTED);
        assert_eq!(v["a"][0]["key"], REDACTED);
        assert_eq!(v["name"], "n");
    }
}
