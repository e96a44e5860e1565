//! [`finish`]: what every generated router gets around its routes.

use std::convert::Infallible;
use std::task::{Context, Poll};

use axum::Router;
use axum::extract::{OriginalUri, Request};
use axum::response::Response;
use axum::routing::future::RouteFuture;
use axum::routing::get;
use http::header::CONTENT_TYPE;
use http::{HeaderValue, Method};
use tower::Service;

use super::keyform::rewrite_uri;
use super::layer::GraphLayer;
use super::rejection::Rejection;

/// Completes a generated router: serves `openapi_yaml` at `GET /openapi.yaml`; answers unknown
/// paths with `404` and unsupported methods with `405` (with `Allow`), both as Graph error JSON;
/// gives every response a `request-id` (and echoes `client-request-id`); routes key-form
/// segments such as `/users('$x@contoso.com')` as `/users/%24x%40contoso%2Ecom`; and drains
/// (bounded) a request body a refusal left unread, so an uploading client receives the refusal
/// instead of a reset connection.
///
/// Call it once, after all routes are added (the 405 handler is attached to existing routes).
/// Panics, as axum does for any conflicting route, if `router` already routes `/openapi.yaml`.
pub fn finish(router: Router, openapi_yaml: &'static str) -> Router {
    // The Graph layer wraps each route, so a request is routed once. A key-form path matches no
    // route as sent; the fallback rewrites it and routes it again (and an unknown path reaches
    // the layered 404 through that second routing).
    let routed = router
        .route(
            "/openapi.yaml",
            get(move || async move { openapi(openapi_yaml) }),
        )
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found)
        .layer(GraphLayer)
        // `with_state` turns every handler into a route now; a router left without it would do
        // so for each request (a clone and a few allocations each time).
        .with_state(());
    routed
        .clone()
        .fallback_service(KeyFormFallback { routed })
        .with_state(())
}

/// The fallback of the finished router: routes a request again with its key-form segments
/// rewritten, or, when it has none, straight to the layered `404`.
#[derive(Clone)]
struct KeyFormFallback {
    routed: Router,
}

impl Service<Request> for KeyFormFallback {
    type Response = Response;
    type Error = Infallible;
    type Future = RouteFuture<Infallible>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        if let Some(uri) = rewrite_uri(request.uri()) {
            *request.uri_mut() = uri;
        }
        self.routed.call(request)
    }
}

fn openapi(yaml: &'static str) -> ([(http::HeaderName, HeaderValue); 1], &'static str) {
    (
        [(CONTENT_TYPE, HeaderValue::from_static("application/yaml"))],
        yaml,
    )
}

pub(super) async fn not_found(OriginalUri(uri): OriginalUri) -> Rejection {
    Rejection::resource_not_found(Some(uri.path()))
}

async fn method_not_allowed(method: Method) -> Rejection {
    Rejection::method_not_allowed(Some(&method))
}
