//! The Cloud Connected cluster resource (`spec/cloud-api.md` §3.1–3.2). Typed fields for what this
//! library reads, plus every other field kept as raw JSON so it passes through untouched.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::enums::{LicenseType, Service};

/// A cluster as the Cloud returns it (never with `key` or `keys`: those are taken out on parse).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cluster {
    /// The Cloud Connected cluster id (`^[a-z0-9]{32}$`), not the Elasticsearch `cluster_uuid`.
    pub id: String,
    /// Descriptive name.
    pub name: String,
    /// Who created it, when, in which organization.
    pub metadata: ClusterMetadata,
    /// The self-managed cluster's identity.
    pub self_managed_cluster: SelfManagedCluster,
    /// The cluster's license as the Cloud knows it.
    pub license: License,
    /// The services and their state.
    pub services: Services,
    /// Fields this client does not model, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `metadata` of a cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterMetadata {
    /// RFC 3339 time of onboarding.
    pub created_at: String,
    /// User id of the creator.
    pub created_by: String,
    /// The owning organization id.
    pub organization_id: String,
    /// Fields this client does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `self_managed_cluster`: the local Elasticsearch cluster's identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelfManagedCluster {
    /// Elasticsearch `cluster_uuid`.
    pub id: String,
    /// Elasticsearch `cluster_name`.
    pub name: String,
    /// Elasticsearch `version.number`.
    pub version: String,
}

/// `license` of a cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct License {
    /// The license type.
    #[serde(rename = "type")]
    pub license_type: LicenseType,
    /// The Elasticsearch license uid.
    pub uid: String,
}

/// `services` of a cluster. Both are optional here so that a reply without one still parses.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Services {
    /// AutoOps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_ops: Option<ServiceState>,
    /// The Elastic Inference Service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eis: Option<ServiceState>,
    /// Services this client does not know, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Services {
    /// Whether `service` is enabled (a missing service object counts as disabled).
    pub fn enabled(&self, service: Service) -> bool {
        self.get(service).is_some_and(|s| s.enabled)
    }

    /// The service object, if the Cloud sent one.
    pub fn get(&self, service: Service) -> Option<&ServiceState> {
        match service {
            Service::AutoOps => self.auto_ops.as_ref(),
            Service::Eis => self.eis.as_ref(),
        }
    }
}

/// One service object: `enabled` typed, everything else (`support`, `config`, `metadata`,
/// `subscription`, future fields) kept untouched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceState {
    /// Whether the service is on.
    pub enabled: bool,
    /// Every other field, passed through.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
