//! Where the connection record lives: the [`CredentialStore`] seam, the record, and the file,
//! memory and Elasticsearch (Kibana saved object) stores.

pub mod elasticsearch;
mod file;
mod memory;
mod record;
mod traits;

pub use elasticsearch::ElasticsearchStore;
pub use file::{FileStore, ResealReport};
pub use memory::MemoryStore;
pub use record::{Connection, ConnectionRecord, Intent, Operation};
pub use traits::{CredentialStore, Loaded, RecordVersion, version_conflict};
