//! [`ServiceManagerBuilder`]: wires the default seams (reqwest Cloud and Elasticsearch clients,
//! the encrypted file store) from plain settings, or takes caller-provided seams.

use std::path::PathBuf;
use std::sync::Arc;

use secrecy::SecretString;

use crate::cloud::{CloudApi, DEFAULT_CLOUD_URL, HttpCloudApi};
use crate::crypto::EncryptionKeys;
use crate::elasticsearch::{EsCredentials, HttpElasticsearch, InferenceConfigurator, LocalCluster};
use crate::error::{Error, Result};
use crate::http::HttpOptions;
use crate::manager::{ManagerOptions, ServiceManager};
use crate::store::{CredentialStore, ElasticsearchStore, FileStore};

/// Builds a [`ServiceManager`]. No `Debug`: it holds keys.
#[derive(Default)]
pub struct ServiceManagerBuilder {
    cloud_url: Option<String>,
    encryption_key: Option<SecretString>,
    decryption_only_keys: Vec<SecretString>,
    store_path: Option<PathBuf>,
    es_store: Option<(String, EsCredentials)>,
    es_url: Option<String>,
    es_credentials: Option<EsCredentials>,
    http: HttpOptions,
    manager: ManagerOptions,
    cloud: Option<Arc<dyn CloudApi>>,
    store: Option<Arc<dyn CredentialStore>>,
    inference: Option<Arc<dyn InferenceConfigurator>>,
    local: Option<Arc<dyn LocalCluster>>,
}

impl ServiceManagerBuilder {
    /// A builder with defaults (Cloud URL `https://api.elastic-cloud.com`, 30 s timeouts).
    pub fn new() -> Self {
        Self::default()
    }

    /// The Cloud base URL (an origin; a trailing `/api/v1` is accepted).
    pub fn cloud_url(mut self, url: impl Into<String>) -> Self {
        self.cloud_url = Some(url.into());
        self
    }

    /// The primary encryption key (at least 32 characters; required for the file store).
    pub fn encryption_key(mut self, key: impl Into<String>) -> Self {
        self.encryption_key = Some(SecretString::from(key.into()));
        self
    }

    /// Keys that may open old records but never seal new ones.
    pub fn decryption_only_keys(mut self, keys: impl IntoIterator<Item = String>) -> Self {
        self.decryption_only_keys = keys.into_iter().map(SecretString::from).collect();
        self
    }

    /// Where the encrypted file store keeps the record.
    pub fn store_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.store_path = Some(path.into());
        self
    }

    /// Keep the record in Elasticsearch as Kibana's Cloud Connect saved object (in `.kibana`,
    /// readable and writable by Kibana's own plugin) instead of the encrypted file. `credentials`
    /// need read, index and delete on `.kibana*` with `allow_restricted_indices` (for example the
    /// `elastic/kibana` service account token); they are separate from the credentials given to
    /// [`ServiceManagerBuilder::elasticsearch`]. Requires the encryption key (Kibana's
    /// `xpack.encryptedSavedObjects.encryptionKey`).
    pub fn elasticsearch_store(
        mut self,
        url: impl Into<String>,
        credentials: EsCredentials,
    ) -> Self {
        self.es_store = Some((url.into(), credentials));
        self
    }

    /// The local Elasticsearch URL and credentials (used for `_inference/_ccm`, `GET /`,
    /// `GET /_license`).
    pub fn elasticsearch(mut self, url: impl Into<String>, credentials: EsCredentials) -> Self {
        self.es_url = Some(url.into());
        self.es_credentials = Some(credentials);
        self
    }

    /// HTTP settings for both clients.
    pub fn http_options(mut self, options: HttpOptions) -> Self {
        self.http = options;
        self
    }

    /// Manager tunables.
    pub fn manager_options(mut self, options: ManagerOptions) -> Self {
        self.manager = options;
        self
    }

    /// Use this Cloud API instead of the reqwest client.
    pub fn with_cloud(mut self, cloud: Arc<dyn CloudApi>) -> Self {
        self.cloud = Some(cloud);
        self
    }

    /// Use this store instead of the encrypted file store.
    pub fn with_store(mut self, store: Arc<dyn CredentialStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// Use this inference configurator instead of the reqwest Elasticsearch client.
    pub fn with_inference(mut self, inference: Arc<dyn InferenceConfigurator>) -> Self {
        self.inference = Some(inference);
        self
    }

    /// Use this local cluster reader instead of the reqwest Elasticsearch client.
    pub fn with_local_cluster(mut self, local: Arc<dyn LocalCluster>) -> Self {
        self.local = Some(local);
        self
    }

    /// The configured keys, validated (missing → `encryption_key_missing`, short → `invalid_input`).
    pub fn encryption_keys(&self) -> Result<EncryptionKeys> {
        EncryptionKeys::new(
            self.encryption_key.clone(),
            self.decryption_only_keys.clone(),
        )
    }

    /// Validates the settings and builds the manager. Nothing is contacted.
    pub fn build(self) -> Result<ServiceManager> {
        let store: Arc<dyn CredentialStore> = match self.store.clone() {
            Some(s) => s,
            None => {
                let keys = self.encryption_keys()?;
                if let Some((url, credentials)) = &self.es_store {
                    if self.store_path.is_some() {
                        return Err(Error::invalid_input(
                            "both a store path and an Elasticsearch store are set: choose one",
                        ));
                    }
                    Arc::new(ElasticsearchStore::new(
                        url,
                        credentials.clone(),
                        self.http.clone(),
                        &keys,
                    )?)
                } else {
                    let path = self.store_path.clone().ok_or_else(|| {
                        Error::invalid_input("no store: set a store path (or provide a store)")
                    })?;
                    Arc::new(FileStore::new(path, keys))
                }
            }
        };
        let cloud: Arc<dyn CloudApi> = match self.cloud {
            Some(c) => c,
            None => Arc::new(HttpCloudApi::new(
                self.cloud_url.as_deref().unwrap_or(DEFAULT_CLOUD_URL),
                self.http.clone(),
            )?),
        };
        let es = match (
            &self.es_url,
            self.inference.is_none() || self.local.is_none(),
        ) {
            (Some(url), true) => Some(Arc::new(HttpElasticsearch::new(
                url,
                self.es_credentials.clone().unwrap_or(EsCredentials::None),
                self.http.clone(),
            )?)),
            (None, true) => {
                return Err(Error::invalid_input(
                    "no Elasticsearch: set its URL (or provide the inference configurator and local cluster)",
                ));
            }
            _ => None,
        };
        let inference: Arc<dyn InferenceConfigurator> = match (self.inference, &es) {
            (Some(i), _) => i,
            (None, Some(es)) => es.clone(),
            (None, None) => return Err(Error::internal("no inference configurator")),
        };
        let local: Arc<dyn LocalCluster> = match (self.local, &es) {
            (Some(l), _) => l,
            (None, Some(es)) => es.clone(),
            (None, None) => return Err(Error::internal("no local cluster")),
        };
        Ok(ServiceManager::new(
            cloud,
            store,
            inference,
            local,
            self.manager,
        ))
    }
}
