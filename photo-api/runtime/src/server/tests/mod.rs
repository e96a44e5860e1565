//! The server runtime exercised the way generated code uses it: a real axum router whose
//! hand-written handlers mirror the generated ones, finished with [`finish`], driven by `oneshot`.

mod auth;
mod body;
mod routing;
mod shared_routes;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, put};
use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use http_body_util::BodyExt;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Deserialize;
use serde_json::{Value, json};
use tower::ServiceExt;

use super::{Incoming, JwtAuthorizer, Rejection, ServerConfig, finish, json_response};
use crate::operation::{
    BodyKind, HttpMethod, OperationSpec, RequestBodySpec, SecurityAlternative, SecuritySchemeSpec,
    TokenKind,
};

const SECRET: &[u8] = b"a test secret that is long enough";
const SPEC: &str = "openapi: 3.0.3\ninfo:\n  title: test\n";
const LIMIT: u64 = 4096;

static WORK: SecuritySchemeSpec = SecuritySchemeSpec {
    name: "delegatedWork",
    kind: TokenKind::DelegatedWork,
};
static PERSONAL: SecuritySchemeSpec = SecuritySchemeSpec {
    name: "delegatedPersonal",
    kind: TokenKind::DelegatedPersonal,
};
static APP: SecuritySchemeSpec = SecuritySchemeSpec {
    name: "application",
    kind: TokenKind::Application,
};

static SET_PHOTO: OperationSpec = OperationSpec {
    id: "setUserPhotoContent",
    method: HttpMethod::Put,
    path: "/users/{user-id}/photo/$value",
    security: &[
        SecurityAlternative {
            scheme: &WORK,
            scopes: &["User.ReadWrite.All"],
        },
        SecurityAlternative {
            scheme: &APP,
            scopes: &["User.ReadWrite.All"],
        },
    ],
    security_by_version: &[],
    unsupported_schemes: &[&PERSONAL],
    request_body: Some(RequestBodySpec {
        kind: BodyKind::Binary,
        media_types: &["image/jpeg"],
        required: true,
    }),
};

static GET_PHOTO: OperationSpec = OperationSpec {
    id: "getUserPhoto",
    method: HttpMethod::Get,
    path: "/users/{user-id}/photo",
    security: &[
        SecurityAlternative {
            scheme: &WORK,
            scopes: &["User.Read.All"],
        },
        SecurityAlternative {
            scheme: &PERSONAL,
            scopes: &["User.Read"],
        },
        SecurityAlternative {
            scheme: &APP,
            scopes: &["User.Read.All"],
        },
    ],
    security_by_version: &[],
    unsupported_schemes: &[],
    request_body: None,
};

static UPDATE_USER_PHOTO: OperationSpec = OperationSpec {
    id: "updateUserPhoto",
    method: HttpMethod::Patch,
    path: "/users/{user-id}/photo",
    security: &[],
    security_by_version: &[],
    unsupported_schemes: &[&WORK, &PERSONAL, &APP],
    request_body: Some(RequestBodySpec {
        kind: BodyKind::Json,
        media_types: &["application/json"],
        required: true,
    }),
};

static UPDATE_GROUP_PHOTO: OperationSpec = OperationSpec {
    id: "updateGroupPhoto",
    method: HttpMethod::Patch,
    path: "/groups/{group-id}/photo",
    security: &[SecurityAlternative {
        scheme: &WORK,
        scopes: &["Group.ReadWrite.All"],
    }],
    security_by_version: &[],
    unsupported_schemes: &[],
    request_body: Some(RequestBodySpec {
        kind: BodyKind::Json,
        media_types: &["application/json"],
        required: true,
    }),
};

/// The test API: handlers shaped like the generated ones.
fn app() -> Router {
    let config = ServerConfig::new(JwtAuthorizer::hs256(SECRET)).with_max_request_bytes(LIMIT);
    let router = Router::new()
        .route("/users/{user_id}/photo/$value", put(set_photo))
        .route(
            "/users/{user_id}/photo",
            get(get_photo).patch(update_user_photo),
        )
        .route("/groups/{group_id}/photo", patch(update_group_photo))
        .route("/panic", get(panics))
        .with_state(config);
    finish(router, SPEC)
}

async fn panics() -> StatusCode {
    panic!("a handler bug")
}

async fn set_photo(State(config): State<ServerConfig>, request: Request) -> Response {
    let result = async {
        let mut incoming = Incoming::accept(&config, &SET_PHOTO, request).await?;
        let user: String = incoming.path("user_id")?;
        let body = incoming.binary()?;
        let media_type = body.media_type().to_owned();
        let bytes = body.bytes().await?;
        let context = incoming.context();
        let echo = json!({
            "user": user,
            "len": bytes.len(),
            "mediaType": media_type,
            "requestId": &*context.request_id,
            "clientRequestId": context.client_request_id.as_deref(),
            "subject": context.principal.subject,
        });
        Ok::<_, Rejection>(json_response(StatusCode::OK, &echo, []))
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

async fn get_photo(State(config): State<ServerConfig>, request: Request) -> Response {
    let result = async {
        let incoming = Incoming::accept(&config, &GET_PHOTO, request).await?;
        let echo = json!({
            "user": incoming.path::<String>("user_id")?,
            "select": incoming.query_list::<String>("$select")?,
            "top": incoming.query::<i32>("top")?,
            "ifNoneMatch": incoming.header::<String>("If-None-Match")?,
        });
        Ok::<_, Rejection>(json_response(
            StatusCode::OK,
            &echo,
            [("ETag", Some("\"v1\"".into()))],
        ))
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

async fn update_user_photo(State(config): State<ServerConfig>, request: Request) -> Response {
    let result = async {
        let mut incoming = Incoming::accept(&config, &UPDATE_USER_PHOTO, request).await?;
        let update: PhotoUpdate = incoming.json().await?;
        Ok::<_, Rejection>(json_response(StatusCode::OK, &update.height, []))
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

async fn update_group_photo(State(config): State<ServerConfig>, request: Request) -> Response {
    let result = async {
        let mut incoming = Incoming::accept(&config, &UPDATE_GROUP_PHOTO, request).await?;
        let group: String = incoming.path("group_id")?;
        let update: PhotoUpdate = incoming.json().await?;
        let echo = json!({ "group": group, "height": update.height, "width": update.width });
        Ok::<_, Rejection>(json_response(StatusCode::OK, &echo, []))
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

#[derive(Debug, Deserialize)]
struct PhotoUpdate {
    height: Option<i32>,
    width: Option<i32>,
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// An HS256 token with `claims`, signed with `secret`.
fn signed(claims: &Value, secret: &[u8]) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret),
    )
    .expect("test token")
}

/// A valid work-account token granting `scp`.
fn work_token(scp: &str) -> String {
    signed(
        &json!({"oid": "user-1", "tid": "tenant-1", "scp": scp,
                "aud": "https://graph.microsoft.com", "exp": now() + 3600}),
        SECRET,
    )
}

/// A valid application token granting `roles`.
fn app_token(roles: &[&str]) -> String {
    signed(
        &json!({"oid": "app-1", "tid": "tenant-1", "roles": roles,
                "aud": "00000003-0000-0000-c000-000000000000", "exp": now() + 3600}),
        SECRET,
    )
}

/// A request builder with `Authorization: Bearer <token>`.
fn authorized(method: &str, uri: &str, token: &str) -> http::request::Builder {
    Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", format!("Bearer {token}"))
}

/// A JPEG-typed upload of `body` as `token`.
fn upload(uri: &str, token: &str, body: impl Into<Body>) -> Request {
    authorized("PUT", uri, token)
        .header("content-type", "image/jpeg")
        .body(body.into())
        .expect("test request")
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }

    /// Checks the Graph error shape, that `innerError.request-id` is the `request-id` header,
    /// and the status and code; returns the message.
    fn graph_error(&self, status: StatusCode, code: &str) -> String {
        assert_eq!(
            self.status,
            status,
            "body: {}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(self.headers["content-type"], "application/json");
        let body = self.json();
        let error = &body["error"];
        assert_eq!(error["code"], code, "{body}");
        let request_id = self.headers["request-id"]
            .to_str()
            .expect("ASCII request-id");
        assert_eq!(error["innerError"]["request-id"], request_id);
        assert_eq!(request_id.len(), 36, "a UUID");
        assert!(
            error["innerError"]["date"]
                .as_str()
                .is_some_and(|date| date.len() == 19)
        );
        error["message"].as_str().expect("message").to_owned()
    }
}

async fn send(request: Request) -> Answer {
    send_to(app(), request).await
}

async fn send_to(app: Router, request: Request) -> Answer {
    let response = app
        .oneshot(request)
        .await
        .expect("the router is infallible");
    let (parts, body) = response.into_parts();
    let body = body.collect().await.expect("response body").to_bytes();
    Answer {
        status: parts.status,
        headers: parts.headers,
        body,
    }
}

/// A body of `count` chunks of `size` bytes, with no declared length, counting chunks pulled.
fn counted_chunks(count: usize, size: usize) -> (Body, Arc<AtomicUsize>) {
    use futures_util::StreamExt;
    let pulled = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&pulled);
    let stream = futures_util::stream::iter(0..count).map(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
        Ok::<_, std::io::Error>(Bytes::from(vec![0xFF; size]))
    });
    (Body::from_stream(stream), pulled)
}
