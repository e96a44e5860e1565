//! End-to-end tests of `Client::send` against a scripted local server on 127.0.0.1.

use std::io;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::stream;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use uuid::Uuid;

use super::preflight::tests::jwt;
use super::*;
use crate::operation::{
    BodyKind, HttpMethod, OperationSpec, RequestBodySpec, SecurityAlternative, SecuritySchemeSpec,
    TokenKind,
};
use crate::path::PathBuilder;

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

static GET_USER_PHOTO: OperationSpec = OperationSpec {
    id: "getUserPhoto",
    method: HttpMethod::Get,
    path: "/users/{user-id}/photo",
    security: &[SecurityAlternative {
        scheme: &WORK,
        scopes: &["ProfilePhoto.Read.All"],
    }],
    security_by_version: &[],
    unsupported_schemes: &[&PERSONAL],
    request_body: None,
};
static SET_MY_PHOTO: OperationSpec = OperationSpec {
    id: "setMyPhotoContent",
    method: HttpMethod::Put,
    path: "/me/photo/$value",
    security: &[
        SecurityAlternative {
            scheme: &WORK,
            scopes: &["User.ReadWrite"],
        },
        SecurityAlternative {
            scheme: &WORK,
            scopes: &["User.ReadWrite.All"],
        },
    ],
    security_by_version: &[],
    unsupported_schemes: &[&PERSONAL, &APP],
    request_body: Some(RequestBodySpec {
        kind: BodyKind::Binary,
        media_types: &["image/jpeg"],
        required: true,
    }),
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

const JPEG: &[u8] = b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x02\x03\x04\x05"; // 16 bytes
const PNG: &[u8] = b"\x89PNG\r\n\x1A\n\x00\x00\x00\x0DIHDR";

/// What the server saw of one request.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    uri: String,
    headers: HeaderMap,
    body: Bytes,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}

type Script = dyn Fn(usize, &Seen) -> Response + Send + Sync;

#[derive(Clone)]
struct ServerState {
    seen: Arc<Mutex<Vec<Seen>>>,
    script: Arc<Script>,
}

/// A local server answering the n-th request (from 0) with `script(n, request)`.
struct TestServer {
    base: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl TestServer {
    async fn start(script: impl Fn(usize, &Seen) -> Response + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let state = ServerState {
            seen: Arc::clone(&seen),
            script: Arc::new(script),
        };
        let app = Router::new().fallback(record).with_state(state);
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            base: format!("http://{addr}/v1.0"),
            seen,
        }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

async fn record(State(state): State<ServerState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let seen = Seen {
        method: parts.method.to_string(),
        uri: parts.uri.to_string(),
        headers: parts.headers,
        body,
    };
    let index = {
        let mut all = state.seen.lock().unwrap_or_else(PoisonError::into_inner);
        all.push(seen.clone());
        all.len() - 1
    };
    (state.script)(index, &seen)
}

fn graph_error(
    status: StatusCode,
    code: &str,
    headers: &[(&'static str, &'static str)],
) -> Response {
    let body = json!({"error": {"code": code, "message": "scripted", "innerError": {"request-id": "r-body"}}});
    let mut response = (status, axum::Json(body)).into_response();
    for (name, value) in headers {
        response
            .headers_mut()
            .insert(*name, axum::http::HeaderValue::from_static(value));
    }
    response
}

fn ok_json() -> Response {
    axum::Json(json!({"id": "default", "height": 96, "width": 96})).into_response()
}

fn redirect(status: StatusCode, location: String) -> Response {
    (status, [("location", location)]).into_response()
}

fn client(server: &TestServer) -> ClientBuilder {
    Client::builder()
        .base_url(&server.base)
        .static_token("t0ken")
        .timeout(Duration::from_secs(5))
        .retry(RetryPolicy {
            base_delay: Duration::from_millis(10),
            ..RetryPolicy::default()
        })
}

fn user_photo(user: &str) -> ApiRequest {
    ApiRequest::new(
        &GET_USER_PHOTO,
        PathBuilder::new()
            .literal("users")
            .key(user)
            .literal("photo"),
    )
}

fn my_photo_upload(upload: Upload) -> ApiRequest {
    ApiRequest::new(
        &SET_MY_PHOTO,
        PathBuilder::new()
            .literal("me")
            .literal("photo")
            .literal("$value"),
    )
    .upload(upload)
}

#[tokio::test]
async fn a_subscriber_gets_a_span_per_call_with_its_client_request_id() {
    let server = TestServer::start(|_, _| ok_json()).await;
    let client = client(&server).build().expect("client");
    let recorder = crate::span_recorder::SpanRecorder::default();
    let _recording = recorder.start();
    let response = client
        .send(user_photo("ada@contoso.com"))
        .await
        .expect("response");
    assert_eq!(
        recorder
            .field("photo_api.send", "client_request_id")
            .as_deref(),
        Some(response.client_request_id())
    );
    assert_eq!(
        recorder.field("photo_api.send", "operation").as_deref(),
        Some("getUserPhoto")
    );
}

#[tokio::test]
async fn a_429_with_retry_after_zero_is_retried_with_the_same_request_id() {
    let server = TestServer::start(|n, _| match n {
        0 => graph_error(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequests",
            &[("retry-after", "0")],
        ),
        _ => ok_json(),
    })
    .await;
    let client = client(&server).build().expect("client");
    let response = client
        .send(user_photo("ada@contoso.com"))
        .await
        .expect("response");
    assert_eq!(response.status(), 200);
    let id = response.client_request_id().to_owned();
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["id"], "default");

    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].header("client-request-id"), Some(id.as_str()));
    assert_eq!(seen[1].header("client-request-id"), Some(id.as_str()));
    assert!(Uuid::parse_str(&id).is_ok(), "{id}");
    assert_eq!(seen[0].header("retry-attempt"), None);
    assert_eq!(seen[1].header("retry-attempt"), Some("1"));
    for request in &seen {
        assert_eq!(request.header("authorization"), Some("Bearer t0ken"));
        assert!(
            request
                .header("user-agent")
                .is_some_and(|ua| ua.starts_with("photo-api/"))
        );
        assert_eq!(request.method, "GET");
    }
}

#[tokio::test]
async fn a_503_without_retry_after_backs_off_then_gives_up() {
    let server = TestServer::start(|_, _| {
        graph_error(StatusCode::SERVICE_UNAVAILABLE, "ServiceUnavailable", &[])
    })
    .await;
    let policy = RetryPolicy {
        max_retries: 2,
        base_delay: Duration::from_millis(40),
        max_total_delay: Duration::from_secs(5),
    };
    let client = client(&server).retry(policy).build().expect("client");
    let started = Instant::now();
    let response = client
        .send(user_photo("ada@contoso.com"))
        .await
        .expect("response");
    let elapsed = started.elapsed();
    assert_eq!(response.status(), 503);
    // Backoff waits at least half the nominal delay: 20 ms, then 40 ms.
    assert!(elapsed >= Duration::from_millis(60), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    let seen = server.seen();
    assert_eq!(seen.len(), 3);
    let attempts: Vec<_> = seen.iter().map(|s| s.header("retry-attempt")).collect();
    assert_eq!(attempts, [None, Some("1"), Some("2")]);

    let error = response.into_error().await;
    let graph = error.graph().expect("a Graph error");
    assert_eq!(graph.status, 503);
    assert_eq!(graph.code.as_deref(), Some("ServiceUnavailable"));
    assert_eq!(graph.request_id.as_deref(), Some("r-body"));
    assert_eq!(
        graph.client_request_id.as_deref(),
        seen[0].header("client-request-id")
    );
}

#[tokio::test]
async fn a_wait_past_the_total_limit_is_not_made() {
    let server = TestServer::start(|_, _| {
        graph_error(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequests",
            &[("retry-after", "3600")],
        )
    })
    .await;
    let client = client(&server).build().expect("client");
    let response = client
        .send(user_photo("ada@contoso.com"))
        .await
        .expect("response");
    assert_eq!(response.status(), 429);
    assert_eq!(server.seen().len(), 1);
    let error = response.into_error().await;
    assert_eq!(
        error.graph().and_then(|g| g.retry_after),
        Some(Duration::from_secs(3600))
    );
}

#[tokio::test]
async fn a_streamed_upload_is_not_retried() {
    let server = TestServer::start(|_, _| {
        graph_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailable",
            &[("retry-after", "0")],
        )
    })
    .await;
    let client = client(&server).build().expect("client");
    let parts = vec![
        Ok::<_, io::Error>(Bytes::from_static(&JPEG[..4])),
        Ok(Bytes::from_static(&JPEG[4..])),
    ];
    let upload = Upload::from_stream(
        stream::iter(parts),
        Some(JPEG.len() as u64),
        "image/jpeg",
        1024,
    );
    assert!(!upload.is_replayable());
    let response = client
        .send(my_photo_upload(upload))
        .await
        .expect("response");
    assert_eq!(response.status(), 503);
    let seen = server.seen();
    assert_eq!(seen.len(), 1, "a spent stream cannot be sent again");
    assert_eq!(seen[0].body.as_ref(), JPEG);
    assert_eq!(seen[0].header("content-type"), Some("image/jpeg"));
    assert_eq!(seen[0].header("content-length"), Some("16"));
}

#[tokio::test]
async fn a_replayable_upload_is_resent_on_retry() {
    let server = TestServer::start(|n, _| match n {
        0 => graph_error(
            StatusCode::GATEWAY_TIMEOUT,
            "GatewayTimeout",
            &[("retry-after", "0")],
        ),
        _ => StatusCode::OK.into_response(),
    })
    .await;
    let client = client(&server).build().expect("client");
    let upload = Upload::from_bytes(JPEG, "image/jpeg", 1024).expect("upload");
    let response = client
        .send(my_photo_upload(upload))
        .await
        .expect("response");
    assert_eq!(response.status(), 200);
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert!(
        seen.iter()
            .all(|s| s.body.as_ref() == JPEG && s.method == "PUT")
    );
}

#[tokio::test]
async fn a_redirect_to_another_origin_drops_authorization() {
    let other = TestServer::start(|_, _| StatusCode::OK.into_response()).await;
    let other_url = format!("{}/elsewhere", other.base);
    let server = TestServer::start(move |n, _| match n {
        // Same origin first: the token may follow.
        0 => redirect(StatusCode::TEMPORARY_REDIRECT, "/v1.0/moved".to_owned()),
        _ => redirect(StatusCode::TEMPORARY_REDIRECT, other_url.clone()),
    })
    .await;
    let client = client(&server).build().expect("client");
    let upload = Upload::from_bytes(JPEG, "image/jpeg", 1024).expect("upload");
    let response = client
        .send(my_photo_upload(upload))
        .await
        .expect("response");
    assert_eq!(response.status(), 200);

    let here = server.seen();
    let there = other.seen();
    assert_eq!((here.len(), there.len()), (2, 1));
    assert_eq!(here[1].uri, "/v1.0/moved");
    assert_eq!(here[1].header("authorization"), Some("Bearer t0ken"));
    assert_eq!(
        there[0].header("authorization"),
        None,
        "a different port is a different origin"
    );
    assert_eq!(there[0].uri, "/v1.0/elsewhere");
    // 307 keeps the method and the body; the request id stays the same.
    assert_eq!(there[0].method, "PUT");
    assert_eq!(there[0].body.as_ref(), JPEG);
    assert_eq!(
        there[0].header("client-request-id"),
        here[0].header("client-request-id")
    );
}

#[tokio::test]
async fn a_303_turns_into_a_get_without_body() {
    let server = TestServer::start(|n, _| match n {
        0 => redirect(StatusCode::SEE_OTHER, "/v1.0/result".to_owned()),
        _ => ok_json(),
    })
    .await;
    let client = client(&server).build().expect("client");
    let upload = Upload::from_bytes(JPEG, "image/jpeg", 1024).expect("upload");
    let response = client
        .send(my_photo_upload(upload))
        .await
        .expect("response");
    assert_eq!(response.status(), 200);
    let seen = server.seen();
    assert_eq!(seen[1].method, "GET");
    assert!(seen[1].body.is_empty());
    assert_eq!(seen[1].header("content-type"), None);
}

#[tokio::test]
async fn redirect_loops_stop_at_the_limit() {
    let server =
        TestServer::start(|_, _| redirect(StatusCode::FOUND, "/v1.0/again".to_owned())).await;
    let limited = client(&server).max_redirects(2).build().expect("client");
    let error = limited
        .send(user_photo("ada@contoso.com"))
        .await
        .expect_err("too many redirects");
    assert!(
        matches!(error, Error::TooManyRedirects { limit: 2, .. }),
        "{error:?}"
    );
    assert_eq!(server.seen().len(), 3);

    let no_follow = client(&server).max_redirects(0).build().expect("client");
    let response = no_follow
        .send(user_photo("ada@contoso.com"))
        .await
        .expect("the redirect itself");
    assert_eq!(response.status(), 302);
    assert_eq!(server.seen().len(), 4);
}

#[tokio::test]
async fn an_oversized_upload_is_refused_before_sending() {
    let server = TestServer::start(|_, _| StatusCode::OK.into_response()).await;
    let client = client(&server)
        .max_request_bytes(8)
        .build()
        .expect("client");
    let upload = Upload::from_bytes(JPEG, "image/jpeg", 1024).expect("upload");
    let error = client
        .send(my_photo_upload(upload))
        .await
        .expect_err("refused");
    assert_eq!(
        error.refusal(),
        Some(&Refusal::TooLarge { size: 16, limit: 8 })
    );
    assert!(server.seen().is_empty());
}

#[tokio::test]
async fn a_stream_growing_past_the_limit_fails_as_an_upload_error() {
    let server = TestServer::start(|_, _| StatusCode::OK.into_response()).await;
    let client = client(&server)
        .max_request_bytes(20)
        .build()
        .expect("client");
    let parts = vec![
        Ok::<_, io::Error>(Bytes::from_static(JPEG)),
        Ok(Bytes::from_static(JPEG)),
    ];
    let upload = Upload::from_stream(stream::iter(parts), None, "image/jpeg", 1024);
    let error = client
        .send(my_photo_upload(upload))
        .await
        .expect_err("too large");
    assert!(
        matches!(
            error,
            Error::Upload(PhotoError::TooLarge {
                size: 32,
                limit: 20
            })
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn preflight_names_the_least_privileged_missing_permission() {
    let server = TestServer::start(|_, _| StatusCode::OK.into_response()).await;
    let token = jwt(r#"{"scp":"User.Read openid","tid":"11111111-2222-3333-4444-555555555555"}"#);
    let client = client(&server)
        .static_token(token)
        .preflight(true)
        .build()
        .expect("client");
    let upload = Upload::from_bytes(JPEG, "image/jpeg", 1024).expect("upload");
    let error = client
        .send(my_photo_upload(upload))
        .await
        .expect_err("refused");
    assert_eq!(
        error.refusal(),
        Some(&Refusal::MissingPermission {
            operation: "setMyPhotoContent",
            kind: TokenKind::DelegatedWork,
            least_privileged: Some("User.ReadWrite".to_owned()),
            have: vec!["User.Read".to_owned(), "openid".to_owned()],
        })
    );
    assert!(error.to_string().contains("User.ReadWrite"), "{error}");

    let request = ApiRequest::new(
        &UPDATE_USER_PHOTO,
        PathBuilder::new()
            .literal("users")
            .key("a")
            .literal("photo"),
    )
    .json(&json!({"height": 99}))
    .expect("json body");
    let error = client.send(request).await.expect_err("refused");
    assert_eq!(
        error.refusal(),
        Some(&Refusal::NotAuthorizable {
            operation: "updateUserPhoto"
        })
    );
    assert!(server.seen().is_empty());
}

#[tokio::test]
async fn preflight_lets_a_sufficient_token_through() {
    let server = TestServer::start(|_, _| StatusCode::OK.into_response()).await;
    let token = jwt(r#"{"scp":"User.ReadWrite.All"}"#);
    let client = client(&server)
        .static_token(token)
        .preflight(true)
        .build()
        .expect("client");
    let upload = Upload::from_bytes(JPEG, "image/jpeg", 1024).expect("upload");
    let response = client.send(my_photo_upload(upload)).await.expect("sent");
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn wrong_photos_and_media_types_are_refused_locally() {
    let server = TestServer::start(|_, _| StatusCode::OK.into_response()).await;
    let client = client(&server).build().expect("client");
    assert!(matches!(
        Upload::from_bytes(PNG, "image/jpeg", 1024),
        Err(PhotoError::WrongMagic {
            media_type: "image/jpeg"
        })
    ));
    let png = Upload::from_bytes(PNG, "image/png", 1024).expect("a real PNG");
    let error = client
        .send(my_photo_upload(png))
        .await
        .expect_err("refused");
    assert!(
        matches!(error.refusal(), Some(Refusal::MediaType { given, accepted: ["image/jpeg"], .. }) if given == "image/png"),
        "{error:?}"
    );
    let bare = ApiRequest::new(
        &SET_MY_PHOTO,
        PathBuilder::new()
            .literal("me")
            .literal("photo")
            .literal("$value"),
    );
    let error = client.send(bare).await.expect_err("refused");
    assert_eq!(
        error.refusal(),
        Some(&Refusal::MissingBody {
            operation: "setMyPhotoContent"
        })
    );
    assert!(server.seen().is_empty());
}

#[tokio::test]
async fn a_stream_with_the_wrong_magic_fails_as_an_upload_error() {
    let server = TestServer::start(|_, _| StatusCode::OK.into_response()).await;
    let client = client(&server).build().expect("client");
    let parts = [Ok::<_, io::Error>(Bytes::from_static(PNG))];
    let upload = Upload::from_stream(stream::iter(parts), None, "image/jpeg", 1024);
    let error = client
        .send(my_photo_upload(upload))
        .await
        .expect_err("wrong magic");
    assert!(
        matches!(error, Error::Upload(PhotoError::WrongMagic { .. })),
        "{error:?}"
    );
}

#[tokio::test]
async fn keys_and_query_values_arrive_encoded() {
    let server = TestServer::start(|_, _| ok_json()).await;
    let client = client(&server).build().expect("client");
    let request = user_photo("ada_contoso.com#EXT#@fabrikam.onmicrosoft.com")
        .query("$select", "id,height")
        .query("odd", "a&b=c+d e'f");
    client.send(request).await.expect("response");
    let request = user_photo("$x@contoso.com");
    client.send(request).await.expect("response");
    let seen = server.seen();
    assert_eq!(
        seen[0].uri,
        "/v1.0/users/ada_contoso.com%23EXT%23@fabrikam.onmicrosoft.com/photo?$select=id,height&odd=a%26b%3Dc%2Bd%20e%27f"
    );
    assert_eq!(seen[1].uri, "/v1.0/users('$x@contoso.com')/photo");
}

#[tokio::test]
async fn caller_headers_are_sent_but_managed_ones_are_not_overridden() {
    let server = TestServer::start(|_, _| ok_json()).await;
    let client = client(&server).build().expect("client");
    let request = user_photo("a")
        .header("If-None-Match", "\"etag-1\"")
        .header("Authorization", "Bearer stolen")
        .header("client-request-id", "my-own-id");
    let response = client.send(request).await.expect("response");
    assert_eq!(response.client_request_id(), "my-own-id");
    let seen = server.seen();
    assert_eq!(seen[0].header("if-none-match"), Some("\"etag-1\""));
    assert_eq!(seen[0].header("authorization"), Some("Bearer t0ken"));
    assert_eq!(seen[0].header("client-request-id"), Some("my-own-id"));

    let bad = user_photo("a").header("If-Match", "line\nbreak");
    assert!(matches!(
        client.send(bad).await,
        Err(Error::InvalidRequest(_))
    ));
}

#[tokio::test]
async fn lenient_errors_and_bad_json_keep_the_body() {
    let server = TestServer::start(|n, _| match n {
        0 => (
            StatusCode::NOT_FOUND,
            [
                ("request-id", "hdr-id"),
                ("content-type", "application/json"),
            ],
            Bytes::from_static(b"\xEF\xBB\xBF{\"error\":{\"code\":\"ImageNotFound\"}}"),
        )
            .into_response(),
        1 => (StatusCode::BAD_GATEWAY, "<html>Bad gateway</html>").into_response(),
        _ => (
            StatusCode::OK,
            [("content-type", "application/json")],
            "{not json",
        )
            .into_response(),
    })
    .await;
    let client = client(&server).build().expect("client");

    let error = client
        .send(user_photo("a"))
        .await
        .expect("response")
        .into_error()
        .await;
    let graph = error.graph().expect("graph error");
    assert_eq!(
        (
            graph.status,
            graph.code.as_deref(),
            graph.request_id.as_deref()
        ),
        (404, Some("ImageNotFound"), Some("hdr-id"))
    );
    assert_eq!(error.status(), Some(404));

    let error = client
        .send(user_photo("a"))
        .await
        .expect("response")
        .into_error()
        .await;
    assert_eq!(
        error.graph().and_then(|g| g.message.clone()).as_deref(),
        Some("<html>Bad gateway</html>")
    );

    let error = client
        .send(user_photo("a"))
        .await
        .expect("response")
        .json::<Value>()
        .await
        .expect_err("bad JSON");
    match error {
        Error::UnexpectedResponse {
            status,
            body,
            content_type,
            ..
        } => {
            assert_eq!(status, 200);
            assert_eq!(body.as_ref(), b"{not json");
            assert_eq!(content_type.as_deref(), Some("application/json"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn downloads_stream_with_their_metadata() {
    let server = TestServer::start(|_, _| {
        (
            StatusCode::OK,
            [("content-type", "image/jpeg"), ("etag", "\"v1\"")],
            Bytes::from_static(JPEG),
        )
            .into_response()
    })
    .await;
    let client = client(&server).build().expect("client");
    let download = client
        .send(user_photo("a"))
        .await
        .expect("response")
        .download();
    assert_eq!(download.content_type(), Some("image/jpeg"));
    assert_eq!(download.etag(), Some("\"v1\""));
    assert_eq!(download.content_length(), Some(16));
    let mut sink = Vec::new();
    assert_eq!(download.write_to(&mut sink).await.expect("written"), 16);
    assert_eq!(sink, JPEG);

    let download = client
        .send(user_photo("a"))
        .await
        .expect("response")
        .download();
    assert_eq!(download.bytes().await.expect("bytes").as_ref(), JPEG);
}

#[tokio::test]
async fn token_provider_failures_send_nothing() {
    struct Failing;
    impl TokenProvider for Failing {
        fn token(&self) -> BoxFuture<'_, Result<String, TokenError>> {
            Box::pin(async { Err(TokenError::new("expired refresh token")) })
        }
    }
    let server = TestServer::start(|_, _| ok_json()).await;
    let client = client(&server)
        .token_provider(Failing)
        .build()
        .expect("client");
    let error = client.send(user_photo("a")).await.expect_err("no token");
    assert!(matches!(error, Error::Token(_)), "{error:?}");
    assert!(server.seen().is_empty());
}

#[tokio::test]
async fn unreachable_servers_are_transport_errors() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    drop(listener);
    let client = Client::builder()
        .base_url(format!("http://{addr}"))
        .static_token("t")
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client");
    let error = client
        .send(user_photo("a"))
        .await
        .expect_err("refused connection");
    assert!(matches!(error, Error::Transport(_)), "{error:?}");
}
