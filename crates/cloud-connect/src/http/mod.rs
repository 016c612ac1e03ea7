//! HTTP plumbing shared by the Cloud and Elasticsearch clients.

mod options;
mod transport;

pub use options::HttpOptions;
pub(crate) use transport::{RawResponse, Transport};
