//! The runtime of the code photo-gen generates from an OpenAPI description: what the generated
//! client, server and emulator binding call. Behaviour lives here, in ordinary code with its own
//! tests; the generated modules only wire a description's operations to it. Nothing here depends
//! on a particular description.
//!
//! Features: `client` (the default: sending requests with retries, redirects, token providers and
//! local permission checks), `server` (authentication, authorization, validation, Graph-shaped
//! errors and serving, on axum) and `emulator` (the generic photo emulator engine, with `server`).

#![forbid(unsafe_code)]

#[cfg(any(feature = "client", feature = "server"))]
mod claims;
pub mod least_privilege;
pub mod operation;
pub mod param;
pub mod path;
pub mod segment;

#[cfg(all(test, any(feature = "client", feature = "server")))]
mod span_recorder;

#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "emulator")]
pub mod emulator;
#[cfg(feature = "server")]
pub mod server;

/// The crates generated code names besides the runtime, re-exported so that a crate of generated
/// code declares photo-runtime alone. Not an API of its own: it holds what the generator of the
/// same version names.
#[doc(hidden)]
pub mod __export {
    #[cfg(feature = "server")]
    pub use axum;
    pub use bytes;
    pub use futures_util;
    pub use serde;
    pub use serde_json;
}
