//! Secrets: API keys live in [`ApiKey`] from the moment they enter the library until an HTTP header
//! is built from them. Its `Debug` prints a redaction marker and it has no `Display`.

use secrecy::{ExposeSecret, SecretString};

use crate::error::{Error, Result};

/// An API key (an Elastic Cloud organization or cluster key, or an EIS service key).
#[derive(Clone)]
pub struct ApiKey(SecretString);

impl ApiKey {
    /// The longest key accepted, in characters (real keys are well under 200).
    pub const MAX_LEN: usize = 1024;

    /// Validates and wraps a key: it must not be empty or only whitespace, longer than
    /// [`ApiKey::MAX_LEN`] characters, or contain whitespace or control characters anywhere (it
    /// ends up in an HTTP header; a pasted trailing newline is refused, not silently changed).
    pub fn new(key: impl Into<String>) -> Result<Self> {
        let key: String = key.into();
        let secret = SecretString::from(key);
        let k = secret.expose_secret();
        if k.trim().is_empty() {
            return Err(Error::invalid_input("the API key is empty"));
        }
        if k.chars().count() > Self::MAX_LEN {
            return Err(Error::invalid_input(format!(
                "the API key is longer than {} characters",
                Self::MAX_LEN
            )));
        }
        if k.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(Error::invalid_input(
                "the API key contains whitespace or control characters",
            ));
        }
        Ok(ApiKey(secret))
    }

    /// The key itself, for building a request. Never log or format what this returns.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// Compares two keys in constant time with respect to their content.
    pub fn same_as(&self, other: &ApiKey) -> bool {
        let (a, b) = (self.expose().as_bytes(), other.expose().as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKey(** redacted **)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    #[test]
    fn debug_is_redacted() {
        let k = ApiKey::new("essu_canary_1234").unwrap_or_else(|_| unreachable!());
        assert_eq!(format!("{k:?}"), "ApiKey(** redacted **)");
    }

    #[test]
    fn rejects_bad_keys() {
        for bad in ["", "   ", "ab\ncd", "ab\u{7}cd", "a b", "\t"] {
            let e = ApiKey::new(bad).err().map(|e| e.code());
            assert_eq!(e, Some(ErrorCode::InvalidInput), "{bad:?}");
        }
        assert!(ApiKey::new("essu_ok").is_ok());
        assert!(
            ApiKey::new("essu_ok\n").is_err(),
            "a trailing newline is refused"
        );
        assert!(ApiKey::new("k".repeat(ApiKey::MAX_LEN)).is_ok());
        assert_eq!(
            ApiKey::new("k".repeat(ApiKey::MAX_LEN + 1))
                .err()
                .map(|e| e.code()),
            Some(ErrorCode::InvalidInput)
        );
    }
}
