//! What the library reads from the local Elasticsearch cluster.

use serde::{Deserialize, Serialize};

use super::enums::LicenseType;

/// `GET /` fields the library uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalClusterInfo {
    /// `cluster_uuid` (`_na_` until the cluster has formed).
    pub cluster_uuid: String,
    /// `cluster_name` (not the node name).
    pub cluster_name: String,
    /// `version.number`.
    pub version: String,
}

impl LocalClusterInfo {
    /// The numeric `major.minor.patch` of the version (a `-SNAPSHOT` suffix is ignored).
    pub fn version_triple(&self) -> Option<(u32, u32, u32)> {
        let core = self.version.split('-').next()?;
        let mut it = core.split('.').map(|p| p.parse::<u32>().ok());
        Some((it.next()??, it.next()??, it.next().flatten().unwrap_or(0)))
    }

    /// Whether this version has `_inference/_ccm` (9.3.0 and later).
    pub fn supports_ccm(&self) -> bool {
        self.version_triple().is_some_and(|v| v >= (9, 3, 0))
    }
}

/// `GET /_license` fields the library uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalLicense {
    /// `license.type`.
    #[serde(rename = "type")]
    pub license_type: LicenseType,
    /// `license.uid`.
    pub uid: String,
    /// `license.status` (`active`, `invalid`, `expired`).
    #[serde(default)]
    pub status: Option<String>,
}

/// Elasticsearch's Cloud Connected Mode state (`GET /_inference/_ccm`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CcmState {
    /// An EIS key is configured.
    Enabled,
    /// No EIS key is configured.
    Disabled,
    /// This Elasticsearch has no Cloud Connected Mode (older than 9.3.0 or not permitted).
    Unsupported,
}
