//! Key classification (`spec/cloud-api.md` §6.2, Kibana's rule kept for compatibility).

use serde::Serialize;

use crate::error::{Error, ErrorCode, Result};
use crate::model::SaasUser;

/// What kind of key the user pasted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum KeyKind {
    /// A key scoped to one Cloud Connected cluster.
    ClusterScoped {
        /// The cluster it is scoped to.
        cluster_id: String,
    },
    /// An organization ("admin") key.
    Organization,
}

/// Classifies a key from its user's role assignments.
pub(crate) fn classify(user: &SaasUser) -> Result<KeyKind> {
    let assignments = user
        .role_assignments
        .as_ref()
        .and_then(|r| r.cloud_connected_resource.as_ref())
        .filter(|a| !a.is_empty())
        .ok_or_else(|| {
            Error::new(
                ErrorCode::InvalidApiKey,
                "API key does not have cloud_connected_resource role assignments",
            )
        })?;
    if let [only] = assignments.as_slice()
        && only.role_id == "cloud-connected-admin"
        && !only.all
        && only.resource_ids.len() == 1
    {
        let id = only.resource_ids[0].clone();
        crate::model::validate_cluster_id(&id).map_err(|_| {
            Error::new(
                ErrorCode::CloudProtocol,
                "the key's role assignment names a malformed cluster id",
            )
        })?;
        return Ok(KeyKind::ClusterScoped { cluster_id: id });
    }
    Ok(KeyKind::Organization)
}

/// Maps a failure of the classification call: a Cloud 401 is an invalid or expired key; network
/// errors and 5xx stay what they are (not "invalid key").
pub(crate) fn classification_error(e: Error) -> Error {
    if e.code() == ErrorCode::InvalidApiKey {
        Error::new(ErrorCode::InvalidApiKey, "Invalid or expired API key").with_http_status(401)
    } else {
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SaasUserResponse;

    fn user(assignments: &str) -> SaasUser {
        let json = format!(
            r#"{{"user":{{"user_id":1,"organization_id":"1","role_assignments":{{"cloud_connected_resource":{assignments}}}}}}}"#
        );
        serde_json::from_str::<SaasUserResponse>(&json)
            .map(|r| r.user)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn cases() {
        let id = "a".repeat(32);
        let scoped = format!(
            r#"[{{"role_id":"cloud-connected-admin","organization_id":"1","all":false,"resource_ids":["{id}"]}}]"#
        );
        assert_eq!(
            classify(&user(&scoped)).ok(),
            Some(KeyKind::ClusterScoped {
                cluster_id: id.clone()
            })
        );
        let org = r#"[{"role_id":"cloud-connected-admin","organization_id":"1","all":true,"resource_ids":[]}]"#;
        assert_eq!(classify(&user(org)).ok(), Some(KeyKind::Organization));
        let other_role = format!(
            r#"[{{"role_id":"viewer","organization_id":"1","all":false,"resource_ids":["{id}"]}}]"#
        );
        assert_eq!(
            classify(&user(&other_role)).ok(),
            Some(KeyKind::Organization)
        );
        let two_ids = format!(
            r#"[{{"role_id":"cloud-connected-admin","all":false,"resource_ids":["{id}","{id}"]}}]"#
        );
        assert_eq!(classify(&user(&two_ids)).ok(), Some(KeyKind::Organization));
        let e = classify(&user("[]"))
            .err()
            .map(|e| (e.code(), e.message().to_owned()));
        assert_eq!(
            e,
            Some((
                ErrorCode::InvalidApiKey,
                "API key does not have cloud_connected_resource role assignments".into()
            ))
        );
        let none: SaasUser = serde_json::from_str::<SaasUserResponse>(r#"{"user":{"user_id":1}}"#)
            .map(|r| r.user)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            classify(&none).err().map(|e| e.code()),
            Some(ErrorCode::InvalidApiKey)
        );
    }
}
