//! The record as one operation sees it, and the intent journal's mechanics: every write is a
//! compare-and-swap against the version read, so a second process gets `operation_in_progress`
//! instead of a torn state.

use std::collections::BTreeMap;

use super::{ServiceManager, now_ms, random_id};
use crate::error::{Error, ErrorCode, Result};
use crate::model::Service;
use crate::store::{ConnectionRecord, Intent, Operation, RecordVersion};

/// The record and the version it was read at.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub record: ConnectionRecord,
    pub version: RecordVersion,
}

impl Session {
    pub fn intent_mut(&mut self) -> Result<&mut Intent> {
        self.record
            .intent
            .as_mut()
            .ok_or_else(|| Error::internal("no intent in flight"))
    }
}

/// Whether an error leaves the outcome of the remote call unknown (it may have been applied).
pub(crate) fn in_doubt(e: &Error) -> bool {
    matches!(
        e.code(),
        ErrorCode::Timeout | ErrorCode::Network | ErrorCode::CloudProtocol
    ) && e.http_status().is_none_or(|s| (200..300).contains(&s))
}

fn operation_in_progress(intent: &Intent) -> Error {
    Error::new(
        ErrorCode::OperationInProgress,
        format!(
            "another writer is running {} on this connection; try again shortly",
            intent.operation.as_str()
        ),
    )
}

impl ServiceManager {
    /// Reads the record as it is now.
    pub(crate) async fn read_session(&self) -> Result<Session> {
        let loaded = self.inner.store.load().await?;
        Ok(Session {
            record: loaded.record.unwrap_or_default(),
            version: loaded.version,
        })
    }

    /// Reads the record for a mutating operation: an intent left by a live writer elsewhere is
    /// refused; an abandoned one (or one of ours) is reconciled first.
    pub(crate) async fn begin(&self) -> Result<Session> {
        let mut s = self.read_session().await?;
        if let Some(intent) = &s.record.intent {
            if intent.owner != self.inner.owner && intent.lease_expires_at_ms > now_ms() {
                return Err(operation_in_progress(intent));
            }
            let report = self.reconcile_session(&mut s).await?;
            tracing::info!(actions = ?report.actions, "reconciled an interrupted operation before starting a new one");
        }
        Ok(s)
    }

    /// Writes the session's record with compare-and-swap. A status read already in flight may
    /// predate this write, so later `status()` calls start a fresh one.
    pub(crate) async fn persist(&self, s: &mut Session) -> Result<()> {
        s.version = if s.record.is_empty() {
            self.inner.store.delete(&s.version).await?
        } else {
            self.inner.store.save(&s.record, &s.version).await?
        };
        self.forget_status_flight();
        Ok(())
    }

    /// Writes the intent of a new operation before its first remote side effect.
    pub(crate) async fn start_intent(
        &self,
        s: &mut Session,
        operation: Operation,
        prior: BTreeMap<Service, bool>,
        target: BTreeMap<Service, bool>,
        prepare: impl FnOnce(&mut Intent),
    ) -> Result<()> {
        let mut intent = Intent {
            operation_id: random_id(8),
            operation,
            owner: self.inner.owner.clone(),
            lease_expires_at_ms: now_ms() + self.inner.options.lease_timeout.as_millis() as u64,
            prior,
            target,
            steps: Vec::new(),
            cluster_id: s.record.connection.as_ref().map(|c| c.cluster_id.clone()),
            organization_id: None,
            secrets: BTreeMap::new(),
        };
        prepare(&mut intent);
        s.record.intent = Some(intent);
        match self.persist(s).await {
            Err(e) if e.code() == ErrorCode::Conflict => {
                let now = self.read_session().await?;
                Err(now
                    .record
                    .intent
                    .as_ref()
                    .map(operation_in_progress)
                    .unwrap_or(e))
            }
            other => other,
        }
    }

    /// Records that `step` is done (and renews the lease).
    pub(crate) async fn step(&self, s: &mut Session, step: &str) -> Result<()> {
        let lease = now_ms() + self.inner.options.lease_timeout.as_millis() as u64;
        let intent = s.intent_mut()?;
        intent.steps.push(step.to_owned());
        intent.lease_expires_at_ms = lease;
        self.persist(s).await
    }

    /// Clears the intent: the operation is complete (or fully compensated).
    pub(crate) async fn finish(&self, s: &mut Session) -> Result<()> {
        s.record.intent = None;
        self.persist(s).await
    }

    /// The common failure path after the intent was written: bring the Cloud, Elasticsearch
    /// and the record into agreement now, with the same logic `reconcile` runs after a crash.
    /// `Ok(())` means the operation was rolled forward (it took effect after all); otherwise the
    /// error to report: the original one after a rollback, or a rollback failure with both causes
    /// (the intent then stays for `reconcile`).
    pub(crate) async fn recover(&self, s: &mut Session, error: Error) -> Result<()> {
        match self.reconcile_session(s).await {
            Ok(report) if report.rolled_forward == Some(true) => {
                tracing::info!(actions = ?report.actions, code = %error.code(), "a step failed; the operation was completed by recovery");
                Ok(())
            }
            Ok(report) => {
                tracing::info!(actions = ?report.actions, code = %error.code(), "operation failed and was rolled back");
                Err(error)
            }
            Err(rollback) => {
                tracing::warn!(code = %error.code(), rollback_code = %rollback.code(), "operation failed and could not be compensated; the intent is kept for reconcile()");
                Err(Error::rollback_failed(error, rollback))
            }
        }
    }
}
