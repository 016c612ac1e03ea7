//! # cloud-connect C API
//!
//! `libcloud_connect` (static and shared) exposes the core [`ServiceManager`] to C through an
//! opaque handle, [`cc_client`], that owns its own tokio runtime. Every operation is a blocking
//! call that returns a [`cc_status`] and, on success, a JSON string that the caller frees with
//! [`cc_string_free`]. The header `include/cloud_connect.h` is generated from this crate by
//! cbindgen (`cargo run -p cloud-connect-c --example generate_header`) and committed; a test fails
//! when it drifts.
//!
//! Conventions (after rustls-ffi):
//! - every symbol starts with `cc_`;
//! - every function returns a [`cc_status`] (or is infallible), whose numbers are the core's
//!   [`ErrorCode::number`] plus a high range for errors of the C boundary itself;
//! - no panic crosses the boundary: each export runs inside `catch_unwind` and answers
//!   `CC_STATUS_PANIC`;
//! - every pointer argument is checked for NULL (`CC_STATUS_NULL_PARAMETER`);
//! - outputs come last and are named `*_out`; the doc comment of each function says who frees what.
//!
//! [`ServiceManager`]: cloud_connect_core::ServiceManager
//! [`ErrorCode::number`]: cloud_connect_core::ErrorCode::number

// A C API is made of `extern "C"` functions that take raw pointers: `unsafe` cannot be avoided
// here. It is confined to the pointer helpers in `ffi.rs` and to the exported functions, each of
// which states its safety contract.
#![allow(unsafe_code)]

mod boundary;
mod client;
mod config;
mod ffi;
mod status;
mod version;

pub use client::{
    cc_client, cc_client_connect, cc_client_disconnect, cc_client_free, cc_client_last_error,
    cc_client_new, cc_client_reconcile, cc_client_rotate_cluster_key, cc_client_rotate_service_key,
    cc_client_status, cc_client_sync_license, cc_client_update_services, cc_last_error,
};
pub use ffi::cc_string_free;
pub use status::{cc_status, cc_status_name};
pub use version::cc_version;
