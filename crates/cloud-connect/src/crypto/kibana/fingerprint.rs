//! Kibana's fingerprint of an encryption key: base64 of the SHA3-256 digest of the key string.
//! Kibana logs it at start ("Hashed 'xpack.encryptedSavedObjects.encryptionKey' for this
//! instance: …") so operators can check that instances share a key without printing the key.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use secrecy::ExposeSecret;
use sha3::{Digest, Sha3_256};

use crate::crypto::EncryptionKeys;

/// Kibana's fingerprint of one key string.
pub(crate) fn fingerprint(key: &str) -> String {
    STANDARD.encode(Sha3_256::digest(key.as_bytes()))
}

impl EncryptionKeys {
    /// Kibana's fingerprints of the configured keys (base64 of SHA3-256 of each key string),
    /// primary first, then the decryption-only keys in order. Safe to log; equal to what Kibana
    /// logs for the same keys.
    pub fn fingerprints(&self) -> Vec<String> {
        std::iter::once(self.primary())
            .chain(self.decryption_only())
            .map(|k| fingerprint(k.expose_secret()))
            .collect()
    }

    /// Kibana's fingerprint of the primary key.
    pub fn primary_fingerprint(&self) -> String {
        fingerprint(self.primary().expose_secret())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_node_crypto_sha3_256_base64() {
        // node -e "console.log(require('crypto').createHash('sha3-256').update('a'.repeat(32)).digest('base64'))"
        let keys = EncryptionKeys::new(Some("a".repeat(32).into()), vec!["b".repeat(32).into()])
            .unwrap_or_else(|e| panic!("{e}"));
        let fps = keys.fingerprints();
        assert_eq!(fps.len(), 2);
        assert_eq!(fps[0], EXPECTED_A);
        assert_eq!(keys.primary_fingerprint(), EXPECTED_A);
        assert_ne!(fps[0], fps[1]);
    }

    const EXPECTED_A: &str = "Lu5CspnLRLs9XdCgIhDOKd68IRC3xGRP84xTCElAviE=";
}
