//! The encrypted file [`CredentialStore`], the embedded default.
//!
//! One JSON file holds a per-installation salt, a version counter, the record and a seal that
//! authenticates the version and the whole record; every secret in
//! it is sealed (AES-256-GCM-SIV, key stretched once per process) with associated data binding the
//! record type, record id, Cloud cluster id and field. Writes are atomic (temporary file, fsync,
//! rename, fsync of the directory), owner-only (0600), and serialized across processes by an
//! advisory lock on `<path>.lock`, under which the version is compared before writing.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use rand::RngCore;
use serde_json::Value;

use super::record::ConnectionRecord;
use super::traits::{CredentialStore, Loaded, RecordVersion, version_conflict};
use crate::crypto::{EncryptionKeys, Keyring};
use crate::error::{Error, ErrorCode, Result};
use crate::secret::ApiKey;

const FORMAT: &str = "cloud-connect/file-store/v1";
const RECORD_TYPE: &str = "cloud-connect-record";
const RECORD_ID: &str = "connection";

/// Stores the record in one encrypted file.
#[derive(Debug, Clone)]
pub struct FileStore {
    path: PathBuf,
    keys: EncryptionKeys,
}

/// The file as read from disk.
struct OnDisk {
    salt: Vec<u8>,
    version: u64,
    record: Value,
    /// An AEAD tag over the version and the whole record (empty plaintext, the record as
    /// associated data): the non-secret fields are authenticated too.
    seal: Option<String>,
}

/// What [`FileStore::reseal`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResealReport {
    /// Ids of the keys that had sealed the record's secrets before.
    pub previous_key_ids: Vec<String>,
    /// Id of the primary key that seals them now.
    pub primary_key_id: String,
}

impl FileStore {
    /// A store at `path` using `keys`. Nothing is read or written until the first call.
    pub fn new(path: impl Into<PathBuf>, keys: EncryptionKeys) -> Self {
        FileStore {
            path: path.into(),
            keys,
        }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lock_path(&self) -> PathBuf {
        let mut p = self.path.clone().into_os_string();
        p.push(".lock");
        PathBuf::from(p)
    }

    fn io_error(&self, what: &str, e: std::io::Error) -> Error {
        Error::storage(format!("cannot {what} {}: {e}", self.path.display()))
    }

    fn read(&self) -> Result<Option<OnDisk>> {
        let bytes = match fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.io_error("read", e)),
        };
        let json: Value = serde_json::from_slice(&bytes).map_err(|_| {
            Error::storage(format!("{} is not a valid store file", self.path.display()))
        })?;
        if json.get("format").and_then(Value::as_str) != Some(FORMAT) {
            return Err(Error::storage(format!(
                "{} has an unknown format",
                self.path.display()
            )));
        }
        let salt = json
            .get("salt")
            .and_then(Value::as_str)
            .and_then(|s| B64.decode(s).ok())
            .filter(|s| s.len() >= 16)
            .ok_or_else(|| Error::storage("the store file has no valid salt"))?;
        let version = json
            .get("version")
            .and_then(Value::as_u64)
            .ok_or_else(|| Error::storage("the store file has no version"))?;
        Ok(Some(OnDisk {
            salt,
            version,
            record: json.get("record").cloned().unwrap_or(Value::Null),
            seal: json.get("seal").and_then(Value::as_str).map(str::to_owned),
        }))
    }

    /// Associated data of the whole-record seal: the version and the record's JSON bytes.
    fn record_aad(version: u64, record: &Value) -> Vec<u8> {
        let mut aad = format!("{RECORD_TYPE}\0{RECORD_ID}\0record\0{version}\0").into_bytes();
        aad.extend_from_slice(record.to_string().as_bytes());
        aad
    }

    fn aad(cluster_id: &str, field: &str) -> Vec<u8> {
        format!("{RECORD_TYPE}\0{RECORD_ID}\0{cluster_id}\0{field}").into_bytes()
    }

    /// Decodes the record, reporting the ids of the keys that sealed its secrets.
    fn decode(&self, disk: &OnDisk) -> Result<(Option<ConnectionRecord>, Vec<String>)> {
        if disk.record.is_null() {
            return Ok((None, Vec::new()));
        }
        let keyring = Keyring::new(&self.keys, &disk.salt);
        // Everything in the record, not only its secrets, must be as this library wrote it: an
        // edited intent or organization id must never drive remote calls.
        let seal = disk.seal.as_deref().ok_or_else(|| {
            Error::new(
                ErrorCode::DecryptionFailed,
                "the stored record has no integrity seal",
            )
        })?;
        keyring
            .open(seal, &Self::record_aad(disk.version, &disk.record))
            .map_err(|e| {
                let sealed_with_known_key = seal
                    .split('.')
                    .nth(1)
                    .is_some_and(|kid| keyring.find(kid).is_some());
                if sealed_with_known_key {
                    Error::new(
                        ErrorCode::DecryptionFailed,
                        "the stored record was modified outside this library (integrity check failed)",
                    )
                } else {
                    // Sealed with a key that is not configured: say which, as for secrets.
                    e
                }
            })?;
        let cluster_id = disk
            .record
            .pointer("/connection/cluster_id")
            .or_else(|| disk.record.pointer("/intent/cluster_id"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let used = std::cell::RefCell::new(Vec::new());
        let open = |field: &str, sealed: &str| -> Result<ApiKey> {
            let (pt, kid) = keyring.open(sealed, &Self::aad(&cluster_id, field))?;
            used.borrow_mut().push(kid);
            let s = std::str::from_utf8(&pt).map_err(|_| {
                Error::new(ErrorCode::DecryptionFailed, "the stored secret is not text")
            })?;
            ApiKey::new(s.to_owned())
        };
        let record = ConnectionRecord::from_wire(&disk.record, &open)?;
        let mut ids = used.into_inner();
        ids.sort();
        ids.dedup();
        Ok((Some(record), ids))
    }

    fn write_locked(
        &self,
        record: Option<&ConnectionRecord>,
        expected: &RecordVersion,
    ) -> Result<RecordVersion> {
        let _lock = self.lock()?;
        let current = self.read()?;
        let current_version = current.as_ref().map_or(0, |d| d.version);
        if current_version.to_string() != expected.0 {
            return Err(version_conflict());
        }
        let salt = match &current {
            Some(d) => d.salt.clone(),
            None => {
                let mut s = vec![0u8; 16];
                rand::rng().fill_bytes(&mut s);
                s
            }
        };
        let keyring = Keyring::new(&self.keys, &salt);
        let wire = match record.filter(|r| !r.is_empty()) {
            None => Value::Null,
            Some(r) => {
                let cluster_id = r.cluster_id().to_owned();
                let seal = |field: &str, key: &ApiKey| {
                    keyring.seal(key.expose().as_bytes(), &Self::aad(&cluster_id, field))
                };
                r.to_wire(&seal)?
            }
        };
        let version = current_version + 1;
        let seal = if wire.is_null() {
            Value::Null
        } else {
            Value::String(keyring.seal(b"", &Self::record_aad(version, &wire))?)
        };
        let doc = serde_json::json!({
            "format": FORMAT,
            "salt": B64.encode(&salt),
            "version": version,
            "record": wire,
            "seal": seal,
        });
        self.write_atomically(doc.to_string().as_bytes())?;
        Ok(RecordVersion(version.to_string()))
    }

    fn lock(&self) -> Result<File> {
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir).map_err(|e| self.io_error("create the directory of", e))?;
        }
        let f = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(self.lock_path())
            .map_err(|e| self.io_error("open the lock file of", e))?;
        f.lock().map_err(|e| self.io_error("lock", e))?;
        Ok(f)
    }

    fn write_atomically(&self, bytes: &[u8]) -> Result<()> {
        let mut tmp = self.path.clone().into_os_string();
        tmp.push(format!(".tmp-{}", std::process::id()));
        let tmp = PathBuf::from(tmp);
        let mut f = OpenOptions::new()
            .create(true)
            .truncate(true)
            .write(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(|e| self.io_error("create a temporary file for", e))?;
        f.write_all(bytes).map_err(|e| self.io_error("write", e))?;
        f.sync_all().map_err(|e| self.io_error("fsync", e))?;
        drop(f);
        fs::rename(&tmp, &self.path).map_err(|e| self.io_error("replace", e))?;
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty())
            && let Ok(d) = File::open(dir)
        {
            let _ = d.sync_all();
        }
        Ok(())
    }

    /// Replaces whatever the file holds (readable or not) by an empty record, under the lock.
    fn discard_locked(&self) -> Result<()> {
        let _lock = self.lock()?;
        let previous = fs::read(&self.path)
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            .and_then(|j| j.get("version").and_then(Value::as_u64))
            .unwrap_or(0);
        let mut salt = vec![0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        let doc = serde_json::json!({
            "format": FORMAT,
            "salt": B64.encode(&salt),
            "version": previous + 1,
            "record": Value::Null,
            "seal": Value::Null,
        });
        self.write_atomically(doc.to_string().as_bytes())
    }

    /// Re-seals every secret of the record under the primary key (encryption-key rotation), as one
    /// compare-and-swap write. Reports which keys had sealed it.
    pub async fn reseal(&self) -> Result<ResealReport> {
        let this = self.clone();
        blocking(move || {
            let _lock = this.lock()?;
            let disk = this.read()?.ok_or_else(Error::not_connected)?;
            let (record, previous) = this.decode(&disk)?;
            let record = record.ok_or_else(Error::not_connected)?;
            drop(_lock);
            this.write_locked(Some(&record), &RecordVersion(disk.version.to_string()))?;
            Ok(ResealReport {
                previous_key_ids: previous,
                primary_key_id: Keyring::new(&this.keys, &disk.salt).primary_id().to_owned(),
            })
        })
        .await
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| Error::internal("the store's blocking task failed"))?
}

#[async_trait]
impl CredentialStore for FileStore {
    async fn load(&self) -> Result<Loaded> {
        let this = self.clone();
        blocking(move || {
            let Some(disk) = this.read()? else {
                return Ok(Loaded {
                    record: None,
                    version: RecordVersion("0".into()),
                });
            };
            let (record, _) = this.decode(&disk)?;
            Ok(Loaded {
                record,
                version: RecordVersion(disk.version.to_string()),
            })
        })
        .await
    }

    async fn save(
        &self,
        record: &ConnectionRecord,
        expected: &RecordVersion,
    ) -> Result<RecordVersion> {
        let this = self.clone();
        let record = record.clone();
        let expected = expected.clone();
        blocking(move || this.write_locked(Some(&record), &expected)).await
    }

    async fn delete(&self, expected: &RecordVersion) -> Result<RecordVersion> {
        let this = self.clone();
        let expected = expected.clone();
        blocking(move || this.write_locked(None, &expected)).await
    }

    async fn discard(&self) -> Result<()> {
        let this = self.clone();
        blocking(move || this.discard_locked()).await
    }

    async fn reseal(&self) -> Result<ResealReport> {
        FileStore::reseal(self).await
    }
}
