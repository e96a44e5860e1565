//! Fault injection, so clients' retry and timeout handling can be tested against the emulator:
//! throttling (`429`) or unavailability (`503`/`504`) with `Retry-After`, and added latency.
//!
//! It is a middleware in front of the whole router, so a faulted request never reaches
//! authentication or the store: it has no side effect. Besides a random rate, faults can be
//! deterministic (the first N requests, or every Nth) for reproducible tests.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::header::RETRY_AFTER;
use http::{HeaderName, HeaderValue, StatusCode};

use crate::server::{LingeringBody, Rejection};

/// Which requests fail.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FaultMode {
    /// None (latency may still apply).
    Never,
    /// Each request independently with this probability (0 to 1).
    Rate(f64),
    /// The first N requests, then none.
    First(u64),
    /// Every Nth request: the Nth, the 2Nth, …
    Every(u64),
}

/// The status a faulted request gets, each with Graph's error code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultStatus {
    /// `429 Too Many Requests` (code `TooManyRequests`): throttling.
    TooManyRequests,
    /// `503 Service Unavailable` (code `ServiceNotAvailable`).
    ServiceUnavailable,
    /// `504 Gateway Timeout` (code `GatewayTimeout`).
    GatewayTimeout,
}

impl FaultStatus {
    /// The variant for an HTTP status code: 429, 503 or 504.
    pub fn from_code(code: u16) -> Option<Self> {
        match code {
            429 => Some(Self::TooManyRequests),
            503 => Some(Self::ServiceUnavailable),
            504 => Some(Self::GatewayTimeout),
            _ => None,
        }
    }

    /// The HTTP status.
    pub fn status(self) -> StatusCode {
        match self {
            Self::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            Self::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::GatewayTimeout => StatusCode::GATEWAY_TIMEOUT,
        }
    }

    fn code(self) -> &'static str {
        match self {
            Self::TooManyRequests => "TooManyRequests",
            Self::ServiceUnavailable => "ServiceNotAvailable",
            Self::GatewayTimeout => "GatewayTimeout",
        }
    }
}

/// The fault configuration: which requests fail, how, and how much latency every API request gets.
#[derive(Clone, Debug, PartialEq)]
pub struct Faults {
    /// Which requests fail.
    pub mode: FaultMode,
    /// The status of a faulted request.
    pub status: FaultStatus,
    /// The `Retry-After` of a faulted request; `None` sends none (clients then back off).
    pub retry_after: Option<Duration>,
    /// Delay added before every API request, faulted or not.
    pub latency: Duration,
}

impl Default for Faults {
    fn default() -> Self {
        Self::none()
    }
}

impl Faults {
    /// No faults and no latency.
    pub fn none() -> Self {
        Faults {
            mode: FaultMode::Never,
            status: FaultStatus::TooManyRequests,
            retry_after: Some(Duration::from_secs(1)),
            latency: Duration::ZERO,
        }
    }

    /// Fail each request with probability `probability`.
    pub fn rate(probability: f64) -> Self {
        Self::none().mode(FaultMode::Rate(probability))
    }

    /// Fail the first `count` requests.
    pub fn first(count: u64) -> Self {
        Self::none().mode(FaultMode::First(count))
    }

    /// Fail every `nth` request.
    pub fn every(nth: u64) -> Self {
        Self::none().mode(FaultMode::Every(nth))
    }

    /// Sets which requests fail.
    pub fn mode(mut self, mode: FaultMode) -> Self {
        self.mode = mode;
        self
    }

    /// Sets the status of faulted requests (`429` by default).
    pub fn status(mut self, status: FaultStatus) -> Self {
        self.status = status;
        self
    }

    /// Sets the `Retry-After` of faulted requests (1 second by default; `None` for none).
    pub fn retry_after(mut self, retry_after: Option<Duration>) -> Self {
        self.retry_after = retry_after;
        self
    }

    /// Sets the latency added to every API request.
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Why the configuration is unusable, if it is.
    pub fn validate(&self) -> Result<(), String> {
        match self.mode {
            FaultMode::Rate(p) if !(0.0..=1.0).contains(&p) => {
                Err(format!("the fault rate must be between 0 and 1, not {p}"))
            }
            FaultMode::Every(0) => Err("faulting every 0th request makes no sense".to_owned()),
            _ => Ok(()),
        }
    }

    /// Whether the middleware has anything to do.
    pub fn is_active(&self) -> bool {
        self.mode != FaultMode::Never || !self.latency.is_zero()
    }
}

/// The middleware's state: the configuration and how many API requests it has seen.
#[derive(Debug)]
pub struct FaultInjector {
    faults: Faults,
    seen: AtomicU64,
    injected: AtomicU64,
}

impl FaultInjector {
    /// An injector for a validated configuration.
    pub fn new(faults: Faults) -> Self {
        FaultInjector {
            faults,
            seen: AtomicU64::new(0),
            injected: AtomicU64::new(0),
        }
    }

    /// How many requests were faulted so far.
    pub fn injected(&self) -> u64 {
        self.injected.load(Ordering::Relaxed)
    }

    /// Whether the next API request fails.
    fn decide(&self) -> bool {
        let fail = match self.faults.mode {
            FaultMode::Never => false,
            FaultMode::Rate(p) => rand::random::<f64>() < p,
            FaultMode::First(n) => self.seen.fetch_add(1, Ordering::Relaxed) < n,
            FaultMode::Every(n) => {
                (self.seen.fetch_add(1, Ordering::Relaxed) + 1).is_multiple_of(n.max(1))
            }
        };
        if fail {
            self.injected.fetch_add(1, Ordering::Relaxed);
        }
        fail
    }

    fn rejection(&self) -> Rejection {
        let status = self.faults.status;
        let what = match status {
            FaultStatus::TooManyRequests => "Too many requests",
            FaultStatus::ServiceUnavailable => "The service is unavailable",
            FaultStatus::GatewayTimeout => "The gateway timed out",
        };
        let Some(after) = self.faults.retry_after else {
            return Rejection::new(
                status.status(),
                status.code(),
                format!("{what} (fault injected by the emulator)."),
            );
        };
        let seconds = after.as_secs();
        Rejection::new(
            status.status(),
            status.code(),
            format!("{what} (fault injected by the emulator). Retry after {seconds} seconds."),
        )
        .with_header(RETRY_AFTER, HeaderValue::from(seconds))
    }
}

/// The description the generated router serves, outside the API's prefixes.
const OPENAPI_PATH: &str = "/openapi.yaml";

/// Whether `path` is an API request (under one of `prefixes`, such as `/v1.0`; `""` is the
/// root), as opposed to `/openapi.yaml`.
fn is_api_path(prefixes: &[&str], path: &str) -> bool {
    path != OPENAPI_PATH
        && prefixes.iter().any(|prefix| {
            path.strip_prefix(prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })
}

/// The middleware: delays API requests (those under one of the prefixes) by the latency, then
/// fails those the mode selects.
pub async fn fault_layer(
    State((injector, prefixes)): State<(Arc<FaultInjector>, &'static [&'static str])>,
    request: Request,
    next: Next,
) -> Response {
    if !is_api_path(prefixes, request.uri().path()) {
        return next.run(request).await;
    }
    if !injector.faults.latency.is_zero() {
        tokio::time::sleep(injector.faults.latency).await;
    }
    if !injector.decide() {
        return next.run(request).await;
    }
    tracing::info!(path = %request.uri().path(), status = %injector.faults.status.status(), "injected a fault");
    let (parts, body) = request.into_parts();
    // The fault answers before the body is read. Dropped unread, hyper would close the
    // connection under a client still sending it, or about to reuse it: read it off instead, as
    // the routes do for their own early refusals.
    drop(LingeringBody::new(body));
    let client_request_id = parts.headers.get("client-request-id").cloned();
    let mut response = injector.rejection().into_response();
    if let Some(value) = client_request_id
        .filter(|value| value.len() <= 128 && value.as_bytes().iter().all(u8::is_ascii_graphic))
    {
        response
            .headers_mut()
            .insert(HeaderName::from_static("client-request-id"), value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decisions(faults: Faults, count: usize) -> Vec<bool> {
        let injector = FaultInjector::new(faults);
        (0..count).map(|_| injector.decide()).collect()
    }

    #[test]
    fn deterministic_modes_are_reproducible() {
        assert_eq!(decisions(Faults::first(2), 4), [true, true, false, false]);
        assert_eq!(
            decisions(Faults::every(3), 6),
            [false, false, true, false, false, true]
        );
        assert!(decisions(Faults::rate(0.0), 50).iter().all(|fail| !fail));
        assert!(decisions(Faults::rate(1.0), 50).iter().all(|fail| *fail));
        assert!(decisions(Faults::none(), 5).iter().all(|fail| !fail));
    }

    #[test]
    fn bad_configurations_are_refused() {
        assert!(Faults::rate(1.5).validate().is_err());
        assert!(Faults::rate(f64::NAN).validate().is_err());
        assert!(Faults::every(0).validate().is_err());
        assert!(Faults::every(1).validate().is_ok());
        assert!(!Faults::none().is_active());
        assert!(Faults::none().latency(Duration::from_millis(1)).is_active());
        assert_eq!(
            FaultStatus::from_code(503),
            Some(FaultStatus::ServiceUnavailable)
        );
        assert_eq!(FaultStatus::from_code(500), None);
    }

    #[test]
    fn only_api_paths_are_faulted() {
        let versions = &["/v1.0", "/beta"];
        assert!(is_api_path(versions, "/v1.0/me/photo"));
        assert!(is_api_path(versions, "/beta/users/x/photo/$value"));
        assert!(!is_api_path(versions, "/openapi.yaml"));
        assert!(!is_api_path(versions, "/v1.0x/me"));
        assert!(!is_api_path(versions, "/me/photo"));
        assert!(is_api_path(&[""], "/me/photo"));
        assert!(!is_api_path(&[""], "/openapi.yaml"));
    }

    #[test]
    fn the_rejection_carries_retry_after() {
        let injector =
            FaultInjector::new(Faults::first(1).retry_after(Some(Duration::from_secs(7))));
        let response = injector.rejection().into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[RETRY_AFTER], "7");
        let quiet = FaultInjector::new(
            Faults::first(1)
                .status(FaultStatus::ServiceUnavailable)
                .retry_after(None),
        );
        let response = quiet.rejection().into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(!response.headers().contains_key(RETRY_AFTER));
    }
}
