//! `sync_license`: keep the Cloud's record of the cluster's license (and name, version) current.

use std::time::Duration;

use super::ServiceManager;
use super::outcomes::LicenseSyncOutcome;
use crate::error::{Error, Result};
use crate::model::{ClusterPatch, License, LicenseType, SelfManagedPatch};

impl ServiceManager {
    /// Sends the license (`type`, `uid`) with the local cluster's name (`cluster_name`, not a node
    /// name) and version. Serialized with other writers; skipped when the Cloud already has these
    /// values; retried with backoff on retryable errors; nothing is cached, so a failure is never
    /// remembered. Not connected → `not_connected`.
    pub async fn sync_license(&self, license_type: &str, uid: &str) -> Result<LicenseSyncOutcome> {
        let license_type = LicenseType::parse(license_type.trim());
        if !license_type.is_known() {
            return Err(Error::invalid_input(format!(
                "unknown license type {:?}",
                license_type.as_str().chars().take(32).collect::<String>()
            )));
        }
        if uid.trim().is_empty() || uid.chars().any(char::is_control) {
            return Err(Error::invalid_input(
                "the license uid is empty or malformed",
            ));
        }
        let license = License {
            license_type,
            uid: uid.trim().to_owned(),
        };
        let _writer = self.inner.writer.lock().await;
        let mut backoff = self.inner.options.license_sync_backoff;
        let attempts = self.inner.options.license_sync_attempts.max(1);
        let mut attempt = 1;
        loop {
            match self.sync_license_once(&license).await {
                Err(e) if e.retryable() && attempt < attempts => {
                    tracing::debug!(attempt, code = %e.code(), "license sync failed; retrying");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                    attempt += 1;
                }
                Err(e) => {
                    tracing::warn!(code = %e.code(), "Failed to sync license to Cloud Connect");
                    return Err(e);
                }
                ok => return ok,
            }
        }
    }

    async fn sync_license_once(&self, license: &License) -> Result<LicenseSyncOutcome> {
        let s = self.read_session().await?;
        let c = s.record.connection.ok_or_else(Error::not_connected)?;
        let (info, current) = tokio::join!(
            self.inner.local.cluster_info(),
            self.inner.cloud.get_cluster(&c.api_key, &c.cluster_id)
        );
        let (info, current) = (info?, current?);
        let smc = &current.cluster.self_managed_cluster;
        let name = (!info.cluster_name.is_empty()).then(|| info.cluster_name.clone());
        let same = current.cluster.license == *license
            && name.as_ref().is_none_or(|n| *n == smc.name)
            && info.version == smc.version;
        if same {
            return Ok(LicenseSyncOutcome { updated: false });
        }
        let patch = ClusterPatch {
            license: Some(license.clone()),
            self_managed_cluster: Some(SelfManagedPatch {
                name,
                version: Some(info.version),
            }),
            ..Default::default()
        };
        self.inner
            .cloud
            .patch_cluster(&c.api_key, &c.cluster_id, &patch, current.etag.as_ref())
            .await?;
        Ok(LicenseSyncOutcome { updated: true })
    }
}
