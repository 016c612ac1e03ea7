//! Encryption-key rotation: re-encrypt the stored record under the primary key.

use super::{ServiceManager, now_ms};
use crate::error::{Error, ErrorCode, Result};
use crate::store::ResealReport;

/// How often a re-encryption is retried when another writer changed the record in between.
const CONFLICT_RETRIES: u32 = 3;

impl ServiceManager {
    /// Re-encrypts the stored record under the primary encryption key, in one compare-and-swap
    /// write, and reports which keys had encrypted it. Run it after making a new key primary and
    /// moving the old one to the decryption-only keys; afterwards the old key can be removed.
    ///
    /// Touches neither the Cloud nor Elasticsearch's CCM settings; the record's content (the
    /// connection and any intent in flight) is unchanged. Fails with `operation_in_progress` while
    /// another process runs an operation on the connection, `not_connected` when nothing is
    /// stored, `decryption_failed` when no configured key opens the record, and `invalid_input`
    /// for stores that do not encrypt.
    pub async fn rotate_encryption_key(&self) -> Result<ResealReport> {
        let _writer = self.inner.writer.lock().await;
        let mut attempt = 0;
        loop {
            let current = self.inner.store.load().await?;
            if let Some(intent) = current.record.as_ref().and_then(|r| r.intent.as_ref())
                && intent.owner != self.inner.owner
                && intent.lease_expires_at_ms > now_ms()
            {
                return Err(Error::new(
                    ErrorCode::OperationInProgress,
                    format!(
                        "another writer is running {} on this connection; re-encrypt when it is done",
                        intent.operation.as_str()
                    ),
                ));
            }
            match self.inner.store.reseal().await {
                // The record changed between our read and our write; its content is ours to
                // keep, so read it again and retry.
                Err(e) if e.code() == ErrorCode::Conflict && attempt < CONFLICT_RETRIES => {
                    attempt += 1;
                }
                Ok(report) => {
                    tracing::info!(
                        previous = ?report.previous_key_ids,
                        primary = %report.primary_key_id,
                        "re-encrypted the stored connection record under the primary key"
                    );
                    return Ok(report);
                }
                Err(e) => return Err(e),
            }
        }
    }
}
