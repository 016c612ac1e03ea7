//! The boundary every fallible export runs inside: it turns an error into a [`cc_status`] plus a
//! message, contains panics (`CC_STATUS_PANIC`), and records the outcome as the last error of the
//! calling thread and, when there is one, of the handle.

use std::any::Any;
use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind};

use cloud_connect_core::Error;

use crate::client::cc_client;
use crate::status::cc_status;

/// Why a call failed: the status it returns and the message `cc_*last_error` hands out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    pub(crate) status: cc_status,
    pub(crate) message: String,
}

impl Failure {
    /// A failure with this status and message.
    pub(crate) fn new(status: cc_status, message: impl Into<String>) -> Self {
        Failure {
            status,
            message: message.into(),
        }
    }

    /// A required pointer argument was NULL.
    pub(crate) fn null_parameter(name: &str) -> Self {
        Self::new(cc_status::NullParameter, format!("`{name}` is NULL"))
    }

    /// The library panicked.
    fn panic(payload: &(dyn Any + Send)) -> Self {
        let what = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("(no message)");
        // The core never puts a secret into a panic message (design.md §7); cap it all the same.
        let what: String = what.chars().take(512).collect();
        Self::new(
            cc_status::Panic,
            format!("the library panicked (a bug; the call was aborted): {what}"),
        )
    }
}

impl From<Error> for Failure {
    /// The core's code and message, with the HTTP status, the Cloud's code and retryability when
    /// known, e.g. `conflict: the Cloud is busy [HTTP 409, cloud code clusters.invalid_state,
    /// retryable]`.
    fn from(e: Error) -> Self {
        let mut details = Vec::new();
        if let Some(status) = e.http_status() {
            details.push(format!("HTTP {status}"));
        }
        if let Some(code) = e.cloud_code() {
            details.push(format!("cloud code {code}"));
        }
        if e.retryable() {
            details.push("retryable".to_owned());
        }
        let mut message = format!("{}: {}", e.code().as_str(), e.message());
        if !details.is_empty() {
            message.push_str(&format!(" [{}]", details.join(", ")));
        }
        Failure::new(e.code().into(), message)
    }
}

/// The outcome of the last recorded call: `Ok` with an empty message, or a failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LastError {
    pub(crate) status: cc_status,
    pub(crate) message: String,
}

impl LastError {
    /// A successful call.
    pub(crate) const OK: LastError = LastError {
        status: cc_status::Ok,
        message: String::new(),
    };
}

thread_local! {
    /// The last recorded call of this thread, whatever its handle (or none).
    static THREAD_LAST: RefCell<LastError> = const { RefCell::new(LastError::OK) };
}

/// The last recorded call of the calling thread.
pub(crate) fn thread_last_error() -> LastError {
    THREAD_LAST
        .try_with(|last| last.borrow().clone())
        .unwrap_or(LastError::OK)
}

/// Runs `f` inside the boundary: a returned failure or a panic becomes the returned status, and
/// the outcome is recorded for the calling thread and for `client` (when given). Never unwinds.
pub(crate) fn call(
    client: Option<&cc_client>,
    f: impl FnOnce() -> Result<(), Failure>,
) -> cc_status {
    let outcome = match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => LastError::OK,
        Ok(Err(failure)) => LastError {
            status: failure.status,
            message: failure.message,
        },
        Err(payload) => {
            let failure = Failure::panic(payload.as_ref());
            // Dropping a panic payload can itself panic; keep that inside the boundary too.
            let _ = catch_unwind(AssertUnwindSafe(|| drop(payload)));
            LastError {
                status: failure.status,
                message: failure.message,
            }
        }
    };
    let status = outcome.status;
    // Recording allocates and locks; should it ever panic, the status still gets back to C.
    let _ = catch_unwind(AssertUnwindSafe(|| record(client, outcome)));
    status
}

fn record(client: Option<&cc_client>, outcome: LastError) {
    if let Some(client) = client {
        client.record_last_error(&outcome);
    }
    // `try_with` fails only while this thread's locals are being destroyed: nothing to record then.
    let _ = THREAD_LAST.try_with(|last| {
        if let Ok(mut last) = last.try_borrow_mut() {
            *last = outcome;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use cloud_connect_core::ErrorCode;

    #[test]
    fn a_panic_is_contained_and_recorded() {
        let status = call(None, || panic!("boom at the boundary"));
        assert_eq!(status, cc_status::Panic);
        let last = thread_last_error();
        assert_eq!(last.status, cc_status::Panic);
        assert!(
            last.message.contains("boom at the boundary"),
            "{}",
            last.message
        );
    }

    #[test]
    fn a_panic_with_a_formatted_message_is_contained() {
        let n = 7;
        let status = call(None, || panic!("formatted {n}"));
        assert_eq!(status, cc_status::Panic);
        assert!(thread_last_error().message.contains("formatted 7"));
    }

    #[test]
    fn success_clears_the_thread_error() {
        let _ = call(None, || Err(Failure::null_parameter("x")));
        assert_eq!(thread_last_error().status, cc_status::NullParameter);
        assert_eq!(call(None, || Ok(())), cc_status::Ok);
        assert_eq!(thread_last_error(), LastError::OK);
    }

    #[test]
    fn core_errors_keep_their_code_and_details() {
        let e = Error::new(ErrorCode::Conflict, "the Cloud is busy")
            .with_http_status(409)
            .with_cloud_code("clusters.patch_cluster.invalid_state");
        let f = Failure::from(e);
        assert_eq!(f.status, cc_status::Conflict);
        assert_eq!(
            f.message,
            "conflict: the Cloud is busy [HTTP 409, cloud code clusters.patch_cluster.invalid_state, retryable]"
        );
    }
}
