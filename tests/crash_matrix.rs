//! The crash matrix: a child process runs each operation and aborts (`std::process::abort`, no
//! unwinding) at each step boundary (the core's failpoints, compiled only with the `failpoints`
//! feature); a new process then runs `reconcile`, and the Cloud simulator, the Elasticsearch
//! simulator and the stored record must agree, with no issued key lost.
//!
//! Run: `cargo test --test crash_matrix -- --nocapture`
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use std::collections::BTreeMap;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::time::Duration;

use cloud_connect::{ConnectOptions, FAILPOINTS, ManagerOptions, Service, ServiceManager};
use cloud_connect_testkit::Simulators;
use cloud_connect_workspace::{
    builder_for, builder_for_urls, fast_http, load_demo_file_record, start_simulators,
};
use serde_json::{Value, json};

const CHILD_ENV: &str = "CLOUD_CONNECT_CRASH_CHILD";

fn manager(
    cloud_url: &str,
    es_url: &str,
    es_auth: &str,
    store: &Path,
    lease: Duration,
) -> ServiceManager {
    builder_for_urls(cloud_url, es_url, es_auth, fast_http())
        .store_path(store)
        .manager_options(ManagerOptions {
            lease_timeout: lease,
            ..ManagerOptions::default()
        })
        .build()
        .unwrap()
}

async fn run_operation(m: &ServiceManager, failpoint: &str, org_key: &str) {
    let op = failpoint.split('.').next().unwrap();
    let result = match op {
        "connect" => m
            .connect(org_key, ConnectOptions::default())
            .await
            .map(|_| ()),
        "update_services" => m
            .update_services(BTreeMap::from([
                (Service::AutoOps, true),
                (Service::Eis, true),
            ]))
            .await
            .map(|_| ()),
        "rotate_cluster_key" => m.rotate_cluster_key().await.map(|_| ()),
        "rotate_service_key" => m.rotate_service_key(Service::Eis).await.map(|_| ()),
        "disconnect" => m.disconnect().await.map(|_| ()),
        other => panic!("no operation for failpoint prefix {other}"),
    };
    panic!("the child was meant to abort at {failpoint}, but the operation returned {result:?}");
}

/// The child side: runs only when re-executed by the matrix with `CLOUD_CONNECT_CRASH_CHILD` set.
#[tokio::test]
async fn crash_child() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let spec: Value = serde_json::from_str(&spec).unwrap();
    let s = |k: &str| spec[k].as_str().unwrap().to_owned();
    // A 1 ms lease: the crashed intent is abandoned at once, so the next process may take it over.
    let m = manager(
        &s("cloud_url"),
        &s("es_url"),
        &s("es_auth"),
        Path::new(&s("store")),
        Duration::from_millis(1),
    );
    run_operation(&m, &s("failpoint"), &s("org_key")).await;
}

async fn setup(sims: &Simulators, store: &Path, failpoint: &str) {
    let m = builder_for(sims, fast_http())
        .store_path(store)
        .build()
        .unwrap();
    if failpoint.starts_with("connect.") {
        return;
    }
    m.connect(&sims.org_api_key(), ConnectOptions::default())
        .await
        .unwrap();
    if failpoint.starts_with("rotate_service_key.") || failpoint.starts_with("disconnect.") {
        m.update_services(BTreeMap::from([(Service::Eis, true)]))
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_matrix() {
    if std::env::var(CHILD_ENV).is_ok() {
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let mut recovered = 0;
    let mut failures = Vec::new();
    for failpoint in FAILPOINTS {
        let sims = start_simulators().await;
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("record.json");
        setup(&sims, &store, failpoint).await;

        let spec = json!({
            "cloud_url": sims.cloud_url(), "es_url": sims.es_url(), "es_auth": sims.es_authorization(),
            "store": store, "failpoint": failpoint, "org_key": sims.org_api_key(),
        });
        let exe = exe.clone();
        let status = tokio::task::spawn_blocking(move || {
            std::process::Command::new(exe)
                .args(["crash_child", "--exact", "--nocapture", "--test-threads=1"])
                .env(CHILD_ENV, spec.to_string())
                .env("CLOUD_CONNECT_CRASH_AT", failpoint)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status()
        })
        .await
        .unwrap()
        .unwrap();
        if status.signal() != Some(6) {
            failures.push(format!(
                "{failpoint}: the child did not abort there ({status})"
            ));
            continue;
        }
        // A new process (a new manager with its own owner id) reconciles.
        let m = manager(
            &sims.cloud_url(),
            &sims.es_url(),
            &sims.es_authorization(),
            &store,
            Duration::from_secs(60),
        );
        let report = m.reconcile().await;
        let record = load_demo_file_record(&store).await.unwrap();
        match (&report, common::agreement(&sims, record.as_ref())) {
            (Ok(r), Ok(())) => {
                recovered += 1;
                println!(
                    "  {failpoint}: recovered ({}; {})",
                    if r.rolled_forward == Some(true) {
                        "rolled forward"
                    } else {
                        "rolled back"
                    },
                    r.actions.join("; ")
                );
            }
            (r, agreement) => failures.push(format!(
                "{failpoint}: reconcile {:?}, agreement {agreement:?}",
                r.as_ref().map(|r| &r.actions)
            )),
        }
    }
    for f in &failures {
        println!("  NOT recovered: {f}");
    }
    println!(
        "crash matrix: {} crash points, {recovered} recovered",
        FAILPOINTS.len()
    );
    assert_eq!(recovered, FAILPOINTS.len());
}
