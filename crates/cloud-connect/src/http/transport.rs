//! The one place requests are sent: timeouts, no cross-origin redirects, capped bodies, and
//! retries with backoff and jitter for idempotent calls only.

use std::time::Duration;

use rand::Rng;
use reqwest::{Method, StatusCode, header::HeaderMap};
use url::Url;

use super::options::HttpOptions;
use crate::error::{Error, ErrorCode, Result};

/// A raw answer: status, headers and the (capped) body bytes.
#[derive(Debug)]
pub(crate) struct RawResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// A reqwest client configured from [`HttpOptions`].
#[derive(Debug, Clone)]
pub(crate) struct Transport {
    client: reqwest::Client,
    options: HttpOptions,
}

impl Transport {
    pub fn new(options: HttpOptions) -> Result<Self> {
        let mut builder = reqwest::Client::builder()
            .timeout(options.request_timeout)
            .connect_timeout(options.connect_timeout)
            // Credentials must never follow a redirect; we follow none at all.
            .redirect(reqwest::redirect::Policy::none());
        if let Some(proxy) = &options.proxy {
            let proxy = reqwest::Proxy::all(proxy)
                .map_err(|_| Error::invalid_input("invalid proxy URL"))?;
            builder = builder.proxy(proxy);
        }
        for pem in &options.ca_certificates_pem {
            let cert = reqwest::Certificate::from_pem(pem.as_bytes())
                .map_err(|_| Error::invalid_input("invalid CA certificate (expected PEM)"))?;
            builder = builder.add_root_certificate(cert);
        }
        let client = builder
            .build()
            .map_err(|e| Error::internal(format!("cannot build the HTTP client: {e}")))?;
        Ok(Transport { client, options })
    }

    /// Checks a configured base URL: http(s) only, https unless loopback or opted out, no query or
    /// fragment, no credentials in the URL.
    pub fn check_base_url(&self, url: &Url, what: &str) -> Result<()> {
        match url.scheme() {
            "https" => {}
            "http" if self.options.allow_insecure_http || is_loopback(url) => {}
            "http" => {
                return Err(Error::invalid_input(format!(
                    "{what} must use https (plain http is allowed only for loopback or with allow_insecure_http)"
                )));
            }
            _ => {
                return Err(Error::invalid_input(format!(
                    "{what} must be an http or https URL"
                )));
            }
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(Error::invalid_input(format!(
                "{what} must not have a query or fragment"
            )));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Error::invalid_input(format!(
                "{what} must not carry credentials"
            )));
        }
        Ok(())
    }

    /// Sends a request built by `build` (called once per attempt). `idempotent` allows retries on
    /// network errors, timeouts, 429 and 503.
    pub async fn send(
        &self,
        method: Method,
        url: Url,
        idempotent: bool,
        build: impl Fn(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
    ) -> Result<RawResponse> {
        let attempts = if idempotent {
            self.options.max_attempts.max(1)
        } else {
            1
        };
        let mut backoff = self.options.initial_backoff;
        let mut attempt = 1;
        loop {
            let request = build(self.client.request(method.clone(), url.clone()));
            let outcome = self.send_once(request).await;
            let retry_after = match &outcome {
                Ok(r)
                    if r.status == StatusCode::TOO_MANY_REQUESTS
                        || r.status == StatusCode::SERVICE_UNAVAILABLE =>
                {
                    Some(retry_after(&r.headers))
                }
                Ok(_) => None,
                Err(e) if matches!(e.code(), ErrorCode::Network | ErrorCode::Timeout) => Some(None),
                Err(_) => None,
            };
            match retry_after {
                Some(hint) if attempt < attempts => {
                    let jitter = rand::rng().random_range(0..=backoff.as_millis() as u64 / 2);
                    let wait = hint
                        .unwrap_or(backoff + Duration::from_millis(jitter))
                        .min(Duration::from_secs(30));
                    tracing::debug!(
                        attempt,
                        wait_ms = wait.as_millis() as u64,
                        "retrying idempotent request"
                    );
                    tokio::time::sleep(wait).await;
                    backoff *= 2;
                    attempt += 1;
                }
                _ => return outcome,
            }
        }
    }

    async fn send_once(&self, request: reqwest::RequestBuilder) -> Result<RawResponse> {
        let mut response = request.send().await.map_err(transport_error)?;
        let status = response.status();
        let headers = response.headers().clone();
        let cap = self.options.max_response_bytes;
        if response.content_length().is_some_and(|l| l as usize > cap) {
            return Err(Error::new(
                ErrorCode::CloudProtocol,
                format!("response body larger than {cap} bytes"),
            ));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
            if body.len() + chunk.len() > cap {
                return Err(Error::new(
                    ErrorCode::CloudProtocol,
                    format!("response body larger than {cap} bytes"),
                ));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(RawResponse {
            status,
            headers,
            body,
        })
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    v.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// Maps a reqwest failure to our kinds without its text (which may name the URL, never a key, but
/// we keep messages fixed anyway).
fn transport_error(e: reqwest::Error) -> Error {
    if e.is_timeout() {
        Error::new(
            ErrorCode::Timeout,
            "the request timed out; its outcome is unknown",
        )
    } else if e.is_connect() {
        Error::new(ErrorCode::Network, "could not connect to the server")
    } else if e.is_body() || e.is_decode() || e.is_request() {
        Error::new(
            ErrorCode::Network,
            "the connection failed while sending the request or reading the response",
        )
    } else {
        Error::new(ErrorCode::Network, "the HTTP request failed")
    }
}
