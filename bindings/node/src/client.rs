//! The `CloudConnect` class: the library's `ServiceManager` as an async JS API. Every method
//! resolves to a plain object or rejects with a `CloudConnectError` (see `errors.rs`).

use std::future::Future;

use cloud_connect::{Service, ServiceChanges, ServiceManager};
use napi_derive::napi;
use tracing::instrument::WithSubscriber;

use crate::errors::{napi_result, to_napi};
use crate::logger;
use crate::options::{self, CloudConnectOptions};
use crate::results::{
    ConnectOptions, ConnectResult, DisconnectResult, LicenseInput, LicenseSyncResult,
    ReconcileResult, RotationResult, ServiceChangesInput, StatusResult, UpdateResult,
};

/// Connects the local Elasticsearch cluster to Elastic Cloud and manages its services
/// (AutoOps, the Elastic Inference Service), transactionally: every change either takes effect in
/// the Cloud and in Elasticsearch or is rolled back, and an interrupted operation is finished or
/// undone by `reconcile()`.
///
/// Every method returns a Promise that rejects with a `CloudConnectError` (`code`, `statusCode`,
/// `retryable`, …).
#[napi]
pub struct CloudConnect {
    manager: ServiceManager,
    dispatch: Option<tracing::Dispatch>,
}

#[napi]
impl CloudConnect {
    /// Validates the options and builds the client. Nothing is contacted yet. Throws
    /// `encryption_key_missing` when the file store has no encryption key, `invalid_input` for
    /// a short key, a bad URL or a missing store or Elasticsearch.
    #[napi(constructor)]
    pub fn new(options: CloudConnectOptions) -> napi::Result<Self> {
        let (manager, logger) = napi_result(options::build(options))?;
        Ok(CloudConnect {
            manager,
            dispatch: logger.map(logger::dispatch),
        })
    }

    /// Connects the cluster with a pasted Elastic Cloud API key. An organization key onboards
    /// the cluster and stores a newly minted cluster-scoped key (the pasted key is never stored);
    /// a cluster-scoped key is checked against the local cluster and stored. Rejects with
    /// `already_connected` when a connection is stored, `invalid_api_key` for a key the Cloud
    /// refuses.
    #[napi]
    pub async fn connect(
        &self,
        api_key: String,
        options: Option<ConnectOptions>,
    ) -> napi::Result<ConnectResult> {
        let opts = cloud_connect::ConnectOptions {
            adopt_foreign_registration: options
                .and_then(|o| o.adopt_foreign_registration)
                .unwrap_or(false),
        };
        let m = self.manager.clone();
        self.run(async move { m.connect(&api_key, opts).await })
            .await
            .map(Into::into)
    }

    /// The cluster as the Cloud sees it, with the organization's subscription state. Rejects
    /// with `not_connected` (status 503) when no connection is stored.
    #[napi]
    pub async fn status(&self) -> napi::Result<StatusResult> {
        let m = self.manager.clone();
        let s = self.run(async move { m.status().await }).await?;
        napi_result(StatusResult::from_status(s))
    }

    /// Turns services on or off, e.g. `{eis: true}` or `{auto_ops: false}`. Enabling EIS installs
    /// the key the Cloud issues in Elasticsearch (`PUT _inference/_ccm`); disabling removes it.
    /// Either every change takes effect or every touched service is restored (in the Cloud and
    /// in Elasticsearch); when that restore fails too, rejects with `rollback_failed`.
    #[napi]
    pub async fn update_services(
        &self,
        changes: ServiceChangesInput,
    ) -> napi::Result<UpdateResult> {
        let mut wanted = ServiceChanges::new();
        if let Some(on) = changes.auto_ops {
            wanted.insert(Service::AutoOps, on);
        }
        if let Some(on) = changes.eis {
            wanted.insert(Service::Eis, on);
        }
        let m = self.manager.clone();
        let o = self
            .run(async move { m.update_services(wanted).await })
            .await?;
        napi_result(UpdateResult::from_outcome(o))
    }

    /// Rotates the stored cluster key: the new key is stored before the old one is revoked.
    #[napi]
    pub async fn rotate_cluster_key(&self) -> napi::Result<RotationResult> {
        let m = self.manager.clone();
        self.run(async move { m.rotate_cluster_key().await })
            .await
            .map(Into::into)
    }

    /// Rotates a service key (only `'eis'` has one) and installs the new key in Elasticsearch.
    #[napi(ts_args_type = "service: 'eis'")]
    pub async fn rotate_service_key(&self, service: String) -> napi::Result<RotationResult> {
        let m = self.manager.clone();
        self.run(async move {
            let service = Service::parse(&service)?;
            m.rotate_service_key(service).await
        })
        .await
        .map(Into::into)
    }

    /// Disconnects: deletes the Cloud registration (already gone counts as done), removes the
    /// EIS key from Elasticsearch, and deletes the stored record.
    #[napi]
    pub async fn disconnect(&self) -> napi::Result<DisconnectResult> {
        let m = self.manager.clone();
        self.run(async move { m.disconnect().await })
            .await
            .map(Into::into)
    }

    /// Records the cluster's license (and its name and version) in the Cloud; skipped when the
    /// Cloud already has these values. Call it when Elasticsearch's license changes.
    #[napi]
    pub async fn sync_license(&self, license: LicenseInput) -> napi::Result<LicenseSyncResult> {
        let m = self.manager.clone();
        self.run(async move { m.sync_license(&license.license_type, &license.uid).await })
            .await
            .map(Into::into)
    }

    /// Finishes or undoes an operation that was interrupted (a crash, a lost connection).
    /// Mutating methods do this on their own first; call it at startup to repair early.
    #[napi]
    pub async fn reconcile(&self) -> napi::Result<ReconcileResult> {
        let m = self.manager.clone();
        self.run(async move { m.reconcile().await })
            .await
            .map(Into::into)
    }
}

impl CloudConnect {
    /// Runs one operation with this instance's logger receiving its events.
    async fn run<T, F>(&self, operation: F) -> napi::Result<T>
    where
        F: Future<Output = cloud_connect::Result<T>>,
    {
        let result = match &self.dispatch {
            Some(d) => operation.with_subscriber(d.clone()).await,
            None => operation.await,
        };
        result.map_err(to_napi)
    }
}
