//! The library's own sealed-secret format: `cc1.<key id>.<nonce>.<ciphertext+tag>` (base64url, no
//! padding), AES-256-GCM-SIV with a random 96-bit nonce per write and caller-supplied associated
//! data (record type, record id, Cloud cluster id, field), so a ciphertext moved elsewhere fails.

use aes_gcm_siv::aead::{Aead, KeyInit, Payload};
use aes_gcm_siv::{Aes256GcmSiv, Nonce};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use rand::RngCore;
use zeroize::Zeroizing;

use super::keyring::Keyring;
use crate::error::{Error, ErrorCode, Result};

const PREFIX: &str = "cc1";

impl Keyring {
    /// Seals `plaintext` under the primary key, bound to `aad`.
    pub fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Result<String> {
        let key = self.primary();
        let cipher = Aes256GcmSiv::new_from_slice(key.key.as_ref().as_ref())
            .map_err(|_| Error::internal("bad key length"))?;
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let ct = cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .map_err(|_| Error::internal("encryption failed"))?;
        Ok(format!(
            "{PREFIX}.{}.{}.{}",
            key.id,
            B64.encode(nonce),
            B64.encode(ct)
        ))
    }

    /// Opens an envelope made by [`Keyring::seal`]; returns the plaintext and the id of the key
    /// that sealed it.
    pub fn open(&self, envelope: &str, aad: &[u8]) -> Result<(Zeroizing<Vec<u8>>, String)> {
        let bad = || {
            Error::new(
                ErrorCode::DecryptionFailed,
                "the stored ciphertext is malformed",
            )
        };
        let mut parts = envelope.split('.');
        let (Some(PREFIX), Some(kid), Some(nonce), Some(ct), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(bad());
        };
        let nonce = B64.decode(nonce).map_err(|_| bad())?;
        let ct = B64.decode(ct).map_err(|_| bad())?;
        if nonce.len() != 12 || ct.len() < 16 {
            return Err(bad());
        }
        let Some(key) = self.find(kid) else {
            return Err(Error::new(
                ErrorCode::DecryptionFailed,
                format!(
                    "the record was sealed with key {kid}, which is not configured (configured keys: {})",
                    self.key_ids().join(", ")
                ),
            ));
        };
        let cipher = Aes256GcmSiv::new_from_slice(key.key.as_ref().as_ref())
            .map_err(|_| Error::internal("bad key length"))?;
        let nonce = Nonce::try_from(nonce.as_slice()).map_err(|_| bad())?;
        let pt = cipher
            .decrypt(&nonce, Payload { msg: &ct, aad })
            .map_err(|_| {
                Error::new(
                    ErrorCode::DecryptionFailed,
                    format!(
                        "cannot decrypt the stored record with key {kid}: it was tampered with or belongs to another record"
                    ),
                )
            })?;
        Ok((Zeroizing::new(pt), kid.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use crate::ErrorCode;
    use crate::crypto::{EncryptionKeys, Keyring};

    fn ring(k: &str, old: &[&str]) -> Keyring {
        let keys = EncryptionKeys::new(
            Some(k.to_owned().into()),
            old.iter().map(|s| s.to_string().into()).collect(),
        )
        .unwrap_or_else(|_| unreachable!());
        Keyring::new(&keys, b"0123456789abcdef")
    }

    #[test]
    fn round_trip_tamper_and_move() {
        let a = ring(&"a".repeat(32), &[]);
        let sealed = a.seal(b"secret", b"aad-1").unwrap_or_default();
        let (pt, kid) = a.open(&sealed, b"aad-1").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(&pt[..], b"secret");
        assert_eq!(kid, a.primary_id());
        assert_eq!(
            a.open(&sealed, b"aad-2").err().map(|e| e.code()),
            Some(ErrorCode::DecryptionFailed)
        );
        let mut tampered = sealed.clone().into_bytes();
        let last = tampered.len() - 2;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).unwrap_or_default();
        assert_eq!(
            a.open(&tampered, b"aad-1").err().map(|e| e.code()),
            Some(ErrorCode::DecryptionFailed)
        );
        // Nonces are random: two seals differ.
        assert_ne!(a.seal(b"secret", b"aad-1").unwrap_or_default(), sealed);
    }

    #[test]
    fn wrong_key_names_the_key_ids() {
        let a = ring(&"a".repeat(32), &[]);
        let b = ring(&"b".repeat(32), &[]);
        let sealed = a.seal(b"x", b"aad").unwrap_or_default();
        let e = b
            .open(&sealed, b"aad")
            .err()
            .unwrap_or_else(|| unreachable!());
        assert_eq!(e.code(), ErrorCode::DecryptionFailed);
        assert!(e.message().contains(a.primary_id()) && e.message().contains(b.primary_id()));
        // b with a as decryption-only opens it.
        let b_with_a = ring(&"b".repeat(32), &[&"a".repeat(32)]);
        assert!(b_with_a.open(&sealed, b"aad").is_ok());
    }
}
