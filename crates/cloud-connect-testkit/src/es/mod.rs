//! Simulator of the Elasticsearch calls Cloud Connect makes (`spec/elasticsearch.md`).

mod ccm;
mod config;
mod documents;
mod errors;
mod inference;
mod info;
mod routes;
mod security;
mod state;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::http::Uri;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::Rng;
use rand::distr::Alphanumeric;
use serde::Serialize;
use serde_json::{Value, json};

pub use config::{ClusterInfo, EsConfig, KIBANA_93_ROOT_FIELDS, LicenseInfo};
pub use routes::ES_ROUTES;
pub use state::{CcmEvent, EisOutcome, EsUser, IndexPrivilege};

use crate::clock::Clock;
use crate::cloud::EisKeyCheck;
use crate::faults::{FaultSet, FaultSpec, lock};
use crate::instrument::{Instrument, instrument};
use crate::observe::{Observer, RequestRecord};
use crate::server::{ServerHandle, serve};
use state::{EsState, Index};

pub(crate) struct Shared {
    state: Mutex<EsState>,
    pub(crate) clock: Clock,
    pub(crate) eis_check: Option<EisKeyCheck>,
}

impl Shared {
    pub(crate) fn lock(&self) -> MutexGuard<'_, EsState> {
        lock(&self.state)
    }
}

/// Path and query of a request, as ES prints them in messages.
pub(crate) fn uri_text(uri: &Uri) -> String {
    uri.path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/".into())
}

fn random_string(n: usize) -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(n)
        .map(char::from)
        .collect()
}

/// A random 22-character index uuid.
pub(crate) fn random_uuid() -> String {
    random_string(22)
}

/// The `Authorization` header values of the seeded principals.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EsCredentials {
    /// `Basic` for user `cloud_connect`: cluster `monitor`, `manage`, `manage_inference`; index
    /// `all` on `.kibana*` with `allow_restricted_indices`. The one to use by default.
    pub admin: String,
    /// `Basic` for `elastic` (`superuser`: reads but cannot write `.kibana*`).
    pub superuser: String,
    /// `Basic` for `monitor_user` (cluster `monitor`, `monitor_inference` only).
    pub monitor: String,
    /// `ApiKey base64(id:key)` owned by `cloud_connect`.
    pub api_key: String,
    /// `Bearer` service-account token of `elastic/kibana` (cluster `monitor`; `.kibana*` rights).
    pub kibana_bearer: String,
}

fn basic(user: &str, password: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{user}:{password}")))
}

struct Seeds {
    admin_password: String,
    api_key: (String, String),
    kibana_token: String,
}

impl Seeds {
    fn credentials(&self) -> EsCredentials {
        EsCredentials {
            admin: basic("cloud_connect", &self.admin_password),
            superuser: basic("elastic", "elastic-sim-password"),
            monitor: basic("monitor_user", "monitor-sim-password"),
            api_key: format!(
                "ApiKey {}",
                STANDARD.encode(format!("{}:{}", self.api_key.0, self.api_key.1))
            ),
            kibana_bearer: format!("Bearer {}", self.kibana_token),
        }
    }
}

fn kibana_rights() -> IndexPrivilege {
    IndexPrivilege {
        names: vec![".kibana*".into()],
        privileges: vec!["all".into()],
        allow_restricted_indices: true,
    }
}

fn initial_state(config: &EsConfig, seeds: &Seeds, now: u64) -> EsState {
    let mut users = BTreeMap::new();
    for u in [
        EsUser::superuser("elastic", "elastic-sim-password"),
        EsUser {
            username: "cloud_connect".into(),
            password: seeds.admin_password.clone(),
            roles: vec!["cloud_connect_admin".into()],
            cluster: vec!["monitor".into(), "manage".into(), "manage_inference".into()],
            indices: vec![kibana_rights()],
        },
        EsUser {
            username: "monitor_user".into(),
            password: "monitor-sim-password".into(),
            roles: vec!["monitoring_user".into()],
            cluster: vec!["monitor".into(), "monitor_inference".into()],
            indices: vec![],
        },
        EsUser {
            username: "elastic/kibana".into(),
            password: random_string(32),
            roles: vec!["kibana_system".into()],
            cluster: vec!["monitor".into()],
            indices: vec![kibana_rights()],
        },
    ] {
        users.insert(u.username.clone(), u);
    }
    let mut st = EsState {
        config: config.clone(),
        users,
        api_keys: BTreeMap::from([(
            seeds.api_key.0.clone(),
            (seeds.api_key.1.clone(), "cloud_connect".to_owned(), false),
        )]),
        tokens: BTreeMap::from([(seeds.kibana_token.clone(), "elastic/kibana".to_owned())]),
        ccm_key: None,
        ccm_enabled_at: None,
        eis_endpoints_created: false,
        ccm_history: Vec::new(),
        eis_scripts: BTreeMap::new(),
        eis_default: None,
        eis_allowed: BTreeSet::new(),
        aliases: BTreeMap::new(),
        indices: BTreeMap::new(),
        started_at: now,
    };
    set_kibana(&mut st, config.kibana_present);
    st
}

fn set_kibana(st: &mut EsState, present: bool) {
    let concrete = st.config.kibana_index.clone();
    if present {
        st.aliases.insert(".kibana".into(), concrete.clone());
        st.indices
            .entry(concrete)
            .or_insert_with(|| Index::new(random_uuid()));
    } else {
        st.aliases.remove(".kibana");
        st.indices.remove(&concrete);
    }
    st.config.kibana_present = present;
}

/// A running Elasticsearch simulator. Dropping it stops the server.
pub struct EsSim {
    shared: Arc<Shared>,
    faults: FaultSet,
    observer: Observer,
    server: ServerHandle,
    config: EsConfig,
    seeds: Seeds,
}

impl std::fmt::Debug for EsSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EsSim")
            .field("url", &self.url())
            .finish_non_exhaustive()
    }
}

impl EsSim {
    /// Starts an Elasticsearch simulator with its own clock and no Cloud simulator behind EIS
    /// validation (keys must be allowed or scripted, or `eis_accept_unknown_keys` set).
    pub async fn start(config: EsConfig) -> std::io::Result<EsSim> {
        Self::start_with(config, Clock::new(), None).await
    }

    /// Starts an Elasticsearch simulator reading `clock`, validating EIS keys with `eis_check`
    /// (see [`crate::CloudSim::eis_key_check`]).
    pub async fn start_with(
        config: EsConfig,
        clock: Clock,
        eis_check: Option<EisKeyCheck>,
    ) -> std::io::Result<EsSim> {
        let seeds = Seeds {
            admin_password: random_string(24),
            api_key: (random_string(20), random_string(22)),
            kibana_token: random_string(40),
        };
        let shared = Arc::new(Shared {
            state: Mutex::new(initial_state(&config, &seeds, clock.now_ms())),
            clock,
            eis_check,
        });
        let faults = FaultSet::default();
        let observer = Observer::default();
        let ins = Arc::new(Instrument {
            faults: faults.clone(),
            observer: observer.clone(),
            namer: routes::route_name,
            prefix: String::new(),
            gate: None,
        });
        let router = routes::api_router(shared.clone())
            .layer(axum::middleware::from_fn_with_state(ins, instrument))
            .layer(axum::middleware::from_fn_with_state(
                shared.clone(),
                routes::transport,
            ));
        let server = serve(router).await?;
        Ok(EsSim {
            shared,
            faults,
            observer,
            server,
            config,
            seeds,
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// `Authorization` value of the seeded admin user (`manage`, `manage_inference`, `monitor` and
    /// `.kibana*` rights).
    pub fn authorization(&self) -> String {
        self.seeds.credentials().admin
    }

    /// Every seeded credential.
    pub fn credentials(&self) -> EsCredentials {
        self.seeds.credentials()
    }

    /// The clock this simulator reads.
    pub fn clock(&self) -> &Clock {
        &self.shared.clock
    }

    /// The CCM key ES currently stores (test-only inspection; never exposed by the ES API).
    pub fn ccm_key(&self) -> Option<String> {
        self.shared.lock().ccm_key.clone()
    }

    /// What `GET _inference/_ccm` reports.
    pub fn ccm_enabled(&self) -> bool {
        self.shared.lock().ccm_key.is_some()
    }

    /// Every PUT/DELETE `_inference/_ccm` call that passed authentication, oldest first.
    pub fn ccm_history(&self) -> Vec<CcmEvent> {
        self.shared.lock().ccm_history.clone()
    }

    /// Current configuration.
    pub fn config(&self) -> EsConfig {
        self.shared.lock().config.clone()
    }

    /// Changes the configuration in place (`kibana_present` changes create/remove the fixture).
    pub fn update_config(&self, f: impl FnOnce(&mut EsConfig)) {
        let mut st = self.shared.lock();
        let before = st.config.kibana_present;
        f(&mut st.config);
        let after = st.config.kibana_present;
        if before != after {
            set_kibana(&mut st, after);
        }
    }

    /// Replaces the configuration.
    pub fn set_config(&self, config: EsConfig) {
        self.update_config(|c| *c = config);
    }

    /// Sets `version.number` (e.g. `"9.2.0"` turns `_ccm` into the pre-9.3 answers).
    pub fn set_version(&self, version: &str) {
        self.update_config(|c| c.cluster.version = version.into());
    }

    /// Sets what `GET /` reports.
    pub fn set_cluster_info(&self, info: ClusterInfo) {
        self.update_config(|c| c.cluster = info);
    }

    /// Sets what `GET /_license` reports (`None`: a body without `license`).
    pub fn set_license(&self, license: Option<LicenseInfo>) {
        self.update_config(|c| c.license = license);
    }

    /// Makes the `.kibana` alias fixture exist or not ("Kibana never ran").
    pub fn set_kibana_present(&self, present: bool) {
        self.update_config(|c| c.kibana_present = present);
    }

    /// Sets the primary term used by subsequent writes (simulates a failover).
    pub fn set_primary_term(&self, term: u64) {
        self.update_config(|c| c.primary_term = term);
    }

    /// Makes live EIS validation accept `key` (in addition to the Cloud simulator's keys).
    pub fn allow_eis_key(&self, key: &str) {
        self.shared.lock().eis_allowed.insert(key.into());
    }

    /// Scripts the EIS answer for one key.
    pub fn script_eis_key(&self, key: &str, outcome: EisOutcome) {
        self.shared.lock().eis_scripts.insert(key.into(), outcome);
    }

    /// Scripts the EIS answer for every key without a per-key script (`None`: back to the Cloud
    /// simulator's keys).
    pub fn script_eis_default(&self, outcome: Option<EisOutcome>) {
        self.shared.lock().eis_default = outcome;
    }

    /// Adds (or replaces) a user.
    pub fn add_user(&self, user: EsUser) {
        self.shared.lock().users.insert(user.username.clone(), user);
    }

    /// Adds an API key owned by `owner`; returns the `Authorization` header value.
    pub fn add_api_key(&self, id: &str, key: &str, owner: &str) -> String {
        self.shared
            .lock()
            .api_keys
            .insert(id.into(), (key.into(), owner.into(), false));
        format!("ApiKey {}", STANDARD.encode(format!("{id}:{key}")))
    }

    /// Invalidates an API key; returns whether it existed.
    pub fn invalidate_api_key(&self, id: &str) -> bool {
        self.shared
            .lock()
            .api_keys
            .get_mut(id)
            .map(|k| k.2 = true)
            .is_some()
    }

    /// Adds a bearer token for `owner`; returns the `Authorization` header value.
    pub fn add_bearer_token(&self, token: &str, owner: &str) -> String {
        self.shared.lock().tokens.insert(token.into(), owner.into());
        format!("Bearer {token}")
    }

    /// A stored document in the `GET` reply shape (`None` when missing or deleted). `index` may be
    /// an alias.
    pub fn document(&self, index: &str, id: &str) -> Option<Value> {
        let st = self.shared.lock();
        let concrete = st
            .aliases
            .get(index)
            .cloned()
            .unwrap_or_else(|| index.to_owned());
        let d = st.indices.get(&concrete)?.docs.get(id)?;
        (!d.deleted).then(|| {
            json!({
                "_index": concrete,
                "_id": id,
                "_version": d.version,
                "_seq_no": d.seq_no,
                "_primary_term": d.primary_term,
                "found": true,
                "_source": d.source,
            })
        })
    }

    /// Adds a fault.
    pub fn inject(&self, spec: FaultSpec) {
        self.faults.inject(spec);
    }

    /// Removes every fault.
    pub fn clear_faults(&self) {
        self.faults.clear();
    }

    /// The injected faults.
    pub fn faults(&self) -> Vec<FaultSpec> {
        self.faults.list()
    }

    /// The request log (`Authorization` reduced to its scheme, `api_key` redacted).
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.observer.requests()
    }

    /// Calls received for a route (e.g. `"es.ccm_put"`), faulted ones included.
    pub fn route_count(&self, route: &str) -> u64 {
        self.observer.route_count(route)
    }

    /// Requests with a mutating method received, whatever their outcome.
    pub fn write_count(&self) -> u64 {
        self.observer.write_count()
    }

    /// Back to the configured initial state (same seeded credentials); the warm-up window
    /// restarts. The clock is not moved.
    pub fn reset(&self) {
        let fresh = initial_state(&self.config, &self.seeds, self.shared.clock.now_ms());
        *self.shared.lock() = fresh;
        self.faults.clear();
        self.observer.clear();
    }

    /// Advances the (shared) simulated clock.
    pub fn advance_clock(&self, by: Duration) {
        self.shared.clock.advance(by);
    }

    /// Everything a test may want to inspect, as JSON (served by the control API). Includes the
    /// stored CCM key: test-only.
    pub fn state_json(&self) -> Value {
        let now = self.shared.clock.now_ms();
        let st = self.shared.lock();
        let indices: serde_json::Map<String, Value> = st
            .indices
            .iter()
            .map(|(name, i)| {
                let docs: serde_json::Map<String, Value> = i
                    .docs
                    .iter()
                    .filter(|(_, d)| !d.deleted)
                    .map(|(id, d)| {
                        (
                            id.clone(),
                            json!({
                                "_version": d.version,
                                "_seq_no": d.seq_no,
                                "_primary_term": d.primary_term,
                                "_source": d.source,
                            }),
                        )
                    })
                    .collect();
                (
                    name.clone(),
                    json!({ "uuid": i.uuid, "next_seq_no": i.next_seq_no, "documents": docs }),
                )
            })
            .collect();
        json!({
            "url": self.url(),
            "config": st.config,
            "ccm": {
                "enabled": st.ccm_key.is_some(),
                "key": st.ccm_key,
                "history": st.ccm_history,
                "eis_endpoints_visible": st.eis_endpoints_visible(now),
            },
            "aliases": st.aliases,
            "indices": indices,
            "faults": self.faults.list(),
            "route_counts": self.observer.route_counts(),
            "write_count": self.observer.write_count(),
            "requests": self.observer.requests(),
        })
    }
}
