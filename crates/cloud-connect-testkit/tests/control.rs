//! The control API and the `cloud-connect-sim` binary.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::*;
use serde_json::{Value, json};

async fn control(sims_url: &str, method: &str, path: &str, body: Option<Value>) -> Reply {
    let body = body.map(|b| b.to_string());
    send(
        method,
        &format!("{sims_url}{path}"),
        None,
        &[],
        body.as_deref(),
    )
    .await
}

#[tokio::test]
async fn control_api_inspects_and_drives_both_simulators() {
    let sims = start().await;
    let ctl = sims.control_url();
    let (id, key) = onboard(&sims, "uuid-1").await;

    let state = control(&ctl, "GET", "/state", None).await;
    assert_eq!(state.status, 200);
    let v = state.json();
    assert_eq!(v["cloud"]["clusters"][0]["id"], id.as_str());
    assert!(v["cloud"]["clusters"][0]["etag"].is_string());
    assert_eq!(
        v["cloud"]["organizations"][sims.organization_id()]["subscription"],
        "trial"
    );
    assert_eq!(v["cloud"]["route_counts"]["cloud.create_cluster"], 1);
    assert_eq!(v["es"]["ccm"]["enabled"], false);
    assert_eq!(v["es"]["aliases"][".kibana"], ".kibana_9.3.0_001");

    // Faults as JSON.
    let r = control(&ctl, "POST", "/faults", Some(json!({"route":"cloud.get_cluster","nth":1,"kind":{"type":"status","status":418,"body":"teapot"}}))).await;
    assert_eq!(r.status, 200);
    let r = cloud(
        &sims,
        "GET",
        &format!("/cloud-connected/clusters/{id}"),
        &key,
        None,
    )
    .await;
    assert_eq!((r.status, r.text.as_str()), (418, "teapot"));
    let r = control(
        &ctl,
        "POST",
        "/faults",
        Some(json!({"route":"es.ccm_get","kind":{"type":"status","status":500}})),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(es(&sims, "GET", "/_inference/_ccm", None).await.status, 500);
    assert_eq!(
        control(&ctl, "GET", "/faults", None).await.json()["es"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(control(&ctl, "DELETE", "/faults", None).await.status, 200);
    assert_eq!(es(&sims, "GET", "/_inference/_ccm", None).await.status, 200);
    let r = control(
        &ctl,
        "POST",
        "/faults",
        Some(json!({"route":"cloud.nope","kind":{"type":"hang"}})),
    )
    .await;
    assert_eq!(r.status, 400);

    // Clock: a rotated-away key expires after 7 days.
    let r = cloud(
        &sims,
        "POST",
        &format!("/cloud-connected/clusters/{id}/apikey/_rotate"),
        &key,
        Some(json!({})),
    )
    .await;
    let new_key = r.json()["key"].as_str().unwrap().to_owned();
    let r = control(
        &ctl,
        "POST",
        "/clock/advance",
        Some(json!({"seconds": 7 * 86_400 + 1})),
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(r.json()["offset_ms"].as_u64().unwrap() >= 7 * 86_400_000);
    assert_eq!(
        cloud(&sims, "GET", "/cloud-connected/clusters", &key, None)
            .await
            .status,
        401
    );
    assert_eq!(
        cloud(&sims, "GET", "/cloud-connected/clusters", &new_key, None)
            .await
            .status,
        200
    );
    let keys = control(&ctl, "GET", &format!("/cloud/clusters/{id}/keys"), None)
        .await
        .json();
    assert_eq!(keys.as_array().unwrap().len(), 2);
    assert_eq!(keys[0]["state"], "revoked");
    assert_eq!(keys[1]["state"], "current");

    // Subscription, terms, options.
    let r = control(
        &ctl,
        "POST",
        "/cloud/subscription",
        Some(json!({"state":"active"})),
    )
    .await;
    assert_eq!(r.status, 200);
    let org = sims.organization_id();
    let r = cloud(
        &sims,
        "GET",
        &format!("/cloud-connected/organizations/{org}/subscription"),
        &new_key,
        None,
    )
    .await;
    assert_eq!(r.json(), json!({"state":"active"}));
    let r = control(
        &ctl,
        "POST",
        "/cloud/options",
        Some(json!({"strict_schema": true, "rate_limit": {"limit": 100}})),
    )
    .await;
    assert_eq!(r.json()["strict_schema"], true);
    assert_eq!(r.json()["rate_limit"]["window_ms"], 60_000);
    assert_eq!(
        r.json()["region_id"],
        "aws-us-east-1",
        "unchanged fields kept"
    );
    let r = control(
        &ctl,
        "POST",
        "/cloud/clusters/{id}/in-progress"
            .replace("{id}", &id)
            .as_str(),
        Some(json!({"calls": 1})),
    )
    .await;
    assert_eq!(r.status, 200);
    let r = cloud(
        &sims,
        "PATCH",
        &format!("/cloud-connected/clusters/{id}"),
        &new_key,
        Some(json!({"name":"n"})),
    )
    .await;
    assert_eq!(r.status, 409);
    let r = control(
        &ctl,
        "POST",
        "/cloud/keys",
        Some(json!({"organization_id": org, "assignments": []})),
    )
    .await;
    let seeded = r.json()["key"].as_str().unwrap().to_owned();
    let r = cloud(
        &sims,
        "GET",
        "/saas/user?show_role_assignments=true",
        &seeded,
        None,
    )
    .await;
    assert_eq!(
        r.json()["user"]["role_assignments"]["cloud_connected_resource"],
        json!([])
    );

    // ES configuration merge and CCM inspection.
    let r = control(
        &ctl,
        "POST",
        "/es/config",
        Some(json!({"cluster": {"version": "9.2.0"}})),
    )
    .await;
    assert_eq!(r.status, 200);
    let v = es(&sims, "GET", "/", None).await.json();
    assert_eq!(v["version"]["number"], "9.2.0");
    assert_eq!(v["cluster_name"], "my-cluster");
    assert_eq!(es(&sims, "GET", "/_inference/_ccm", None).await.status, 404);
    control(
        &ctl,
        "POST",
        "/es/config",
        Some(json!({"cluster": {"version": "9.3.0"}, "license": null})),
    )
    .await;
    assert_eq!(es(&sims, "GET", "/_license", None).await.json(), json!({}));
    control(
        &ctl,
        "POST",
        "/es/eis/allow",
        Some(json!({"key": "essu_ctl"})),
    )
    .await;
    assert_eq!(
        es(
            &sims,
            "PUT",
            "/_inference/_ccm",
            Some("{\"api_key\":\"essu_ctl\"}")
        )
        .await
        .status,
        200
    );
    let ccm = control(&ctl, "GET", "/es/ccm", None).await.json();
    assert_eq!(ccm["key"], "essu_ctl");
    assert_eq!(ccm["history"][0]["status"], 200);
    control(
        &ctl,
        "POST",
        "/es/eis",
        Some(json!({"key": "essu_bad", "outcome": {"type": "status", "status": 503}})),
    )
    .await;
    assert_eq!(
        es(
            &sims,
            "PUT",
            "/_inference/_ccm",
            Some("{\"api_key\":\"essu_bad\"}")
        )
        .await
        .status,
        400
    );

    // Reset.
    assert_eq!(control(&ctl, "POST", "/reset", None).await.status, 200);
    let v = control(&ctl, "GET", "/state", None).await.json();
    assert_eq!(v["cloud"]["clusters"], json!([]));
    assert_eq!(v["es"]["ccm"]["enabled"], false);
    assert_eq!(v["cloud"]["options"]["strict_schema"], false);
    assert_eq!(
        cloud(
            &sims,
            "GET",
            "/cloud-connected/clusters",
            &sims.org_api_key(),
            None
        )
        .await
        .status,
        200
    );
    assert_eq!(control(&ctl, "GET", "/nope", None).await.status, 404);
}

#[tokio::test]
async fn control_info_lists_credentials_and_routes() {
    let sims = start().await;
    let v = control(&sims.control_url(), "GET", "/info", None)
        .await
        .json();
    assert_eq!(v["org_api_key"], sims.org_api_key().as_str());
    assert_eq!(v["es_authorization"], sims.es_authorization().as_str());
    assert!(
        v["cloud_routes"]
            .as_array()
            .unwrap()
            .contains(&json!("cloud.patch_cluster"))
    );
    assert!(
        v["es_routes"]
            .as_array()
            .unwrap()
            .contains(&json!("es.ccm_put"))
    );
    let su = v["es_credentials"]["superuser"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(es_as(&sims, "GET", "/", Some(&su), None).await.status, 200);
}

#[tokio::test]
async fn binary_prints_one_json_line_and_serves() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cloud-connect-sim"))
        .args(["--seconds", "5"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let info: Value = serde_json::from_str(line.trim()).unwrap();
    let keys: Vec<&str> = info
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        vec![
            "cloud_url",
            "es_url",
            "control_url",
            "org_api_key",
            "es_authorization"
        ]
    );
    let cloud_url = info["cloud_url"].as_str().unwrap();
    assert!(cloud_url.starts_with("http://127.0.0.1:"));
    let url = format!("{cloud_url}/api/v1/cloud-connected/clusters");
    let auth = format!("ApiKey {}", info["org_api_key"].as_str().unwrap());
    let r = send("GET", &url, Some(&auth), &[], None).await;
    assert_eq!(r.status, 200);
    let r = send(
        "GET",
        info["es_url"].as_str().unwrap(),
        Some(info["es_authorization"].as_str().unwrap()),
        &[],
        None,
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["tagline"], "You Know, for Search");
    let r = send(
        "GET",
        &format!("{}/state", info["control_url"].as_str().unwrap()),
        None,
        &[],
        None,
    )
    .await;
    assert_eq!(r.status, 200);
    // It exits on its own after --seconds.
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success());
}
