//! Key rotation: the cluster key and the EIS service key. A new key is stored before anything
//! uses it, and the previous key is revoked only after the new one is confirmed to work.

use super::failpoints::failpoint;
use super::outcomes::{ReconcileReport, RotationOutcome};
use super::session::{Session, in_doubt};
use super::{ServiceManager, now_rfc3339};
use crate::error::{Error, ErrorCode, Result};
use crate::model::Service;
use crate::secret::ApiKey;
use crate::store::Operation;

const PREVIOUS_KEY: &str = "previous_cluster_key";
const NEW_EIS_KEY: &str = "new_eis_key";
const STORED: &str = "stored";
const VERIFIED: &str = "verified";
const ES_APPLIED: &str = "es_applied";

impl ServiceManager {
    /// Rotates the stored cluster key: the Cloud mints a new key, it is stored, checked against
    /// the Cloud, and only then are the previous (pending) keys revoked.
    pub async fn rotate_cluster_key(&self) -> Result<RotationOutcome> {
        let _writer = self.inner.writer.lock().await;
        let mut s = self.begin().await?;
        let c = s
            .record
            .connection
            .clone()
            .ok_or_else(Error::not_connected)?;
        let old = c.api_key.clone();
        self.start_intent(
            &mut s,
            Operation::RotateClusterKey,
            Default::default(),
            Default::default(),
            |i| {
                i.secrets.insert(PREVIOUS_KEY.to_owned(), old);
            },
        )
        .await?;
        failpoint("rotate_cluster_key.after_intent");

        // Step 1: rotate. Compensation: a definite refusal changed nothing; an unknown outcome
        // is rolled forward by rotating again with the old key, which stays valid for 7 days.
        let new_key = match self
            .inner
            .cloud
            .rotate_cluster_key(&c.api_key, &c.cluster_id, None)
            .await
        {
            Ok(k) => k,
            Err(e) => return self.rotation_failed(&mut s, e, "cluster").await,
        };
        failpoint("rotate_cluster_key.after_rotate");
        // Steps 2–4 are shared with reconcile.
        self.adopt_cluster_key(&mut s, new_key).await
    }

    /// Steps after the Cloud minted `new_key`: store it (step 2), verify it (step 3), revoke the
    /// pending old keys (step 4, best effort: they expire in 7 days anyway), clear the intent.
    async fn adopt_cluster_key(&self, s: &mut Session, new_key: ApiKey) -> Result<RotationOutcome> {
        let conn = s
            .record
            .connection
            .as_mut()
            .ok_or_else(Error::not_connected)?;
        conn.api_key = new_key.clone();
        conn.updated_at = now_rfc3339();
        let cluster_id = conn.cluster_id.clone();
        if let Err(e) = self.step(s, STORED).await {
            return Err(e.context("the rotated cluster key could not be stored; the previous key stays valid for 7 days, rotate again"));
        }
        failpoint("rotate_cluster_key.after_store");
        // Step 3: confirm the new key works. Compensation: back to the previous key.
        if let Err(e) = self.inner.cloud.get_cluster(&new_key, &cluster_id).await {
            return self
                .recover(s, e)
                .await
                .and_then(|_| rotated("cluster", false));
        }
        self.step(s, VERIFIED).await?;
        failpoint("rotate_cluster_key.after_verify");
        let revoked = self.revoke_old_cluster_keys(&new_key, &cluster_id).await;
        self.finish(s).await?;
        Ok(RotationOutcome {
            rotated: "cluster".into(),
            previous_key_revoked: revoked,
        })
    }

    async fn revoke_old_cluster_keys(&self, key: &ApiKey, cluster_id: &str) -> bool {
        match self
            .inner
            .cloud
            .revoke_pending_cluster_keys(key, cluster_id, None)
            .await
        {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(code = %e.code(), "could not revoke the previous cluster key; it expires within 7 days");
                false
            }
        }
    }

    async fn rotation_failed(
        &self,
        s: &mut Session,
        e: Error,
        what: &str,
    ) -> Result<RotationOutcome> {
        if in_doubt(&e) {
            self.recover(s, e).await?;
            return rotated(what, true);
        }
        let _ = self.finish(s).await;
        Err(e)
    }

    /// Rotates a service key (only `eis` has one): the Cloud mints a new EIS key, it is sealed
    /// into the record, installed in Elasticsearch, and only then are the old EIS keys revoked.
    pub async fn rotate_service_key(&self, service: Service) -> Result<RotationOutcome> {
        if service != Service::Eis {
            return Err(Error::invalid_input(
                "only the \"eis\" service has its own API key",
            ));
        }
        let _writer = self.inner.writer.lock().await;
        let mut s = self.begin().await?;
        let c = s
            .record
            .connection
            .clone()
            .ok_or_else(Error::not_connected)?;
        let current = self
            .inner
            .cloud
            .get_cluster(&c.api_key, &c.cluster_id)
            .await?;
        if !current.cluster.services.enabled(Service::Eis) {
            return Err(Error::new(
                ErrorCode::Conflict,
                "EIS is not enabled for this cluster; enable it before rotating its key",
            )
            .with_retryable(false));
        }
        self.start_intent(
            &mut s,
            Operation::RotateServiceKey,
            Default::default(),
            Default::default(),
            |_| {},
        )
        .await?;
        failpoint("rotate_service_key.after_intent");

        // Step 1: rotate. Compensation: a definite refusal changed nothing; an unknown outcome is
        // rolled forward by rotating again (the old EIS key stays valid for 7 days).
        let new_key = match self
            .inner
            .cloud
            .rotate_service_key(
                &c.api_key,
                &c.cluster_id,
                Service::Eis,
                current.etag.as_ref(),
            )
            .await
        {
            Ok(k) => k,
            Err(e) => return self.rotation_failed(&mut s, e, "eis").await,
        };
        failpoint("rotate_service_key.after_rotate");
        self.adopt_eis_key(&mut s, new_key).await
    }

    /// Steps after the Cloud minted a new EIS key: seal it (step 2), install it in Elasticsearch
    /// (step 3; compensation: reconcile installs the sealed key again), revoke the old EIS keys
    /// (step 4, best effort), clear the intent.
    async fn adopt_eis_key(&self, s: &mut Session, new_key: ApiKey) -> Result<RotationOutcome> {
        let conn = s
            .record
            .connection
            .clone()
            .ok_or_else(Error::not_connected)?;
        s.intent_mut()?
            .secrets
            .insert(NEW_EIS_KEY.to_owned(), new_key.clone());
        self.step(s, STORED).await?;
        failpoint("rotate_service_key.after_store");
        if let Err(e) = self.inner.inference.put_ccm(&new_key).await {
            return self.recover(s, e).await.and_then(|_| rotated("eis", true));
        }
        self.step(s, ES_APPLIED).await?;
        failpoint("rotate_service_key.after_es");
        let revoked = self
            .revoke_old_eis_keys(&conn.api_key, &conn.cluster_id)
            .await;
        self.finish(s).await?;
        Ok(RotationOutcome {
            rotated: "eis".into(),
            previous_key_revoked: revoked,
        })
    }

    async fn revoke_old_eis_keys(&self, key: &ApiKey, cluster_id: &str) -> bool {
        match self
            .inner
            .cloud
            .revoke_pending_service_keys(key, cluster_id, Service::Eis, None)
            .await
        {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(code = %e.code(), "could not revoke the previous EIS key; it expires within 7 days");
                false
            }
        }
    }

    /// Completes an interrupted cluster-key rotation.
    pub(crate) async fn reconcile_rotate_cluster_key(
        &self,
        s: &mut Session,
        report: &mut ReconcileReport,
    ) -> Result<()> {
        let intent = s.intent_mut()?.clone();
        let c = s
            .record
            .connection
            .clone()
            .ok_or_else(Error::not_connected)?;
        if intent.has_step(VERIFIED) {
            self.revoke_old_cluster_keys(&c.api_key, &c.cluster_id)
                .await;
            report.rolled_forward = Some(true);
            report
                .actions
                .push("revoked the previous cluster keys".into());
            return Ok(());
        }
        if intent.has_step(STORED) {
            match self
                .inner
                .cloud
                .get_cluster(&c.api_key, &c.cluster_id)
                .await
            {
                Ok(_) => {
                    self.revoke_old_cluster_keys(&c.api_key, &c.cluster_id)
                        .await;
                    report.rolled_forward = Some(true);
                    report
                        .actions
                        .push("confirmed the new cluster key and revoked the previous ones".into());
                    return Ok(());
                }
                Err(e) if e.code() == ErrorCode::InvalidApiKey => {
                    // The new key does not work: go back to the previous one (still valid).
                    let previous = intent.secrets.get(PREVIOUS_KEY).cloned().ok_or_else(|| {
                        Error::internal("the previous cluster key is missing from the intent")
                    })?;
                    if let Some(conn) = s.record.connection.as_mut() {
                        conn.api_key = previous;
                    }
                    self.persist(s).await?;
                    report.rolled_forward = Some(false);
                    report
                        .actions
                        .push("the new cluster key was refused; restored the previous key".into());
                    return Ok(());
                }
                Err(e) => return Err(e),
            }
        }
        // The rotation may or may not have happened; the stored key is still valid for at least
        // 7 days either way. Rotate again so that we hold the current key.
        let new_key = self
            .inner
            .cloud
            .rotate_cluster_key(&c.api_key, &c.cluster_id, None)
            .await?;
        let conn = s
            .record
            .connection
            .as_mut()
            .ok_or_else(Error::not_connected)?;
        conn.api_key = new_key.clone();
        conn.updated_at = now_rfc3339();
        s.intent_mut()?.steps.push(STORED.to_owned());
        self.persist(s).await?;
        self.inner
            .cloud
            .get_cluster(&new_key, &c.cluster_id)
            .await?;
        self.revoke_old_cluster_keys(&new_key, &c.cluster_id).await;
        report.rolled_forward = Some(true);
        report
            .actions
            .push("rotated the cluster key again and stored it".into());
        Ok(())
    }

    /// Completes an interrupted EIS key rotation.
    pub(crate) async fn reconcile_rotate_service_key(
        &self,
        s: &mut Session,
        report: &mut ReconcileReport,
    ) -> Result<()> {
        let intent = s.intent_mut()?.clone();
        let c = s
            .record
            .connection
            .clone()
            .ok_or_else(Error::not_connected)?;
        report.rolled_forward = Some(true);
        if intent.has_step(ES_APPLIED) {
            self.revoke_old_eis_keys(&c.api_key, &c.cluster_id).await;
            report.actions.push("revoked the previous EIS keys".into());
            return Ok(());
        }
        let key = match intent.secrets.get(NEW_EIS_KEY) {
            Some(k) => k.clone(),
            None => {
                let current = self
                    .inner
                    .cloud
                    .get_cluster(&c.api_key, &c.cluster_id)
                    .await?;
                if !current.cluster.services.enabled(Service::Eis) {
                    report.rolled_forward = Some(false);
                    report
                        .actions
                        .push("EIS is no longer enabled; nothing to rotate".into());
                    return Ok(());
                }
                let k = self
                    .inner
                    .cloud
                    .rotate_service_key(&c.api_key, &c.cluster_id, Service::Eis, None)
                    .await?;
                s.intent_mut()?
                    .secrets
                    .insert(NEW_EIS_KEY.to_owned(), k.clone());
                self.persist(s).await?;
                report.actions.push("rotated the EIS key again".into());
                k
            }
        };
        self.inner.inference.put_ccm(&key).await?;
        report
            .actions
            .push("installed the new EIS key in Elasticsearch".into());
        self.revoke_old_eis_keys(&c.api_key, &c.cluster_id).await;
        Ok(())
    }
}

/// The outcome of a rotation that completed (possibly through recovery).
fn rotated(what: &str, previous_key_revoked: bool) -> Result<RotationOutcome> {
    Ok(RotationOutcome {
        rotated: what.into(),
        previous_key_revoked,
    })
}
