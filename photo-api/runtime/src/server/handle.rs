//! How every route serves a request: accept it for its operation, decode the
//! typed request, call the implementation and render its answer.

use std::future::Future;

use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::config::{RequestContext, ServerConfig};
use super::ids::RequestScope;
use super::incoming::Incoming;
use super::rejection::Rejection;
use crate::operation::OperationSpec;

/// How a generated request type is read from an accepted request.
pub trait FromIncoming: Sized + Send {
    /// Reads the operation's parameters and body; a missing or invalid one is a `400`.
    fn from_incoming(
        incoming: &mut Incoming,
    ) -> impl Future<Output = Result<Self, Rejection>> + Send;
}

/// Serves one request of `op`: [`Incoming::accept`] (authentication, permissions, media type,
/// size), then the typed request, then `call` with the caller's context. Every refusal on the
/// way is answered as Graph's error JSON.
pub async fn handle<T, A, F>(
    config: &ServerConfig,
    op: &'static OperationSpec,
    request: Request,
    call: impl FnOnce(RequestContext, T) -> F,
) -> Response
where
    T: FromIncoming,
    F: Future<Output = A>,
    A: IntoResponse,
{
    if let Some(version) = config.api_version {
        RequestScope::with_current(|scope| scope.api_version.set(version));
    }
    let mut incoming = match Incoming::accept(config, op, request).await {
        Ok(incoming) => incoming,
        Err(rejection) => return rejection.into_response(),
    };
    match T::from_incoming(&mut incoming).await {
        Ok(request) => call(incoming.context(), request).await.into_response(),
        Err(rejection) => rejection.into_response(),
    }
}

/// A parameter the spec requires: present, or a `400` naming it (`kind` is `query` or
/// `header`).
pub fn required<T>(value: Option<T>, kind: &str, name: &str) -> Result<T, Rejection> {
    value.ok_or_else(|| {
        Rejection::new(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            format!("The {kind} parameter `{name}` is required."),
        )
    })
}

/// The status for a code the spec declares. Codes outside 100..=999 cannot come from a valid
/// spec; they are answered as a server fault rather than a panic.
pub fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}
