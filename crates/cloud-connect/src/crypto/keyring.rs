//! The keyring: each configured key stretched once per process by PBKDF2-HMAC-SHA512 over a
//! per-installation salt, then used to seal records with AES-256-GCM-SIV (see `envelope.rs`).
//! Every stretched key has a short id, written into each ciphertext, so opening never tries keys
//! blindly.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use secrecy::ExposeSecret;
use sha2::{Digest, Sha256, Sha512};
use zeroize::Zeroizing;

use super::keys::EncryptionKeys;

/// PBKDF2 rounds used to stretch a configured key (OWASP 2023 guidance for HMAC-SHA512).
pub const PBKDF2_ROUNDS: u32 = 210_000;

/// A stretched 256-bit key with its id.
#[derive(Clone)]
pub(crate) struct StretchedKey {
    pub id: String,
    pub key: Arc<Zeroizing<[u8; 32]>>,
}

/// The stretched keys: the primary first, then decryption-only keys in configured order.
#[derive(Clone)]
pub struct Keyring {
    keys: Vec<StretchedKey>,
}

type Cache = Mutex<HashMap<[u8; 32], StretchedKey>>;

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Stretches `password` over `salt`, once per process for each (password, salt) pair.
fn stretch(password: &str, salt: &[u8]) -> StretchedKey {
    let mut h = Sha256::new();
    h.update(b"cloud-connect cache v1\0");
    h.update((salt.len() as u64).to_be_bytes());
    h.update(salt);
    h.update(password.as_bytes());
    let cache_key: [u8; 32] = h.finalize().into();
    if let Ok(map) = cache().lock()
        && let Some(k) = map.get(&cache_key)
    {
        return k.clone();
    }
    let mut out = Zeroizing::new([0u8; 32]);
    pbkdf2::pbkdf2_hmac::<Sha512>(password.as_bytes(), salt, PBKDF2_ROUNDS, out.as_mut());
    let mut idh = Sha256::new();
    idh.update(b"cloud-connect key id v1\0");
    idh.update(out.as_ref());
    let digest = idh.finalize();
    let id: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    let key = StretchedKey {
        id,
        key: Arc::new(out),
    };
    if let Ok(mut map) = cache().lock() {
        map.insert(cache_key, key.clone());
    }
    key
}

impl Keyring {
    /// Stretches every configured key over `salt`. Slow the first time in a process (PBKDF2),
    /// instant afterwards; call it from a blocking context.
    pub fn new(keys: &EncryptionKeys, salt: &[u8]) -> Self {
        let mut out = vec![stretch(keys.primary().expose_secret(), salt)];
        for k in keys.decryption_only() {
            out.push(stretch(k.expose_secret(), salt));
        }
        Keyring { keys: out }
    }

    /// The id of the primary (sealing) key.
    pub fn primary_id(&self) -> &str {
        &self.keys[0].id
    }

    /// The ids of every key, primary first.
    pub fn key_ids(&self) -> Vec<String> {
        self.keys.iter().map(|k| k.id.clone()).collect()
    }

    pub(crate) fn primary(&self) -> &StretchedKey {
        &self.keys[0]
    }

    pub(crate) fn find(&self, id: &str) -> Option<&StretchedKey> {
        self.keys.iter().find(|k| k.id == id)
    }
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("key_ids", &self.key_ids())
            .finish()
    }
}
