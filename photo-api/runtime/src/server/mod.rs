//! Request validation and Graph-shaped responses for the generated axum router.
//!
//! The generated router is a table: [`Routes::add`] routes each operation, and [`handle`] serves
//! its requests. That calls [`Incoming::accept`] with the operation's
//! [`OperationSpec`](crate::operation::OperationSpec), which authenticates the caller,
//! checks permissions, media type and size in the order Graph does, and then hands out typed
//! path, query, header and body values. Every refusal is a [`Rejection`], rendered as Graph's
//! error JSON. [`finish`] wraps the whole router with request ids, the `('key')` path form,
//! Graph-shaped 404/405 answers and `GET /openapi.yaml`; [`serve`] serves it with `axum::serve`
//! and graceful shutdown.

mod auth;
mod body;
mod config;
mod dispatch;
mod finish;
mod handle;
mod ids;
mod incoming;
mod keyform;
mod layer;
mod linger;
mod params;
mod rejection;
mod response;
mod routes;
mod serve;

#[cfg(test)]
mod tests;

pub use auth::{
    AuthError, Authorizer, InsecureAuthorizer, JwtAuthorizer, KeyError, Principal, authorize,
};
pub use body::BinaryBody;
pub use config::{CallObserver, RequestContext, ServerConfig};
pub use finish::finish;
pub use handle::{FromIncoming, handle, required, status};
#[cfg(feature = "emulator")]
pub(crate) use ids::{REQUEST_ID, RequestIds, RequestScope};
pub use incoming::Incoming;
#[cfg(feature = "emulator")]
pub(crate) use linger::LingeringBody;
pub use params::FromParam;
pub use rejection::Rejection;
pub use response::{BinaryContent, binary_response, empty_response, json_response};
pub use routes::{ApiMethod, Routes};
pub use serve::serve;
