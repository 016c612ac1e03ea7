//! Domain types of the Cloud Connected API and of the local cluster, with the exact wire names.

mod cluster;
mod enums;
mod local;
mod requests;
mod user;

pub use cluster::{Cluster, ClusterMetadata, License, SelfManagedCluster, ServiceState, Services};
pub use enums::{LicenseType, Service, SubscriptionState};
pub use local::{CcmState, LocalClusterInfo, LocalLicense};
pub use requests::{ClusterPatch, CreateCluster, SelfManagedPatch, ServiceToggle};
pub use user::{RoleAssignment, RoleAssignments, SaasUser, SaasUserResponse};

use crate::error::{Error, Result};

/// Checks a Cloud Connected cluster id (`^[a-z0-9]{32}$`) before it goes into a URL.
pub fn validate_cluster_id(id: &str) -> Result<()> {
    if id.len() == 32
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    {
        Ok(())
    } else {
        Err(Error::invalid_input(
            "invalid Cloud Connected cluster id: expected 32 lowercase letters or digits",
        ))
    }
}

/// Checks an organization id (`^[a-z0-9]{1,32}$`) before it goes into a URL.
pub fn validate_organization_id(id: &str) -> Result<()> {
    if (1..=32).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    {
        Ok(())
    } else {
        Err(Error::invalid_input(
            "invalid organization id: expected 1 to 32 lowercase letters or digits",
        ))
    }
}
