//! The Elastic Cloud Connected API: the [`CloudApi`] seam and its reqwest implementation.

mod api;
mod error_body;
mod http_client;

pub use api::{
    CloudApi, CreatedCluster, ETag, PatchedCluster, TaggedCluster, TermsAcceptance, TermsAccepted,
};
pub use http_client::{DEFAULT_CLOUD_URL, HttpCloudApi};
