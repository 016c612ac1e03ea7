//! # cloud-connect-node
//!
//! The Node binding of [`cloud_connect`]: the `ServiceManager` as the async JS class
//! `CloudConnect`, for Kibana's server and other Node hosts. The binding only converts types and
//! errors:
//!
//! - methods return Promises; errors become `CloudConnectError`s with the library's stable `code`
//!   and the HTTP `statusCode` a host should answer with ([`errors`]);
//! - the credential store, the inference configurator and the local cluster can be JS objects
//!   ([`js_store`], [`js_elasticsearch`]), called through threadsafe functions that never keep
//!   Node's event loop alive on their own;
//! - the library's `tracing` events reach a JS logger ([`logger`]).
//!
//! The TypeScript types (`index.d.ts`) are generated from this crate by `napi build`.

mod client;
pub mod errors;
pub mod js_elasticsearch;
pub mod js_store;
pub mod logger;
mod options;
mod results;

use cloud_connect::ErrorCode;
use napi_derive::napi;

pub use client::CloudConnect;
pub use options::{CloudConnectOptions, ElasticsearchOptions, FileStoreOptions};
pub use results::*;

/// Every error code of the library, in numeric order, with its number, the HTTP status a host
/// should answer with, and whether it is retryable in general. The TypeScript `ErrorCode` union
/// (`error-codes.d.ts`) is generated from this list.
#[napi]
pub fn error_codes() -> Vec<ErrorCodeInfo> {
    ErrorCode::ALL
        .iter()
        .map(|c| ErrorCodeInfo {
            code: c.as_str().to_owned(),
            number: c.number(),
            status_code: c.host_status(),
            retryable: c.default_retryable(),
        })
        .collect()
}
