//! Helpers shared by the workspace's examples and acceptance tests (not published): start the
//! simulators and build a [`ServiceManager`] wired to them.

use std::sync::Arc;
use std::time::Duration;

use cloud_connect::elasticsearch::EsCredentials;
use cloud_connect::http::HttpOptions;
use cloud_connect::store::CredentialStore;
use cloud_connect::{ManagerOptions, ServiceManager, ServiceManagerBuilder};
use cloud_connect_testkit::{SimConfig, Simulators};

/// A demo encryption key for examples and tests (never use it for real data).
pub const DEMO_ENCRYPTION_KEY: &str = "demo-encryption-key-for-the-simulators-only";

/// HTTP options suited to loopback simulators: short timeouts so fault tests stay fast.
pub fn fast_http() -> HttpOptions {
    HttpOptions {
        request_timeout: Duration::from_millis(1500),
        connect_timeout: Duration::from_millis(500),
        initial_backoff: Duration::from_millis(20),
        ..HttpOptions::default()
    }
}

/// Starts both simulators with default settings.
pub async fn start_simulators() -> Simulators {
    match Simulators::start(SimConfig::default()).await {
        Ok(s) => s,
        Err(e) => panic!("cannot start the simulators on loopback: {e}"),
    }
}

/// A builder wired to the simulators (Cloud URL, Elasticsearch URL and credentials).
pub fn builder_for(sims: &Simulators, http: HttpOptions) -> ServiceManagerBuilder {
    builder_for_urls(
        &sims.cloud_url(),
        &sims.es_url(),
        &sims.es_authorization(),
        http,
    )
}

/// The same from the simulators' printed addresses (for a child process that only has them).
pub fn builder_for_urls(
    cloud_url: &str,
    es_url: &str,
    es_authorization: &str,
    http: HttpOptions,
) -> ServiceManagerBuilder {
    ServiceManagerBuilder::new()
        .cloud_url(cloud_url)
        .elasticsearch(
            es_url,
            EsCredentials::Header(es_authorization.to_owned().into()),
        )
        .http_options(http)
        .encryption_key(DEMO_ENCRYPTION_KEY)
}

/// Reads the record of a file store sealed with [`DEMO_ENCRYPTION_KEY`] (a test's own view,
/// independent of any manager).
pub async fn load_demo_file_record(
    path: &std::path::Path,
) -> cloud_connect::Result<Option<cloud_connect::store::ConnectionRecord>> {
    let keys = cloud_connect::crypto::EncryptionKeys::primary_only(DEMO_ENCRYPTION_KEY)?;
    Ok(cloud_connect::store::FileStore::new(path, keys)
        .load()
        .await?
        .record)
}

/// A manager over the simulators with the given store.
pub fn manager_with_store(
    sims: &Simulators,
    store: Arc<dyn CredentialStore>,
    options: ManagerOptions,
) -> ServiceManager {
    match builder_for(sims, fast_http())
        .with_store(store)
        .manager_options(options)
        .build()
    {
        Ok(m) => m,
        Err(e) => panic!("cannot build the manager: {e}"),
    }
}
