//! Kibana's encrypted-saved-object format, read and written exactly
//! (`spec/kibana-eso-format.md`): the `@elastic/node-crypto` cipher format ([`KibanaCodec`]),
//! the AAD of a saved object ([`build_aad`]), the canonical JSON both rely on, and Kibana's key
//! fingerprints ([`EncryptionKeys::fingerprints`](crate::crypto::EncryptionKeys::fingerprints)).

mod aad;
mod codec;
mod fingerprint;
pub mod json;
mod payload;

pub use aad::{NamespaceType, SavedObjectDescriptor, build_aad};
pub use codec::{DEFAULT_DERIVED_KEY_CACHE, Decrypted, KIBANA_PBKDF2_ROUNDS, KeyUsed, KibanaCodec};
pub use payload::{
    HEADER_BYTES, IV_BYTES, KibanaPayload, MIN_PAYLOAD_BYTES, SALT_BYTES, TAG_BYTES,
};
