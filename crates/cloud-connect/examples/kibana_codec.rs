//! Kibana's encrypted-saved-object codec on the command line, JSON in and out. Used by the Node
//! interop test (`tests/kibana-interop/`), which checks it against `@elastic/node-crypto`.
//!
//! ```text
//! cargo run -p cloud-connect --example kibana_codec -- <encrypt|decrypt|aad|fingerprint> < request.json
//! ```
//!
//! Requests (stdin) and answers (stdout):
//! - `encrypt`: `{"keys": [primary, ...decryptionOnly], "items": [{"value": any, "aad": string|null}]}`
//!   → `{"items": [{"ciphertext": string}]}`
//! - `decrypt`: `{"keys": [...], "items": [{"ciphertext": string, "aad": string|null}]}`
//!   → `{"items": [{"value", "plaintextJson", "keyIndex", "fingerprint"} | {"error": {"code", "message"}}]}`
//! - `aad`: `{"items": [{"descriptor": {"type", "id", "namespace"?}, "attributes": {...},
//!   "attributesToIncludeInAAD": [...], "attributesToEncrypt": [...]}]}` → `{"items": [{"aad": string}]}`
//!   (`namespace` as in the test vectors: present only for a single-namespace type outside `default`)
//! - `fingerprint`: `{"keys": [...]}` → `{"fingerprints": [string]}`
//!
//! Exit status 0 on success (per-item decryption failures are answers, not failures), 2 on a bad
//! request or invalid keys (the error as `{"error": {...}}` on stdout).

use std::io::Read;
use std::process::ExitCode;

use cloud_connect::crypto::EncryptionKeys;
use cloud_connect::crypto::kibana::{KibanaCodec, NamespaceType, SavedObjectDescriptor, build_aad};
use cloud_connect::{Error, Result};
use serde_json::{Map, Value, json};

fn main() -> ExitCode {
    let op = std::env::args().nth(1).unwrap_or_default();
    let mut input = String::new();
    let answer = std::io::stdin()
        .read_to_string(&mut input)
        .map_err(|e| Error::invalid_input(format!("cannot read stdin: {e}")))
        .and_then(|_| {
            serde_json::from_str::<Value>(&input)
                .map_err(|e| Error::invalid_input(format!("stdin is not JSON: {e}")))
        })
        .and_then(|request| run(&op, &request));
    match answer {
        Ok(v) => {
            println!("{v}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("{}", error_json(&e));
            ExitCode::from(2)
        }
    }
}

fn error_json(e: &Error) -> Value {
    json!({ "error": { "code": e.code().as_str(), "message": e.message() } })
}

fn run(op: &str, request: &Value) -> Result<Value> {
    match op {
        "encrypt" => {
            let codec = codec(request)?;
            let mut out = Vec::new();
            for item in items(request)? {
                let ciphertext = codec.encrypt(&item["value"], item["aad"].as_str())?;
                out.push(json!({ "ciphertext": ciphertext }));
            }
            Ok(json!({ "items": out }))
        }
        "decrypt" => {
            let codec = codec(request)?;
            let mut out = Vec::new();
            for item in items(request)? {
                let ciphertext = item["ciphertext"]
                    .as_str()
                    .ok_or_else(|| Error::invalid_input("ciphertext must be a string"))?;
                out.push(match codec.decrypt(ciphertext, item["aad"].as_str()) {
                    Ok(d) => json!({
                        "value": d.value()?,
                        "plaintextJson": d.plaintext_json(),
                        "keyIndex": d.key().index,
                        "fingerprint": d.key().fingerprint,
                    }),
                    Err(e) => error_json(&e),
                });
            }
            Ok(json!({ "items": out }))
        }
        "aad" => {
            let mut out = Vec::new();
            for item in items(request)? {
                let d = &item["descriptor"];
                let descriptor = SavedObjectDescriptor::new(text(d, "type")?, text(d, "id")?)
                    .in_space(NamespaceType::Single, d["namespace"].as_str());
                let attributes = item["attributes"]
                    .as_object()
                    .cloned()
                    .unwrap_or_else(Map::new);
                let include = strings(&item["attributesToIncludeInAAD"]);
                let encrypted = strings(&item["attributesToEncrypt"]);
                let include: Vec<&str> = include.iter().map(String::as_str).collect();
                let encrypted: Vec<&str> = encrypted.iter().map(String::as_str).collect();
                out.push(
                    json!({ "aad": build_aad(&descriptor, &attributes, &include, &encrypted) }),
                );
            }
            Ok(json!({ "items": out }))
        }
        "fingerprint" => Ok(json!({ "fingerprints": keys(request)?.fingerprints() })),
        other => Err(Error::invalid_input(format!(
            "unknown operation {other:?}: use encrypt, decrypt, aad or fingerprint"
        ))),
    }
}

fn keys(request: &Value) -> Result<EncryptionKeys> {
    let mut all = strings(&request["keys"]).into_iter();
    EncryptionKeys::new(all.next().map(Into::into), all.map(Into::into).collect())
}

fn codec(request: &Value) -> Result<KibanaCodec> {
    Ok(KibanaCodec::new(&keys(request)?))
}

fn items(request: &Value) -> Result<&Vec<Value>> {
    request["items"]
        .as_array()
        .ok_or_else(|| Error::invalid_input("items must be an array"))
}

fn text(v: &Value, field: &str) -> Result<String> {
    v[field]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| Error::invalid_input(format!("{field} must be a string")))
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}
