//! The local Elasticsearch: the [`InferenceConfigurator`] and [`LocalCluster`] seams and their
//! reqwest implementation.

mod credentials;
mod error_body;
mod http_client;
mod traits;

pub use credentials::EsCredentials;
pub use error_body::classify_error;
pub use http_client::HttpElasticsearch;
pub use traits::{InferenceConfigurator, LocalCluster};
