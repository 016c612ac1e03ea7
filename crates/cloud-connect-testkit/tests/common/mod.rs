//! Helpers shared by the integration tests: raw `reqwest` calls against the simulators.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use cloud_connect_testkit::{SimConfig, Simulators};
use serde_json::{Value, json};

/// A raw HTTP answer.
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    }

    pub fn error_code(&self) -> String {
        self.json()["errors"][0]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub fn es_type(&self) -> String {
        self.json()["error"]["type"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub fn es_reason(&self) -> String {
        self.json()["error"]["reason"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

pub async fn start() -> Simulators {
    Simulators::start(SimConfig::default()).await.unwrap()
}

pub async fn start_with(config: SimConfig) -> Simulators {
    Simulators::start(config).await.unwrap()
}

thread_local! {
    // One client per test thread (each test has its own thread and runtime): building a client
    // loads the platform's TLS roots, which is slow.
    static CLIENT: reqwest::Client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .unwrap();
}

pub fn client() -> reqwest::Client {
    CLIENT.with(Clone::clone)
}

/// Sends a request; `auth` is the full `Authorization` value; `body` is sent raw.
pub async fn send(
    method: &str,
    url: &str,
    auth: Option<&str>,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Reply {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut req = client().request(method, url);
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    if let Some(b) = body {
        req = req
            .header("content-type", "application/json")
            .body(b.to_owned());
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap();
    Reply {
        status,
        headers,
        text,
    }
}

/// Cloud call with `Authorization: ApiKey <key>`; `path` is below `/api/v1`.
pub async fn cloud(
    sims: &Simulators,
    method: &str,
    path: &str,
    key: &str,
    body: Option<Value>,
) -> Reply {
    cloud_with(sims, method, path, key, &[], body).await
}

pub async fn cloud_with(
    sims: &Simulators,
    method: &str,
    path: &str,
    key: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> Reply {
    let url = format!("{}/api/v1{path}", sims.cloud_url());
    let auth = format!("ApiKey {key}");
    let body = body.map(|b| b.to_string());
    send(method, &url, Some(&auth), headers, body.as_deref()).await
}

pub fn create_body(uuid: &str) -> Value {
    json!({
        "name": "test-cluster",
        "self_managed_cluster": { "id": uuid, "name": "my-cluster", "version": "9.3.0" },
        "license": { "type": "enterprise", "uid": "lic-1" }
    })
}

/// Creates a cluster with the org key and a cluster key; returns (cluster id, cluster key).
pub async fn onboard(sims: &Simulators, uuid: &str) -> (String, String) {
    let r = cloud(
        sims,
        "POST",
        "/cloud-connected/clusters?create_api_key=true",
        &sims.org_api_key(),
        Some(create_body(uuid)),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let v = r.json();
    (
        v["id"].as_str().unwrap().to_owned(),
        v["key"].as_str().unwrap().to_owned(),
    )
}

/// Enables EIS with a PATCH; returns the EIS key.
pub async fn enable_eis(sims: &Simulators, id: &str, key: &str) -> String {
    let r = cloud(
        sims,
        "PATCH",
        &format!("/cloud-connected/clusters/{id}"),
        key,
        Some(json!({ "services": { "eis": { "enabled": true } } })),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json()["keys"]["eis"].as_str().unwrap().to_owned()
}

/// ES call with the seeded admin credentials unless `auth` is given.
pub async fn es(sims: &Simulators, method: &str, path: &str, body: Option<&str>) -> Reply {
    let auth = sims.es_authorization();
    es_as(sims, method, path, Some(&auth), body).await
}

pub async fn es_as(
    sims: &Simulators,
    method: &str,
    path: &str,
    auth: Option<&str>,
    body: Option<&str>,
) -> Reply {
    let url = format!("{}{path}", sims.es_url());
    send(
        method,
        &url,
        auth,
        &[("x-elastic-product-origin", "kibana")],
        body,
    )
    .await
}
