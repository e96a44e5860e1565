//! Property tests of the emulator's HTTP layer, driven through its axum router with
//! `tower::ServiceExt::oneshot` (no network): hostile headers, paths, methods, query strings and
//! request bodies (lying `Content-Type`/`Content-Length`, slow, truncated and failing streams).
//!
//! Every answer must be a well-formed HTTP answer: never a 5xx (a panic inside a handler would
//! surface as one), every 4xx carrying Graph's error JSON whose `request-id` matches the header,
//! and only reads may succeed. Every generated request is one the emulator must refuse or merely
//! read, so the seeded photos must be exactly the same `Arc`s afterwards: not even rewritten.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderName, HeaderValue, Method, Request, StatusCode, Uri};
use http_body_util::BodyExt;
use photo_api::emulator::test_images::jpeg;
use photo_api::emulator::{Emulator, OwnerKey, Photo, TokenSpec};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use tower::ServiceExt;

const SECRET: &str = "http fuzz test secret, long enough";
/// The token subject: `/me` is this user.
const ME: &str = "fuzz-user";
const GROUP: &str = "fuzz-group";
const CONTACT: &str = "fuzz-contact";
/// Every delegated (work) permission the spec names.
const ALL_SCOPES: [&str; 11] = [
    "User.Read",
    "User.ReadWrite",
    "User.ReadBasic.All",
    "User.Read.All",
    "User.ReadWrite.All",
    "ProfilePhoto.Read.All",
    "ProfilePhoto.ReadWrite.All",
    "Group.Read.All",
    "Group.ReadWrite.All",
    "Contacts.Read",
    "Contacts.ReadWrite",
];
/// The longest any single request may take before the test calls it a hang.
const REQUEST_DEADLINE: Duration = Duration::from_secs(10);
/// An `If-Match` no stored photo has, so that no generated `DELETE` can succeed.
const NEVER_MATCHES: &str = "\"fuzz-never-matches\"";

/// The emulator, its seeded photos and a runtime to drive the router from proptest's closures.
struct Harness {
    runtime: tokio::runtime::Runtime,
    emulator: Emulator,
    router: Router,
    token: String,
    app_token: String,
    jpeg: Bytes,
    seeded: Vec<OwnerKey>,
}

/// What came back, body read in full.
struct Reply {
    status: StatusCode,
    headers: http::HeaderMap,
    body: Bytes,
}

/// The stored photos of the seeded owners, compared by identity.
struct Snapshot {
    photos: Vec<Option<Arc<Photo>>>,
    len: usize,
}

impl Harness {
    fn new() -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let emulator = Emulator::builder()
            .secret(SECRET)
            .build()
            .expect("emulator");
        let router = emulator.router();
        let token = emulator
            .token(&TokenSpec::delegated(ME, ALL_SCOPES))
            .expect("token");
        let app_token = emulator
            .token(&TokenSpec::application(
                "fuzz-app",
                [
                    "User.ReadWrite.All",
                    "Group.ReadWrite.All",
                    "Contacts.ReadWrite",
                ],
            ))
            .expect("token");
        let harness = Harness {
            runtime,
            emulator,
            router,
            token,
            app_token,
            jpeg: jpeg(96, 64, 0),
            seeded: vec![
                OwnerKey::user(ME),
                OwnerKey::new([("groups", GROUP)]),
                OwnerKey::new([("users", ME), ("contacts", CONTACT)]),
            ],
        };
        for path in [
            "/v1.0/me/photo/$value".to_owned(),
            format!("/v1.0/groups/{GROUP}/photo/$value"),
            format!("/v1.0/me/contacts/{CONTACT}/photo/$value"),
        ] {
            let request = Request::put(path.as_str())
                .header(AUTHORIZATION, format!("Bearer {}", harness.token))
                .header(CONTENT_TYPE, "image/jpeg")
                .body(Body::from(harness.jpeg.clone()))
                .expect("seed request");
            let reply = harness.send(request);
            assert_eq!(reply.status, StatusCode::OK, "seeding {path}");
        }
        let snapshot = harness.snapshot();
        assert!(snapshot.photos.iter().all(Option::is_some), "all seeded");
        harness
    }

    fn send(&self, request: Request<Body>) -> Reply {
        self.runtime.block_on(async {
            let call = async {
                let response = self
                    .router
                    .clone()
                    .oneshot(request)
                    .await
                    .expect("the router is infallible");
                let (parts, body) = response.into_parts();
                let body = body.collect().await.map(|c| c.to_bytes());
                (parts, body)
            };
            let (parts, body) = tokio::time::timeout(REQUEST_DEADLINE, call)
                .await
                .expect("the emulator answered in time");
            Reply {
                status: parts.status,
                headers: parts.headers,
                body: body.expect("the response body is readable"),
            }
        })
    }

    fn snapshot(&self) -> Snapshot {
        let store = self.emulator.store();
        Snapshot {
            photos: self.seeded.iter().map(|owner| store.get(owner)).collect(),
            len: store.len(),
        }
    }

    /// The checks every generated request must pass: a sane answer, and no change at all to the
    /// seeded photos.
    fn check(&self, request: Request<Body>) -> Result<Reply, TestCaseError> {
        let before = self.snapshot();
        let method = request.method().clone();
        let uri = request.uri().clone();
        let reply = self.send(request);
        sane(&reply, &method).map_err(|err| {
            TestCaseError::fail(format!("{method} {uri} -> {}: {err}", reply.status))
        })?;
        let after = self.snapshot();
        prop_assert_eq!(
            after.len,
            before.len,
            "{} {} changed the store",
            method,
            uri
        );
        for ((owner, was), is) in self.seeded.iter().zip(&before.photos).zip(&after.photos) {
            let same = match (was, is) {
                (Some(was), Some(is)) => Arc::ptr_eq(was, is),
                (None, None) => true,
                _ => false,
            };
            prop_assert!(same, "{} {} changed the photo of {}", method, uri, owner);
        }
        Ok(reply)
    }
}

/// Never a 5xx; a 4xx carries Graph's error JSON (HEAD answers have no body to check); only
/// reads may succeed.
fn sane(reply: &Reply, method: &Method) -> Result<(), String> {
    let status = reply.status;
    if status.is_server_error() {
        return Err(format!(
            "server error: {}",
            String::from_utf8_lossy(&reply.body)
        ));
    }
    if status.is_success() && !matches!(*method, Method::GET | Method::HEAD) {
        return Err("a write succeeded".to_owned());
    }
    let request_id = reply
        .headers
        .get("request-id")
        .and_then(|value| value.to_str().ok())
        .ok_or("no request-id header")?;
    if !status.is_client_error() {
        return Ok(());
    }
    let content_type = reply
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    if content_type != Some("application/json") {
        return Err(format!("4xx with Content-Type {content_type:?}"));
    }
    if *method == Method::HEAD {
        return Ok(());
    }
    let json: serde_json::Value = serde_json::from_slice(&reply.body)
        .map_err(|err| format!("4xx body is not JSON ({err}): {:?}", reply.body))?;
    let error = &json["error"];
    match (error["code"].as_str(), error["message"].as_str()) {
        (Some(code), Some(_)) if !code.is_empty() => {}
        _ => return Err(format!("4xx body is not a Graph error: {json}")),
    }
    if error["innerError"]["request-id"].as_str() != Some(request_id) {
        return Err(format!(
            "innerError.request-id differs from the header: {json}"
        ));
    }
    Ok(())
}

/// `bytes` made certainly not a JPEG (JPEGs start with FF D8 FF).
fn not_jpeg(mut bytes: Vec<u8>) -> Bytes {
    if bytes.first() == Some(&0xFF) {
        bytes[0] = 0;
    }
    Bytes::from(bytes)
}

/// `cases` times `PHOTO_FUZZ_SCALE` (default 1), for longer hunts than CI's.
fn scaled(cases: u32) -> u32 {
    let scale = std::env::var("PHOTO_FUZZ_SCALE")
        .ok()
        .and_then(|scale| scale.parse::<u32>().ok())
        .unwrap_or(1)
        .max(1);
    cases.saturating_mul(scale)
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases: scaled(cases),
        // Keeps shrinking of a failure short: each step is a full request.
        max_shrink_iters: 256,
        ..Config::default()
    })
}

fn run<S: Strategy>(cases: u32, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    if let Err(err) = runner(cases).run(&strategy, test) {
        panic!("{err}");
    }
}

// ---------------------------------------------------------------------------------------------
// Strategies

/// Header values: printable, obs-text (not UTF-8), control characters (which `http` refuses to
/// carry, so those cases test only that the builder refuses them), and huge ones.
fn header_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => proptest::collection::vec(0x20u8..0x7F, 0..64),
        2 => proptest::collection::vec(any::<u8>(), 0..64),
        1 => (any::<u8>(), 8_000usize..70_000).prop_map(|(byte, len)| vec![byte | 0x40; len]),
        1 => Just(b"\xC0\xAF\xFF\xFE\x80".to_vec()),
        1 => Just(b"a\tb".to_vec()),
    ]
}

fn header_name() -> impl Strategy<Value = HeaderName> {
    prop_oneof![
        6 => "[a-z0-9!#$%&'*+.^_`|~-]{1,40}",
        1 => Just("x-".repeat(4_000)),
        1 => proptest::sample::select(vec![
            "if-match", "if-none-match", "client-request-id", "content-encoding",
            "transfer-encoding", "expect", "host", "range", "x-http-method-override",
            "x-forwarded-host", "accept", "accept-encoding", "te", "connection",
        ]).prop_map(str::to_owned),
    ]
    .prop_filter_map("not a header name", |name| {
        HeaderName::from_bytes(name.as_bytes()).ok()
    })
}

/// How the `Authorization` header is sent.
#[derive(Clone, Debug)]
enum Auth {
    Valid,
    Missing,
    Raw(Vec<u8>),
    BearerGarbage(String),
    Twice,
    Basic,
}

fn auth() -> impl Strategy<Value = Auth> {
    prop_oneof![
        3 => Just(Auth::Valid),
        1 => Just(Auth::Missing),
        1 => header_bytes().prop_map(Auth::Raw),
        2 => "[A-Za-z0-9._~+/=-]{0,300}".prop_map(Auth::BearerGarbage),
        1 => Just(Auth::Twice),
        1 => Just(Auth::Basic),
    ]
}

impl Auth {
    fn apply(&self, token: &str, headers: &mut http::HeaderMap) {
        let bearer = HeaderValue::from_str(&format!("Bearer {token}")).expect("token header");
        match self {
            Auth::Valid => {
                headers.insert(AUTHORIZATION, bearer);
            }
            Auth::Missing => {}
            Auth::Raw(bytes) => {
                if let Ok(value) = HeaderValue::from_bytes(bytes) {
                    headers.insert(AUTHORIZATION, value);
                }
            }
            Auth::BearerGarbage(text) => {
                if let Ok(value) = HeaderValue::from_str(&format!("Bearer {text}")) {
                    headers.insert(AUTHORIZATION, value);
                }
            }
            Auth::Twice => {
                headers.append(AUTHORIZATION, bearer.clone());
                headers.append(AUTHORIZATION, bearer);
            }
            Auth::Basic => {
                headers.insert(
                    AUTHORIZATION,
                    HeaderValue::from_static("Basic Zm9vOmJhcg=="),
                );
            }
        }
    }
}

fn content_type() -> impl Strategy<Value = Option<Vec<u8>>> {
    prop_oneof![
        3 => Just(Some(b"image/jpeg".to_vec())),
        1 => Just(None),
        1 => proptest::sample::select(vec![
            "IMAGE/JPEG", "image/jpeg; charset=utf-8", " image/jpeg ", "image/jpeg;;;",
            "image/png", "application/json", "image/*", "*/*", "", ";", "image/jpeg\t",
            "multipart/form-data; boundary=x", "image/jpegx", "image",
        ]).prop_map(|text| Some(text.as_bytes().to_vec())),
        1 => header_bytes().prop_map(Some),
    ]
}

fn content_length() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        3 => Just(None),
        1 => (0u64..10_000).prop_map(|n| Some(n.to_string())),
        1 => proptest::sample::select(vec![
            "0", "-1", "abc", "1e3", " 12 ", "99999999999999999999999", "4194305",
            "18446744073709551615", "0x10", "+5", "",
        ]).prop_map(|text| Some(text.to_owned())),
    ]
}

/// Path segments that have broken routers before: encoded separators and NULs, dot segments,
/// overlong UTF-8, double encoding, broken escapes, key forms with broken quotes.
fn nasty_segment() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[A-Za-z0-9-]{1,12}",
        4 => proptest::sample::select(vec![
            "%2F", "%2f", "%00", "..", ".", "%2E%2E", "%2e", "%C0%AF", "%C0%AE%C0%AE", "%252F",
            "%25", "%FF", "%", "%G1", "%2", "%E2%80%AE", "a%2Fb", "x%00y", "%u002F", "$value",
            "photo", "%23EXT%23", "'", "''", "(')", "('')", "%27", "users('x", "users('x'')",
            "users('a'b')", "users(')", "users('')", "users(%27x%27)", "%28%27x%27%29", "me",
            "%0D%0A", "%09", "%20", "+", "~", "@", "$", "%24value", "a..b", "...", "%2E",
            "%EF%BB%BF", "%F0%9F%98%80", "%ED%A0%80", "%F4%90%80%80", "fuzz-user", "FUZZ-USER",
            "fuzz-group", "fuzz-contact",
        ]).prop_map(str::to_owned),
        3 => "[A-Za-z0-9._~!$&'()*+,;=:@%-]{0,40}",
        2 => proptest::collection::vec(any::<u8>(), 0..24).prop_map(|bytes| {
            bytes.iter().map(|byte| format!("%{byte:02X}")).collect()
        }),
        1 => "[a-z]{1,10}".prop_map(|name| format!("{name}('{name}')")),
        1 => (1usize..9_000).prop_map(|len| "k".repeat(len)),
    ]
}

const TEMPLATES: &[&str] = &[
    "/me/photo",
    "/me/photo/$value",
    "/me/photos",
    "/me/photos/{s}",
    "/me/photos/{s}/$value",
    "/users/{k}/photo",
    "/users/{k}/photo/$value",
    "/users/{k}/photos",
    "/users/{k}/photos/{s}",
    "/users/{k}/photos/{s}/$value",
    "/users({k})/photo",
    "/users('{k}')/photo/$value",
    "/groups/{k}/photo",
    "/groups/{k}/photo/$value",
    "/groups/{k}/photos/{s}/$value",
    "/me/contacts/{k}/photo",
    "/me/contacts/{k}/photo/$value",
    "/users/{k}/contacts/{k}/photo/$value",
    "/me/contactFolders/{k}/contacts/{k}/photo",
    "/users/{k}/contactFolders/{k}/contacts/{k}/photo/$value",
    "/drive/root/createdByUser/photo",
    "/drive/root/createdByUser/photo/$value",
    "/{k}",
    "/{k}/{k}",
    "/{k}/photo/{k}",
    "",
    "/",
    "/openapi.yaml",
];

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        8 => proptest::sample::select(vec![
            Method::GET, Method::HEAD, Method::PUT, Method::PATCH, Method::DELETE, Method::POST,
            Method::OPTIONS, Method::TRACE,
        ]),
        1 => "[A-Z]{1,12}".prop_filter_map("not a method", |m| Method::from_bytes(m.as_bytes()).ok()),
    ]
}

#[derive(Clone, Debug)]
struct PathCase {
    prefix: &'static str,
    template: &'static str,
    keys: Vec<String>,
    size: String,
    query: Option<String>,
}

impl PathCase {
    fn path(&self) -> String {
        let mut keys = self.keys.iter().cycle();
        let mut path = String::from(self.prefix);
        let mut rest = self.template;
        while let Some(at) = rest.find('{') {
            path.push_str(&rest[..at]);
            let close = at + 3; // "{k}" or "{s}"
            match &rest[at..close] {
                "{s}" => path.push_str(&self.size),
                _ => path.push_str(keys.next().map_or("", String::as_str)),
            }
            rest = &rest[close..];
        }
        path.push_str(rest);
        if let Some(query) = &self.query {
            path.push('?');
            path.push_str(query);
        }
        path
    }
}

fn path_case() -> impl Strategy<Value = PathCase> {
    let prefix = proptest::sample::select(vec![
        "/v1.0", "/v1.0", "/v1.0", "/v1.0", "/v1.0", "/v1.0", "/beta", "/beta", "", "/V1.0",
        "//v1.0", "/v1.0/", "/v2.0", "/v1.0/.", "/v1.0/..", "/v1.0%2F", "/%761.0",
    ]);
    let size = prop_oneof![
        3 => proptest::sample::select(vec![
            "48x48", "64x64", "96x96", "240x240", "648x648", "48X48", "48x48 ", "0x0", "1x1",
        ]).prop_map(str::to_owned),
        2 => nasty_segment(),
    ];
    let query = prop_oneof![
        3 => Just(None),
        2 => proptest::sample::select(vec![
            "$select=id", "%24select=id,height,width", "$select=", "$select=nope",
            "$select=id&$select=id", "$select=%FF", "$select=id,,", "$select", "&&", "=",
            "%24select=%ZZ", "$select=ID", "$top=1", "$select=id%2Cwidth",
        ]).prop_map(|q| Some(q.to_owned())),
        1 => "[A-Za-z0-9$&=%,+;._~-]{0,60}".prop_map(Some),
    ];
    (
        prefix,
        proptest::sample::select(TEMPLATES),
        proptest::collection::vec(nasty_segment(), 3),
        size,
        query,
    )
        .prop_map(|(prefix, template, keys, size, query)| PathCase {
            prefix,
            template,
            keys,
            size,
            query,
        })
}

/// How a request body misbehaves.
#[derive(Clone, Debug)]
enum Fault {
    /// The stream fails after this many chunks (possibly all of them).
    ErrorAfter(usize),
    /// Like `ErrorAfter`, with a pause before every chunk.
    SlowThenError(usize),
    /// A complete JPEG under a media type the operation does not accept.
    WrongMediaType(&'static str),
    /// A `Content-Length` over the v1.0 limit, whatever is actually sent.
    DeclaredTooLarge(u64),
    /// Only the first bytes of the JPEG, cut before its image data starts.
    CutInHeader(usize),
}

fn fault() -> impl Strategy<Value = Fault> {
    prop_oneof![
        3 => (0usize..40).prop_map(Fault::ErrorAfter),
        1 => (0usize..8).prop_map(Fault::SlowThenError),
        1 => proptest::sample::select(vec![
            "image/png", "image/gif", "text/plain", "image/jpg", "jpeg",
        ]).prop_map(Fault::WrongMediaType),
        1 => (4_194_305u64..u64::MAX).prop_map(Fault::DeclaredTooLarge),
        1 => (0usize..100).prop_map(Fault::CutInHeader),
    ]
}

/// Where a broken upload goes: every path reaches a seeded owner, with a token allowed to write.
fn upload_target() -> impl Strategy<Value = (&'static str, bool)> {
    proptest::sample::select(vec![
        ("/v1.0/me/photo/$value", false),
        ("/beta/me/photo/$value", false),
        ("/v1.0/users/fuzz-user/photo/$value", true),
        ("/v1.0/users('FUZZ-USER')/photo/$value", true),
        ("/v1.0/groups/fuzz-group/photo/$value", true),
        ("/v1.0/me/contacts/fuzz-contact/photo/$value", false),
        (
            "/v1.0/users/fuzz-user/contacts/fuzz-contact/photo/$value",
            true,
        ),
    ])
}

// ---------------------------------------------------------------------------------------------
// Properties

/// Cases per property; with three properties and the deterministic tests below, the whole file
/// runs in a few seconds on two cores.
const HEADER_CASES: u32 = 384;
const PATH_CASES: u32 = 768;
const BODY_CASES: u32 = 256;

#[test]
fn hostile_headers_never_break_an_upload_or_a_read() {
    let h = Harness::new();
    let sent = AtomicUsize::new(0);
    let strategy = (
        any::<bool>(),
        auth(),
        content_type(),
        content_length(),
        proptest::collection::vec((header_name(), header_bytes()), 0..6),
        proptest::collection::vec(any::<u8>(), 0..2048),
    );
    run(
        HEADER_CASES,
        strategy,
        |(upload, auth, media, length, extra, body)| {
            let (method, path) = if upload {
                (Method::PUT, "/v1.0/me/photo/$value")
            } else {
                (Method::GET, "/v1.0/me/photo")
            };
            let mut request = Request::builder()
                .method(method)
                .uri(path)
                .body(Body::from(not_jpeg(body)))
                .expect("request");
            let headers = request.headers_mut();
            for (name, value) in extra {
                if let Ok(value) = HeaderValue::from_bytes(&value) {
                    headers.append(name, value);
                }
            }
            auth.apply(&h.token, headers);
            if let Some(Ok(value)) = media.map(|m| HeaderValue::from_bytes(&m)) {
                headers.insert(CONTENT_TYPE, value);
            }
            if let Some(Ok(value)) = length.map(|l| HeaderValue::from_str(&l)) {
                headers.insert(CONTENT_LENGTH, value);
            }
            let reply = h.check(request)?;
            if upload {
                prop_assert!(
                    reply.status.is_client_error(),
                    "an upload of a non-JPEG was accepted"
                );
            }
            sent.fetch_add(1, Ordering::Relaxed);
            Ok(())
        },
    );
    assert_eq!(sent.load(Ordering::Relaxed), scaled(HEADER_CASES) as usize);
}

#[test]
fn hostile_paths_methods_and_queries_are_refused_or_read() {
    let h = Harness::new();
    let sent = AtomicUsize::new(0);
    let routed = AtomicUsize::new(0);
    let served = AtomicUsize::new(0);
    let strategy = (
        method(),
        path_case(),
        any::<bool>(),
        proptest::collection::vec(any::<u8>(), 0..64),
    );
    run(PATH_CASES, strategy, |(method, case, as_app, body)| {
        let path = case.path();
        // Only URIs `http` can carry reach a server at all.
        let Ok(uri) = Uri::try_from(path.as_str()) else {
            return Ok(());
        };
        let token = if as_app { &h.app_token } else { &h.token };
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .header(AUTHORIZATION, format!("Bearer {token}"))
            .header(CONTENT_TYPE, "image/jpeg")
            .header("if-match", NEVER_MATCHES)
            .body(Body::from(not_jpeg(body)))
            .expect("request");
        let reply = h.check(request)?;
        sent.fetch_add(1, Ordering::Relaxed);
        if !reply
            .body
            .windows(22)
            .any(|w| w == b"Request_ResourceNotFound")
        {
            routed.fetch_add(1, Ordering::Relaxed);
        }
        if reply.status.is_success() {
            served.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    });
    let cases = scaled(PATH_CASES) as usize;
    let sent = sent.load(Ordering::Relaxed);
    let routed = routed.load(Ordering::Relaxed);
    // Guards against a generator that drifts into URIs nothing can send, or into paths that all
    // miss the routes: both would make this test pass without testing much.
    assert!(
        sent * 10 >= cases * 8,
        "only {sent} of {cases} URIs were valid"
    );
    assert!(
        routed * 4 >= cases,
        "only {routed} of {cases} requests matched a route"
    );
    assert!(
        served.load(Ordering::Relaxed) > 0,
        "no generated read ever reached a photo"
    );
}

#[test]
fn broken_upload_bodies_never_store_anything() {
    let h = Harness::new();
    // A different, valid JPEG: if any faulty upload were stored, the seeded photo would change.
    let fresh = jpeg(120, 90, 0);
    let header_len = jpeg_header_len(&fresh);
    let strategy = (upload_target(), fault(), 1usize..4096, any::<bool>());
    run(
        BODY_CASES,
        strategy,
        |((path, as_app), fault, chunk, declare_length)| {
            let token = if as_app { &h.app_token } else { &h.token };
            let chunks: Vec<Bytes> = fresh.chunks(chunk).map(Bytes::copy_from_slice).collect();
            let mut media = "image/jpeg";
            let mut declared = declare_length.then_some(fresh.len() as u64);
            let body = match fault {
                Fault::ErrorAfter(after) => {
                    let after = after.min(chunks.len());
                    streamed_body(chunks, Some(after), false)
                }
                Fault::SlowThenError(after) => {
                    let after = after.min(chunks.len());
                    streamed_body(chunks, Some(after), true)
                }
                Fault::WrongMediaType(other) => {
                    media = other;
                    Body::from(fresh.clone())
                }
                Fault::DeclaredTooLarge(length) => {
                    declared = Some(length);
                    Body::from(fresh.clone())
                }
                Fault::CutInHeader(at) => {
                    declared = declare_length.then_some(fresh.len() as u64);
                    Body::from(fresh.slice(..at.min(header_len)))
                }
            };
            let mut request = Request::put(path)
                .header(AUTHORIZATION, format!("Bearer {token}"))
                .header(CONTENT_TYPE, media);
            if let Some(length) = declared {
                request = request.header(CONTENT_LENGTH, length);
            }
            let reply = h.check(request.body(body).expect("request"))?;
            prop_assert!(
                reply.status.is_client_error(),
                "a broken upload got {}",
                reply.status
            );
            Ok(())
        },
    );
    // The same JPEG, sent whole, is accepted: the faults above are what made the difference.
    let request = Request::put("/v1.0/groups/fuzz-group/photo/$value")
        .header(AUTHORIZATION, format!("Bearer {}", h.token))
        .header(CONTENT_TYPE, "image/jpeg")
        .body(streamed_body(
            fresh.chunks(1000).map(Bytes::copy_from_slice).collect(),
            None,
            false,
        ))
        .expect("request");
    assert_eq!(h.send(request).status, StatusCode::OK);
}

/// A body streaming `chunks`; with `fail_after`, it fails (as a connection reset would) once
/// that many chunks are out. `slow` pauses before each item, as a slow client would.
fn streamed_body(chunks: Vec<Bytes>, fail_after: Option<usize>, slow: bool) -> Body {
    let items = chunks
        .into_iter()
        .take(fail_after.unwrap_or(usize::MAX))
        .map(Ok::<Bytes, std::io::Error>)
        .chain(fail_after.map(|_| {
            Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "the client went away",
            ))
        }));
    let stream = futures_util::stream::iter(items);
    if slow {
        Body::from_stream(futures_util::StreamExt::then(stream, |item| async move {
            tokio::time::sleep(Duration::from_millis(1)).await;
            item
        }))
    } else {
        Body::from_stream(stream)
    }
}

/// Where a JPEG's entropy-coded data starts (just past the SOS segment): cutting before it
/// leaves no image data at all.
fn jpeg_header_len(jpeg: &[u8]) -> usize {
    let mut at = 2;
    while at + 4 <= jpeg.len() {
        let marker = jpeg[at + 1];
        let len = usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
        if marker == 0xDA {
            return at;
        }
        at += 2 + len;
    }
    panic!("no SOS segment in the test JPEG");
}

// ---------------------------------------------------------------------------------------------
// Deterministic edge cases the generators above reach too rarely

#[test]
fn bodies_past_the_limit_are_refused_while_streaming() {
    let h = Harness::new();
    let limit: usize = 4 * 1024 * 1024;
    // Starts like the seeded JPEG, so only the size can be the reason for the refusal.
    let mut first = h.jpeg.to_vec();
    first.resize(64 * 1024, 0);
    for declared in [None, Some(10u64), Some(limit as u64)] {
        let chunks = std::iter::once(Bytes::from(first.clone())).chain(std::iter::repeat_n(
            Bytes::from(vec![0u8; 64 * 1024]),
            limit / (64 * 1024),
        ));
        let mut request = Request::put("/v1.0/me/photo/$value")
            .header(AUTHORIZATION, format!("Bearer {}", h.token))
            .header(CONTENT_TYPE, "image/jpeg");
        if let Some(length) = declared {
            request = request.header(CONTENT_LENGTH, length);
        }
        let body = Body::from_stream(futures_util::stream::iter(
            chunks.map(Ok::<Bytes, std::io::Error>),
        ));
        let reply = h.check(request.body(body).expect("request")).expect("sane");
        assert_eq!(
            reply.status,
            StatusCode::PAYLOAD_TOO_LARGE,
            "declared {declared:?}"
        );
        let json: serde_json::Value = serde_json::from_slice(&reply.body).expect("JSON");
        assert_eq!(json["error"]["code"], "RequestEntityTooLarge");
    }
}

#[test]
fn reads_of_seeded_photos_still_work_through_odd_but_valid_spellings() {
    let h = Harness::new();
    for path in [
        "/v1.0/users/FUZZ-USER/photo/$value",
        "/v1.0/users('fuzz-user')/photo/$value",
        "/v1.0/users/%66uzz-user/photo/$value",
        "/beta/me/photo/$value",
        "/v1.0/groups/FUZZ-GROUP/photos/64x64/$value",
    ] {
        let request = Request::get(path)
            .header(AUTHORIZATION, format!("Bearer {}", h.token))
            .body(Body::empty())
            .expect("request");
        let reply = h.check(request).expect("sane");
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert_eq!(reply.headers[CONTENT_TYPE], "image/jpeg", "{path}");
        if !path.contains("/photos/") {
            assert_eq!(reply.body, h.jpeg, "{path}");
        }
    }
}
