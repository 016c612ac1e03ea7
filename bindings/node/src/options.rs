//! The options of `new CloudConnect(options)`, and how they become a `ServiceManager`.

use std::sync::Arc;
use std::time::Duration;

use cloud_connect::elasticsearch::EsCredentials;
use cloud_connect::http::HttpOptions;
use cloud_connect::{Error, Result, ServiceManager, ServiceManagerBuilder};
use napi::Either;
use napi_derive::napi;

use crate::js_elasticsearch::{
    InferenceConfiguratorAdapter, JsInference, JsLocalCluster, LocalClusterAdapter,
};
use crate::js_store::{CredentialStoreAdapter, JsCredentialStore};
use crate::logger::Logger;

/// The library's encrypted file store.
#[napi(object, object_to_js = false)]
pub struct FileStoreOptions {
    /// Always `'file'`.
    #[napi(ts_type = "'file'")]
    pub kind: String,
    /// The file that holds the encrypted record (created with owner-only permissions).
    pub path: String,
}

/// How the library reaches the local Elasticsearch itself.
#[napi(object, object_to_js = false)]
pub struct ElasticsearchOptions {
    /// The Elasticsearch URL, for example `https://localhost:9200`.
    pub url: String,
    /// The complete `Authorization` header value (for example `ApiKey …` or `Basic …`).
    pub authorization: Option<String>,
}

/// Options of `new CloudConnect(options)`.
#[napi(object, object_to_js = false)]
pub struct CloudConnectOptions {
    /// The Elastic Cloud URL (an origin; default `https://api.elastic-cloud.com`).
    pub cloud_url: Option<String>,
    /// The encryption key (at least 32 characters; Kibana's
    /// `xpack.encryptedSavedObjects.encryptionKey`). Required by the file store.
    pub encryption_key: Option<String>,
    /// Old keys that may still open records, never seal new ones.
    pub decryption_only_keys: Option<Vec<String>>,
    /// Where the connection record lives: the encrypted file store, or a JS store (which must
    /// encrypt the record itself: see `CredentialStoreAdapter`).
    pub store: Either<FileStoreOptions, CredentialStoreAdapter>,
    /// The local Elasticsearch, reached by the library's own client. Not needed when both
    /// `inference` and `localCluster` are given.
    pub elasticsearch: Option<ElasticsearchOptions>,
    /// `_inference/_ccm`, implemented in JS (for example over Kibana's `esClient.asCurrentUser`).
    pub inference: Option<InferenceConfiguratorAdapter>,
    /// The local cluster's identity and license, implemented in JS.
    pub local_cluster: Option<LocalClusterAdapter>,
    /// Whole-request timeout of the library's HTTP calls, in milliseconds (default 30 000).
    pub request_timeout_ms: Option<u32>,
    /// Connect timeout of the library's HTTP calls, in milliseconds (default 10 000).
    pub connect_timeout_ms: Option<u32>,
    /// Allow plain `http://` to hosts other than loopback (default false).
    pub allow_insecure_http: Option<bool>,
    /// Receives the library's log events.
    pub logger: Option<Logger>,
}

/// Builds the manager; returns the logger (if any) for the caller to scope operations with.
pub fn build(options: CloudConnectOptions) -> Result<(ServiceManager, Option<Logger>)> {
    let mut http = HttpOptions::default();
    if let Some(ms) = options.request_timeout_ms {
        http.request_timeout = positive_ms(ms, "requestTimeoutMs")?;
    }
    if let Some(ms) = options.connect_timeout_ms {
        http.connect_timeout = positive_ms(ms, "connectTimeoutMs")?;
    }
    if let Some(allow) = options.allow_insecure_http {
        http.allow_insecure_http = allow;
    }
    let mut b = ServiceManagerBuilder::new().http_options(http);
    if let Some(url) = options.cloud_url {
        b = b.cloud_url(url);
    }
    if let Some(key) = options.encryption_key {
        b = b.encryption_key(key);
    }
    if let Some(keys) = options.decryption_only_keys {
        b = b.decryption_only_keys(keys);
    }
    b = match options.store {
        Either::A(file) => {
            if file.kind != "file" {
                return Err(Error::invalid_input(
                    "store.kind must be 'file' (or pass a store object with load, save and delete)",
                ));
            }
            // Fail now, not at the first operation, when the file store cannot seal.
            b.encryption_keys()?;
            b.store_path(file.path)
        }
        Either::B(js) => b.with_store(Arc::new(JsCredentialStore::new(js))),
    };
    if let Some(es) = options.elasticsearch {
        let credentials = match es.authorization {
            Some(h) if !h.is_empty() => EsCredentials::Header(h.into()),
            _ => EsCredentials::None,
        };
        b = b.elasticsearch(es.url, credentials);
    }
    if let Some(inference) = options.inference {
        b = b.with_inference(Arc::new(JsInference::new(inference)));
    }
    if let Some(local) = options.local_cluster {
        b = b.with_local_cluster(Arc::new(JsLocalCluster::new(local)));
    }
    Ok((b.build()?, options.logger))
}

fn positive_ms(ms: u32, name: &str) -> Result<Duration> {
    if ms == 0 {
        return Err(Error::invalid_input(format!(
            "{name} must be greater than 0"
        )));
    }
    Ok(Duration::from_millis(u64::from(ms)))
}
