//! Security: what the emulator's server runtime does with bad tokens, and what the generated
//! client does with good ones.
//!
//! - Server: no token, malformed ones, bad signatures, `alg: none` and other algorithms, expired
//!   and not-yet-valid ones, wrong audiences, missing subjects, and permissions of the wrong
//!   scheme (`roles` where `scp` is needed and back) are all answered 401 or 403 with Graph's
//!   error JSON, never echo the token, and never reach the photo store: a counting store proves
//!   that not even a read happened.
//! - Client: `Authorization` is never sent to another origin after a redirect (two local
//!   servers, one on 127.0.0.2), and no token ever appears in logs, even at TRACE.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::Request as AxumRequest;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_TYPE, LOCATION, WWW_AUTHENTICATE};
use http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use photo_api::client::{ApiClient, GetMyPhotoContentResponse, PhotoContent};
use photo_api::emulator::test_images::jpeg;
use photo_api::emulator::{
    Emulator, FaultStatus, Faults, MemoryStore, OwnerKey, Photo, PhotoStore, TokenSpec,
};
use photo_api::models::UserKey;
use photo_api::runtime::client::{Client, Error, RetryPolicy};
use serde_json::{Value, json};
use tower::ServiceExt;

const SECRET: &str = "security test secret, long enough";
const USER: &str = "sec-user";

// ---------------------------------------------------------------------------------------------
// Server side: refused tokens never reach the store

/// A memory store that counts every call, reads included.
struct CountingStore {
    inner: MemoryStore,
    calls: Arc<AtomicUsize>,
}

impl PhotoStore for CountingStore {
    fn get(&self, owner: &OwnerKey) -> Option<Arc<Photo>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.inner.get(owner)
    }

    fn put(
        &self,
        owner: &OwnerKey,
        photo: Photo,
    ) -> Result<Arc<Photo>, photo_api::emulator::store::StoreError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.inner.put(owner, photo)
    }

    fn update(
        &self,
        owner: &OwnerKey,
        change: &dyn Fn(&Photo) -> Photo,
    ) -> Result<Arc<Photo>, photo_api::emulator::store::StoreError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.inner.update(owner, change)
    }

    fn delete(
        &self,
        owner: &OwnerKey,
        condition: &dyn Fn(&Photo) -> bool,
    ) -> Result<(), photo_api::emulator::store::StoreError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.inner.delete(owner, condition)
    }

    fn len(&self) -> usize {
        self.inner.len()
    }
}

struct Server {
    router: Router,
    calls: Arc<AtomicUsize>,
    jpeg: Bytes,
}

struct Reply {
    status: StatusCode,
    headers: http::HeaderMap,
    body: Bytes,
}

impl Server {
    async fn new() -> Self {
        let calls = Arc::new(AtomicUsize::new(0));
        let emulator = Emulator::builder()
            .secret(SECRET)
            .store(CountingStore {
                inner: MemoryStore::new(),
                calls: calls.clone(),
            })
            .build()
            .expect("emulator");
        let server = Server {
            router: emulator.router(),
            calls,
            jpeg: jpeg(64, 64, 0),
        };
        // A photo to protect: every refused request below targets it.
        let token = emulator
            .token(&TokenSpec::delegated(USER, ["User.ReadWrite"]))
            .expect("token");
        let reply = server
            .send(
                Method::PUT,
                "/v1.0/me/photo/$value",
                &[format!("Bearer {token}")],
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "seeding");
        server
    }

    /// Sends `method path` with these `Authorization` values (none, one, or several).
    async fn send(&self, method: Method, path: &str, authorization: &[String]) -> Reply {
        let mut request = Request::builder().method(method.clone()).uri(path);
        for value in authorization {
            request = request.header(AUTHORIZATION, value);
        }
        let body = match method {
            Method::PUT => {
                request = request.header(CONTENT_TYPE, "image/jpeg");
                Body::from(self.jpeg.clone())
            }
            Method::PATCH => {
                request = request.header(CONTENT_TYPE, "application/json");
                Body::from(r#"{"height":1}"#)
            }
            _ => Body::empty(),
        };
        let response = self
            .router
            .clone()
            .oneshot(request.body(body).expect("request"))
            .await
            .expect("infallible");
        let (parts, body) = response.into_parts();
        Reply {
            status: parts.status,
            headers: parts.headers,
            body: body.collect().await.expect("body").to_bytes(),
        }
    }
}

fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

/// Claims of a valid delegated token for [`USER`] with `scp`.
fn delegated_claims(scp: &str) -> Value {
    json!({
        "aud": "https://graph.microsoft.com",
        "iss": "https://photo-emulator.invalid/",
        "iat": now(), "nbf": now(), "exp": now() + 600,
        "oid": USER, "sub": USER, "tid": "00000000-0000-0000-0000-0000000e0000",
        "scp": scp, "ver": "2.0",
    })
}

fn with(mut claims: Value, changes: Value) -> Value {
    if let (Some(claims), Some(changes)) = (claims.as_object_mut(), changes.as_object()) {
        for (key, value) in changes {
            if value.is_null() {
                claims.remove(key);
            } else {
                claims.insert(key.clone(), value.clone());
            }
        }
    }
    claims
}

fn sign(claims: &Value, algorithm: Algorithm, secret: &[u8]) -> String {
    jsonwebtoken::encode(
        &Header::new(algorithm),
        claims,
        &EncodingKey::from_secret(secret),
    )
    .expect("sign a test token")
}

fn hs256(claims: &Value) -> String {
    sign(claims, Algorithm::HS256, SECRET.as_bytes())
}

fn b64(json: &Value) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json.to_string())
}

/// An unsigned token: `alg` as given, an empty signature.
fn unsigned(alg: &str, claims: &Value) -> String {
    format!(
        "{}.{}.",
        b64(&json!({"alg": alg, "typ": "JWT"})),
        b64(claims)
    )
}

/// `Authorization` headers that must all be answered 401.
fn unauthenticated() -> Vec<(&'static str, Vec<String>)> {
    let all = "User.ReadWrite User.ReadWrite.All User.Read";
    let valid = hs256(&delegated_claims(all));
    let (head, rest) = valid.split_once('.').expect("a JWT");
    let (payload, signature) = rest.split_once('.').expect("a JWT");
    let flipped: String = signature
        .chars()
        .enumerate()
        .map(|(i, c)| match (i, c) {
            (0, 'A') => 'B',
            (0, _) => 'A',
            _ => c,
        })
        .collect();
    let bearer = |token: String| vec![format!("Bearer {token}")];
    vec![
        ("no Authorization header", vec![]),
        ("an empty bearer token", vec!["Bearer ".to_owned()]),
        ("the Basic scheme", vec!["Basic dXNlcjpwYXNz".to_owned()]),
        ("a token without a scheme", vec![valid.clone()]),
        ("not a JWT", bearer("not-a-jwt".to_owned())),
        ("three empty parts", bearer("..".to_owned())),
        ("garbage parts", bearer("a.b.c".to_owned())),
        ("only a header", bearer(head.to_owned())),
        ("no signature", bearer(format!("{head}.{payload}."))),
        (
            "a flipped signature",
            bearer(format!("{head}.{payload}.{flipped}")),
        ),
        (
            "another secret",
            bearer(sign(
                &delegated_claims(all),
                Algorithm::HS256,
                b"another secret, also long",
            )),
        ),
        ("alg none", bearer(unsigned("none", &delegated_claims(all)))),
        ("alg None", bearer(unsigned("None", &delegated_claims(all)))),
        (
            "alg NONE with the valid signature",
            bearer(format!(
                "{}.{payload}.{signature}",
                b64(&json!({"alg": "NONE"}))
            )),
        ),
        (
            "HS512 with the right secret",
            bearer(sign(
                &delegated_claims(all),
                Algorithm::HS512,
                SECRET.as_bytes(),
            )),
        ),
        (
            "HS384 with the right secret",
            bearer(sign(
                &delegated_claims(all),
                Algorithm::HS384,
                SECRET.as_bytes(),
            )),
        ),
        (
            "RS256 named, HS256 signed",
            bearer(format!(
                "{}.{payload}.{signature}",
                b64(&json!({"alg": "RS256", "typ": "JWT"}))
            )),
        ),
        (
            "expired an hour ago",
            bearer(hs256(&with(
                delegated_claims(all),
                json!({"exp": now() - 3600, "iat": now() - 7200, "nbf": now() - 7200}),
            ))),
        ),
        (
            "not valid for an hour",
            bearer(hs256(&with(
                delegated_claims(all),
                json!({"nbf": now() + 3600}),
            ))),
        ),
        (
            "no exp",
            bearer(hs256(&with(delegated_claims(all), json!({"exp": null})))),
        ),
        (
            "another audience",
            bearer(hs256(&with(
                delegated_claims(all),
                json!({"aud": "api://another-app"}),
            ))),
        ),
        (
            "an audience list without Graph",
            bearer(hs256(&with(
                delegated_claims(all),
                json!({"aud": ["api://a", "api://b"]}),
            ))),
        ),
        (
            "no audience",
            bearer(hs256(&with(delegated_claims(all), json!({"aud": null})))),
        ),
        (
            "no subject",
            bearer(hs256(&with(
                delegated_claims(all),
                json!({"oid": null, "sub": null}),
            ))),
        ),
        (
            "scp as a list",
            bearer(hs256(&with(
                delegated_claims(all),
                json!({"scp": ["User.ReadWrite"]}),
            ))),
        ),
        (
            "claims that are not an object",
            bearer(format!("{head}.{}.{signature}", b64(&json!([1, 2, 3])))),
        ),
        (
            "two Authorization headers",
            vec![format!("Bearer {valid}"), format!("Bearer {valid}")],
        ),
    ]
}

/// Requests aimed at the seeded photo, writes and reads.
const TARGETS: [(Method, &str); 7] = [
    (Method::PUT, "/v1.0/me/photo/$value"),
    (Method::PUT, "/v1.0/users/sec-user/photo/$value"),
    (Method::DELETE, "/v1.0/users/sec-user/photo"),
    (Method::DELETE, "/v1.0/me/photo"),
    (Method::PATCH, "/v1.0/users/sec-user/photo"),
    (Method::GET, "/v1.0/me/photo/$value"),
    (Method::PUT, "/beta/users('sec-user')/photo/$value"),
];

/// Of [`TARGETS`], those that only delegated work tokens may call (`/me`), and the `PATCH` no
/// token may call.
const ME_AND_PATCH: [usize; 4] = [0, 3, 4, 5];
/// Of [`TARGETS`], the writes.
const WRITES: [usize; 6] = [0, 1, 2, 3, 4, 6];
const ALL_TARGETS: [usize; 7] = [0, 1, 2, 3, 4, 5, 6];
/// Of [`TARGETS`], those a personal account may not call: other users' photos and the `PATCH`
/// (its own photo on v1.0 it may read, upload and delete).
const NOT_PERSONAL: [usize; 4] = [1, 2, 4, 6];

/// Valid tokens whose permissions are of the wrong scheme (or too weak) for the targets given:
/// each must be answered 403.
fn forbidden() -> Vec<(&'static str, String, &'static [usize])> {
    let app = |roles: Value| {
        hs256(&with(
            delegated_claims(""),
            json!({"scp": null, "roles": roles, "oid": "sec-app", "sub": "sec-app"}),
        ))
    };
    vec![
        (
            "an app token with every application role",
            app(json!([
                "User.Read.All",
                "User.ReadWrite.All",
                "ProfilePhoto.Read.All",
                "ProfilePhoto.ReadWrite.All",
                "Group.Read.All",
                "Group.ReadWrite.All",
                "Contacts.Read",
                "Contacts.ReadWrite"
            ])),
            &ME_AND_PATCH,
        ),
        (
            "delegated scope names carried as app roles",
            app(json!(["User.Read", "User.ReadWrite"])),
            &ALL_TARGETS,
        ),
        (
            "app roles beside a read-only scp (roles do not count for a delegated token)",
            hs256(&with(
                delegated_claims("User.Read"),
                json!({"roles": ["User.ReadWrite.All", "ProfilePhoto.ReadWrite.All"]}),
            )),
            &WRITES,
        ),
        (
            "a personal account's token with User.ReadWrite",
            hs256(&with(
                delegated_claims("User.ReadWrite User.Read"),
                json!({"tid": "9188040d-6c67-4c5b-b112-36a304b66dad"}),
            )),
            &NOT_PERSONAL,
        ),
        (
            "a delegated token without scopes",
            hs256(&delegated_claims("")),
            &ALL_TARGETS,
        ),
    ]
}

fn assert_graph_refusal(
    what: &str,
    reply: &Reply,
    status: StatusCode,
    code: &str,
    secrets: &[&str],
) {
    assert_eq!(reply.status, status, "{what}: {:?}", reply.body);
    assert_eq!(reply.headers[CONTENT_TYPE], "application/json", "{what}");
    let json: Value = serde_json::from_slice(&reply.body).expect("a JSON body");
    assert_eq!(json["error"]["code"], code, "{what}: {json}");
    assert!(json["error"]["message"].is_string(), "{what}: {json}");
    assert_eq!(
        json["error"]["innerError"]["request-id"].as_str(),
        reply
            .headers
            .get("request-id")
            .and_then(|v| v.to_str().ok()),
        "{what}"
    );
    if status == StatusCode::UNAUTHORIZED {
        assert_eq!(reply.headers[WWW_AUTHENTICATE], "Bearer", "{what}");
    }
    let echoed = String::from_utf8_lossy(&reply.body);
    for secret in secrets.iter().filter(|secret| secret.len() >= 8) {
        assert!(
            !echoed.contains(secret),
            "{what}: the answer repeats the token"
        );
    }
}

/// The parts of an `Authorization` value that must never be echoed (each JWT segment).
fn secrets_of(authorization: &str) -> Vec<&str> {
    let token = authorization
        .strip_prefix("Bearer ")
        .unwrap_or(authorization);
    std::iter::once(token).chain(token.split('.')).collect()
}

#[tokio::test]
async fn bad_tokens_are_401_and_never_reach_the_store() {
    let server = Server::new().await;
    let before = server.calls.load(Ordering::SeqCst);
    let cases = unauthenticated();
    for (what, authorization) in &cases {
        for (method, path) in &TARGETS {
            let reply = server.send(method.clone(), path, authorization).await;
            let secrets: Vec<&str> = authorization.iter().flat_map(|v| secrets_of(v)).collect();
            assert_graph_refusal(
                &format!("{what}, {method} {path}"),
                &reply,
                StatusCode::UNAUTHORIZED,
                "InvalidAuthenticationToken",
                &secrets,
            );
        }
    }
    assert_eq!(
        server.calls.load(Ordering::SeqCst),
        before,
        "a refused request reached the store"
    );
}

#[tokio::test]
async fn permissions_of_the_wrong_scheme_are_403_and_never_reach_the_store() {
    let server = Server::new().await;
    let before = server.calls.load(Ordering::SeqCst);
    for (what, token, targets) in forbidden() {
        let authorization = format!("Bearer {token}");
        for &target in targets {
            let (method, path) = &TARGETS[target];
            let reply = server
                .send(method.clone(), path, std::slice::from_ref(&authorization))
                .await;
            assert_graph_refusal(
                &format!("{what}, {method} {path}"),
                &reply,
                StatusCode::FORBIDDEN,
                "Authorization_RequestDenied",
                &secrets_of(&authorization),
            );
        }
    }
    assert_eq!(
        server.calls.load(Ordering::SeqCst),
        before,
        "a forbidden request reached the store"
    );
}

#[tokio::test]
async fn the_store_counter_sees_accepted_requests() {
    // The two tests above rely on the counter: an accepted request must move it.
    let server = Server::new().await;
    let before = server.calls.load(Ordering::SeqCst);
    let token = hs256(&delegated_claims("User.ReadWrite User.Read"));
    let reply = server
        .send(
            Method::GET,
            "/v1.0/me/photo/$value",
            &[format!("Bearer {token}")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, server.jpeg);
    assert!(server.calls.load(Ordering::SeqCst) > before);
}

// ---------------------------------------------------------------------------------------------
// Client side: Authorization stays with its origin, and out of logs

/// What a test server saw: the `Authorization` header of each request, if any.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<Option<String>>>>);

impl Seen {
    fn record(&self, request: &AxumRequest) {
        let authorization = request
            .headers()
            .get(AUTHORIZATION)
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(authorization);
    }

    fn all(&self) -> Vec<Option<String>> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// Serves `router` on `ip`:0 until the test ends; returns the base address.
async fn serve(ip: &str, router: Router) -> String {
    let listener = tokio::net::TcpListener::bind((ip, 0))
        .await
        .expect("bind a loopback port");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}")
}

/// The far end of a redirect: records what it got and answers like Graph would.
fn far_end(seen: Seen, jpeg: Bytes) -> Router {
    Router::new().fallback(move |request: AxumRequest| {
        let seen = seen.clone();
        let jpeg = jpeg.clone();
        async move {
            seen.record(&request);
            match *request.method() {
                Method::GET => (
                    [
                        (CONTENT_TYPE, "image/jpeg"),
                        (http::header::ETAG, "\"far\""),
                    ],
                    jpeg,
                )
                    .into_response(),
                _ => StatusCode::OK.into_response(),
            }
        }
    })
}

/// The near end: records what it got and redirects everything with `status` to `target`, or
/// to itself (`/final…`) once, for the same-origin case.
fn near_end(seen: Seen, status: StatusCode, target: String, jpeg: Bytes) -> Router {
    Router::new().fallback(move |request: AxumRequest| {
        let seen = seen.clone();
        let target = target.clone();
        let jpeg = jpeg.clone();
        async move {
            seen.record(&request);
            let path = request.uri().path().to_owned();
            if path.starts_with("/final") {
                return far_end(Seen::default(), jpeg)
                    .oneshot(request)
                    .await
                    .into_response();
            }
            let location = if target.is_empty() {
                format!("/final{path}")
            } else {
                format!("{target}{path}")
            };
            Response::builder()
                .status(status)
                .header(LOCATION, location)
                .body(Body::empty())
                .expect("redirect")
        }
    })
}

fn api(base_url: &str, token: &str) -> ApiClient {
    let client = Client::builder()
        .base_url(base_url)
        .static_token(token)
        .retry(RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(1),
            max_total_delay: Duration::from_secs(2),
        })
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client");
    ApiClient::new(client)
}

#[tokio::test]
async fn authorization_is_dropped_when_a_redirect_leaves_the_origin() {
    let token = "redirect-test-token.c2VjcmV0.c2lnbmF0dXJl";
    let jpeg = jpeg(64, 64, 0);
    for far_ip in ["127.0.0.2", "127.0.0.1"] {
        for status in [
            StatusCode::MOVED_PERMANENTLY,
            StatusCode::FOUND,
            StatusCode::SEE_OTHER,
            StatusCode::TEMPORARY_REDIRECT,
            StatusCode::PERMANENT_REDIRECT,
        ] {
            let (near, far) = (Seen::default(), Seen::default());
            let far_base = serve(far_ip, far_end(far.clone(), jpeg.clone())).await;
            let near_base = serve(
                "127.0.0.1",
                near_end(near.clone(), status, far_base.clone(), jpeg.clone()),
            )
            .await;
            let api = api(&format!("{near_base}/v1.0"), token);

            let download = api.me().photo().content().get().await;
            match download {
                Ok(GetMyPhotoContentResponse::Ok { body, .. }) => {
                    assert_eq!(body.bytes().await.expect("body"), jpeg);
                }
                other => panic!("{status} to {far_ip}: {other:?}"),
            }
            let upload = PhotoContent::from_jpeg(jpeg.clone()).expect("a JPEG");
            api.users()
                .by_key(&UserKey::new("someone").expect("key"))
                .photo()
                .content()
                .put(upload)
                .await
                .unwrap_or_else(|err| panic!("{status} to {far_ip}: {err}"));

            let expected = Some(format!("Bearer {token}"));
            assert_eq!(
                near.all(),
                vec![expected.clone(), expected],
                "{status}: the first hop carries the token"
            );
            assert_eq!(
                far.all(),
                vec![None, None],
                "{status} to {far_base}: the token followed the redirect"
            );
        }
    }
}

#[tokio::test]
async fn authorization_is_kept_on_a_same_origin_redirect() {
    // The rule above is about origins, not about redirects in general.
    let token = "same-origin-token";
    let near = Seen::default();
    let base = serve(
        "127.0.0.1",
        near_end(
            near.clone(),
            StatusCode::TEMPORARY_REDIRECT,
            String::new(),
            jpeg(64, 64, 0),
        ),
    )
    .await;
    let api = api(&format!("{base}/v1.0"), token);
    let reply = api.me().photo().content().get().await.expect("followed");
    assert!(matches!(reply, GetMyPhotoContentResponse::Ok { .. }));
    let expected = Some(format!("Bearer {token}"));
    assert_eq!(near.all(), vec![expected.clone(), expected]);
}

/// Every log line of this test binary, at TRACE, from `tracing` and from the `log` crate.
fn captured_logs() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Arc::new(Mutex::new(Vec::new()));
        let writer = logs.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || Capture(writer.clone()))
            .try_init()
            .expect("the only global subscriber of this test binary");
        logs
    })
}

/// A `MakeWriter` target appending to the shared buffer.
struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_never_appear_in_logs_even_at_trace() {
    let logs = captured_logs();
    let emulator = Emulator::builder()
        .secret(SECRET)
        .faults(
            Faults::first(2)
                .status(FaultStatus::ServiceUnavailable)
                .retry_after(None),
        )
        .build()
        .expect("emulator");
    let good = emulator
        .token(&TokenSpec::delegated(
            "log-user",
            ["User.ReadWrite", "User.Read"],
        ))
        .expect("token");
    let weak = emulator
        .token(&TokenSpec::delegated("log-user", ["Contacts.Read"]))
        .expect("token");
    let forged = sign(
        &delegated_claims("User.ReadWrite"),
        Algorithm::HS256,
        b"not the emulator's secret",
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}/v1.0", listener.local_addr().expect("address"));
    tokio::spawn(emulator.serve(listener));
    let jpeg = jpeg(64, 64, 0);

    // Throttled twice (503, retried), then stored; read back; refused (403 and 401).
    let client = api(&base, &good);
    client
        .me()
        .photo()
        .content()
        .put(PhotoContent::from_jpeg(jpeg.clone()).expect("a JPEG"))
        .await
        .expect("stored after retries");
    let read = client.me().photo().content().get().await.expect("read");
    assert!(matches!(read, GetMyPhotoContentResponse::Ok { .. }));
    let refused = api(&base, &weak).me().photo().content().get().await;
    assert!(
        matches!(&refused, Err(Error::Graph(err)) if err.status == 403),
        "{refused:?}"
    );
    let refused = api(&base, &forged).me().photo().get().await;
    assert!(
        matches!(&refused, Err(Error::Graph(err)) if err.status == 401),
        "{refused:?}"
    );
    // And a redirect to another host, on which the client drops the token.
    let far_base = serve("127.0.0.2", far_end(Seen::default(), jpeg.clone())).await;
    let near_base = serve(
        "127.0.0.1",
        near_end(
            Seen::default(),
            StatusCode::TEMPORARY_REDIRECT,
            far_base,
            jpeg.clone(),
        ),
    )
    .await;
    api(&format!("{near_base}/v1.0"), &good)
        .me()
        .photo()
        .content()
        .get()
        .await
        .expect("followed");

    let text =
        String::from_utf8_lossy(&logs.lock().unwrap_or_else(PoisonError::into_inner)).into_owned();
    // The capture works and saw the client, the retries and the server.
    for marker in ["photo_api.send", "retrying", "answered", "stored a photo"] {
        assert!(text.contains(marker), "no {marker:?} in the captured logs");
    }
    for token in [&good, &weak, &forged] {
        for secret in secrets_of(token) {
            assert!(
                !text.contains(secret),
                "a token (or a part of it) was logged"
            );
        }
    }
}
