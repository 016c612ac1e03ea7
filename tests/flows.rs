//! Every flow of the main job against the simulators, asserting on the simulators' state (the
//! Cloud's services and keys, Elasticsearch's CCM key) and on the stored record, not only on
//! return values.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::BTreeMap;
use std::sync::Arc;

use cloud_connect::store::MemoryStore;
use cloud_connect::{ConnectOptions, ErrorCode, KeyKind, ManagerOptions, Service, ServiceManager};
use cloud_connect_testkit::cloud::{KeyKind as SimKeyKind, KeyState};
use cloud_connect_testkit::{FaultKind, FaultSpec, Simulators};
use cloud_connect_workspace::{manager_with_store, start_simulators};
use serde_json::{Value, json};

struct World {
    sims: Simulators,
    store: Arc<MemoryStore>,
    manager: ServiceManager,
}

async fn world() -> World {
    let sims = start_simulators().await;
    let store = Arc::new(MemoryStore::new());
    let manager = manager_with_store(&sims, store.clone(), ManagerOptions::default());
    World {
        sims,
        store,
        manager,
    }
}

impl World {
    async fn connect(&self) -> String {
        self.manager
            .connect(&self.sims.org_api_key(), ConnectOptions::default())
            .await
            .unwrap()
            .cluster_id
    }
    fn cloud_cluster(&self, id: &str) -> Value {
        self.sims
            .cloud()
            .cluster(id)
            .expect("cluster exists in the Cloud simulator")
    }
    fn cloud_enabled(&self, id: &str, service: &str) -> bool {
        self.cloud_cluster(id)["services"][service]["enabled"] == json!(true)
    }
    fn stored_key(&self) -> Option<String> {
        self.store
            .snapshot()
            .and_then(|r| r.connection)
            .map(|c| c.api_key.expose().to_owned())
    }
    fn current_eis_key(&self, id: &str) -> Option<String> {
        self.sims.cloud().current_key(id, SimKeyKind::Eis)
    }
}

fn on(service: Service, enabled: bool) -> BTreeMap<Service, bool> {
    BTreeMap::from([(service, enabled)])
}

#[tokio::test]
async fn organization_key_onboards_and_stores_the_minted_cluster_key() {
    let w = world().await;
    let out = w
        .manager
        .connect(&w.sims.org_api_key(), ConnectOptions::default())
        .await
        .unwrap();
    assert_eq!(out.key_kind, KeyKind::Organization);
    assert!(out.created);
    let cluster = w.cloud_cluster(&out.cluster_id);
    assert_eq!(
        cluster["self_managed_cluster"]["id"],
        json!(w.sims.es().config().cluster.cluster_uuid)
    );
    let stored = w.stored_key().unwrap();
    assert_ne!(
        stored,
        w.sims.org_api_key(),
        "the organization key is never stored"
    );
    assert_eq!(
        Some(stored),
        w.sims
            .cloud()
            .current_key(&out.cluster_id, SimKeyKind::Cluster)
    );
    let record = w.store.snapshot().unwrap();
    assert!(record.intent.is_none(), "no intent left behind");
    assert_eq!(
        record.connection.unwrap().organization_id,
        Some(w.sims.organization_id())
    );
    // Connecting again is refused while connected.
    let again = w
        .manager
        .connect(&w.sims.org_api_key(), ConnectOptions::default())
        .await
        .unwrap_err();
    assert_eq!(again.code(), ErrorCode::AlreadyConnected);
}

#[tokio::test]
async fn cluster_scoped_key_onboards_its_own_registration_and_is_stored() {
    let w = world().await;
    let id = w.connect().await;
    let scoped = w
        .sims
        .cloud()
        .seed_cluster_scoped_key(&id, SimKeyKind::Cluster)
        .unwrap();
    // A second "Kibana" for the same Elasticsearch cluster, with its own store.
    let store2 = Arc::new(MemoryStore::new());
    let m2 = manager_with_store(&w.sims, store2.clone(), ManagerOptions::default());
    let out = m2
        .connect(&scoped, ConnectOptions::default())
        .await
        .unwrap();
    assert_eq!(
        out.key_kind,
        KeyKind::ClusterScoped {
            cluster_id: id.clone()
        }
    );
    assert_eq!(out.cluster_id, id);
    assert!(!out.created, "the registration already existed (200)");
    let stored = store2.snapshot().unwrap().connection.unwrap();
    assert_eq!(stored.api_key.expose(), scoped);
    assert_eq!(w.sims.cloud().route_count("cloud.create_cluster"), 2);
}

#[tokio::test]
async fn cluster_scoped_key_of_another_cluster_is_refused_unless_adopted() {
    let w = world().await;
    let id = w.connect().await;
    let scoped = w
        .sims
        .cloud()
        .seed_cluster_scoped_key(&id, SimKeyKind::Cluster)
        .unwrap();
    // The local Elasticsearch is now a different cluster.
    w.sims
        .es()
        .update_config(|c| c.cluster.cluster_uuid = "another-cluster-uuid-000".into());
    let store2 = Arc::new(MemoryStore::new());
    let m2 = manager_with_store(&w.sims, store2.clone(), ManagerOptions::default());
    let creates = w.sims.cloud().route_count("cloud.create_cluster");
    let e = m2
        .connect(&scoped, ConnectOptions::default())
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    assert!(e.message().contains("another Elasticsearch cluster"), "{e}");
    assert!(store2.snapshot().is_none(), "nothing stored");
    assert_eq!(
        w.sims.cloud().route_count("cloud.create_cluster"),
        creates,
        "nothing sent to the Cloud"
    );
    let out = m2
        .connect(
            &scoped,
            ConnectOptions {
                adopt_foreign_registration: true,
            },
        )
        .await
        .unwrap();
    assert_eq!(out.cluster_id, id);
}

#[tokio::test]
async fn key_without_role_assignments_is_rejected_clearly() {
    let w = world().await;
    let key = w
        .sims
        .cloud()
        .seed_key_with_assignments(&w.sims.organization_id(), vec![]);
    let e = w
        .manager
        .connect(&key, ConnectOptions::default())
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidApiKey);
    assert_eq!(
        e.message(),
        "API key does not have cloud_connected_resource role assignments"
    );
    assert!(w.store.snapshot().is_none());
    assert_eq!(w.sims.cloud().route_count("cloud.create_cluster"), 0);
}

#[tokio::test]
async fn unknown_key_is_invalid_or_expired() {
    let w = world().await;
    let e = w
        .manager
        .connect("essu_unknown_key_123", ConnectOptions::default())
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidApiKey);
    assert_eq!(e.message(), "Invalid or expired API key");
    assert_ne!(
        e.host_status(),
        401,
        "a Cloud 401 is never the caller's own 401"
    );
    assert!(w.store.snapshot().is_none());
}

#[tokio::test]
async fn status_has_cluster_and_subscription_and_survives_a_subscription_failure() {
    let w = world().await;
    let id = w.connect().await;
    let s = w.manager.status().await.unwrap();
    assert_eq!(s.cluster.id, id);
    assert_eq!(s.subscription.as_ref().map(|s| s.as_str()), Some("trial"));
    // Service objects pass through with their untyped fields.
    let raw = serde_json::to_value(&s.cluster).unwrap();
    assert_eq!(
        raw["services"]["auto_ops"],
        w.cloud_cluster(&id)["services"]["auto_ops"]
    );
    w.sims.cloud().inject(FaultSpec::first(
        "cloud.get_subscription",
        5,
        FaultKind::empty(500),
    ));
    let s = w.manager.status().await.unwrap();
    assert!(s.subscription.is_none());
}

#[tokio::test]
async fn enabling_eis_installs_the_cloud_key_in_elasticsearch_and_disabling_removes_it() {
    let w = world().await;
    let id = w.connect().await;
    let out = w
        .manager
        .update_services(BTreeMap::from([
            (Service::AutoOps, true),
            (Service::Eis, true),
        ]))
        .await
        .unwrap();
    assert_eq!(out.changed, vec![Service::AutoOps, Service::Eis]);
    assert!(w.cloud_enabled(&id, "auto_ops") && w.cloud_enabled(&id, "eis"));
    assert!(w.current_eis_key(&id).is_some());
    assert_eq!(
        w.sims.es().ccm_key(),
        w.current_eis_key(&id),
        "Elasticsearch holds the Cloud's current EIS key"
    );
    assert!(w.store.snapshot().unwrap().intent.is_none());

    w.manager
        .update_services(on(Service::Eis, false))
        .await
        .unwrap();
    assert!(!w.cloud_enabled(&id, "eis"));
    assert!(w.cloud_enabled(&id, "auto_ops"), "untouched service stays");
    assert_eq!(w.sims.es().ccm_key(), None);
}

#[tokio::test]
async fn requesting_a_state_that_holds_writes_nothing() {
    let w = world().await;
    w.connect().await;
    w.manager
        .update_services(on(Service::AutoOps, true))
        .await
        .unwrap();
    let patches = w.sims.cloud().route_count("cloud.patch_cluster");
    let out = w
        .manager
        .update_services(on(Service::AutoOps, true))
        .await
        .unwrap();
    assert!(out.changed.is_empty());
    assert_eq!(w.sims.cloud().route_count("cloud.patch_cluster"), patches);
}

#[tokio::test]
async fn elasticsearch_failure_rolls_the_cloud_back() {
    let w = world().await;
    let id = w.connect().await;
    w.sims
        .es()
        .inject(FaultSpec::on_nth("es.ccm_put", 1, FaultKind::empty(500)));
    let e = w
        .manager
        .update_services(on(Service::Eis, true))
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::ElasticsearchRejected);
    assert!(!w.cloud_enabled(&id, "eis"), "Cloud rolled back");
    assert_eq!(w.sims.es().ccm_key(), None);
    // The EIS key issued for the failed attempt is revoked, not left valid.
    for k in w
        .sims
        .cloud()
        .keys(&id)
        .into_iter()
        .filter(|k| k.kind == SimKeyKind::Eis)
    {
        assert_eq!(k.state, KeyState::Revoked);
    }
    assert!(w.store.snapshot().unwrap().intent.is_none());
}

#[tokio::test]
async fn multi_service_update_restores_both_services() {
    let w = world().await;
    let id = w.connect().await;
    w.sims
        .es()
        .inject(FaultSpec::on_nth("es.ccm_put", 1, FaultKind::empty(500)));
    let e = w
        .manager
        .update_services(BTreeMap::from([
            (Service::AutoOps, true),
            (Service::Eis, true),
        ]))
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::ElasticsearchRejected);
    assert!(
        !w.cloud_enabled(&id, "auto_ops"),
        "AutoOps rolled back too (Kibana leaves it on)"
    );
    assert!(!w.cloud_enabled(&id, "eis"));
}

#[tokio::test]
async fn eis_enabled_without_a_key_is_rolled_back() {
    let w = world().await;
    let id = w.connect().await;
    // The Cloud applies the PATCH but its reply lacks keys.eis.
    let mut reply = w.cloud_cluster(&id);
    reply["services"]["eis"]["enabled"] = json!(true);
    reply
        .as_object_mut()
        .unwrap()
        .retain(|k, _| !k.starts_with('_') && k != "etag");
    w.sims
        .cloud()
        .inject(FaultSpec::on_nth("cloud.patch_cluster", 1, FaultKind::json(200, &reply)).after());
    let e = w
        .manager
        .update_services(on(Service::Eis, true))
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::CloudProtocol);
    assert!(e.message().contains("did not return an API key"), "{e}");
    assert!(!w.cloud_enabled(&id, "eis"), "rolled back in the Cloud");
    assert_eq!(w.sims.es().ccm_key(), None);
}

#[tokio::test]
async fn failed_rollback_reports_both_causes_and_keeps_the_intent() {
    let w = world().await;
    let id = w.connect().await;
    w.sims
        .es()
        .inject(FaultSpec::on_nth("es.ccm_put", 1, FaultKind::empty(500)));
    // The first PATCH (enable) passes; every rollback PATCH fails.
    w.sims.cloud().inject(FaultSpec {
        times: Some(20),
        ..FaultSpec::on_nth(
            "cloud.patch_cluster",
            2,
            FaultKind::json(
                500,
                &json!({"errors": [{"code": "internal", "message": "boom"}]}),
            ),
        )
    });
    let e = w
        .manager
        .update_services(on(Service::Eis, true))
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::RollbackFailed);
    let both = e.rollback_failure().unwrap();
    assert_eq!(
        both.operation_error.code(),
        ErrorCode::ElasticsearchRejected
    );
    assert_eq!(both.rollback_error.code(), ErrorCode::CloudUnavailable);
    assert!(
        w.store.snapshot().unwrap().intent.is_some(),
        "kept for reconcile"
    );
    // Once the Cloud recovers, reconcile restores agreement.
    w.sims.cloud().clear_faults();
    let report = w.manager.reconcile().await.unwrap();
    assert_eq!(report.rolled_forward, Some(false));
    assert!(!w.cloud_enabled(&id, "eis"));
    assert_eq!(w.sims.es().ccm_key(), None);
    assert!(w.store.snapshot().unwrap().intent.is_none());
}

#[tokio::test]
async fn not_connected_is_its_own_error() {
    let w = world().await;
    let checks = [
        w.manager.status().await.err(),
        w.manager
            .update_services(on(Service::Eis, true))
            .await
            .err(),
        w.manager.rotate_cluster_key().await.err(),
        w.manager.rotate_service_key(Service::Eis).await.err(),
        w.manager.disconnect().await.err(),
        w.manager.sync_license("gold", "u").await.err(),
    ];
    for e in checks {
        let e = e.expect("fails when not connected");
        assert_eq!((e.code(), e.host_status()), (ErrorCode::NotConnected, 503));
    }
    assert_eq!(w.sims.cloud().requests().len(), 0);
}

#[tokio::test]
async fn disconnect_deletes_cloud_first_and_keeps_the_record_when_that_fails() {
    let w = world().await;
    let id = w.connect().await;
    w.manager
        .update_services(on(Service::Eis, true))
        .await
        .unwrap();
    w.sims.cloud().inject(FaultSpec::on_nth("cloud.delete_cluster", 1, FaultKind::json(409, &json!({"errors": [{"code": "clusters.delete_cluster.invalid_state", "message": "busy"}]}))));
    let e = w.manager.disconnect().await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Conflict);
    assert!(w.stored_key().is_some(), "record kept");
    assert!(w.sims.cloud().cluster(&id).is_some());
    assert!(
        w.sims.es().ccm_key().is_some(),
        "Elasticsearch untouched while the Cloud refused"
    );

    let out = w.manager.disconnect().await.unwrap();
    assert_eq!(out.cluster_id, id);
    assert!(
        w.sims.cloud().cluster(&id).is_none(),
        "Cloud registration gone"
    );
    assert_eq!(
        w.sims.es().ccm_key(),
        None,
        "EIS key removed from Elasticsearch too"
    );
    assert!(w.store.snapshot().is_none(), "record deleted");
}

#[tokio::test]
async fn disconnect_finishes_when_the_cloud_already_forgot_the_cluster() {
    let w = world().await;
    w.connect().await;
    w.sims.cloud().inject(FaultSpec::on_nth("cloud.delete_cluster", 1, FaultKind::json(404, &json!({"errors": [{"code": "clusters.delete_cluster.not_found", "message": "not found"}]}))));
    let out = w.manager.disconnect().await.unwrap();
    assert!(out.cloud_already_gone);
    assert!(w.store.snapshot().is_none());
}

#[tokio::test]
async fn cluster_key_rotation_stores_the_new_key_and_revokes_the_old() {
    let w = world().await;
    let id = w.connect().await;
    let old = w.stored_key().unwrap();
    let out = w.manager.rotate_cluster_key().await.unwrap();
    assert!(out.previous_key_revoked);
    let new = w.stored_key().unwrap();
    assert_ne!(new, old);
    assert_eq!(
        Some(new),
        w.sims.cloud().current_key(&id, SimKeyKind::Cluster)
    );
    assert_eq!(w.sims.cloud().key_state(&old), Some(KeyState::Revoked));
    w.manager.status().await.unwrap();
}

#[tokio::test]
async fn eis_key_rotation_installs_the_new_key_then_revokes_the_old() {
    let w = world().await;
    let id = w.connect().await;
    w.manager
        .update_services(on(Service::Eis, true))
        .await
        .unwrap();
    let old = w.sims.es().ccm_key().unwrap();
    w.manager.rotate_service_key(Service::Eis).await.unwrap();
    let new = w.sims.es().ccm_key().unwrap();
    assert_ne!(new, old);
    assert_eq!(Some(new), w.current_eis_key(&id));
    assert_eq!(w.sims.cloud().key_state(&old), Some(KeyState::Revoked));
}

#[tokio::test]
async fn license_sync_sends_cluster_name_and_real_strings() {
    let w = world().await;
    let id = w.connect().await;
    w.sims.cloud().update_options(|o| o.strict_schema = true);
    let out = w.manager.sync_license("platinum", "lic-42").await.unwrap();
    assert!(out.updated);
    let c = w.cloud_cluster(&id);
    assert_eq!(c["license"], json!({"type": "platinum", "uid": "lic-42"}));
    let es = w.sims.es().config();
    assert_eq!(
        c["self_managed_cluster"]["name"],
        json!(es.cluster.cluster_name)
    );
    assert_ne!(
        es.cluster.cluster_name, es.cluster.node_name,
        "the simulator's node name differs, so this checks something"
    );
    // Same values again: no PATCH.
    let patches = w.sims.cloud().route_count("cloud.patch_cluster");
    assert!(
        !w.manager
            .sync_license("platinum", "lic-42")
            .await
            .unwrap()
            .updated
    );
    assert_eq!(w.sims.cloud().route_count("cloud.patch_cluster"), patches);
    // Never "undefined" or an unknown type.
    assert_eq!(
        w.manager
            .sync_license("undefined", "x")
            .await
            .unwrap_err()
            .code(),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        w.manager.sync_license("gold", "").await.unwrap_err().code(),
        ErrorCode::InvalidInput
    );
}

#[tokio::test]
async fn license_sync_retries_with_backoff() {
    let w = world().await;
    let id = w.connect().await;
    w.sims.cloud().inject(FaultSpec::on_nth(
        "cloud.patch_cluster",
        1,
        FaultKind::empty(503),
    ));
    let out = w.manager.sync_license("gold", "lic-1").await.unwrap();
    assert!(out.updated);
    assert_eq!(w.cloud_cluster(&id)["license"]["type"], json!("gold"));
}

#[tokio::test]
async fn failed_save_after_onboarding_removes_the_registration_it_created() {
    let w = world().await;
    // The intent write passes; storing the connection fails.
    w.store.fail_saves_after(1, 1);
    let e = w
        .manager
        .connect(&w.sims.org_api_key(), ConnectOptions::default())
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Storage);
    assert!(
        w.sims.cloud().clusters().is_empty(),
        "the new registration was deleted"
    );
    assert!(w.store.snapshot().is_none(), "nothing left in the store");
}

#[tokio::test]
async fn failed_save_does_not_delete_a_registration_that_already_existed() {
    let w = world().await;
    let id = w.connect().await;
    let scoped = w
        .sims
        .cloud()
        .seed_cluster_scoped_key(&id, SimKeyKind::Cluster)
        .unwrap();
    let store2 = Arc::new(MemoryStore::new());
    let m2 = manager_with_store(&w.sims, store2.clone(), ManagerOptions::default());
    store2.fail_saves_after(1, 1);
    let e = m2
        .connect(&scoped, ConnectOptions::default())
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Storage);
    assert!(
        w.sims.cloud().cluster(&id).is_some(),
        "someone else's registration is kept"
    );
}

#[tokio::test]
async fn disabling_eis_succeeds_when_elasticsearch_has_no_ccm() {
    let w = world().await;
    let id = w.connect().await;
    w.manager
        .update_services(on(Service::Eis, true))
        .await
        .unwrap();
    // Elasticsearch lost its CCM support (a downgrade, or the endpoint is gone): 404 on DELETE.
    w.sims.es().set_version("9.2.0");
    w.manager
        .update_services(on(Service::Eis, false))
        .await
        .unwrap();
    assert!(!w.cloud_enabled(&id, "eis"));
}

#[tokio::test]
async fn enabling_eis_on_an_old_elasticsearch_is_refused_before_touching_the_cloud() {
    let w = world().await;
    let id = w.connect().await;
    w.sims.es().set_version("9.2.4");
    let patches = w.sims.cloud().route_count("cloud.patch_cluster");
    let e = w
        .manager
        .update_services(on(Service::Eis, true))
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::CcmUnsupported);
    assert_eq!(w.sims.cloud().route_count("cloud.patch_cluster"), patches);
    assert!(!w.cloud_enabled(&id, "eis"));
}

/// Leaves an intent in the store, written by a manager whose lease is `lease`.
async fn leave_intent(w: &World, lease: std::time::Duration) {
    let other = manager_with_store(
        &w.sims,
        w.store.clone(),
        ManagerOptions {
            lease_timeout: lease,
            ..ManagerOptions::default()
        },
    );
    w.sims
        .es()
        .inject(FaultSpec::on_nth("es.ccm_put", 1, FaultKind::empty(500)));
    // The enable PATCH passes, every rollback PATCH fails: the intent stays.
    w.sims.cloud().inject(FaultSpec {
        times: Some(50),
        ..FaultSpec::on_nth("cloud.patch_cluster", 2, FaultKind::empty(500))
    });
    assert_eq!(
        other
            .update_services(on(Service::Eis, true))
            .await
            .unwrap_err()
            .code(),
        ErrorCode::RollbackFailed
    );
    w.sims.cloud().clear_faults();
    assert!(w.store.snapshot().unwrap().intent.is_some());
}

#[tokio::test]
async fn a_live_intent_of_another_writer_is_refused() {
    let w = world().await;
    w.connect().await;
    leave_intent(&w, std::time::Duration::from_secs(600)).await;
    let e = w
        .manager
        .update_services(on(Service::AutoOps, true))
        .await
        .unwrap_err();
    assert_eq!(
        (e.code(), e.retryable()),
        (ErrorCode::OperationInProgress, true)
    );
    assert_eq!(
        w.manager.reconcile().await.unwrap_err().code(),
        ErrorCode::OperationInProgress
    );
    assert_eq!(
        w.manager.disconnect().await.unwrap_err().code(),
        ErrorCode::OperationInProgress
    );
}

#[tokio::test]
async fn an_abandoned_intent_is_taken_over_and_reconciled_first() {
    let w = world().await;
    let id = w.connect().await;
    leave_intent(&w, std::time::Duration::from_millis(1)).await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    w.manager
        .update_services(on(Service::AutoOps, true))
        .await
        .unwrap();
    assert!(w.store.snapshot().unwrap().intent.is_none());
    assert!(
        !w.cloud_enabled(&id, "eis"),
        "the abandoned EIS enable was rolled back"
    );
    assert_eq!(w.sims.es().ccm_key(), None);
    assert!(w.cloud_enabled(&id, "auto_ops"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_status_calls_share_one_upstream_flight() {
    let w = world().await;
    w.connect().await;
    // Slow the Cloud down so that the calls overlap.
    w.sims.cloud().inject(FaultSpec::first(
        "cloud.get_cluster",
        1,
        FaultKind::delay(std::time::Duration::from_millis(300)),
    ));
    let before = w.sims.cloud().route_count("cloud.get_cluster");
    let calls: Vec<_> = (0..20)
        .map(|_| {
            let m = w.manager.clone();
            tokio::spawn(async move { m.status().await })
        })
        .collect();
    for c in calls {
        c.await.unwrap().unwrap();
    }
    let upstream = w.sims.cloud().route_count("cloud.get_cluster") - before;
    assert_eq!(upstream, 1, "20 overlapping status calls cost one GET");
    // And a later call reads afresh.
    w.manager.status().await.unwrap();
    assert_eq!(w.sims.cloud().route_count("cloud.get_cluster") - before, 2);
}

#[tokio::test]
async fn disconnect_with_a_revoked_stored_key_removes_the_local_connection() {
    let w = world().await;
    let id = w.connect().await;
    // The stored key was revoked elsewhere (another client rotated and revoked pending keys).
    assert!(w.sims.cloud().revoke_key(&w.stored_key().unwrap()));
    assert_eq!(
        w.manager.status().await.unwrap_err().code(),
        ErrorCode::InvalidApiKey
    );
    let out = w.manager.disconnect().await.unwrap();
    assert!(out.cloud_already_gone);
    assert!(
        w.store.snapshot().is_none(),
        "the unusable record is gone: connect works again"
    );
    assert!(
        w.sims.cloud().cluster(&id).is_some(),
        "the Cloud registration was not touched"
    );
    w.manager
        .connect(&w.sims.org_api_key(), ConnectOptions::default())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_call_after_an_update_never_joins_an_older_flight() {
    let w = world().await;
    w.connect().await;
    w.sims.cloud().inject(FaultSpec::first(
        "cloud.get_cluster",
        1,
        FaultKind::delay(std::time::Duration::from_millis(400)),
    ));
    // A slow status read starts before the update...
    let m = w.manager.clone();
    let early = tokio::spawn(async move { m.status().await });
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    w.manager
        .update_services(on(Service::AutoOps, true))
        .await
        .unwrap();
    // ...a status asked for after the update sees the update.
    let after = w.manager.status().await.unwrap();
    assert!(after.cluster.services.enabled(Service::AutoOps));
    early.await.unwrap().unwrap();
}
