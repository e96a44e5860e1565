//! What the generated router is configured with, and what a handler learns about its request.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::auth::{Authorizer, Principal};
use crate::operation::OperationSpec;

/// Told about every call whose token the authorizer accepted, before its permissions are
/// checked: a refused call shows what an app needs as much as an allowed one. The emulator's
/// least-privilege advisor is one.
pub trait CallObserver: Send + Sync + 'static {
    /// `principal` called `op` on API `version` (the routes' [`ServerConfig::api_version`]).
    fn observe(
        &self,
        principal: &Principal,
        op: &'static OperationSpec,
        version: Option<&'static str>,
    );
}

/// Settings shared by every operation of one API version. The generated router clones it per
/// version and sets `max_request_bytes` from the spec's `x-request-size-limits`.
#[derive(Clone)]
pub struct ServerConfig {
    /// Turns a bearer token into a [`Principal`]; see [`JwtAuthorizer`](super::JwtAuthorizer).
    pub authorizer: Arc<dyn Authorizer>,
    /// The largest request body accepted, in bytes; larger bodies get `413`.
    pub max_request_bytes: u64,
    /// The API version these routes serve (`v1.0`, `beta`: the first segment of their paths),
    /// which chooses the permission table of operations whose permissions differ by version.
    /// `None` uses every operation's default table.
    pub api_version: Option<&'static str>,
    /// The longest a request body may go without a byte arriving while it is read; a client that
    /// stalls longer gets `408` and its connection is closed, so it cannot hold a task and a
    /// half-filled buffer forever.
    pub body_idle_timeout: Duration,
    /// Told about every authenticated call, if set.
    pub call_observer: Option<Arc<dyn CallObserver>>,
}

impl ServerConfig {
    /// Graph v1.0's limit of 4 MiB, used until the router sets the spec's value.
    pub const DEFAULT_MAX_REQUEST_BYTES: u64 = 4 * 1024 * 1024;

    /// How long a request body may stall before it is refused: long enough for a congested
    /// client, short enough that stalled uploads do not pile up.
    pub const DEFAULT_BODY_IDLE_TIMEOUT: Duration = Duration::from_secs(30);

    /// A configuration using `authorizer`, the default size limit and the default body idle
    /// timeout.
    pub fn new(authorizer: impl Authorizer) -> Self {
        ServerConfig {
            authorizer: Arc::new(authorizer),
            max_request_bytes: Self::DEFAULT_MAX_REQUEST_BYTES,
            api_version: None,
            body_idle_timeout: Self::DEFAULT_BODY_IDLE_TIMEOUT,
            call_observer: None,
        }
    }

    /// The same configuration with another body size limit.
    pub fn with_max_request_bytes(mut self, max_request_bytes: u64) -> Self {
        self.max_request_bytes = max_request_bytes;
        self
    }

    /// The same configuration with another body idle timeout.
    pub fn with_body_idle_timeout(mut self, body_idle_timeout: Duration) -> Self {
        self.body_idle_timeout = body_idle_timeout;
        self
    }

    /// The same configuration telling `observer` about every authenticated call.
    pub fn with_call_observer(mut self, observer: Arc<dyn CallObserver>) -> Self {
        self.call_observer = Some(observer);
        self
    }
}

impl fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerConfig")
            .field("authorizer", &"dyn Authorizer")
            .field("max_request_bytes", &self.max_request_bytes)
            .field("api_version", &self.api_version)
            .field("body_idle_timeout", &self.body_idle_timeout)
            .field(
                "call_observer",
                &self.call_observer.as_ref().map(|_| "dyn CallObserver"),
            )
            .finish()
    }
}

/// Who is calling and how to refer to the request, handed to the API implementation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestContext {
    /// The authenticated and authorized caller, shared: cloning a context does not copy it.
    pub principal: Arc<Principal>,
    /// The id the server gave the request (the `request-id` response header), shared with the
    /// response rather than copied.
    pub request_id: Arc<str>,
    /// The caller's `client-request-id`, if it sent a usable one.
    pub client_request_id: Option<Arc<str>>,
}
