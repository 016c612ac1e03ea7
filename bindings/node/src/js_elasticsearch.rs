//! The Elasticsearch seams implemented in JavaScript: Kibana passes functions over its own
//! Elasticsearch client (`esClient.asCurrentUser`), so `_inference/_ccm` runs as the requesting
//! user, as Kibana's plugin does.

use async_trait::async_trait;
use cloud_connect::elasticsearch::{InferenceConfigurator, LocalCluster};
use cloud_connect::model::{CcmState, LocalClusterInfo, LocalLicense};
use cloud_connect::{ApiKey, Error, ErrorCode, Result};
use napi::Status;
use napi::bindgen_prelude::Promise;
use napi::threadsafe_function::{ThreadsafeFunction, UnknownReturnValue};
use napi_derive::napi;
use serde_json::Value;

use crate::errors::AdapterFailure;

/// `putCcm(apiKey)`.
pub type PutCcmFn =
    ThreadsafeFunction<String, Promise<UnknownReturnValue>, String, Status, false, true>;
/// `deleteCcm()` and `getCcm()`.
pub type CcmStateFn = ThreadsafeFunction<(), Promise<Option<String>>, (), Status, false, true>;
/// `clusterInfo()` and `license()`.
pub type ReadFn = ThreadsafeFunction<(), Promise<Value>, (), Status, false, true>;

/// Elasticsearch's Cloud Connected Mode configuration (`_inference/_ccm`), implemented in
/// JavaScript. Reject with the Elasticsearch client's error as is: its HTTP status and
/// `error.type` decide the library error (`eis_key_rejected`, `ccm_unsupported`, …).
#[napi(object, object_to_js = false)]
pub struct InferenceConfiguratorAdapter {
    /// `PUT /_inference/_ccm {"api_key": apiKey}`: installs the EIS key.
    #[napi(ts_type = "(apiKey: string) => Promise<unknown>")]
    pub put_ccm: PutCcmFn,
    /// `DELETE /_inference/_ccm`. Resolve to `'unsupported'` when this Elasticsearch has no CCM
    /// (older than 9.3: a 404 `resource_not_found_exception`), otherwise to `'disabled'` (or
    /// nothing).
    #[napi(ts_type = "() => Promise<'disabled' | 'unsupported' | undefined | null | void>")]
    pub delete_ccm: CcmStateFn,
    /// `GET /_inference/_ccm`: resolve to `'enabled'`, `'disabled'` or `'unsupported'`.
    #[napi(ts_type = "() => Promise<'enabled' | 'disabled' | 'unsupported'>")]
    pub get_ccm: CcmStateFn,
}

/// The local cluster's identity and license, implemented in JavaScript: resolve to the bodies of
/// Elasticsearch's answers (what `esClient.info()` and `esClient.license.get()` return).
#[napi(object, object_to_js = false)]
pub struct LocalClusterAdapter {
    /// `GET /`: `{cluster_uuid, cluster_name, version: {number}}`.
    #[napi(
        ts_type = "() => Promise<{ cluster_uuid: string; cluster_name: string; version: { number: string } }>"
    )]
    pub cluster_info: ReadFn,
    /// `GET /_license`: `{license: {type, uid, status}}`.
    #[napi(
        ts_type = "() => Promise<{ license?: { type: string; uid: string; status?: string } }>"
    )]
    pub license: ReadFn,
}

/// [`InferenceConfigurator`] over an [`InferenceConfiguratorAdapter`].
pub struct JsInference {
    adapter: InferenceConfiguratorAdapter,
}

impl JsInference {
    /// Wraps the JS functions.
    pub fn new(adapter: InferenceConfiguratorAdapter) -> Self {
        JsInference { adapter }
    }
}

impl std::fmt::Debug for JsInference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JsInference")
    }
}

/// [`LocalCluster`] over a [`LocalClusterAdapter`].
pub struct JsLocalCluster {
    adapter: LocalClusterAdapter,
}

impl JsLocalCluster {
    /// Wraps the JS functions.
    pub fn new(adapter: LocalClusterAdapter) -> Self {
        JsLocalCluster { adapter }
    }
}

impl std::fmt::Debug for JsLocalCluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JsLocalCluster")
    }
}

fn es_failed<'a>(
    operation: &'a str,
    secret: Option<&'a str>,
) -> impl FnOnce(napi::Error) -> Error + 'a {
    move |e| AdapterFailure::from_napi(&e).into_es_error(operation, secret)
}

/// Like the library's own client: "CCM is not permitted here" (403 `status_exception`) from a
/// read or a delete is the state [`CcmState::Unsupported`], not a failure. `Err(state)` is that
/// state; `Ok(answer)` is everything else.
fn unsupported_is_a_state<T>(answer: Result<T>) -> Result<std::result::Result<T, CcmState>> {
    match answer {
        Ok(a) => Ok(Ok(a)),
        Err(e) if e.code() == ErrorCode::CcmUnsupported => Ok(Err(CcmState::Unsupported)),
        Err(e) => Err(e),
    }
}

fn ccm_state(answer: Option<String>, default: CcmState, operation: &str) -> Result<CcmState> {
    match answer.as_deref() {
        None | Some("") => Ok(default),
        Some("enabled") => Ok(CcmState::Enabled),
        Some("disabled") => Ok(CcmState::Disabled),
        Some("unsupported") => Ok(CcmState::Unsupported),
        Some(_) => Err(Error::new(
            ErrorCode::Internal,
            format!("the inference configurator's {operation} resolved to an unknown state"),
        )),
    }
}

#[async_trait]
impl InferenceConfigurator for JsInference {
    async fn put_ccm(&self, eis_key: &ApiKey) -> Result<()> {
        let op = "store the EIS key (PUT _inference/_ccm)";
        let secret = Some(eis_key.expose());
        self.adapter
            .put_ccm
            .call_async(eis_key.expose().to_owned())
            .await
            .map_err(es_failed(op, secret))?
            .await
            .map_err(es_failed(op, secret))?;
        Ok(())
    }

    async fn delete_ccm(&self) -> Result<CcmState> {
        let op = "remove the EIS key (DELETE _inference/_ccm)";
        let answer = self
            .adapter
            .delete_ccm
            .call_async(())
            .await
            .map_err(es_failed(op, None))?
            .await
            .map_err(es_failed(op, None));
        let answer = match unsupported_is_a_state(answer)? {
            Ok(a) => a,
            Err(state) => return Ok(state),
        };
        match ccm_state(answer, CcmState::Disabled, "deleteCcm")? {
            CcmState::Enabled => Err(Error::internal("deleteCcm resolved to 'enabled'")),
            s => Ok(s),
        }
    }

    async fn get_ccm(&self) -> Result<CcmState> {
        let op = "read the Cloud Connected Mode state (GET _inference/_ccm)";
        let answer = self
            .adapter
            .get_ccm
            .call_async(())
            .await
            .map_err(es_failed(op, None))?
            .await
            .map_err(es_failed(op, None));
        let answer = match unsupported_is_a_state(answer)? {
            Ok(a) => a,
            Err(state) => return Ok(state),
        };
        match answer {
            None => Err(Error::new(
                ErrorCode::Internal,
                "getCcm resolved to nothing",
            )),
            some => ccm_state(some, CcmState::Disabled, "getCcm"),
        }
    }
}

#[async_trait]
impl LocalCluster for JsLocalCluster {
    async fn cluster_info(&self) -> Result<LocalClusterInfo> {
        let op = "read the cluster information (GET /)";
        let body = self
            .adapter
            .cluster_info
            .call_async(())
            .await
            .map_err(es_failed(op, None))?
            .await
            .map_err(es_failed(op, None))?;
        LocalClusterInfo::from_root_response(&body)
    }

    async fn license(&self) -> Result<Option<LocalLicense>> {
        let op = "read the license (GET /_license)";
        let body = self
            .adapter
            .license
            .call_async(())
            .await
            .map_err(es_failed(op, None))?
            .await
            .map_err(es_failed(op, None))?;
        Ok(LocalLicense::from_license_response(&body))
    }
}
