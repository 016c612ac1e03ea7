//! Crash-test failpoints. With the `failpoints` feature, `failpoint(name)` aborts the process
//! (no unwinding) when the environment variable `CLOUD_CONNECT_CRASH_AT` equals `name`. Without
//! the feature it compiles to nothing.

/// Every failpoint, in the order the operations reach them. The crash matrix iterates this list.
pub const FAILPOINTS: &[&str] = &[
    "connect.after_intent",
    "connect.after_create",
    "connect.after_store",
    "update_services.after_intent",
    "update_services.after_patch",
    "update_services.after_eis_key_stored",
    "update_services.after_es",
    "rotate_cluster_key.after_intent",
    "rotate_cluster_key.after_rotate",
    "rotate_cluster_key.after_store",
    "rotate_cluster_key.after_verify",
    "rotate_service_key.after_intent",
    "rotate_service_key.after_rotate",
    "rotate_service_key.after_store",
    "rotate_service_key.after_es",
    "disconnect.after_intent",
    "disconnect.after_cloud_delete",
    "disconnect.after_es",
];

/// Aborts the process here if the crash test asked for it.
#[inline]
pub(crate) fn failpoint(name: &'static str) {
    debug_assert!(FAILPOINTS.contains(&name), "unknown failpoint {name}");
    #[cfg(feature = "failpoints")]
    if std::env::var("CLOUD_CONNECT_CRASH_AT").as_deref() == Ok(name) {
        std::process::abort();
    }
}
