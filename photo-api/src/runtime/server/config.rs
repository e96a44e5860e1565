//! What the generated router is configured with, and what a handler learns about its request.

use std::fmt;
use std::sync::Arc;

use super::auth::{Authorizer, Principal};

/// Settings shared by every operation of one API version. The generated router clones it per
/// version and sets `max_request_bytes` from the spec's `x-request-size-limits`.
#[derive(Clone)]
pub struct ServerConfig {
    /// Turns a bearer token into a [`Principal`]; see [`JwtAuthorizer`](super::JwtAuthorizer).
    pub authorizer: Arc<dyn Authorizer>,
    /// The largest request body accepted, in bytes; larger bodies get `413`.
    pub max_request_bytes: u64,
}

impl ServerConfig {
    /// Graph v1.0's limit of 4 MiB, used until the router sets the spec's value.
    pub const DEFAULT_MAX_REQUEST_BYTES: u64 = 4 * 1024 * 1024;

    /// A configuration using `authorizer` and the default size limit.
    pub fn new(authorizer: impl Authorizer) -> Self {
        ServerConfig {
            authorizer: Arc::new(authorizer),
            max_request_bytes: Self::DEFAULT_MAX_REQUEST_BYTES,
        }
    }

    /// The same configuration with another body size limit.
    pub fn with_max_request_bytes(mut self, max_request_bytes: u64) -> Self {
        self.max_request_bytes = max_request_bytes;
        self
    }
}

impl fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerConfig")
            .field("authorizer", &"dyn Authorizer")
            .field("max_request_bytes", &self.max_request_bytes)
            .finish()
    }
}

/// Who is calling and how to refer to the request, handed to the API implementation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestContext {
    /// The authenticated and authorized caller, shared: cloning a context does not copy it.
    pub principal: Arc<Principal>,
    /// The id the server gave the request (the `request-id` response header).
    pub request_id: String,
    /// The caller's `client-request-id`, if it sent a usable one.
    pub client_request_id: Option<String>,
}
