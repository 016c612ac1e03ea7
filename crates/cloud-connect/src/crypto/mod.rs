//! Encryption of stored secrets: configured keys, the stretched keyring, and the sealed-secret
//! envelope.

mod envelope;
mod keyring;
mod keys;
pub mod kibana;

pub use keyring::{Keyring, PBKDF2_ROUNDS};
pub use keys::{EncryptionKeys, MIN_ENCRYPTION_KEY_CHARS};
