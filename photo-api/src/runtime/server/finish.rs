//! [`finish`]: what every generated router gets around its routes.

use axum::Router;
use axum::extract::OriginalUri;
use axum::routing::get;
use http::header::CONTENT_TYPE;
use http::{HeaderValue, Method, StatusCode};
use tower::Layer;

use super::layer::GraphLayer;
use super::rejection::{Rejection, excerpt};

/// How much of an unknown path a 404 message repeats.
const PATH_ECHO_LIMIT: usize = 200;

/// Completes a generated router: serves `openapi_yaml` at `GET /openapi.yaml`; answers unknown
/// paths with `404` and unsupported methods with `405` (with `Allow`), both as Graph error JSON;
/// gives every response a `request-id` (and echoes `client-request-id`); rewrites key-form
/// segments such as `/users('$x@contoso.com')` to `/users/%24x%40contoso%2Ecom` before routing;
/// and drains (bounded) a request body a refusal left unread, so an uploading client receives the
/// refusal instead of a reset connection.
///
/// Call it once, after all routes are added (the 405 handler is attached to existing routes).
/// Panics, as axum does for any conflicting route, if `router` already routes `/openapi.yaml`.
pub fn finish(router: Router, openapi_yaml: &'static str) -> Router {
    let routed = router
        .route(
            "/openapi.yaml",
            get(move || async move { openapi(openapi_yaml) }),
        )
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found);
    // Middleware added with `Router::layer` runs after routing; the key-form rewrite must run
    // before it, so the layered router becomes the whole of an outer router.
    Router::new().fallback_service(GraphLayer.layer(routed))
}

fn openapi(yaml: &'static str) -> ([(http::HeaderName, HeaderValue); 1], &'static str) {
    (
        [(CONTENT_TYPE, HeaderValue::from_static("application/yaml"))],
        yaml,
    )
}

async fn not_found(OriginalUri(uri): OriginalUri) -> Rejection {
    not_found_rejection(Some(uri.path()))
}

async fn method_not_allowed(method: Method) -> Rejection {
    method_not_allowed_rejection(Some(&method))
}

/// The `404` for a path no route matches.
pub(crate) fn not_found_rejection(path: Option<&str>) -> Rejection {
    let message = match path {
        Some(path) => format!(
            "Resource not found for the path '{}'.",
            excerpt(path, PATH_ECHO_LIMIT)
        ),
        None => "Resource not found for the request URI.".to_owned(),
    };
    Rejection::new(StatusCode::NOT_FOUND, "Request_ResourceNotFound", message)
}

/// The `405` for a method the matched path does not support.
pub(crate) fn method_not_allowed_rejection(method: Option<&Method>) -> Rejection {
    let message = match method {
        Some(method) => format!("The HTTP method '{method}' is not allowed for the request URI."),
        None => "The HTTP method is not allowed for the request URI.".to_owned(),
    };
    Rejection::new(StatusCode::METHOD_NOT_ALLOWED, "MethodNotAllowed", message)
}
