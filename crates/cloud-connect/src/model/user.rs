//! The answer of `GET /api/v1/saas/user?show_role_assignments=true` (`spec/cloud-api.md` §2.13),
//! read only as far as key classification needs.

use serde::Deserialize;

/// `{ "user": { … } }`.
#[derive(Debug, Clone, Deserialize)]
pub struct SaasUserResponse {
    /// The user behind the key.
    pub user: SaasUser,
}

/// The user behind an API key.
#[derive(Debug, Clone, Deserialize)]
pub struct SaasUser {
    /// The user's organization, when it has one.
    #[serde(default)]
    pub organization_id: Option<String>,
    /// Role assignments by category.
    #[serde(default)]
    pub role_assignments: Option<RoleAssignments>,
}

/// Role assignment categories; only `cloud_connected_resource` matters here.
#[derive(Debug, Clone, Deserialize)]
pub struct RoleAssignments {
    /// Assignments on Cloud Connected resources.
    #[serde(default)]
    pub cloud_connected_resource: Option<Vec<RoleAssignment>>,
}

/// One role assignment.
#[derive(Debug, Clone, Deserialize)]
pub struct RoleAssignment {
    /// For example `cloud-connected-admin`.
    pub role_id: String,
    /// The organization it applies in.
    #[serde(default)]
    pub organization_id: Option<String>,
    /// Whether it covers every resource.
    #[serde(default)]
    pub all: bool,
    /// The resources it covers when `all` is false.
    #[serde(default)]
    pub resource_ids: Vec<String>,
}
