//! What the manager's operations take and return.

use std::collections::BTreeMap;

use serde::Serialize;

use super::classify::KeyKind;
use crate::model::{Cluster, Service, SubscriptionState};

/// Options of `connect`.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    /// Accept a cluster-scoped key whose Cloud record names another self-managed cluster uuid than
    /// the local one (adopting that registration). Default false: refused.
    pub adopt_foreign_registration: bool,
}

/// The result of `connect`.
#[derive(Debug, Clone, Serialize)]
pub struct ConnectOutcome {
    /// The Cloud Connected cluster id.
    pub cluster_id: String,
    /// The owning organization.
    pub organization_id: String,
    /// Which kind of key was pasted.
    pub key_kind: KeyKind,
    /// Whether the Cloud created a new registration (201) rather than returning an existing one.
    pub created: bool,
}

/// The result of `status`: the Cloud's cluster record (passed through with every field) and the
/// organization's subscription state, which is `None` when it could not be read.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    /// The cluster as the Cloud returned it.
    pub cluster: Cluster,
    /// The organization's subscription state, if it could be read.
    pub subscription: Option<SubscriptionState>,
}

/// Requested service states, e.g. `{eis: true, auto_ops: false}`.
pub type ServiceChanges = BTreeMap<Service, bool>;

/// The result of `update_services`.
#[derive(Debug, Clone, Serialize)]
pub struct UpdateOutcome {
    /// Services whose state changed.
    pub changed: Vec<Service>,
    /// The cluster after the update.
    pub cluster: Cluster,
}

/// The result of a key rotation.
#[derive(Debug, Clone, Serialize)]
pub struct RotationOutcome {
    /// What was rotated (`cluster` or a service name).
    pub rotated: String,
    /// Whether the previous key was revoked right away (after the new one was confirmed).
    pub previous_key_revoked: bool,
}

/// The result of `disconnect`.
#[derive(Debug, Clone, Serialize)]
pub struct DisconnectOutcome {
    /// The cluster id that was disconnected.
    pub cluster_id: String,
    /// Whether the Cloud had already forgotten the cluster (404).
    pub cloud_already_gone: bool,
    /// Whether the EIS key was removed from Elasticsearch (false when it had none or has no CCM).
    pub eis_key_removed: bool,
}

/// The result of `sync_license`.
#[derive(Debug, Clone, Serialize)]
pub struct LicenseSyncOutcome {
    /// Whether a PATCH was sent (false when the Cloud already had these values).
    pub updated: bool,
}

/// What `reconcile` found and did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ReconcileReport {
    /// The interrupted operation, if there was one.
    pub operation: Option<String>,
    /// Whether it was rolled forward (`true`) or back (`false`).
    pub rolled_forward: Option<bool>,
    /// What was done, in order, in words.
    pub actions: Vec<String>,
}
