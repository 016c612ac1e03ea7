//! Authentication and scoping of Cloud requests (spec §1.2, §8.2).

use axum::http::{HeaderMap, header};
use axum::response::Response;

use super::errors::{forbidden, invalid_credential_headers, invalid_key, not_found};
use super::state::{CloudState, Cluster, KeyKind};
use crate::clock::Millis;

/// The authenticated principal of a request.
#[derive(Clone, Debug)]
pub(crate) struct Caller {
    pub kind: KeyKind,
    pub org_id: Option<String>,
    pub user_id: u64,
    pub email: String,
    /// For a cluster key: the cluster it manages.
    pub cluster_id: Option<String>,
}

/// Checks the `Authorization` header. Missing or malformed → the `UnauthorizedMessages` 401;
/// unknown, expired, revoked or EIS key → the `errors[]` 401.
pub(crate) fn authenticate(
    st: &CloudState,
    headers: &HeaderMap,
    now: Millis,
) -> Result<Caller, Response> {
    let Some(raw) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return Err(invalid_credential_headers());
    };
    let mut parts = raw.trim().splitn(2, ' ');
    let scheme = parts.next().unwrap_or("");
    let key = parts.next().unwrap_or("").trim();
    let scheme_ok = if st.options.strict_auth_scheme {
        scheme == "ApiKey"
    } else {
        scheme.eq_ignore_ascii_case("apikey")
    };
    if !scheme_ok || key.is_empty() {
        return Err(invalid_credential_headers());
    }
    let Some(record) = st.key(key) else {
        return Err(invalid_key());
    };
    if record.kind == KeyKind::Eis || !record.usable(now) {
        return Err(invalid_key());
    }
    Ok(Caller {
        kind: record.kind,
        org_id: record.org_id.clone(),
        user_id: record.user_id,
        email: record.email.clone(),
        cluster_id: record.cluster_id.clone(),
    })
}

impl Caller {
    /// Resolves a cluster the caller addresses: another organization's (or an unknown) cluster is
    /// 404, another cluster of the same organization with a cluster key is 403.
    pub fn visible_cluster<'a>(
        &self,
        st: &'a CloudState,
        id: &str,
        op: &str,
    ) -> Result<&'a Cluster, Response> {
        let Some(cluster) = st.clusters.get(id) else {
            return Err(not_found(op));
        };
        if self.org_id.as_deref() != Some(cluster.org_id.as_str()) {
            return Err(not_found(op));
        }
        if self.kind == KeyKind::Cluster && self.cluster_id.as_deref() != Some(id) {
            return Err(forbidden(op, "request is not authorized"));
        }
        Ok(cluster)
    }

    /// Whether the caller may see a cluster in a list.
    pub fn sees(&self, cluster: &Cluster) -> bool {
        self.org_id.as_deref() == Some(cluster.org_id.as_str())
            && (self.kind != KeyKind::Cluster
                || self.cluster_id.as_deref() == Some(cluster.id.as_str()))
    }

    /// Organization endpoints: allowed for the caller's own organization only (403 otherwise).
    pub fn check_org(&self, org_id: &str, op: &str) -> Result<(), Response> {
        if self.org_id.as_deref() == Some(org_id) {
            Ok(())
        } else {
            Err(forbidden(op, "request is not authorized"))
        }
    }
}
