//! The Elasticsearch [`CredentialStore`]: the connection kept as Kibana's own saved object
//! (`cloud-connect-api-key:239feff0-…` in the `.kibana` alias), byte-compatible with Kibana's
//! Cloud Connect plugin, so several Kibana instances and library users can share one cluster
//! (`spec/kibana-eso-format.md` §5, `spec/elasticsearch.md` §6).
//!
//! Every write is a compare-and-set: `if_seq_no`/`if_primary_term` of the document read, or
//! `_create` when there was none; a 409 is a [`version_conflict`]. Writes use `refresh=wait_for`,
//! `require_alias=true` and the header `x-elastic-product-origin: kibana`.
//!
//! The credentials are those of a principal that may read, index and delete in `.kibana*` with
//! `allow_restricted_indices: true` (for example the `elastic/kibana` service account token, or a
//! role granting that); the `elastic` superuser can read but not write system indices. They are
//! usually not the credentials used for `_inference/_ccm`.

mod document;
mod version;

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use reqwest::Method;
use serde_json::Value;

pub use document::{
    KIBANA_INDEX, LIBRARY_ATTRIBUTE, SAVED_OBJECT_ID, SAVED_OBJECT_TYPE, document_id,
};
pub use version::{ABSENT, SeqNoPrimaryTerm};

use self::document::SealedSecret;
use super::file::ResealReport;
use super::record::ConnectionRecord;
use super::traits::{CredentialStore, Loaded, RecordVersion, version_conflict};
use crate::crypto::EncryptionKeys;
use crate::crypto::kibana::KibanaCodec;
use crate::elasticsearch::{EsCredentials, HttpElasticsearch};
use crate::error::{Error, ErrorCode, Result};
use crate::http::{HttpOptions, RawResponse};

/// How many sealed secrets the store remembers for reuse (a record holds a handful).
const SEALED_MEMORY: usize = 16;

/// Keeps the connection record in Elasticsearch as Kibana's Cloud Connect saved object.
#[derive(Clone)]
pub struct ElasticsearchStore {
    inner: Arc<Inner>,
}

struct Inner {
    es: HttpElasticsearch,
    codec: KibanaCodec,
    /// Secrets of the last document read or written that are sealed under the primary key.
    sealed: Mutex<Vec<SealedSecret>>,
}

/// A document as read: its `_source` and version.
struct Fetched {
    source: Value,
    at: SeqNoPrimaryTerm,
}

impl ElasticsearchStore {
    /// A store talking to the Elasticsearch at `url` with `credentials` (rights on `.kibana*`, see
    /// the module documentation), encrypting with `keys` in Kibana's format. Nothing is contacted.
    pub fn new(
        url: &str,
        credentials: EsCredentials,
        http: HttpOptions,
        keys: &EncryptionKeys,
    ) -> Result<Self> {
        Ok(Self::with_client(
            HttpElasticsearch::new(url, credentials, http)?,
            keys,
        ))
    }

    /// A store over an existing Elasticsearch client.
    pub fn with_client(es: HttpElasticsearch, keys: &EncryptionKeys) -> Self {
        ElasticsearchStore {
            inner: Arc::new(Inner {
                es,
                codec: KibanaCodec::new(keys),
                sealed: Mutex::new(Vec::new()),
            }),
        }
    }

    /// The codec (Kibana's format, with its derived-key cache) this store encrypts with.
    pub fn codec(&self) -> &KibanaCodec {
        &self.inner.codec
    }

    fn doc_path(endpoint: &str, query: &str) -> String {
        let mut p = format!("{KIBANA_INDEX}/{endpoint}/{}", document_id());
        if !query.is_empty() {
            p.push('?');
            p.push_str(query);
        }
        p
    }

    async fn fetch(&self) -> Result<Option<Fetched>> {
        let op = "read the Cloud Connect saved object";
        let r = self
            .inner
            .es
            .request(Method::GET, &Self::doc_path("_doc", ""), None, op)
            .await?;
        let json: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
        if r.status.as_u16() == 404 && json.get("found") == Some(&Value::Bool(false)) {
            return Ok(None);
        }
        if !r.status.is_success() {
            return Err(failure(&r, op));
        }
        if json.get("found") != Some(&Value::Bool(true)) {
            return Err(Error::storage(
                "Elasticsearch answered the saved-object read without a document",
            ));
        }
        let at = seq_no_primary_term(&json)?;
        Ok(Some(Fetched {
            source: json.get("_source").cloned().unwrap_or(Value::Null),
            at,
        }))
    }

    async fn decode(&self, source: Value) -> Result<document::Decoded> {
        let codec = self.inner.codec.clone();
        let decoded = blocking(move || document::decode(&codec, &source)).await?;
        self.remember(decoded.sealed.clone());
        Ok(decoded)
    }

    fn remember(&self, sealed: Vec<SealedSecret>) {
        if let Ok(mut m) = self.inner.sealed.lock() {
            *m = sealed;
            m.truncate(SEALED_MEMORY);
        }
    }

    fn remembered(&self) -> Vec<SealedSecret> {
        self.inner
            .sealed
            .lock()
            .map(|m| m.clone())
            .unwrap_or_default()
    }

    /// Writes `record` with compare-and-set against `expected`.
    async fn write(
        &self,
        record: &ConnectionRecord,
        expected: Option<SeqNoPrimaryTerm>,
        reuse: Vec<SealedSecret>,
    ) -> Result<RecordVersion> {
        let codec = self.inner.codec.clone();
        let record = record.clone();
        let now = document::kibana_now();
        let (source, sealed) =
            blocking(move || document::encode(&codec, &record, &now, &reuse)).await?;
        let path = match expected {
            None => Self::doc_path("_create", "refresh=wait_for&require_alias=true"),
            Some(at) => Self::doc_path(
                "_doc",
                &format!(
                    "if_seq_no={}&if_primary_term={}&refresh=wait_for&require_alias=true",
                    at.seq_no, at.primary_term
                ),
            ),
        };
        let op = "write the Cloud Connect saved object";
        let r = self
            .inner
            .es
            .request(Method::PUT, &path, Some(source), op)
            .await?;
        if !r.status.is_success() {
            return Err(failure(&r, op));
        }
        let json: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
        let version = seq_no_primary_term(&json)?.to_version();
        self.remember(sealed);
        Ok(version)
    }

    /// Re-encrypts the record's secrets under the primary key in one compare-and-set write and
    /// reports the Kibana fingerprints of the keys that had encrypted them.
    pub async fn reseal(&self) -> Result<ResealReport> {
        let fetched = self.fetch().await?.ok_or_else(Error::not_connected)?;
        let decoded = self.decode(fetched.source).await?;
        let record = decoded.record.ok_or_else(Error::not_connected)?;
        // Secrets already under the primary key stay as they are; the others are re-encrypted.
        self.write(&record, Some(fetched.at), decoded.sealed)
            .await?;
        let fingerprints = self.inner.codec.fingerprints();
        let mut previous: Vec<usize> = decoded.keys_used.iter().map(|k| k.index).collect();
        previous.sort_unstable();
        previous.dedup();
        Ok(ResealReport {
            previous_key_ids: previous
                .into_iter()
                .filter_map(|i| fingerprints.get(i).cloned())
                .collect(),
            primary_key_id: fingerprints.first().cloned().unwrap_or_default(),
        })
    }
}

#[async_trait]
impl CredentialStore for ElasticsearchStore {
    async fn load(&self) -> Result<Loaded> {
        let Some(fetched) = self.fetch().await? else {
            return Ok(Loaded {
                record: None,
                version: version::absent(),
            });
        };
        let decoded = self.decode(fetched.source).await?;
        Ok(Loaded {
            record: decoded.record,
            version: fetched.at.to_version(),
        })
    }

    async fn save(
        &self,
        record: &ConnectionRecord,
        expected: &RecordVersion,
    ) -> Result<RecordVersion> {
        if record.is_empty() {
            return self.delete(expected).await;
        }
        let expected = version::parse(expected)?;
        self.write(record, expected, self.remembered()).await
    }

    async fn delete(&self, expected: &RecordVersion) -> Result<RecordVersion> {
        let Some(at) = version::parse(expected)? else {
            // Expected absent: it must still be absent.
            return match self.fetch().await? {
                None => Ok(version::absent()),
                Some(_) => Err(version_conflict()),
            };
        };
        let op = "delete the Cloud Connect saved object";
        let path = Self::doc_path(
            "_doc",
            &format!(
                "if_seq_no={}&if_primary_term={}&refresh=wait_for",
                at.seq_no, at.primary_term
            ),
        );
        let r = self
            .inner
            .es
            .request(Method::DELETE, &path, None, op)
            .await?;
        let json: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
        if r.status.is_success() {
            self.remember(Vec::new());
            return Ok(version::absent());
        }
        if r.status.as_u16() == 404 && json.get("result") == Some(&Value::from("not_found")) {
            // Already gone, so not at the expected version.
            return Err(version_conflict());
        }
        Err(failure(&r, op))
    }

    async fn reseal(&self) -> Result<ResealReport> {
        ElasticsearchStore::reseal(self).await
    }
}

impl std::fmt::Debug for ElasticsearchStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ElasticsearchStore")
            .field("es", &self.inner.es)
            .field("codec", &self.inner.codec)
            .finish()
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| Error::internal("the store's blocking task failed"))?
}

fn seq_no_primary_term(json: &Value) -> Result<SeqNoPrimaryTerm> {
    match (
        json.get("_seq_no").and_then(Value::as_u64),
        json.get("_primary_term").and_then(Value::as_u64),
    ) {
        (Some(seq_no), Some(primary_term)) => Ok(SeqNoPrimaryTerm {
            seq_no,
            primary_term,
        }),
        _ => Err(Error::storage(
            "Elasticsearch's answer has no _seq_no/_primary_term",
        )),
    }
}

/// The error for a failed document call (`elasticsearch.md` §6.4, §6.5).
fn failure(r: &RawResponse, operation: &str) -> Error {
    let status = r.status.as_u16();
    let json: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
    let error_type = json
        .pointer("/error/type")
        .and_then(Value::as_str)
        .unwrap_or("");
    let reason: String = json
        .pointer("/error/reason")
        .and_then(Value::as_str)
        .unwrap_or("")
        .chars()
        .take(300)
        .collect();
    if status == 409 {
        return version_conflict();
    }
    let explanation = match (status, error_type) {
        (404, "index_not_found_exception") => format!(
            "the {KIBANA_INDEX} alias does not exist: Kibana has not been started against this cluster yet ({reason})"
        ),
        (400, "strict_dynamic_mapping_exception") => format!(
            "Kibana's index does not know the {SAVED_OBJECT_TYPE} type; a Kibana of version 9.3 or later must have run against this cluster ({reason})"
        ),
        (401, _) => {
            format!("Elasticsearch rejected the credentials of the saved-object store ({reason})")
        }
        (403, _) => format!(
            "the saved-object store's credentials lack privileges: they need read, index and delete on .kibana* with allow_restricted_indices (for example the elastic/kibana service account token); the elastic superuser cannot write system indices ({reason})"
        ),
        _ if reason.is_empty() => format!("Elasticsearch answered {status}"),
        _ => format!("Elasticsearch answered {status}: {reason}"),
    };
    Error::new(
        ErrorCode::Storage,
        format!("cannot {operation}: {explanation}"),
    )
    .with_http_status(status)
    .with_retryable(status == 429 || status == 503)
}
