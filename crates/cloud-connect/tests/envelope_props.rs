//! Property tests of both envelopes: the library's `cc1` record format (AES-256-GCM-SIV) and
//! Kibana's format (AES-256-GCM, node-crypto layout). Round trips hold for any input; any
//! corruption is a `decryption_failed`, never a wrong plaintext.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::sync::OnceLock;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cloud_connect::ErrorCode;
use cloud_connect::crypto::Keyring;
use cloud_connect::crypto::kibana::{KibanaCodec, json::js_stringify};
use proptest::prelude::*;
use serde_json::{Map, Number, Value};
use support::{KEY_A, KEY_B, keys};

/// Stretching is once per process; share one keyring across cases.
fn keyring() -> &'static Keyring {
    static RING: OnceLock<Keyring> = OnceLock::new();
    RING.get_or_init(|| Keyring::new(&keys(KEY_A, &[]), b"0123456789abcdef"))
}

fn codec() -> &'static KibanaCodec {
    static CODEC: OnceLock<KibanaCodec> = OnceLock::new();
    CODEC.get_or_init(|| KibanaCodec::new(&keys(KEY_A, &[])))
}

/// Any JSON value JavaScript represents exactly (integers within ±2^53, finite doubles).
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-(1i64 << 53)..=(1i64 << 53)).prop_map(|n| Value::Number(n.into())),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| Number::from_f64(f)
                .map(Value::Number)
                .unwrap_or(Value::Null)),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((".{0,6}", inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn own_envelope_round_trips(plaintext in prop::collection::vec(any::<u8>(), 0..256), aad in prop::collection::vec(any::<u8>(), 0..64)) {
        let sealed = keyring().seal(&plaintext, &aad).unwrap();
        let (opened, kid) = keyring().open(&sealed, &aad).unwrap();
        prop_assert_eq!(&opened[..], &plaintext[..]);
        prop_assert_eq!(kid, keyring().primary_id());
    }

    #[test]
    fn own_envelope_corruption_never_opens(
        plaintext in prop::collection::vec(any::<u8>(), 1..64),
        position in any::<prop::sample::Index>(),
        replacement in prop::sample::select(b"ABCabc019-_.=+/".to_vec()),
        other_aad in prop::collection::vec(any::<u8>(), 1..16),
    ) {
        let sealed = keyring().seal(&plaintext, b"aad").unwrap();
        let mut bytes = sealed.clone().into_bytes();
        let i = position.index(bytes.len());
        prop_assume!(bytes[i] != replacement);
        bytes[i] = replacement;
        let corrupted = String::from_utf8(bytes).unwrap();
        let e = keyring().open(&corrupted, b"aad").unwrap_err();
        prop_assert_eq!(e.code(), ErrorCode::DecryptionFailed);
        // Another AAD never opens it either.
        prop_assume!(other_aad != b"aad");
        prop_assert_eq!(keyring().open(&sealed, &other_aad).unwrap_err().code(), ErrorCode::DecryptionFailed);
    }

    #[test]
    fn kibana_envelope_round_trips(value in json_value(), aad in "[a-z0-9\\[\\]\",:{}]{1,40}") {
        let stored = codec().encrypt(&value, Some(&aad)).unwrap();
        let text = js_stringify(&value);
        prop_assert_eq!(STANDARD.decode(&stored).unwrap().len(), 92 + text.len());
        let d = codec().decrypt(&stored, Some(&aad)).unwrap();
        prop_assert_eq!(d.plaintext_json(), text.as_str());
        prop_assert_eq!(js_stringify(&d.value().unwrap()), text);
    }

    #[test]
    fn kibana_envelope_corruption_never_opens(
        value in json_value(),
        position in any::<prop::sample::Index>(),
        bit in 0u8..8,
        cut in any::<prop::sample::Index>(),
    ) {
        let stored = codec().encrypt(&value, Some("aad")).unwrap();
        let mut bytes = STANDARD.decode(&stored).unwrap();
        // One flipped bit anywhere: salt, IV, tag or ciphertext.
        let i = position.index(bytes.len());
        bytes[i] ^= 1 << bit;
        let e = codec().decrypt(&STANDARD.encode(&bytes), Some("aad")).unwrap_err();
        prop_assert_eq!(e.code(), ErrorCode::DecryptionFailed);
        // Any truncation fails too (short ones before key derivation).
        bytes[i] ^= 1 << bit;
        let n = cut.index(bytes.len());
        let e = codec().decrypt(&STANDARD.encode(&bytes[..n]), Some("aad")).unwrap_err();
        prop_assert_eq!(e.code(), ErrorCode::DecryptionFailed);
        // And the untouched value opens only with its own AAD and key.
        prop_assert!(codec().decrypt(&stored, Some("aad")).is_ok());
        prop_assert!(codec().decrypt(&stored, Some("aae")).is_err());
        prop_assert!(codec().decrypt(&stored, None).is_err());
    }
}

#[test]
fn kibana_envelope_opens_with_the_right_key_among_several() {
    let old = KibanaCodec::new(&keys(KEY_A, &[]));
    let stored = old
        .encrypt(&Value::String("essu_x".into()), Some("aad"))
        .unwrap();
    let rotated = KibanaCodec::new(&keys(KEY_B, &[KEY_A]));
    let d = rotated.decrypt(&stored, Some("aad")).unwrap();
    assert_eq!(d.key().index, 1);
    assert!(!d.key().is_primary());
    let fresh = rotated
        .encrypt(&Value::String("essu_x".into()), Some("aad"))
        .unwrap();
    assert!(
        rotated
            .decrypt(&fresh, Some("aad"))
            .unwrap()
            .key()
            .is_primary()
    );
    assert_eq!(
        old.decrypt(&fresh, Some("aad")).unwrap_err().code(),
        ErrorCode::DecryptionFailed
    );
}
