//! Configuration of the Elasticsearch simulator (spec `elasticsearch.md` §7). Serde-(de)serializable
//! so `POST /es/config` can merge partial JSON into it.

use serde::{Deserialize, Serialize};

/// What `GET /` reports (spec §3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClusterInfo {
    /// Node name (`name`).
    pub node_name: String,
    /// `cluster_name`; may be empty.
    pub cluster_name: String,
    /// `cluster_uuid`; `_na_` before the cluster formed.
    pub cluster_uuid: String,
    /// `version.number`, e.g. `9.3.0` or `9.3.0-SNAPSHOT`.
    pub version: String,
    /// `version.build_flavor`.
    pub build_flavor: String,
    /// `version.build_type`.
    pub build_type: String,
    /// `version.build_hash`.
    pub build_hash: String,
    /// `version.build_date`.
    pub build_date: String,
    /// `version.build_snapshot`; `None` derives it from a `-SNAPSHOT` suffix.
    pub build_snapshot: Option<bool>,
    /// `version.lucene_version`.
    pub lucene_version: String,
    /// `version.minimum_wire_compatibility_version`.
    pub minimum_wire_compatibility_version: String,
    /// `version.minimum_index_compatibility_version`.
    pub minimum_index_compatibility_version: String,
    /// `tagline`.
    pub tagline: String,
}

impl Default for ClusterInfo {
    fn default() -> Self {
        ClusterInfo {
            node_name: "node-1".into(),
            cluster_name: "my-cluster".into(),
            cluster_uuid: "Yk3hS2bXR8mJ9c7T1oWq0A".into(),
            version: "9.3.0".into(),
            build_flavor: "default".into(),
            build_type: "tar".into(),
            build_hash: "0f7b9a1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f70".into(),
            build_date: "2026-01-15T10:00:00.000Z".into(),
            build_snapshot: None,
            lucene_version: "10.3.0".into(),
            minimum_wire_compatibility_version: "8.19.0".into(),
            minimum_index_compatibility_version: "8.0.0".into(),
            tagline: "You Know, for Search".into(),
        }
    }
}

/// What `GET /_license` reports (spec §4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LicenseInfo {
    /// `active` | `invalid` | `expired`.
    pub status: String,
    /// License uid.
    pub uid: String,
    /// `basic`, `trial`, `standard`, `gold`, `platinum`, `enterprise`, …
    #[serde(rename = "type")]
    pub license_type: String,
    /// Issue date, epoch milliseconds.
    pub issue_date_ms: u64,
    /// Expiry, epoch milliseconds; omitted from the reply for `basic` regardless.
    pub expiry_date_ms: Option<u64>,
    /// `issued_to`.
    pub issued_to: String,
    /// `issuer`.
    pub issuer: String,
}

impl Default for LicenseInfo {
    fn default() -> Self {
        LicenseInfo {
            status: "active".into(),
            uid: "a5f0c1e2-3b4d-4e5f-8a9b-0c1d2e3f4a5b".into(),
            license_type: "trial".into(),
            issue_date_ms: 1_767_225_600_000,
            expiry_date_ms: Some(1_769_817_600_000),
            issued_to: "my-cluster".into(),
            issuer: "elasticsearch".into(),
        }
    }
}

/// Configuration of the Elasticsearch simulator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EsConfig {
    /// Security on (default): credentials required, privileges enforced.
    pub security: bool,
    /// Send `X-elastic-product: Elasticsearch` on every response (default true).
    pub product_header: bool,
    /// `GET /` contents.
    pub cluster: ClusterInfo,
    /// `GET /_license` contents; `None` answers `{}` (no `license`).
    pub license: Option<LicenseInfo>,
    /// `xpack.inference.elastic.ccm_supported_environment` (default true); false → 403 on `_ccm`.
    pub ccm_supported_environment: bool,
    /// Rolling upgrade in progress → PUT `_ccm` answers 400 (row 9).
    pub not_fully_upgraded: bool,
    /// Metadata-write block → PUT/DELETE `_ccm` answer 503 (row 8).
    pub metadata_write_block: bool,
    /// Window after start (or reset), in simulated ms, during which PUT `_ccm` answers 503 (row 11).
    pub warmup_ms: u64,
    /// Delay, in simulated ms, between a successful PUT `_ccm` and the EIS endpoints appearing.
    pub endpoints_delay_ms: u64,
    /// Keep listing EIS endpoints after `DELETE _ccm` (default false).
    pub endpoints_listed_after_delete: bool,
    /// Whether the `.kibana` alias and its concrete index exist (false: "Kibana never ran").
    pub kibana_present: bool,
    /// Concrete index behind `.kibana`.
    pub kibana_index: String,
    /// Root mapping of the Kibana index is `dynamic: strict` with these known top-level fields;
    /// `None` disables the check.
    pub kibana_root_fields: Option<Vec<String>>,
    /// Primary term of every shard (default 1).
    pub primary_term: u64,
    /// Accept every EIS key that no script or Cloud simulator decides on (default false).
    pub eis_accept_unknown_keys: bool,
}

/// Top-level fields of Kibana's 9.3 saved-object index mapping (common fields and a few types).
pub const KIBANA_93_ROOT_FIELDS: &[&str] = &[
    "type",
    "namespace",
    "namespaces",
    "originId",
    "references",
    "managed",
    "migrationVersion",
    "coreMigrationVersion",
    "typeMigrationVersion",
    "created_at",
    "updated_at",
    "created_by",
    "updated_by",
    "config",
    "space",
    "index-pattern",
    "dashboard",
    "visualization",
    "cloud-connect-api-key",
];

impl Default for EsConfig {
    fn default() -> Self {
        EsConfig {
            security: true,
            product_header: true,
            cluster: ClusterInfo::default(),
            license: Some(LicenseInfo::default()),
            ccm_supported_environment: true,
            not_fully_upgraded: false,
            metadata_write_block: false,
            warmup_ms: 0,
            endpoints_delay_ms: 0,
            endpoints_listed_after_delete: false,
            kibana_present: true,
            kibana_index: ".kibana_9.3.0_001".into(),
            kibana_root_fields: Some(
                KIBANA_93_ROOT_FIELDS
                    .iter()
                    .map(|s| (*s).to_owned())
                    .collect(),
            ),
            primary_term: 1,
            eis_accept_unknown_keys: false,
        }
    }
}

impl EsConfig {
    /// The configured version as `(major, minor, patch)`, comparing on the numeric prefix only.
    pub fn version_triple(&self) -> (u64, u64, u64) {
        let numeric = self.cluster.version.split('-').next().unwrap_or("");
        let mut parts = numeric.split('.').map(|p| p.parse::<u64>().unwrap_or(0));
        (
            parts.next().unwrap_or(0),
            parts.next().unwrap_or(0),
            parts.next().unwrap_or(0),
        )
    }

    /// Whether `_inference/_ccm` exists (version ≥ 9.3.0).
    pub fn has_ccm(&self) -> bool {
        self.version_triple() >= (9, 3, 0)
    }
}
