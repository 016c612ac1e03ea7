//! `disconnect`: remove the Cloud registration, the EIS key in Elasticsearch, and the record.

use super::ServiceManager;
use super::failpoints::failpoint;
use super::outcomes::{DisconnectOutcome, ReconcileReport};
use super::session::{Session, in_doubt};
use crate::error::{Error, ErrorCode, Result};
use crate::model::CcmState;
use crate::store::{ConnectionRecord, Operation};

const CLOUD_DELETED: &str = "cloud_deleted";
const CLOUD_ALREADY_GONE: &str = "cloud_already_gone";
const ES_CLEARED: &str = "es_cleared";

impl ServiceManager {
    /// Disconnects: deletes the Cloud registration first (a Cloud 404 counts as done), then
    /// removes the EIS key from Elasticsearch, then deletes the stored record. When the Cloud
    /// refuses the delete, the local record is kept, except when it refuses the stored key itself
    /// (401: revoked or expired), since that record can never be used again.
    pub async fn disconnect(&self) -> Result<DisconnectOutcome> {
        let _writer = self.inner.writer.lock().await;
        // Disconnect supersedes an interrupted operation that cannot be reconciled.
        let mut s = match self.begin().await {
            Ok(s) => s,
            Err(e) if e.code() == ErrorCode::OperationInProgress => return Err(e),
            Err(e) => {
                tracing::warn!(code = %e.code(), "could not reconcile an interrupted operation; disconnecting anyway");
                self.read_session().await?
            }
        };
        let c = s
            .record
            .connection
            .clone()
            .ok_or_else(Error::not_connected)?;
        self.start_intent(
            &mut s,
            Operation::Disconnect,
            Default::default(),
            Default::default(),
            |_| {},
        )
        .await?;
        failpoint("disconnect.after_intent");

        // Step 1: delete the Cloud registration. Compensation: a definite refusal keeps the local
        // record (the intent is dropped); an unknown outcome is rolled forward by reconcile.
        let gone = match self
            .inner
            .cloud
            .delete_cluster(&c.api_key, &c.cluster_id, None)
            .await
        {
            Ok(_) => false,
            Err(e) if e.code() == ErrorCode::NotFound => true,
            // The stored key no longer works (revoked or expired): this connection cannot manage
            // the registration any more, and keeping the record would leave no way out. The local
            // side is cleaned up; the Cloud revokes the registration's keys on its own.
            // Confirmed with a second call, so that one stray 401 never orphans a registration.
            Err(e)
                if e.code() == ErrorCode::InvalidApiKey
                    && self.stored_key_rejected(&c.api_key, &c.cluster_id).await =>
            {
                tracing::warn!(
                    "the stored Cloud key is no longer valid; removing the local connection only"
                );
                true
            }
            Err(e) if in_doubt(&e) => {
                self.recover(&mut s, e).await?;
                return Ok(DisconnectOutcome {
                    cluster_id: c.cluster_id,
                    cloud_already_gone: false,
                    eis_key_removed: true,
                });
            }
            Err(e) => {
                let _ = self.finish(&mut s).await;
                return Err(e);
            }
        };
        if gone {
            s.intent_mut()?.steps.push(CLOUD_ALREADY_GONE.to_owned());
        }
        self.step(&mut s, CLOUD_DELETED).await?;
        failpoint("disconnect.after_cloud_delete");

        // Step 2: remove the EIS key from Elasticsearch (the Cloud revokes it anyway). Compensation:
        // reconcile retries; the record stays until this is done.
        let ccm = match self.inner.inference.delete_ccm().await {
            Ok(state) => state,
            Err(e) => {
                self.recover(&mut s, e).await?;
                CcmState::Disabled
            }
        };
        if s.record.intent.is_some() {
            self.step(&mut s, ES_CLEARED).await?;
            failpoint("disconnect.after_es");
            // Step 3: forget the connection.
            s.record = ConnectionRecord::default();
            self.persist(&mut s).await?;
        }
        tracing::info!(cluster_id = %c.cluster_id, "Cluster disconnected successfully - API key removed");
        Ok(DisconnectOutcome {
            cluster_id: c.cluster_id,
            cloud_already_gone: gone,
            eis_key_removed: ccm == CcmState::Disabled,
        })
    }

    /// The way out when the stored record cannot be read at all (sealed with a key that is no
    /// longer configured, or a corrupt file): forgets it locally so that `connect` can start over.
    /// Nothing remote is touched (without the key nothing can be); the old Cloud registration, if
    /// any, is returned by the Cloud's idempotent create on the next organization-key connect.
    /// A readable record is refused with `invalid_input`: use `disconnect()` for it.
    pub async fn discard_unreadable_record(&self) -> Result<()> {
        let _writer = self.inner.writer.lock().await;
        match self.inner.store.load().await {
            Ok(loaded) if loaded.record.is_some() => Err(Error::invalid_input(
                "the stored record is readable; use disconnect() to remove the connection",
            )),
            Ok(_) => Ok(()),
            Err(e) if matches!(e.code(), ErrorCode::DecryptionFailed | ErrorCode::Storage) => {
                tracing::warn!(code = %e.code(), "discarding a stored record that cannot be read");
                self.inner.store.discard().await?;
                self.forget_status_flight();
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// Whether the Cloud refuses the stored key itself (a read with it answers 401).
    async fn stored_key_rejected(&self, key: &crate::ApiKey, cluster_id: &str) -> bool {
        matches!(
            self.inner.cloud.get_cluster(key, cluster_id).await,
            Err(e) if e.code() == ErrorCode::InvalidApiKey
        )
    }

    /// Completes an interrupted disconnect (roll forward: the user asked to disconnect).
    pub(crate) async fn reconcile_disconnect(
        &self,
        s: &mut Session,
        report: &mut ReconcileReport,
    ) -> Result<()> {
        let intent = s.intent_mut()?.clone();
        report.rolled_forward = Some(true);
        if let Some(c) = s.record.connection.clone()
            && !intent.has_step(CLOUD_DELETED)
        {
            match self
                .inner
                .cloud
                .delete_cluster(&c.api_key, &c.cluster_id, None)
                .await
            {
                Ok(_) => report.actions.push("deleted the Cloud registration".into()),
                // After a completed disconnect the Cloud forgets the cluster and revokes its key.
                Err(e) if matches!(e.code(), ErrorCode::NotFound | ErrorCode::InvalidApiKey) => {
                    report
                        .actions
                        .push("the Cloud registration was already gone".into())
                }
                Err(e) => return Err(e),
            }
        }
        if !intent.has_step(ES_CLEARED) {
            self.inner.inference.delete_ccm().await?;
            report
                .actions
                .push("removed the EIS key from Elasticsearch".into());
        }
        s.record.connection = None;
        self.persist(s).await?;
        report.actions.push("deleted the stored connection".into());
        Ok(())
    }
}
