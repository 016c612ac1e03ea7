//! The configured encryption keys (Kibana's `xpack.encryptedSavedObjects.encryptionKey` and
//! `keyRotation.decryptionOnlyKeys`), validated but not yet stretched.

use secrecy::{ExposeSecret, SecretString};

use crate::error::{Error, ErrorCode, Result};

/// Minimum length of every encryption key, in characters (Kibana's rule).
pub const MIN_ENCRYPTION_KEY_CHARS: usize = 32;

/// A primary encryption key plus decryption-only keys. `Debug` prints only how many keys there are.
#[derive(Clone)]
pub struct EncryptionKeys {
    primary: SecretString,
    decryption_only: Vec<SecretString>,
}

impl EncryptionKeys {
    /// Validates the keys: the primary must be present, each key at least 32 characters, and the
    /// primary must not also be listed as decryption-only.
    pub fn new(primary: Option<SecretString>, decryption_only: Vec<SecretString>) -> Result<Self> {
        let primary = primary.ok_or_else(|| {
            Error::new(
                ErrorCode::EncryptionKeyMissing,
                "no encryption key is configured: set an encryption key of at least 32 characters",
            )
        })?;
        if primary.expose_secret().is_empty() {
            return Err(Error::new(
                ErrorCode::EncryptionKeyMissing,
                "no encryption key is configured: set an encryption key of at least 32 characters",
            ));
        }
        check_length(&primary, "the encryption key")?;
        for (i, k) in decryption_only.iter().enumerate() {
            check_length(k, &format!("decryption-only key #{}", i + 1))?;
            if k.expose_secret() == primary.expose_secret() {
                return Err(Error::invalid_input(
                    "the decryption-only keys cannot contain the primary encryption key",
                ));
            }
        }
        Ok(EncryptionKeys {
            primary,
            decryption_only,
        })
    }

    /// Convenience: a primary key only.
    pub fn primary_only(primary: impl Into<String>) -> Result<Self> {
        Self::new(Some(SecretString::from(primary.into())), Vec::new())
    }

    /// The primary key (used to seal).
    pub fn primary(&self) -> &SecretString {
        &self.primary
    }

    /// The decryption-only keys, in configured order.
    pub fn decryption_only(&self) -> &[SecretString] {
        &self.decryption_only
    }
}

fn check_length(key: &SecretString, what: &str) -> Result<()> {
    let n = key.expose_secret().chars().count();
    if n < MIN_ENCRYPTION_KEY_CHARS {
        return Err(Error::invalid_input(format!(
            "{what} is {n} characters long; at least {MIN_ENCRYPTION_KEY_CHARS} are required"
        )));
    }
    Ok(())
}

impl std::fmt::Debug for EncryptionKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "EncryptionKeys {{ primary: ** redacted **, decryption_only: {} key(s) }}",
            self.decryption_only.len()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation() {
        let code = |r: Result<EncryptionKeys>| r.err().map(|e| e.code());
        assert_eq!(
            code(EncryptionKeys::new(None, vec![])),
            Some(ErrorCode::EncryptionKeyMissing)
        );
        assert_eq!(
            code(EncryptionKeys::primary_only("short")),
            Some(ErrorCode::InvalidInput)
        );
        let k = "k".repeat(32);
        assert!(EncryptionKeys::primary_only(k.clone()).is_ok());
        assert_eq!(
            code(EncryptionKeys::new(
                Some(k.clone().into()),
                vec![k.clone().into()]
            )),
            Some(ErrorCode::InvalidInput)
        );
        let keys = EncryptionKeys::primary_only(k).unwrap_or_else(|_| unreachable!());
        assert!(!format!("{keys:?}").contains("kkkk"));
    }
}
