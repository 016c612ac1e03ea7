//! One writer at a time: two processes with 8 tasks each issue 50 random conflicting service
//! updates against one simulator and a shared file store. No lost update, no torn file, the final
//! state equals the last successful operation's, and every refused call has a clear code.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cloud_connect::{ConnectOptions, ErrorCode, Service, ServiceManager};
use cloud_connect_workspace::{
    builder_for_urls, fast_http, load_demo_file_record, start_simulators,
};
use serde_json::{Value, json};

const CHILD_ENV: &str = "CLOUD_CONNECT_CONCURRENCY_CHILD";
const TASKS: usize = 8;
const UPDATES_PER_PROCESS: usize = 50;

fn manager(spec: &Value) -> ServiceManager {
    let s = |k: &str| spec[k].as_str().unwrap().to_owned();
    builder_for_urls(&s("cloud_url"), &s("es_url"), &s("es_auth"), fast_http())
        .store_path(s("store"))
        .build()
        .unwrap()
}

fn now_ns() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

/// Runs this process's share of updates; returns one JSON object per call.
async fn hammer(m: ServiceManager, seed: u64) -> Vec<Value> {
    let mut handles = Vec::new();
    for t in 0..TASKS {
        let m = m.clone();
        let calls = UPDATES_PER_PROCESS / TASKS + usize::from(t < UPDATES_PER_PROCESS % TASKS);
        handles.push(tokio::spawn(async move {
            let mut x = seed.wrapping_mul(31).wrapping_add(t as u64 * 7919 + 1);
            let mut rand = move || {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x
            };
            let mut out = Vec::new();
            for _ in 0..calls {
                let mut changes = BTreeMap::new();
                match rand() % 3 {
                    0 => { changes.insert(Service::AutoOps, rand() % 2 == 0); }
                    1 => { changes.insert(Service::Eis, rand() % 2 == 0); }
                    _ => {
                        changes.insert(Service::AutoOps, rand() % 2 == 0);
                        changes.insert(Service::Eis, rand() % 2 == 0);
                    }
                }
                let start = now_ns();
                let r = m.update_services(changes.clone()).await;
                let end = now_ns();
                let target: BTreeMap<&str, bool> = changes.iter().map(|(s, e)| (s.as_str(), *e)).collect();
                out.push(match r {
                    Ok(o) => json!({"ok": true, "noop": o.changed.is_empty(), "start": start.to_string(), "end": end.to_string(), "target": target}),
                    Err(e) => json!({"ok": false, "code": e.code().as_str(), "message": e.message()}),
                });
            }
            out
        }));
    }
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await.unwrap());
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrency_child() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let spec: Value = serde_json::from_str(&spec).unwrap();
    let results = hammer(manager(&spec), 2).await;
    println!("RESULTS {}", Value::Array(results));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_one_writer_at_a_time() {
    if std::env::var(CHILD_ENV).is_ok() {
        return;
    }
    let sims = start_simulators().await;
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("record.json");
    let spec = json!({"cloud_url": sims.cloud_url(), "es_url": sims.es_url(), "es_auth": sims.es_authorization(), "store": store});
    let parent = manager(&spec);
    let cluster_id = parent
        .connect(&sims.org_api_key(), ConnectOptions::default())
        .await
        .unwrap()
        .cluster_id;

    let exe = std::env::current_exe().unwrap();
    let child_spec = spec.to_string();
    let child = tokio::task::spawn_blocking(move || {
        std::process::Command::new(exe)
            .args([
                "concurrency_child",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, child_spec)
            .output()
            .unwrap()
    });
    let mut results = hammer(parent.clone(), 1).await;
    let output = child.await.unwrap();
    assert!(
        output.status.success(),
        "child failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.split_once("RESULTS ").map(|(_, r)| r))
        .expect("child results");
    results.extend(serde_json::from_str::<Vec<Value>>(line).unwrap());
    assert_eq!(results.len(), 2 * UPDATES_PER_PROCESS);

    // Every refusal has a clear, retryable code.
    let refused: Vec<&Value> = results.iter().filter(|r| r["ok"] == json!(false)).collect();
    for r in &refused {
        let code = r["code"].as_str().unwrap();
        assert!(
            code == ErrorCode::OperationInProgress.as_str() || code == ErrorCode::Conflict.as_str(),
            "unexpected refusal: {r}"
        );
    }
    let successes = results.len() - refused.len();
    println!(
        "concurrency: {successes} succeeded, {} refused with operation_in_progress/conflict",
        refused.len()
    );
    assert!(
        successes > 10,
        "too few updates went through to prove anything"
    );

    // The final state equals the last successful operation's, per service. A no-op success is
    // ordered by when it read the state, a change by when it completed.
    let at = |r: &Value| -> u128 {
        let k = if r["noop"] == json!(true) {
            "start"
        } else {
            "end"
        };
        r[k].as_str().unwrap().parse().unwrap()
    };
    let final_cluster = sims.cloud().cluster(&cluster_id).unwrap();
    for service in ["auto_ops", "eis"] {
        let last = results
            .iter()
            .filter(|r| r["ok"] == json!(true) && r["target"].get(service).is_some())
            .max_by_key(|r| at(r));
        if let Some(last) = last {
            assert_eq!(
                final_cluster["services"][service]["enabled"], last["target"][service],
                "{service}: the final state is not the last successful update's"
            );
        }
    }
    // No torn file: it parses and decrypts; no intent is left; the three views agree.
    std::thread::sleep(Duration::from_millis(10));
    let record = load_demo_file_record(&store).await.unwrap();
    common::agreement(&sims, record.as_ref()).unwrap();
}
