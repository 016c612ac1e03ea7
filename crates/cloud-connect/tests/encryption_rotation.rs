//! `ServiceManager::rotate_encryption_key` and the key rules at construction, end to end against
//! the simulators, for the file store and the Elasticsearch (Kibana saved object) store.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use cloud_connect::elasticsearch::EsCredentials;
use cloud_connect::store::MemoryStore;
use cloud_connect::{ConnectOptions, ErrorCode, Service, ServiceManager, ServiceManagerBuilder};
use cloud_connect_testkit::{SimConfig, Simulators};
use serde_json::json;
use support::{KEY_A, KEY_B};

#[derive(Clone)]
enum StoreKind {
    File(PathBuf),
    Elasticsearch,
}

fn builder(sims: &Simulators, store: &StoreKind) -> ServiceManagerBuilder {
    let b = ServiceManagerBuilder::new()
        .cloud_url(sims.cloud_url())
        .elasticsearch(
            sims.es_url(),
            EsCredentials::Header(sims.es_authorization().into()),
        );
    match store {
        StoreKind::File(path) => b.store_path(path),
        StoreKind::Elasticsearch => b.elasticsearch_store(
            sims.es_url(),
            EsCredentials::Header(sims.es().credentials().kibana_bearer.into()),
        ),
    }
}

fn manager(sims: &Simulators, store: &StoreKind, primary: &str, old: &[&str]) -> ServiceManager {
    builder(sims, store)
        .encryption_key(primary)
        .decryption_only_keys(old.iter().map(|s| s.to_string()))
        .build()
        .unwrap()
}

/// Key A → key B with A decryption-only → A removed.
async fn rotation_from_a_to_b(store: StoreKind) -> (Vec<String>, String) {
    let sims = Simulators::start(SimConfig::default()).await.unwrap();
    let with_a = manager(&sims, &store, KEY_A, &[]);
    let cluster_id = with_a
        .connect(&sims.org_api_key(), ConnectOptions::default())
        .await
        .unwrap()
        .cluster_id;

    // B alone cannot open the record, before rotating: a clear decryption failure.
    let b_only = manager(&sims, &store, KEY_B, &[]);
    let e = b_only.status().await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::DecryptionFailed, "{e}");
    assert!(!e.message().contains(KEY_A) && !e.message().contains(KEY_B));
    assert_eq!(
        b_only.rotate_encryption_key().await.unwrap_err().code(),
        ErrorCode::DecryptionFailed
    );

    // B with A as decryption-only opens it and re-encrypts it under B.
    let b_with_a = manager(&sims, &store, KEY_B, &[KEY_A]);
    assert_eq!(b_with_a.status().await.unwrap().cluster.id, cluster_id);
    let report = b_with_a.rotate_encryption_key().await.unwrap();
    assert_eq!(report.previous_key_ids.len(), 1);
    assert_ne!(report.previous_key_ids, vec![report.primary_key_id.clone()]);

    // A removed: B alone now works, for reads and for writes; A alone no longer opens it.
    assert_eq!(b_only.status().await.unwrap().cluster.id, cluster_id);
    b_only
        .update_services(BTreeMap::from([(Service::AutoOps, true)]))
        .await
        .unwrap();
    let cluster = sims.cloud().cluster(&cluster_id).unwrap();
    assert_eq!(cluster["services"]["auto_ops"]["enabled"], json!(true));
    assert_eq!(
        with_a.status().await.unwrap_err().code(),
        ErrorCode::DecryptionFailed
    );

    // Rotating again reports B as the previous key.
    let again = b_only.rotate_encryption_key().await.unwrap();
    assert_eq!(again.previous_key_ids, vec![report.primary_key_id.clone()]);
    (report.previous_key_ids, report.primary_key_id)
}

#[tokio::test]
async fn file_store_rotation_from_a_to_b() {
    let dir = tempfile::tempdir().unwrap();
    rotation_from_a_to_b(StoreKind::File(dir.path().join("record.json"))).await;
}

#[tokio::test]
async fn elasticsearch_store_rotation_from_a_to_b_reports_kibana_fingerprints() {
    let (previous, primary) = rotation_from_a_to_b(StoreKind::Elasticsearch).await;
    assert_eq!(
        previous,
        vec![support::keys(KEY_A, &[]).primary_fingerprint()]
    );
    assert_eq!(primary, support::keys(KEY_B, &[]).primary_fingerprint());
}

#[tokio::test]
async fn rotation_without_a_record_is_not_connected() {
    let sims = Simulators::start(SimConfig::default()).await.unwrap();
    let m = manager(&sims, &StoreKind::Elasticsearch, KEY_A, &[]);
    assert_eq!(
        m.rotate_encryption_key().await.unwrap_err().code(),
        ErrorCode::NotConnected
    );
}

#[tokio::test]
async fn a_store_that_does_not_encrypt_refuses_rotation() {
    let sims = Simulators::start(SimConfig::default()).await.unwrap();
    let m = builder(&sims, &StoreKind::Elasticsearch)
        .with_store(Arc::new(MemoryStore::new()))
        .build()
        .unwrap();
    assert_eq!(
        m.rotate_encryption_key().await.unwrap_err().code(),
        ErrorCode::InvalidInput
    );
}

#[tokio::test]
async fn missing_or_short_keys_fail_at_construction_for_every_encrypting_store() {
    let sims = Simulators::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    for store in [
        StoreKind::File(dir.path().join("r.json")),
        StoreKind::Elasticsearch,
    ] {
        let missing = builder(&sims, &store).build().err().map(|e| e.code());
        assert_eq!(missing, Some(ErrorCode::EncryptionKeyMissing));
        let short = builder(&sims, &store)
            .encryption_key("too-short")
            .build()
            .err()
            .map(|e| e.code());
        assert_eq!(short, Some(ErrorCode::InvalidInput));
        let short_old = builder(&sims, &store)
            .encryption_key(KEY_A)
            .decryption_only_keys(["short".to_string()])
            .build()
            .err()
            .map(|e| e.code());
        assert_eq!(short_old, Some(ErrorCode::InvalidInput));
        let primary_repeated = builder(&sims, &store)
            .encryption_key(KEY_A)
            .decryption_only_keys([KEY_A.to_string()])
            .build()
            .err()
            .map(|e| e.code());
        assert_eq!(primary_repeated, Some(ErrorCode::InvalidInput));
    }
    // Two stores named at once is a mistake, not a silent choice.
    let both = builder(&sims, &StoreKind::Elasticsearch)
        .store_path(dir.path().join("r.json"))
        .encryption_key(KEY_A)
        .build()
        .err()
        .map(|e| e.code());
    assert_eq!(both, Some(ErrorCode::InvalidInput));
}
