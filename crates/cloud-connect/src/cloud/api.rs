//! The `CloudApi` seam: every operation of the Cloud Connected API (`spec/cloud-api.md` §2).

use async_trait::async_trait;

use crate::error::Result;
use crate::model::{Cluster, ClusterPatch, CreateCluster, SaasUser, Service, SubscriptionState};
use crate::secret::ApiKey;

/// An opaque ETag, echoed byte for byte in `If-Match`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ETag(pub String);

/// A cluster with the ETag of the reply that carried it.
#[derive(Debug, Clone, PartialEq)]
pub struct TaggedCluster {
    /// The cluster.
    pub cluster: Cluster,
    /// The reply's `ETag`, when it had one.
    pub etag: Option<ETag>,
}

/// The reply of `POST /clusters`.
#[derive(Debug, Clone)]
pub struct CreatedCluster {
    /// The cluster and its ETag.
    pub cluster: TaggedCluster,
    /// `true` for 201 (newly created), `false` for 200 (already existed).
    pub created: bool,
    /// The minted cluster key, when `create_api_key=true` was asked for.
    pub key: Option<ApiKey>,
}

/// The reply of `PATCH /clusters/{id}`.
#[derive(Debug, Clone)]
pub struct PatchedCluster {
    /// The updated cluster and its ETag.
    pub cluster: TaggedCluster,
    /// `keys.eis`, present when this PATCH turned EIS on.
    pub eis_key: Option<ApiKey>,
}

/// Terms-and-conditions acceptance (`accepted` is absent until accepted).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TermsAcceptance {
    /// When and by whom the terms were accepted.
    #[serde(default)]
    pub accepted: Option<TermsAccepted>,
}

/// `accepted` of the terms.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TermsAccepted {
    /// RFC 3339 time.
    pub accepted_at: String,
    /// User id.
    pub accepted_by: String,
}

/// Every Cloud Connected API operation. Each call takes the key to authenticate with, since the
/// key changes over a connection's life (onboarding, rotation).
#[async_trait]
pub trait CloudApi: Send + Sync + std::fmt::Debug {
    /// `GET /saas/user?show_role_assignments=true`: who the key belongs to and its roles.
    async fn get_user(&self, key: &ApiKey) -> Result<SaasUser>;
    /// `GET /cloud-connected/clusters`.
    async fn list_clusters(&self, key: &ApiKey) -> Result<Vec<Cluster>>;
    /// `POST /cloud-connected/clusters[?create_api_key=true]`. Never retried automatically.
    async fn create_cluster(
        &self,
        key: &ApiKey,
        body: &CreateCluster,
        create_api_key: bool,
    ) -> Result<CreatedCluster>;
    /// `GET /cloud-connected/clusters/{id}`.
    async fn get_cluster(&self, key: &ApiKey, cluster_id: &str) -> Result<TaggedCluster>;
    /// `PATCH /cloud-connected/clusters/{id}` with optional `If-Match`.
    async fn patch_cluster(
        &self,
        key: &ApiKey,
        cluster_id: &str,
        patch: &ClusterPatch,
        if_match: Option<&ETag>,
    ) -> Result<PatchedCluster>;
    /// `DELETE /cloud-connected/clusters/{id}` with optional `If-Match`.
    async fn delete_cluster(
        &self,
        key: &ApiKey,
        cluster_id: &str,
        if_match: Option<&ETag>,
    ) -> Result<Option<ETag>>;
    /// `GET /cloud-connected/organizations/{org}/subscription`.
    async fn get_subscription(
        &self,
        key: &ApiKey,
        organization_id: &str,
    ) -> Result<SubscriptionState>;
    /// `GET /cloud-connected/organizations/{org}/terms-and-conditions`.
    async fn get_terms(&self, key: &ApiKey, organization_id: &str) -> Result<TermsAcceptance>;
    /// `POST /cloud-connected/organizations/{org}/terms-and-conditions/_accept`.
    async fn accept_terms(&self, key: &ApiKey, organization_id: &str) -> Result<TermsAcceptance>;
    /// `POST /cloud-connected/clusters/{id}/apikey/_rotate`: returns the new cluster key. Never
    /// retried automatically (each call mints a key).
    async fn rotate_cluster_key(
        &self,
        key: &ApiKey,
        cluster_id: &str,
        if_match: Option<&ETag>,
    ) -> Result<ApiKey>;
    /// `POST /cloud-connected/clusters/{id}/apikey/{service}/_rotate`: returns the new service key.
    async fn rotate_service_key(
        &self,
        key: &ApiKey,
        cluster_id: &str,
        service: Service,
        if_match: Option<&ETag>,
    ) -> Result<ApiKey>;
    /// `POST /cloud-connected/clusters/{id}/apikey/_revoke-pending`.
    async fn revoke_pending_cluster_keys(
        &self,
        key: &ApiKey,
        cluster_id: &str,
        if_match: Option<&ETag>,
    ) -> Result<()>;
    /// `POST /cloud-connected/clusters/{id}/apikey/{service}/_revoke-pending`.
    async fn revoke_pending_service_keys(
        &self,
        key: &ApiKey,
        cluster_id: &str,
        service: Service,
        if_match: Option<&ETag>,
    ) -> Result<()>;
}
