//! Idempotency: each operation run twice in a row makes no second remote write (counted on the
//! simulators). Rotations are left out on purpose: each rotation is asked to mint a new key.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::BTreeMap;
use std::sync::Arc;

use cloud_connect::store::MemoryStore;
use cloud_connect::{ConnectOptions, ErrorCode, ManagerOptions, Service};
use cloud_connect_testkit::Simulators;
use cloud_connect_workspace::{manager_with_store, start_simulators};

fn writes(sims: &Simulators) -> (u64, u64) {
    (sims.cloud().write_count(), sims.es().write_count())
}

#[tokio::test]
async fn repeating_an_operation_writes_nothing_more() {
    let sims = start_simulators().await;
    let store = Arc::new(MemoryStore::new());
    let m = manager_with_store(&sims, store.clone(), ManagerOptions::default());

    m.connect(&sims.org_api_key(), ConnectOptions::default())
        .await
        .unwrap();
    let (w, sw) = (writes(&sims), store.write_count());
    assert_eq!(
        m.connect(&sims.org_api_key(), ConnectOptions::default())
            .await
            .unwrap_err()
            .code(),
        ErrorCode::AlreadyConnected
    );
    assert_eq!(
        (writes(&sims), store.write_count()),
        (w, sw),
        "second connect"
    );

    let both = BTreeMap::from([(Service::AutoOps, true), (Service::Eis, true)]);
    m.update_services(both.clone()).await.unwrap();
    let (w, sw) = (writes(&sims), store.write_count());
    assert!(m.update_services(both).await.unwrap().changed.is_empty());
    assert_eq!(
        (writes(&sims), store.write_count()),
        (w, sw),
        "second update"
    );

    m.sync_license("enterprise", "lic-1").await.unwrap();
    let (w, sw) = (writes(&sims), store.write_count());
    assert!(!m.sync_license("enterprise", "lic-1").await.unwrap().updated);
    assert_eq!(
        (writes(&sims), store.write_count()),
        (w, sw),
        "second license sync"
    );

    m.disconnect().await.unwrap();
    let (w, sw) = (writes(&sims), store.write_count());
    assert_eq!(
        m.disconnect().await.unwrap_err().code(),
        ErrorCode::NotConnected
    );
    assert_eq!(
        (writes(&sims), store.write_count()),
        (w, sw),
        "second disconnect"
    );

    // And reconcile with nothing to do does nothing.
    let report = m.reconcile().await.unwrap();
    assert!(report.operation.is_none());
    assert_eq!(
        (writes(&sims), store.write_count()),
        (w, sw),
        "idle reconcile"
    );
}
