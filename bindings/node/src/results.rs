//! What the `CloudConnect` methods take and resolve to, as plain JS objects.

use cloud_connect::{
    ConnectOutcome, DisconnectOutcome, KeyKind, LicenseSyncOutcome, ReconcileReport,
    RotationOutcome, Status, UpdateOutcome,
};
use napi_derive::napi;
use serde_json::Value;

/// Options of `connect`.
#[napi(object)]
pub struct ConnectOptions {
    /// Accept a cluster-scoped key whose Cloud registration names another Elasticsearch cluster
    /// (adopting that registration). Default false: refused with `invalid_input`.
    pub adopt_foreign_registration: Option<bool>,
}

/// Requested service states; services left out are not touched.
#[napi(object)]
pub struct ServiceChangesInput {
    /// AutoOps.
    #[napi(js_name = "auto_ops")]
    pub auto_ops: Option<bool>,
    /// The Elastic Inference Service.
    pub eis: Option<bool>,
}

/// The license to record in the Cloud (`syncLicense`).
#[napi(object)]
pub struct LicenseInput {
    /// The license type (`trial`, `basic`, `gold`, `platinum`, `enterprise`, …).
    #[napi(js_name = "type")]
    pub license_type: String,
    /// The Elasticsearch license uid.
    pub uid: String,
}

/// The result of `connect`.
#[napi(object)]
pub struct ConnectResult {
    /// The Cloud Connected cluster id.
    pub cluster_id: String,
    /// The organization that owns the cluster.
    pub organization_id: String,
    /// Which kind of key was pasted.
    #[napi(ts_type = "'cluster_scoped' | 'organization'")]
    pub key_kind: String,
    /// Whether the Cloud created a new registration (rather than returning an existing one).
    pub created: bool,
}

impl From<ConnectOutcome> for ConnectResult {
    fn from(o: ConnectOutcome) -> Self {
        ConnectResult {
            cluster_id: o.cluster_id,
            organization_id: o.organization_id,
            key_kind: match o.key_kind {
                KeyKind::ClusterScoped { .. } => "cluster_scoped",
                KeyKind::Organization => "organization",
            }
            .to_owned(),
            created: o.created,
        }
    }
}

/// The result of `status`.
#[napi(object)]
pub struct StatusResult {
    /// The cluster as the Cloud returned it, every field passed through (`id`, `name`,
    /// `metadata`, `self_managed_cluster`, `license`, `services`, …).
    #[napi(ts_type = "Record<string, any>")]
    pub cluster: Value,
    /// The organization's subscription state (`trial`, `active`, `inactive`); absent when it
    /// could not be read.
    #[napi(ts_type = "'trial' | 'active' | 'inactive' | (string & {})")]
    pub subscription: Option<String>,
}

impl StatusResult {
    /// Converts the library's status.
    pub fn from_status(s: Status) -> cloud_connect::Result<Self> {
        Ok(StatusResult {
            cluster: to_value(&s.cluster)?,
            subscription: s.subscription.map(|x| x.as_str().to_owned()),
        })
    }
}

/// The result of `updateServices`.
#[napi(object)]
pub struct UpdateResult {
    /// Services whose state changed (empty when everything already was as requested).
    pub changed: Vec<String>,
    /// The cluster after the update, as the Cloud returned it.
    #[napi(ts_type = "Record<string, any>")]
    pub cluster: Value,
}

impl UpdateResult {
    /// Converts the library's outcome.
    pub fn from_outcome(o: UpdateOutcome) -> cloud_connect::Result<Self> {
        Ok(UpdateResult {
            changed: o.changed.iter().map(|s| s.as_str().to_owned()).collect(),
            cluster: to_value(&o.cluster)?,
        })
    }
}

/// The result of a key rotation.
#[napi(object)]
pub struct RotationResult {
    /// What was rotated: `'cluster'` or a service name.
    pub rotated: String,
    /// Whether the previous key was revoked right away (after the new one was in place).
    pub previous_key_revoked: bool,
}

impl From<RotationOutcome> for RotationResult {
    fn from(o: RotationOutcome) -> Self {
        RotationResult {
            rotated: o.rotated,
            previous_key_revoked: o.previous_key_revoked,
        }
    }
}

/// The result of `disconnect`.
#[napi(object)]
pub struct DisconnectResult {
    /// The cluster id that was disconnected.
    pub cluster_id: String,
    /// Whether the Cloud had already forgotten the cluster.
    pub cloud_already_gone: bool,
    /// Whether the EIS key was removed from Elasticsearch.
    pub eis_key_removed: bool,
}

impl From<DisconnectOutcome> for DisconnectResult {
    fn from(o: DisconnectOutcome) -> Self {
        DisconnectResult {
            cluster_id: o.cluster_id,
            cloud_already_gone: o.cloud_already_gone,
            eis_key_removed: o.eis_key_removed,
        }
    }
}

/// The result of `syncLicense`.
#[napi(object)]
pub struct LicenseSyncResult {
    /// Whether the Cloud was updated (false when it already had these values).
    pub updated: bool,
}

impl From<LicenseSyncOutcome> for LicenseSyncResult {
    fn from(o: LicenseSyncOutcome) -> Self {
        LicenseSyncResult { updated: o.updated }
    }
}

/// The result of `reconcile`.
#[napi(object)]
pub struct ReconcileResult {
    /// The interrupted operation that was found, if any.
    pub operation: Option<String>,
    /// Whether it was rolled forward (`true`) or back (`false`).
    pub rolled_forward: Option<bool>,
    /// What was done, in order, in words.
    pub actions: Vec<String>,
}

impl From<ReconcileReport> for ReconcileResult {
    fn from(r: ReconcileReport) -> Self {
        ReconcileResult {
            operation: r.operation,
            rolled_forward: r.rolled_forward,
            actions: r.actions,
        }
    }
}

/// One entry of `errorCodes()`.
#[napi(object)]
pub struct ErrorCodeInfo {
    /// The stable string (`err.code`).
    #[napi(ts_type = "ErrorCode")]
    pub code: String,
    /// The stable number (the C API's status).
    pub number: u32,
    /// The HTTP status a host should answer with (`err.statusCode`).
    pub status_code: u16,
    /// Whether errors of this kind are retryable in general.
    pub retryable: bool,
}

fn to_value<T: serde::Serialize>(v: &T) -> cloud_connect::Result<Value> {
    serde_json::to_value(v)
        .map_err(|_| cloud_connect::Error::internal("cannot convert the Cloud's answer"))
}
