//! The baseline of the runtime benchmarks: a hand-written axum app storing photos in a map, with
//! no authentication, validation or request ids, answering the emulator's own metadata JSON and
//! ETag. Shared by `benches/runtime.rs` and `examples/metadata_cost.rs`, so both measure against
//! the same server.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::extract::{DefaultBodyLimit, Path as UrlPath, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use http::header::{CONTENT_TYPE, ETAG};
use http::{HeaderValue, StatusCode};
use photo_api::models::ProfilePhoto;

/// The largest request body the baseline accepts (Graph v1.0's 4 MiB, as the emulator).
pub const MAX_BODY: usize = 4 * 1024 * 1024;
/// The user `/me` is, in the in-process emulator and so in the baseline.
pub const ME: &str = "bench-user";

/// The baseline server: a hand-written axum app storing photos in a map, with no
/// authentication, validation or request ids. The metadata is the emulator's, copied in.
#[derive(Clone, Default)]
pub struct Baseline {
    photos: Arc<Mutex<HashMap<String, Bytes>>>,
    metadata: Arc<Mutex<HashMap<String, (HeaderValue, ProfilePhoto)>>>,
}

impl Baseline {
    pub fn router(&self) -> Router {
        Router::new()
            .route("/v1.0/me/photo", get(baseline_metadata))
            .route(
                "/v1.0/me/photo/$value",
                get(baseline_get_me).put(baseline_put_me),
            )
            .route(
                "/v1.0/users/{user}/photo/$value",
                get(baseline_get_user).put(baseline_put_user),
            )
            .layer(DefaultBodyLimit::max(MAX_BODY))
            .with_state(self.clone())
    }

    fn put(&self, owner: String, body: Bytes) -> StatusCode {
        self.photos
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(owner, body);
        StatusCode::OK
    }

    fn get(&self, owner: &str) -> Response {
        let photo = self
            .photos
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(owner)
            .cloned();
        match photo {
            Some(bytes) => ([(CONTENT_TYPE, "image/jpeg")], bytes).into_response(),
            None => StatusCode::NOT_FOUND.into_response(),
        }
    }
}

async fn baseline_put_me(State(state): State<Baseline>, body: Bytes) -> StatusCode {
    state.put(ME.to_owned(), body)
}

async fn baseline_get_me(State(state): State<Baseline>) -> Response {
    state.get(ME)
}

async fn baseline_put_user(
    State(state): State<Baseline>,
    UrlPath(user): UrlPath<String>,
    body: Bytes,
) -> StatusCode {
    state.put(user, body)
}

async fn baseline_get_user(
    State(state): State<Baseline>,
    UrlPath(user): UrlPath<String>,
) -> Response {
    state.get(&user)
}

async fn baseline_metadata(State(state): State<Baseline>) -> Response {
    let entry = state
        .metadata
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(ME)
        .cloned();
    match entry {
        Some((etag, photo)) => match serde_json::to_vec(&photo) {
            Ok(json) => (
                [
                    (CONTENT_TYPE, HeaderValue::from_static("application/json")),
                    (ETAG, etag),
                ],
                json,
            )
                .into_response(),
            Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        },
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

impl Baseline {
    /// Makes the baseline answer `GET /v1.0/me/photo` for `owner` with this ETag and entity.
    pub fn set_metadata(&self, owner: &str, etag: HeaderValue, entity: ProfilePhoto) {
        self.metadata
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(owner.to_owned(), (etag, entity));
    }
}
