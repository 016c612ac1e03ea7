//! HTTP settings shared by the Cloud and Elasticsearch clients (design.md §8).

use std::time::Duration;

/// Transport settings. `Debug` prints no secret (there is none here; credentials live elsewhere).
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Whole-request timeout. Default 30 s.
    pub request_timeout: Duration,
    /// Connect timeout. Default 10 s.
    pub connect_timeout: Duration,
    /// Allow plain `http://` to hosts other than loopback. Default false.
    pub allow_insecure_http: bool,
    /// Proxy URL for all requests (corporate networks).
    pub proxy: Option<String>,
    /// Extra trusted CA certificates, PEM.
    pub ca_certificates_pem: Vec<String>,
    /// Response bodies larger than this are refused. Default 1 MiB.
    pub max_response_bytes: usize,
    /// Attempts for idempotent calls (GET; 429/503 on idempotent calls). Default 3.
    pub max_attempts: u32,
    /// First backoff delay between attempts (doubled each time, with jitter). Default 200 ms.
    pub initial_backoff: Duration,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            request_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            allow_insecure_http: false,
            proxy: None,
            ca_certificates_pem: Vec::new(),
            max_response_bytes: 1024 * 1024,
            max_attempts: 3,
            initial_backoff: Duration::from_millis(200),
        }
    }
}
