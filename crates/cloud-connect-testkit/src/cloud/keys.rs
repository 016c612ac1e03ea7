//! Minting, rotating and revoking keys (spec §6.5 and §8.8).

use rand::Rng;
use rand::distr::Alphanumeric;

use super::state::{CloudState, KeyKind, KeyRecord};
use crate::clock::Millis;

/// Seven days: how long a superseded key stays valid.
pub(crate) const PENDING_WINDOW_MS: Millis = 7 * 24 * 3600 * 1000;

/// A fresh opaque key value, `essu_sim_` followed by 40 random alphanumerics.
pub(crate) fn new_key_value() -> String {
    let tail: String = rand::rng()
        .sample_iter(&Alphanumeric)
        .take(40)
        .map(char::from)
        .collect();
    format!("essu_sim_{tail}")
}

/// A fresh Cloud Connected cluster id: 32 random `[a-z0-9]` characters.
pub(crate) fn new_cluster_id() -> String {
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..32)
        .map(|_| char::from(CHARS[rng.random_range(0..CHARS.len())]))
        .collect()
}

impl CloudState {
    /// Mints a new current key of `kind` for a cluster; a previous current key of the same kind
    /// becomes pending with `revoke_at = now + 7 days`. Returns the new key.
    pub fn mint_cluster_scoped(
        &mut self,
        cluster_id: &str,
        kind: KeyKind,
        user_id: u64,
        email: &str,
        now: Millis,
    ) -> String {
        let org_id = self.clusters.get(cluster_id).map(|c| c.org_id.clone());
        for k in self.keys.iter_mut() {
            if k.kind == kind
                && k.cluster_id.as_deref() == Some(cluster_id)
                && !k.revoked
                && k.revoke_at.is_none()
            {
                k.revoke_at = Some(now + PENDING_WINDOW_MS);
            }
        }
        let value = new_key_value();
        self.keys.push(KeyRecord {
            value: value.clone(),
            kind,
            org_id,
            user_id,
            email: email.to_owned(),
            cluster_id: Some(cluster_id.to_owned()),
            created_ms: now,
            expires_ms: None,
            revoke_at: None,
            revoked: false,
            assignments: None,
        });
        value
    }

    /// Revokes the pending keys of `kind` of a cluster. Returns how many were revoked.
    pub fn revoke_pending(&mut self, cluster_id: &str, kind: KeyKind, now: Millis) -> usize {
        let mut n = 0;
        for k in self.keys.iter_mut() {
            if k.kind == kind
                && k.cluster_id.as_deref() == Some(cluster_id)
                && k.revoke_at.is_some()
                && k.usable(now)
            {
                k.revoked = true;
                n += 1;
            }
        }
        n
    }

    /// Revokes every current and pending key of `kind` of a cluster.
    pub fn revoke_all(&mut self, cluster_id: &str, kind: KeyKind) {
        for k in self.keys.iter_mut() {
            if k.kind == kind && k.cluster_id.as_deref() == Some(cluster_id) {
                k.revoked = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_keys_have_the_documented_shape() {
        let id = new_cluster_id();
        assert_eq!(id.len(), 32);
        assert!(
            id.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        );
        let k = new_key_value();
        assert!(k.starts_with("essu_sim_"));
        assert_ne!(k, new_key_value());
    }
}
