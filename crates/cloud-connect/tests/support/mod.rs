//! Shared test fixtures: keys, records, the Kibana vectors.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use cloud_connect::crypto::EncryptionKeys;
use cloud_connect::store::{Connection, ConnectionRecord, Intent, Operation};
use cloud_connect::{ApiKey, Service};
use serde_json::Value;

/// Two 32+ character test keys.
pub const KEY_A: &str = "key-a-for-tests-only-0123456789abcdef";
pub const KEY_B: &str = "key-b-for-tests-only-0123456789abcdef";

pub fn keys(primary: &str, decryption_only: &[&str]) -> EncryptionKeys {
    EncryptionKeys::new(
        Some(primary.to_owned().into()),
        decryption_only
            .iter()
            .map(|k| k.to_string().into())
            .collect(),
    )
    .unwrap()
}

/// A connection, with an intent holding one sealed secret when `with_intent`.
pub fn record(cluster_id: &str, with_intent: bool) -> ConnectionRecord {
    ConnectionRecord {
        connection: Some(Connection {
            cluster_id: cluster_id.to_owned(),
            organization_id: Some("org-123".into()),
            api_key: ApiKey::new("essu_cluster_key_for_tests").unwrap(),
            created_at: "2026-01-01T00:00:00.000Z".into(),
            updated_at: "2026-01-01T00:00:00.000Z".into(),
        }),
        intent: with_intent.then(|| Intent {
            operation_id: "op-1".into(),
            operation: Operation::UpdateServices,
            owner: "owner-1".into(),
            lease_expires_at_ms: 1_700_000_000_000,
            prior: BTreeMap::from([(Service::Eis, false)]),
            target: BTreeMap::from([(Service::Eis, true)]),
            steps: vec!["patched".into()],
            cluster_id: Some(cluster_id.to_owned()),
            organization_id: None,
            secrets: BTreeMap::from([(
                "eis_key".to_owned(),
                ApiKey::new("essu_eis_key_for_tests").unwrap(),
            )]),
        }),
    }
}

/// Compares two records field by field (secrets by value; `updated_at` is the store's to set).
pub fn assert_same_record(got: &ConnectionRecord, want: &ConnectionRecord) {
    match (&got.connection, &want.connection) {
        (Some(g), Some(w)) => {
            assert_eq!(g.cluster_id, w.cluster_id);
            assert_eq!(g.organization_id, w.organization_id);
            assert_eq!(g.api_key.expose(), w.api_key.expose());
            assert_eq!(g.created_at, w.created_at);
        }
        (None, None) => {}
        (g, w) => panic!("connection: got {g:?}, want {w:?}"),
    }
    match (&got.intent, &want.intent) {
        (Some(g), Some(w)) => {
            assert_eq!(g.operation_id, w.operation_id);
            assert_eq!(g.operation, w.operation);
            assert_eq!(g.owner, w.owner);
            assert_eq!(g.lease_expires_at_ms, w.lease_expires_at_ms);
            assert_eq!(g.prior, w.prior);
            assert_eq!(g.target, w.target);
            assert_eq!(g.steps, w.steps);
            assert_eq!(g.cluster_id, w.cluster_id);
            assert_eq!(g.organization_id, w.organization_id);
            let gs: BTreeMap<_, _> = g
                .secrets
                .iter()
                .map(|(k, v)| (k.clone(), v.expose().to_owned()))
                .collect();
            let ws: BTreeMap<_, _> = w
                .secrets
                .iter()
                .map(|(k, v)| (k.clone(), v.expose().to_owned()))
                .collect();
            assert_eq!(gs, ws);
        }
        (None, None) => {}
        (g, w) => panic!("intent: got {g:?}, want {w:?}"),
    }
}

/// One of the Kibana vectors (tests/fixtures/kibana-eso-vectors.json), by name.
pub fn vector(name: &str) -> Value {
    let doc: Value =
        serde_json::from_str(include_str!("../fixtures/kibana-eso-vectors.json")).unwrap();
    doc["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == name)
        .cloned()
        .unwrap_or_else(|| panic!("no vector {name}"))
}
