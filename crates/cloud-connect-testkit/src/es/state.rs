//! In-memory state of the Elasticsearch simulator.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::config::EsConfig;
use crate::clock::Millis;

/// An index privilege grant (spec §2.3, §6.2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexPrivilege {
    /// Index name patterns (`*` wildcards), e.g. `.kibana*`.
    pub names: Vec<String>,
    /// Privileges: `read`, `index`, `create`, `create_doc`, `write`, `delete`, `all`, …
    pub privileges: Vec<String>,
    /// Whether the grant covers restricted (system) indices such as `.kibana*`.
    #[serde(default)]
    pub allow_restricted_indices: bool,
}

/// A user of the simulated security realm.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EsUser {
    /// User name.
    pub username: String,
    /// Password (Basic authentication).
    pub password: String,
    /// Role names (reported in 403 reasons).
    #[serde(default)]
    pub roles: Vec<String>,
    /// Cluster privileges: `monitor`, `monitor_inference`, `manage_inference`, `manage`, `all`.
    #[serde(default)]
    pub cluster: Vec<String>,
    /// Index privileges.
    #[serde(default)]
    pub indices: Vec<IndexPrivilege>,
}

impl EsUser {
    /// The built-in `superuser` role: everything, but only `read` on restricted indices.
    pub fn superuser(username: &str, password: &str) -> EsUser {
        EsUser {
            username: username.into(),
            password: password.into(),
            roles: vec!["superuser".into()],
            cluster: vec!["all".into()],
            indices: vec![
                IndexPrivilege {
                    names: vec!["*".into()],
                    privileges: vec!["all".into()],
                    allow_restricted_indices: false,
                },
                IndexPrivilege {
                    names: vec!["*".into()],
                    privileges: vec![
                        "read".into(),
                        "monitor".into(),
                        "view_index_metadata".into(),
                    ],
                    allow_restricted_indices: true,
                },
            ],
        }
    }
}

/// What the simulated EIS answers when ES validates a key (spec §5.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EisOutcome {
    /// 2xx: the key is accepted.
    Accept,
    /// EIS answers this HTTP status. ES maps 401 → 401, 400 → 400, other 4xx → same, 5xx → 400.
    Status {
        /// Status EIS answers.
        status: u16,
    },
    /// EIS unreachable (connection refused, DNS, TLS, timeout) → 400.
    Network,
}

/// One PUT or DELETE `_inference/_ccm` call, for test inspection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CcmEvent {
    /// `put` or `delete`.
    pub action: String,
    /// The submitted key (PUT only; test-only view, never logged).
    pub key: Option<String>,
    /// Status answered.
    pub status: u16,
    /// RFC 3339 simulated time.
    pub at: String,
}

#[derive(Clone, Debug)]
pub(crate) struct Doc {
    pub source: Value,
    pub version: i64,
    pub seq_no: i64,
    pub primary_term: u64,
    pub deleted: bool,
}

#[derive(Clone, Debug)]
pub(crate) struct Index {
    pub uuid: String,
    pub next_seq_no: i64,
    pub docs: BTreeMap<String, Doc>,
}

impl Index {
    pub fn new(uuid: String) -> Self {
        Index {
            uuid,
            next_seq_no: 0,
            docs: BTreeMap::new(),
        }
    }
}

#[derive(Debug)]
pub(crate) struct EsState {
    pub config: EsConfig,
    pub users: BTreeMap<String, EsUser>,
    /// API key id → (secret, owner user name, invalidated).
    pub api_keys: BTreeMap<String, (String, String, bool)>,
    /// Bearer token → principal user name.
    pub tokens: BTreeMap<String, String>,
    pub ccm_key: Option<String>,
    pub ccm_enabled_at: Option<Millis>,
    pub eis_endpoints_created: bool,
    pub ccm_history: Vec<CcmEvent>,
    pub eis_scripts: BTreeMap<String, EisOutcome>,
    pub eis_default: Option<EisOutcome>,
    pub eis_allowed: BTreeSet<String>,
    pub aliases: BTreeMap<String, String>,
    pub indices: BTreeMap<String, Index>,
    pub started_at: Millis,
}
