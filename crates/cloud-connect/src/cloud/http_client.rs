//! The reqwest implementation of [`CloudApi`].

use async_trait::async_trait;
use reqwest::Method;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, ETAG, HeaderValue, IF_MATCH};
use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;

use super::api::{CloudApi, CreatedCluster, ETag, PatchedCluster, TaggedCluster, TermsAcceptance};
use super::error_body;
use crate::error::{Error, ErrorCode, Result};
use crate::http::{HttpOptions, RawResponse, Transport};
use crate::model::{
    Cluster, ClusterPatch, CreateCluster, SaasUser, SaasUserResponse, Service, SubscriptionState,
    validate_cluster_id, validate_organization_id,
};
use crate::secret::ApiKey;

/// The production Cloud Connected API origin.
pub const DEFAULT_CLOUD_URL: &str = "https://api.elastic-cloud.com";

/// Talks to the Elastic Cloud Connected API over HTTPS.
#[derive(Debug, Clone)]
pub struct HttpCloudApi {
    transport: Transport,
    /// `<origin>/api/v1/` with a trailing slash, ready for joining.
    api_base: Url,
}

impl HttpCloudApi {
    /// A client for `base_url` (an origin such as `https://api.elastic-cloud.com`, optionally with a
    /// path prefix; trailing slashes and a trailing `/api/v1` are stripped).
    pub fn new(base_url: &str, options: HttpOptions) -> Result<Self> {
        let transport = Transport::new(options)?;
        let api_base = normalize_base(base_url)?;
        transport.check_base_url(&api_base, "the Cloud URL")?;
        Ok(HttpCloudApi {
            transport,
            api_base,
        })
    }

    /// The URL every operation path is joined to (`<origin>/api/v1/`).
    pub fn api_base(&self) -> &Url {
        &self.api_base
    }

    fn url(&self, path: &str) -> Result<Url> {
        self.api_base
            .join(path)
            .map_err(|_| Error::internal("cannot build the request URL"))
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        key: &ApiKey,
        body: Option<Value>,
        if_match: Option<&ETag>,
        operation: &str,
    ) -> Result<RawResponse> {
        let url = self.url(path)?;
        let idempotent = method == Method::GET;
        let mut auth = HeaderValue::from_str(&format!("ApiKey {}", key.expose()))
            .map_err(|_| Error::invalid_input("the API key cannot be sent in an HTTP header"))?;
        auth.set_sensitive(true);
        let if_match = match if_match {
            Some(t) => Some(HeaderValue::from_str(&t.0).map_err(|_| {
                Error::new(ErrorCode::CloudProtocol, "the Cloud sent an unusable ETag")
            })?),
            None => None,
        };
        let response = self
            .transport
            .send(method, url, idempotent, |mut rb| {
                rb = rb
                    .header(AUTHORIZATION, auth.clone())
                    .header(ACCEPT, "application/json");
                if let Some(tag) = &if_match {
                    rb = rb.header(IF_MATCH, tag.clone());
                }
                if let Some(b) = &body {
                    rb = rb
                        .header(CONTENT_TYPE, "application/json")
                        .body(b.to_string());
                }
                rb
            })
            .await
            .map_err(|e| e.context(&format!("Elastic Cloud: cannot {operation}")))?;
        if !response.status.is_success() {
            return Err(error_body::from_status(
                response.status.as_u16(),
                &response.body,
                operation,
            ));
        }
        Ok(response)
    }
}

fn normalize_base(base: &str) -> Result<Url> {
    let trimmed = base.trim().trim_end_matches('/');
    let trimmed = trimmed.strip_suffix("/api/v1").unwrap_or(trimmed);
    let trimmed = trimmed.trim_end_matches('/');
    let url = Url::parse(&format!("{trimmed}/api/v1/"))
        .map_err(|_| Error::invalid_input("invalid Cloud URL"))?;
    if url.host().is_none() {
        return Err(Error::invalid_input("invalid Cloud URL: no host"));
    }
    Ok(url)
}

fn parse_json<T: DeserializeOwned>(body: &[u8], operation: &str) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| {
        Error::new(
            ErrorCode::CloudProtocol,
            format!(
                "Elastic Cloud sent an answer that cannot be read while trying to {operation}: {}",
                e.classify_description()
            ),
        )
    })
}

trait ClassifyDescription {
    fn classify_description(&self) -> &'static str;
}

impl ClassifyDescription for serde_json::Error {
    fn classify_description(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "I/O error",
            serde_json::error::Category::Syntax => "malformed JSON",
            serde_json::error::Category::Data => "unexpected JSON shape",
            serde_json::error::Category::Eof => "truncated JSON",
        }
    }
}

fn etag_of(r: &RawResponse) -> Option<ETag> {
    r.headers
        .get(ETAG)
        .and_then(|v| v.to_str().ok())
        .map(|s| ETag(s.to_owned()))
}

/// Parses a cluster reply, taking `key` and `keys` out so they never travel with the cluster.
fn parse_cluster(
    r: &RawResponse,
    operation: &str,
) -> Result<(TaggedCluster, Option<Value>, Option<Value>)> {
    let mut json: Value = parse_json(&r.body, operation)?;
    let (key, keys) = match json.as_object_mut() {
        Some(obj) => (obj.remove("key"), obj.remove("keys")),
        None => (None, None),
    };
    let cluster: Cluster = parse_json(json.to_string().as_bytes(), operation)?;
    Ok((
        TaggedCluster {
            cluster,
            etag: etag_of(r),
        },
        key,
        keys,
    ))
}

fn key_from(value: Option<&Value>, what: &str) -> Result<Option<ApiKey>> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => ApiKey::new(s.clone()).map(Some).map_err(|_| {
            Error::new(
                ErrorCode::CloudProtocol,
                format!("Elastic Cloud returned an empty or malformed {what}"),
            )
        }),
        Some(_) => Err(Error::new(
            ErrorCode::CloudProtocol,
            format!("Elastic Cloud returned a {what} that is not a string"),
        )),
    }
}

#[async_trait]
impl CloudApi for HttpCloudApi {
    async fn get_user(&self, key: &ApiKey) -> Result<SaasUser> {
        let op = "read the API key's user";
        let r = self
            .call(
                Method::GET,
                "saas/user?show_role_assignments=true",
                key,
                None,
                None,
                op,
            )
            .await?;
        Ok(parse_json::<SaasUserResponse>(&r.body, op)?.user)
    }

    async fn list_clusters(&self, key: &ApiKey) -> Result<Vec<Cluster>> {
        #[derive(serde::Deserialize)]
        struct Items {
            items: Vec<Cluster>,
        }
        let op = "list clusters";
        let r = self
            .call(Method::GET, "cloud-connected/clusters", key, None, None, op)
            .await?;
        Ok(parse_json::<Items>(&r.body, op)?.items)
    }

    async fn create_cluster(
        &self,
        key: &ApiKey,
        body: &CreateCluster,
        create_api_key: bool,
    ) -> Result<CreatedCluster> {
        if body.name.as_ref().is_some_and(|n| n.chars().count() > 255) {
            return Err(Error::invalid_input(
                "cluster name longer than 255 characters",
            ));
        }
        if !body.license.license_type.is_known() {
            return Err(Error::invalid_input(
                "the local license type is not one Elastic Cloud accepts",
            ));
        }
        let op = "onboard the cluster";
        let path = if create_api_key {
            "cloud-connected/clusters?create_api_key=true"
        } else {
            "cloud-connected/clusters"
        };
        let json = serde_json::to_value(body).map_err(|e| Error::internal(e.to_string()))?;
        let r = self
            .call(Method::POST, path, key, Some(json), None, op)
            .await?;
        let created = r.status.as_u16() == 201;
        let (cluster, minted, _) = parse_cluster(&r, op)?;
        let minted = key_from(minted.as_ref(), "cluster key")?;
        if create_api_key && minted.is_none() {
            return Err(Error::new(
                ErrorCode::CloudProtocol,
                "Elastic Cloud onboarded the cluster but returned no cluster key",
            ));
        }
        Ok(CreatedCluster {
            cluster,
            created,
            key: minted,
        })
    }

    async fn get_cluster(&self, key: &ApiKey, cluster_id: &str) -> Result<TaggedCluster> {
        validate_cluster_id(cluster_id)?;
        let op = "read the cluster";
        let r = self
            .call(
                Method::GET,
                &format!("cloud-connected/clusters/{cluster_id}"),
                key,
                None,
                None,
                op,
            )
            .await?;
        Ok(parse_cluster(&r, op)?.0)
    }

    async fn patch_cluster(
        &self,
        key: &ApiKey,
        cluster_id: &str,
        patch: &ClusterPatch,
        if_match: Option<&ETag>,
    ) -> Result<PatchedCluster> {
        validate_cluster_id(cluster_id)?;
        if patch.name.as_ref().is_some_and(|n| n.chars().count() > 255) {
            return Err(Error::invalid_input(
                "cluster name longer than 255 characters",
            ));
        }
        if patch
            .license
            .as_ref()
            .is_some_and(|l| !l.license_type.is_known())
        {
            return Err(Error::invalid_input(
                "the license type is not one Elastic Cloud accepts",
            ));
        }
        let op = "update the cluster";
        let json = serde_json::to_value(patch).map_err(|e| Error::internal(e.to_string()))?;
        let r = self
            .call(
                Method::PATCH,
                &format!("cloud-connected/clusters/{cluster_id}"),
                key,
                Some(json),
                if_match,
                op,
            )
            .await?;
        let (cluster, _, keys) = parse_cluster(&r, op)?;
        let eis_key = key_from(keys.as_ref().and_then(|k| k.get("eis")), "EIS key")?;
        Ok(PatchedCluster { cluster, eis_key })
    }

    async fn delete_cluster(
        &self,
        key: &ApiKey,
        cluster_id: &str,
        if_match: Option<&ETag>,
    ) -> Result<Option<ETag>> {
        validate_cluster_id(cluster_id)?;
        let r = self
            .call(
                Method::DELETE,
                &format!("cloud-connected/clusters/{cluster_id}"),
                key,
                None,
                if_match,
                "disconnect the cluster",
            )
            .await?;
        Ok(etag_of(&r))
    }

    async fn get_subscription(
        &self,
        key: &ApiKey,
        organization_id: &str,
    ) -> Result<SubscriptionState> {
        #[derive(serde::Deserialize)]
        struct Sub {
            state: SubscriptionState,
        }
        validate_organization_id(organization_id)?;
        let op = "read the subscription";
        let r = self
            .call(
                Method::GET,
                &format!("cloud-connected/organizations/{organization_id}/subscription"),
                key,
                None,
                None,
                op,
            )
            .await?;
        Ok(parse_json::<Sub>(&r.body, op)?.state)
    }

    async fn get_terms(&self, key: &ApiKey, organization_id: &str) -> Result<TermsAcceptance> {
        validate_organization_id(organization_id)?;
        let op = "read the terms and conditions";
        let r = self
            .call(
                Method::GET,
                &format!("cloud-connected/organizations/{organization_id}/terms-and-conditions"),
                key,
                None,
                None,
                op,
            )
            .await?;
        parse_json(&r.body, op)
    }

    async fn accept_terms(&self, key: &ApiKey, organization_id: &str) -> Result<TermsAcceptance> {
        validate_organization_id(organization_id)?;
        let op = "accept the terms and conditions";
        let r = self
            .call(
                Method::POST,
                &format!(
                    "cloud-connected/organizations/{organization_id}/terms-and-conditions/_accept"
                ),
                key,
                Some(Value::Object(Default::default())),
                None,
                op,
            )
            .await?;
        parse_json(&r.body, op)
    }

    async fn rotate_cluster_key(
        &self,
        key: &ApiKey,
        cluster_id: &str,
        if_match: Option<&ETag>,
    ) -> Result<ApiKey> {
        validate_cluster_id(cluster_id)?;
        self.rotate(
            key,
            &format!("cloud-connected/clusters/{cluster_id}/apikey/_rotate"),
            if_match,
            "rotate the cluster key",
        )
        .await
    }

    async fn rotate_service_key(
        &self,
        key: &ApiKey,
        cluster_id: &str,
        service: Service,
        if_match: Option<&ETag>,
    ) -> Result<ApiKey> {
        validate_cluster_id(cluster_id)?;
        let path = format!(
            "cloud-connected/clusters/{cluster_id}/apikey/{}/_rotate",
            service_segment(service)?
        );
        self.rotate(key, &path, if_match, "rotate the service key")
            .await
    }

    async fn revoke_pending_cluster_keys(
        &self,
        key: &ApiKey,
        cluster_id: &str,
        if_match: Option<&ETag>,
    ) -> Result<()> {
        validate_cluster_id(cluster_id)?;
        self.call(
            Method::POST,
            &format!("cloud-connected/clusters/{cluster_id}/apikey/_revoke-pending"),
            key,
            Some(Value::Object(Default::default())),
            if_match,
            "revoke the previous cluster keys",
        )
        .await
        .map(|_| ())
    }

    async fn revoke_pending_service_keys(
        &self,
        key: &ApiKey,
        cluster_id: &str,
        service: Service,
        if_match: Option<&ETag>,
    ) -> Result<()> {
        validate_cluster_id(cluster_id)?;
        self.call(
            Method::POST,
            &format!(
                "cloud-connected/clusters/{cluster_id}/apikey/{}/_revoke-pending",
                service_segment(service)?
            ),
            key,
            Some(Value::Object(Default::default())),
            if_match,
            "revoke the previous service keys",
        )
        .await
        .map(|_| ())
    }
}

impl HttpCloudApi {
    async fn rotate(
        &self,
        key: &ApiKey,
        path: &str,
        if_match: Option<&ETag>,
        op: &str,
    ) -> Result<ApiKey> {
        #[derive(serde::Deserialize)]
        struct KeyReply {
            key: Option<Value>,
        }
        let r = self
            .call(
                Method::POST,
                path,
                key,
                Some(Value::Object(Default::default())),
                if_match,
                op,
            )
            .await?;
        let reply: KeyReply = parse_json(&r.body, op)?;
        key_from(reply.key.as_ref(), "rotated key")?.ok_or_else(|| {
            Error::new(
                ErrorCode::CloudProtocol,
                "Elastic Cloud rotated the key but returned none",
            )
        })
    }
}

/// Only `eis` has service keys in the API.
fn service_segment(service: Service) -> Result<&'static str> {
    match service {
        Service::Eis => Ok("eis"),
        Service::AutoOps => Err(Error::invalid_input(
            "only the \"eis\" service has its own API key",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::normalize_base;

    #[test]
    fn base_url_is_normalized() {
        for (input, want) in [
            (
                "https://api.elastic-cloud.com",
                "https://api.elastic-cloud.com/api/v1/",
            ),
            (
                "https://api.elastic-cloud.com/",
                "https://api.elastic-cloud.com/api/v1/",
            ),
            (
                "https://cloud.elastic.co/api/v1",
                "https://cloud.elastic.co/api/v1/",
            ),
            (
                "https://cloud.elastic.co/api/v1/",
                "https://cloud.elastic.co/api/v1/",
            ),
            (
                "http://127.0.0.1:9/prefix//",
                "http://127.0.0.1:9/prefix/api/v1/",
            ),
        ] {
            assert_eq!(
                normalize_base(input).map(|u| u.to_string()).ok().as_deref(),
                Some(want),
                "{input}"
            );
        }
        assert!(normalize_base("not a url").is_err());
    }
}
