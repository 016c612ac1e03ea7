//! The Cloud simulator's in-memory world: organizations, keys and clusters.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::options::CloudOptions;
use crate::clock::Millis;

/// Subscription state of an organization (spec §2.10).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionState {
    /// Cloud trial (default).
    #[default]
    Trial,
    /// Billing configured.
    Active,
    /// Neither.
    Inactive,
}

impl SubscriptionState {
    /// The wire string.
    pub fn as_str(self) -> &'static str {
        match self {
            SubscriptionState::Trial => "trial",
            SubscriptionState::Active => "active",
            SubscriptionState::Inactive => "inactive",
        }
    }
}

/// Terms-and-conditions acceptance of an organization.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TermsAcceptance {
    /// RFC 3339 time of the first acceptance.
    pub accepted_at: String,
    /// User id that accepted.
    pub accepted_by: String,
}

#[derive(Clone, Debug)]
pub(crate) struct Org {
    pub terms: Option<TermsAcceptance>,
    pub subscription: SubscriptionState,
}

/// Kind of a key known to the Cloud simulator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyKind {
    /// Organization ("admin") key from the Cloud console.
    Organization,
    /// Key scoped to one Cloud Connected cluster.
    Cluster,
    /// EIS service key (not accepted by this API).
    Eis,
}

/// Lifecycle state of a key at a point in simulated time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyState {
    /// Current key of its cluster and kind (or a usable organization key).
    Current,
    /// Superseded by a rotation; valid until `revoke_at`.
    Pending,
    /// Revoked (explicitly, by `_revoke-pending`, by disconnect, or because `revoke_at` passed).
    Revoked,
    /// Organization key past its expiry.
    Expired,
}

#[derive(Clone, Debug)]
pub(crate) struct KeyRecord {
    pub value: String,
    pub kind: KeyKind,
    pub org_id: Option<String>,
    pub user_id: u64,
    pub email: String,
    pub cluster_id: Option<String>,
    pub created_ms: Millis,
    pub expires_ms: Option<Millis>,
    pub revoke_at: Option<Millis>,
    pub revoked: bool,
    /// `None`: the assignments implied by the kind.
    pub assignments: Option<Vec<Value>>,
}

impl KeyRecord {
    pub fn state(&self, now: Millis) -> KeyState {
        if self.revoked || self.revoke_at.is_some_and(|r| r <= now) {
            KeyState::Revoked
        } else if self.expires_ms.is_some_and(|e| e <= now) {
            KeyState::Expired
        } else if self.revoke_at.is_some() {
            KeyState::Pending
        } else {
            KeyState::Current
        }
    }

    pub fn usable(&self, now: Millis) -> bool {
        matches!(self.state(now), KeyState::Current | KeyState::Pending)
    }
}

/// A key as tests see it (keys may be shown to tests; they never reach the request log).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeyView {
    /// The key value.
    pub key: String,
    /// Kind of key.
    pub kind: KeyKind,
    /// State now.
    pub state: KeyState,
    /// RFC 3339 time at which a pending key is revoked.
    pub revoke_at: Option<String>,
    /// RFC 3339 expiry of an organization key.
    pub expires_at: Option<String>,
    /// Cluster the key belongs to.
    pub cluster_id: Option<String>,
    /// Organization of the key.
    pub organization_id: Option<String>,
    /// RFC 3339 time the key was issued.
    pub created_at: String,
}

#[derive(Clone, Debug)]
pub(crate) struct Cluster {
    pub id: String,
    pub name: String,
    pub org_id: String,
    pub created_at: String,
    pub created_by: String,
    pub smc_id: String,
    pub smc_name: String,
    pub smc_version: String,
    pub license_type: String,
    pub license_uid: String,
    pub auto_ops: bool,
    pub eis: bool,
    pub version: u64,
    pub disconnect_at: Option<Millis>,
    pub busy_until: Millis,
    pub forced_busy_calls: u32,
}

impl Cluster {
    pub fn etag(&self) -> String {
        format!("\"{}-{}\"", &self.id[..8], self.version)
    }
}

/// Whole simulator state, guarded by one mutex.
#[derive(Debug)]
pub(crate) struct CloudState {
    pub options: CloudOptions,
    pub orgs: BTreeMap<String, Org>,
    pub keys: Vec<KeyRecord>,
    pub clusters: BTreeMap<String, Cluster>,
    pub next_version: u64,
    pub rate: BTreeMap<String, (Millis, u32)>,
}

impl CloudState {
    pub fn new(options: CloudOptions) -> Self {
        CloudState {
            options,
            orgs: BTreeMap::new(),
            keys: Vec::new(),
            clusters: BTreeMap::new(),
            next_version: 1,
            rate: BTreeMap::new(),
        }
    }

    /// Takes the next value of the global version counter (ETags never repeat).
    pub fn bump(&mut self, cluster_id: &str) {
        let v = self.next_version;
        self.next_version += 1;
        if let Some(c) = self.clusters.get_mut(cluster_id) {
            c.version = v;
        }
    }

    /// Finishes disconnections whose delay has passed.
    pub fn tick(&mut self, now: Millis) {
        let done: Vec<String> = self
            .clusters
            .values()
            .filter(|c| c.disconnect_at.is_some_and(|t| t <= now))
            .map(|c| c.id.clone())
            .collect();
        for id in done {
            self.remove_cluster(&id);
        }
    }

    /// Removes a cluster and revokes every key of it.
    pub fn remove_cluster(&mut self, id: &str) {
        self.clusters.remove(id);
        for k in self.keys.iter_mut() {
            if k.cluster_id.as_deref() == Some(id) {
                k.revoked = true;
            }
        }
    }

    pub fn key(&self, value: &str) -> Option<&KeyRecord> {
        self.keys.iter().find(|k| k.value == value)
    }

    pub fn key_view(k: &KeyRecord, now: Millis) -> KeyView {
        KeyView {
            key: k.value.clone(),
            kind: k.kind,
            state: k.state(now),
            revoke_at: k.revoke_at.map(crate::clock::rfc3339),
            expires_at: k.expires_ms.map(crate::clock::rfc3339),
            cluster_id: k.cluster_id.clone(),
            organization_id: k.org_id.clone(),
            created_at: crate::clock::rfc3339(k.created_ms),
        }
    }
}
