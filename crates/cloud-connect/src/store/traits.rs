//! The `CredentialStore` seam: load, save and delete the one connection record, with
//! compare-and-swap on an opaque version so two writers never silently overwrite each other.

use async_trait::async_trait;

use super::file::ResealReport;
use super::record::ConnectionRecord;
use crate::error::{Error, ErrorCode, Result};

/// An opaque version of the stored record. Each store defines its own form (a counter, an
/// Elasticsearch `_seq_no`/`_primary_term` pair); callers only pass it back.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RecordVersion(pub String);

/// The result of a load: the record (if any) and the version to pass to the next write.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The record, or `None` when nothing is stored.
    pub record: Option<ConnectionRecord>,
    /// The version the next `save`/`delete` must name.
    pub version: RecordVersion,
}

/// Stores the connection record. Every write is a compare-and-swap against the version read.
#[async_trait]
pub trait CredentialStore: Send + Sync + std::fmt::Debug {
    /// Reads the record.
    async fn load(&self) -> Result<Loaded>;
    /// Writes `record` if the stored version is still `expected`; returns the new version. A
    /// mismatch is a [`ErrorCode::Conflict`] error ([`version_conflict`]).
    async fn save(
        &self,
        record: &ConnectionRecord,
        expected: &RecordVersion,
    ) -> Result<RecordVersion>;
    /// Removes the record if the stored version is still `expected`; returns the new version.
    async fn delete(&self, expected: &RecordVersion) -> Result<RecordVersion>;
    /// Re-encrypts every secret of the stored record under the primary encryption key, as one
    /// compare-and-swap write (encryption-key rotation), and reports which keys had sealed it.
    /// `not_connected` when nothing is stored. Stores that do not encrypt (the default) answer
    /// `invalid_input`.
    async fn reseal(&self) -> Result<ResealReport> {
        Err(Error::invalid_input(
            "this credential store does not encrypt its record, so there is nothing to re-encrypt",
        ))
    }
    /// Removes the stored record without reading it (it may be undecryptable or corrupt), so
    /// that a new `connect` can start over. Stores that cannot do this (the default) answer
    /// `invalid_input`.
    async fn discard(&self) -> Result<()> {
        Err(Error::invalid_input(
            "this credential store cannot discard an unreadable record",
        ))
    }
}

/// The error every store returns when the stored version is not the expected one.
pub fn version_conflict() -> Error {
    Error::new(
        ErrorCode::Conflict,
        "the stored connection record was changed by another writer",
    )
    .with_retryable(true)
}
