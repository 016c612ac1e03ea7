//! `reconcile`: finish or undo an interrupted operation until the Cloud, Elasticsearch and the
//! record agree.

use super::outcomes::ReconcileReport;
use super::session::Session;
use super::{ServiceManager, now_ms};
use crate::error::{Error, ErrorCode, Result};
use crate::store::Operation;

impl ServiceManager {
    /// Looks for an interrupted operation (an intent in the store) and rolls it forward or back.
    /// Runs automatically before every mutating operation; call it directly after a crash. An
    /// intent whose writer is alive elsewhere (lease not expired) → `operation_in_progress`.
    pub async fn reconcile(&self) -> Result<ReconcileReport> {
        let _writer = self.inner.writer.lock().await;
        let mut s = self.read_session().await?;
        let Some(intent) = &s.record.intent else {
            return Ok(ReconcileReport::default());
        };
        if intent.owner != self.inner.owner && intent.lease_expires_at_ms > now_ms() {
            return Err(Error::new(
                ErrorCode::OperationInProgress,
                format!(
                    "another writer is running {} on this connection; try again shortly",
                    intent.operation.as_str()
                ),
            ));
        }
        self.reconcile_session(&mut s).await
    }

    /// Claims the session's intent, runs its operation's reconcile logic, and clears it.
    pub(crate) async fn reconcile_session(&self, s: &mut Session) -> Result<ReconcileReport> {
        let Some(intent) = s.record.intent.as_mut() else {
            return Ok(ReconcileReport::default());
        };
        let operation = intent.operation;
        if intent.owner != self.inner.owner {
            // Take the abandoned intent over (compare-and-swap: only one process wins).
            intent.owner = self.inner.owner.clone();
            intent.lease_expires_at_ms =
                now_ms() + self.inner.options.lease_timeout.as_millis() as u64;
            self.persist(s).await.map_err(|e| {
                if e.code() == ErrorCode::Conflict {
                    Error::new(
                        ErrorCode::OperationInProgress,
                        "another process is reconciling this connection",
                    )
                } else {
                    e
                }
            })?;
        }
        let mut report = ReconcileReport {
            operation: Some(operation.as_str().to_owned()),
            ..Default::default()
        };
        match operation {
            Operation::Connect => self.reconcile_connect(s, &mut report).await?,
            Operation::UpdateServices => self.reconcile_update_services(s, &mut report).await?,
            Operation::RotateClusterKey => {
                self.reconcile_rotate_cluster_key(s, &mut report).await?
            }
            Operation::RotateServiceKey => {
                self.reconcile_rotate_service_key(s, &mut report).await?
            }
            Operation::Disconnect => self.reconcile_disconnect(s, &mut report).await?,
            Operation::SyncLicense => report.rolled_forward = Some(false),
        }
        if s.record.intent.is_some() {
            self.finish(s).await?;
        }
        Ok(report)
    }
}
