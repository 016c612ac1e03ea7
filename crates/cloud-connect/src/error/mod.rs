//! The library's one error type. Every error has a stable [`ErrorCode`], says whether retrying can
//! help, keeps the HTTP status and the Cloud's error code where there was one, and never carries a
//! secret: messages are built from fixed text and from the remote side's own error messages.

mod codes;

pub use codes::ErrorCode;

/// The library's error. Build it through the constructor functions; read it through the accessors.
#[derive(Clone, PartialEq)]
pub struct Error {
    code: ErrorCode,
    message: String,
    retryable: bool,
    http_status: Option<u16>,
    cloud_code: Option<String>,
    rollback: Option<Box<RollbackFailure>>,
}

/// The two causes of a failed rollback: the error that made the operation roll back, and the
/// error that stopped the rollback.
#[derive(Debug, Clone, PartialEq)]
pub struct RollbackFailure {
    /// Why the operation was being rolled back.
    pub operation_error: Error,
    /// Why the rollback itself failed.
    pub rollback_error: Error,
}

/// Shorthand for results of this library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error of the given kind with its default retryability.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
            retryable: code.default_retryable(),
            http_status: None,
            cloud_code: None,
            rollback: None,
        }
    }

    /// Bad input from the caller.
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidInput, message)
    }

    /// No stored connection.
    pub fn not_connected() -> Self {
        Self::new(
            ErrorCode::NotConnected,
            "not connected to Elastic Cloud: no stored Cloud Connect API key",
        )
    }

    /// The credential store failed.
    pub fn storage(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Storage, message)
    }

    /// A bug or impossible state.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Internal, message)
    }

    /// An operation failed and so did its rollback.
    pub fn rollback_failed(operation_error: Error, rollback_error: Error) -> Self {
        let message = format!(
            "{}; rollback also failed: {}",
            operation_error.message, rollback_error.message
        );
        let mut e = Self::new(ErrorCode::RollbackFailed, message);
        e.rollback = Some(Box::new(RollbackFailure {
            operation_error,
            rollback_error,
        }));
        e
    }

    /// Sets the HTTP status of the remote answer this error comes from.
    pub fn with_http_status(mut self, status: u16) -> Self {
        self.http_status = Some(status);
        self
    }

    /// Sets the Cloud's own error code (for example `clusters.patch_cluster.invalid_state`).
    pub fn with_cloud_code(mut self, code: impl Into<String>) -> Self {
        self.cloud_code = Some(code.into());
        self
    }

    /// Overrides whether a retry can help.
    pub fn with_retryable(mut self, retryable: bool) -> Self {
        self.retryable = retryable;
        self
    }

    /// Prefixes the message with context ("while enabling EIS: …").
    pub fn context(mut self, context: &str) -> Self {
        self.message = format!("{context}: {}", self.message);
        self
    }

    /// The stable kind.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The human-readable message (never contains a secret).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Whether retrying later can help.
    pub fn retryable(&self) -> bool {
        self.retryable
    }

    /// The HTTP status of the remote answer, when there was one.
    pub fn http_status(&self) -> Option<u16> {
        self.http_status
    }

    /// The Cloud's error code, when the Cloud sent one.
    pub fn cloud_code(&self) -> Option<&str> {
        self.cloud_code.as_deref()
    }

    /// Both causes, when this is a [`ErrorCode::RollbackFailed`].
    pub fn rollback_failure(&self) -> Option<&RollbackFailure> {
        self.rollback.as_deref()
    }

    /// The HTTP status a host should answer with.
    pub fn host_status(&self) -> u16 {
        self.code.host_status()
    }
}

impl std::fmt::Debug for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("code", &self.code.as_str())
            .field("message", &self.message)
            .field("retryable", &self.retryable);
        if let Some(s) = self.http_status {
            d.field("http_status", &s);
        }
        if let Some(c) = &self.cloud_code {
            d.field("cloud_code", c);
        }
        if let Some(r) = &self.rollback {
            d.field("rollback", r);
        }
        d.finish()
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for Error {}
