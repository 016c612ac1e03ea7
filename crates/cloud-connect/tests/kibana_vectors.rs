//! Kibana's encrypted-saved-object test vectors (`spec/kibana-eso-format.md` §7), produced with
//! `@elastic/node-crypto` 1.2.3. The fixture is a copy of `spec/vectors/kibana-eso-vectors.json`.

use cloud_connect::ErrorCode;
use cloud_connect::crypto::EncryptionKeys;
use cloud_connect::crypto::kibana::{
    KibanaCodec, KibanaPayload, NamespaceType, SavedObjectDescriptor, build_aad,
};
use serde_json::{Map, Value};

const VECTORS: &str = include_str!("fixtures/kibana-eso-vectors.json");

struct Vector {
    name: String,
    key: String,
    descriptor: SavedObjectDescriptor,
    encrypt: Vec<String>,
    include: Vec<String>,
    attributes: Map<String, Value>,
    attribute: String,
    plaintext: String,
    aad: String,
    ciphertext: String,
    layout: Value,
}

fn s(v: &Value, field: &str) -> String {
    v.get(field)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("vector field {field} missing"))
        .to_owned()
}

fn strings(v: &Value, field: &str) -> Vec<String> {
    v.get(field)
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("vector field {field} missing"))
        .iter()
        .filter_map(|x| x.as_str().map(str::to_owned))
        .collect()
}

fn vectors() -> Vec<Vector> {
    let doc: Value = serde_json::from_str(VECTORS).unwrap_or_else(|e| panic!("{e}"));
    let list = doc
        .get("vectors")
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("no vectors"));
    list.iter()
        .map(|v| {
            let d = &v["descriptor"];
            let descriptor = SavedObjectDescriptor::new(s(d, "type"), s(d, "id")).in_space(
                NamespaceType::Single,
                d.get("namespace").and_then(Value::as_str),
            );
            Vector {
                name: s(v, "name"),
                key: s(v, "encryptionKey"),
                descriptor,
                encrypt: strings(v, "attributesToEncrypt"),
                include: strings(v, "attributesToIncludeInAAD"),
                attributes: v["attributes"].as_object().cloned().unwrap_or_default(),
                attribute: s(v, "encryptedAttribute"),
                plaintext: s(v, "plaintextJson"),
                aad: s(v, "aad"),
                ciphertext: s(v, "ciphertextBase64"),
                layout: v["layout"].clone(),
            }
        })
        .collect()
}

fn codec(key: &str) -> KibanaCodec {
    KibanaCodec::new(&EncryptionKeys::primary_only(key).unwrap_or_else(|e| panic!("{e}")))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex<const N: usize>(s: &str) -> [u8; N] {
    let mut out = [0u8; N];
    assert_eq!(s.len(), 2 * N, "hex length");
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap_or_else(|e| panic!("{e}"));
    }
    out
}

#[test]
fn the_fixture_has_the_three_documented_vectors() {
    let names: Vec<String> = vectors().into_iter().map(|v| v.name).collect();
    assert_eq!(
        names,
        [
            "connector-multiple-isolated-type",
            "single-namespace-type-in-space-marketing",
            "cloud-connect-api-key"
        ]
    );
}

#[test]
fn aad_builder_matches_every_vector() {
    for v in vectors() {
        let include: Vec<&str> = v.include.iter().map(String::as_str).collect();
        let encrypt: Vec<&str> = v.encrypt.iter().map(String::as_str).collect();
        assert_eq!(
            build_aad(&v.descriptor, &v.attributes, &include, &encrypt),
            v.aad,
            "{}",
            v.name
        );
    }
}

#[test]
fn every_vector_decrypts_to_its_plaintext() {
    for v in vectors() {
        let c = codec(&v.key);
        let d = c
            .decrypt(&v.ciphertext, Some(&v.aad))
            .unwrap_or_else(|e| panic!("{}: {e}", v.name));
        assert_eq!(d.plaintext_json(), v.plaintext, "{}", v.name);
        assert_eq!(
            d.value().unwrap_or_default(),
            v.attributes[&v.attribute],
            "{}",
            v.name
        );
        assert!(d.key().is_primary());
        assert_eq!(d.key().fingerprint, c.fingerprints()[0]);
    }
}

#[test]
fn payload_parts_match_every_layout() {
    for v in vectors() {
        let p = KibanaPayload::parse(&v.ciphertext).unwrap_or_else(|e| panic!("{e}"));
        let l = &v.layout;
        assert_eq!(
            p.as_bytes().len() as u64,
            l["totalBytes"].as_u64().unwrap_or(0)
        );
        assert_eq!(hex(p.salt()), s(l, "saltHex"), "{}", v.name);
        assert_eq!(hex(p.iv()), s(l, "ivHex"), "{}", v.name);
        assert_eq!(hex(p.tag()), s(l, "tagHex"), "{}", v.name);
        assert_eq!(
            p.ciphertext().len() as u64,
            l["ciphertextBytes"].as_u64().unwrap_or(0)
        );
        assert_eq!(
            v.plaintext.len() as u64,
            l["plaintextBytes"].as_u64().unwrap_or(0)
        );
        assert_eq!(p.as_bytes().len(), 92 + v.plaintext.len());
    }
}

#[test]
fn injected_salt_and_iv_reproduce_every_ciphertext() {
    for v in vectors() {
        let c = codec(&v.key);
        let salt: [u8; 64] = unhex(&s(&v.layout, "saltHex"));
        let iv: [u8; 12] = unhex(&s(&v.layout, "ivHex"));
        let out = c
            .encrypt_with_salt_and_iv(&v.attributes[&v.attribute], Some(&v.aad), &salt, &iv)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(out, v.ciphertext, "{}", v.name);
    }
}

#[test]
fn wrong_aad_wrong_key_and_omitted_aad_fail_as_decryption_failed() {
    for v in vectors() {
        let c = codec(&v.key);
        let mut wrong_aad = v.aad.clone();
        wrong_aad.insert(1, ' ');
        let other = codec("another-32-character-test-key!!!");
        let cases = [
            ("wrongAad", c.decrypt(&v.ciphertext, Some(&wrong_aad)).err()),
            ("wrongKey", other.decrypt(&v.ciphertext, Some(&v.aad)).err()),
            ("aadOmitted", c.decrypt(&v.ciphertext, None).err()),
        ];
        for (case, err) in cases {
            let err = err.unwrap_or_else(|| panic!("{} {case}: decrypted", v.name));
            assert_eq!(err.code(), ErrorCode::DecryptionFailed, "{} {case}", v.name);
        }
        // The wrong-key error names the fingerprint tried, never the key.
        let e = other
            .decrypt(&v.ciphertext, Some(&v.aad))
            .err()
            .unwrap_or_else(|| unreachable!());
        assert!(e.message().contains(&other.fingerprints()[0]));
        assert!(!e.message().contains("another-32-character-test-key"));
    }
}

#[test]
fn fresh_round_trip_of_every_vector_value() {
    for v in vectors() {
        let c = codec(&v.key);
        let value = &v.attributes[&v.attribute];
        let a = c
            .encrypt(value, Some(&v.aad))
            .unwrap_or_else(|e| panic!("{e}"));
        let b = c
            .encrypt(value, Some(&v.aad))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_ne!(a, b, "fresh salt and IV every time");
        assert_ne!(a, v.ciphertext);
        let p = KibanaPayload::parse(&a).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.as_bytes().len(), 92 + v.plaintext.len());
        let d = c
            .decrypt(&a, Some(&v.aad))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(d.plaintext_json(), v.plaintext);
    }
}
