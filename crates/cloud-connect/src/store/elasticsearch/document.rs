//! The connection record as Kibana's saved object (`spec/kibana-eso-format.md` §5): the mapping
//! between a [`ConnectionRecord`] and the `_source` of `cloud-connect-api-key:<id>` in `.kibana`.
//!
//! The `_source` has exactly the top-level keys of §5.2. Inside the type object, Kibana's four
//! attributes (`apiKey` encrypted in Kibana's format with `clusterId` in the AAD, `clusterId`,
//! `createdAt`, `updatedAt`) are written as Kibana writes them. What only this library needs (the
//! organization id and the intent journal, whose secrets are encrypted in the same format with
//! their own AAD) sits in one more attribute, [`LIBRARY_ATTRIBUTE`], of the same type object:
//!
//! - a new top-level key is impossible: Kibana's root mapping is `dynamic: strict`
//!   (`elasticsearch.md` §6.1), so the write would fail;
//! - the type's own mapping is `dynamic: false`, so the attribute is stored but not indexed;
//! - Kibana's model-version schema ignores unknown attributes on read (§5.1), so Kibana still sees
//!   exactly `{apiKey, clusterId, createdAt, updatedAt}`;
//! - being in the same document, the journal is written in the same compare-and-set write as the
//!   connection, which a second document could not give.
//!
//! A save by Kibana's own plugin (create with overwrite) replaces the document and drops the
//! attribute; the seq_no change makes the library's next compare-and-set write fail, so the loss
//! is noticed, never silently overwritten.

use std::cell::RefCell;

use serde_json::{Map, Value, json};
use zeroize::Zeroize;

use crate::crypto::kibana::{
    KeyUsed, KibanaCodec, SavedObjectDescriptor, build_aad, json::stable_stringify,
};
use crate::error::{Error, ErrorCode, Result};
use crate::secret::ApiKey;
use crate::store::ConnectionRecord;

/// Kibana's saved-object type of the Cloud Connect key record.
pub const SAVED_OBJECT_TYPE: &str = "cloud-connect-api-key";
/// The fixed id of the record.
pub const SAVED_OBJECT_ID: &str = "239feff0-7e11-4413-b800-f1f1621e9c69";
/// The alias of Kibana's index.
pub const KIBANA_INDEX: &str = ".kibana";
/// The attribute (inside the type object) holding the library's own state.
pub const LIBRARY_ATTRIBUTE: &str = "libraryState";

const API_KEY: &str = "apiKey";
const CLUSTER_ID: &str = "clusterId";
const CREATED_AT: &str = "createdAt";
const UPDATED_AT: &str = "updatedAt";
const CONNECTION_API_KEY_FIELD: &str = "connection.api_key";
const CORE_MIGRATION_VERSION: &str = "8.8.0";
const TYPE_MIGRATION_VERSION: &str = "10.1.0";

/// The Elasticsearch `_id`: agnostic types have no namespace prefix.
pub fn document_id() -> String {
    format!("{SAVED_OBJECT_TYPE}:{SAVED_OBJECT_ID}")
}

fn descriptor() -> SavedObjectDescriptor {
    SavedObjectDescriptor::new(SAVED_OBJECT_TYPE, SAVED_OBJECT_ID)
}

/// Kibana's AAD of `apiKey` for these attributes.
fn api_key_aad(attributes: &Map<String, Value>) -> String {
    build_aad(&descriptor(), attributes, &[CLUSTER_ID], &[API_KEY])
}

/// AAD of a library secret (an intent's key): the record, its cluster and the field, so a value
/// cannot be moved to another field, record or cluster, nor swapped with `apiKey`.
fn library_secret_aad(cluster_id: &str, field: &str) -> String {
    stable_stringify(&json!([
        SAVED_OBJECT_TYPE,
        SAVED_OBJECT_ID,
        { CLUSTER_ID: cluster_id, "field": field }
    ]))
}

/// A secret as stored under the primary key, kept so an unchanged secret is not re-encrypted
/// (and PBKDF2 not paid again) on every write.
#[derive(Clone)]
pub(crate) struct SealedSecret {
    aad: String,
    plaintext: ApiKey,
    stored: String,
}

/// A record decoded from a `_source`.
pub(crate) struct Decoded {
    pub record: Option<ConnectionRecord>,
    /// The keys that opened the record's secrets.
    pub keys_used: Vec<KeyUsed>,
    /// Secrets found under the primary key (reusable as they are).
    pub sealed: Vec<SealedSecret>,
}

/// Now, as Kibana writes timestamps: `2026-01-01T00:00:00.000Z`.
pub(crate) fn kibana_now() -> String {
    kibana_time(time::OffsetDateTime::now_utc())
}

fn kibana_time(t: time::OffsetDateTime) -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    t.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_default()
}

/// An RFC 3339 timestamp in Kibana's form (`date` mapping), or `None` when it does not parse.
fn normalize_time(s: &str) -> Option<String> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(kibana_time)
}

/// Builds the `_source` for `record`. Blocking (may run PBKDF2). `reuse` are secrets known to be
/// sealed under the primary key; the second result is what this document holds.
pub(crate) fn encode(
    codec: &KibanaCodec,
    record: &ConnectionRecord,
    now: &str,
    reuse: &[SealedSecret],
) -> Result<(Value, Vec<SealedSecret>)> {
    let cluster_id = record.cluster_id().to_owned();
    let mut connection_attributes = Map::new();
    if let Some(c) = &record.connection {
        connection_attributes.insert(CLUSTER_ID.into(), Value::String(c.cluster_id.clone()));
    }
    let sealed = RefCell::new(Vec::new());
    let seal = |field: &str, key: &ApiKey| -> Result<String> {
        let aad = if field == CONNECTION_API_KEY_FIELD {
            api_key_aad(&connection_attributes)
        } else {
            library_secret_aad(&cluster_id, field)
        };
        if let Some(s) = reuse
            .iter()
            .find(|s| s.aad == aad && s.plaintext.same_as(key))
        {
            sealed.borrow_mut().push(s.clone());
            return Ok(s.stored.clone());
        }
        let mut value = Value::String(key.expose().to_owned());
        let stored = codec.encrypt(&value, Some(&aad));
        if let Value::String(s) = &mut value {
            s.zeroize();
        }
        let stored = stored?;
        sealed.borrow_mut().push(SealedSecret {
            aad,
            plaintext: key.clone(),
            stored: stored.clone(),
        });
        Ok(stored)
    };
    let wire = record.to_wire(&seal)?;

    let mut attributes = Map::new();
    let mut library = Map::new();
    let mut created_at = now.to_owned();
    if let Some(c) = &record.connection {
        let stored = wire
            .pointer("/connection/api_key")
            .cloned()
            .ok_or_else(|| Error::internal("the sealed API key is missing"))?;
        created_at = normalize_time(&c.created_at).unwrap_or_else(|| now.to_owned());
        attributes.insert(API_KEY.into(), stored);
        attributes.insert(CLUSTER_ID.into(), Value::String(c.cluster_id.clone()));
        attributes.insert(CREATED_AT.into(), Value::String(created_at.clone()));
        attributes.insert(UPDATED_AT.into(), Value::String(now.to_owned()));
        if let Some(org) = &c.organization_id {
            library.insert("organizationId".into(), Value::String(org.clone()));
        }
    }
    if let Some(intent) = wire.get("intent") {
        library.insert("intent".into(), intent.clone());
    }
    if !library.is_empty() {
        attributes.insert(LIBRARY_ATTRIBUTE.into(), Value::Object(library));
    }
    let source = json!({
        "type": SAVED_OBJECT_TYPE,
        SAVED_OBJECT_TYPE: attributes,
        "references": [],
        "managed": false,
        "coreMigrationVersion": CORE_MIGRATION_VERSION,
        "typeMigrationVersion": TYPE_MIGRATION_VERSION,
        "created_at": created_at,
        "updated_at": now,
    });
    Ok((source, sealed.into_inner()))
}

fn malformed(what: &str) -> Error {
    Error::storage(format!(
        "the Cloud Connect saved object in {KIBANA_INDEX} is malformed: {what}"
    ))
}

/// Reads a `_source` written by Kibana or by this library. Blocking (may run PBKDF2).
pub(crate) fn decode(codec: &KibanaCodec, source: &Value) -> Result<Decoded> {
    if source.get("type").and_then(Value::as_str) != Some(SAVED_OBJECT_TYPE) {
        return Err(malformed("its type is not cloud-connect-api-key"));
    }
    let attributes = match source.get(SAVED_OBJECT_TYPE) {
        Some(Value::Object(m)) => m.clone(),
        None | Some(Value::Null) => Map::new(),
        Some(_) => return Err(malformed("its attributes are not an object")),
    };
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    let library = attributes.get(LIBRARY_ATTRIBUTE);
    let mut wire = Map::new();
    if let Some(api_key) = attributes.get(API_KEY) {
        let Value::String(api_key) = api_key else {
            return Err(Error::new(
                ErrorCode::DecryptionFailed,
                format!(
                    "Encrypted \"apiKey\" attribute should be a string, but found {}",
                    json_type(api_key)
                ),
            ));
        };
        let cluster_id = text(attributes.get(CLUSTER_ID))
            .ok_or_else(|| malformed("it has an apiKey but no clusterId"))?;
        wire.insert(
            "connection".into(),
            json!({
                "cluster_id": cluster_id,
                "organization_id": text(library.and_then(|l| l.get("organizationId"))),
                "api_key": api_key,
                "created_at": text(attributes.get(CREATED_AT)).or_else(|| text(source.get("created_at"))).unwrap_or_default(),
                "updated_at": text(attributes.get(UPDATED_AT)).or_else(|| text(source.get("updated_at"))).unwrap_or_default(),
            }),
        );
    }
    if let Some(intent) = library
        .and_then(|l| l.get("intent"))
        .filter(|i| !i.is_null())
    {
        wire.insert("intent".into(), intent.clone());
    }
    let wire = Value::Object(wire);
    let cluster_id = wire
        .pointer("/connection/cluster_id")
        .or_else(|| wire.pointer("/intent/cluster_id"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();

    let keys_used = RefCell::new(Vec::new());
    let sealed = RefCell::new(Vec::new());
    let open = |field: &str, stored: &str| -> Result<ApiKey> {
        let aad = if field == CONNECTION_API_KEY_FIELD {
            api_key_aad(&attributes)
        } else {
            library_secret_aad(&cluster_id, field)
        };
        let decrypted = codec.decrypt(stored, Some(&aad)).map_err(|e| {
            let what = if field == CONNECTION_API_KEY_FIELD {
                format!("attribute \"apiKey\" of saved object \"{SAVED_OBJECT_TYPE},{SAVED_OBJECT_ID}\"")
            } else {
                format!("the library's {field} in saved object \"{SAVED_OBJECT_TYPE},{SAVED_OBJECT_ID}\"")
            };
            e.context(&format!("unable to decrypt {what}"))
        })?;
        let text = decrypted.string_value()?;
        let key = ApiKey::new(text.as_str()).map_err(|_| {
            Error::new(
                ErrorCode::DecryptionFailed,
                format!("the decrypted {field} is not a usable API key"),
            )
        })?;
        if decrypted.key().is_primary() {
            sealed.borrow_mut().push(SealedSecret {
                aad,
                plaintext: key.clone(),
                stored: stored.to_owned(),
            });
        }
        keys_used.borrow_mut().push(decrypted.key().clone());
        Ok(key)
    };
    let record = ConnectionRecord::from_wire(&wire, &open)?;
    Ok(Decoded {
        record: (!record.is_empty()).then_some(record),
        keys_used: keys_used.into_inner(),
        sealed: sealed.into_inner(),
    })
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::EncryptionKeys;
    use crate::store::Connection;

    fn codec() -> KibanaCodec {
        KibanaCodec::new(
            &EncryptionKeys::primary_only("k".repeat(32)).unwrap_or_else(|e| panic!("{e}")),
        )
    }

    fn record() -> ConnectionRecord {
        ConnectionRecord {
            connection: Some(Connection {
                cluster_id: "0123456789abcdef0123456789abcdef".into(),
                organization_id: Some("org-1".into()),
                api_key: ApiKey::new("essu_abc").unwrap_or_else(|e| panic!("{e}")),
                created_at: "2026-01-01T00:00:00Z".into(),
                updated_at: "2026-01-01T00:00:00Z".into(),
            }),
            intent: None,
        }
    }

    #[test]
    fn source_has_kibana_shape_and_timestamps() {
        let now = "2026-02-02T10:00:00.123Z";
        let (source, sealed) =
            encode(&codec(), &record(), now, &[]).unwrap_or_else(|e| panic!("{e}"));
        let keys: Vec<&String> = source
            .as_object()
            .map(|m| m.keys().collect())
            .unwrap_or_default();
        assert_eq!(
            keys,
            [
                "type",
                SAVED_OBJECT_TYPE,
                "references",
                "managed",
                "coreMigrationVersion",
                "typeMigrationVersion",
                "created_at",
                "updated_at"
            ]
        );
        let a = &source[SAVED_OBJECT_TYPE];
        assert_eq!(a[CREATED_AT], "2026-01-01T00:00:00.000Z");
        assert_eq!(a[UPDATED_AT], now);
        assert_eq!(source["created_at"], "2026-01-01T00:00:00.000Z");
        assert_eq!(source["updated_at"], now);
        assert_eq!(a[LIBRARY_ATTRIBUTE]["organizationId"], "org-1");
        assert_eq!(sealed.len(), 1);
        // Re-encoding with the sealed secrets reuses the ciphertext (no PBKDF2).
        let c = codec();
        let (again, _) = encode(&c, &record(), now, &sealed).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(again[SAVED_OBJECT_TYPE][API_KEY], a[API_KEY]);
        assert_eq!(c.derivations(), 0);
    }
}
