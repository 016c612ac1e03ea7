//! Simulator of the Elastic Cloud Connected API (`spec/cloud-api.md`).
//!
//! Start one with [`CloudSim::start`], or both simulators wired together with
//! [`crate::Simulators::start`].

mod auth;
mod clusters;
mod errors;
mod keys;
mod options;
mod orgs;
mod render;
mod rotation;
mod routes;
mod state;
mod validation;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub use options::{CloudOptions, RateLimit};
pub use routes::CLOUD_ROUTES;
pub use state::{KeyKind, KeyState, KeyView, SubscriptionState, TermsAcceptance};

use crate::clock::Clock;
use crate::faults::{FaultSet, FaultSpec, lock};
use crate::instrument::{Instrument, instrument};
use crate::observe::{Observer, RequestRecord};
use crate::server::{ServerHandle, serve};
use state::{CloudState, KeyRecord, Org};

/// The organization, user and key the simulator starts with (and returns to on reset).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CloudSeed {
    /// Organization id (`^[a-z0-9]{1,32}$`).
    pub organization_id: String,
    /// Numeric user id of the organization's user (the owner of the seeded key).
    pub user_id: u64,
    /// E-mail of that user.
    pub email: String,
    /// Value of the seeded organization key; `None` generates an `essu_sim_…` key at start.
    pub org_api_key: Option<String>,
    /// Whether the organization has accepted the terms and conditions.
    pub terms_accepted: bool,
    /// Subscription state of the organization.
    pub subscription: SubscriptionState,
}

impl Default for CloudSeed {
    fn default() -> Self {
        CloudSeed {
            organization_id: "198583657190".into(),
            user_id: 1_014_289_666_002_276,
            email: "cloud-connect-sim@example.com".into(),
            org_api_key: None,
            terms_accepted: true,
            subscription: SubscriptionState::Trial,
        }
    }
}

/// Configuration of a Cloud simulator.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CloudConfig {
    /// Behaviour knobs.
    pub options: CloudOptions,
    /// Initial organization and key.
    pub seed: CloudSeed,
    /// Serve the API under this path prefix (e.g. `/proxy`), so that the base URL has a path.
    /// Empty by default.
    pub path_prefix: String,
}

/// A key to seed with [`CloudSim::seed_key`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct KeySeed {
    /// Organization of the key's user; `None` models a user without an organization.
    pub organization_id: Option<String>,
    /// User id; defaults to the seeded user.
    pub user_id: Option<u64>,
    /// Expiry, in seconds of simulated time from now.
    pub expires_in_seconds: Option<u64>,
    /// `role_assignments.cloud_connected_resource` reported by `GET /saas/user`; `None` means the
    /// default `[{role_id:"cloud-connected-admin", organization_id, all:true, resource_ids:[]}]`.
    pub assignments: Option<Vec<Value>>,
    /// The key value; `None` generates one.
    pub value: Option<String>,
}

pub(crate) struct Shared {
    state: Mutex<CloudState>,
    pub(crate) clock: Clock,
}

impl Shared {
    pub(crate) fn lock(&self) -> MutexGuard<'_, CloudState> {
        lock(&self.state)
    }
}

/// Checks whether a key is a usable (current or pending) EIS key issued by a Cloud simulator.
pub type EisKeyCheck = Arc<dyn Fn(&str) -> bool + Send + Sync>;

/// A running Cloud simulator. Dropping it stops the server.
pub struct CloudSim {
    shared: Arc<Shared>,
    faults: FaultSet,
    observer: Observer,
    server: ServerHandle,
    config: CloudConfig,
    org_api_key: String,
}

impl std::fmt::Debug for CloudSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloudSim")
            .field("url", &self.url())
            .finish_non_exhaustive()
    }
}

impl CloudSim {
    /// Starts a Cloud simulator with its own clock on 127.0.0.1 (ephemeral port).
    pub async fn start(config: CloudConfig) -> std::io::Result<CloudSim> {
        Self::start_with_clock(config, Clock::new()).await
    }

    /// Starts a Cloud simulator that reads the given (shared) clock.
    pub async fn start_with_clock(
        mut config: CloudConfig,
        clock: Clock,
    ) -> std::io::Result<CloudSim> {
        let org_api_key = config
            .seed
            .org_api_key
            .clone()
            .unwrap_or_else(keys::new_key_value);
        config.seed.org_api_key = Some(org_api_key.clone());
        let prefix = config.path_prefix.trim_end_matches('/').to_owned();
        let shared = Arc::new(Shared {
            state: Mutex::new(initial_state(&config, clock.now_ms())),
            clock,
        });
        let faults = FaultSet::default();
        let observer = Observer::default();
        let gate_shared = shared.clone();
        let ins = Arc::new(Instrument {
            faults: faults.clone(),
            observer: observer.clone(),
            namer: routes::route_name,
            prefix: prefix.clone(),
            gate: Some(Arc::new(move |route, headers| {
                routes::rate_limit(&gate_shared, route, headers)
            })),
        });
        let api = routes::api_router(shared.clone());
        let router = if prefix.is_empty() {
            api
        } else {
            Router::new().nest(&prefix, api)
        };
        let router = router.layer(axum::middleware::from_fn_with_state(ins, instrument));
        let server = serve(router).await?;
        Ok(CloudSim {
            shared,
            faults,
            observer,
            server,
            config,
            org_api_key,
        })
    }

    /// Base URL to configure in a client: `http://127.0.0.1:<port>[<path_prefix>]` (the client
    /// appends `/api/v1/...`).
    pub fn url(&self) -> String {
        format!(
            "{}{}",
            self.server.url(),
            self.config.path_prefix.trim_end_matches('/')
        )
    }

    /// The seeded organization key (terms accepted, subscription as configured).
    pub fn org_api_key(&self) -> String {
        self.org_api_key.clone()
    }

    /// The seeded organization id.
    pub fn organization_id(&self) -> String {
        self.config.seed.organization_id.clone()
    }

    /// The seeded user id.
    pub fn user_id(&self) -> u64 {
        self.config.seed.user_id
    }

    /// The clock this simulator reads.
    pub fn clock(&self) -> &Clock {
        &self.shared.clock
    }

    /// Advances the (shared) simulated clock.
    pub fn advance_clock(&self, by: Duration) {
        self.shared.clock.advance(by);
    }

    fn now(&self) -> u64 {
        self.shared.clock.now_ms()
    }

    fn with_state<T>(&self, f: impl FnOnce(&mut CloudState, u64) -> T) -> T {
        let now = self.now();
        let mut st = self.shared.lock();
        st.tick(now);
        f(&mut st, now)
    }

    /// Internal view of every cluster (see [`CloudSim::cluster`]).
    pub fn clusters(&self) -> Vec<Value> {
        self.with_state(|st, now| {
            st.clusters
                .values()
                .map(|c| internal_view(st, c, now))
                .collect()
        })
    }

    /// Internal view of one cluster: the wire Cluster object plus `etag`, `state`
    /// (`connected`|`disconnecting`), `in_progress` and `forced_in_progress_calls`.
    pub fn cluster(&self, id: &str) -> Option<Value> {
        self.with_state(|st, now| st.clusters.get(id).map(|c| internal_view(st, c, now)))
    }

    /// Current ETag of a cluster.
    pub fn etag(&self, id: &str) -> Option<String> {
        self.with_state(|st, _| st.clusters.get(id).map(state::Cluster::etag))
    }

    /// Every cluster and EIS key ever issued for a cluster (also after the cluster was removed),
    /// oldest first, with its state now.
    pub fn keys(&self, cluster_id: &str) -> Vec<KeyView> {
        self.with_state(|st, now| {
            st.keys
                .iter()
                .filter(|k| k.cluster_id.as_deref() == Some(cluster_id))
                .map(|k| CloudState::key_view(k, now))
                .collect()
        })
    }

    /// Every key the simulator knows, oldest first.
    pub fn all_keys(&self) -> Vec<KeyView> {
        self.with_state(|st, now| {
            st.keys
                .iter()
                .map(|k| CloudState::key_view(k, now))
                .collect()
        })
    }

    /// State of a key now (`None` if unknown).
    pub fn key_state(&self, key: &str) -> Option<KeyState> {
        self.with_state(|st, now| st.key(key).map(|k| k.state(now)))
    }

    /// The current key of `kind` (`Cluster` or `Eis`) of a cluster.
    pub fn current_key(&self, cluster_id: &str, kind: KeyKind) -> Option<String> {
        self.keys(cluster_id)
            .into_iter()
            .rev()
            .find(|k| k.kind == kind && k.state == KeyState::Current)
            .map(|k| k.key)
    }

    /// Whether `key` is an EIS key this simulator issued that is current or pending (not revoked).
    pub fn is_valid_eis_key(&self, key: &str) -> bool {
        self.with_state(|st, now| {
            st.key(key)
                .is_some_and(|k| k.kind == KeyKind::Eis && k.usable(now))
        })
    }

    /// A checker usable by the Elasticsearch simulator for live EIS validation.
    pub fn eis_key_check(&self) -> EisKeyCheck {
        let shared = self.shared.clone();
        Arc::new(move |key: &str| {
            let now = shared.clock.now_ms();
            let mut st = shared.lock();
            st.tick(now);
            st.key(key)
                .is_some_and(|k| k.kind == KeyKind::Eis && k.usable(now))
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

    /// Calls received for a route (e.g. `"cloud.patch_cluster"`), faulted ones included.
    pub fn route_count(&self, route: &str) -> u64 {
        self.observer.route_count(route)
    }

    /// Requests with a mutating method (POST, PATCH, DELETE) received, whatever their outcome.
    pub fn write_count(&self) -> u64 {
        self.observer.write_count()
    }

    /// The request log (keys are never logged).
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.observer.requests()
    }

    /// Creates an organization if missing and sets whether it accepted the terms.
    pub fn seed_org(&self, org_id: &str, terms_accepted: bool) {
        self.set_terms_accepted(org_id, terms_accepted);
    }

    /// Sets (or clears) an organization's terms acceptance, creating the organization if missing.
    pub fn set_terms_accepted(&self, org_id: &str, accepted: bool) {
        let user = self.config.seed.user_id.to_string();
        self.with_state(|st, now| {
            let org = org_entry(st, org_id);
            if !accepted {
                org.terms = None;
            } else if org.terms.is_none() {
                org.terms = Some(TermsAcceptance {
                    accepted_at: crate::clock::rfc3339(now),
                    accepted_by: user,
                });
            }
        });
    }

    /// An organization's terms acceptance.
    pub fn terms(&self, org_id: &str) -> Option<TermsAcceptance> {
        self.with_state(|st, _| st.orgs.get(org_id).and_then(|o| o.terms.clone()))
    }

    /// Sets an organization's subscription state, creating the organization if missing.
    pub fn set_subscription(&self, org_id: &str, state: SubscriptionState) {
        self.with_state(|st, _| org_entry(st, org_id).subscription = state);
    }

    /// An organization's subscription state.
    pub fn subscription(&self, org_id: &str) -> Option<SubscriptionState> {
        self.with_state(|st, _| st.orgs.get(org_id).map(|o| o.subscription))
    }

    /// Seeds an organization key (creating the organization, terms not accepted, if missing).
    pub fn seed_org_key(&self, org_id: &str, expires_in: Option<Duration>) -> String {
        self.seed_key(KeySeed {
            organization_id: Some(org_id.into()),
            expires_in_seconds: expires_in.map(|d| d.as_secs()),
            ..KeySeed::default()
        })
    }

    /// Seeds an organization key that `GET /saas/user` reports with these assignments.
    pub fn seed_key_with_assignments(&self, org_id: &str, assignments: Vec<Value>) -> String {
        self.seed_key(KeySeed {
            organization_id: Some(org_id.into()),
            assignments: Some(assignments),
            ..KeySeed::default()
        })
    }

    /// Seeds an organization key from a full description; returns the key.
    pub fn seed_key(&self, seed: KeySeed) -> String {
        let value = seed.value.clone().unwrap_or_else(keys::new_key_value);
        let default_user = self.config.seed.user_id;
        let email = self.config.seed.email.clone();
        self.with_state(|st, now| {
            if let Some(org) = &seed.organization_id {
                org_entry(st, org);
            }
            st.keys.push(KeyRecord {
                value: value.clone(),
                kind: KeyKind::Organization,
                org_id: seed.organization_id.clone(),
                user_id: seed.user_id.unwrap_or(default_user),
                email,
                cluster_id: None,
                created_ms: now,
                expires_ms: seed.expires_in_seconds.map(|s| now + s * 1000),
                revoke_at: None,
                revoked: false,
                assignments: seed.assignments.clone(),
            });
        });
        value
    }

    /// Mints an additional current key of `kind` for an existing cluster, as rotation would
    /// (the previous current key becomes pending). `None` if the cluster does not exist.
    pub fn seed_cluster_scoped_key(&self, cluster_id: &str, kind: KeyKind) -> Option<String> {
        let (user, email) = (self.config.seed.user_id, self.config.seed.email.clone());
        self.with_state(|st, now| {
            st.clusters.contains_key(cluster_id).then(|| {
                let key = st.mint_cluster_scoped(cluster_id, kind, user, &email, now);
                st.bump(cluster_id);
                key
            })
        })
    }

    /// Revokes any key. Returns whether it existed.
    pub fn revoke_key(&self, key: &str) -> bool {
        self.with_state(|st, _| {
            st.keys
                .iter_mut()
                .find(|k| k.value == key)
                .map(|k| k.revoked = true)
                .is_some()
        })
    }

    /// Sets the settle window after service changes.
    pub fn set_settle_time(&self, d: Duration) {
        self.update_options(|o| o.settle_time_ms = d.as_millis() as u64);
    }

    /// Sets how long a disconnected cluster stays `disconnecting`.
    pub fn set_disconnect_delay(&self, d: Duration) {
        self.update_options(|o| o.disconnect_delay_ms = d.as_millis() as u64);
    }

    /// The next `calls` PATCH/rotate/DELETE calls on the cluster answer 409 `invalid_state`.
    /// Returns `false` if the cluster does not exist.
    pub fn force_in_progress(&self, cluster_id: &str, calls: u32) -> bool {
        self.with_state(|st, _| {
            st.clusters
                .get_mut(cluster_id)
                .map(|c| c.forced_busy_calls = calls)
                .is_some()
        })
    }

    /// The cluster is "in progress" (409 `invalid_state`) for this long in simulated time.
    pub fn force_in_progress_for(&self, cluster_id: &str, d: Duration) -> bool {
        self.with_state(|st, now| {
            st.clusters
                .get_mut(cluster_id)
                .map(|c| c.busy_until = now + d.as_millis() as u64)
                .is_some()
        })
    }

    /// Current options.
    pub fn options(&self) -> CloudOptions {
        self.shared.lock().options.clone()
    }

    /// Replaces the options.
    pub fn set_options(&self, options: CloudOptions) {
        self.shared.lock().options = options;
    }

    /// Changes the options in place.
    pub fn update_options(&self, f: impl FnOnce(&mut CloudOptions)) {
        f(&mut self.shared.lock().options);
    }

    /// Back to the configured initial state: seeded organization and key, no clusters, options
    /// as configured, no faults, empty log and counters. The clock is not moved.
    pub fn reset(&self) {
        let fresh = initial_state(&self.config, self.now());
        *self.shared.lock() = fresh;
        self.faults.clear();
        self.observer.clear();
    }

    /// Everything a test may want to inspect, as JSON (served by the control API).
    pub fn state_json(&self) -> Value {
        let (clusters, keys, orgs, options) = self.with_state(|st, now| {
            let clusters: Vec<Value> = st
                .clusters
                .values()
                .map(|c| internal_view(st, c, now))
                .collect();
            let keys: Vec<KeyView> = st
                .keys
                .iter()
                .map(|k| CloudState::key_view(k, now))
                .collect();
            let orgs: serde_json::Map<String, Value> = st
                .orgs
                .iter()
                .map(|(id, o)| {
                    (
                        id.clone(),
                        json!({ "terms": o.terms, "subscription": o.subscription.as_str() }),
                    )
                })
                .collect();
            (clusters, keys, orgs, st.options.clone())
        });
        json!({
            "url": self.url(),
            "organization_id": self.organization_id(),
            "clusters": clusters,
            "keys": keys,
            "organizations": orgs,
            "options": options,
            "faults": self.faults(),
            "route_counts": self.observer.route_counts(),
            "write_count": self.write_count(),
            "requests": self.requests(),
        })
    }
}

fn org_entry<'a>(st: &'a mut CloudState, org_id: &str) -> &'a mut Org {
    st.orgs.entry(org_id.to_owned()).or_insert(Org {
        terms: None,
        subscription: SubscriptionState::Trial,
    })
}

fn initial_state(config: &CloudConfig, now: u64) -> CloudState {
    let seed = &config.seed;
    let mut st = CloudState::new(config.options.clone());
    st.orgs.insert(
        seed.organization_id.clone(),
        Org {
            terms: seed.terms_accepted.then(|| TermsAcceptance {
                accepted_at: crate::clock::rfc3339(now),
                accepted_by: seed.user_id.to_string(),
            }),
            subscription: seed.subscription,
        },
    );
    st.keys.push(KeyRecord {
        value: seed.org_api_key.clone().unwrap_or_default(),
        kind: KeyKind::Organization,
        org_id: Some(seed.organization_id.clone()),
        user_id: seed.user_id,
        email: seed.email.clone(),
        cluster_id: None,
        created_ms: now,
        expires_ms: None,
        revoke_at: None,
        revoked: false,
        assignments: None,
    });
    st
}

fn internal_view(st: &CloudState, c: &state::Cluster, now: u64) -> Value {
    let plain = CloudOptions::default();
    let mut v = render::cluster_json(c, &plain);
    v["etag"] = json!(c.etag());
    v["state"] = json!(if c.disconnect_at.is_some() {
        "disconnecting"
    } else {
        "connected"
    });
    v["in_progress"] = json!(c.busy_until > now || c.forced_busy_calls > 0);
    v["forced_in_progress_calls"] = json!(c.forced_busy_calls);
    let _ = st;
    v
}
