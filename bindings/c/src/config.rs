//! The JSON configuration of `cc_client_new`, turned into a [`ServiceManagerBuilder`].
//!
//! ```json
//! {
//!   "cloud_url": "https://api.elastic-cloud.com",   // optional, this is the default
//!   "encryption_key": "at least 32 characters …",    // required
//!   "decryption_only_keys": ["older key …"],         // optional
//!   "store_path": "/var/lib/app/cloud-connect.json", // required
//!   "es_url": "https://localhost:9200",              // required
//!   "es_authorization": "ApiKey …",                  // optional: the full Authorization header
//!   "request_timeout_ms": 30000,                     // optional, default 30 s
//!   "allow_insecure_http": false                     // optional: plain http beyond loopback
//! }
//! ```
//!
//! This module only checks JSON types; the core validates the values (a missing or short encryption
//! key, a missing store path, a bad URL) and its errors reach C with their own codes. Messages name
//! fields, never their values: some values are secrets.

use std::time::Duration;

use cloud_connect_core::ServiceManagerBuilder;
use cloud_connect_core::elasticsearch::EsCredentials;
use cloud_connect_core::http::HttpOptions;
use secrecy::SecretString;
use serde_json::{Map, Value};

use crate::boundary::Failure;
use crate::status::cc_status;

const FIELDS: &[&str] = &[
    "cloud_url",
    "encryption_key",
    "decryption_only_keys",
    "store_path",
    "es_url",
    "es_authorization",
    "request_timeout_ms",
    "allow_insecure_http",
];

fn invalid(message: impl Into<String>) -> Failure {
    Failure::new(cc_status::InvalidInput, message)
}

/// Parses the configuration JSON into a builder with the default seams.
pub(crate) fn builder_from_json(json: &str) -> Result<ServiceManagerBuilder, Failure> {
    // serde_json's messages can quote a value; only its position is passed on.
    let value: Value = serde_json::from_str(json).map_err(|e| {
        invalid(format!(
            "the config is not valid JSON (line {}, column {})",
            e.line(),
            e.column()
        ))
    })?;
    let Value::Object(mut map) = value else {
        return Err(invalid("the config must be a JSON object"));
    };
    if let Some(unknown) = map.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        let name: String = unknown.chars().take(64).collect();
        return Err(invalid(format!(
            "unknown config field {name:?} (known: {})",
            FIELDS.join(", ")
        )));
    }

    let mut builder = ServiceManagerBuilder::new();
    if let Some(url) = take_string(&mut map, "cloud_url")? {
        builder = builder.cloud_url(url);
    }
    if let Some(key) = take_string(&mut map, "encryption_key")? {
        builder = builder.encryption_key(key);
    }
    if let Some(keys) = take_string_array(&mut map, "decryption_only_keys")? {
        builder = builder.decryption_only_keys(keys);
    }
    if let Some(path) = take_string(&mut map, "store_path")? {
        builder = builder.store_path(path);
    }
    let es_authorization = take_string(&mut map, "es_authorization")?;
    if let Some(url) = take_string(&mut map, "es_url")? {
        let credentials = match es_authorization {
            Some(header) => EsCredentials::Header(SecretString::from(header)),
            None => EsCredentials::None,
        };
        builder = builder.elasticsearch(url, credentials);
    }
    let mut http = HttpOptions::default();
    if let Some(ms) = take_value(&mut map, "request_timeout_ms") {
        match ms.as_u64() {
            Some(ms) if ms > 0 => http.request_timeout = Duration::from_millis(ms),
            _ => {
                return Err(invalid(
                    "config field \"request_timeout_ms\" must be a positive integer (milliseconds)",
                ));
            }
        }
    }
    if let Some(allow) = take_value(&mut map, "allow_insecure_http") {
        http.allow_insecure_http = allow
            .as_bool()
            .ok_or_else(|| invalid("config field \"allow_insecure_http\" must be true or false"))?;
    }
    Ok(builder.http_options(http))
}

/// A field's value; `null` counts as absent.
fn take_value(map: &mut Map<String, Value>, name: &str) -> Option<Value> {
    map.remove(name).filter(|v| !v.is_null())
}

fn take_string(map: &mut Map<String, Value>, name: &str) -> Result<Option<String>, Failure> {
    match take_value(map, name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(invalid(format!("config field {name:?} must be a string"))),
    }
}

fn take_string_array(
    map: &mut Map<String, Value>,
    name: &str,
) -> Result<Option<Vec<String>>, Failure> {
    let not_strings = || invalid(format!("config field {name:?} must be an array of strings"));
    match take_value(map, name) {
        None => Ok(None),
        Some(Value::Array(items)) => items
            .into_iter()
            .map(|v| match v {
                Value::String(s) => Ok(s),
                _ => Err(not_strings()),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(not_strings()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cloud_connect_core::ErrorCode;

    const KEY: &str = "an-encryption-key-of-at-least-32-characters";

    fn failure(json: &str) -> Failure {
        match builder_from_json(json) {
            Ok(_) => panic!("expected {json} to be refused"),
            Err(f) => f,
        }
    }

    #[test]
    fn malformed_json_names_the_position_only() {
        let f = failure("{\"encryption_key\": \"s3cret-value\", oops}");
        assert_eq!(f.status, cc_status::InvalidInput);
        assert!(f.message.contains("not valid JSON"), "{}", f.message);
        assert!(!f.message.contains("s3cret"), "{}", f.message);
    }

    #[test]
    fn wrong_types_name_the_field_not_the_value() {
        let f = failure(r#"{"encryption_key": 12345678901234567890}"#);
        assert_eq!(f.status, cc_status::InvalidInput);
        assert!(f.message.contains("encryption_key"), "{}", f.message);
        assert!(!f.message.contains("1234"), "{}", f.message);
        assert_eq!(failure("[]").status, cc_status::InvalidInput);
        assert_eq!(
            failure(r#"{"request_timeout_ms": 0}"#).status,
            cc_status::InvalidInput
        );
        assert_eq!(
            failure(r#"{"allow_insecure_http": "yes"}"#).status,
            cc_status::InvalidInput
        );
        assert_eq!(
            failure(r#"{"decryption_only_keys": [1]}"#).status,
            cc_status::InvalidInput
        );
    }

    #[test]
    fn unknown_fields_are_refused() {
        let f = failure(r#"{"encryption_Key": "x"}"#);
        assert_eq!(f.status, cc_status::InvalidInput);
        assert!(f.message.contains("encryption_Key"), "{}", f.message);
    }

    #[test]
    fn the_core_validates_values() {
        let builder =
            builder_from_json(r#"{"store_path": "/tmp/x", "es_url": "http://127.0.0.1:1"}"#);
        let Ok(builder) = builder else {
            panic!("types are fine")
        };
        let Err(e) = builder.build() else {
            panic!("no encryption key")
        };
        assert_eq!(e.code(), ErrorCode::EncryptionKeyMissing);
    }

    #[test]
    fn a_full_config_builds() {
        let json = serde_json::json!({
            "cloud_url": "http://127.0.0.1:9",
            "encryption_key": KEY,
            "decryption_only_keys": [],
            "store_path": "/tmp/cloud-connect-c-config-test.json",
            "es_url": "http://127.0.0.1:9",
            "es_authorization": "Basic ZWxhc3RpYzpjaGFuZ2VtZQ==",
            "request_timeout_ms": 5000,
            "allow_insecure_http": false
        })
        .to_string();
        let builder = builder_from_json(&json).unwrap_or_else(|f| panic!("{}", f.message));
        assert!(builder.build().is_ok());
    }
}
