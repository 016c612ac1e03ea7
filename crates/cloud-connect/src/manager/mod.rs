//! The `ServiceManager`: the only place that sequences remote side effects. Each operation is a
//! transaction (design.md §4): it takes the in-process lock, writes its intent into the store with
//! compare-and-swap before its first remote side effect, records each step, and clears the intent
//! when done. Whatever cannot finish is finished or undone by `reconcile()`, whose per-operation
//! logic sits next to each operation (the compensation of each step).

mod classify;
mod connect;
mod disconnect;
mod encryption;
pub mod failpoints;
mod license;
mod outcomes;
mod reconcile;
mod rotate;
mod services;
mod session;
mod status;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;

pub use classify::KeyKind;
pub use outcomes::{
    ConnectOptions, ConnectOutcome, DisconnectOutcome, LicenseSyncOutcome, ReconcileReport,
    RotationOutcome, ServiceChanges, Status, UpdateOutcome,
};

use crate::cloud::CloudApi;
use crate::elasticsearch::{InferenceConfigurator, LocalCluster};
use crate::store::CredentialStore;

/// Tunables of the manager.
#[derive(Debug, Clone)]
pub struct ManagerOptions {
    /// How long an intent stays owned by the process that wrote it before another process may take
    /// it over (`reconcile`). Default 60 s.
    pub lease_timeout: Duration,
    /// Attempts for license sync (with exponential backoff). Default 3.
    pub license_sync_attempts: u32,
    /// First backoff of license sync retries. Default 500 ms.
    pub license_sync_backoff: Duration,
}

impl Default for ManagerOptions {
    fn default() -> Self {
        ManagerOptions {
            lease_timeout: Duration::from_secs(60),
            license_sync_attempts: 3,
            license_sync_backoff: Duration::from_millis(500),
        }
    }
}

/// Connects the local cluster to Elastic Cloud and manages its services, transactionally.
#[derive(Debug, Clone)]
pub struct ServiceManager {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    cloud: Arc<dyn CloudApi>,
    store: Arc<dyn CredentialStore>,
    inference: Arc<dyn InferenceConfigurator>,
    local: Arc<dyn LocalCluster>,
    options: ManagerOptions,
    /// One writer at a time within this process.
    writer: Mutex<()>,
    /// Identifies this manager as the owner of the intents it writes.
    owner: String,
    /// The status read in flight, shared by concurrent `status()` callers.
    status_flight: status::Flight,
}

impl ServiceManager {
    /// A manager over the four seams.
    pub fn new(
        cloud: Arc<dyn CloudApi>,
        store: Arc<dyn CredentialStore>,
        inference: Arc<dyn InferenceConfigurator>,
        local: Arc<dyn LocalCluster>,
        options: ManagerOptions,
    ) -> Self {
        ServiceManager {
            inner: Arc::new(Inner {
                cloud,
                store,
                inference,
                local,
                options,
                writer: Mutex::new(()),
                owner: format!("{}-{}", std::process::id(), random_id(8)),
                status_flight: Default::default(),
            }),
        }
    }

    /// The credential store in use.
    pub fn store(&self) -> &Arc<dyn CredentialStore> {
        &self.inner.store
    }
}

/// A random lowercase hex id.
pub(crate) fn random_id(bytes: usize) -> String {
    use rand::RngCore;
    let mut b = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Now, as RFC 3339 UTC.
pub(crate) fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// Now, as Unix milliseconds.
pub(crate) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}
