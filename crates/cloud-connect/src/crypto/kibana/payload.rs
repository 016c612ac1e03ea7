//! The stored value of a Kibana encrypted attribute (`spec/kibana-eso-format.md` §2): standard
//! base64 of `salt (64) ‖ iv (12) ‖ tag (16) ‖ ciphertext (n)`.

use base64::Engine;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};

use crate::error::{Error, ErrorCode, Result};

/// Length of the PBKDF2 salt at the start of the payload.
pub const SALT_BYTES: usize = 64;
/// Length of the AES-GCM IV (nonce).
pub const IV_BYTES: usize = 12;
/// Length of the AES-GCM authentication tag.
pub const TAG_BYTES: usize = 16;
/// Bytes of a payload besides the ciphertext (salt, IV and tag).
pub const HEADER_BYTES: usize = SALT_BYTES + IV_BYTES + TAG_BYTES;
/// The shortest payload that can be valid: the header plus one byte of ciphertext. Anything
/// shorter is refused before any key derivation.
pub const MIN_PAYLOAD_BYTES: usize = HEADER_BYTES + 1;

/// Standard alphabet; padding accepted but not required when reading (Kibana always pads).
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A decoded payload, split into its parts.
#[derive(Clone, PartialEq, Eq)]
pub struct KibanaPayload {
    bytes: Vec<u8>,
}

impl KibanaPayload {
    /// Decodes and checks a stored value. Fails with `decryption_failed` when it is not base64 or
    /// is shorter than [`MIN_PAYLOAD_BYTES`].
    pub fn parse(stored: &str) -> Result<Self> {
        let bytes = LENIENT.decode(stored.as_bytes()).map_err(|_| {
            Error::new(
                ErrorCode::DecryptionFailed,
                "the encrypted value is not valid base64",
            )
        })?;
        if bytes.len() < MIN_PAYLOAD_BYTES {
            return Err(Error::new(
                ErrorCode::DecryptionFailed,
                format!(
                    "the encrypted value is {} bytes long; a valid one has at least {MIN_PAYLOAD_BYTES}",
                    bytes.len()
                ),
            ));
        }
        Ok(KibanaPayload { bytes })
    }

    /// Assembles a payload from its parts.
    pub fn from_parts(
        salt: &[u8; SALT_BYTES],
        iv: &[u8; IV_BYTES],
        tag: &[u8; TAG_BYTES],
        ciphertext: &[u8],
    ) -> Self {
        let mut bytes = Vec::with_capacity(HEADER_BYTES + ciphertext.len());
        bytes.extend_from_slice(salt);
        bytes.extend_from_slice(iv);
        bytes.extend_from_slice(tag);
        bytes.extend_from_slice(ciphertext);
        KibanaPayload { bytes }
    }

    /// The PBKDF2 salt.
    pub fn salt(&self) -> &[u8; SALT_BYTES] {
        self.bytes[..SALT_BYTES]
            .try_into()
            .unwrap_or(&[0; SALT_BYTES])
    }

    /// The AES-GCM IV.
    pub fn iv(&self) -> &[u8; IV_BYTES] {
        self.bytes[SALT_BYTES..SALT_BYTES + IV_BYTES]
            .try_into()
            .unwrap_or(&[0; IV_BYTES])
    }

    /// The AES-GCM tag.
    pub fn tag(&self) -> &[u8; TAG_BYTES] {
        self.bytes[SALT_BYTES + IV_BYTES..HEADER_BYTES]
            .try_into()
            .unwrap_or(&[0; TAG_BYTES])
    }

    /// The ciphertext (as long as the plaintext).
    pub fn ciphertext(&self) -> &[u8] {
        &self.bytes[HEADER_BYTES..]
    }

    /// The whole decoded payload.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The stored form: padded standard base64.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(&self.bytes)
    }
}

impl std::fmt::Debug for KibanaPayload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KibanaPayload")
            .field("total_bytes", &self.bytes.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_short_and_non_base64() {
        let short = STANDARD.encode([0u8; HEADER_BYTES]);
        let e = KibanaPayload::parse(&short).err().map(|e| e.code());
        assert_eq!(e, Some(ErrorCode::DecryptionFailed));
        assert_eq!(
            KibanaPayload::parse("not base64!").err().map(|e| e.code()),
            Some(ErrorCode::DecryptionFailed)
        );
        let ok = STANDARD.encode([7u8; MIN_PAYLOAD_BYTES + 1]);
        let p = KibanaPayload::parse(&ok).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.ciphertext(), &[7u8, 7]);
        // Unpadded input is accepted too.
        let unpadded = ok.trim_end_matches('=');
        assert_ne!(unpadded, ok);
        assert!(KibanaPayload::parse(unpadded).is_ok());
    }

    #[test]
    fn parts_round_trip() {
        let p = KibanaPayload::from_parts(&[1; 64], &[2; 12], &[3; 16], b"xyz");
        let q = KibanaPayload::parse(&p.to_base64()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(q.salt(), &[1; 64]);
        assert_eq!(q.iv(), &[2; 12]);
        assert_eq!(q.tag(), &[3; 16]);
        assert_eq!(q.ciphertext(), b"xyz");
        assert_eq!(q.as_bytes().len(), 95);
    }
}
