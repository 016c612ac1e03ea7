//! The main job end to end against the bundled simulators: connect a self-managed cluster to
//! (a simulated) Elastic Cloud, turn on AutoOps and EIS, rotate keys, watch a failure roll back,
//! disconnect. Run it with `cargo run --example quickstart`.

use std::collections::BTreeMap;
use std::error::Error;

use cloud_connect::elasticsearch::{EsCredentials, HttpElasticsearch, InferenceConfigurator};
use cloud_connect::{ConnectOptions, Service};
use cloud_connect_testkit::{FaultKind, FaultSpec};
use cloud_connect_workspace::{DEMO_ENCRYPTION_KEY, builder_for, fast_http, start_simulators};
use serde_json::json;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    println!("Cloud Connect quickstart: a self-managed cluster meets (simulated) Elastic Cloud\n");
    let sims = start_simulators().await;
    println!("1. Simulators on loopback");
    println!("   Elastic Cloud API:  {}", sims.cloud_url());
    println!("   Elasticsearch:      {}", sims.es_url());

    let dir = tempfile::tempdir()?;
    let store_path = dir.path().join("cloud-connect.json");
    let manager = builder_for(&sims, fast_http())
        .encryption_key(DEMO_ENCRYPTION_KEY)
        .store_path(&store_path)
        .build()?;
    // An independent look at Elasticsearch, to show what it reports.
    let es = HttpElasticsearch::new(
        &sims.es_url(),
        EsCredentials::Header(sims.es_authorization().into()),
        fast_http(),
    )?;

    println!("\n2. Connect with an organization API key (the key itself is never printed)");
    let connected = manager
        .connect(&sims.org_api_key(), ConnectOptions::default())
        .await?;
    println!(
        "   onboarded as Cloud cluster {} in organization {} (new registration: {})",
        connected.cluster_id, connected.organization_id, connected.created
    );
    println!(
        "   stored: an encrypted cluster-scoped key in {}",
        store_path.display()
    );

    println!("\n3. Status");
    let status = manager.status().await?;
    print_services(&status.cluster.services);
    println!(
        "   subscription: {}",
        status
            .subscription
            .as_ref()
            .map_or("unknown", |s| s.as_str())
    );

    println!("\n4. Enable AutoOps and EIS");
    let changes = BTreeMap::from([(Service::AutoOps, true), (Service::Eis, true)]);
    let updated = manager.update_services(changes).await?;
    print_services(&updated.cluster.services);
    println!(
        "   Elasticsearch GET _inference/_ccm: {:?}",
        es.get_ccm().await?
    );

    println!("\n5. Rotate keys");
    let eis_before = sims.es().ccm_key();
    let rotated = manager.rotate_cluster_key().await?;
    println!(
        "   cluster key rotated; previous key revoked: {}",
        rotated.previous_key_revoked
    );
    let rotated = manager.rotate_service_key(Service::Eis).await?;
    println!(
        "   EIS key rotated; Elasticsearch holds the new key: {}; previous key revoked: {}",
        sims.es().ccm_key() != eis_before,
        rotated.previous_key_revoked
    );

    println!("\n6. A failure rolls back: disable EIS, then re-enable it while Elasticsearch fails");
    manager
        .update_services(BTreeMap::from([(Service::Eis, false)]))
        .await?;
    sims.es().inject(FaultSpec::on_nth(
        "es.ccm_put",
        1,
        FaultKind::json(503, &json!({"error": {"type": "cluster_block_exception", "reason": "blocked by: [SERVICE_UNAVAILABLE/1/state not recovered];"}, "status": 503})),
    ));
    match manager
        .update_services(BTreeMap::from([(Service::Eis, true)]))
        .await
    {
        Ok(_) => return Err("the injected Elasticsearch failure did not surface".into()),
        Err(e) => println!(
            "   update failed as expected: [{}] {}",
            e.code(),
            e.message()
        ),
    }
    let cloud_view = sims
        .cloud()
        .cluster(&connected.cluster_id)
        .ok_or("cluster missing from the Cloud simulator")?;
    println!(
        "   Cloud EIS enabled after rollback: {}",
        cloud_view["services"]["eis"]["enabled"]
    );
    println!(
        "   Elasticsearch GET _inference/_ccm: {:?}",
        es.get_ccm().await?
    );

    println!("\n7. Disconnect");
    let gone = manager.disconnect().await?;
    println!(
        "   Cloud registration {} removed: {}",
        gone.cluster_id,
        sims.cloud().cluster(&gone.cluster_id).is_none()
    );
    println!(
        "   Elasticsearch GET _inference/_ccm: {:?}",
        es.get_ccm().await?
    );
    match manager.status().await {
        Err(e) => println!("   status now: [{}] {}", e.code(), e.message()),
        Ok(_) => return Err("still connected after disconnect".into()),
    }
    println!("\nDone.");
    Ok(())
}

fn print_services(services: &cloud_connect::model::Services) {
    for s in Service::ALL {
        println!(
            "   {:<9} {}",
            s.as_str(),
            if services.enabled(s) {
                "enabled"
            } else {
                "disabled"
            }
        );
    }
}
