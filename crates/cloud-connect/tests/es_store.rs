//! The Elasticsearch store against the testkit's Elasticsearch simulator: Kibana's saved object
//! read and written exactly, compare-and-set, key rotation, tampering, and index-level failures.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use cloud_connect::ErrorCode;
use cloud_connect::crypto::EncryptionKeys;
use cloud_connect::crypto::kibana::{KibanaCodec, SavedObjectDescriptor, build_aad};
use cloud_connect::elasticsearch::EsCredentials;
use cloud_connect::http::HttpOptions;
use cloud_connect::store::elasticsearch::{LIBRARY_ATTRIBUTE, SAVED_OBJECT_TYPE, document_id};
use cloud_connect::store::{CredentialStore, ElasticsearchStore, RecordVersion};
use cloud_connect_testkit::{EsConfig, EsSim};
use serde_json::{Value, json};
use support::{KEY_A, KEY_B, assert_same_record, keys, record, vector};

const DOC_PATH: &str = ".kibana/_doc/cloud-connect-api-key:239feff0-7e11-4413-b800-f1f1621e9c69";

async fn start_sim() -> EsSim {
    EsSim::start(EsConfig::default())
        .await
        .expect("ES simulator")
}

/// A store using the `elastic/kibana` service-account token, as a Kibana-side deployment would.
fn store(sim: &EsSim, keys: &EncryptionKeys) -> ElasticsearchStore {
    ElasticsearchStore::new(
        &sim.url(),
        EsCredentials::Header(sim.credentials().kibana_bearer.into()),
        HttpOptions::default(),
        keys,
    )
    .unwrap()
}

fn stored_source(sim: &EsSim) -> Value {
    sim.document(".kibana", &document_id())
        .expect("document stored")["_source"]
        .clone()
}

/// Writes a `_source` the way Kibana's plugin does: index with overwrite, no compare-and-set.
async fn kibana_writes(sim: &EsSim, source: &Value) {
    let r = reqwest::Client::new()
        .put(format!("{}/{DOC_PATH}?refresh=wait_for", sim.url()))
        .header("authorization", sim.credentials().kibana_bearer)
        .header("x-elastic-product-origin", "kibana")
        .json(source)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
}

#[tokio::test]
async fn round_trip_with_intent_and_compare_and_set() {
    let sim = start_sim().await;
    let s = store(&sim, &keys(KEY_A, &[]));
    let empty = s.load().await.unwrap();
    assert!(empty.record.is_none());
    let r = record("0123456789abcdef0123456789abcdef", true);
    let v1 = s.save(&r, &empty.version).await.unwrap();
    let loaded = s.load().await.unwrap();
    assert_eq!(loaded.version, v1);
    assert_same_record(loaded.record.as_ref().unwrap(), &r);

    // A stale version (or a second create) is a conflict, and changes nothing.
    let e = s.save(&r, &empty.version).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Conflict);
    let v2 = s.save(&r, &v1).await.unwrap();
    assert_ne!(v1, v2);
    assert_eq!(
        s.save(&r, &v1).await.unwrap_err().code(),
        ErrorCode::Conflict
    );
    assert_eq!(s.delete(&v1).await.unwrap_err().code(), ErrorCode::Conflict);

    // Deleting at the current version removes the document; "absent" is the next version.
    let gone = s.delete(&v2).await.unwrap();
    assert!(sim.document(".kibana", &document_id()).is_none());
    let after = s.load().await.unwrap();
    assert!(after.record.is_none());
    assert_eq!(after.version, gone);
    // A garbage version is refused before any request.
    let e = s.save(&r, &RecordVersion("7".into())).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
}

#[tokio::test]
async fn an_intent_only_record_round_trips_without_an_api_key_attribute() {
    let sim = start_sim().await;
    let s = store(&sim, &keys(KEY_A, &[]));
    let mut r = record("0123456789abcdef0123456789abcdef", true);
    r.connection = None;
    let v = s.save(&r, &s.load().await.unwrap().version).await.unwrap();
    let src = stored_source(&sim);
    assert!(src[SAVED_OBJECT_TYPE].get("apiKey").is_none());
    let loaded = s.load().await.unwrap();
    assert_eq!(loaded.version, v);
    assert_same_record(loaded.record.as_ref().unwrap(), &r);
}

#[tokio::test]
async fn reads_the_document_kibana_wrote() {
    let sim = start_sim().await;
    let v = vector("cloud-connect-api-key");
    let attrs = &v["attributes"];
    // Kibana's `_source` (kibana-eso-format.md §5.2) around the vector's ciphertext.
    let source = json!({
        "type": SAVED_OBJECT_TYPE,
        SAVED_OBJECT_TYPE: {
            "apiKey": v["ciphertextBase64"],
            "clusterId": attrs["clusterId"],
            "createdAt": attrs["createdAt"],
            "updatedAt": attrs["updatedAt"],
        },
        "references": [],
        "managed": false,
        "coreMigrationVersion": "8.8.0",
        "typeMigrationVersion": "10.1.0",
        "created_at": "2026-01-01T00:00:00.000Z",
        "updated_at": "2026-01-01T00:00:00.000Z",
    });
    kibana_writes(&sim, &source).await;
    let s = store(&sim, &keys(v["encryptionKey"].as_str().unwrap(), &[]));
    let loaded = s.load().await.unwrap();
    let record = loaded.record.expect("connected");
    let c = record.connection.expect("a connection");
    assert_eq!(c.api_key.expose(), attrs["apiKey"].as_str().unwrap());
    assert_eq!(c.cluster_id, attrs["clusterId"].as_str().unwrap());
    assert_eq!(c.created_at, "2026-01-01T00:00:00.000Z");
    assert_eq!(c.organization_id, None);
    assert!(record.intent.is_none());
}

#[tokio::test]
async fn writes_a_document_kibana_reads() {
    let sim = start_sim().await;
    let v = vector("cloud-connect-api-key");
    let key = v["encryptionKey"].as_str().unwrap();
    let s = store(&sim, &keys(key, &[]));
    let r = record(v["attributes"]["clusterId"].as_str().unwrap(), false);
    s.save(&r, &s.load().await.unwrap().version).await.unwrap();
    let src = stored_source(&sim);

    // Exactly the top-level keys of §5.2, with Kibana's values.
    let mut top: Vec<&str> = src
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    top.sort_unstable();
    assert_eq!(
        top,
        [
            "cloud-connect-api-key",
            "coreMigrationVersion",
            "created_at",
            "managed",
            "references",
            "type",
            "typeMigrationVersion",
            "updated_at"
        ]
    );
    assert_eq!(src["type"], SAVED_OBJECT_TYPE);
    assert_eq!(src["references"], json!([]));
    assert_eq!(src["managed"], json!(false));
    assert_eq!(src["coreMigrationVersion"], "8.8.0");
    assert_eq!(src["typeMigrationVersion"], "10.1.0");
    let attrs = src[SAVED_OBJECT_TYPE].as_object().unwrap();
    let mut names: Vec<&str> = attrs.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "apiKey",
            "clusterId",
            "createdAt",
            "libraryState",
            "updatedAt"
        ]
    );
    let iso_ms = |s: &Value| {
        let s = s.as_str().unwrap();
        s.len() == 24 && s.ends_with('Z') && s.as_bytes()[19] == b'.'
    };
    for f in ["createdAt", "updatedAt"] {
        assert!(iso_ms(&attrs[f]), "{f}: {}", attrs[f]);
    }
    assert!(iso_ms(&src["created_at"]) && iso_ms(&src["updated_at"]));

    // Kibana's own reading: the registered AAD of the type, computed from the stored attributes
    // (as Kibana does), equals the vector's AAD for this cluster, and opens `apiKey` with only the
    // configured key; the plaintext is the key as a quoted JSON string.
    let aad = build_aad(
        &SavedObjectDescriptor::new(SAVED_OBJECT_TYPE, "239feff0-7e11-4413-b800-f1f1621e9c69"),
        attrs,
        &["clusterId"],
        &["apiKey"],
    );
    assert_eq!(aad, v["aad"].as_str().unwrap());
    let kibana = KibanaCodec::new(&keys(key, &[]));
    let opened = kibana
        .decrypt(attrs["apiKey"].as_str().unwrap(), Some(&aad))
        .unwrap();
    assert_eq!(
        opened.plaintext_json(),
        format!("\"{}\"", r.connection.as_ref().unwrap().api_key.expose())
    );
}

#[tokio::test]
async fn created_at_is_kept_and_updated_at_refreshed() {
    let sim = start_sim().await;
    let s = store(&sim, &keys(KEY_A, &[]));
    let r = record("0123456789abcdef0123456789abcdef", false);
    let v1 = s.save(&r, &s.load().await.unwrap().version).await.unwrap();
    let first = stored_source(&sim);
    tokio::time::sleep(std::time::Duration::from_millis(15)).await;
    // The manager saves what it loaded (plus its changes).
    let mut loaded = s.load().await.unwrap().record.unwrap();
    loaded.intent = record("0123456789abcdef0123456789abcdef", true).intent;
    s.save(&loaded, &v1).await.unwrap();
    let second = stored_source(&sim);
    let a = SAVED_OBJECT_TYPE;
    assert_eq!(second[a]["createdAt"], first[a]["createdAt"]);
    assert_eq!(second[a]["createdAt"], "2026-01-01T00:00:00.000Z");
    assert_eq!(second["created_at"], first["created_at"]);
    assert_ne!(second[a]["updatedAt"], first[a]["updatedAt"]);
    assert!(second[a]["updatedAt"].as_str() > first[a]["updatedAt"].as_str());
    assert_eq!(second["updated_at"], second[a]["updatedAt"]);
}

#[tokio::test]
async fn reading_again_pays_no_key_derivation_and_unchanged_secrets_are_not_reencrypted() {
    let sim = start_sim().await;
    let writer = store(&sim, &keys(KEY_A, &[]));
    let r = record("0123456789abcdef0123456789abcdef", true);
    let v1 = writer
        .save(&r, &writer.load().await.unwrap().version)
        .await
        .unwrap();
    let reader = store(&sim, &keys(KEY_A, &[]));
    reader.load().await.unwrap();
    let first = reader.codec().derivations();
    assert_eq!(
        first, 2,
        "one derivation per stored secret on the first read"
    );
    reader.load().await.unwrap();
    assert_eq!(
        reader.codec().derivations(),
        first,
        "a second read derives nothing"
    );
    // Writing the same secrets back reuses their ciphertexts.
    let before = stored_source(&sim);
    let loaded = reader.load().await.unwrap();
    reader
        .save(loaded.record.as_ref().unwrap(), &v1)
        .await
        .unwrap();
    let after = stored_source(&sim);
    assert_eq!(reader.codec().derivations(), first);
    assert_eq!(
        after[SAVED_OBJECT_TYPE]["apiKey"],
        before[SAVED_OBJECT_TYPE]["apiKey"]
    );
}

#[tokio::test]
async fn tampered_and_moved_ciphertexts_do_not_open() {
    let sim = start_sim().await;
    let s = store(&sim, &keys(KEY_A, &[]));
    let r = record("0123456789abcdef0123456789abcdef", true);
    s.save(&r, &s.load().await.unwrap().version).await.unwrap();
    let good = stored_source(&sim);
    let t = SAVED_OBJECT_TYPE;

    let mut cases = Vec::new();
    // One flipped bit in the ciphertext.
    let mut tampered = good.clone();
    let mut bytes = good[t]["apiKey"].as_str().unwrap().as_bytes().to_vec();
    bytes[130] = if bytes[130] == b'A' { b'B' } else { b'A' };
    tampered[t]["apiKey"] = json!(String::from_utf8(bytes).unwrap());
    cases.push(("tampered", tampered));
    // The same ciphertext in a record of another cluster.
    let mut moved = good.clone();
    moved[t]["clusterId"] = json!("ffffffffffffffffffffffffffffffff");
    cases.push(("other cluster", moved));
    // An intent secret swapped into `apiKey`.
    let mut swapped = good.clone();
    swapped[t]["apiKey"] = good[t][LIBRARY_ATTRIBUTE]["intent"]["secrets"]["eis_key"].clone();
    cases.push(("swapped", swapped));
    for (name, source) in cases {
        kibana_writes(&sim, &source).await;
        let e = s.load().await.unwrap_err();
        assert_eq!(e.code(), ErrorCode::DecryptionFailed, "{name}: {e}");
        assert!(
            e.message().contains(&s.codec().fingerprints()[0]),
            "{name}: {e}"
        );
    }
    // A non-string apiKey is refused with Kibana's message.
    let mut wrong_type = good.clone();
    wrong_type[t]["apiKey"] = json!(42);
    kibana_writes(&sim, &wrong_type).await;
    let e = s.load().await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::DecryptionFailed);
    assert!(
        e.message().contains("should be a string, but found number"),
        "{e}"
    );
}

#[tokio::test]
async fn encryption_key_rotation_from_a_to_b() {
    let sim = start_sim().await;
    let a = store(&sim, &keys(KEY_A, &[]));
    let r = record("0123456789abcdef0123456789abcdef", true);
    a.save(&r, &a.load().await.unwrap().version).await.unwrap();
    let fp_a = keys(KEY_A, &[]).primary_fingerprint();
    let fp_b = keys(KEY_B, &[]).primary_fingerprint();

    // B alone cannot read it; the error names the key tried, never the key.
    let b_only = store(&sim, &keys(KEY_B, &[]));
    let e = b_only.load().await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::DecryptionFailed);
    assert!(
        e.message().contains(&fp_b) && !e.message().contains(KEY_B),
        "{e}"
    );

    // B with A as decryption-only reads it and re-encrypts it under B in one write.
    let b_with_a = store(&sim, &keys(KEY_B, &[KEY_A]));
    assert_same_record(b_with_a.load().await.unwrap().record.as_ref().unwrap(), &r);
    let before = sim.document(".kibana", &document_id()).unwrap();
    let report = b_with_a.reseal().await.unwrap();
    assert_eq!(report.previous_key_ids, vec![fp_a.clone()]);
    assert_eq!(report.primary_key_id, fp_b);
    let after = sim.document(".kibana", &document_id()).unwrap();
    assert_eq!(
        after["_seq_no"].as_u64(),
        before["_seq_no"].as_u64().map(|n| n + 1)
    );

    // Now B alone reads it, A alone cannot, and a second re-encryption reports B.
    assert_same_record(b_only.load().await.unwrap().record.as_ref().unwrap(), &r);
    assert_eq!(
        a.load().await.unwrap_err().code(),
        ErrorCode::DecryptionFailed
    );
    let again = b_with_a.reseal().await.unwrap();
    assert_eq!(again.previous_key_ids, vec![fp_b.clone()]);
}

#[tokio::test]
async fn reseal_without_a_record_is_not_connected() {
    let sim = start_sim().await;
    let s = store(&sim, &keys(KEY_A, &[]));
    assert_eq!(
        s.reseal().await.unwrap_err().code(),
        ErrorCode::NotConnected
    );
}

#[tokio::test]
async fn index_level_failures_are_explained() {
    let r = record("0123456789abcdef0123456789abcdef", false);

    // Kibana never ran: no `.kibana` alias.
    let sim = EsSim::start(EsConfig {
        kibana_present: false,
        ..EsConfig::default()
    })
    .await
    .unwrap();
    let s = store(&sim, &keys(KEY_A, &[]));
    let e = s.load().await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Storage);
    assert!(e.message().contains("Kibana has not been started"), "{e}");
    let e = s
        .save(&r, &RecordVersion("absent".into()))
        .await
        .unwrap_err();
    assert_eq!((e.code(), e.http_status()), (ErrorCode::Storage, Some(404)));
    assert!(e.message().contains("require_alias"), "{e}");

    // A Kibana older than 9.3: the strict root mapping does not know the type.
    let sim = EsSim::start(EsConfig {
        kibana_root_fields: Some(vec!["type".into(), "references".into()]),
        ..EsConfig::default()
    })
    .await
    .unwrap();
    let s = store(&sim, &keys(KEY_A, &[]));
    let e = s
        .save(&r, &RecordVersion("absent".into()))
        .await
        .unwrap_err();
    assert_eq!((e.code(), e.http_status()), (ErrorCode::Storage, Some(400)));
    assert!(e.message().contains("9.3"), "{e}");

    // The superuser can read but not write system indices.
    let sim = start_sim().await;
    let s = ElasticsearchStore::new(
        &sim.url(),
        EsCredentials::Header(sim.credentials().superuser.into()),
        HttpOptions::default(),
        &keys(KEY_A, &[]),
    )
    .unwrap();
    let v = s.load().await.unwrap().version;
    let e = s.save(&r, &v).await.unwrap_err();
    assert_eq!((e.code(), e.http_status()), (ErrorCode::Storage, Some(403)));
    assert!(e.message().contains("allow_restricted_indices"), "{e}");
    assert!(sim.document(".kibana", &document_id()).is_none());
}

#[tokio::test]
async fn requests_carry_kibanas_headers_and_parameters() {
    let sim = start_sim().await;
    let s = store(&sim, &keys(KEY_A, &[]));
    let r = record("0123456789abcdef0123456789abcdef", false);
    let v1 = s.save(&r, &s.load().await.unwrap().version).await.unwrap();
    let v2 = s.save(&r, &v1).await.unwrap();
    s.delete(&v2).await.unwrap();
    // Neither the credentials nor the encryption key show in `Debug`; the fingerprint does.
    let debug = format!("{s:?}");
    let token = sim.credentials().kibana_bearer;
    assert!(
        !debug.contains(token.trim_start_matches("Bearer ")),
        "{debug}"
    );
    assert!(!debug.contains(KEY_A), "{debug}");
    assert!(
        debug.contains(&keys(KEY_A, &[]).primary_fingerprint()),
        "{debug}"
    );
    let log = sim.requests();
    let writes: Vec<_> = log.iter().filter(|q| q.method != "GET").collect();
    assert_eq!(writes.len(), 3);
    for q in &log {
        assert_eq!(
            q.headers
                .get("x-elastic-product-origin")
                .map(String::as_str),
            Some("kibana"),
            "{q:?}"
        );
    }
    let query = |i: usize| writes[i].query.clone().unwrap_or_default();
    assert!(
        writes[0].path.contains("/.kibana/_create/"),
        "{:?}",
        writes[0].path
    );
    assert!(query(0).contains("refresh=wait_for") && query(0).contains("require_alias=true"));
    assert!(!query(0).contains("if_seq_no"));
    assert!(writes[1].path.contains("/.kibana/_doc/"));
    assert!(query(1).contains("if_seq_no=") && query(1).contains("if_primary_term=1"));
    assert!(query(1).contains("refresh=wait_for") && query(1).contains("require_alias=true"));
    assert_eq!(writes[2].method, "DELETE");
    assert!(query(2).contains("if_seq_no=") && query(2).contains("refresh=wait_for"));
}

#[tokio::test]
async fn a_second_process_overwriting_is_detected_by_compare_and_set() {
    // Kibana's plugin saves with overwrite and no version; the library's next write must notice.
    let sim = start_sim().await;
    let s = store(&sim, &keys(KEY_A, &[]));
    let r = record("0123456789abcdef0123456789abcdef", true);
    let v1 = s.save(&r, &s.load().await.unwrap().version).await.unwrap();
    let mut src = stored_source(&sim);
    src[SAVED_OBJECT_TYPE]
        .as_object_mut()
        .unwrap()
        .remove(LIBRARY_ATTRIBUTE);
    kibana_writes(&sim, &src).await;
    assert_eq!(
        s.save(&r, &v1).await.unwrap_err().code(),
        ErrorCode::Conflict
    );
    // What Kibana wrote is readable: the connection without the library's state.
    let now = s.load().await.unwrap().record.unwrap();
    assert!(now.intent.is_none());
    assert_eq!(now.connection.unwrap().organization_id, None);
}
