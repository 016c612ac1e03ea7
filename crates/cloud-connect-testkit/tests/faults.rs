//! Fault injection, observed by a raw HTTP client.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use cloud_connect_testkit::{FaultKind, FaultSpec};
use common::*;
use serde_json::json;

const UUID: &str = "Yk3hS2bXR8mJ9c7T1oWq0A";

#[tokio::test]
async fn status_faults_carry_any_body() {
    let sims = start().await;
    let (id, key) = onboard(&sims, UUID).await;
    let path = format!("/cloud-connected/clusters/{id}");
    let bodies = [
        (
            FaultKind::text(502, "<html>Bad Gateway</html>"),
            502,
            "<html>Bad Gateway</html>",
            Some("text/plain; charset=utf-8"),
        ),
        (FaultKind::empty(503), 503, "", None),
        (
            FaultKind::json(500, &json!({"message": "boom"})),
            500,
            "{\"message\":\"boom\"}",
            Some("application/json"),
        ),
        (
            FaultKind::json(
                401,
                &json!({"UnauthorizedMessages": ["Invalid credential headers"], "Cause": null}),
            ),
            401,
            "{\"UnauthorizedMessages\":[\"Invalid credential headers\"],\"Cause\":null}",
            Some("application/json"),
        ),
    ];
    for (kind, status, body, ct) in bodies {
        sims.cloud()
            .inject(FaultSpec::on_nth("cloud.get_cluster", 1, kind));
        let r = cloud(&sims, "GET", &path, &key, None).await;
        assert_eq!(r.status, status);
        assert_eq!(r.text, body);
        assert_eq!(r.header("content-type").as_deref(), ct);
        sims.cloud().clear_faults();
    }
    assert_eq!(cloud(&sims, "GET", &path, &key, None).await.status, 200);
}

#[tokio::test]
async fn nth_call_and_first_n_calls() {
    let sims = start().await;
    let key = sims.org_api_key();
    sims.cloud().inject(FaultSpec::on_nth(
        "cloud.list_clusters",
        2,
        FaultKind::empty(500),
    ));
    let statuses: Vec<u16> = {
        let mut v = Vec::new();
        for _ in 0..3 {
            v.push(
                cloud(&sims, "GET", "/cloud-connected/clusters", &key, None)
                    .await
                    .status,
            );
        }
        v
    };
    assert_eq!(statuses, vec![200, 500, 200]);
    sims.cloud().clear_faults();
    sims.cloud().inject(FaultSpec::first(
        "cloud.list_clusters",
        2,
        FaultKind::empty(429),
    ));
    let mut v = Vec::new();
    for _ in 0..3 {
        v.push(
            cloud(&sims, "GET", "/cloud-connected/clusters", &key, None)
                .await
                .status,
        );
    }
    assert_eq!(v, vec![429, 429, 200]);
    assert_eq!(sims.cloud().route_count("cloud.list_clusters"), 6);
    let log = sims.cloud().requests();
    assert_eq!(log.iter().filter(|r| r.fault.is_some()).count(), 3);
}

#[tokio::test]
async fn before_fault_applies_no_state_change() {
    let sims = start().await;
    let (id, key) = onboard(&sims, UUID).await;
    let path = format!("/cloud-connected/clusters/{id}");
    let etag = sims.cloud().etag(&id).unwrap();
    sims.cloud().inject(FaultSpec::on_nth(
        "cloud.patch_cluster",
        1,
        FaultKind::empty(500),
    ));
    let r = cloud(
        &sims,
        "PATCH",
        &path,
        &key,
        Some(json!({"services":{"eis":{"enabled":true}}})),
    )
    .await;
    assert_eq!(r.status, 500);
    let c = sims.cloud().cluster(&id).unwrap();
    assert_eq!(c["services"]["eis"]["enabled"], false);
    assert_eq!(c["etag"], etag.as_str());
    assert_eq!(sims.cloud().keys(&id).len(), 1, "no EIS key minted");
    let before_writes = sims.cloud().write_count();
    assert!(before_writes >= 2);
}

#[tokio::test]
async fn after_fault_applies_the_change_and_drops_the_reply() {
    let sims = start().await;
    let (id, key) = onboard(&sims, UUID).await;
    let path = format!("/cloud-connected/clusters/{id}");
    sims.cloud()
        .inject(FaultSpec::on_nth("cloud.patch_cluster", 1, FaultKind::DropConnection).after());
    let url = format!("{}/api/v1{path}", sims.cloud_url());
    let err = client()
        .patch(&url)
        .header("authorization", format!("ApiKey {key}"))
        .json(&json!({"services":{"eis":{"enabled":true}}}))
        .send()
        .await
        .unwrap_err();
    assert!(!err.is_timeout(), "{err:?}");
    // The lost reply carried a key, which the Cloud now holds.
    let c = sims.cloud().cluster(&id).unwrap();
    assert_eq!(c["services"]["eis"]["enabled"], true);
    assert!(
        sims.cloud()
            .current_key(&id, cloud_connect_testkit::cloud::KeyKind::Eis)
            .is_some()
    );
    // After-status: the change is applied, the client sees a 500.
    sims.cloud().inject(
        FaultSpec::on_nth("cloud.rotate_cluster_api_key", 1, FaultKind::empty(500)).after(),
    );
    let r = cloud(
        &sims,
        "POST",
        &format!("{path}/apikey/_rotate"),
        &key,
        Some(json!({})),
    )
    .await;
    assert_eq!(r.status, 500);
    assert_eq!(
        sims.cloud()
            .keys(&id)
            .iter()
            .filter(|k| k.kind == cloud_connect_testkit::cloud::KeyKind::Cluster)
            .count(),
        2
    );
}

#[tokio::test]
async fn dropped_connection_before_is_a_connection_error_without_change() {
    let sims = start().await;
    sims.cloud().inject(FaultSpec::on_nth(
        "cloud.create_cluster",
        1,
        FaultKind::DropConnection,
    ));
    let url = format!("{}/api/v1/cloud-connected/clusters", sims.cloud_url());
    let result = client()
        .post(&url)
        .header("authorization", format!("ApiKey {}", sims.org_api_key()))
        .json(&create_body(UUID))
        .send()
        .await;
    let err = result.unwrap_err();
    assert!(!err.is_timeout());
    assert!(err.status().is_none());
    assert!(sims.cloud().clusters().is_empty());
    // The next call works (the server survives).
    let r = cloud(
        &sims,
        "POST",
        "/cloud-connected/clusters",
        &sims.org_api_key(),
        Some(create_body(UUID)),
    )
    .await;
    assert_eq!(r.status, 201);
}

#[tokio::test]
async fn delay_and_hang_trip_client_timeouts() {
    let sims = start().await;
    let url = format!("{}/api/v1/cloud-connected/clusters", sims.cloud_url());
    let short = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    sims.cloud().inject(FaultSpec::on_nth(
        "cloud.list_clusters",
        1,
        FaultKind::delay(Duration::from_secs(2)),
    ));
    let err = short
        .get(&url)
        .header("authorization", format!("ApiKey {}", sims.org_api_key()))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout());
    sims.cloud()
        .inject(FaultSpec::on_nth("cloud.list_clusters", 1, FaultKind::Hang));
    let err = short
        .get(&url)
        .header("authorization", format!("ApiKey {}", sims.org_api_key()))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout());
    // A delay shorter than the timeout just slows the answer down.
    sims.cloud().clear_faults();
    sims.cloud().inject(FaultSpec::on_nth(
        "cloud.list_clusters",
        1,
        FaultKind::delay(Duration::from_millis(200)),
    ));
    let started = std::time::Instant::now();
    let r = cloud(
        &sims,
        "GET",
        "/cloud-connected/clusters",
        &sims.org_api_key(),
        None,
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(200));
}

#[tokio::test]
async fn delay_after_applies_the_change_before_the_timeout() {
    let sims = start().await;
    sims.cloud().inject(
        FaultSpec::on_nth(
            "cloud.create_cluster",
            1,
            FaultKind::delay(Duration::from_secs(3)),
        )
        .after(),
    );
    let short = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let err = short
        .post(format!(
            "{}/api/v1/cloud-connected/clusters",
            sims.cloud_url()
        ))
        .header("authorization", format!("ApiKey {}", sims.org_api_key()))
        .json(&create_body(UUID))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout());
    assert_eq!(sims.cloud().clusters().len(), 1);
}

#[tokio::test]
async fn truncated_body_and_malformed_json() {
    let sims = start().await;
    let (id, key) = onboard(&sims, UUID).await;
    let url = format!("{}/api/v1/cloud-connected/clusters/{id}", sims.cloud_url());
    for fault in [
        FaultSpec::on_nth("cloud.get_cluster", 1, FaultKind::TruncatedBody),
        FaultSpec::on_nth("cloud.get_cluster", 1, FaultKind::TruncatedBody).after(),
    ] {
        sims.cloud().clear_faults();
        sims.cloud().inject(fault);
        let resp = client()
            .get(&url)
            .header("authorization", format!("ApiKey {key}"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        assert!(resp.bytes().await.is_err(), "the body must fail mid-way");
    }
    sims.cloud().clear_faults();
    sims.cloud().inject(FaultSpec::on_nth(
        "cloud.get_cluster",
        1,
        FaultKind::MalformedJson,
    ));
    let r = cloud(
        &sims,
        "GET",
        &format!("/cloud-connected/clusters/{id}"),
        &key,
        None,
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/json")
    );
    assert!(serde_json::from_str::<serde_json::Value>(&r.text).is_err());
}

#[tokio::test]
async fn es_faults_keep_the_product_header_and_after_faults_store_the_key() {
    let sims = start().await;
    sims.es()
        .inject(FaultSpec::on_nth("es.info", 1, FaultKind::empty(503)));
    let r = es(&sims, "GET", "/", None).await;
    assert_eq!(r.status, 503);
    assert_eq!(
        r.header("x-elastic-product").as_deref(),
        Some("Elasticsearch")
    );
    assert_eq!(es(&sims, "GET", "/", None).await.status, 200);

    sims.es().allow_eis_key("essu_k");
    sims.es()
        .inject(FaultSpec::on_nth("es.ccm_put", 1, FaultKind::DropConnection).after());
    let err = client()
        .put(format!("{}/_inference/_ccm", sims.es_url()))
        .header("authorization", sims.es_authorization())
        .json(&json!({"api_key": "essu_k"}))
        .send()
        .await
        .unwrap_err();
    assert!(!err.is_timeout());
    assert_eq!(sims.es().ccm_key().as_deref(), Some("essu_k"));
    assert_eq!(sims.es().route_count("es.ccm_put"), 1);

    sims.es().inject(FaultSpec::on_nth(
        "es.doc_index",
        1,
        FaultKind::json(500, &json!({"error": "x"})),
    ));
    let r = es(
        &sims,
        "PUT",
        "/.kibana/_doc/a",
        Some("{\"type\":\"config\"}"),
    )
    .await;
    assert_eq!(r.status, 500);
    assert!(sims.es().document(".kibana", "a").is_none());
}
