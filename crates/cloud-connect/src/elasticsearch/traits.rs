//! The Elasticsearch seams: [`InferenceConfigurator`] (`_inference/_ccm`) and [`LocalCluster`]
//! (`GET /`, `GET /_license`).

use async_trait::async_trait;

use crate::error::Result;
use crate::model::{CcmState, LocalClusterInfo, LocalLicense};
use crate::secret::ApiKey;

/// Puts, deletes and reads Elasticsearch's Cloud Connected Mode configuration.
#[async_trait]
pub trait InferenceConfigurator: Send + Sync + std::fmt::Debug {
    /// `PUT /_inference/_ccm {"api_key": …}`: installs (or replaces) the EIS key. Elasticsearch
    /// validates the key against EIS before storing it.
    async fn put_ccm(&self, eis_key: &ApiKey) -> Result<()>;
    /// `DELETE /_inference/_ccm`: removes the EIS key. Idempotent. Returns
    /// [`CcmState::Unsupported`] when this Elasticsearch has no CCM (which counts as removed).
    async fn delete_ccm(&self) -> Result<CcmState>;
    /// `GET /_inference/_ccm`.
    async fn get_ccm(&self) -> Result<CcmState>;
}

/// Reads the local cluster's identity and license.
#[async_trait]
pub trait LocalCluster: Send + Sync + std::fmt::Debug {
    /// `GET /`: uuid, cluster name and version.
    async fn cluster_info(&self) -> Result<LocalClusterInfo>;
    /// `GET /_license`; `None` when the answer has no `license`.
    async fn license(&self) -> Result<Option<LocalLicense>>;
}
