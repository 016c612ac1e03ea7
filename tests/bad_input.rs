//! Bad input: each case is a clear typed error, with nothing stored and no panic.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;

use cloud_connect::store::MemoryStore;
use cloud_connect::{ConnectOptions, ErrorCode, ManagerOptions, Service};
use cloud_connect_testkit::{FaultKind, FaultSpec};
use cloud_connect_workspace::{builder_for, fast_http, manager_with_store, start_simulators};

#[tokio::test]
async fn malformed_api_keys_are_refused_before_any_request() {
    let sims = start_simulators().await;
    let store = Arc::new(MemoryStore::new());
    let m = manager_with_store(&sims, store.clone(), ManagerOptions::default());
    for bad in [
        "",
        "   ",
        "essu_abc\ndef",
        "essu_\u{0}x",
        "essu\u{7f}",
        "ess u",
        "\t\r\n",
    ] {
        let e = m.connect(bad, ConnectOptions::default()).await.unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidInput, "{bad:?}");
        assert!(
            !e.message().contains(bad.trim()) || bad.trim().is_empty(),
            "the key is not echoed"
        );
    }
    assert!(store.snapshot().is_none());
    assert_eq!(store.write_count(), 0);
    assert!(
        sims.cloud().requests().is_empty(),
        "nothing reached the Cloud"
    );
}

#[tokio::test]
async fn encryption_key_rules_at_construction() {
    let sims = start_simulators().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.json");
    let short = builder_for(&sims, fast_http())
        .encryption_key("too-short")
        .store_path(&path)
        .build();
    assert_eq!(short.err().map(|e| e.code()), Some(ErrorCode::InvalidInput));
    let missing = cloud_connect::ServiceManagerBuilder::new()
        .cloud_url(sims.cloud_url())
        .elasticsearch(
            sims.es_url(),
            cloud_connect::elasticsearch::EsCredentials::None,
        )
        .store_path(&path)
        .build();
    assert_eq!(
        missing.err().map(|e| e.code()),
        Some(ErrorCode::EncryptionKeyMissing)
    );
    assert!(!path.exists(), "nothing written");
}

#[tokio::test]
async fn malformed_cloud_answers_are_typed_errors_with_nothing_stored() {
    let sims = start_simulators().await;
    let store = Arc::new(MemoryStore::new());
    let m = manager_with_store(&sims, store.clone(), ManagerOptions::default());
    let cases = [
        (FaultKind::MalformedJson, ErrorCode::CloudProtocol),
        (
            FaultKind::text(502, "<html>Bad Gateway</html>"),
            ErrorCode::CloudUnavailable,
        ),
        (FaultKind::Hang, ErrorCode::Timeout),
        (FaultKind::TruncatedBody, ErrorCode::Network),
    ];
    for (kind, code) in cases {
        // Every attempt fails (GET is retried), so the error surfaces.
        sims.cloud()
            .inject(FaultSpec::always("cloud.get_saas_user", kind.clone()));
        let e = m
            .connect(&sims.org_api_key(), ConnectOptions::default())
            .await
            .unwrap_err();
        assert_eq!(e.code(), code, "{kind:?}: {e}");
        sims.cloud().clear_faults();
        assert!(store.snapshot().is_none(), "{kind:?}");
    }
    assert_eq!(sims.cloud().route_count("cloud.create_cluster"), 0);
}

#[tokio::test]
async fn unknown_service_names_are_refused() {
    for bad in ["autoops", "EIS", "", "eis ", "observability"] {
        assert_eq!(
            Service::parse(bad).unwrap_err().code(),
            ErrorCode::InvalidInput,
            "{bad:?}"
        );
    }
    assert_eq!(Service::parse("eis").unwrap(), Service::Eis);
    assert_eq!(Service::parse("auto_ops").unwrap(), Service::AutoOps);
}

#[tokio::test]
async fn file_store_is_owner_only_and_keeps_no_plaintext_key() {
    use std::os::unix::fs::PermissionsExt;
    let sims = start_simulators().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("record.json");
    let m = builder_for(&sims, fast_http())
        .store_path(&path)
        .build()
        .unwrap();
    m.connect(&sims.org_api_key(), ConnectOptions::default())
        .await
        .unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let text = std::fs::read_to_string(&path).unwrap();
    for k in sims.cloud().all_keys() {
        assert!(!text.contains(&k.key), "a key is stored in clear text");
    }
}

#[tokio::test]
async fn a_record_edited_outside_the_library_is_refused() {
    let sims = start_simulators().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("record.json");
    let m = builder_for(&sims, fast_http())
        .store_path(&path)
        .build()
        .unwrap();
    m.connect(&sims.org_api_key(), ConnectOptions::default())
        .await
        .unwrap();
    m.status().await.unwrap();
    let original = std::fs::read_to_string(&path).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&original).unwrap();
    // A forged intent would drive remote calls with the real key; an edited organization id
    // would silently change what status reads. Both must be refused.
    for forge in [
        serde_json::json!({"operation_id": "x", "operation": "disconnect", "owner": "evil", "lease_expires_at_ms": 0, "prior": {}, "target": {}, "steps": [], "cluster_id": null, "organization_id": null, "secrets": {}}),
    ] {
        doc["record"]["intent"] = forge;
        std::fs::write(&path, doc.to_string()).unwrap();
        let e = m
            .update_services([(Service::AutoOps, true)].into_iter().collect())
            .await
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::DecryptionFailed, "{e}");
        assert!(e.message().contains("modified outside"), "{e}");
    }
    let mut doc: serde_json::Value = serde_json::from_str(&original).unwrap();
    doc["record"]["connection"]["organization_id"] = serde_json::json!("999");
    std::fs::write(&path, doc.to_string()).unwrap();
    assert_eq!(
        m.status().await.unwrap_err().code(),
        ErrorCode::DecryptionFailed
    );
    assert_eq!(
        sims.cloud().clusters().len(),
        1,
        "nothing was deleted in the Cloud"
    );
    // The untouched file reads again.
    std::fs::write(&path, &original).unwrap();
    m.status().await.unwrap();
}

#[tokio::test]
async fn an_unreadable_record_can_be_discarded_and_connect_starts_over() {
    let sims = start_simulators().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("record.json");
    let m = builder_for(&sims, fast_http())
        .store_path(&path)
        .build()
        .unwrap();
    m.connect(&sims.org_api_key(), ConnectOptions::default())
        .await
        .unwrap();
    assert_eq!(
        m.discard_unreadable_record().await.unwrap_err().code(),
        ErrorCode::InvalidInput,
        "a readable record is disconnected, not discarded"
    );

    // The encryption key changed and the old one is gone: nothing can read the record.
    let other = builder_for(&sims, fast_http())
        .encryption_key("another-encryption-key-of-32-chars!!")
        .store_path(&path)
        .build()
        .unwrap();
    assert_eq!(
        other.status().await.unwrap_err().code(),
        ErrorCode::DecryptionFailed
    );
    assert_eq!(
        other
            .connect(&sims.org_api_key(), ConnectOptions::default())
            .await
            .unwrap_err()
            .code(),
        ErrorCode::DecryptionFailed
    );
    other.discard_unreadable_record().await.unwrap();
    other
        .connect(&sims.org_api_key(), ConnectOptions::default())
        .await
        .unwrap();
    other.status().await.unwrap();

    // A corrupt file too.
    std::fs::write(&path, b"{ not json").unwrap();
    assert_eq!(other.status().await.unwrap_err().code(), ErrorCode::Storage);
    other.discard_unreadable_record().await.unwrap();
    assert_eq!(
        other.status().await.unwrap_err().code(),
        ErrorCode::NotConnected
    );
}
