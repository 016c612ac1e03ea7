//! The HTTP clients against a raw loopback listener that records every request: method, path,
//! query, headers and JSON bodies exactly as `spec/cloud-api.md` and `spec/elasticsearch.md` say.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use cloud_connect::cloud::{CloudApi, ETag, HttpCloudApi};
use cloud_connect::elasticsearch::{
    EsCredentials, HttpElasticsearch, InferenceConfigurator, LocalCluster,
};
use cloud_connect::http::HttpOptions;
use cloud_connect::model::{ClusterPatch, CreateCluster, License, LicenseType, SelfManagedCluster};
use cloud_connect::{ApiKey, ErrorCode, Service};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[derive(Debug, Clone)]
struct Recorded {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Recorded {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("request body is JSON")
    }
}

/// A canned reply: status, extra headers, body. `None` body with `hang` never answers.
#[derive(Clone)]
struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: String,
    hang: bool,
}

fn reply(status: u16, body: &str) -> Reply {
    Reply {
        status,
        headers: vec![("content-type", "application/json".into())],
        body: body.into(),
        hang: false,
    }
}

struct Recorder {
    url: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

/// Serves `replies` in order (the last one repeats) and records requests.
async fn recorder(replies: Vec<Reply>) -> Recorder {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(Mutex::new(Vec::new()));
    let reqs = requests.clone();
    tokio::spawn(async move {
        let mut n = 0usize;
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let r = replies[n.min(replies.len() - 1)].clone();
            n += 1;
            let reqs = reqs.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut tmp = [0u8; 4096];
                let head_end = loop {
                    let k = sock.read(&mut tmp).await.unwrap_or(0);
                    if k == 0 {
                        return;
                    }
                    buf.extend_from_slice(&tmp[..k]);
                    if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        break p + 4;
                    }
                };
                let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
                let mut lines = head.split("\r\n");
                let first: Vec<&str> = lines.next().unwrap().split(' ').collect();
                let headers: Vec<(String, String)> = lines
                    .filter(|l| !l.is_empty())
                    .filter_map(|l| {
                        l.split_once(':')
                            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                    })
                    .collect();
                let len: usize = headers
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                    .map(|(_, v)| v.parse().unwrap())
                    .unwrap_or(0);
                while buf.len() < head_end + len {
                    let k = sock.read(&mut tmp).await.unwrap_or(0);
                    if k == 0 {
                        break;
                    }
                    buf.extend_from_slice(&tmp[..k]);
                }
                reqs.lock().unwrap().push(Recorded {
                    method: first[0].to_owned(),
                    target: first[1].to_owned(),
                    headers,
                    body: buf[head_end..].to_vec(),
                });
                if r.hang {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                    return;
                }
                let mut out = format!(
                    "HTTP/1.1 {} X\r\ncontent-length: {}\r\nconnection: close\r\n",
                    r.status,
                    r.body.len()
                );
                for (k, v) in &r.headers {
                    out.push_str(&format!("{k}: {v}\r\n"));
                }
                out.push_str("\r\n");
                out.push_str(&r.body);
                let _ = sock.write_all(out.as_bytes()).await;
            });
        }
    });
    Recorder { url, requests }
}

impl Recorder {
    fn last(&self) -> Recorded {
        self.requests
            .lock()
            .unwrap()
            .last()
            .cloned()
            .expect("a request was recorded")
    }
    fn count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }
}

fn key() -> ApiKey {
    ApiKey::new("essu_wire_test_key").unwrap()
}

fn fast() -> HttpOptions {
    HttpOptions {
        request_timeout: Duration::from_millis(400),
        initial_backoff: Duration::from_millis(10),
        ..Default::default()
    }
}

const ID: &str = "4f1c2a9e0b7d4c3e8a6f5b2d1e0c9a87";

fn cluster_json(extra: Value) -> String {
    let mut c = json!({
        "id": ID, "name": "c1",
        "metadata": {"created_at": "2026-05-04T09:42:00Z", "created_by": "1", "organization_id": "198583657190"},
        "self_managed_cluster": {"id": "uuid-1", "name": "c1", "version": "9.3.0"},
        "license": {"type": "enterprise", "uid": "u1"},
        "services": {"auto_ops": {"enabled": false, "support": {"supported": true}, "future": 1}, "eis": {"enabled": true}}
    });
    for (k, v) in extra.as_object().unwrap() {
        c[k] = v.clone();
    }
    c.to_string()
}

#[tokio::test]
async fn get_user_sends_documented_headers() {
    let r = recorder(vec![reply(
        200,
        r#"{"user":{"user_id":1,"organization_id":"1","role_assignments":{}}}"#,
    )])
    .await;
    let api = HttpCloudApi::new(&format!("{}/", r.url), fast()).unwrap();
    api.get_user(&key()).await.unwrap();
    let req = r.last();
    assert_eq!(req.method, "GET");
    assert_eq!(req.target, "/api/v1/saas/user?show_role_assignments=true");
    assert_eq!(
        req.header("authorization"),
        Some("ApiKey essu_wire_test_key")
    );
    assert_eq!(req.header("accept"), Some("application/json"));
    assert_eq!(req.header("content-type"), None, "no body, no content type");
    assert!(req.body.is_empty());
}

#[tokio::test]
async fn create_cluster_body_query_and_status() {
    let r = recorder(vec![Reply {
        headers: vec![
            ("content-type", "application/json".into()),
            ("etag", "\"v1\"".into()),
        ],
        ..reply(201, &cluster_json(json!({"key": "essu_minted"})))
    }])
    .await;
    // A base copied from Kibana's computed cloudApiUrl also works.
    let api = HttpCloudApi::new(&format!("{}/api/v1", r.url), fast()).unwrap();
    let body = CreateCluster {
        name: None,
        self_managed_cluster: SelfManagedCluster {
            id: "uuid-1".into(),
            name: "c1".into(),
            version: "9.3.0".into(),
        },
        license: License {
            license_type: LicenseType::Enterprise,
            uid: "u1".into(),
        },
    };
    let created = api.create_cluster(&key(), &body, true).await.unwrap();
    assert!(created.created);
    assert_eq!(created.key.unwrap().expose(), "essu_minted");
    assert_eq!(created.cluster.etag, Some(ETag("\"v1\"".into())));
    // Unknown fields of a service object are kept.
    assert_eq!(
        created
            .cluster
            .cluster
            .services
            .auto_ops
            .as_ref()
            .unwrap()
            .extra["future"],
        json!(1)
    );
    let req = r.last();
    assert_eq!(
        (req.method.as_str(), req.target.as_str()),
        (
            "POST",
            "/api/v1/cloud-connected/clusters?create_api_key=true"
        )
    );
    assert_eq!(req.header("content-type"), Some("application/json"));
    assert_eq!(
        req.json(),
        json!({"self_managed_cluster": {"id": "uuid-1", "name": "c1", "version": "9.3.0"}, "license": {"type": "enterprise", "uid": "u1"}})
    );
    // Without key creation the query is omitted.
    api.create_cluster(&key(), &body, false).await.unwrap();
    assert_eq!(r.last().target, "/api/v1/cloud-connected/clusters");
}

#[tokio::test]
async fn create_without_requested_key_fails_loudly() {
    let r = recorder(vec![reply(200, &cluster_json(json!({})))]).await;
    let api = HttpCloudApi::new(&r.url, fast()).unwrap();
    let body = CreateCluster {
        name: None,
        self_managed_cluster: SelfManagedCluster {
            id: "u".into(),
            name: "n".into(),
            version: "9.3.0".into(),
        },
        license: License {
            license_type: LicenseType::Trial,
            uid: "u".into(),
        },
    };
    let e = api.create_cluster(&key(), &body, true).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::CloudProtocol);
    let r2 = recorder(vec![reply(200, &cluster_json(json!({"key": ""})))]).await;
    let api2 = HttpCloudApi::new(&r2.url, fast()).unwrap();
    assert_eq!(
        api2.create_cluster(&key(), &body, true)
            .await
            .unwrap_err()
            .code(),
        ErrorCode::CloudProtocol,
        "an empty key is never accepted"
    );
}

#[tokio::test]
async fn patch_sends_if_match_and_only_documented_fields() {
    let r = recorder(vec![Reply {
        headers: vec![
            ("content-type", "application/json".into()),
            ("etag", "\"v9\"".into()),
        ],
        ..reply(200, &cluster_json(json!({"keys": {"eis": "essu_eis_key"}})))
    }])
    .await;
    let api = HttpCloudApi::new(&r.url, fast()).unwrap();
    let patch = ClusterPatch::services(&[(Service::Eis, true)].into_iter().collect());
    let out = api
        .patch_cluster(&key(), ID, &patch, Some(&ETag("W/\"abc\"".into())))
        .await
        .unwrap();
    assert_eq!(out.eis_key.unwrap().expose(), "essu_eis_key");
    assert!(
        !out.cluster.cluster.extra.contains_key("keys"),
        "keys never travel with the cluster"
    );
    let req = r.last();
    assert_eq!(
        (req.method.as_str(), req.target.as_str()),
        ("PATCH", &*format!("/api/v1/cloud-connected/clusters/{ID}"))
    );
    assert_eq!(req.header("if-match"), Some("W/\"abc\""));
    assert_eq!(req.json(), json!({"services": {"eis": {"enabled": true}}}));
}

#[tokio::test]
async fn rotate_and_revoke_send_empty_object_and_accept_empty_replies() {
    let r = recorder(vec![
        reply(200, r#"{"key":"essu_new"}"#),
        Reply {
            headers: vec![],
            ..reply(200, "")
        },
    ])
    .await;
    let api = HttpCloudApi::new(&r.url, fast()).unwrap();
    let k = api
        .rotate_service_key(&key(), ID, Service::Eis, None)
        .await
        .unwrap();
    assert_eq!(k.expose(), "essu_new");
    let req = r.last();
    assert_eq!(
        req.target,
        format!("/api/v1/cloud-connected/clusters/{ID}/apikey/eis/_rotate")
    );
    assert_eq!(req.json(), json!({}));
    assert_eq!(req.header("content-type"), Some("application/json"));
    api.revoke_pending_cluster_keys(&key(), ID, None)
        .await
        .unwrap();
    assert_eq!(
        r.last().target,
        format!("/api/v1/cloud-connected/clusters/{ID}/apikey/_revoke-pending")
    );
    api.delete_cluster(&key(), ID, None).await.unwrap();
    assert_eq!(r.last().method, "DELETE");
}

#[tokio::test]
async fn ids_are_validated_before_sending() {
    let r = recorder(vec![reply(200, "{}")]).await;
    let api = HttpCloudApi::new(&r.url, fast()).unwrap();
    for bad in ["", "UPPERCASE0000000000000000000000000", "../../etc", "abc"] {
        assert_eq!(
            api.get_cluster(&key(), bad).await.unwrap_err().code(),
            ErrorCode::InvalidInput
        );
    }
    assert_eq!(
        api.get_subscription(&key(), "Org!")
            .await
            .unwrap_err()
            .code(),
        ErrorCode::InvalidInput
    );
    assert_eq!(r.count(), 0, "nothing was sent");
}

#[tokio::test]
async fn error_bodies_become_typed_errors() {
    let r = recorder(vec![
        reply(
            401,
            r#"{"errors":[{"code":"auth.unauthorized","message":"nope"}]}"#,
        ),
        Reply {
            headers: vec![("content-type", "text/html".into())],
            ..reply(502, "<html>bad gateway</html>")
        },
        reply(200, "{not json"),
        reply(
            409,
            r#"{"errors":[{"code":"clusters.patch_cluster.invalid_state","message":"busy"}]}"#,
        ),
    ])
    .await;
    let api = HttpCloudApi::new(
        &r.url,
        HttpOptions {
            max_attempts: 1,
            ..fast()
        },
    )
    .unwrap();
    let e = api.get_cluster(&key(), ID).await.unwrap_err();
    assert_eq!(
        (e.code(), e.http_status(), e.cloud_code()),
        (
            ErrorCode::InvalidApiKey,
            Some(401),
            Some("auth.unauthorized")
        )
    );
    let e = api.get_cluster(&key(), ID).await.unwrap_err();
    assert_eq!(
        (e.code(), e.http_status()),
        (ErrorCode::CloudUnavailable, Some(502))
    );
    assert!(e.message().contains("bad gateway"), "{e}");
    let e = api.get_cluster(&key(), ID).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::CloudProtocol);
    let e = api
        .patch_cluster(&key(), ID, &ClusterPatch::default(), None)
        .await
        .unwrap_err();
    assert_eq!((e.code(), e.retryable()), (ErrorCode::Conflict, true));
    assert!(e.message().contains("still completing an operation"));
}

#[tokio::test]
async fn get_is_retried_but_rotate_is_not() {
    let r = recorder(vec![reply(503, "{}"), reply(200, r#"{"state":"trial"}"#)]).await;
    let api = HttpCloudApi::new(&r.url, fast()).unwrap();
    api.get_subscription(&key(), "198583657190").await.unwrap();
    assert_eq!(r.count(), 2, "GET retried once after 503");
    let r = recorder(vec![reply(503, "{}"), reply(200, r#"{"key":"k"}"#)]).await;
    let api = HttpCloudApi::new(&r.url, fast()).unwrap();
    assert_eq!(
        api.rotate_cluster_key(&key(), ID, None)
            .await
            .unwrap_err()
            .code(),
        ErrorCode::CloudUnavailable
    );
    assert_eq!(r.count(), 1, "rotate is never retried");
}

#[tokio::test]
async fn timeout_is_its_own_kind() {
    let r = recorder(vec![Reply {
        hang: true,
        ..reply(200, "")
    }])
    .await;
    let api = HttpCloudApi::new(
        &r.url,
        HttpOptions {
            max_attempts: 1,
            ..fast()
        },
    )
    .unwrap();
    let e = api.get_cluster(&key(), ID).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Timeout);
    assert!(e.retryable());
}

#[tokio::test]
async fn https_is_required_except_loopback() {
    assert_eq!(
        HttpCloudApi::new("http://cloud.example.com", fast())
            .unwrap_err()
            .code(),
        ErrorCode::InvalidInput
    );
    assert!(
        HttpCloudApi::new(
            "http://cloud.example.com",
            HttpOptions {
                allow_insecure_http: true,
                ..fast()
            }
        )
        .is_ok()
    );
    assert!(HttpCloudApi::new("https://api.elastic-cloud.com", fast()).is_ok());
    assert_eq!(
        HttpCloudApi::new("https://x.example.com/?q=1", fast())
            .unwrap_err()
            .code(),
        ErrorCode::InvalidInput
    );
}

#[tokio::test]
async fn elasticsearch_ccm_requests() {
    let r = recorder(vec![Reply {
        headers: vec![
            ("content-type", "application/json".into()),
            ("x-elastic-product", "Elasticsearch".into()),
        ],
        ..reply(200, r#"{"enabled":true}"#)
    }])
    .await;
    let es = HttpElasticsearch::new(
        &r.url,
        EsCredentials::Header("Basic dTpw".to_owned().into()),
        fast(),
    )
    .unwrap();
    es.put_ccm(&ApiKey::new("essu_eis").unwrap()).await.unwrap();
    let req = r.last();
    assert_eq!(
        (req.method.as_str(), req.target.as_str()),
        ("PUT", "/_inference/_ccm")
    );
    assert_eq!(req.json(), json!({"api_key": "essu_eis"}));
    assert_eq!(req.header("authorization"), Some("Basic dTpw"));
    assert_eq!(req.header("content-type"), Some("application/json"));
    es.delete_ccm().await.unwrap();
    assert_eq!(r.last().method, "DELETE");
}

#[tokio::test]
async fn elasticsearch_errors_are_classified_by_type() {
    let eis_401 = r#"{"error":{"root_cause":[{"type":"status_exception","reason":"Failed to validate the Cloud Connected Mode API key"}],"type":"status_exception","reason":"Failed to validate the Cloud Connected Mode API key"},"status":401}"#;
    let sec_401 = r#"{"error":{"type":"security_exception","reason":"unable to authenticate user [x] for REST request [/_inference/_ccm]"},"status":401}"#;
    let r = recorder(vec![reply(401, eis_401), reply(401, sec_401)]).await;
    let es = HttpElasticsearch::new(&r.url, EsCredentials::None, fast()).unwrap();
    let k = ApiKey::new("essu_eis").unwrap();
    assert_eq!(
        es.put_ccm(&k).await.unwrap_err().code(),
        ErrorCode::EisKeyRejected
    );
    let e = es.put_ccm(&k).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::ElasticsearchRejected);
    assert!(e.message().contains("credentials"));
}

#[tokio::test]
async fn product_check_on_get_root() {
    let r = recorder(vec![reply(
        200,
        r#"{"cluster_uuid":"u","cluster_name":"n","version":{"number":"9.3.0"}}"#,
    )])
    .await;
    let es = HttpElasticsearch::new(&r.url, EsCredentials::None, fast()).unwrap();
    let e = es.cluster_info().await.unwrap_err();
    assert!(e.message().contains("not Elasticsearch"), "{e}");
}
