//! # cloud-connect
//!
//! Connects a self-managed Elasticsearch cluster to Elastic Cloud services (AutoOps and the
//! Elastic Inference Service) the way Kibana's Cloud Connect plugin does, but transactionally:
//! durable intent, rollback of every touched service, crash recovery through
//! [`ServiceManager::reconcile`], and one writer at a time.
//!
//! The [`ServiceManager`] sequences every remote side effect over four seams:
//! [`CloudApi`](cloud::CloudApi), [`CredentialStore`](store::CredentialStore),
//! [`InferenceConfigurator`](elasticsearch::InferenceConfigurator) and
//! [`LocalCluster`](elasticsearch::LocalCluster). [`ServiceManagerBuilder`] wires the default
//! implementations (reqwest clients and the encrypted file store).

pub mod cloud;
pub mod crypto;
pub mod elasticsearch;
mod error;
pub mod http;
mod manager;
pub mod model;
mod secret;
mod setup;
pub mod store;

pub use error::{Error, ErrorCode, Result, RollbackFailure};
pub use manager::failpoints::FAILPOINTS;
pub use manager::{
    ConnectOptions, ConnectOutcome, DisconnectOutcome, KeyKind, LicenseSyncOutcome, ManagerOptions,
    ReconcileReport, RotationOutcome, ServiceChanges, ServiceManager, Status, UpdateOutcome,
};
pub use model::Service;
pub use secret::ApiKey;
pub use setup::ServiceManagerBuilder;
