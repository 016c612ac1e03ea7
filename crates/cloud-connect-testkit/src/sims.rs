//! Both simulators started together, sharing one clock, with Elasticsearch validating EIS keys
//! against the Cloud simulator, and the control API in front of them.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::clock::Clock;
use crate::cloud::{CloudConfig, CloudSim};
use crate::control;
use crate::es::{EsConfig, EsSim};
use crate::server::ServerHandle;

/// Configuration of [`Simulators::start`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SimConfig {
    /// Cloud simulator configuration.
    pub cloud: CloudConfig,
    /// Elasticsearch simulator configuration.
    pub es: EsConfig,
}

/// The Cloud simulator, the Elasticsearch simulator and the control API, on loopback.
/// Dropping it stops all three servers.
#[derive(Debug)]
pub struct Simulators {
    clock: Clock,
    cloud: Arc<CloudSim>,
    es: Arc<EsSim>,
    control: ServerHandle,
}

impl Simulators {
    /// Starts both simulators (ES validates EIS keys against the Cloud simulator) and the control API.
    pub async fn start(config: SimConfig) -> std::io::Result<Simulators> {
        let clock = Clock::new();
        let cloud = Arc::new(CloudSim::start_with_clock(config.cloud, clock.clone()).await?);
        let es = Arc::new(
            EsSim::start_with(config.es, clock.clone(), Some(cloud.eis_key_check())).await?,
        );
        let control = control::serve_control(cloud.clone(), es.clone(), clock.clone()).await?;
        Ok(Simulators {
            clock,
            cloud,
            es,
            control,
        })
    }

    /// Base URL of the Cloud simulator (the client appends `/api/v1/...`).
    pub fn cloud_url(&self) -> String {
        self.cloud.url()
    }

    /// Base URL of the Elasticsearch simulator.
    pub fn es_url(&self) -> String {
        self.es.url()
    }

    /// Base URL of the control API.
    pub fn control_url(&self) -> String {
        self.control.url()
    }

    /// The seeded organization key (organization with terms accepted, subscription `trial`).
    pub fn org_api_key(&self) -> String {
        self.cloud.org_api_key()
    }

    /// The seeded organization id.
    pub fn organization_id(&self) -> String {
        self.cloud.organization_id()
    }

    /// Exact `Authorization` header value the ES simulator accepts for a principal with
    /// `manage`, `manage_inference`, `monitor` and `.kibana*` index rights.
    pub fn es_authorization(&self) -> String {
        self.es.authorization()
    }

    /// The Cloud simulator.
    pub fn cloud(&self) -> &CloudSim {
        &self.cloud
    }

    /// The Elasticsearch simulator.
    pub fn es(&self) -> &EsSim {
        &self.es
    }

    /// The shared clock.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Advances the shared simulated clock.
    pub fn advance_clock(&self, by: Duration) {
        self.clock.advance(by);
    }

    /// Resets both simulators to their initial state (seeded credentials are kept).
    pub fn reset(&self) {
        self.cloud.reset();
        self.es.reset();
    }

    /// The JSON object the `cloud-connect-sim` binary prints:
    /// `{cloud_url, es_url, control_url, org_api_key, es_authorization}`.
    pub fn connection_info(&self) -> Value {
        json!({
            "cloud_url": self.cloud_url(),
            "es_url": self.es_url(),
            "control_url": self.control_url(),
            "org_api_key": self.org_api_key(),
            "es_authorization": self.es_authorization(),
        })
    }
}
