//! The one connection record: the connection itself (cluster id, organization id, the cluster-scoped
//! Cloud key, timestamps) and, while an operation runs, its intent (see `manager/intent.rs`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::model::Service;
use crate::secret::ApiKey;

/// What is stored: a connection, an operation's intent, or both.
#[derive(Debug, Clone, Default)]
pub struct ConnectionRecord {
    /// The established connection, if any.
    pub connection: Option<Connection>,
    /// The intent of an operation in flight, if any.
    pub intent: Option<Intent>,
}

/// An established connection to Elastic Cloud.
#[derive(Debug, Clone)]
pub struct Connection {
    /// The Cloud Connected cluster id.
    pub cluster_id: String,
    /// The organization that owns the cluster (kept from connect so status needs one round trip).
    pub organization_id: Option<String>,
    /// The cluster-scoped Cloud API key (never an organization key).
    pub api_key: ApiKey,
    /// When the connection was first stored (kept across updates).
    pub created_at: String,
    /// When the record was last written.
    pub updated_at: String,
}

/// Which operation an intent belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// `connect`.
    Connect,
    /// `update_services`.
    UpdateServices,
    /// `rotate_cluster_key`.
    RotateClusterKey,
    /// `rotate_service_key`.
    RotateServiceKey,
    /// `disconnect`.
    Disconnect,
    /// `sync_license`.
    SyncLicense,
}

impl Operation {
    /// The operation's name as used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Connect => "connect",
            Operation::UpdateServices => "update_services",
            Operation::RotateClusterKey => "rotate_cluster_key",
            Operation::RotateServiceKey => "rotate_service_key",
            Operation::Disconnect => "disconnect",
            Operation::SyncLicense => "sync_license",
        }
    }
}

/// The durable intent of an operation in flight: written before its first remote side effect,
/// updated as steps complete, cleared on success or after compensation.
#[derive(Debug, Clone)]
pub struct Intent {
    /// Unique id of this run of the operation.
    pub operation_id: String,
    /// The operation.
    pub operation: Operation,
    /// Who holds it (a per-process id).
    pub owner: String,
    /// Unix milliseconds after which another writer may take the intent over.
    pub lease_expires_at_ms: u64,
    /// Service states before the operation (read from the Cloud at its start).
    pub prior: BTreeMap<Service, bool>,
    /// Service states the operation aims for.
    pub target: BTreeMap<Service, bool>,
    /// Names of the steps done so far, in order.
    pub steps: Vec<String>,
    /// The cluster this operation created or works on, when the connection does not say.
    pub cluster_id: Option<String>,
    /// Organization id learned mid-operation.
    pub organization_id: Option<String>,
    /// Keys the Cloud handed over mid-operation, sealed like the connection's key.
    pub secrets: BTreeMap<String, ApiKey>,
}

impl Intent {
    /// Whether `step` is done.
    pub fn has_step(&self, step: &str) -> bool {
        self.steps.iter().any(|s| s == step)
    }
}

impl ConnectionRecord {
    /// The cluster id this record is about (binds the ciphertexts' associated data).
    pub fn cluster_id(&self) -> &str {
        self.connection
            .as_ref()
            .map(|c| c.cluster_id.as_str())
            .or_else(|| self.intent.as_ref().and_then(|i| i.cluster_id.as_deref()))
            .unwrap_or("")
    }

    /// Whether there is nothing to store.
    pub fn is_empty(&self) -> bool {
        self.connection.is_none() && self.intent.is_none()
    }

    /// Serializes the record, sealing every secret with `seal(field, key)`.
    pub fn to_wire(&self, seal: &dyn Fn(&str, &ApiKey) -> Result<String>) -> Result<Value> {
        let mut out = Map::new();
        if let Some(c) = &self.connection {
            out.insert(
                "connection".into(),
                serde_json::json!({
                    "cluster_id": c.cluster_id,
                    "organization_id": c.organization_id,
                    "api_key": seal("connection.api_key", &c.api_key)?,
                    "created_at": c.created_at,
                    "updated_at": c.updated_at,
                }),
            );
        }
        if let Some(i) = &self.intent {
            let mut secrets = Map::new();
            for (name, key) in &i.secrets {
                secrets.insert(
                    name.clone(),
                    Value::String(seal(&format!("intent.secrets.{name}"), key)?),
                );
            }
            out.insert(
                "intent".into(),
                serde_json::json!({
                    "operation_id": i.operation_id,
                    "operation": i.operation,
                    "owner": i.owner,
                    "lease_expires_at_ms": i.lease_expires_at_ms,
                    "prior": i.prior,
                    "target": i.target,
                    "steps": i.steps,
                    "cluster_id": i.cluster_id,
                    "organization_id": i.organization_id,
                    "secrets": secrets,
                }),
            );
        }
        Ok(Value::Object(out))
    }

    /// Parses a record written by [`ConnectionRecord::to_wire`], opening secrets with
    /// `open(field, sealed)`.
    pub fn from_wire(value: &Value, open: &dyn Fn(&str, &str) -> Result<ApiKey>) -> Result<Self> {
        #[derive(Deserialize)]
        struct WireConnection {
            cluster_id: String,
            organization_id: Option<String>,
            api_key: String,
            created_at: String,
            updated_at: String,
        }
        #[derive(Deserialize)]
        struct WireIntent {
            operation_id: String,
            operation: Operation,
            owner: String,
            lease_expires_at_ms: u64,
            prior: BTreeMap<Service, bool>,
            target: BTreeMap<Service, bool>,
            steps: Vec<String>,
            cluster_id: Option<String>,
            organization_id: Option<String>,
            secrets: BTreeMap<String, String>,
        }
        let bad =
            |e: serde_json::Error| Error::storage(format!("the stored record is malformed: {e}"));
        let connection = match value.get("connection") {
            None | Some(Value::Null) => None,
            Some(v) => {
                let w: WireConnection = serde_json::from_value(v.clone()).map_err(bad)?;
                Some(Connection {
                    api_key: open("connection.api_key", &w.api_key)?,
                    cluster_id: w.cluster_id,
                    organization_id: w.organization_id,
                    created_at: w.created_at,
                    updated_at: w.updated_at,
                })
            }
        };
        let intent = match value.get("intent") {
            None | Some(Value::Null) => None,
            Some(v) => {
                let w: WireIntent = serde_json::from_value(v.clone()).map_err(bad)?;
                let mut secrets = BTreeMap::new();
                for (name, sealed) in &w.secrets {
                    secrets.insert(
                        name.clone(),
                        open(&format!("intent.secrets.{name}"), sealed)?,
                    );
                }
                Some(Intent {
                    operation_id: w.operation_id,
                    operation: w.operation,
                    owner: w.owner,
                    lease_expires_at_ms: w.lease_expires_at_ms,
                    prior: w.prior,
                    target: w.target,
                    steps: w.steps,
                    cluster_id: w.cluster_id,
                    organization_id: w.organization_id,
                    secrets,
                })
            }
        };
        Ok(ConnectionRecord { connection, intent })
    }
}
