//! Cloud simulator behaviours (spec `cloud-api.md` §8), driven with raw HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use cloud_connect_testkit::cloud::{CloudConfig, KeyKind, KeyState, RateLimit, SubscriptionState};
use cloud_connect_testkit::{CloudSim, SimConfig};
use common::*;
use serde_json::json;

const UUID: &str = "Yk3hS2bXR8mJ9c7T1oWq0A";

#[tokio::test]
async fn missing_or_malformed_credentials_get_the_unauthorized_messages_body() {
    let sims = start().await;
    let url = format!("{}/api/v1/cloud-connected/clusters", sims.cloud_url());
    for auth in [None, Some("ApiKey"), Some("ApiKey   "), Some("Bearer abc")] {
        let r = send("GET", &url, auth, &[], None).await;
        assert_eq!(r.status, 401, "{auth:?}");
        assert_eq!(
            r.json(),
            json!({"UnauthorizedMessages":["Invalid credential headers"],"Cause":null})
        );
        assert_eq!(
            r.header("content-type").as_deref(),
            Some("application/json")
        );
    }
}

#[tokio::test]
async fn scheme_is_case_insensitive_unless_strict() {
    let sims = start().await;
    let url = format!("{}/api/v1/cloud-connected/clusters", sims.cloud_url());
    let key = sims.org_api_key();
    for scheme in ["ApiKey", "apiKey", "APIKEY"] {
        let r = send("GET", &url, Some(&format!("{scheme} {key}")), &[], None).await;
        assert_eq!(r.status, 200, "{scheme}");
        assert_eq!(r.json(), json!({"items": []}));
    }
    sims.cloud().update_options(|o| o.strict_auth_scheme = true);
    let r = send("GET", &url, Some(&format!("apiKey {key}")), &[], None).await;
    assert_eq!(r.status, 401);
    assert!(r.json().get("UnauthorizedMessages").is_some());
    let r = send("GET", &url, Some(&format!("ApiKey {key}")), &[], None).await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn unknown_and_eis_keys_get_401_with_errors_body() {
    let sims = start().await;
    let r = cloud(
        &sims,
        "GET",
        "/cloud-connected/clusters",
        "essu_sim_unknown",
        None,
    )
    .await;
    assert_eq!(r.status, 401);
    assert_eq!(
        r.json(),
        json!({"errors":[{"code":"auth.unauthorized","message":"Invalid or expired API key"}]})
    );
    let (id, key) = onboard(&sims, UUID).await;
    let eis = enable_eis(&sims, &id, &key).await;
    let r = cloud(
        &sims,
        "GET",
        &format!("/cloud-connected/clusters/{id}"),
        &eis,
        None,
    )
    .await;
    assert_eq!(r.status, 401);
    assert_eq!(r.error_code(), "auth.unauthorized");
}

#[tokio::test]
async fn cluster_keys_are_scoped_to_their_cluster_and_organization() {
    let sims = start().await;
    let (a, key_a) = onboard(&sims, "uuid-a").await;
    let (b, _) = onboard(&sims, "uuid-b").await;
    // Another organization with its own cluster.
    sims.cloud().seed_org("555000111", true);
    let other_org_key = sims.cloud().seed_org_key("555000111", None);
    let r = cloud(
        &sims,
        "POST",
        "/cloud-connected/clusters",
        &other_org_key,
        Some(create_body("uuid-c")),
    )
    .await;
    assert_eq!(r.status, 201);
    let c = r.json()["id"].as_str().unwrap().to_owned();

    assert_eq!(
        cloud(
            &sims,
            "GET",
            &format!("/cloud-connected/clusters/{a}"),
            &key_a,
            None
        )
        .await
        .status,
        200
    );
    let r = cloud(
        &sims,
        "GET",
        &format!("/cloud-connected/clusters/{b}"),
        &key_a,
        None,
    )
    .await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.json(),
        json!({"errors":[{"code":"clusters.get_cluster.forbidden","message":"request is not authorized"}]})
    );
    let patch = Some(json!({"name": "x"}));
    assert_eq!(
        cloud(
            &sims,
            "PATCH",
            &format!("/cloud-connected/clusters/{b}"),
            &key_a,
            patch
        )
        .await
        .status,
        403
    );
    assert_eq!(
        cloud(
            &sims,
            "DELETE",
            &format!("/cloud-connected/clusters/{b}"),
            &key_a,
            None
        )
        .await
        .status,
        403
    );
    assert_eq!(
        cloud(
            &sims,
            "POST",
            &format!("/cloud-connected/clusters/{b}/apikey/_rotate"),
            &key_a,
            Some(json!({}))
        )
        .await
        .status,
        403
    );
    // Another organization's cluster is invisible (404) to every key of this organization.
    assert_eq!(
        cloud(
            &sims,
            "GET",
            &format!("/cloud-connected/clusters/{c}"),
            &key_a,
            None
        )
        .await
        .status,
        404
    );
    let r = cloud(
        &sims,
        "GET",
        &format!("/cloud-connected/clusters/{c}"),
        &sims.org_api_key(),
        None,
    )
    .await;
    assert_eq!(r.status, 404);
    assert_eq!(r.error_code(), "clusters.get_cluster.not_found");
    // List: org key sees both of its clusters, cluster key only its own.
    let all = cloud(
        &sims,
        "GET",
        "/cloud-connected/clusters",
        &sims.org_api_key(),
        None,
    )
    .await
    .json();
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    let own = cloud(&sims, "GET", "/cloud-connected/clusters", &key_a, None)
        .await
        .json();
    assert_eq!(own["items"].as_array().unwrap().len(), 1);
    assert_eq!(own["items"][0]["id"], a.as_str());
    // Create with the cluster key: its own self-managed cluster → 200, another → 403.
    let r = cloud(
        &sims,
        "POST",
        "/cloud-connected/clusters",
        &key_a,
        Some(create_body("uuid-a")),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["id"], a.as_str());
    let r = cloud(
        &sims,
        "POST",
        "/cloud-connected/clusters",
        &key_a,
        Some(create_body("uuid-z")),
    )
    .await;
    assert_eq!(r.status, 403);
    // The cluster key may manage its own cluster fully.
    let r = cloud(
        &sims,
        "PATCH",
        &format!("/cloud-connected/clusters/{a}"),
        &key_a,
        Some(json!({"name":"renamed"})),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["name"], "renamed");
}

#[tokio::test]
async fn saas_user_reports_role_assignments_per_key_kind() {
    let sims = start().await;
    let (id, key) = onboard(&sims, UUID).await;
    let org = sims.organization_id();
    let r = cloud(
        &sims,
        "GET",
        "/saas/user?show_role_assignments=true",
        &sims.org_api_key(),
        None,
    )
    .await;
    assert_eq!(r.status, 200);
    let user = &r.json()["user"];
    assert!(user["user_id"].is_u64());
    assert_eq!(user["organization_id"], org.as_str());
    assert_eq!(
        user["role_assignments"]["cloud_connected_resource"],
        json!([{"role_id":"cloud-connected-admin","organization_id":org,"all":true,"resource_ids":[]}])
    );
    let r = cloud(
        &sims,
        "GET",
        "/saas/user?show_role_assignments=true",
        &key,
        None,
    )
    .await;
    assert_eq!(
        r.json()["user"]["role_assignments"]["cloud_connected_resource"],
        json!([{"role_id":"cloud-connected-admin","organization_id":org,"all":false,"resource_ids":[id]}])
    );
    let empty = sims.cloud().seed_key_with_assignments(&org, vec![]);
    let r = cloud(
        &sims,
        "GET",
        "/saas/user?show_role_assignments=true",
        &empty,
        None,
    )
    .await;
    assert_eq!(
        r.json()["user"]["role_assignments"]["cloud_connected_resource"],
        json!([])
    );
    let r = cloud(&sims, "GET", "/saas/user", &sims.org_api_key(), None).await;
    assert!(r.json()["user"].get("role_assignments").is_none());
    let r = cloud(
        &sims,
        "GET",
        "/saas/user?show_role_assignments=true",
        "essu_sim_nope",
        None,
    )
    .await;
    assert_eq!(r.status, 401);
}

#[tokio::test]
async fn terms_gate_create_and_mutations_and_acceptance_is_idempotent() {
    let sims = start().await;
    sims.cloud().seed_org("777", false);
    let key = sims.cloud().seed_org_key("777", None);
    let r = cloud(
        &sims,
        "POST",
        "/cloud-connected/clusters",
        &key,
        Some(create_body(UUID)),
    )
    .await;
    assert_eq!(r.status, 403);
    assert!(sims.cloud().clusters().is_empty());
    let r = cloud(
        &sims,
        "GET",
        "/cloud-connected/organizations/777/terms-and-conditions",
        &key,
        None,
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), json!({}));
    let r = cloud(
        &sims,
        "POST",
        "/cloud-connected/organizations/777/terms-and-conditions/_accept",
        &key,
        None,
    )
    .await;
    assert_eq!(r.status, 200);
    let first = r.json()["accepted"].clone();
    assert_eq!(first["accepted_by"], sims.cloud().user_id().to_string());
    sims.advance_clock(Duration::from_secs(3600));
    let again = cloud(
        &sims,
        "POST",
        "/cloud-connected/organizations/777/terms-and-conditions/_accept",
        &key,
        None,
    )
    .await;
    assert_eq!(again.json()["accepted"], first);
    let r = cloud(
        &sims,
        "POST",
        "/cloud-connected/clusters",
        &key,
        Some(create_body(UUID)),
    )
    .await;
    assert_eq!(r.status, 201);
    let id = r.json()["id"].as_str().unwrap().to_owned();
    // Revoking the acceptance blocks mutations again, reads still work.
    sims.cloud().set_terms_accepted("777", false);
    let r = cloud(
        &sims,
        "PATCH",
        &format!("/cloud-connected/clusters/{id}"),
        &key,
        Some(json!({"name":"n"})),
    )
    .await;
    assert_eq!(r.status, 403);
    assert_eq!(
        cloud(
            &sims,
            "GET",
            &format!("/cloud-connected/clusters/{id}"),
            &key,
            None
        )
        .await
        .status,
        200
    );
    // Another organization's endpoints are forbidden.
    let r = cloud(
        &sims,
        "GET",
        "/cloud-connected/organizations/198583657190/subscription",
        &key,
        None,
    )
    .await;
    assert_eq!(r.status, 403);
}

#[tokio::test]
async fn user_without_organization_cannot_create() {
    let sims = start().await;
    let key = sims
        .cloud()
        .seed_key(cloud_connect_testkit::cloud::KeySeed::default());
    let r = cloud(
        &sims,
        "POST",
        "/cloud-connected/clusters",
        &key,
        Some(create_body(UUID)),
    )
    .await;
    assert_eq!(r.status, 403);
}

#[tokio::test]
async fn subscription_defaults_to_trial_and_is_settable() {
    let sims = start().await;
    let org = sims.organization_id();
    let path = format!("/cloud-connected/organizations/{org}/subscription");
    let r = cloud(&sims, "GET", &path, &sims.org_api_key(), None).await;
    assert_eq!(r.json(), json!({"state": "trial"}));
    sims.cloud()
        .set_subscription(&org, SubscriptionState::Inactive);
    let r = cloud(&sims, "GET", &path, &sims.org_api_key(), None).await;
    assert_eq!(r.json(), json!({"state": "inactive"}));
    // Optional enforcement: enabling a service while inactive → 403.
    let (id, key) = onboard(&sims, UUID).await;
    sims.cloud()
        .update_options(|o| o.enforce_subscription = true);
    let r = cloud(
        &sims,
        "PATCH",
        &format!("/cloud-connected/clusters/{id}"),
        &key,
        Some(json!({"services":{"eis":{"enabled":true}}})),
    )
    .await;
    assert_eq!(r.status, 403);
    let r = cloud(
        &sims,
        "GET",
        "/cloud-connected/organizations/abc-def/subscription",
        &sims.org_api_key(),
        None,
    )
    .await;
    assert_eq!(r.status, 404, "organization id outside the pattern");
}

#[tokio::test]
async fn create_is_idempotent_with_200_and_201_and_etags() {
    let sims = start().await;
    let org_key = sims.org_api_key();
    let r1 = cloud(
        &sims,
        "POST",
        "/cloud-connected/clusters",
        &org_key,
        Some(create_body(UUID)),
    )
    .await;
    assert_eq!(r1.status, 201);
    assert!(r1.header("etag").is_some());
    let v1 = r1.json();
    assert!(v1.get("key").is_none());
    let id = v1["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 32);
    assert!(
        id.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    );
    assert_eq!(
        v1["metadata"]["organization_id"],
        sims.organization_id().as_str()
    );
    assert_eq!(
        v1["metadata"]["created_by"],
        sims.cloud().user_id().to_string()
    );
    assert!(
        v1["metadata"]["created_at"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );
    assert_eq!(v1["services"]["eis"]["enabled"], false);
    assert_eq!(v1["services"]["auto_ops"]["enabled"], false);
    assert_eq!(
        v1["services"]["auto_ops"]["config"]["region_id"],
        "aws-us-east-1"
    );

    let r2 = cloud(
        &sims,
        "POST",
        "/cloud-connected/clusters?create_api_key=true",
        &org_key,
        Some(create_body(UUID)),
    )
    .await;
    assert_eq!(r2.status, 200);
    assert!(r2.header("etag").is_some());
    let v2 = r2.json();
    assert_eq!(v2["id"], id.as_str());
    let k1 = v2["key"].as_str().unwrap().to_owned();
    assert!(k1.starts_with("essu_"));
    let r3 = cloud(
        &sims,
        "POST",
        "/cloud-connected/clusters?create_api_key=true",
        &org_key,
        Some(create_body(UUID)),
    )
    .await;
    assert_eq!(r3.status, 200);
    let k2 = r3.json()["key"].as_str().unwrap().to_owned();
    assert_ne!(k1, k2);
    assert_eq!(
        cloud(&sims, "GET", "/cloud-connected/clusters", &k2, None)
            .await
            .status,
        200
    );

    // Name defaults to the self-managed cluster name.
    let mut body = create_body("other-uuid");
    body.as_object_mut().unwrap().remove("name");
    let r = cloud(
        &sims,
        "POST",
        "/cloud-connected/clusters",
        &org_key,
        Some(body),
    )
    .await;
    assert_eq!(r.json()["name"], "my-cluster");

    // Same self-managed cluster in another organization → 409.
    sims.cloud().seed_org("888", true);
    let other = sims.cloud().seed_org_key("888", None);
    let r = cloud(
        &sims,
        "POST",
        "/cloud-connected/clusters",
        &other,
        Some(create_body(UUID)),
    )
    .await;
    assert_eq!(r.status, 409);
}

#[tokio::test]
async fn services_default_is_configurable() {
    let mut config = SimConfig::default();
    config.cloud.options.auto_ops_enabled_on_create = true;
    config.cloud.options.eis_enabled_on_create = true;
    let sims = start_with(config).await;
    let (id, _) = onboard(&sims, UUID).await;
    let c = sims.cloud().cluster(&id).unwrap();
    assert_eq!(c["services"]["auto_ops"]["enabled"], true);
    assert_eq!(c["services"]["eis"]["enabled"], true);
}

#[tokio::test]
async fn get_returns_etag_and_never_keys() {
    let sims = start().await;
    let (id, key) = onboard(&sims, UUID).await;
    enable_eis(&sims, &id, &key).await;
    let r = cloud(
        &sims,
        "GET",
        &format!("/cloud-connected/clusters/{id}"),
        &key,
        None,
    )
    .await;
    assert_eq!(r.status, 200);
    let v = r.json();
    assert!(v.get("key").is_none() && v.get("keys").is_none());
    assert_eq!(r.header("etag"), sims.cloud().etag(&id));
}

#[tokio::test]
async fn patch_merges_and_manages_the_eis_key() {
    let sims = start().await;
    let (id, key) = onboard(&sims, UUID).await;
    let path = format!("/cloud-connected/clusters/{id}");
    let etag0 = sims.cloud().etag(&id).unwrap();
    let r = cloud(
        &sims,
        "PATCH",
        &path,
        &key,
        Some(json!({"services":{"auto_ops":{"enabled":true}}})),
    )
    .await;
    assert_eq!(r.status, 200);
    let v = r.json();
    assert!(v.get("keys").is_none());
    assert_eq!(v["services"]["auto_ops"]["enabled"], true);
    assert_eq!(v["name"], "test-cluster");
    let etag1 = r.header("etag").unwrap();
    assert_ne!(etag0, etag1);

    let r = cloud(
        &sims,
        "PATCH",
        &path,
        &key,
        Some(json!({"services":{"eis":{"enabled":true}}})),
    )
    .await;
    let v = r.json();
    let eis1 = v["keys"]["eis"].as_str().unwrap().to_owned();
    assert_eq!(
        v["services"]["auto_ops"]["enabled"], true,
        "auto_ops untouched"
    );
    assert!(sims.cloud().is_valid_eis_key(&eis1));
    // On while on: no key.
    let r = cloud(
        &sims,
        "PATCH",
        &path,
        &key,
        Some(json!({"services":{"eis":{"enabled":true}}})),
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(r.json().get("keys").is_none());
    // Off: current key revoked.
    let r = cloud(
        &sims,
        "PATCH",
        &path,
        &key,
        Some(json!({"services":{"eis":{"enabled":false}}})),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(sims.cloud().key_state(&eis1), Some(KeyState::Revoked));
    // On again: a fresh key.
    let eis2 = enable_eis(&sims, &id, &key).await;
    assert_ne!(eis1, eis2);
    // Field merge: license type only.
    let r = cloud(
        &sims,
        "PATCH",
        &path,
        &key,
        Some(json!({"license":{"type":"platinum"}})),
    )
    .await;
    assert_eq!(
        r.json()["license"],
        json!({"type":"platinum","uid":"lic-1"})
    );
    // Undocumented fields are ignored by default (Kibana sends them).
    let r = cloud(&sims, "PATCH", &path, &key, Some(json!({"self_managed_cluster":{"id":"changed","version":"9.3.1"},"license":{"version":3}}))).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["self_managed_cluster"]["id"], UUID);
    assert_eq!(r.json()["self_managed_cluster"]["version"], "9.3.1");
}

#[tokio::test]
async fn if_match_mismatch_is_412_without_change() {
    let sims = start().await;
    let (id, key) = onboard(&sims, UUID).await;
    let path = format!("/cloud-connected/clusters/{id}");
    let stale = sims.cloud().etag(&id).unwrap();
    let r = cloud(&sims, "PATCH", &path, &key, Some(json!({"name":"one"}))).await;
    let current = r.header("etag").unwrap();
    assert_ne!(stale, current);

    let r = cloud_with(
        &sims,
        "PATCH",
        &path,
        &key,
        &[("if-match", &stale)],
        Some(json!({"name":"two"})),
    )
    .await;
    assert_eq!(r.status, 412);
    assert_eq!(r.error_code(), "clusters.patch_cluster.precondition_failed");
    assert_eq!(sims.cloud().cluster(&id).unwrap()["name"], "one");
    assert_eq!(sims.cloud().etag(&id).unwrap(), current);

    for (method, p) in [
        ("POST", format!("{path}/apikey/_rotate")),
        ("POST", format!("{path}/apikey/_revoke-pending")),
        ("POST", format!("{path}/apikey/eis/_revoke-pending")),
        ("DELETE", path.clone()),
    ] {
        let r = cloud_with(&sims, method, &p, &key, &[("if-match", &stale)], None).await;
        assert_eq!(r.status, 412, "{method} {p}");
    }
    assert_eq!(
        sims.cloud().keys(&id).len(),
        1,
        "no key minted by a refused rotate"
    );
    assert_eq!(sims.cloud().cluster(&id).unwrap()["state"], "connected");

    let r = cloud_with(
        &sims,
        "PATCH",
        &path,
        &key,
        &[("if-match", &current)],
        Some(json!({"name":"two"})),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["name"], "two");
}

#[tokio::test]
async fn rotation_keeps_the_old_key_pending_for_seven_days() {
    let sims = start().await;
    let (id, old) = onboard(&sims, UUID).await;
    let path = format!("/cloud-connected/clusters/{id}");
    let etag_before = sims.cloud().etag(&id).unwrap();
    let r = cloud(
        &sims,
        "POST",
        &format!("{path}/apikey/_rotate"),
        &old,
        Some(json!({})),
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(r.header("etag").is_none());
    let new = r.json()["key"].as_str().unwrap().to_owned();
    assert_ne!(etag_before, sims.cloud().etag(&id).unwrap());
    let keys = sims.cloud().keys(&id);
    let old_view = keys.iter().find(|k| k.key == old).unwrap();
    assert_eq!(old_view.state, KeyState::Pending);
    assert!(old_view.revoke_at.is_some());
    assert_eq!(
        sims.cloud().current_key(&id, KeyKind::Cluster),
        Some(new.clone())
    );
    assert_eq!(cloud(&sims, "GET", &path, &old, None).await.status, 200);
    assert_eq!(cloud(&sims, "GET", &path, &new, None).await.status, 200);

    sims.advance_clock(Duration::from_secs(6 * 86_400));
    assert_eq!(cloud(&sims, "GET", &path, &old, None).await.status, 200);
    sims.advance_clock(Duration::from_secs(86_400 + 1));
    assert_eq!(cloud(&sims, "GET", &path, &old, None).await.status, 401);
    assert_eq!(cloud(&sims, "GET", &path, &new, None).await.status, 200);

    // _revoke-pending revokes pending keys only, at once; empty body accepted.
    let r = cloud(&sims, "POST", &format!("{path}/apikey/_rotate"), &new, None).await;
    let newest = r.json()["key"].as_str().unwrap().to_owned();
    let r = cloud(
        &sims,
        "POST",
        &format!("{path}/apikey/_revoke-pending"),
        &newest,
        None,
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(r.text.is_empty());
    assert_eq!(cloud(&sims, "GET", &path, &new, None).await.status, 401);
    assert_eq!(cloud(&sims, "GET", &path, &newest, None).await.status, 200);
    // Nothing pending: still 200.
    let r = cloud(
        &sims,
        "POST",
        &format!("{path}/apikey/_revoke-pending"),
        &newest,
        Some(json!({})),
    )
    .await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn eis_rotation_and_revoke_pending() {
    let sims = start().await;
    let (id, key) = onboard(&sims, UUID).await;
    let path = format!("/cloud-connected/clusters/{id}");
    let r = cloud(
        &sims,
        "POST",
        &format!("{path}/apikey/eis/_rotate"),
        &key,
        Some(json!({})),
    )
    .await;
    assert_eq!(r.status, 409, "EIS disabled");
    let eis1 = enable_eis(&sims, &id, &key).await;
    let r = cloud(
        &sims,
        "POST",
        &format!("{path}/apikey/eis/_rotate"),
        &key,
        Some(json!({})),
    )
    .await;
    assert_eq!(r.status, 200);
    let eis2 = r.json()["key"].as_str().unwrap().to_owned();
    assert!(sims.cloud().is_valid_eis_key(&eis1));
    assert_eq!(sims.cloud().key_state(&eis1), Some(KeyState::Pending));
    let r = cloud(
        &sims,
        "POST",
        &format!("{path}/apikey/eis/_revoke-pending"),
        &key,
        None,
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(r.text.is_empty());
    assert!(!sims.cloud().is_valid_eis_key(&eis1));
    assert!(sims.cloud().is_valid_eis_key(&eis2));
    let r = cloud(
        &sims,
        "POST",
        &format!("{path}/apikey/foo/_rotate"),
        &key,
        Some(json!({})),
    )
    .await;
    assert_eq!(r.status, 404);
    let r = cloud(
        &sims,
        "POST",
        &format!("{path}/apikey/foo/_revoke-pending"),
        &key,
        Some(json!({})),
    )
    .await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn disconnect_removes_the_cluster_and_revokes_its_keys() {
    let sims = start().await;
    let (id, key) = onboard(&sims, UUID).await;
    let eis = enable_eis(&sims, &id, &key).await;
    let path = format!("/cloud-connected/clusters/{id}");
    let r = cloud(&sims, "DELETE", &path, &key, None).await;
    assert_eq!(r.status, 200);
    assert!(r.text.is_empty());
    assert!(r.header("etag").is_some());
    let org_key = sims.org_api_key();
    assert_eq!(cloud(&sims, "GET", &path, &org_key, None).await.status, 404);
    assert_eq!(
        cloud(&sims, "GET", "/cloud-connected/clusters", &key, None)
            .await
            .status,
        401
    );
    assert!(!sims.cloud().is_valid_eis_key(&eis));
    assert!(
        sims.cloud()
            .keys(&id)
            .iter()
            .all(|k| k.state == KeyState::Revoked)
    );
    let r = cloud(
        &sims,
        "POST",
        "/cloud-connected/clusters",
        &org_key,
        Some(create_body(UUID)),
    )
    .await;
    assert_eq!(r.status, 201);
    assert_ne!(r.json()["id"], id.as_str());
}

#[tokio::test]
async fn disconnecting_window_answers_409_to_mutations() {
    let sims = start().await;
    sims.cloud().set_disconnect_delay(Duration::from_secs(30));
    let (id, key) = onboard(&sims, UUID).await;
    let path = format!("/cloud-connected/clusters/{id}");
    let etag_before = sims.cloud().etag(&id).unwrap();
    let r = cloud(&sims, "DELETE", &path, &key, None).await;
    assert_eq!(r.status, 200);
    assert_ne!(r.header("etag").unwrap(), etag_before);
    assert_eq!(sims.cloud().cluster(&id).unwrap()["state"], "disconnecting");
    assert_eq!(cloud(&sims, "GET", &path, &key, None).await.status, 200);
    assert_eq!(
        cloud(&sims, "PATCH", &path, &key, Some(json!({"name":"x"})))
            .await
            .status,
        409
    );
    assert_eq!(cloud(&sims, "DELETE", &path, &key, None).await.status, 409);
    sims.advance_clock(Duration::from_secs(31));
    assert_eq!(
        cloud(&sims, "GET", &path, &sims.org_api_key(), None)
            .await
            .status,
        404
    );
    assert_eq!(cloud(&sims, "GET", &path, &key, None).await.status, 401);
}

#[tokio::test]
async fn settle_window_and_forced_in_progress_answer_invalid_state() {
    let sims = start().await;
    let (id, key) = onboard(&sims, UUID).await;
    let path = format!("/cloud-connected/clusters/{id}");
    sims.cloud().set_settle_time(Duration::from_secs(10));
    enable_eis(&sims, &id, &key).await;
    let r = cloud(
        &sims,
        "PATCH",
        &path,
        &key,
        Some(json!({"services":{"eis":{"enabled":false}}})),
    )
    .await;
    assert_eq!(r.status, 409);
    assert_eq!(r.error_code(), "clusters.patch_cluster.invalid_state");
    assert_eq!(
        cloud(
            &sims,
            "POST",
            &format!("{path}/apikey/_rotate"),
            &key,
            Some(json!({}))
        )
        .await
        .status,
        409
    );
    assert_eq!(cloud(&sims, "DELETE", &path, &key, None).await.status, 409);
    let r = cloud(&sims, "GET", &path, &key, None).await;
    assert_eq!(
        r.json()["services"]["eis"]["enabled"],
        true,
        "GET shows the requested state"
    );
    sims.advance_clock(Duration::from_secs(11));
    let r = cloud(&sims, "PATCH", &path, &key, Some(json!({"name":"after"}))).await;
    assert_eq!(r.status, 200);

    assert!(sims.cloud().force_in_progress(&id, 2));
    for _ in 0..2 {
        let r = cloud(&sims, "PATCH", &path, &key, Some(json!({"name":"x"}))).await;
        assert_eq!(r.status, 409);
    }
    assert_eq!(
        cloud(&sims, "PATCH", &path, &key, Some(json!({"name":"x"})))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn validation_errors() {
    let sims = start().await;
    let key = sims.org_api_key();
    let (id, _) = onboard(&sims, UUID).await;
    let path = format!("/cloud-connected/clusters/{id}");
    assert_eq!(
        cloud(
            &sims,
            "GET",
            "/cloud-connected/clusters/NOT-AN-ID",
            &key,
            None
        )
        .await
        .status,
        404
    );
    let bad_creates = [
        json!({"self_managed_cluster":{"id":"u","name":"n","version":"9"}}),
        json!({"license":{"type":"trial","uid":"x"}}),
        json!({"self_managed_cluster":{"id":"u","name":"n"},"license":{"type":"trial","uid":"x"}}),
        json!({"self_managed_cluster":{"id":"u","name":"n","version":"9"},"license":{"type":"free","uid":"x"}}),
        json!({"self_managed_cluster":{"id":"u","name":"n","version":"9"},"license":{"type":"trial"}}),
        json!({"name":"x".repeat(256),"self_managed_cluster":{"id":"u","name":"n","version":"9"},"license":{"type":"trial","uid":"x"}}),
        json!([1, 2]),
    ];
    for body in bad_creates {
        let r = cloud(
            &sims,
            "POST",
            "/cloud-connected/clusters",
            &key,
            Some(body.clone()),
        )
        .await;
        assert_eq!(r.status, 400, "{body}");
        assert_eq!(r.error_code(), "request.invalid");
    }
    let url = format!("{}/api/v1/cloud-connected/clusters", sims.cloud_url());
    let r = send(
        "POST",
        &url,
        Some(&format!("ApiKey {key}")),
        &[],
        Some("not json"),
    )
    .await;
    assert_eq!(r.status, 400);
    for body in [
        json!({"services":{"eis":{"enabled":"yes"}}}),
        json!({"license":{"type":"free"}}),
        json!({"name": 5}),
        json!({"name":"x".repeat(256)}),
    ] {
        assert_eq!(
            cloud(&sims, "PATCH", &path, &key, Some(body.clone()))
                .await
                .status,
            400,
            "{body}"
        );
    }
    // 255 characters are fine.
    assert_eq!(
        cloud(
            &sims,
            "PATCH",
            &path,
            &key,
            Some(json!({"name":"y".repeat(255)}))
        )
        .await
        .status,
        200
    );
    // strict_schema rejects undocumented fields.
    sims.cloud().update_options(|o| o.strict_schema = true);
    let r = cloud(
        &sims,
        "PATCH",
        &path,
        &key,
        Some(json!({"self_managed_cluster":{"id":"x"}})),
    )
    .await;
    assert_eq!(r.status, 400);
    let r = cloud(
        &sims,
        "PATCH",
        &path,
        &key,
        Some(json!({"services":{"other":{"enabled":true}}})),
    )
    .await;
    assert_eq!(r.status, 400);
    let mut body = create_body(UUID);
    body["license"]["version"] = json!(3);
    assert_eq!(
        cloud(&sims, "POST", "/cloud-connected/clusters", &key, Some(body))
            .await
            .status,
        400
    );
    assert_eq!(
        cloud(&sims, "PATCH", &path, &key, Some(json!({"name":"ok"})))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn routing_and_transport() {
    let sims = start().await;
    let key = sims.org_api_key();
    let (id, ckey) = onboard(&sims, UUID).await;
    assert_eq!(
        cloud(&sims, "GET", "/cloud-connected/nothing", &key, None)
            .await
            .status,
        404
    );
    assert_eq!(cloud(&sims, "GET", "/nope", &key, None).await.status, 404);
    assert_eq!(
        cloud(&sims, "PUT", "/cloud-connected/clusters", &key, None)
            .await
            .status,
        405
    );
    assert_eq!(
        cloud(
            &sims,
            "GET",
            &format!("/cloud-connected/clusters/{id}/apikey/_rotate"),
            &key,
            None
        )
        .await
        .status,
        405
    );
    // Content-Type on GET and DELETE is accepted.
    let ct = [("content-type", "application/json")];
    assert_eq!(
        cloud_with(
            &sims,
            "GET",
            &format!("/cloud-connected/clusters/{id}"),
            &ckey,
            &ct,
            None
        )
        .await
        .status,
        200
    );
    let r = cloud(
        &sims,
        "GET",
        &format!("/cloud-connected/clusters/{id}"),
        &ckey,
        None,
    )
    .await;
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(
        cloud_with(
            &sims,
            "DELETE",
            &format!("/cloud-connected/clusters/{id}"),
            &ckey,
            &ct,
            None
        )
        .await
        .status,
        200
    );
}

#[tokio::test]
async fn organization_key_expiry() {
    let sims = start().await;
    let key = sims
        .cloud()
        .seed_org_key(&sims.organization_id(), Some(Duration::from_secs(60)));
    assert_eq!(
        cloud(&sims, "GET", "/cloud-connected/clusters", &key, None)
            .await
            .status,
        200
    );
    sims.advance_clock(Duration::from_secs(61));
    let r = cloud(&sims, "GET", "/cloud-connected/clusters", &key, None).await;
    assert_eq!(r.status, 401);
    assert_eq!(sims.cloud().key_state(&key), Some(KeyState::Expired));
}

#[tokio::test]
async fn rate_limiting_answers_429() {
    let sims = start().await;
    let (id, key) = onboard(&sims, UUID).await;
    sims.cloud().update_options(|o| {
        o.rate_limit = Some(RateLimit {
            limit: 2,
            window_ms: 60_000,
            per_key: true,
            retry_after_seconds: Some(7),
            headers: true,
        })
    });
    let path = format!("/cloud-connected/clusters/{id}");
    for _ in 0..2 {
        assert_eq!(cloud(&sims, "GET", &path, &key, None).await.status, 200);
    }
    let r = cloud(&sims, "GET", &path, &key, None).await;
    assert_eq!(r.status, 429);
    assert_eq!(
        r.json(),
        json!({"errors":[{"code":"clusters.get_cluster.rate_limit_exceeded","message":"User-rate limit exceeded"}]})
    );
    assert_eq!(r.header("retry-after").as_deref(), Some("7"));
    assert_eq!(r.header("x-ratelimit-limit").as_deref(), Some("2"));
    // Another key has its own budget; the window resets with the clock.
    assert_eq!(
        cloud(&sims, "GET", &path, &sims.org_api_key(), None)
            .await
            .status,
        200
    );
    sims.advance_clock(Duration::from_secs(61));
    assert_eq!(cloud(&sims, "GET", &path, &key, None).await.status, 200);
}

#[tokio::test]
async fn reply_shape_knobs() {
    let sims = start().await;
    let (id, key) = onboard(&sims, UUID).await;
    let path = format!("/cloud-connected/clusters/{id}");
    sims.cloud().update_options(|o| o.extra_fields = true);
    let v = cloud(&sims, "GET", &path, &key, None).await.json();
    assert!(v.get("sim_extra").is_some());
    assert!(v["services"].get("sim_future_service").is_some());
    assert!(v["services"]["eis"].get("sim_extra").is_some());
    sims.cloud().update_options(|o| {
        o.extra_fields = false;
        o.omit_optional_service_fields = true;
    });
    let v = cloud(&sims, "GET", &path, &key, None).await.json();
    assert_eq!(v["services"]["eis"], json!({"enabled": false}));
    assert_eq!(v["services"]["auto_ops"], json!({"enabled": false}));
    sims.cloud().update_options(|o| o.omit_eis_service = true);
    let v = cloud(&sims, "GET", &path, &key, None).await.json();
    assert!(v["services"].get("eis").is_none());
}

#[tokio::test]
async fn path_prefix_is_supported() {
    let config = CloudConfig {
        path_prefix: "/proxy".into(),
        ..CloudConfig::default()
    };
    let sim = CloudSim::start(config).await.unwrap();
    assert!(sim.url().ends_with("/proxy"));
    let url = format!("{}/api/v1/cloud-connected/clusters", sim.url());
    let r = send(
        "GET",
        &url,
        Some(&format!("ApiKey {}", sim.org_api_key())),
        &[],
        None,
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(sim.route_count("cloud.list_clusters"), 1);
}

#[tokio::test]
async fn request_log_never_contains_keys() {
    let sims = start().await;
    let (id, key) = onboard(&sims, UUID).await;
    let eis = enable_eis(&sims, &id, &key).await;
    cloud_with(
        &sims,
        "GET",
        &format!("/cloud-connected/clusters/{id}"),
        &key,
        &[("if-match", "\"x\"")],
        None,
    )
    .await;
    let log = sims.cloud().requests();
    assert!(log.len() >= 3);
    let text = serde_json::to_string(&log).unwrap();
    for secret in [sims.org_api_key(), key, eis] {
        assert!(!text.contains(&secret));
    }
    let last = log.last().unwrap();
    assert_eq!(last.route.as_deref(), Some("cloud.get_cluster"));
    assert!(last.if_match);
    assert_eq!(last.status, Some(200));
    assert_eq!(
        last.headers.get("authorization").map(String::as_str),
        Some("ApiKey <redacted>")
    );
}
