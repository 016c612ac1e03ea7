//! An in-memory [`CredentialStore`] for tests, with write counting and injectable failures.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use async_trait::async_trait;

use super::record::ConnectionRecord;
use super::traits::{CredentialStore, Loaded, RecordVersion, version_conflict};
use crate::error::{Error, Result};

/// Keeps the record in memory.
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: Mutex<(Option<ConnectionRecord>, u64)>,
    writes: AtomicU64,
    fail_saves: AtomicU32,
    pass_saves: AtomicU32,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The record as stored now (for assertions).
    pub fn snapshot(&self) -> Option<ConnectionRecord> {
        self.state.lock().ok().and_then(|s| s.0.clone())
    }

    /// How many successful writes (saves and deletes) happened.
    pub fn write_count(&self) -> u64 {
        self.writes.load(Ordering::SeqCst)
    }

    /// Makes the next `n` saves fail with a storage error (to test compensation).
    pub fn fail_next_saves(&self, n: u32) {
        self.fail_saves_after(0, n);
    }

    /// Lets `pass` saves through, then makes the following `fail` saves fail with a storage
    /// error (to fail one chosen step of an operation).
    pub fn fail_saves_after(&self, pass: u32, fail: u32) {
        self.pass_saves.store(pass, Ordering::SeqCst);
        self.fail_saves.store(fail, Ordering::SeqCst);
    }
}

#[async_trait]
impl CredentialStore for MemoryStore {
    async fn load(&self) -> Result<Loaded> {
        let s = self
            .state
            .lock()
            .map_err(|_| Error::storage("memory store poisoned"))?;
        Ok(Loaded {
            record: s.0.clone(),
            version: RecordVersion(s.1.to_string()),
        })
    }

    async fn save(
        &self,
        record: &ConnectionRecord,
        expected: &RecordVersion,
    ) -> Result<RecordVersion> {
        let passing = self
            .pass_saves
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if !passing
            && self
                .fail_saves
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok()
        {
            return Err(Error::storage("injected storage failure"));
        }
        let mut s = self
            .state
            .lock()
            .map_err(|_| Error::storage("memory store poisoned"))?;
        if s.1.to_string() != expected.0 {
            return Err(version_conflict());
        }
        s.0 = if record.is_empty() {
            None
        } else {
            Some(record.clone())
        };
        s.1 += 1;
        self.writes.fetch_add(1, Ordering::SeqCst);
        Ok(RecordVersion(s.1.to_string()))
    }

    async fn discard(&self) -> Result<()> {
        let mut s = self
            .state
            .lock()
            .map_err(|_| Error::storage("memory store poisoned"))?;
        s.0 = None;
        s.1 += 1;
        self.writes.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    async fn delete(&self, expected: &RecordVersion) -> Result<RecordVersion> {
        let mut s = self
            .state
            .lock()
            .map_err(|_| Error::storage("memory store poisoned"))?;
        if s.1.to_string() != expected.0 {
            return Err(version_conflict());
        }
        s.0 = None;
        s.1 += 1;
        self.writes.fetch_add(1, Ordering::SeqCst);
        Ok(RecordVersion(s.1.to_string()))
    }
}
