//! Encryption and decryption in `@elastic/node-crypto`'s format (`spec/kibana-eso-format.md` §2):
//! AES-256-GCM under a key derived by PBKDF2-HMAC-SHA512 (10 000 rounds) from the key string and
//! a fresh 64-byte salt per value; plaintext = the value's JSON text.
//!
//! Each value has its own salt, so Kibana pays one PBKDF2 derivation per value and per key tried.
//! The codec keeps derived keys in a bounded per-codec cache keyed by (configured key, salt), so
//! opening the same stored value again (every read of an unchanged document) costs no PBKDF2.
//! Derivation is CPU-bound: the `*_async` methods run it on the blocking pool.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce, Tag};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use sha2::Sha512;
use zeroize::Zeroizing;

use super::json::js_stringify;
use super::payload::{IV_BYTES, KibanaPayload, SALT_BYTES, TAG_BYTES};
use crate::crypto::EncryptionKeys;
use crate::error::{Error, ErrorCode, Result};

/// PBKDF2-HMAC-SHA512 iterations of `@elastic/node-crypto`.
pub const KIBANA_PBKDF2_ROUNDS: u32 = 10_000;

/// Default number of derived keys a codec keeps.
pub const DEFAULT_DERIVED_KEY_CACHE: usize = 256;

/// Encrypts and decrypts values exactly as Kibana's encrypted saved objects do, with the
/// configured primary key (for encryption and first in line for decryption) and decryption-only
/// keys (tried after it, in order). Cheap to clone; clones share the derived-key cache.
/// `Debug` prints only the key fingerprints.
#[derive(Clone)]
pub struct KibanaCodec {
    inner: Arc<Inner>,
}

struct Inner {
    keys: Vec<CodecKey>,
    cache: Mutex<DerivedKeyCache>,
    derivations: AtomicU64,
}

struct CodecKey {
    password: SecretString,
    fingerprint: String,
}

/// Which configured key opened a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyUsed {
    /// Position in the configuration: 0 is the primary key, 1.. the decryption-only keys in order.
    pub index: usize,
    /// Kibana's fingerprint of that key (see [`EncryptionKeys::fingerprints`]).
    pub fingerprint: String,
}

impl KeyUsed {
    /// Whether the primary key opened the value (so it needs no re-encryption).
    pub fn is_primary(&self) -> bool {
        self.index == 0
    }
}

/// A decrypted value: its JSON text (zeroized on drop) and the key that opened it.
pub struct Decrypted {
    plaintext: Zeroizing<String>,
    key: KeyUsed,
}

impl Decrypted {
    /// The exact plaintext: the JSON text of the value.
    pub fn plaintext_json(&self) -> &str {
        &self.plaintext
    }

    /// The value, parsed.
    pub fn value(&self) -> Result<Value> {
        serde_json::from_str(&self.plaintext).map_err(|_| not_json())
    }

    /// The value when it is a JSON string (how Kibana encrypts an API key).
    pub fn string_value(&self) -> Result<Zeroizing<String>> {
        serde_json::from_str::<String>(&self.plaintext)
            .map(Zeroizing::new)
            .map_err(|_| {
                Error::new(
                    ErrorCode::DecryptionFailed,
                    "the decrypted value is not a JSON string",
                )
            })
    }

    /// The key that opened the value.
    pub fn key(&self) -> &KeyUsed {
        &self.key
    }
}

impl std::fmt::Debug for Decrypted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decrypted")
            .field("plaintext", &"** redacted **")
            .field("key", &self.key)
            .finish()
    }
}

fn not_json() -> Error {
    Error::new(
        ErrorCode::DecryptionFailed,
        "the decrypted value is not valid JSON",
    )
}

/// A derived AES key, zeroized when the last holder drops it.
type DerivedKey = Arc<Zeroizing<[u8; 32]>>;

/// (index of the configured key, salt).
type CacheKey = (usize, [u8; SALT_BYTES]);

/// Derived keys by (configured key, salt), evicted oldest first.
struct DerivedKeyCache {
    capacity: usize,
    map: HashMap<CacheKey, DerivedKey>,
    order: VecDeque<CacheKey>,
}

impl DerivedKeyCache {
    fn get(&self, key: &CacheKey) -> Option<DerivedKey> {
        self.map.get(key).cloned()
    }

    fn insert(&mut self, key: CacheKey, derived: DerivedKey) {
        if self.capacity == 0 || self.map.contains_key(&key) {
            return;
        }
        while self.map.len() >= self.capacity {
            match self.order.pop_front() {
                Some(old) => {
                    self.map.remove(&old);
                }
                None => break,
            }
        }
        self.order.push_back(key);
        self.map.insert(key, derived);
    }
}

impl KibanaCodec {
    /// A codec for the configured keys, with a derived-key cache of
    /// [`DEFAULT_DERIVED_KEY_CACHE`] entries.
    pub fn new(keys: &EncryptionKeys) -> Self {
        Self::with_cache_capacity(keys, DEFAULT_DERIVED_KEY_CACHE)
    }

    /// A codec whose derived-key cache holds at most `capacity` keys (0 disables it).
    pub fn with_cache_capacity(keys: &EncryptionKeys, capacity: usize) -> Self {
        let mut all = vec![keys.primary().clone()];
        all.extend(keys.decryption_only().iter().cloned());
        let keys = all
            .into_iter()
            .map(|password| CodecKey {
                fingerprint: super::fingerprint::fingerprint(password.expose_secret()),
                password,
            })
            .collect();
        KibanaCodec {
            inner: Arc::new(Inner {
                keys,
                cache: Mutex::new(DerivedKeyCache {
                    capacity,
                    map: HashMap::new(),
                    order: VecDeque::new(),
                }),
                derivations: AtomicU64::new(0),
            }),
        }
    }

    /// Kibana's fingerprints of the configured keys, primary first.
    pub fn fingerprints(&self) -> Vec<String> {
        self.inner
            .keys
            .iter()
            .map(|k| k.fingerprint.clone())
            .collect()
    }

    /// How many PBKDF2 derivations this codec (and its clones) has run: a diagnostic for cache
    /// behaviour and benchmarks.
    pub fn derivations(&self) -> u64 {
        self.inner.derivations.load(Ordering::Relaxed)
    }

    /// Encrypts `value` (as its JSON text) under the primary key with a fresh salt and IV,
    /// bound to `aad`. Returns the stored form (padded standard base64). Blocking: PBKDF2 runs
    /// here; use [`KibanaCodec::encrypt_async`] from async code.
    pub fn encrypt(&self, value: &Value, aad: Option<&str>) -> Result<String> {
        let mut salt = [0u8; SALT_BYTES];
        let mut iv = [0u8; IV_BYTES];
        rand::rng().fill_bytes(&mut salt);
        rand::rng().fill_bytes(&mut iv);
        self.encrypt_with_salt_and_iv(value, aad, &salt, &iv)
    }

    /// Encrypts with the given salt and IV. **For test vectors only**: a salt or IV must never be
    /// used twice; [`KibanaCodec::encrypt`] draws fresh ones.
    pub fn encrypt_with_salt_and_iv(
        &self,
        value: &Value,
        aad: Option<&str>,
        salt: &[u8; SALT_BYTES],
        iv: &[u8; IV_BYTES],
    ) -> Result<String> {
        let aad = check_aad(aad)?;
        let plaintext = Zeroizing::new(js_stringify(value));
        let key = self.derive(0, salt);
        let cipher = Aes256Gcm::new_from_slice(key.as_ref().as_ref())
            .map_err(|_| Error::internal("bad AES key length"))?;
        let mut buffer = Zeroizing::new(plaintext.as_bytes().to_vec());
        let tag = cipher
            .encrypt_inout_detached(&Nonce::from(*iv), aad, buffer.as_mut_slice().into())
            .map_err(|_| Error::internal("AES-GCM encryption failed"))?;
        let tag: [u8; TAG_BYTES] = tag.into();
        Ok(KibanaPayload::from_parts(salt, iv, &tag, &buffer).to_base64())
    }

    /// Decrypts a stored value bound to `aad`, trying the primary key and then each
    /// decryption-only key in order. Payloads shorter than 93 bytes are refused before any key
    /// derivation. Every failure (wrong key, wrong or missing AAD, any changed byte) is one
    /// `decryption_failed` error naming the fingerprints of the keys tried. Blocking; use
    /// [`KibanaCodec::decrypt_async`] from async code.
    pub fn decrypt(&self, stored: &str, aad: Option<&str>) -> Result<Decrypted> {
        let aad = check_aad(aad)?;
        let payload = KibanaPayload::parse(stored)?;
        let tag = Tag::try_from(payload.tag().as_slice())
            .map_err(|_| Error::internal("bad tag length"))?;
        for (index, k) in self.inner.keys.iter().enumerate() {
            let key = self.derive(index, payload.salt());
            let cipher = Aes256Gcm::new_from_slice(key.as_ref().as_ref())
                .map_err(|_| Error::internal("bad AES key length"))?;
            let mut buffer = Zeroizing::new(payload.ciphertext().to_vec());
            let opened = cipher.decrypt_inout_detached(
                &Nonce::from(*payload.iv()),
                aad,
                buffer.as_mut_slice().into(),
                &tag,
            );
            if opened.is_ok() {
                let text = std::str::from_utf8(&buffer).map_err(|_| not_json())?;
                let plaintext = Zeroizing::new(text.to_owned());
                serde_json::from_str::<serde::de::IgnoredAny>(&plaintext)
                    .map_err(|_| not_json())?;
                return Ok(Decrypted {
                    plaintext,
                    key: KeyUsed {
                        index,
                        fingerprint: k.fingerprint.clone(),
                    },
                });
            }
        }
        Err(Error::new(
            ErrorCode::DecryptionFailed,
            format!(
                "cannot decrypt the value with the configured encryption keys (tried {}): the keys are wrong, or the value was tampered with or moved from another saved object",
                self.describe_keys()
            ),
        ))
    }

    /// [`KibanaCodec::encrypt`] on the blocking thread pool.
    pub async fn encrypt_async(&self, value: Value, aad: Option<String>) -> Result<String> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || this.encrypt(&value, aad.as_deref()))
            .await
            .map_err(|_| Error::internal("the encryption task failed"))?
    }

    /// [`KibanaCodec::decrypt`] on the blocking thread pool.
    pub async fn decrypt_async(&self, stored: String, aad: Option<String>) -> Result<Decrypted> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || this.decrypt(&stored, aad.as_deref()))
            .await
            .map_err(|_| Error::internal("the decryption task failed"))?
    }

    /// "primary key <fp>, decryption-only key #1 <fp>, …" (fingerprints only, never keys).
    pub(crate) fn describe_keys(&self) -> String {
        self.inner
            .keys
            .iter()
            .enumerate()
            .map(|(i, k)| {
                if i == 0 {
                    format!("primary key {}", k.fingerprint)
                } else {
                    format!("decryption-only key #{i} {}", k.fingerprint)
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The derived key of configured key `index` for `salt`, from the cache or PBKDF2.
    fn derive(&self, index: usize, salt: &[u8; SALT_BYTES]) -> DerivedKey {
        let cache_key = (index, *salt);
        if let Ok(cache) = self.inner.cache.lock()
            && let Some(k) = cache.get(&cache_key)
        {
            return k;
        }
        let mut out = Zeroizing::new([0u8; 32]);
        let password = self.inner.keys[index].password.expose_secret();
        pbkdf2::pbkdf2_hmac::<Sha512>(
            password.as_bytes(),
            salt,
            KIBANA_PBKDF2_ROUNDS,
            out.as_mut(),
        );
        self.inner.derivations.fetch_add(1, Ordering::Relaxed);
        let derived = Arc::new(out);
        if let Ok(mut cache) = self.inner.cache.lock() {
            cache.insert(cache_key, derived.clone());
        }
        derived
    }
}

/// node-crypto refuses an empty AAD string; no AAD means none at all.
fn check_aad(aad: Option<&str>) -> Result<&[u8]> {
    match aad {
        None => Ok(&[]),
        Some("") => Err(Error::invalid_input("AAD cannot be an empty string")),
        Some(a) => Ok(a.as_bytes()),
    }
}

impl std::fmt::Debug for KibanaCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KibanaCodec")
            .field("key_fingerprints", &self.fingerprints())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn codec(primary: &str, old: &[&str]) -> KibanaCodec {
        let keys = EncryptionKeys::new(
            Some(primary.to_owned().into()),
            old.iter().map(|s| s.to_string().into()).collect(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        KibanaCodec::new(&keys)
    }

    #[test]
    fn round_trip_sizes_and_key_order() {
        let a = codec(&"a".repeat(32), &[]);
        let v = json!("essu_abc");
        let stored = a.encrypt(&v, Some("aad")).unwrap_or_default();
        let p = KibanaPayload::parse(&stored).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.as_bytes().len(), 92 + 10);
        let d = a
            .decrypt(&stored, Some("aad"))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(d.plaintext_json(), "\"essu_abc\"");
        assert!(d.key().is_primary());
        // B with A as decryption-only opens it with key #1; B alone cannot.
        let b_a = codec(&"b".repeat(32), &[&"a".repeat(32)]);
        let d = b_a
            .decrypt(&stored, Some("aad"))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(d.key().index, 1);
        assert_eq!(d.key().fingerprint, a.fingerprints()[0]);
        let b = codec(&"b".repeat(32), &[]);
        let e = b
            .decrypt(&stored, Some("aad"))
            .err()
            .unwrap_or_else(|| unreachable!());
        assert_eq!(e.code(), ErrorCode::DecryptionFailed);
        assert!(
            e.message().contains(&b.fingerprints()[0]),
            "{}",
            e.message()
        );
        assert!(!e.message().contains(&"b".repeat(32)));
    }

    #[test]
    fn derived_keys_are_cached_and_bounded() {
        let keys = EncryptionKeys::primary_only("c".repeat(32)).unwrap_or_else(|e| panic!("{e}"));
        let c = KibanaCodec::with_cache_capacity(&keys, 2);
        let s1 = c.encrypt(&json!(1), None).unwrap_or_default();
        assert_eq!(c.derivations(), 1);
        // Reading what we wrote needs no derivation; neither does reading it again.
        assert!(c.decrypt(&s1, None).is_ok());
        assert!(c.decrypt(&s1, None).is_ok());
        assert_eq!(c.derivations(), 1);
        let _s2 = c.encrypt(&json!(2), None).unwrap_or_default();
        let _s3 = c.encrypt(&json!(3), None).unwrap_or_default();
        assert_eq!(c.derivations(), 3);
        // s1's key was evicted (capacity 2): opening it derives again.
        assert!(c.decrypt(&s1, None).is_ok());
        assert_eq!(c.derivations(), 4);
    }

    #[test]
    fn short_payload_is_refused_before_derivation() {
        let c = codec(&"d".repeat(32), &[]);
        let stored = c.encrypt(&json!("x"), None).unwrap_or_default();
        let before = c.derivations();
        let bytes = KibanaPayload::parse(&stored).unwrap_or_else(|e| panic!("{e}"));
        let short = KibanaPayload::from_parts(bytes.salt(), bytes.iv(), bytes.tag(), &[]);
        let e = c.decrypt(&short.to_base64(), None).err().map(|e| e.code());
        assert_eq!(e, Some(ErrorCode::DecryptionFailed));
        assert_eq!(c.derivations(), before);
    }

    #[test]
    fn empty_aad_is_refused() {
        let c = codec(&"e".repeat(32), &[]);
        assert_eq!(
            c.encrypt(&json!(1), Some("")).err().map(|e| e.code()),
            Some(ErrorCode::InvalidInput)
        );
    }
}
