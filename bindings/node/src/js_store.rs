//! A [`CredentialStore`] implemented in JavaScript (Kibana's encrypted saved objects).
//!
//! The record crosses the boundary in the library's wire form ([`ConnectionRecord::to_wire`])
//! with its secrets as **plain strings**: the JS side is Kibana's encrypted saved objects, which
//! encrypts the attributes it is told to. A JS store must therefore encrypt the whole record (or at
//! least `connection.api_key` and every `intent.secrets.*`) before it writes anything.

use async_trait::async_trait;
use cloud_connect::store::{ConnectionRecord, CredentialStore, Loaded, RecordVersion};
use cloud_connect::{ApiKey, Error, Result};
use napi::Status;
use napi::bindgen_prelude::{FnArgs, Promise};
use napi::threadsafe_function::ThreadsafeFunction;
use napi_derive::napi;
use serde_json::Value;

use crate::errors::AdapterFailure;

/// What a JS store's `load()` resolves to.
#[napi(object)]
pub struct LoadedRecord {
    /// The stored record in the library's wire form (secrets in plain text), or `null` when
    /// nothing is stored.
    #[napi(ts_type = "Record<string, unknown> | null")]
    pub record: Option<Value>,
    /// The version of what is stored (for example a saved object's `version`); passed back
    /// unchanged as `expectedVersion` of the next `save`/`delete`. Use any fixed string (such as
    /// `""`) when nothing is stored.
    pub version: String,
}

/// `load()`.
pub type LoadFn = ThreadsafeFunction<(), Promise<LoadedRecord>, (), Status, false, true>;
/// `save(record, expectedVersion)`.
pub type SaveFn = ThreadsafeFunction<
    FnArgs<(Value, String)>,
    Promise<String>,
    FnArgs<(Value, String)>,
    Status,
    false,
    true,
>;
/// `delete(expectedVersion)`.
pub type DeleteFn = ThreadsafeFunction<String, Promise<String>, String, Status, false, true>;

/// A credential store implemented in JavaScript: the connection record with compare-and-swap on
/// a version. Kibana implements it over its encrypted saved objects.
///
/// The record holds the cluster-scoped Cloud API key **in plain text**: the store must encrypt
/// it at rest (Kibana's encrypted saved objects do, for the attributes registered as encrypted).
#[napi(object, object_to_js = false)]
pub struct CredentialStoreAdapter {
    /// Reads the record.
    #[napi(ts_type = "() => Promise<LoadedRecord>")]
    pub load: LoadFn,
    /// Writes `record` if the stored version is still `expectedVersion`; resolves to the new
    /// version. When the stored version differs, reject with an error whose `code` is
    /// `'conflict'` (for Kibana: the saved-objects 409).
    #[napi(
        ts_type = "(record: Record<string, unknown>, expectedVersion: string) => Promise<string>"
    )]
    pub save: SaveFn,
    /// Removes the record if the stored version is still `expectedVersion`; resolves to the new
    /// version. A missing record is not an error.
    #[napi(ts_type = "(expectedVersion: string) => Promise<string>")]
    pub delete: DeleteFn,
}

/// The [`CredentialStore`] over a [`CredentialStoreAdapter`].
pub struct JsCredentialStore {
    adapter: CredentialStoreAdapter,
}

impl JsCredentialStore {
    /// Wraps the JS functions.
    pub fn new(adapter: CredentialStoreAdapter) -> Self {
        JsCredentialStore { adapter }
    }
}

impl std::fmt::Debug for JsCredentialStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JsCredentialStore")
    }
}

fn failed(operation: &str) -> impl FnOnce(napi::Error) -> Error + '_ {
    move |e| AdapterFailure::from_napi(&e).into_store_error(operation)
}

#[async_trait]
impl CredentialStore for JsCredentialStore {
    async fn load(&self) -> Result<Loaded> {
        let op = "load the connection record";
        let loaded = self
            .adapter
            .load
            .call_async(())
            .await
            .map_err(failed(op))?
            .await
            .map_err(failed(op))?;
        let record = match loaded.record {
            None | Some(Value::Null) => None,
            Some(v) => {
                let r = ConnectionRecord::from_wire(&v, &|_, plain| ApiKey::new(plain.to_owned()))?;
                (!r.is_empty()).then_some(r)
            }
        };
        Ok(Loaded {
            record,
            version: RecordVersion(loaded.version),
        })
    }

    async fn save(
        &self,
        record: &ConnectionRecord,
        expected: &RecordVersion,
    ) -> Result<RecordVersion> {
        let op = "save the connection record";
        // Plain strings: the JS store (encrypted saved objects) encrypts them.
        let wire = record.to_wire(&|_, key| Ok(key.expose().to_owned()))?;
        let version = self
            .adapter
            .save
            .call_async(FnArgs::from((wire, expected.0.clone())))
            .await
            .map_err(failed(op))?
            .await
            .map_err(failed(op))?;
        Ok(RecordVersion(version))
    }

    async fn delete(&self, expected: &RecordVersion) -> Result<RecordVersion> {
        let op = "delete the connection record";
        let version = self
            .adapter
            .delete
            .call_async(expected.0.clone())
            .await
            .map_err(failed(op))?
            .await
            .map_err(failed(op))?;
        Ok(RecordVersion(version))
    }
}
