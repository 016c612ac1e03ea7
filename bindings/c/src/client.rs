//! [`cc_client`]: the opaque handle, its constructor and destructor, one blocking function per
//! `ServiceManager` operation, and the last-error accessors.
//!
//! Threads: a handle is internally synchronized. Any number of threads may call functions on one
//! handle at the same time (the core serializes writers; reads run concurrently), except
//! `cc_client_free`, which must be the last call on it. The last error is kept per handle *and per
//! calling thread*, so a thread always reads the outcome of its own last call.

use std::collections::HashMap;
use std::ffi::c_char;
use std::sync::{Mutex, PoisonError};
use std::thread::ThreadId;
use std::time::Duration;

use cloud_connect_core::{ConnectOptions, Service, ServiceChanges, ServiceManager};
use serde::Serialize;
use serde_json::Value;
use tokio::runtime::Runtime;

use crate::boundary::{self, Failure, LastError};
use crate::config;
use crate::ffi::{into_c_string, out_arg, str_arg};
use crate::status::cc_status;

/// How long `cc_client_free` waits for the runtime's threads to stop.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);

/// A connection manager for one local cluster: the library's `ServiceManager` plus the tokio
/// runtime that runs its calls (each handle owns its runtime; there is no global one).
///
/// Opaque: create it with `cc_client_new`, free it with `cc_client_free`. Internally synchronized:
/// it may be shared by several threads, but `cc_client_free` must be the last call on it.
#[allow(non_camel_case_types)] // C naming: the header declares `cc_client`.
pub struct cc_client {
    manager: ServiceManager,
    runtime: Runtime,
    /// The last recorded failure of each thread that failed on this handle (absent: success).
    last_errors: Mutex<HashMap<ThreadId, LastError>>,
}

impl cc_client {
    /// A handle over `manager`, with a fresh runtime.
    pub(crate) fn with_manager(
        manager: impl FnOnce() -> Result<ServiceManager, Failure>,
    ) -> Result<Self, Failure> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("cloud-connect")
            .enable_all()
            .build()
            .map_err(|e| {
                Failure::new(
                    cc_status::Internal,
                    format!("internal: cannot start the runtime: {e}"),
                )
            })?;
        // Clients may look for a runtime when they are built.
        let manager = {
            let _entered = runtime.enter();
            manager()?
        };
        Ok(cc_client {
            manager,
            runtime,
            last_errors: Mutex::new(HashMap::new()),
        })
    }

    /// Runs `operation` to completion on this handle's runtime and serializes its result.
    fn run<T, F>(&self, operation: F) -> Result<String, Failure>
    where
        T: Serialize,
        F: Future<Output = cloud_connect_core::Result<T>>,
    {
        let value = self.runtime.block_on(operation)?;
        serde_json::to_string(&value).map_err(|e| {
            Failure::new(
                cc_status::Internal,
                format!("internal: the result cannot be written as JSON: {e}"),
            )
        })
    }

    /// Records the outcome of the calling thread's last call on this handle.
    pub(crate) fn record_last_error(&self, outcome: &LastError) {
        let mut map = self
            .last_errors
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let thread = std::thread::current().id();
        if outcome.status == cc_status::Ok {
            map.remove(&thread);
        } else {
            map.insert(thread, outcome.clone());
        }
    }

    /// The outcome of the calling thread's last call on this handle.
    fn last_error(&self) -> LastError {
        let map = self
            .last_errors
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        map.get(&std::thread::current().id())
            .cloned()
            .unwrap_or(LastError::OK)
    }

    /// Drops the manager (and its connections), then stops the runtime.
    fn shut_down(self) {
        let cc_client {
            manager, runtime, ..
        } = self;
        drop(manager);
        runtime.shutdown_timeout(SHUTDOWN_TIMEOUT);
    }
}

/// Creates a client from a JSON configuration. Nothing is contacted yet.
///
/// `config_json` is a NUL-terminated UTF-8 JSON object:
/// `{"cloud_url": "...", "encryption_key": "...", "decryption_only_keys": ["..."],
/// "store_path": "...", "es_url": "...", "es_authorization": "...", "request_timeout_ms": 30000,
/// "allow_insecure_http": false}`. `encryption_key` (at least 32 characters), `store_path` and
/// `es_url` are required; `cloud_url` defaults to `https://api.elastic-cloud.com`;
/// `es_authorization` is the complete `Authorization` header value sent to Elasticsearch (omit it
/// when security is disabled). Unknown fields are refused.
///
/// Ownership: `config_json` stays the caller's and is not kept (copy what is needed, then free or
/// wipe it). On `CC_STATUS_OK`, `*client_out` is a new handle that the caller owns and must free
/// with `cc_client_free`; on any failure `*client_out` is set to NULL (when `client_out` is not
/// NULL) and `cc_last_error` describes the failure.
///
/// Errors: `CC_STATUS_NULL_PARAMETER`, `CC_STATUS_INVALID_UTF8`, `CC_STATUS_INVALID_INPUT`
/// (malformed JSON, a wrong field type, a bad URL, a short key), `CC_STATUS_ENCRYPTION_KEY_MISSING`.
///
/// # Safety
/// `config_json` must be NULL or a NUL-terminated string; `client_out` must be NULL or valid for
/// writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cc_client_new(
    config_json: *const c_char,
    client_out: *mut *mut cc_client,
) -> cc_status {
    boundary::call(None, || {
        // SAFETY: the caller guarantees `client_out` is NULL or writable.
        let out = unsafe { out_arg(client_out, "client_out") }?;
        // SAFETY: the caller guarantees `config_json` is NULL or a NUL-terminated string.
        let json = unsafe { str_arg(config_json, "config_json") }?;
        let builder = config::builder_from_json(json)?;
        let client = cc_client::with_manager(|| Ok(builder.build()?))?;
        out.write(Box::into_raw(Box::new(client)));
        Ok(())
    })
}

/// Frees a client: closes its connections and stops its runtime (waiting up to 5 seconds for its
/// threads). Passing NULL does nothing.
///
/// Ownership: takes back the handle from `cc_client_new`. It must be the last call on the handle:
/// no other thread may be using it, and the pointer must not be used afterwards. Strings that the
/// handle returned earlier stay valid and are still freed with `cc_string_free`.
///
/// # Safety
/// `client` must be NULL or a handle from `cc_client_new` that has not been freed, and no other
/// call on it may be running.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cc_client_free(client: *mut cc_client) {
    if client.is_null() {
        return;
    }
    // SAFETY: the caller guarantees a live handle from `cc_client_new` (`Box::into_raw`).
    let client = unsafe { Box::from_raw(client) };
    // A panic while shutting down must not unwind into C; the handle is gone either way.
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| client.shut_down()));
}

/// Runs one operation inside the boundary: checks `client` and `json_out`, lets `prepare` read
/// the other arguments and start the operation, runs it, and hands out its JSON result.
///
/// # Safety
/// `client` must be NULL or a live handle; `json_out` NULL or writable.
unsafe fn operation<T, F>(
    client: *const cc_client,
    json_out: *mut *mut c_char,
    prepare: impl FnOnce(ServiceManager) -> Result<F, Failure>,
) -> cc_status
where
    T: Serialize,
    F: Future<Output = cloud_connect_core::Result<T>>,
{
    // SAFETY: the caller guarantees `client` is NULL or a live handle.
    let client = unsafe { client.as_ref() };
    boundary::call(client, || {
        // SAFETY: the caller guarantees `json_out` is NULL or writable.
        let out = unsafe { out_arg(json_out, "json_out") }?;
        let client = client.ok_or_else(|| Failure::null_parameter("client"))?;
        let operation = prepare(client.manager.clone())?;
        let json = client.run(operation)?;
        out.write(into_c_string(json));
        Ok(())
    })
}

/// Connects the local cluster to Elastic Cloud with a pasted API key (an organization key, or a
/// cluster-scoped key for this cluster). Blocks until done.
///
/// On `CC_STATUS_OK`, `*json_out` is `{"cluster_id": "...", "organization_id": "...", "key_kind":
/// "...", "created": true|false}`.
///
/// Ownership: `api_key` stays the caller's and is not kept (the library keeps its own encrypted
/// copy of the cluster key; wipe `api_key` when done). On `CC_STATUS_OK`, `*json_out` is a new
/// string the caller frees with `cc_string_free`; on failure it is set to NULL and
/// `cc_client_last_error` describes the failure.
///
/// Errors include `CC_STATUS_INVALID_INPUT` (empty key), `CC_STATUS_ALREADY_CONNECTED`,
/// `CC_STATUS_INVALID_API_KEY`, `CC_STATUS_FORBIDDEN`, `CC_STATUS_NETWORK`.
///
/// # Safety
/// `client` must be NULL or a live handle; `api_key` NULL or a NUL-terminated string; `json_out`
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cc_client_connect(
    client: *const cc_client,
    api_key: *const c_char,
    json_out: *mut *mut c_char,
) -> cc_status {
    // SAFETY: forwarded from the caller's contract.
    unsafe {
        operation(client, json_out, |manager| {
            // SAFETY: the caller guarantees `api_key` is NULL or a NUL-terminated string.
            let api_key = str_arg(api_key, "api_key")?;
            Ok(async move { manager.connect(api_key, ConnectOptions::default()).await })
        })
    }
}

/// The connection's status: the Cloud's record of the cluster and the organization's
/// subscription. Blocks until done.
///
/// On `CC_STATUS_OK`, `*json_out` is `{"cluster": {...}, "subscription": "active"|...|null}`.
///
/// Ownership: on `CC_STATUS_OK`, `*json_out` is a new string the caller frees with
/// `cc_string_free`; on failure it is set to NULL. Errors include `CC_STATUS_NOT_CONNECTED`.
///
/// # Safety
/// `client` must be NULL or a live handle; `json_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cc_client_status(
    client: *const cc_client,
    json_out: *mut *mut c_char,
) -> cc_status {
    // SAFETY: forwarded from the caller's contract.
    unsafe { operation(client, json_out, |m| Ok(async move { m.status().await })) }
}

/// Turns services on and off, all or nothing. Blocks until done.
///
/// `changes_json` is a JSON object of service name to wanted state, e.g. `{"eis": true}` or
/// `{"auto_ops": true, "eis": false}` (services: `auto_ops`, `eis`). On `CC_STATUS_OK`,
/// `*json_out` is `{"changed": ["eis"], "cluster": {...}}`.
///
/// Ownership: `changes_json` stays the caller's. On `CC_STATUS_OK`, `*json_out` is a new string
/// the caller frees with `cc_string_free`; on failure it is set to NULL.
///
/// Errors include `CC_STATUS_INVALID_INPUT` (malformed JSON, unknown service),
/// `CC_STATUS_NOT_CONNECTED`, `CC_STATUS_CONFLICT`, `CC_STATUS_ROLLBACK_FAILED`.
///
/// # Safety
/// `client` must be NULL or a live handle; `changes_json` NULL or a NUL-terminated string;
/// `json_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cc_client_update_services(
    client: *const cc_client,
    changes_json: *const c_char,
    json_out: *mut *mut c_char,
) -> cc_status {
    // SAFETY: forwarded from the caller's contract.
    unsafe {
        operation(client, json_out, |manager| {
            // SAFETY: the caller guarantees `changes_json` is NULL or a NUL-terminated string.
            let changes = parse_changes(str_arg(changes_json, "changes_json")?)?;
            Ok(async move { manager.update_services(changes).await })
        })
    }
}

/// `{"eis": true, "auto_ops": false}` → service changes.
fn parse_changes(json: &str) -> Result<ServiceChanges, Failure> {
    let invalid = |m: String| Failure::new(cc_status::InvalidInput, m);
    let value: Value = serde_json::from_str(json).map_err(|e| {
        invalid(format!(
            "`changes_json` is not valid JSON (line {}, column {})",
            e.line(),
            e.column()
        ))
    })?;
    let Value::Object(map) = value else {
        return Err(invalid(
            "`changes_json` must be a JSON object such as {\"eis\": true}".to_owned(),
        ));
    };
    let mut changes = ServiceChanges::new();
    for (name, wanted) in map {
        let service = Service::parse(&name)?;
        let wanted = wanted.as_bool().ok_or_else(|| {
            invalid(format!(
                "`changes_json`: the value of {:?} must be true or false",
                service.as_str()
            ))
        })?;
        changes.insert(service, wanted);
    }
    Ok(changes)
}

/// Rotates the cluster's Cloud API key: the new key is stored before the old one is revoked.
/// Blocks until done.
///
/// On `CC_STATUS_OK`, `*json_out` is `{"rotated": "cluster", "previous_key_revoked": true|false}`.
///
/// Ownership: on `CC_STATUS_OK`, `*json_out` is a new string the caller frees with
/// `cc_string_free`; on failure it is set to NULL. Errors include `CC_STATUS_NOT_CONNECTED`.
///
/// # Safety
/// `client` must be NULL or a live handle; `json_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cc_client_rotate_cluster_key(
    client: *const cc_client,
    json_out: *mut *mut c_char,
) -> cc_status {
    // SAFETY: forwarded from the caller's contract.
    unsafe {
        operation(client, json_out, |m| {
            Ok(async move { m.rotate_cluster_key().await })
        })
    }
}

/// Rotates a service's own API key (only `"eis"` has one): the new key is stored and installed in
/// Elasticsearch before the old one is revoked. Blocks until done.
///
/// On `CC_STATUS_OK`, `*json_out` is `{"rotated": "eis", "previous_key_revoked": true|false}`.
///
/// Ownership: `service_name` stays the caller's. On `CC_STATUS_OK`, `*json_out` is a new string
/// the caller frees with `cc_string_free`; on failure it is set to NULL.
///
/// Errors include `CC_STATUS_INVALID_INPUT` (unknown service, or one without a key),
/// `CC_STATUS_NOT_CONNECTED`, `CC_STATUS_CONFLICT` (the service is not enabled).
///
/// # Safety
/// `client` must be NULL or a live handle; `service_name` NULL or a NUL-terminated string;
/// `json_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cc_client_rotate_service_key(
    client: *const cc_client,
    service_name: *const c_char,
    json_out: *mut *mut c_char,
) -> cc_status {
    // SAFETY: forwarded from the caller's contract.
    unsafe {
        operation(client, json_out, |manager| {
            // SAFETY: the caller guarantees `service_name` is NULL or a NUL-terminated string.
            let service = Service::parse(str_arg(service_name, "service_name")?)?;
            Ok(async move { manager.rotate_service_key(service).await })
        })
    }
}

/// Disconnects the cluster from Elastic Cloud: deletes the Cloud registration, removes the EIS key
/// from Elasticsearch, and deletes the stored connection. Blocks until done.
///
/// On `CC_STATUS_OK`, `*json_out` is `{"cluster_id": "...", "cloud_already_gone": true|false,
/// "eis_key_removed": true|false}`.
///
/// Ownership: on `CC_STATUS_OK`, `*json_out` is a new string the caller frees with
/// `cc_string_free`; on failure it is set to NULL. Errors include `CC_STATUS_NOT_CONNECTED`.
///
/// # Safety
/// `client` must be NULL or a live handle; `json_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cc_client_disconnect(
    client: *const cc_client,
    json_out: *mut *mut c_char,
) -> cc_status {
    // SAFETY: forwarded from the caller's contract.
    unsafe {
        operation(client, json_out, |m| {
            Ok(async move { m.disconnect().await })
        })
    }
}

/// Sends the cluster's license (`license_type` such as `"platinum"`, and `uid`) with its name and
/// version to the Cloud; skipped when the Cloud already has them. Blocks until done.
///
/// On `CC_STATUS_OK`, `*json_out` is `{"updated": true|false}`.
///
/// Ownership: `license_type` and `uid` stay the caller's. On `CC_STATUS_OK`, `*json_out` is a new
/// string the caller frees with `cc_string_free`; on failure it is set to NULL.
///
/// Errors include `CC_STATUS_INVALID_INPUT` (unknown type, empty uid), `CC_STATUS_NOT_CONNECTED`.
///
/// # Safety
/// `client` must be NULL or a live handle; `license_type` and `uid` NULL or NUL-terminated
/// strings; `json_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cc_client_sync_license(
    client: *const cc_client,
    license_type: *const c_char,
    uid: *const c_char,
    json_out: *mut *mut c_char,
) -> cc_status {
    // SAFETY: forwarded from the caller's contract.
    unsafe {
        operation(client, json_out, |manager| {
            // SAFETY: the caller guarantees both are NULL or NUL-terminated strings.
            let license_type = str_arg(license_type, "license_type")?;
            // SAFETY: as above.
            let uid = str_arg(uid, "uid")?;
            Ok(async move { manager.sync_license(license_type, uid).await })
        })
    }
}

/// Finishes or undoes an operation that a crash interrupted (its intent is in the store). Safe to
/// call at any time; does nothing when there is nothing to do. Blocks until done.
///
/// On `CC_STATUS_OK`, `*json_out` is `{"operation": "..."|null, "rolled_forward": true|false|null,
/// "actions": ["..."]}`.
///
/// Ownership: on `CC_STATUS_OK`, `*json_out` is a new string the caller frees with
/// `cc_string_free`; on failure it is set to NULL.
///
/// # Safety
/// `client` must be NULL or a live handle; `json_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cc_client_reconcile(
    client: *const cc_client,
    json_out: *mut *mut c_char,
) -> cc_status {
    // SAFETY: forwarded from the caller's contract.
    unsafe { operation(client, json_out, |m| Ok(async move { m.reconcile().await })) }
}

/// The outcome of the calling thread's last call on `client` (`CC_STATUS_OK` when it succeeded),
/// with its message. Does not change the recorded outcome.
///
/// Every `cc_client_*` function that returns a `cc_status` records its outcome; the record is per
/// handle and per calling thread, so concurrent threads never see each other's errors.
///
/// Ownership: on return, unless `CC_STATUS_NULL_PARAMETER` is returned because `client` or
/// `message_out` is NULL, `*message_out` is a new string (empty when the last call succeeded) that
/// the caller frees with `cc_string_free`. Messages never contain a secret.
///
/// # Safety
/// `client` must be NULL or a live handle; `message_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cc_client_last_error(
    client: *const cc_client,
    message_out: *mut *mut c_char,
) -> cc_status {
    // Not run through `boundary::call`: reading the last error must not overwrite it.
    let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // SAFETY: the caller guarantees `message_out` is NULL or writable.
        let out = unsafe { out_arg(message_out, "message_out") }.ok()?;
        // SAFETY: the caller guarantees `client` is NULL or a live handle.
        let client = unsafe { client.as_ref() }?;
        let last = client.last_error();
        out.write(into_c_string(last.message));
        Some(last.status)
    }));
    match read {
        Ok(Some(status)) => status,
        Ok(None) => cc_status::NullParameter,
        Err(_) => cc_status::Panic,
    }
}

/// The outcome of the calling thread's last `cc_` call that returned a `cc_status`, on any handle
/// or none (`CC_STATUS_OK` when it succeeded), with its message. Use it after `cc_client_new`
/// fails, since there is no handle then. Does not change the recorded outcome.
///
/// Ownership: unless `CC_STATUS_NULL_PARAMETER` is returned because `message_out` is NULL,
/// `*message_out` is a new string (empty when the last call succeeded) that the caller frees with
/// `cc_string_free`. Messages never contain a secret.
///
/// # Safety
/// `message_out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cc_last_error(message_out: *mut *mut c_char) -> cc_status {
    let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // SAFETY: the caller guarantees `message_out` is NULL or writable.
        let out = unsafe { out_arg(message_out, "message_out") }.ok()?;
        let last = boundary::thread_last_error();
        out.write(into_c_string(last.message));
        Some(last.status)
    }));
    match read {
        Ok(Some(status)) => status,
        Ok(None) => cc_status::NullParameter,
        Err(_) => cc_status::Panic,
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::{CStr, CString};
    use std::ptr::{null, null_mut};
    use std::sync::Arc;

    use async_trait::async_trait;
    use cloud_connect_core::ServiceManagerBuilder;
    use cloud_connect_core::elasticsearch::{InferenceConfigurator, LocalCluster};
    use cloud_connect_core::model::{CcmState, LocalClusterInfo, LocalLicense};
    use cloud_connect_core::store::MemoryStore;

    use super::*;
    use crate::ffi::cc_string_free;

    fn c(s: &str) -> CString {
        CString::new(s).unwrap_or_else(|_| unreachable!("test strings have no NUL"))
    }

    /// A config that builds without contacting anything (nothing listens on port 9).
    fn config() -> CString {
        let store = std::env::temp_dir().join(format!("cc-c-test-{}.json", std::process::id()));
        c(&serde_json::json!({
            "cloud_url": "http://127.0.0.1:9",
            "encryption_key": "an-encryption-key-of-at-least-32-characters",
            "store_path": store,
            "es_url": "http://127.0.0.1:9",
            "request_timeout_ms": 2000,
        })
        .to_string())
    }

    fn new_client() -> *mut cc_client {
        let mut client = null_mut();
        // SAFETY: valid string and out pointer.
        let status = unsafe { cc_client_new(config().as_ptr(), &mut client) };
        assert_eq!(status, cc_status::Ok);
        assert!(!client.is_null());
        client
    }

    /// Takes a string from the library and frees it.
    fn take(s: *mut c_char) -> Option<String> {
        if s.is_null() {
            return None;
        }
        // SAFETY: a string from this library, freed once.
        let text = unsafe { CStr::from_ptr(s) }.to_string_lossy().into_owned();
        unsafe { cc_string_free(s) };
        Some(text)
    }

    fn client_last_error(client: *const cc_client) -> (cc_status, String) {
        let mut message = null_mut();
        // SAFETY: a live handle and a valid out pointer.
        let status = unsafe { cc_client_last_error(client, &mut message) };
        (status, take(message).unwrap_or_default())
    }

    fn thread_last_error() -> (cc_status, String) {
        let mut message = null_mut();
        // SAFETY: a valid out pointer.
        let status = unsafe { cc_last_error(&mut message) };
        (status, take(message).unwrap_or_default())
    }

    #[test]
    fn null_arguments_are_refused() {
        let config = config();
        let mut client = std::ptr::dangling_mut::<cc_client>(); // must be overwritten with NULL
        // SAFETY: NULL pointers are what is being tested; the others are valid.
        unsafe {
            assert_eq!(cc_client_new(null(), &mut client), cc_status::NullParameter);
            assert!(client.is_null());
            assert_eq!(thread_last_error().1, "`config_json` is NULL");
            assert_eq!(
                cc_client_new(config.as_ptr(), null_mut()),
                cc_status::NullParameter
            );
        }
        let client = new_client();
        let key = c("essu_test_key");
        let mut json = std::ptr::dangling_mut::<c_char>();
        // SAFETY: as above.
        unsafe {
            assert_eq!(
                cc_client_connect(null(), key.as_ptr(), &mut json),
                cc_status::NullParameter
            );
            assert!(json.is_null());
            assert_eq!(
                cc_client_connect(client, null(), &mut json),
                cc_status::NullParameter
            );
            assert_eq!(
                client_last_error(client),
                (cc_status::NullParameter, "`api_key` is NULL".into())
            );
            assert_eq!(
                cc_client_connect(client, key.as_ptr(), null_mut()),
                cc_status::NullParameter
            );
            assert_eq!(
                cc_client_status(null(), &mut json),
                cc_status::NullParameter
            );
            assert_eq!(
                cc_client_status(client, null_mut()),
                cc_status::NullParameter
            );
            assert_eq!(
                cc_client_update_services(client, null(), &mut json),
                cc_status::NullParameter
            );
            assert_eq!(
                cc_client_rotate_cluster_key(null(), &mut json),
                cc_status::NullParameter
            );
            assert_eq!(
                cc_client_rotate_service_key(client, null(), &mut json),
                cc_status::NullParameter
            );
            assert_eq!(
                cc_client_disconnect(null(), &mut json),
                cc_status::NullParameter
            );
            assert_eq!(
                cc_client_sync_license(client, null(), key.as_ptr(), &mut json),
                cc_status::NullParameter
            );
            assert_eq!(
                cc_client_sync_license(client, key.as_ptr(), null(), &mut json),
                cc_status::NullParameter
            );
            assert_eq!(
                cc_client_reconcile(null(), &mut json),
                cc_status::NullParameter
            );
            assert_eq!(
                cc_client_last_error(null(), &mut json),
                cc_status::NullParameter
            );
            assert_eq!(
                cc_client_last_error(client, null_mut()),
                cc_status::NullParameter
            );
            assert_eq!(cc_last_error(null_mut()), cc_status::NullParameter);
            assert!(json.is_null());
            cc_client_free(null_mut());
            cc_client_free(client);
        }
    }

    #[test]
    fn malformed_config_is_invalid_input_with_a_readable_message() {
        let mut client = null_mut();
        for (json, expected, needle) in [
            (
                "{\"cloud_url\": oops",
                cc_status::InvalidInput,
                "not valid JSON",
            ),
            ("42", cc_status::InvalidInput, "JSON object"),
            (
                "{\"store_path\": \"/tmp/x\", \"es_url\": \"http://127.0.0.1:9\"}",
                cc_status::EncryptionKeyMissing,
                "encryption",
            ),
        ] {
            // SAFETY: valid string and out pointer.
            let status = unsafe { cc_client_new(c(json).as_ptr(), &mut client) };
            assert_eq!(status, expected, "{json}");
            assert!(client.is_null());
            let (last, message) = thread_last_error();
            assert_eq!(last, expected);
            assert!(message.contains(needle), "{message}");
        }
        let invalid = [b'{', 0xff, b'}', 0];
        // SAFETY: a NUL-terminated byte string.
        let status = unsafe { cc_client_new(invalid.as_ptr().cast(), &mut client) };
        assert_eq!(status, cc_status::InvalidUtf8);
    }

    #[test]
    fn an_empty_api_key_is_invalid_input() {
        let client = new_client();
        let mut json = null_mut();
        // SAFETY: a live handle, valid strings and out pointer.
        let status = unsafe { cc_client_connect(client, c"".as_ptr(), &mut json) };
        assert_eq!(status, cc_status::InvalidInput);
        assert!(json.is_null());
        let (last, message) = client_last_error(client);
        assert_eq!(last, cc_status::InvalidInput);
        assert_eq!(message, "invalid_input: the API key is empty");
        // SAFETY: a live handle, freed once.
        unsafe { cc_client_free(client) };
    }

    #[test]
    fn bad_operation_arguments_are_invalid_input() {
        let client = new_client();
        let mut json = null_mut();
        // SAFETY: a live handle, valid strings and out pointer.
        unsafe {
            for changes in [c"{eis", c"[]", c"{\"search\": true}", c"{\"eis\": 1}"] {
                let status = cc_client_update_services(client, changes.as_ptr(), &mut json);
                assert_eq!(status, cc_status::InvalidInput, "{changes:?}");
            }
            let status = cc_client_rotate_service_key(client, c"auto_ops".as_ptr(), &mut json);
            assert_eq!(status, cc_status::InvalidInput);
            let status = cc_client_rotate_service_key(client, c"\xff".as_ptr(), &mut json);
            assert_eq!(status, cc_status::InvalidUtf8);
            assert!(json.is_null());
            cc_client_free(client);
        }
    }

    #[test]
    fn the_last_error_is_per_thread_and_cleared_by_success() {
        struct Shared(*mut cc_client);
        // SAFETY: cc_client is Sync; the pointer is only freed after both threads are joined.
        unsafe impl Send for Shared {}
        unsafe impl Sync for Shared {}
        let client = Arc::new(Shared(new_client()));
        let mut json = null_mut();
        // SAFETY: a live handle, valid strings and out pointer.
        let status = unsafe { cc_client_connect(client.0, c"".as_ptr(), &mut json) };
        assert_eq!(status, cc_status::InvalidInput);
        let other = Arc::clone(&client);
        let seen_elsewhere = std::thread::spawn(move || client_last_error(other.0).0)
            .join()
            .unwrap_or_else(|_| panic!("thread panicked"));
        assert_eq!(seen_elsewhere, cc_status::Ok);
        assert_eq!(client_last_error(client.0).0, cc_status::InvalidInput);
        // Reading does not clear; a successful call does.
        assert_eq!(client_last_error(client.0).0, cc_status::InvalidInput);
        // SAFETY: a live handle and valid out pointer.
        let status = unsafe { cc_client_reconcile(client.0, &mut json) };
        assert_eq!(status, cc_status::Ok, "{:?}", client_last_error(client.0));
        assert!(take(json).is_some_and(|j| j.contains("\"actions\"")));
        assert_eq!(client_last_error(client.0), (cc_status::Ok, String::new()));
        // SAFETY: no other thread uses it any more.
        unsafe { cc_client_free(client.0) };
    }

    /// A local cluster whose every call panics (a stand-in for a bug in the core).
    #[derive(Debug)]
    struct PanickingCluster;

    #[async_trait]
    impl LocalCluster for PanickingCluster {
        async fn cluster_info(&self) -> cloud_connect_core::Result<LocalClusterInfo> {
            panic!("simulated bug in cluster_info");
        }
        async fn license(&self) -> cloud_connect_core::Result<Option<LocalLicense>> {
            panic!("simulated bug in license");
        }
    }

    #[async_trait]
    impl InferenceConfigurator for PanickingCluster {
        async fn put_ccm(&self, _: &cloud_connect_core::ApiKey) -> cloud_connect_core::Result<()> {
            panic!("simulated bug in put_ccm");
        }
        async fn delete_ccm(&self) -> cloud_connect_core::Result<CcmState> {
            panic!("simulated bug in delete_ccm");
        }
        async fn get_ccm(&self) -> cloud_connect_core::Result<CcmState> {
            panic!("simulated bug in get_ccm");
        }
    }

    #[test]
    fn a_panic_in_the_core_is_contained_and_the_handle_still_works() {
        let client = cc_client::with_manager(|| {
            let seam = Arc::new(PanickingCluster);
            Ok(ServiceManagerBuilder::new()
                .cloud_url("http://127.0.0.1:9")
                .with_store(Arc::new(MemoryStore::new()))
                .with_local_cluster(seam.clone())
                .with_inference(seam)
                .build()?)
        })
        .unwrap_or_else(|f| panic!("{}", f.message));
        let client = Box::into_raw(Box::new(client));
        let mut json = null_mut();
        // SAFETY: a live handle, valid strings and out pointer.
        let status =
            unsafe { cc_client_connect(client, c"essu_valid_looking_key".as_ptr(), &mut json) };
        assert_eq!(status, cc_status::Panic);
        assert!(json.is_null());
        let (last, message) = client_last_error(client);
        assert_eq!(last, cc_status::Panic);
        assert!(message.contains("simulated bug in"), "{message}");
        // The handle is still usable after the contained panic.
        // SAFETY: as above.
        let status = unsafe { cc_client_status(client, &mut json) };
        assert_eq!(status, cc_status::NotConnected);
        // SAFETY: a live handle, freed once.
        unsafe { cc_client_free(client) };
    }
}
