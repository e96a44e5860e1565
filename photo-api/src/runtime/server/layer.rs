//! The middleware [`finish`](super::finish) puts in front of the router: request ids, the key-form
//! rewrite, Graph-shaped bodies for the router's own 404/405, a `500` instead of a dropped
//! connection should a handler panic, and a request body that drains itself when a refusal leaves
//! it unread (see [`LingeringBody`]).

use std::panic::AssertUnwindSafe;

use axum::body::Body;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use futures_util::FutureExt;
use http::StatusCode;
use http::header::{ALLOW, CONTENT_TYPE};
use tracing::Instrument;

use super::ids::{CLIENT_REQUEST_ID, REQUEST_ID, RequestIds};
use super::keyform::rewrite_uri;
use super::linger::LingeringBody;
use super::rejection::Rejection;

/// Assigns the request's ids, rewrites key-form paths, runs the router and stamps the ids on
/// whatever comes back.
pub(crate) async fn graph_layer(request: Request, next: Next) -> Response {
    let mut request = request.map(|body| Body::new(LingeringBody::new(body)));
    let ids = RequestIds::assign(request.headers());
    request.extensions_mut().insert(ids.clone());
    if let Some(uri) = rewrite_uri(request.uri()) {
        *request.uri_mut() = uri;
    }
    let span =
        tracing::info_span!("request", request_id = %ids.request_id, method = %request.method());
    let run = AssertUnwindSafe(next.run(request)).catch_unwind();
    let outcome = ids.clone().scope(run).instrument(span).await;
    let mut response = match outcome {
        Ok(response) => response,
        Err(_) => {
            tracing::error!(request_id = %ids.request_id, "a handler panicked");
            Rejection::internal("The server failed while handling the request.")
                .into_response_for(&ids)
        }
    };
    if let Some(rejection) = bare_routing_error(&response) {
        let allow = response.headers().get(ALLOW).cloned();
        response = rejection.into_response_for(&ids);
        if let Some(allow) = allow {
            response.headers_mut().insert(ALLOW, allow);
        }
    }
    stamp(&mut response, &ids);
    response
}

/// A Graph error for a body-less 404/405 the router produced on its own (for example from a
/// nested router with its own defaults), so every error carries Graph's JSON.
fn bare_routing_error(response: &Response) -> Option<Rejection> {
    if response.headers().contains_key(CONTENT_TYPE) {
        return None;
    }
    match response.status() {
        StatusCode::NOT_FOUND => Some(super::finish::not_found_rejection(None)),
        StatusCode::METHOD_NOT_ALLOWED => Some(super::finish::method_not_allowed_rejection(None)),
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
