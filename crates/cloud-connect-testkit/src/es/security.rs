//! Authentication (spec §2.1–§2.2) and authorization (§2.3, §6.2) of the Elasticsearch simulator.

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;

use super::errors::{es_error, es_error_with, extra};
use super::state::{EsState, IndexPrivilege};

const WWW_AUTHENTICATE: &[&str] = &[
    "Basic realm=\"security\", charset=\"UTF-8\"",
    "Bearer realm=\"security\"",
    "ApiKey",
];

/// Cluster privileges granting `GET /` and `GET /_license`.
pub(crate) const MONITOR: &[&str] = &["monitor", "manage", "all"];
/// Cluster privileges granting PUT/DELETE `_inference/_ccm`.
pub(crate) const MANAGE_INFERENCE: &[&str] = &["manage_inference", "manage", "all"];
/// Cluster privileges granting GET `_inference/_ccm` and the inference GET APIs.
pub(crate) const MONITOR_INFERENCE: &[&str] = &[
    "monitor_inference",
    "manage_inference",
    "monitor",
    "manage",
    "all",
];
/// Index privileges granting index/create writes.
pub(crate) const WRITE_PRIVILEGES: &[&str] = &["create_doc", "create", "index", "write", "all"];
/// Index privileges granting deletes.
pub(crate) const DELETE_PRIVILEGES: &[&str] = &["delete", "write", "all"];
/// Index privileges granting gets.
pub(crate) const READ_PRIVILEGES: &[&str] = &["read", "all"];

/// An authenticated principal.
#[derive(Clone, Debug)]
pub(crate) struct Principal {
    pub user: String,
    pub roles: Vec<String>,
    pub cluster: Vec<String>,
    pub indices: Vec<IndexPrivilege>,
    pub api_key_id: Option<String>,
}

impl Principal {
    fn subject(&self) -> String {
        match &self.api_key_id {
            Some(id) => format!("API key id [{id}] of user [{}]", self.user),
            None => format!("user [{}]", self.user),
        }
    }
}

fn unauthenticated(reason: &str) -> Response {
    let header_echo = json!({ "WWW-Authenticate": WWW_AUTHENTICATE });
    let mut resp = es_error_with(
        401,
        "security_exception",
        reason,
        extra(&[("header", header_echo)]),
        None,
    );
    for v in WWW_AUTHENTICATE {
        resp.headers_mut()
            .append(header::WWW_AUTHENTICATE, HeaderValue::from_static(v));
    }
    resp
}

const PROVIDED_CREDENTIALS: &str = "unable to authenticate with provided credentials and anonymous access is not allowed for this request";

/// Authenticates a request. `Ok(None)` when security is off. `uri` is the path and query.
pub(crate) fn authenticate(
    st: &EsState,
    headers: &HeaderMap,
    uri: &str,
) -> Result<Option<Principal>, Response> {
    if !st.config.security {
        return Ok(None);
    }
    let raw = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .trim();
    let (scheme, credential) = raw.split_once(' ').unwrap_or((raw, ""));
    let credential = credential.trim();
    let missing = || {
        unauthenticated(&format!(
            "missing authentication credentials for REST request [{uri}]"
        ))
    };
    if credential.is_empty() {
        return Err(missing());
    }
    let principal_of = |name: &str, api_key_id: Option<String>| {
        st.users.get(name).map(|u| Principal {
            user: u.username.clone(),
            roles: u.roles.clone(),
            cluster: u.cluster.clone(),
            indices: u.indices.clone(),
            api_key_id,
        })
    };
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = STANDARD
            .decode(credential)
            .ok()
            .and_then(|b| String::from_utf8(b).ok());
        let Some((user, password)) = decoded.as_deref().and_then(|d| d.split_once(':')) else {
            return Err(unauthenticated(PROVIDED_CREDENTIALS));
        };
        return match st.users.get(user) {
            Some(u) if u.password == password => Ok(principal_of(user, None)),
            _ => Err(unauthenticated(&format!(
                "unable to authenticate user [{user}] for REST request [{uri}]"
            ))),
        };
    }
    if scheme.eq_ignore_ascii_case("apikey") {
        let decoded = STANDARD
            .decode(credential)
            .ok()
            .and_then(|b| String::from_utf8(b).ok());
        let found = decoded
            .as_deref()
            .and_then(|d| d.split_once(':'))
            .and_then(|(id, key)| {
                st.api_keys
                    .get(id)
                    .filter(|(secret, _, invalidated)| secret == key && !invalidated)
                    .and_then(|(_, owner, _)| principal_of(owner, Some(id.to_owned())))
            });
        return found
            .map(Some)
            .ok_or_else(|| unauthenticated(PROVIDED_CREDENTIALS));
    }
    if scheme.eq_ignore_ascii_case("bearer") {
        return st
            .tokens
            .get(credential)
            .and_then(|owner| principal_of(owner, None))
            .map(Some)
            .ok_or_else(|| unauthenticated(PROVIDED_CREDENTIALS));
    }
    Err(missing())
}

/// 403 unless the principal holds one of `granted_by` (cluster privileges).
pub(crate) fn check_cluster(
    p: Option<&Principal>,
    action: &str,
    granted_by: &[&str],
) -> Result<(), Response> {
    let Some(p) = p else { return Ok(()) };
    if p.cluster.iter().any(|c| granted_by.contains(&c.as_str())) {
        return Ok(());
    }
    Err(es_error(
        403,
        "security_exception",
        &format!(
            "action [{action}] is unauthorized for {} with effective roles [{}], this action is granted by the cluster privileges [{}]",
            p.subject(),
            p.roles.join(","),
            granted_by.join(",")
        ),
    ))
}

/// Whether an index is a restricted (system) index.
pub(crate) fn is_restricted(index: &str) -> bool {
    index.starts_with(".kibana") || index.starts_with(".ccm-inference")
}

/// 403 unless some grant of the principal covers every name in `indices` with one of `granted_by`.
pub(crate) fn check_index(
    p: Option<&Principal>,
    action: &str,
    indices: &[&str],
    granted_by: &[&str],
) -> Result<(), Response> {
    let Some(p) = p else { return Ok(()) };
    let allowed = |index: &str| {
        p.indices.iter().any(|g| {
            (g.allow_restricted_indices || !is_restricted(index))
                && g.names.iter().any(|pat| glob(pat, index))
                && g.privileges
                    .iter()
                    .any(|pr| granted_by.contains(&pr.as_str()))
        })
    };
    let denied: Vec<&str> = indices.iter().copied().filter(|i| !allowed(i)).collect();
    if denied.is_empty() {
        return Ok(());
    }
    let which = if denied.iter().any(|i| is_restricted(i)) {
        "restricted indices"
    } else {
        "indices"
    };
    Err(es_error(
        403,
        "security_exception",
        &format!(
            "action [{action}] is unauthorized for {} with effective roles [{}] on {which} [{}], this action is granted by the index privileges [{}]",
            p.subject(),
            p.roles.join(","),
            denied.join(","),
            granted_by.join(",")
        ),
    ))
}

/// `*`-wildcard match.
pub(crate) fn glob(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, rest)) => {
            let Some(tail) = text.strip_prefix(head) else {
                return false;
            };
            (0..=tail.len()).any(|i| tail.is_char_boundary(i) && glob(rest, &tail[i..]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globbing() {
        assert!(glob(".kibana*", ".kibana_9.3.0_001"));
        assert!(glob("*", "anything"));
        assert!(!glob(".kibana*", "kibana"));
        assert!(glob("a*c", "abbbc"));
    }
}
