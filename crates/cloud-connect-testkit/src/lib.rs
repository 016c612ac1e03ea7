//! Faithful loopback simulators of the **Elastic Cloud Connected API** and of **Elasticsearch**,
//! with fault injection, an injectable clock and a control API.
//!
//! They follow `spec/cloud-api.md` §8 and `spec/elasticsearch.md` §7, not any client: tests that
//! pass against them should pass against the real services.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use cloud_connect_testkit::{FaultKind, FaultSpec, SimConfig, Simulators};
//!
//! let sims = Simulators::start(SimConfig::default()).await?;
//! let cloud_base = sims.cloud_url(); // the client appends /api/v1/...
//! let org_key = sims.org_api_key(); // organization key, terms accepted, subscription trial
//! let es_auth = sims.es_authorization(); // "Basic …" with manage_inference and .kibana* rights
//! sims.cloud()
//!     .inject(FaultSpec::on_nth("cloud.patch_cluster", 2, FaultKind::DropConnection).after());
//! # let _ = (cloud_base, org_key, es_auth);
//! # Ok(()) }
//! ```
//!
//! The crate README lists the route names, the control API and the seeded credentials.

// Handlers return early replies as `Err(Response)`; boxing them would only add noise in a test
// server where the size of the error path does not matter.
#![allow(clippy::result_large_err)]

pub mod clock;
pub mod cloud;
mod control;
pub mod es;
pub mod faults;
mod instrument;
pub mod observe;
pub mod server;
mod sims;

pub use clock::Clock;
pub use cloud::{
    CloudConfig, CloudOptions, CloudSim, KeyKind, KeySeed, KeyState, SubscriptionState,
};
pub use es::{EisOutcome, EsConfig, EsSim};
pub use faults::{FaultKind, FaultPhase, FaultSpec};
pub use sims::{SimConfig, Simulators};
