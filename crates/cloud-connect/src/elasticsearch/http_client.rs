//! The reqwest Elasticsearch client implementing [`InferenceConfigurator`] and [`LocalCluster`].

use async_trait::async_trait;
use reqwest::Method;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use serde_json::Value;
use url::Url;

use super::credentials::EsCredentials;
use super::error_body;
use super::traits::{InferenceConfigurator, LocalCluster};
use crate::error::{Error, ErrorCode, Result};
use crate::http::{HttpOptions, RawResponse, Transport};
use crate::model::{CcmState, LocalClusterInfo, LocalLicense};
use crate::secret::ApiKey;

/// Talks to the local Elasticsearch over HTTP(S).
#[derive(Debug, Clone)]
pub struct HttpElasticsearch {
    transport: Transport,
    base: Url,
    credentials: EsCredentials,
}

impl HttpElasticsearch {
    /// A client for `base_url` with the given credentials.
    pub fn new(base_url: &str, credentials: EsCredentials, options: HttpOptions) -> Result<Self> {
        let transport = Transport::new(options)?;
        let trimmed = base_url.trim().trim_end_matches('/');
        let base = Url::parse(&format!("{trimmed}/"))
            .map_err(|_| Error::invalid_input("invalid Elasticsearch URL"))?;
        transport.check_base_url(&base, "the Elasticsearch URL")?;
        Ok(HttpElasticsearch {
            transport,
            base,
            credentials,
        })
    }

    /// Sends one request; `Ok` carries any status, the caller decides what is an error.
    pub(crate) async fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        operation: &str,
    ) -> Result<RawResponse> {
        let url = self
            .base
            .join(path.trim_start_matches('/'))
            .map_err(|_| Error::internal("cannot build the request URL"))?;
        let auth = self.credentials.header_value()?;
        let idempotent = method == Method::GET;
        self.transport
            .send(method, url, idempotent, |mut rb| {
                rb = rb
                    .header(ACCEPT, "application/json")
                    .header("x-elastic-product-origin", "kibana");
                if let Some(a) = &auth {
                    rb = rb.header(AUTHORIZATION, a.clone());
                }
                if let Some(b) = &body {
                    rb = rb
                        .header(CONTENT_TYPE, "application/json")
                        .body(b.to_string());
                }
                rb
            })
            .await
            .map_err(|e| e.context(&format!("Elasticsearch: cannot {operation}")))
    }

    async fn json_ok(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        op: &str,
    ) -> Result<(RawResponse, Value)> {
        let r = self.request(method, path, body, op).await?;
        if !r.status.is_success() {
            return Err(error_body::from_status(r.status.as_u16(), &r.body, op));
        }
        let json = serde_json::from_slice(&r.body).map_err(|_| {
            Error::new(
                ErrorCode::ElasticsearchRejected,
                format!("Elasticsearch sent an answer that is not JSON while trying to {op}"),
            )
        })?;
        Ok((r, json))
    }
}

fn ccm_state(json: &Value) -> CcmState {
    if json.get("enabled").and_then(Value::as_bool) == Some(true) {
        CcmState::Enabled
    } else {
        CcmState::Disabled
    }
}

/// Pre-9.3 clusters treat `_ccm` as an inference endpoint id and answer 404
/// `resource_not_found_exception` (or a generic "no handler" error).
fn is_ccm_missing(r: &RawResponse) -> bool {
    let (t, _) = error_body::type_and_reason(&r.body);
    (r.status.as_u16() == 404 || r.status.as_u16() == 400 || r.status.as_u16() == 405)
        && matches!(
            t.as_deref(),
            Some("resource_not_found_exception") | Some("illegal_argument_exception") | None
        )
}

#[async_trait]
impl InferenceConfigurator for HttpElasticsearch {
    async fn put_ccm(&self, eis_key: &ApiKey) -> Result<()> {
        let body = serde_json::json!({ "api_key": eis_key.expose() });
        self.json_ok(
            Method::PUT,
            "_inference/_ccm",
            Some(body),
            "store the EIS key (PUT _inference/_ccm)",
        )
        .await
        .map(|_| ())
    }

    async fn delete_ccm(&self) -> Result<CcmState> {
        let op = "remove the EIS key (DELETE _inference/_ccm)";
        let r = self
            .request(Method::DELETE, "_inference/_ccm", None, op)
            .await?;
        if r.status.is_success() {
            return Ok(CcmState::Disabled);
        }
        if is_ccm_missing(&r) {
            return Ok(CcmState::Unsupported);
        }
        let e = error_body::from_status(r.status.as_u16(), &r.body, op);
        if e.code() == ErrorCode::CcmUnsupported {
            return Ok(CcmState::Unsupported);
        }
        Err(e)
    }

    async fn get_ccm(&self) -> Result<CcmState> {
        let op = "read the Cloud Connected Mode state (GET _inference/_ccm)";
        let r = self
            .request(Method::GET, "_inference/_ccm", None, op)
            .await?;
        if r.status.is_success() {
            let json: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
            return Ok(ccm_state(&json));
        }
        if is_ccm_missing(&r) {
            return Ok(CcmState::Unsupported);
        }
        let e = error_body::from_status(r.status.as_u16(), &r.body, op);
        if e.code() == ErrorCode::CcmUnsupported {
            return Ok(CcmState::Unsupported);
        }
        Err(e)
    }
}

#[async_trait]
impl LocalCluster for HttpElasticsearch {
    async fn cluster_info(&self) -> Result<LocalClusterInfo> {
        let op = "read the cluster information (GET /)";
        let (r, json) = self.json_ok(Method::GET, "", None, op).await?;
        let product = r
            .headers
            .get("x-elastic-product")
            .and_then(|v| v.to_str().ok());
        if product != Some("Elasticsearch") {
            return Err(Error::new(
                ErrorCode::ElasticsearchRejected,
                "the server at the Elasticsearch URL is not Elasticsearch (no X-elastic-product header)",
            ));
        }
        LocalClusterInfo::from_root_response(&json)
    }

    async fn license(&self) -> Result<Option<LocalLicense>> {
        let op = "read the license (GET /_license)";
        let (_, json) = self.json_ok(Method::GET, "_license", None, op).await?;
        Ok(LocalLicense::from_license_response(&json))
    }
}
