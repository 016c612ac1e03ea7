//! Two `ServiceManager`s ("two Kibana instances") sharing one Elasticsearch through the
//! Elasticsearch store, updating the same connection concurrently: no update is lost, and every
//! collision is a clear, retryable error that a retry turns into success.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use cloud_connect::elasticsearch::EsCredentials;
use cloud_connect::{
    ConnectOptions, ErrorCode, Result, Service, ServiceManager, ServiceManagerBuilder,
    UpdateOutcome,
};
use cloud_connect_testkit::cloud::KeyKind;
use cloud_connect_testkit::{SimConfig, Simulators};
use serde_json::json;
use support::KEY_A;

fn kibana_instance(sims: &Simulators) -> ServiceManager {
    ServiceManagerBuilder::new()
        .cloud_url(sims.cloud_url())
        .elasticsearch(
            sims.es_url(),
            EsCredentials::Header(sims.es_authorization().into()),
        )
        .elasticsearch_store(
            sims.es_url(),
            EsCredentials::Header(sims.es().credentials().kibana_bearer.into()),
        )
        .encryption_key(KEY_A)
        .build()
        .unwrap()
}

/// Retries while the other instance holds the connection; returns the result and how many
/// collisions it met. Any other error fails the test.
async fn until_done(
    m: &ServiceManager,
    changes: BTreeMap<Service, bool>,
    collisions: &mut Vec<ErrorCode>,
) -> UpdateOutcome {
    for _ in 0..200 {
        let r: Result<UpdateOutcome> = m.update_services(changes.clone()).await;
        match r {
            Ok(out) => return out,
            Err(e) => {
                assert!(
                    matches!(
                        e.code(),
                        ErrorCode::OperationInProgress | ErrorCode::Conflict
                    ),
                    "a collision must be operation_in_progress or conflict, got {e}"
                );
                assert!(e.retryable(), "{e}");
                collisions.push(e.code());
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
    }
    panic!("no success after 200 attempts");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_updates_from_two_instances_lose_nothing() {
    let sims = Simulators::start(SimConfig::default()).await.unwrap();
    let one = kibana_instance(&sims);
    let two = kibana_instance(&sims);
    let cluster_id = one
        .connect(&sims.org_api_key(), ConnectOptions::default())
        .await
        .unwrap()
        .cluster_id;
    // The second instance sees the connection the first one stored.
    assert_eq!(two.status().await.unwrap().cluster.id, cluster_id);

    let mut collisions = Vec::new();
    for round in 0..6 {
        let want = round % 2 == 0;
        let (mut c1, mut c2) = (Vec::new(), Vec::new());
        let (a, b) = tokio::join!(
            until_done(&one, BTreeMap::from([(Service::AutoOps, want)]), &mut c1),
            until_done(&two, BTreeMap::from([(Service::Eis, want)]), &mut c2),
        );
        collisions.extend(c1);
        collisions.extend(c2);
        assert_eq!(a.cluster.id, cluster_id);
        assert_eq!(b.cluster.id, cluster_id);

        // Both updates hold in the Cloud and in Elasticsearch: none overwrote the other.
        let cluster = sims.cloud().cluster(&cluster_id).unwrap();
        assert_eq!(
            cluster["services"]["auto_ops"]["enabled"],
            json!(want),
            "round {round}"
        );
        assert_eq!(
            cluster["services"]["eis"]["enabled"],
            json!(want),
            "round {round}"
        );
        let eis_key = sims.cloud().current_key(&cluster_id, KeyKind::Eis);
        if want {
            assert!(eis_key.is_some());
            assert_eq!(sims.es().ccm_key(), eis_key, "round {round}");
        } else {
            assert_eq!(sims.es().ccm_key(), None, "round {round}");
        }
        // The shared record is settled, readable by both, with the current cluster key.
        for m in [&one, &two] {
            let loaded = m.store().load().await.unwrap();
            let record = loaded.record.unwrap();
            assert!(
                record.intent.is_none(),
                "round {round}: an intent was left behind"
            );
            let key = record.connection.unwrap().api_key;
            assert_eq!(
                sims.cloud()
                    .current_key(&cluster_id, KeyKind::Cluster)
                    .as_deref(),
                Some(key.expose())
            );
        }
    }
    eprintln!("collisions met and retried: {collisions:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_writers_on_the_store_never_both_win() {
    // The store's compare-and-set alone: both instances read the same version and write.
    let sims = Simulators::start(SimConfig::default()).await.unwrap();
    let one = kibana_instance(&sims);
    let two = kibana_instance(&sims);
    one.connect(&sims.org_api_key(), ConnectOptions::default())
        .await
        .unwrap();
    for _ in 0..10 {
        let (l1, l2) = tokio::join!(one.store().load(), two.store().load());
        let (l1, l2) = (l1.unwrap(), l2.unwrap());
        assert_eq!(l1.version, l2.version);
        let (r1, r2) = (l1.record.unwrap(), l2.record.unwrap());
        let (w1, w2) = tokio::join!(
            one.store().save(&r1, &l1.version),
            two.store().save(&r2, &l2.version)
        );
        let wins = [&w1, &w2].iter().filter(|w| w.is_ok()).count();
        assert_eq!(wins, 1, "exactly one writer wins: {w1:?} {w2:?}");
        let loser = if w1.is_err() { w1 } else { w2 };
        assert_eq!(loser.unwrap_err().code(), ErrorCode::Conflict);
    }
}
