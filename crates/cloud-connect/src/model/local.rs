//! What the library reads from the local Elasticsearch cluster.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::enums::LicenseType;
use crate::error::{Error, ErrorCode, Result};

fn str_at<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

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
    /// Reads the body of Elasticsearch's `GET /` answer (whoever fetched it: the library's client
    /// or a host's own client). A body without `version.number` is refused.
    pub fn from_root_response(body: &Value) -> Result<Self> {
        let field = |p: &str| str_at(body, p).unwrap_or_default().to_owned();
        let info = LocalClusterInfo {
            cluster_uuid: field("/cluster_uuid"),
            cluster_name: field("/cluster_name"),
            version: field("/version/number"),
        };
        if info.version.is_empty() {
            return Err(Error::new(
                ErrorCode::ElasticsearchRejected,
                "Elasticsearch's GET / answer has no version.number",
            ));
        }
        Ok(info)
    }

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

impl LocalLicense {
    /// Reads the body of Elasticsearch's `GET /_license` answer; `None` when it has no license
    /// (or no type or uid), which callers must treat as unknown rather than invent values.
    pub fn from_license_response(body: &Value) -> Option<Self> {
        match (str_at(body, "/license/type"), str_at(body, "/license/uid")) {
            (Some(t), Some(uid)) => Some(LocalLicense {
                license_type: LicenseType::parse(t),
                uid: uid.to_owned(),
                status: str_at(body, "/license/status").map(str::to_owned),
            }),
            _ => None,
        }
    }
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
