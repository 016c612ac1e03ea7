//! Knobs of the Cloud simulator. All are serde-(de)serializable so the control API can merge a
//! partial JSON object into them (`POST /cloud/options`).

use serde::{Deserialize, Serialize};

/// Behaviour switches of the Cloud simulator (spec `cloud-api.md` §8). Defaults follow the spec.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CloudOptions {
    /// Accept only the exact scheme `ApiKey` (default: any case, as production does).
    pub strict_auth_scheme: bool,
    /// Reject undocumented request fields with 400 (default: ignore them).
    pub strict_schema: bool,
    /// `services.auto_ops.enabled` of a new cluster.
    pub auto_ops_enabled_on_create: bool,
    /// `services.eis.enabled` of a new cluster.
    pub eis_enabled_on_create: bool,
    /// Settle window after a service enable/disable, in milliseconds of simulated time, during which
    /// PATCH, rotate and DELETE answer 409 `invalid_state`.
    pub settle_time_ms: u64,
    /// How long a disconnected cluster stays in `disconnecting` (simulated milliseconds).
    pub disconnect_delay_ms: u64,
    /// Add unknown fields to every reply (top level, `services`, Service objects, user).
    pub extra_fields: bool,
    /// Omit the optional Service fields (`support`, `config`, `metadata`, `subscription`).
    pub omit_optional_service_fields: bool,
    /// Omit `services.eis` from cluster replies.
    pub omit_eis_service: bool,
    /// Enabling a service with `subscription.required` while the organization's subscription is
    /// `inactive` answers 403.
    pub enforce_subscription: bool,
    /// Request budget; `None` (default) disables rate limiting.
    pub rate_limit: Option<RateLimit>,
    /// `config.region_id` of AutoOps and the region in its `service_url`.
    pub region_id: String,
    /// `support.valid_license_types` of both services.
    pub valid_license_types: Vec<String>,
    /// `support.minimum_stack_version` of AutoOps.
    pub auto_ops_minimum_stack_version: String,
    /// `support.minimum_stack_version` of EIS.
    pub eis_minimum_stack_version: String,
}

impl Default for CloudOptions {
    fn default() -> Self {
        CloudOptions {
            strict_auth_scheme: false,
            strict_schema: false,
            auto_ops_enabled_on_create: false,
            eis_enabled_on_create: false,
            settle_time_ms: 0,
            disconnect_delay_ms: 0,
            extra_fields: false,
            omit_optional_service_fields: false,
            omit_eis_service: false,
            enforce_subscription: false,
            rate_limit: None,
            region_id: "aws-us-east-1".into(),
            valid_license_types: vec!["trial".into(), "enterprise".into()],
            auto_ops_minimum_stack_version: "8.5.0".into(),
            eis_minimum_stack_version: "9.3.0".into(),
        }
    }
}

/// A request budget per window (spec §8.9).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RateLimit {
    /// Requests allowed per window.
    pub limit: u32,
    /// Window length in simulated milliseconds.
    pub window_ms: u64,
    /// Count per API key (by `Authorization` value) instead of globally.
    pub per_key: bool,
    /// Add `Retry-After: <seconds>` to 429 answers.
    pub retry_after_seconds: Option<u64>,
    /// Add `x-ratelimit-interval`, `x-ratelimit-remaining`, `x-ratelimit-limit` to 429 answers.
    pub headers: bool,
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit {
            limit: 10,
            window_ms: 60_000,
            per_key: true,
            retry_after_seconds: None,
            headers: false,
        }
    }
}
