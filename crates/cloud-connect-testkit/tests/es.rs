//! Elasticsearch simulator behaviours (spec `elasticsearch.md` §7), driven with raw HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use cloud_connect_testkit::SimConfig;
use cloud_connect_testkit::es::{
    ClusterInfo, EisOutcome, EsConfig, EsSim, EsUser, IndexPrivilege, LicenseInfo,
};
use common::*;
use serde_json::json;

const DOC_ID: &str = "cloud-connect-api-key:239feff0-7e11-4413-b800-f1f1621e9c69";
const DOC_PATH: &str = "/.kibana/_doc/cloud-connect-api-key%3A239feff0-7e11-4413-b800-f1f1621e9c69";

fn saved_object() -> String {
    json!({
        "type": "cloud-connect-api-key",
        "cloud-connect-api-key": { "apiKey": "ciphertext", "clusterId": "0123456789abcdef0123456789abcdef" },
        "references": [],
        "managed": false,
        "coreMigrationVersion": "8.8.0",
        "typeMigrationVersion": "10.1.0",
        "created_at": "2026-01-01T00:00:00.000Z",
        "updated_at": "2026-01-01T00:00:00.000Z"
    })
    .to_string()
}

#[tokio::test]
async fn product_header_on_every_response_and_switchable() {
    let sims = start().await;
    for (auth, path, status) in [
        (Some(sims.es_authorization()), "/", 200),
        (None, "/", 401),
        (Some(sims.es_authorization()), "/_nothing/here/at/all", 400),
        (Some(sims.es_authorization()), "/_inference/_all/x/y", 400),
    ] {
        let r = es_as(&sims, "GET", path, auth.as_deref(), None).await;
        assert_eq!(r.status, status, "{path}");
        assert_eq!(
            r.header("x-elastic-product").as_deref(),
            Some("Elasticsearch"),
            "{path}"
        );
    }
    let r = es(&sims, "POST", "/_license", None).await;
    assert_eq!(r.status, 405);
    assert_eq!(
        r.header("x-elastic-product").as_deref(),
        Some("Elasticsearch")
    );
    sims.es().update_config(|c| c.product_header = false);
    let r = es(&sims, "GET", "/", None).await;
    assert_eq!(r.status, 200);
    assert!(r.header("x-elastic-product").is_none());
}

#[tokio::test]
async fn media_types() {
    let sims = start().await;
    let url = format!("{}/_inference/_ccm", sims.es_url());
    let auth = sims.es_authorization();
    let r = client()
        .put(&url)
        .header("authorization", &auth)
        .header(
            "content-type",
            "application/vnd.elasticsearch+json; compatible-with=8",
        )
        .header(
            "accept",
            "application/vnd.elasticsearch+json; compatible-with=8",
        )
        .body("{\"api_key\":\"\"}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["error"]["type"], "action_request_validation_exception");
    let r = client()
        .put(&url)
        .header("authorization", &auth)
        .header("content-type", "text/plain")
        .body("{\"api_key\":\"x\"}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 406);
}

#[tokio::test]
async fn authentication_failures_follow_the_spec() {
    let sims = start().await;
    let r = es_as(&sims, "GET", "/_license?local=true", None, None).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.es_type(), "security_exception");
    assert_eq!(
        r.es_reason(),
        "missing authentication credentials for REST request [/_license?local=true]"
    );
    let challenges: Vec<_> = r
        .headers
        .get_all("www-authenticate")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert_eq!(challenges.len(), 3);
    assert!(
        challenges
            .iter()
            .any(|c| c.starts_with("Basic realm=\"security\""))
    );
    assert!(challenges.iter().any(|c| c == "ApiKey"));
    let v = r.json();
    assert_eq!(
        v["error"]["header"]["WWW-Authenticate"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(v["error"]["root_cause"][0]["header"], v["error"]["header"]);

    use base64::Engine;
    let wrong = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("cloud_connect:wrong")
    );
    let r = es_as(&sims, "GET", "/", Some(&wrong), None).await;
    assert_eq!(r.status, 401);
    assert_eq!(
        r.es_reason(),
        "unable to authenticate user [cloud_connect] for REST request [/]"
    );
    for bad in ["ApiKey Zm9vOmJhcg==", "Bearer nope"] {
        let r = es_as(&sims, "GET", "/", Some(bad), None).await;
        assert_eq!(r.status, 401);
        assert_eq!(
            r.es_reason(),
            "unable to authenticate with provided credentials and anonymous access is not allowed for this request"
        );
    }
    let creds = sims.es().credentials();
    for good in [
        &creds.admin,
        &creds.api_key,
        &creds.kibana_bearer,
        &creds.superuser,
        &creds.monitor,
    ] {
        assert_eq!(
            es_as(&sims, "GET", "/", Some(good), None).await.status,
            200,
            "{good}"
        );
    }
    // Security off: no credentials needed, never 401/403.
    sims.es().update_config(|c| c.security = false);
    assert_eq!(es_as(&sims, "GET", "/", None, None).await.status, 200);
    let r = es_as(
        &sims,
        "PUT",
        "/_inference/_ccm",
        None,
        Some("{\"api_key\":\"x\"}"),
    )
    .await;
    assert_eq!(r.status, 401, "EIS rejects the key, not ES security");
    assert_eq!(r.es_type(), "status_exception");
}

#[tokio::test]
async fn authorization_failures_name_the_action() {
    let sims = start().await;
    let monitor = sims.es().credentials().monitor;
    let r = es_as(
        &sims,
        "PUT",
        "/_inference/_ccm",
        Some(&monitor),
        Some("{\"api_key\":\"essu_x\"}"),
    )
    .await;
    assert_eq!(r.status, 403);
    assert_eq!(r.es_type(), "security_exception");
    assert_eq!(
        r.es_reason(),
        "action [cluster:admin/xpack/inference/ccm/put] is unauthorized for user [monitor_user] with effective roles [monitoring_user], this action is granted by the cluster privileges [manage_inference,manage,all]"
    );
    // Body checks come before the privilege check.
    let r = es_as(&sims, "PUT", "/_inference/_ccm", Some(&monitor), Some("{}")).await;
    assert_eq!(r.status, 400);
    assert_eq!(
        es_as(&sims, "GET", "/_inference/_ccm", Some(&monitor), None)
            .await
            .status,
        200
    );
    assert_eq!(
        es_as(&sims, "DELETE", "/_inference/_ccm", Some(&monitor), None)
            .await
            .status,
        403
    );
    // A user with nothing: 403 on GET /.
    sims.es().add_user(EsUser {
        username: "nobody".into(),
        password: "pw".into(),
        roles: vec!["none".into()],
        cluster: vec![],
        indices: vec![],
    });
    use base64::Engine;
    let nobody = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("nobody:pw")
    );
    let r = es_as(&sims, "GET", "/", Some(&nobody), None).await;
    assert_eq!(r.status, 403);
    assert!(
        r.es_reason()
            .starts_with("action [cluster:monitor/main] is unauthorized for user [nobody]")
    );
    // API key subject.
    let auth = sims.es().add_api_key("kid", "ksecret", "nobody");
    let r = es_as(&sims, "GET", "/_license", Some(&auth), None).await;
    assert_eq!(r.status, 403);
    assert!(r.es_reason().contains("API key id [kid] of user [nobody]"));
}

#[tokio::test]
async fn cluster_info_is_configurable() {
    let sims = start().await;
    let v = es(&sims, "GET", "/", None).await.json();
    assert_eq!(v["version"]["number"], "9.3.0");
    assert_eq!(v["tagline"], "You Know, for Search");
    sims.es().set_cluster_info(ClusterInfo {
        cluster_name: String::new(),
        cluster_uuid: "_na_".into(),
        version: "9.3.0-SNAPSHOT".into(),
        node_name: "n7".into(),
        ..ClusterInfo::default()
    });
    let v = es(&sims, "GET", "/", None).await.json();
    assert_eq!(v["cluster_name"], "");
    assert_eq!(v["cluster_uuid"], "_na_");
    assert_eq!(v["name"], "n7");
    assert_eq!(v["version"]["number"], "9.3.0-SNAPSHOT");
    assert_eq!(v["version"]["build_snapshot"], true);
    // A snapshot of 9.3.0 has CCM.
    assert_eq!(es(&sims, "GET", "/_inference/_ccm", None).await.status, 200);
}

#[tokio::test]
async fn license_is_configurable() {
    let sims = start().await;
    let v = es(&sims, "GET", "/_license", None).await.json();
    assert_eq!(v["license"]["type"], "trial");
    assert!(v["license"]["expiry_date_in_millis"].is_u64());
    sims.es().set_license(Some(LicenseInfo {
        license_type: "basic".into(),
        ..LicenseInfo::default()
    }));
    let v = es(&sims, "GET", "/_license", None).await.json();
    assert_eq!(v["license"]["type"], "basic");
    assert!(v["license"].get("expiry_date").is_none());
    assert!(v["license"].get("expiry_date_in_millis").is_none());
    sims.es().set_license(Some(LicenseInfo {
        license_type: "enterprise".into(),
        status: "expired".into(),
        ..LicenseInfo::default()
    }));
    let v = es(&sims, "GET", "/_license", None).await.json();
    assert!(v["license"]["max_nodes"].is_null());
    assert!(v["license"]["max_resource_units"].is_u64());
    assert_eq!(v["license"]["status"], "expired");
    sims.es().set_license(None);
    let r = es(&sims, "GET", "/_license", None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), json!({}));
}

#[tokio::test]
async fn ccm_put_checks_in_spec_order() {
    let sims = start().await;
    let put = |body: Option<&'static str>| {
        let sims = &sims;
        async move { es(sims, "PUT", "/_inference/_ccm", body).await }
    };
    let r = put(None).await;
    assert_eq!(
        (r.status, r.es_type()),
        (400, "illegal_argument_exception".into())
    );
    assert_eq!(
        r.es_reason(),
        "The body must be specified when configuring CCM."
    );
    let r = put(Some("{\"api_key\":\"k\",\"apikey\":1}")).await;
    assert_eq!(
        (r.status, r.es_type()),
        (400, "x_content_parse_exception".into())
    );
    assert!(
        r.es_reason()
            .ends_with("[cluster:admin/xpack/inference/ccm/put] unknown field [apikey]"),
        "{}",
        r.es_reason()
    );
    assert!(r.es_reason().starts_with("[1:"));
    for body in [
        "{\"api_key\":42}",
        "{\"api_key\":{\"a\":1}}",
        "{\"api_key\":null}",
    ] {
        let r = es(&sims, "PUT", "/_inference/_ccm", Some(body)).await;
        assert_eq!(
            (r.status, r.es_type()),
            (400, "x_content_parse_exception".into()),
            "{body}"
        );
        assert!(r.es_reason().contains("api_key"));
    }
    for body in ["{}", "{\"api_key\":\"\"}"] {
        let r = es(&sims, "PUT", "/_inference/_ccm", Some(body)).await;
        assert_eq!(r.status, 400);
        assert_eq!(r.es_type(), "action_request_validation_exception");
        assert_eq!(
            r.es_reason(),
            "Validation Failed: 1: The [api_key] field cannot be an empty string or null;"
        );
    }
    // Row 2 precedes the body checks.
    sims.es()
        .update_config(|c| c.ccm_supported_environment = false);
    let r = put(None).await;
    assert_eq!((r.status, r.es_type()), (403, "status_exception".into()));
    assert_eq!(
        r.es_reason(),
        "Cloud Connected Mode configuration is not permitted for this environment"
    );
    assert_eq!(es(&sims, "GET", "/_inference/_ccm", None).await.status, 403);
    assert_eq!(
        es(&sims, "DELETE", "/_inference/_ccm", None).await.status,
        403
    );
    sims.es()
        .update_config(|c| c.ccm_supported_environment = true);
    // Row 8, 9, 11.
    sims.es().update_config(|c| c.metadata_write_block = true);
    let r = put(Some("{\"api_key\":\"k\"}")).await;
    assert_eq!(
        (r.status, r.es_type()),
        (503, "cluster_block_exception".into())
    );
    assert_eq!(
        es(&sims, "DELETE", "/_inference/_ccm", None).await.status,
        503
    );
    sims.es().update_config(|c| {
        c.metadata_write_block = false;
        c.not_fully_upgraded = true;
    });
    let r = put(Some("{\"api_key\":\"k\"}")).await;
    assert_eq!((r.status, r.es_type()), (400, "status_exception".into()));
    assert_eq!(
        r.es_reason(),
        "Cloud Connected Mode functionality is not supported until the cluster is fully upgraded, please try again later"
    );
    assert_eq!(sims.es().ccm_key(), None);
}

#[tokio::test]
async fn warm_up_window_answers_503_then_succeeds() {
    let config = SimConfig {
        es: EsConfig {
            warmup_ms: 5_000,
            ..EsConfig::default()
        },
        ..SimConfig::default()
    };
    let sims = start_with(config).await;
    sims.es().allow_eis_key("essu_allowed");
    let r = es(
        &sims,
        "PUT",
        "/_inference/_ccm",
        Some("{\"api_key\":\"essu_allowed\"}"),
    )
    .await;
    assert_eq!(r.status, 503);
    assert_eq!(sims.es().ccm_key(), None);
    sims.advance_clock(Duration::from_secs(6));
    let r = es(
        &sims,
        "PUT",
        "/_inference/_ccm",
        Some("{\"api_key\":\"essu_allowed\"}"),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), json!({"enabled": true}));
}

#[tokio::test]
async fn eis_validation_uses_the_keys_the_cloud_issued() {
    let sims = start().await;
    let r = es(
        &sims,
        "PUT",
        "/_inference/_ccm",
        Some("{\"api_key\":\"essu_sim_made_up\"}"),
    )
    .await;
    assert_eq!(r.status, 401);
    assert_eq!(r.es_type(), "status_exception");
    assert_eq!(
        r.es_reason(),
        "Failed to validate the Cloud Connected Mode API key"
    );
    assert!(r.json()["error"]["caused_by"].is_object());
    assert_eq!(
        es(&sims, "GET", "/_inference/_ccm", None).await.json(),
        json!({"enabled": false})
    );

    let (id, key) = onboard(&sims, "uuid-1").await;
    let eis1 = enable_eis(&sims, &id, &key).await;
    let body1 = json!({"api_key": eis1}).to_string();
    let r = es(&sims, "PUT", "/_inference/_ccm", Some(&body1)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json(), json!({"enabled": true}));
    assert_eq!(sims.es().ccm_key(), Some(eis1.clone()));
    assert_eq!(
        es(&sims, "GET", "/_inference/_ccm", None).await.json(),
        json!({"enabled": true})
    );

    // Rotation: the new key validates and replaces; the old one is pending and still validates.
    let r = cloud(
        &sims,
        "POST",
        &format!("/cloud-connected/clusters/{id}/apikey/eis/_rotate"),
        &key,
        Some(json!({})),
    )
    .await;
    let eis2 = r.json()["key"].as_str().unwrap().to_owned();
    let body2 = json!({"api_key": eis2}).to_string();
    assert_eq!(
        es(&sims, "PUT", "/_inference/_ccm", Some(&body2))
            .await
            .status,
        200
    );
    assert_eq!(sims.es().ccm_key(), Some(eis2.clone()));
    assert_eq!(
        es(&sims, "PUT", "/_inference/_ccm", Some(&body1))
            .await
            .status,
        200
    );
    assert_eq!(
        es(&sims, "PUT", "/_inference/_ccm", Some(&body2))
            .await
            .status,
        200
    );
    // Revoked pending key: refused, previous key retained.
    cloud(
        &sims,
        "POST",
        &format!("/cloud-connected/clusters/{id}/apikey/eis/_revoke-pending"),
        &key,
        None,
    )
    .await;
    let r = es(&sims, "PUT", "/_inference/_ccm", Some(&body1)).await;
    assert_eq!(r.status, 401);
    assert_eq!(sims.es().ccm_key(), Some(eis2.clone()));
    // EIS disabled in the Cloud: the current key is revoked too.
    cloud(
        &sims,
        "PATCH",
        &format!("/cloud-connected/clusters/{id}"),
        &key,
        Some(json!({"services":{"eis":{"enabled":false}}})),
    )
    .await;
    assert_eq!(
        es(&sims, "PUT", "/_inference/_ccm", Some(&body2))
            .await
            .status,
        401
    );
    // A cluster key is not an EIS key.
    let r = es(
        &sims,
        "PUT",
        "/_inference/_ccm",
        Some(&json!({"api_key": key}).to_string()),
    )
    .await;
    assert_eq!(r.status, 401);
    // The history records every call, with its status.
    let statuses: Vec<u16> = sims.es().ccm_history().iter().map(|e| e.status).collect();
    assert_eq!(statuses, vec![401, 200, 200, 200, 200, 401, 401, 401]);
    // The request log never holds the key.
    let log = serde_json::to_string(&sims.es().requests()).unwrap();
    assert!(!log.contains(&eis1) && !log.contains(&eis2));
    assert!(log.contains("<redacted>"));
}

#[tokio::test]
async fn eis_validation_is_scriptable() {
    let sims = start().await;
    for (outcome, status) in [
        (EisOutcome::Status { status: 401 }, 401),
        (EisOutcome::Status { status: 400 }, 400),
        (EisOutcome::Status { status: 403 }, 403),
        (EisOutcome::Status { status: 429 }, 429),
        (EisOutcome::Status { status: 503 }, 400),
        (EisOutcome::Network, 400),
    ] {
        sims.es().script_eis_key("essu_scripted", outcome);
        let r = es(
            &sims,
            "PUT",
            "/_inference/_ccm",
            Some("{\"api_key\":\"essu_scripted\"}"),
        )
        .await;
        assert_eq!(r.status, status, "{outcome:?}");
        assert_eq!(
            r.es_reason(),
            "Failed to validate the Cloud Connected Mode API key"
        );
        assert_eq!(sims.es().ccm_key(), None);
    }
    sims.es()
        .script_eis_key("essu_scripted", EisOutcome::Accept);
    assert_eq!(
        es(
            &sims,
            "PUT",
            "/_inference/_ccm",
            Some("{\"api_key\":\"essu_scripted\"}")
        )
        .await
        .status,
        200
    );
    // A default script overrides the Cloud for unscripted keys.
    sims.es().script_eis_default(Some(EisOutcome::Network));
    assert_eq!(
        es(
            &sims,
            "PUT",
            "/_inference/_ccm",
            Some("{\"api_key\":\"essu_other\"}")
        )
        .await
        .status,
        400
    );
    assert_eq!(sims.es().ccm_key().as_deref(), Some("essu_scripted"));
}

#[tokio::test]
async fn ccm_delete_is_idempotent() {
    let sims = start().await;
    for _ in 0..2 {
        let r = es(&sims, "DELETE", "/_inference/_ccm", None).await;
        assert_eq!(r.status, 200);
        assert_eq!(r.json(), json!({"enabled": false}));
    }
    sims.es().allow_eis_key("essu_k");
    es(
        &sims,
        "PUT",
        "/_inference/_ccm",
        Some("{\"api_key\":\"essu_k\"}"),
    )
    .await;
    assert!(sims.es().ccm_enabled());
    es(&sims, "DELETE", "/_inference/_ccm", None).await;
    assert_eq!(sims.es().ccm_key(), None);
    let actions: Vec<String> = sims
        .es()
        .ccm_history()
        .iter()
        .map(|e| e.action.clone())
        .collect();
    assert_eq!(actions, vec!["delete", "delete", "put", "delete"]);
}

#[tokio::test]
async fn pre_9_3_answers() {
    let sims = start().await;
    sims.es().set_version("9.2.0");
    for method in ["GET", "DELETE"] {
        let r = es(&sims, method, "/_inference/_ccm", None).await;
        assert_eq!(r.status, 404);
        assert_eq!(r.es_type(), "resource_not_found_exception");
        assert_eq!(r.es_reason(), "Inference endpoint not found [_ccm]");
    }
    let r = es(
        &sims,
        "PUT",
        "/_inference/_ccm",
        Some("{\"api_key\":\"k\"}"),
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.es_type(), "action_request_validation_exception");
}

#[tokio::test]
async fn eis_endpoints_appear_after_put() {
    let sims = start().await;
    sims.es().update_config(|c| c.endpoints_delay_ms = 3_000);
    let v = es(&sims, "GET", "/_inference/_all", None).await.json();
    let ids: Vec<&str> = v["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["inference_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![".elser-2-elasticsearch"]);
    let r = es(
        &sims,
        "GET",
        "/_inference/chat_completion/.rainbow-sprinkles-elastic",
        None,
    )
    .await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.es_reason(),
        "Inference endpoint not found [.rainbow-sprinkles-elastic]"
    );

    sims.es().allow_eis_key("essu_k");
    assert_eq!(
        es(
            &sims,
            "PUT",
            "/_inference/_ccm",
            Some("{\"api_key\":\"essu_k\"}")
        )
        .await
        .status,
        200
    );
    assert_eq!(
        es(&sims, "GET", "/_inference/.rainbow-sprinkles-elastic", None)
            .await
            .status,
        404
    );
    sims.advance_clock(Duration::from_secs(4));
    let r = es(
        &sims,
        "GET",
        "/_inference/chat_completion/.rainbow-sprinkles-elastic",
        None,
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json()["endpoints"][0],
        json!({"inference_id": ".rainbow-sprinkles-elastic", "task_type": "chat_completion", "service": "elastic", "service_settings": {"model_id": "rainbow-sprinkles"}})
    );
    let v = es(&sims, "GET", "/_inference/sparse_embedding/_all", None)
        .await
        .json();
    let services: Vec<&str> = v["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["service"].as_str().unwrap())
        .collect();
    assert_eq!(services, vec!["elasticsearch", "elastic"]);
    assert_eq!(
        es(&sims, "GET", "/_inference/_all", None).await.json()["endpoints"]
            .as_array()
            .unwrap()
            .len(),
        6
    );
    es(&sims, "DELETE", "/_inference/_ccm", None).await;
    assert_eq!(
        es(&sims, "GET", "/_inference/_all", None).await.json()["endpoints"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn documents_index_get_delete_with_shapes_and_counters() {
    let sims = start().await;
    let r = es(
        &sims,
        "PUT",
        &format!("{DOC_PATH}?refresh=wait_for&require_alias=true"),
        Some(&saved_object()),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        r.json(),
        json!({"_index": ".kibana_9.3.0_001", "_id": DOC_ID, "_version": 1, "result": "created",
               "_shards": {"total": 2, "successful": 1, "failed": 0}, "_seq_no": 0, "_primary_term": 1})
    );
    let r = es(
        &sims,
        "PUT",
        &format!("{DOC_PATH}?refresh=wait_for&require_alias=true"),
        Some(&saved_object()),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        (
            r.json()["result"].clone(),
            r.json()["_version"].clone(),
            r.json()["_seq_no"].clone()
        ),
        (json!("updated"), json!(2), json!(1))
    );
    // The raw ':' form addresses the same document.
    let r = es(&sims, "GET", &format!("/.kibana/_doc/{DOC_ID}"), None).await;
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["found"], true);
    assert_eq!(v["_seq_no"], 1);
    assert_eq!(v["_source"]["type"], "cloud-connect-api-key");
    // Another document shares the shard's sequence numbers.
    let r = es(
        &sims,
        "PUT",
        "/.kibana/_doc/config:9.3.0?require_alias=true",
        Some("{\"type\":\"config\"}"),
    )
    .await;
    assert_eq!(r.json()["_seq_no"], 2);
    assert_eq!(r.json()["_version"], 1);
    // Delete, then delete again.
    let r = es(
        &sims,
        "DELETE",
        &format!("{DOC_PATH}?refresh=wait_for"),
        None,
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["result"], "deleted");
    assert_eq!(r.json()["_version"], 3);
    let r = es(&sims, "DELETE", DOC_PATH, None).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["result"], "not_found");
    assert!(r.json().get("error").is_none());
    let r = es(&sims, "GET", DOC_PATH, None).await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.json(),
        json!({"_index": ".kibana_9.3.0_001", "_id": DOC_ID, "found": false})
    );
    // Primary term changes apply to new writes.
    sims.es().set_primary_term(2);
    let r = es(
        &sims,
        "PUT",
        "/.kibana/_create/x:1?require_alias=true",
        Some("{\"type\":\"config\"}"),
    )
    .await;
    assert_eq!(r.status, 201);
    assert_eq!(r.json()["_primary_term"], 2);
    assert_eq!(
        sims.es().document(".kibana", "x:1").unwrap()["_primary_term"],
        2
    );
    assert_eq!(
        es(&sims, "PUT", "/.kibana/_doc/y?refresh=bogus", Some("{}"))
            .await
            .status,
        400
    );
}

#[tokio::test]
async fn compare_and_set_conflicts_and_validation() {
    let sims = start().await;
    let body = saved_object();
    es(&sims, "PUT", DOC_PATH, Some(&body)).await;
    es(&sims, "PUT", DOC_PATH, Some(&body)).await; // seq 1
    let conflict = es(
        &sims,
        "PUT",
        &format!("{DOC_PATH}?if_seq_no=0&if_primary_term=1"),
        Some(&body),
    )
    .await;
    assert_eq!(conflict.status, 409);
    assert_eq!(conflict.es_type(), "version_conflict_engine_exception");
    assert_eq!(
        conflict.es_reason(),
        format!(
            "[{DOC_ID}]: version conflict, required seqNo [0], primary term [1]. current document has seqNo [1] and primary term [1]"
        )
    );
    let e = &conflict.json()["error"];
    assert_eq!(e["index"], ".kibana_9.3.0_001");
    assert_eq!(e["shard"], "0");
    assert!(e["index_uuid"].is_string());
    assert_eq!(
        e["root_cause"][0]["type"],
        "version_conflict_engine_exception"
    );
    assert_eq!(
        sims.es().document(".kibana", DOC_ID).unwrap()["_seq_no"],
        1,
        "no change on conflict"
    );

    let ok = es(
        &sims,
        "PUT",
        &format!("{DOC_PATH}?if_seq_no=1&if_primary_term=1"),
        Some(&body),
    )
    .await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.json()["_seq_no"], 2);

    let missing = es(
        &sims,
        "PUT",
        "/.kibana/_doc/none?if_seq_no=3&if_primary_term=1",
        Some("{}"),
    )
    .await;
    assert_eq!(missing.status, 409);
    assert_eq!(
        missing.es_reason(),
        "[none]: version conflict, required seqNo [3], primary term [1]. but no document was found"
    );
    let exists = es(
        &sims,
        "PUT",
        &format!("/.kibana/_create/{DOC_ID}"),
        Some(&body),
    )
    .await;
    assert_eq!(exists.status, 409);
    assert_eq!(
        exists.es_reason(),
        format!("[{DOC_ID}]: version conflict, document already exists (current version [3])")
    );
    let del = es(
        &sims,
        "DELETE",
        &format!("{DOC_PATH}?if_seq_no=0&if_primary_term=1"),
        None,
    )
    .await;
    assert_eq!(del.status, 409);

    for (path, reason) in [
        (
            "/.kibana/_create/a?if_seq_no=1&if_primary_term=1",
            "Validation Failed: 1: create operations do not support compare and set. use index instead;",
        ),
        (
            "/.kibana/_doc/a?op_type=create&if_seq_no=1&if_primary_term=1",
            "Validation Failed: 1: create operations do not support compare and set. use index instead;",
        ),
        (
            "/.kibana/_doc/a?if_seq_no=1",
            "Validation Failed: 1: ifSeqNo is set, but primary term is [0];",
        ),
        (
            "/.kibana/_doc/a?if_primary_term=1",
            "Validation Failed: 1: ifSeqNo is unassigned, but primary term is [1];",
        ),
    ] {
        let r = es(&sims, "PUT", path, Some("{}")).await;
        assert_eq!(r.status, 400, "{path}");
        assert_eq!(r.es_type(), "action_request_validation_exception");
        assert_eq!(r.es_reason(), reason);
    }
    let r = es(
        &sims,
        "PUT",
        "/.kibana/_doc/a?if_seq_no=-5&if_primary_term=1",
        Some("{}"),
    )
    .await;
    assert_eq!(
        (r.status, r.es_type()),
        (400, "illegal_argument_exception".into())
    );
    assert_eq!(
        r.es_reason(),
        "sequence numbers must be non negative. got [-5]."
    );
}

#[tokio::test]
async fn compare_and_set_is_atomic_under_concurrency() {
    let sims = start().await;
    es(&sims, "PUT", DOC_PATH, Some(&saved_object())).await;
    let url = format!("{}{DOC_PATH}?if_seq_no=0&if_primary_term=1", sims.es_url());
    let auth = sims.es_authorization();
    let mut tasks = Vec::new();
    for _ in 0..12 {
        let (url, auth, body) = (url.clone(), auth.clone(), saved_object());
        tasks.push(tokio::spawn(async move {
            send("PUT", &url, Some(&auth), &[], Some(&body))
                .await
                .status
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 11);
}

#[tokio::test]
async fn aliases_and_require_alias() {
    let sims = start().await;
    let r = es(
        &sims,
        "PUT",
        "/.kibana_9.3.0_001/_doc/x?require_alias=true",
        Some("{}"),
    )
    .await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.es_reason(),
        "no such index [.kibana_9.3.0_001] and [require_alias] request flag is [true] and [.kibana_9.3.0_001] is not an alias"
    );
    sims.es().set_kibana_present(false);
    let r = es(
        &sims,
        "PUT",
        &format!("{DOC_PATH}?require_alias=true"),
        Some(&saved_object()),
    )
    .await;
    assert_eq!(r.status, 404);
    assert_eq!(r.es_type(), "index_not_found_exception");
    assert_eq!(
        r.es_reason(),
        "no such index [.kibana] and [require_alias] request flag is [true] and [.kibana] is not an alias"
    );
    let r = es(&sims, "GET", DOC_PATH, None).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.es_reason(), "no such index [.kibana]");
    assert_eq!(
        es(&sims, "DELETE", DOC_PATH, None).await.es_reason(),
        "no such index [.kibana]"
    );
    // Without require_alias the write auto-creates a concrete index (what Kibana guards against).
    let r = es(&sims, "PUT", "/.kibana/_doc/x", Some("{}")).await;
    assert_eq!(r.status, 201);
    assert_eq!(r.json()["_index"], ".kibana");
}

#[tokio::test]
async fn strict_root_mapping_rejects_unknown_types() {
    let sims = start().await;
    let r = es(
        &sims,
        "PUT",
        "/.kibana/_doc/x?require_alias=true",
        Some("{\"type\":\"unknown-type\",\"unknown-type\":{}}"),
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.es_type(), "strict_dynamic_mapping_exception");
    assert_eq!(
        r.es_reason(),
        "mapping set to strict, dynamic introduction of [unknown-type] within [_doc] is not allowed"
    );
    // A pre-9.3 Kibana index does not know the cloud-connect-api-key type.
    sims.es().update_config(|c| {
        if let Some(fields) = c.kibana_root_fields.as_mut() {
            fields.retain(|f| f != "cloud-connect-api-key");
        }
    });
    let r = es(
        &sims,
        "PUT",
        &format!("{DOC_PATH}?require_alias=true"),
        Some(&saved_object()),
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(r.es_reason().contains("[cloud-connect-api-key]"));
}

#[tokio::test]
async fn superuser_reads_but_cannot_write_kibana_indices() {
    let sims = start().await;
    es(&sims, "PUT", DOC_PATH, Some(&saved_object())).await;
    let su = sims.es().credentials().superuser;
    let r = es_as(&sims, "GET", DOC_PATH, Some(&su), None).await;
    assert_eq!(r.status, 200);
    let r = es_as(
        &sims,
        "PUT",
        &format!("{DOC_PATH}?require_alias=true"),
        Some(&su),
        Some(&saved_object()),
    )
    .await;
    assert_eq!(r.status, 403);
    assert_eq!(r.es_type(), "security_exception");
    let reason = r.es_reason();
    assert!(reason.starts_with("action [indices:data/write/index] is unauthorized for user [elastic] with effective roles [superuser] on restricted indices ["), "{reason}");
    assert!(reason.ends_with(
        "this action is granted by the index privileges [create_doc,create,index,write,all]"
    ));
    assert_eq!(
        es_as(&sims, "DELETE", DOC_PATH, Some(&su), None)
            .await
            .status,
        403
    );
    // Superuser may write ordinary indices.
    assert_eq!(
        es_as(&sims, "PUT", "/plain/_doc/1", Some(&su), Some("{}"))
            .await
            .status,
        201
    );
    // A role on .kibana* without allow_restricted_indices is not enough.
    sims.es().add_user(EsUser {
        username: "half".into(),
        password: "pw".into(),
        roles: vec!["half".into()],
        cluster: vec![],
        indices: vec![IndexPrivilege {
            names: vec![".kibana*".into()],
            privileges: vec!["all".into()],
            allow_restricted_indices: false,
        }],
    });
    use base64::Engine;
    let half = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("half:pw")
    );
    assert_eq!(
        es_as(&sims, "GET", DOC_PATH, Some(&half), None)
            .await
            .status,
        403
    );
    // The Kibana service account token can write.
    let bearer = sims.es().credentials().kibana_bearer;
    assert_eq!(
        es_as(&sims, "PUT", DOC_PATH, Some(&bearer), Some(&saved_object()))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn system_index_access_without_origin_header_warns() {
    let sims = start().await;
    let url = format!("{}{DOC_PATH}", sims.es_url());
    let auth = sims.es_authorization();
    let r = send("PUT", &url, Some(&auth), &[], Some(&saved_object())).await;
    assert_eq!(r.status, 201);
    let warning = r.header("warning").unwrap();
    assert!(warning.starts_with("299 Elasticsearch-"));
    assert!(warning.contains("system indices"));
    let r = send(
        "PUT",
        &url,
        Some(&auth),
        &[("x-elastic-product-origin", "kibana")],
        Some(&saved_object()),
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(r.header("warning").is_none());
}

#[tokio::test]
async fn standalone_es_sim_accepts_allowed_keys_only() {
    let sim = EsSim::start(EsConfig::default()).await.unwrap();
    let url = format!("{}/_inference/_ccm", sim.url());
    let auth = sim.authorization();
    let r = send(
        "PUT",
        &url,
        Some(&auth),
        &[],
        Some("{\"api_key\":\"essu_a\"}"),
    )
    .await;
    assert_eq!(r.status, 401);
    sim.allow_eis_key("essu_a");
    let r = send(
        "PUT",
        &url,
        Some(&auth),
        &[],
        Some("{\"api_key\":\"essu_a\"}"),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(sim.ccm_key().as_deref(), Some("essu_a"));
    let log = sim.requests();
    let put = log
        .iter()
        .rev()
        .find(|r| r.route.as_deref() == Some("es.ccm_put"))
        .unwrap();
    assert_eq!(put.body["api_key"], "<redacted>");
    assert_eq!(
        put.headers.get("authorization").map(String::as_str),
        Some("Basic <redacted>")
    );
}
