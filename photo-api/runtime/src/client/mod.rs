//! The HTTP client the generated operations call.
//!
//! The generated code builds an [`ApiRequest`] per call and reads the [`ApiResponse`]; this module
//! does everything that is the same for every operation: local checks (size, media type and,
//! optionally, permissions), authentication, request ids, redirects, retries and error parsing.

mod builder;
mod call;
mod credential;
mod error;
mod pages;
mod preflight;
mod request;
mod response;
mod retry;
mod token;
mod transport;
mod upload;

#[cfg(test)]
mod tests;

pub use builder::{
    Client, ClientBuilder, DEFAULT_BASE_URL, DEFAULT_MAX_REDIRECTS, DEFAULT_MAX_REQUEST_BYTES,
    DEFAULT_TIMEOUT,
};
pub use call::{Call, CallFuture, Node, ReadResponse};
pub use credential::Credential;
pub use error::{Error, GraphError, Refusal};
pub use pages::Page;
pub use request::ApiRequest;
pub use response::{ApiResponse, Download};
pub use retry::{RetryPolicy, parse_retry_after};
pub use token::{StaticToken, TokenError, TokenProvider};
pub use upload::{PhotoError, Upload};

/// Re-exported so token providers can name the future type without depending on
/// `futures-util` themselves.
pub use futures_util::future::BoxFuture;
