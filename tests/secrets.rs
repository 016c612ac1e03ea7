//! No secret in any output: a canary run through every operation, with failures, while every log
//! event (all levels, all crates) is captured; then no key the Cloud issued, the organization key
//! or the Elasticsearch credentials may appear in a log line, an error message, or a `Debug`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

use cloud_connect::store::MemoryStore;
use cloud_connect::{ConnectOptions, ManagerOptions, Service};
use cloud_connect_testkit::{FaultKind, FaultSpec};
use cloud_connect_workspace::{manager_with_store, start_simulators};

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_secret_in_logs_errors_or_debug_output() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let sims = start_simulators().await;
    let store = Arc::new(MemoryStore::new());
    let m = manager_with_store(&sims, store.clone(), ManagerOptions::default());
    let mut shown = Vec::new();
    let out = m
        .connect(&sims.org_api_key(), ConnectOptions::default())
        .await
        .unwrap();
    shown.push(format!("{out:?}"));
    shown.push(format!("{:?}", store.snapshot()));
    shown.push(format!("{m:?}"));
    m.update_services(BTreeMap::from([
        (Service::Eis, true),
        (Service::AutoOps, true),
    ]))
    .await
    .unwrap();
    shown.push(format!("{:?}", m.status().await.unwrap()));
    m.rotate_cluster_key().await.unwrap();
    m.rotate_service_key(Service::Eis).await.unwrap();
    // Failures: their messages and Debug must be clean too.
    sims.es()
        .inject(FaultSpec::on_nth("es.ccm_put", 1, FaultKind::empty(500)));
    m.update_services(BTreeMap::from([(Service::Eis, false)]))
        .await
        .unwrap();
    let e = m
        .update_services(BTreeMap::from([(Service::Eis, true)]))
        .await
        .unwrap_err();
    shown.push(format!("{e:?} {e}"));
    sims.cloud().inject(
        FaultSpec::on_nth("cloud.rotate_cluster_api_key", 1, FaultKind::DropConnection).after(),
    );
    let r = m.rotate_cluster_key().await;
    shown.push(format!("{r:?}"));
    let e = m
        .connect("essu_canary_never_valid", ConnectOptions::default())
        .await
        .unwrap_err();
    shown.push(format!("{e:?} {e}"));
    shown.push(format!("{:?}", store.snapshot()));
    m.disconnect().await.unwrap();

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(!logs.is_empty(), "the capture saw the library's events");
    let mut secrets: Vec<String> = sims.cloud().all_keys().into_iter().map(|k| k.key).collect();
    secrets.push(sims.org_api_key());
    secrets.push("essu_canary_never_valid".into());
    let auth = sims.es_authorization();
    secrets.push(
        auth.split_once(' ')
            .map(|(_, v)| v.to_owned())
            .unwrap_or(auth),
    );
    assert!(secrets.len() > 5, "keys were issued");
    for secret in &secrets {
        assert!(
            !logs.contains(secret.as_str()),
            "a secret appears in the logs"
        );
        for text in &shown {
            assert!(
                !text.contains(secret.as_str()),
                "a secret appears in output: {text}"
            );
        }
    }
}
