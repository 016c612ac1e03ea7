//! The fault matrix: every operation × every remote step it takes × {HTTP 500, 503, 401, 409
//! `invalid_state`, timeout, dropped connection (before and after the server applied the call),
//! malformed body}. Afterwards (after `reconcile` where the operation could not finish) the Cloud
//! simulator, the Elasticsearch simulator and the stored record must agree, the error must carry
//! the right code, and no issued key may be lost.
//!
//! Run: `cargo test --test fault_matrix -- --nocapture`
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use cloud_connect::http::HttpOptions;
use cloud_connect::store::MemoryStore;
use cloud_connect::{ConnectOptions, Error, ErrorCode, ManagerOptions, Service, ServiceManager};
use cloud_connect_testkit::{FaultKind, FaultSpec, Simulators};
use cloud_connect_workspace::{builder_for, start_simulators};
use serde_json::json;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Connect,
    EnableServices,
    DisableEis,
    RotateClusterKey,
    RotateEisKey,
    Disconnect,
    SyncLicense,
}

impl Op {
    const ALL: [Op; 7] = [
        Op::Connect,
        Op::EnableServices,
        Op::DisableEis,
        Op::RotateClusterKey,
        Op::RotateEisKey,
        Op::Disconnect,
        Op::SyncLicense,
    ];

    /// The remote routes each operation calls (one matrix row per route).
    fn routes(self) -> &'static [&'static str] {
        match self {
            Op::Connect => &[
                "es.info",
                "es.license",
                "cloud.get_saas_user",
                "cloud.create_cluster",
            ],
            Op::EnableServices => &[
                "cloud.get_cluster",
                "es.info",
                "es.ccm_get",
                "cloud.patch_cluster",
                "es.ccm_put",
            ],
            Op::DisableEis => &["cloud.get_cluster", "cloud.patch_cluster", "es.ccm_delete"],
            Op::RotateClusterKey => &[
                "cloud.rotate_cluster_api_key",
                "cloud.get_cluster",
                "cloud.revoke_pending_cluster_api_keys",
            ],
            Op::RotateEisKey => &[
                "cloud.get_cluster",
                "cloud.rotate_service_api_key",
                "es.ccm_put",
                "cloud.revoke_pending_service_api_keys",
            ],
            Op::Disconnect => &["cloud.delete_cluster", "es.ccm_delete"],
            Op::SyncLicense => &["es.info", "cloud.get_cluster", "cloud.patch_cluster"],
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Fault {
    S500,
    S503,
    S401,
    Conflict409,
    Timeout,
    DropBefore,
    DropAfter,
    MalformedAfter,
}

impl Fault {
    const ALL: [Fault; 8] = [
        Fault::S500,
        Fault::S503,
        Fault::S401,
        Fault::Conflict409,
        Fault::Timeout,
        Fault::DropBefore,
        Fault::DropAfter,
        Fault::MalformedAfter,
    ];

    fn spec(self, route: &str) -> FaultSpec {
        let err = |code: &str, msg: &str| json!({"errors": [{"code": code, "message": msg}]});
        match self {
            Fault::S500 => {
                FaultSpec::on_nth(route, 1, FaultKind::json(500, &err("internal", "boom")))
            }
            Fault::S503 => FaultSpec::on_nth(route, 1, FaultKind::text(503, "Service Unavailable")),
            Fault::S401 => FaultSpec::on_nth(
                route,
                1,
                FaultKind::json(401, &err("auth.unauthorized", "Invalid or expired API key")),
            ),
            Fault::Conflict409 => FaultSpec::on_nth(
                route,
                1,
                FaultKind::json(409, &err("clusters.patch_cluster.invalid_state", "busy")),
            ),
            Fault::Timeout => FaultSpec::on_nth(route, 1, FaultKind::Hang),
            Fault::DropBefore => FaultSpec::on_nth(route, 1, FaultKind::DropConnection),
            Fault::DropAfter => FaultSpec::on_nth(route, 1, FaultKind::DropConnection).after(),
            Fault::MalformedAfter => FaultSpec::on_nth(route, 1, FaultKind::MalformedJson).after(),
        }
    }

    /// The codes an error may carry when this fault hit `route`.
    fn expected_codes(self, route: &str) -> Vec<ErrorCode> {
        let es = route.starts_with("es.");
        match self {
            Fault::S500 | Fault::S503 if es => vec![ErrorCode::ElasticsearchRejected],
            Fault::S500 | Fault::S503 => vec![ErrorCode::CloudUnavailable],
            Fault::S401 if es => vec![ErrorCode::ElasticsearchRejected],
            Fault::S401 => vec![ErrorCode::InvalidApiKey],
            Fault::Conflict409 if es => vec![ErrorCode::ElasticsearchRejected],
            Fault::Conflict409 => vec![ErrorCode::Conflict],
            Fault::Timeout => vec![ErrorCode::Timeout],
            Fault::DropBefore | Fault::DropAfter => vec![ErrorCode::Network],
            Fault::MalformedAfter if es => vec![ErrorCode::ElasticsearchRejected],
            Fault::MalformedAfter => vec![ErrorCode::CloudProtocol],
        }
    }
}

fn matrix_http() -> HttpOptions {
    HttpOptions {
        request_timeout: Duration::from_millis(300),
        connect_timeout: Duration::from_millis(300),
        initial_backoff: Duration::from_millis(5),
        ..HttpOptions::default()
    }
}

async fn setup(op: Op) -> (Simulators, Arc<MemoryStore>, ServiceManager) {
    let sims = start_simulators().await;
    let store = Arc::new(MemoryStore::new());
    let manager = builder_for(&sims, matrix_http())
        .with_store(store.clone())
        .manager_options(ManagerOptions {
            license_sync_backoff: Duration::from_millis(5),
            ..ManagerOptions::default()
        })
        .build()
        .unwrap();
    if op != Op::Connect {
        manager
            .connect(&sims.org_api_key(), ConnectOptions::default())
            .await
            .unwrap();
    }
    if matches!(op, Op::DisableEis | Op::RotateEisKey | Op::Disconnect) {
        manager
            .update_services(BTreeMap::from([(Service::Eis, true)]))
            .await
            .unwrap();
    }
    (sims, store, manager)
}

async fn run(op: Op, sims: &Simulators, m: &ServiceManager) -> Result<(), Error> {
    match op {
        Op::Connect => m
            .connect(&sims.org_api_key(), ConnectOptions::default())
            .await
            .map(|_| ()),
        Op::EnableServices => m
            .update_services(BTreeMap::from([
                (Service::AutoOps, true),
                (Service::Eis, true),
            ]))
            .await
            .map(|_| ()),
        Op::DisableEis => m
            .update_services(BTreeMap::from([(Service::Eis, false)]))
            .await
            .map(|_| ()),
        Op::RotateClusterKey => m.rotate_cluster_key().await.map(|_| ()),
        Op::RotateEisKey => m.rotate_service_key(Service::Eis).await.map(|_| ()),
        Op::Disconnect => m.disconnect().await.map(|_| ()),
        Op::SyncLicense => m.sync_license("platinum", "lic-matrix").await.map(|_| ()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_matrix() {
    let mut cells = 0;
    let mut consistent = 0;
    let mut failures = Vec::new();
    let (mut fired, mut errored) = (0, 0);
    for op in Op::ALL {
        for route in op.routes() {
            for fault in Fault::ALL {
                cells += 1;
                let (sims, store, manager) = setup(op).await;
                sims.cloud().inject(fault.spec(route));
                sims.es().inject(fault.spec(route));
                let outcome = run(op, &sims, &manager).await;
                let hit = sims
                    .cloud()
                    .requests()
                    .iter()
                    .chain(sims.es().requests().iter())
                    .any(|r| r.fault.is_some());
                fired += usize::from(hit);
                errored += usize::from(outcome.is_err());
                if !hit {
                    failures.push(format!("{op:?} × {route} × {fault:?}: the fault never fired (the operation does not call {route})"));
                    continue;
                }
                sims.cloud().clear_faults();
                sims.es().clear_faults();
                let mut problems = Vec::new();
                if let Err(e) = &outcome {
                    let code = e
                        .rollback_failure()
                        .map_or(e.code(), |r| r.operation_error.code());
                    if !fault.expected_codes(route).contains(&code) {
                        problems.push(format!(
                            "error code {code} (expected one of {:?}): {e}",
                            fault.expected_codes(route)
                        ));
                    }
                }
                // Where the operation could not finish, reconcile brings everything in line.
                let mut reconciled = manager.reconcile().await;
                if reconciled.is_err() {
                    reconciled = manager.reconcile().await;
                }
                if let Err(e) = reconciled {
                    problems.push(format!("reconcile failed: {e}"));
                }
                if let Err(why) = common::agreement(&sims, store.snapshot().as_ref()) {
                    problems.push(why);
                }
                if problems.is_empty() {
                    consistent += 1;
                } else {
                    failures.push(format!(
                        "{op:?} × {route} × {fault:?} (outcome {:?}): {}",
                        outcome.as_ref().map_err(|e| e.code()),
                        problems.join("; ")
                    ));
                }
            }
        }
    }
    for f in &failures {
        println!("  inconsistent: {f}");
    }
    println!(
        "  faults fired in {fired} cells; {errored} operations returned an error, the rest recovered by retry or roll-forward"
    );
    println!("fault matrix: {cells} cells, {consistent} consistent");
    assert_eq!(consistent, cells, "{} inconsistent cells", failures.len());
}
