//! Checks shared by the fault matrix, the crash matrix and the concurrency test: do the Cloud
//! simulator, the Elasticsearch simulator and the stored record agree, with no issued key lost?
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use cloud_connect::store::ConnectionRecord;
use cloud_connect_testkit::Simulators;
use cloud_connect_testkit::cloud::{KeyKind, KeyState};
use serde_json::json;

/// Returns `Err(reason)` when the three views disagree.
pub fn agreement(sims: &Simulators, record: Option<&ConnectionRecord>) -> Result<(), String> {
    if let Some(r) = record
        && r.intent.is_some()
    {
        return Err("an intent is still stored".into());
    }
    let es_key = sims.es().ccm_key();
    let uuid = sims.es().config().cluster.cluster_uuid;
    match record.and_then(|r| r.connection.as_ref()) {
        Some(conn) => {
            let cluster = sims
                .cloud()
                .cluster(&conn.cluster_id)
                .ok_or("the record names a cluster the Cloud does not have")?;
            let state = sims.cloud().key_state(conn.api_key.expose());
            if state != Some(KeyState::Current) {
                return Err(format!("the stored cluster key is {state:?}, not current"));
            }
            let eis_on = cluster["services"]["eis"]["enabled"] == json!(true);
            let current_eis = sims.cloud().current_key(&conn.cluster_id, KeyKind::Eis);
            if eis_on {
                if es_key.is_none() || es_key != current_eis {
                    return Err(format!(
                        "EIS is on in the Cloud but Elasticsearch holds {} key",
                        if es_key.is_none() { "no" } else { "another" }
                    ));
                }
            } else if es_key.is_some() {
                return Err("EIS is off in the Cloud but Elasticsearch holds a key".into());
            }
        }
        None => {
            if es_key.is_some() {
                return Err("not connected but Elasticsearch holds an EIS key".into());
            }
            let registered = sims.cloud().clusters().into_iter().any(|c| {
                c["self_managed_cluster"]["id"] == json!(uuid)
                    && c.get("state").and_then(|s| s.as_str()) != Some("disconnecting")
            });
            if registered {
                return Err(
                    "not connected but the Cloud has a registration for this cluster".into(),
                );
            }
        }
    }
    Ok(())
}
