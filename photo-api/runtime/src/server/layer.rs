//! The middleware [`finish`](super::finish) puts around every route and the fallbacks: request
//! ids, Graph-shaped bodies for bare 404/405 answers, a `500` instead of a dropped connection
//! should a handler panic, and a request body that drains itself when a refusal leaves it unread
//! (see [`LingeringBody`]).
//!
//! It is a plain tower service rather than `axum::middleware::from_fn`, which boxes the inner
//! service and two futures per request; this boxes none (axum boxes each route's future).

use std::any::Any;
use std::convert::Infallible;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, ready};

use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use futures_util::FutureExt;
use futures_util::future::CatchUnwind;
use http::StatusCode;
use http::header::{ALLOW, CONTENT_TYPE, HOST};
use pin_project_lite::pin_project;
use tokio::task::futures::TaskLocalFuture;
use tower::{Layer, Service};
use tracing::Instrument;
use tracing::instrument::Instrumented;

use super::ids::{CLIENT_REQUEST_ID, REQUEST_ID, RequestIds, RequestScope};
use super::linger::LingeringBody;
use super::rejection::Rejection;

/// Wraps a route in [`GraphService`].
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct GraphLayer;

impl<S> Layer<S> for GraphLayer {
    type Service = GraphService<S>;

    fn layer(&self, inner: S) -> GraphService<S> {
        GraphService { inner }
    }
}

/// Assigns the request's ids, runs the route and stamps the ids on whatever comes back.
#[derive(Clone, Debug)]
pub(crate) struct GraphService<S> {
    inner: S,
}

impl<S> Service<Request> for GraphService<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = GraphFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let mut request = request;
        // A body already at its end (a GET) has nothing a refusal could leave unread.
        if !http_body::Body::is_end_stream(request.body()) {
            let (mut parts, body) = request.into_parts();
            let body = LingeringBody::new(body);
            // The body reader gives a stalled body up through this handle (see `AbandonBody`).
            parts.extensions.insert(body.abandon_handle());
            request = Request::from_parts(parts, Body::new(body));
        }
        let ids = RequestIds::assign(request.headers());
        let scope = Arc::new(RequestScope {
            ids,
            host: request.headers().get(HOST).cloned(),
            uri: request.uri().clone(),
            api_version: OnceLock::new(),
        });
        // Only when a subscriber wants it: a disabled span still records its fields.
        let span = if tracing::enabled!(tracing::Level::INFO) {
            tracing::info_span!("request", request_id = %scope.ids.request_id, method = %request.method())
        } else {
            tracing::Span::none()
        };
        // The inner service was made ready by `poll_ready`; calling it here rather than in the
        // future spares cloning it. A panic while calling it or while polling its future is
        // caught either way.
        let state = match std::panic::catch_unwind(AssertUnwindSafe(|| self.inner.call(request))) {
            Ok(future) => Outcome::Running {
                running: Arc::clone(&scope)
                    .run(AssertUnwindSafe(future).catch_unwind())
                    .instrument(span),
            },
            Err(panic) => Outcome::Panicked { panic: Some(panic) },
        };
        GraphFuture { state, scope }
    }
}

pin_project! {
    /// The future of [`GraphService`]: the route's response, or the `500` for its panic, with
    /// the request's ids stamped on.
    ///
    /// A named type rather than a boxed future: axum boxes each route's future already, and a
    /// second box cost an allocation and a copy of the whole future per request.
    pub(crate) struct GraphFuture<F> {
        #[pin]
        state: Outcome<F>,
        scope: Arc<RequestScope>,
    }
}

pin_project! {
    #[project = OutcomeProjection]
    enum Outcome<F> {
        /// The route's future, run with the request's scope as the task's current one.
        Running {
            #[pin]
            running: Instrumented<TaskLocalFuture<Arc<RequestScope>, CatchUnwind<AssertUnwindSafe<F>>>>,
        },
        /// Calling the route panicked (taken when answered).
        Panicked { panic: Option<Box<dyn Any + Send>> },
    }
}

impl<F> Future for GraphFuture<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let outcome = match this.state.project() {
            OutcomeProjection::Running { running } => ready!(running.poll(cx)),
            // A call that panicked and is polled again after answering (which no caller does)
            // answers another `500`.
            OutcomeProjection::Panicked { panic } => Err(panic
                .take()
                .unwrap_or_else(|| Box::new("polled after it answered"))),
        };
        Poll::Ready(Ok(finish_response(outcome, &this.scope.ids)))
    }
}

/// The response to send: the route's, a `500` if it panicked, Graph's JSON for a bare
/// 404/405, with the request's ids stamped on.
fn finish_response(
    outcome: Result<Result<Response, Infallible>, Box<dyn Any + Send>>,
    ids: &RequestIds,
) -> Response {
    let mut response = match outcome {
        Ok(Ok(response)) => response,
        Ok(Err(never)) => match never {},
        Err(_) => {
            tracing::error!(request_id = %ids.request_id, "a handler panicked");
            Rejection::internal("The server failed while handling the request.")
                .into_response_for(ids)
        }
    };
    if let Some(rejection) = bare_routing_error(&response) {
        let allow = response.headers().get(ALLOW).cloned();
        response = rejection.into_response_for(ids);
        if let Some(allow) = allow {
            response.headers_mut().insert(ALLOW, allow);
        }
    }
    stamp(&mut response, ids);
    response
}

/// A Graph error for a body-less 404/405 a route produced on its own (for example a nested
/// router with its own defaults), so every error carries Graph's JSON.
fn bare_routing_error(response: &Response) -> Option<Rejection> {
    if response.headers().contains_key(CONTENT_TYPE) {
        return None;
    }
    match response.status() {
        StatusCode::NOT_FOUND => Some(Rejection::resource_not_found(None)),
        StatusCode::METHOD_NOT_ALLOWED => Some(Rejection::method_not_allowed(None)),
        _ => None,
    }
}

fn stamp(response: &mut Response, ids: &RequestIds) {
    let (request_id, client_request_id) = ids.header_values();
    let headers = response.headers_mut();
    if let Some(value) = request_id {
        headers.insert(REQUEST_ID, value);
    }
    if let Some(value) = client_request_id {
        headers.insert(CLIENT_REQUEST_ID, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower::ServiceExt;

    fn request() -> Request {
        Request::builder()
            .uri("/v1.0/me/photo")
            .header("client-request-id", "c-1")
            .body(Body::empty())
            .expect("request")
    }

    #[tokio::test]
    async fn a_route_that_panics_when_called_is_a_500_with_the_ids() {
        let route = tower::service_fn(
            |_: Request| -> std::future::Ready<Result<Response, Infallible>> {
                panic!("a bug while calling the route")
            },
        );
        let response = GraphLayer.layer(route).oneshot(request()).await;
        let Ok(response) = response;
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
        assert_eq!(response.headers()[CLIENT_REQUEST_ID], "c-1");
        let request_id = response.headers()[REQUEST_ID].to_str().expect("ASCII");
        assert!(crate::server::ids::is_guid(request_id), "{request_id}");
    }

    #[tokio::test]
    async fn the_route_answers_under_the_request_scope_and_gets_the_ids_stamped() {
        let route = tower::service_fn(|_: Request| async {
            let seen = RequestIds::current().map(|ids| ids.client_request_id);
            let mut response = Response::new(Body::empty());
            if seen == Some(Some(Arc::from("c-1"))) {
                *response.status_mut() = StatusCode::NO_CONTENT;
            }
            Ok::<_, Infallible>(response)
        });
        let Ok(response) = GraphLayer.layer(route).oneshot(request()).await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        assert_eq!(response.headers()[CLIENT_REQUEST_ID], "c-1");
        assert!(response.headers().contains_key(REQUEST_ID));
    }
}
