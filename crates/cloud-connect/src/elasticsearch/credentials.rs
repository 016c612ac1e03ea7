//! How the library authenticates to Elasticsearch (`spec/elasticsearch.md` §2.1).

use base64::Engine;
use secrecy::{ExposeSecret, SecretString};

use crate::error::{Error, Result};

/// Elasticsearch credentials. `Debug` never prints them.
#[derive(Clone)]
pub enum EsCredentials {
    /// No `Authorization` header (security disabled).
    None,
    /// `ApiKey <encoded>`, where `encoded` is base64 of `id:api_key` (the `encoded` field of
    /// `POST /_security/api_key`).
    ApiKey(SecretString),
    /// `Basic base64(username:password)`.
    Basic {
        /// User name.
        username: String,
        /// Password.
        password: SecretString,
    },
    /// `Bearer <token>` (service-account or OAuth2 tokens).
    Bearer(SecretString),
    /// A complete `Authorization` header value, used as given (for example the value the
    /// simulator prints).
    Header(SecretString),
}

impl EsCredentials {
    /// An API key from its id and secret, encoded as Elasticsearch expects.
    pub fn api_key_from_parts(id: &str, api_key: &str) -> Self {
        let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{api_key}"));
        EsCredentials::ApiKey(SecretString::from(encoded))
    }

    /// The `Authorization` header value, if any.
    pub(crate) fn header_value(&self) -> Result<Option<reqwest::header::HeaderValue>> {
        let text = match self {
            EsCredentials::None => return Ok(None),
            EsCredentials::ApiKey(k) => format!("ApiKey {}", k.expose_secret()),
            EsCredentials::Basic { username, password } => {
                let raw = format!("{username}:{}", password.expose_secret());
                format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(raw)
                )
            }
            EsCredentials::Bearer(t) => format!("Bearer {}", t.expose_secret()),
            EsCredentials::Header(h) => h.expose_secret().to_owned(),
        };
        let mut v = reqwest::header::HeaderValue::from_str(&text).map_err(|_| {
            Error::invalid_input("the Elasticsearch credentials cannot be sent in an HTTP header")
        })?;
        v.set_sensitive(true);
        Ok(Some(v))
    }
}

impl std::fmt::Debug for EsCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self {
            EsCredentials::None => "None",
            EsCredentials::ApiKey(_) => "ApiKey(** redacted **)",
            EsCredentials::Basic { .. } => "Basic(** redacted **)",
            EsCredentials::Bearer(_) => "Bearer(** redacted **)",
            EsCredentials::Header(_) => "Header(** redacted **)",
        };
        f.write_str(kind)
    }
}
