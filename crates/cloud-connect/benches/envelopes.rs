//! Seal + open of one connection record (the cluster key and one intent secret) in the library's
//! own envelope (`cc1`, AES-256-GCM-SIV, key stretched once per process) against Kibana's format
//! (`@elastic/node-crypto`: PBKDF2-HMAC-SHA512 × 10 000 per value), side by side.
//!
//! ```text
//! cargo bench -p cloud-connect --bench envelopes
//! ```
//!
//! Not run in CI. After criterion's report it prints a per-record summary with the ratio.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use cloud_connect::crypto::kibana::KibanaCodec;
use cloud_connect::crypto::{EncryptionKeys, Keyring};
use cloud_connect::store::{Connection, ConnectionRecord, Intent, Operation};
use cloud_connect::{ApiKey, Result};
use criterion::{Criterion, SamplingMode};
use serde_json::Value;

const KEY: &str = "benchmark-encryption-key-0123456789abcdef";

fn record() -> ConnectionRecord {
    ConnectionRecord {
        connection: Some(Connection {
            cluster_id: "0123456789abcdef0123456789abcdef".into(),
            organization_id: Some("org".into()),
            api_key: ApiKey::new("essu_ZmFrZS1jbHVzdGVyLWtleS1mb3ItYmVuY2htYXJrcw==").unwrap(),
            created_at: "2026-01-01T00:00:00.000Z".into(),
            updated_at: "2026-01-01T00:00:00.000Z".into(),
        }),
        intent: Some(Intent {
            operation_id: "op".into(),
            operation: Operation::UpdateServices,
            owner: "bench".into(),
            lease_expires_at_ms: 0,
            prior: BTreeMap::new(),
            target: BTreeMap::new(),
            steps: Vec::new(),
            cluster_id: None,
            organization_id: None,
            secrets: BTreeMap::from([(
                "eis_key".to_owned(),
                ApiKey::new("essu_ZmFrZS1laXMta2V5LWZvci1iZW5jaG1hcmtz").unwrap(),
            )]),
        }),
    }
}

/// Seal then open every secret of the record with the `cc1` envelope.
fn own_round_trip(ring: &Keyring, r: &ConnectionRecord) -> Result<ConnectionRecord> {
    let seal = |field: &str, k: &ApiKey| ring.seal(k.expose().as_bytes(), field.as_bytes());
    let wire = r.to_wire(&seal)?;
    let open = |field: &str, sealed: &str| {
        let (pt, _) = ring.open(sealed, field.as_bytes())?;
        ApiKey::new(String::from_utf8_lossy(&pt).into_owned())
    };
    ConnectionRecord::from_wire(&wire, &open)
}

/// Seal then open every secret of the record in Kibana's format.
fn kibana_round_trip(codec: &KibanaCodec, r: &ConnectionRecord) -> Result<ConnectionRecord> {
    let seal =
        |field: &str, k: &ApiKey| codec.encrypt(&Value::String(k.expose().to_owned()), Some(field));
    let wire = r.to_wire(&seal)?;
    let open = |field: &str, sealed: &str| {
        let d = codec.decrypt(sealed, Some(field))?;
        ApiKey::new(d.string_value()?.as_str())
    };
    ConnectionRecord::from_wire(&wire, &open)
}

struct Setup {
    ring: Keyring,
    /// Kibana's behaviour: every value derives its key again, on write and on read.
    kibana: KibanaCodec,
    /// This library's codec: derived keys cached per (key, salt), so a read after a write (or a
    /// second read) skips PBKDF2.
    cached: KibanaCodec,
    record: ConnectionRecord,
}

fn setup() -> Setup {
    let keys = EncryptionKeys::primary_only(KEY).unwrap();
    Setup {
        // Stretching (PBKDF2 × 210 000) happens here, once per process, as in the library.
        ring: Keyring::new(&keys, b"installation-salt"),
        kibana: KibanaCodec::with_cache_capacity(&keys, 0),
        cached: KibanaCodec::new(&keys),
        record: record(),
    }
}

fn benches(c: &mut Criterion, s: &Setup) {
    let mut g = c.benchmark_group("seal+open one record (2 secrets)");
    g.bench_function("cc1 envelope (AES-256-GCM-SIV, key stretched once)", |b| {
        b.iter(|| own_round_trip(&s.ring, black_box(&s.record)).unwrap())
    });
    g.sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .measurement_time(Duration::from_secs(4));
    g.bench_function("kibana format, PBKDF2 per value (as Kibana)", |b| {
        b.iter(|| kibana_round_trip(&s.kibana, black_box(&s.record)).unwrap())
    });
    g.bench_function("kibana format, derived-key cache", |b| {
        b.iter(|| kibana_round_trip(&s.cached, black_box(&s.record)).unwrap())
    });
    g.finish();
}

/// Mean time per call of `f` over `n` calls.
fn mean(n: u32, mut f: impl FnMut()) -> Duration {
    let start = Instant::now();
    for _ in 0..n {
        f();
    }
    start.elapsed() / n
}

fn side_by_side(s: &Setup) {
    let own = mean(2000, || {
        black_box(own_round_trip(&s.ring, &s.record).unwrap());
    });
    let kibana = mean(40, || {
        black_box(kibana_round_trip(&s.kibana, &s.record).unwrap());
    });
    let cached = mean(40, || {
        black_box(kibana_round_trip(&s.cached, &s.record).unwrap());
    });
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!();
    println!("seal+open per record (2 secrets), mean:");
    println!(
        "  cc1 envelope (ours)                  {:>10.1} µs",
        us(own)
    );
    println!(
        "  kibana format, PBKDF2 per value      {:>10.1} µs",
        us(kibana)
    );
    println!(
        "  kibana format, derived-key cache     {:>10.1} µs",
        us(cached)
    );
    println!(
        "  ratio kibana / ours: {:.0}× (with the derived-key cache: {:.0}×)",
        kibana.as_secs_f64() / own.as_secs_f64(),
        cached.as_secs_f64() / own.as_secs_f64()
    );
}

fn main() {
    let s = setup();
    let mut c = Criterion::default().configure_from_args();
    benches(&mut c, &s);
    c.final_summary();
    side_by_side(&s);
}
