//! The same contract for every `CredentialStore`: a record (connection, intent and sealed
//! secrets) round trips, writes are compare-and-swap, delete works, re-encryption is offered by
//! the encrypting stores only.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use cloud_connect::ErrorCode;
use cloud_connect::elasticsearch::EsCredentials;
use cloud_connect::http::HttpOptions;
use cloud_connect::store::{CredentialStore, ElasticsearchStore, FileStore, MemoryStore};
use cloud_connect_testkit::{EsConfig, EsSim};
use support::{KEY_A, assert_same_record, keys, record};

async fn contract(store: &dyn CredentialStore, encrypts: bool) {
    let start = store.load().await.unwrap();
    assert!(start.record.is_none());
    let with_intent = record("0123456789abcdef0123456789abcdef", true);
    let v1 = store.save(&with_intent, &start.version).await.unwrap();
    let l1 = store.load().await.unwrap();
    assert_eq!(l1.version, v1);
    assert_same_record(l1.record.as_ref().unwrap(), &with_intent);

    // The intent cleared, as the manager's `finish` does.
    let settled = record("0123456789abcdef0123456789abcdef", false);
    let v2 = store.save(&settled, &v1).await.unwrap();
    assert_same_record(
        store.load().await.unwrap().record.as_ref().unwrap(),
        &settled,
    );

    // Stale versions conflict, retryably, and change nothing.
    let e = store.save(&with_intent, &v1).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Conflict);
    assert!(e.retryable());
    assert_eq!(
        store.delete(&v1).await.unwrap_err().code(),
        ErrorCode::Conflict
    );
    assert_eq!(store.load().await.unwrap().version, v2);

    match store.reseal().await {
        Ok(report) if encrypts => {
            assert_eq!(report.previous_key_ids, vec![report.primary_key_id.clone()]);
            assert_same_record(
                store.load().await.unwrap().record.as_ref().unwrap(),
                &settled,
            );
        }
        Err(e) if !encrypts => assert_eq!(e.code(), ErrorCode::InvalidInput),
        other => panic!("unexpected reseal result {other:?}"),
    }

    let now = store.load().await.unwrap().version;
    let gone = store.delete(&now).await.unwrap();
    let end = store.load().await.unwrap();
    assert!(end.record.is_none());
    assert_eq!(end.version, gone);
    // A new record can be created again from there.
    store.save(&settled, &gone).await.unwrap();
}

#[tokio::test]
async fn memory_store() {
    contract(&MemoryStore::new(), false).await;
}

#[tokio::test]
async fn file_store() {
    let dir = tempfile::tempdir().unwrap();
    contract(
        &FileStore::new(dir.path().join("record.json"), keys(KEY_A, &[])),
        true,
    )
    .await;
}

#[tokio::test]
async fn elasticsearch_store() {
    let sim = EsSim::start(EsConfig::default()).await.unwrap();
    let store = ElasticsearchStore::new(
        &sim.url(),
        EsCredentials::Header(sim.credentials().kibana_bearer.into()),
        HttpOptions::default(),
        &keys(KEY_A, &[]),
    )
    .unwrap();
    contract(&store, true).await;
}
