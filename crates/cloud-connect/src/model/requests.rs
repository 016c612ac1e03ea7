//! Request bodies the client sends. Only documented fields exist here, so only documented fields
//! are ever sent (`spec/cloud-api.md` §2.2, §2.4).

use std::collections::BTreeMap;

use serde::Serialize;

use super::cluster::{License, SelfManagedCluster};
use super::enums::Service;

/// Body of `POST /clusters`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CreateCluster {
    /// Optional descriptive name (at most 255 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The local cluster's identity.
    pub self_managed_cluster: SelfManagedCluster,
    /// The local cluster's license.
    pub license: License,
}

/// Body of `PATCH /clusters/{id}`: every field optional; absent fields are unchanged.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ClusterPatch {
    /// New descriptive name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New self-managed name/version (the id is fixed at create and never sent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_managed_cluster: Option<SelfManagedPatch>,
    /// New license.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license: Option<License>,
    /// Services to turn on or off.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub services: Option<BTreeMap<Service, ServiceToggle>>,
}

/// `self_managed_cluster` in a PATCH: only `name` and `version` are documented.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct SelfManagedPatch {
    /// The Elasticsearch `cluster_name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The Elasticsearch `version.number`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// `{ "enabled": bool }` for one service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ServiceToggle {
    /// The requested state.
    pub enabled: bool,
}

impl ClusterPatch {
    /// A PATCH that sets each listed service to the given state.
    pub fn services(changes: &BTreeMap<Service, bool>) -> Self {
        ClusterPatch {
            services: Some(
                changes
                    .iter()
                    .map(|(s, e)| (*s, ServiceToggle { enabled: *e }))
                    .collect(),
            ),
            ..Default::default()
        }
    }
}
