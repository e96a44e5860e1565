//! End to end: raw HTTP (reqwest, no generated client) against the emulator over 127.0.0.1.
//!
//! What a client of any language sees: the seed pages' examples, every validation rule with its
//! status and Graph error (whose `request-id` matches the header and which echoes the caller's
//! `client-request-id`), proof that no refused request changed the store, JSON body validation
//! on the fixture server with a JSON operation, and Microsoft's permission tables
//! (`spec/permissions.csv`), checked operation by operation on every API version.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::support::{SECRET, Served, bounded, jpeg, jpeg_prefixed, user_owner};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use photo_api::emulator::{OwnerKey, TokenSpec, tokens};
use photo_api::models::Version;
use photo_api::operations::ALL;
use photo_api::runtime::operation::{BodyKind, OperationSpec, TokenKind};
use photo_api::runtime::server::{JwtAuthorizer, RequestContext, ServerConfig};
use photo_tests::json_body::server::{Api, CreateNoteRequest, CreateNoteResponse};
use photo_tests::permission_facts::{self, Fact};
use serde_json::{Value, json};

/// v1.0's request size limit.
const V1_LIMIT: usize = 4 * 1024 * 1024;

/// Every kind of token, in the spec's scheme order.
const KINDS: [TokenKind; 3] = [
    TokenKind::DelegatedWork,
    TokenKind::DelegatedPersonal,
    TokenKind::Application,
];

/// An answer, read whole.
#[derive(Debug)]
struct Reply {
    status: u16,
    headers: HeaderMap,
    body: Bytes,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|err| {
            panic!(
                "not JSON ({err}): {:?}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// `error.code` of a Graph error body, if it is one.
    fn code(&self) -> Option<String> {
        serde_json::from_slice::<Value>(&self.body)
            .ok()?
            .pointer("/error/code")?
            .as_str()
            .map(str::to_owned)
    }
}

/// A request body: whole (sent with `Content-Length`) or streamed (chunked, no length).
enum Payload {
    None,
    Whole(Bytes),
    Chunked(Bytes),
}

/// A raw HTTP client that labels every request with a fresh `client-request-id`.
struct Raw {
    http: reqwest::Client,
    origin: String,
    ids: AtomicU64,
}

impl Raw {
    fn new(origin: String) -> Raw {
        Raw {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(std::time::Duration::from_secs(20))
                .build()
                .expect("a reqwest client"),
            origin,
            ids: AtomicU64::new(1),
        }
    }

    /// Sends `method path` with `headers` and `payload`; returns the reply and the
    /// `client-request-id` it was sent with.
    async fn send(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        payload: Payload,
    ) -> (Reply, String) {
        let id = format!(
            "c0ffee00-0000-4000-8000-{:012x}",
            self.ids.fetch_add(1, Ordering::Relaxed)
        );
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.origin))
            .header("client-request-id", &id);
        for (name, value) in headers {
            let name = HeaderName::from_bytes(name.as_bytes()).expect("a header name");
            let value = HeaderValue::from_str(value).expect("a header value");
            request = request.header(name, value);
        }
        request = match payload {
            Payload::None => request,
            Payload::Whole(bytes) => request.body(bytes),
            Payload::Chunked(bytes) => {
                let chunks: Vec<Result<Bytes, std::io::Error>> = bytes
                    .chunks(64 * 1024)
                    .map(|chunk| Ok(Bytes::copy_from_slice(chunk)))
                    .collect();
                request.body(reqwest::Body::wrap_stream(futures_util::stream::iter(
                    chunks,
                )))
            }
        };
        let response = request
            .send()
            .await
            .unwrap_or_else(|err| panic!("{method} {path}: no answer: {err:?}"));
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await.expect("the answer's body");
        (
            Reply {
                status,
                headers,
                body,
            },
            id,
        )
    }

    /// Sends with a bearer token.
    async fn call(
        &self,
        method: Method,
        path: &str,
        token: &str,
        headers: &[(&str, &str)],
        payload: Payload,
    ) -> (Reply, String) {
        let authorization = format!("Bearer {token}");
        let mut all = vec![("authorization", authorization.as_str())];
        all.extend_from_slice(headers);
        self.send(method, path, &all, payload).await
    }

    /// The `(ETag, bytes)` served at `content_path`, or `None` for `404 ImageNotFound`.
    async fn photo(&self, content_path: &str, token: &str) -> Option<(String, Bytes)> {
        let (reply, _) = self
            .call(Method::GET, content_path, token, &[], Payload::None)
            .await;
        match reply.status {
            200 => Some((
                reply.header("etag").expect("an ETag").to_owned(),
                reply.body,
            )),
            404 if reply.code().as_deref() == Some("ImageNotFound") => None,
            _ => panic!("GET {content_path}: {reply:?}"),
        }
    }
}

/// Checks a Graph error answer: status, `error.code`, a message, a date, the `request-id`
/// header equal to `innerError.request-id`, and the caller's `client-request-id` echoed in both
/// the header and the inner error. Returns `error`.
fn assert_graph_error(reply: &Reply, sent_id: &str, status: u16, code: &str, what: &str) -> Value {
    assert_eq!(
        reply.status,
        status,
        "{what}: {:?}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(
        reply.header("content-type"),
        Some("application/json"),
        "{what}"
    );
    let body = reply.json();
    let error = &body["error"];
    assert_eq!(error["code"], code, "{what}: {body}");
    assert!(
        error["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{what}: {body}"
    );
    let inner = &error["innerError"];
    assert!(
        inner["date"].as_str().is_some_and(|d| d.len() >= 19),
        "{what}: {body}"
    );
    let request_id = reply.header("request-id").unwrap_or_default();
    assert!(!request_id.is_empty(), "{what}: no request-id header");
    assert_eq!(inner["request-id"], request_id, "{what}: {body}");
    assert_eq!(reply.header("client-request-id"), Some(sent_id), "{what}");
    assert_eq!(inner["client-request-id"], sent_id, "{what}: {body}");
    error.clone()
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// A token with hand-written `claims`, HS256-signed with `secret`.
fn signed(claims: &Value, secret: &[u8]) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(secret),
    )
    .expect("a test token")
}

/// Claims like the emulator's, for a delegated token of `subject` with `scopes`.
fn claims(subject: &str, scopes: &str) -> Value {
    json!({
        "aud": JwtAuthorizer::GRAPH_AUDIENCES[0],
        "iss": tokens::ISSUER,
        "iat": now(),
        "nbf": now(),
        "exp": now() + 600,
        "oid": subject,
        "sub": subject,
        "tid": tokens::DEV_TENANT_ID,
        "scp": scopes,
    })
}

/// A token of `kind` holding exactly `scopes`.
fn token_spec(kind: TokenKind, subject: &str, scopes: &[&str]) -> TokenSpec {
    let scopes: Vec<String> = scopes.iter().map(|s| (*s).to_owned()).collect();
    match kind {
        TokenKind::DelegatedWork => TokenSpec::delegated(subject, scopes),
        TokenKind::DelegatedPersonal => TokenSpec::delegated(subject, scopes).personal(),
        TokenKind::Application => TokenSpec::application(subject, scopes),
        other => panic!("the photo spec's schemes are OAuth 2.0 ones, not {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_pages_examples() {
    bounded(async {
        let served = Served::start().await;
        let raw = Raw::new(served.origin());
        let subject = "48d31887-5fad-4d73-a9f5-3c356e68a038";
        let token = served.token(&TokenSpec::delegated(
            subject,
            ["User.ReadWrite", "User.Read"],
        ));

        // PUT https://graph.microsoft.com/beta/me/photo/$value, Content-type: image/jpeg.
        let upload = jpeg(120, 120, 1);
        let (reply, _) = raw
            .call(
                Method::PUT,
                "/beta/me/photo/$value",
                &token,
                &[("Content-type", "image/jpeg")],
                Payload::Whole(upload.clone()),
            )
            .await;
        assert_eq!(reply.status, 200, "{reply:?}");
        assert!(reply.body.is_empty(), "200 OK has no body: {reply:?}");
        let (etag, bytes) = raw
            .photo("/beta/me/photo/$value", &token)
            .await
            .expect("the uploaded photo");
        assert_eq!(bytes, upload);

        // PATCH https://graph.microsoft.com/beta/users/{id}/photo with the seed's body: no token
        // may do it, not even one holding every permission.
        let mutations = served.mutations();
        let everything = served.token(&TokenSpec::application(
            "seed-app",
            [
                "User.ReadWrite.All",
                "ProfilePhoto.ReadWrite.All",
                "User.Read.All",
            ],
        ));
        for token in [&everything, &token] {
            let (reply, id) = raw
                .call(
                    Method::PATCH,
                    &format!("/beta/users/{subject}/photo"),
                    token,
                    &[("Content-type", "application/json")],
                    Payload::Whole(Bytes::from_static(
                        br#"{"height":99,"width":99,"id":"id-value"}"#,
                    )),
                )
                .await;
            let error =
                assert_graph_error(&reply, &id, 403, "Authorization_RequestDenied", "PATCH");
            assert!(
                error["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("updateUserPhoto")),
                "{error}"
            );
        }
        assert_eq!(served.mutations(), mutations);
        let (metadata, _) = raw
            .call(Method::GET, "/beta/me/photo", &token, &[], Payload::None)
            .await;
        let body = reply_json(&metadata);
        assert_eq!(
            (body["height"].as_i64(), body["width"].as_i64()),
            (Some(120), Some(120))
        );
        assert_eq!(body["id"], "120X120");
        assert_eq!(body["@odata.mediaEtag"], etag.as_str());
    })
    .await;
}

fn reply_json(reply: &Reply) -> Value {
    assert_eq!(reply.status, 200, "{reply:?}");
    reply.json()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_refusal_is_a_graph_error_and_changes_nothing() {
    bounded(async {
        let served = Served::start().await;
        let raw = Raw::new(served.origin());
        let subject = "validated-user";
        let path = "/v1.0/me/photo/$value";
        let owner = served.token(&TokenSpec::delegated(
            subject,
            ["User.ReadWrite", "User.Read"],
        ));
        let (reply, _) = raw
            .call(
                Method::PUT,
                path,
                &owner,
                &[("content-type", "image/jpeg")],
                Payload::Whole(jpeg(100, 100, 2)),
            )
            .await;
        assert_eq!(reply.status, 200, "{reply:?}");
        let before = raw.photo(path, &owner).await.expect("the photo to protect");

        let other_secret = tokens::mint(
            &TokenSpec::delegated(subject, ["User.ReadWrite"]),
            b"not the emulator's secret",
        )
        .expect("a token");
        let mut expired_claims = claims(subject, "User.ReadWrite");
        expired_claims["iat"] = json!(now() - 7200);
        expired_claims["nbf"] = json!(now() - 7200);
        expired_claims["exp"] = json!(now() - 3600);
        let expired = signed(&expired_claims, SECRET.as_bytes());
        let elsewhere = served.token(
            &TokenSpec::delegated(subject, ["User.ReadWrite"]).audience("api://another-api"),
        );
        let unsigned = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(claims(subject, "User.ReadWrite").to_string())
        );
        let app = served.token(&TokenSpec::application(
            subject,
            ["User.ReadWrite.All", "User.Read.All"],
        ));
        let reader = served.token(&TokenSpec::delegated(subject, ["User.Read"]));
        let bearer = |token: &str| format!("Bearer {token}");

        let replacement = jpeg(100, 100, 3);
        let oversized = {
            let mut bytes = replacement.to_vec();
            bytes.resize(V1_LIMIT + 1, 0);
            Bytes::from(bytes)
        };
        struct Case {
            what: &'static str,
            authorization: Option<String>,
            content_type: Option<&'static str>,
            payload: Payload,
            status: u16,
            code: &'static str,
        }
        let case = |what, authorization: Option<String>, payload, status, code| Case {
            what,
            authorization,
            content_type: Some("image/jpeg"),
            payload,
            status,
            code,
        };
        let jpeg_body = || Payload::Whole(replacement.clone());
        let unauthenticated = "InvalidAuthenticationToken";
        let denied = "Authorization_RequestDenied";
        let cases = vec![
            case("no Authorization", None, jpeg_body(), 401, unauthenticated),
            case(
                "Basic credentials",
                Some("Basic dXNlcjpwYXNz".into()),
                jpeg_body(),
                401,
                unauthenticated,
            ),
            case(
                "Bearer without a token",
                Some("Bearer".into()),
                jpeg_body(),
                401,
                unauthenticated,
            ),
            case(
                "a token that is not a JWT",
                Some(bearer("not-a-jwt")),
                jpeg_body(),
                401,
                unauthenticated,
            ),
            case(
                "a bad signature",
                Some(bearer(&other_secret)),
                jpeg_body(),
                401,
                unauthenticated,
            ),
            case(
                "an expired token",
                Some(bearer(&expired)),
                jpeg_body(),
                401,
                unauthenticated,
            ),
            case(
                "the wrong audience",
                Some(bearer(&elsewhere)),
                jpeg_body(),
                401,
                unauthenticated,
            ),
            case(
                "alg: none",
                Some(bearer(&unsigned)),
                jpeg_body(),
                401,
                unauthenticated,
            ),
            case(
                "an application token on /me",
                Some(bearer(&app)),
                jpeg_body(),
                403,
                denied,
            ),
            case(
                "User.Read for an upload",
                Some(bearer(&reader)),
                jpeg_body(),
                403,
                denied,
            ),
            Case {
                content_type: Some("image/png"),
                ..case(
                    "Content-Type image/png",
                    Some(bearer(&owner)),
                    jpeg_body(),
                    415,
                    "UnsupportedMediaType",
                )
            },
            Case {
                content_type: None,
                ..case(
                    "no Content-Type",
                    Some(bearer(&owner)),
                    jpeg_body(),
                    415,
                    "UnsupportedMediaType",
                )
            },
            case(
                "over v1.0's limit, with Content-Length",
                Some(bearer(&owner)),
                Payload::Whole(oversized.clone()),
                413,
                "RequestEntityTooLarge",
            ),
            case(
                "over v1.0's limit, chunked",
                Some(bearer(&owner)),
                Payload::Chunked(oversized.clone()),
                413,
                "RequestEntityTooLarge",
            ),
            case(
                "not an image",
                Some(bearer(&owner)),
                Payload::Whole(jpeg_prefixed(1000)),
                400,
                "ErrorInvalidImage",
            ),
            case(
                "an empty body",
                Some(bearer(&owner)),
                Payload::Whole(Bytes::new()),
                400,
                "BadRequest",
            ),
        ];
        for case in cases {
            let mutations = served.mutations();
            let mut headers = Vec::new();
            if let Some(authorization) = &case.authorization {
                headers.push(("authorization", authorization.as_str()));
            }
            if let Some(content_type) = case.content_type {
                headers.push(("content-type", content_type));
            }
            let (reply, id) = raw.send(Method::PUT, path, &headers, case.payload).await;
            assert_graph_error(&reply, &id, case.status, case.code, case.what);
            if case.status == 401 {
                assert_eq!(
                    reply.header("www-authenticate"),
                    Some("Bearer"),
                    "{}",
                    case.what
                );
            }
            assert_eq!(
                served.mutations(),
                mutations,
                "{} changed the store",
                case.what
            );
            assert_eq!(
                raw.photo(path, &owner).await.as_ref(),
                Some(&before),
                "{} changed the photo",
                case.what
            );
        }
        // The same chunked body is within beta's limit: only the version's limit refused it.
        let (reply, _) = raw
            .call(
                Method::PUT,
                "/beta/me/photo/$value",
                &owner,
                &[("content-type", "image/jpeg")],
                Payload::Chunked(oversized.clone()),
            )
            .await;
        assert_eq!(reply.status, 200, "{reply:?}");
        let (_, stored) = raw.photo(path, &owner).await.expect("the beta upload");
        assert_eq!(stored, oversized);
    })
    .await;
}

/// A complete 1x1 RGB PNG: a real image, in a format Graph does not take for photos.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53,
    0xDE, 0x00, 0x00, 0x00, 0x0C, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0x00,
    0x00, 0x03, 0x01, 0x01, 0x00, 0xC9, 0xFE, 0x92, 0xEF, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E,
    0x44, 0xAE, 0x42, 0x60, 0x82,
];

/// An upload is judged by its bytes under either media type the spec declares (`image/jpeg`,
/// from Microsoft's docs, and `application/octet-stream`, which Microsoft's SDKs send): a JPEG is
/// stored and served back as `image/jpeg` whichever it came as; anything else under those types
/// is `400 ErrorInvalidImage`; every other media type, `image/png` included, is `415`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_are_judged_by_their_bytes_under_either_accepted_media_type() {
    bounded(async {
        let served = Served::start().await;
        let raw = Raw::new(served.origin());
        let owner = served.token(&TokenSpec::delegated(
            "media-user",
            ["User.ReadWrite", "User.Read"],
        ));
        let mut seed = 10;
        for version in ["v1.0", "beta"] {
            let content = format!("/{version}/me/photo/$value");
            for media_type in [
                "image/jpeg",
                "application/octet-stream",
                "Application/Octet-Stream; charset=binary",
            ] {
                seed += 1;
                let photo = jpeg(120, 90, seed);
                let (reply, _) = raw
                    .call(
                        Method::PUT,
                        &content,
                        &owner,
                        &[("content-type", media_type)],
                        Payload::Whole(photo.clone()),
                    )
                    .await;
                assert_eq!(reply.status, 200, "{version} {media_type}: {reply:?}");
                let (reply, _) = raw
                    .call(Method::GET, &content, &owner, &[], Payload::None)
                    .await;
                assert_eq!(reply.status, 200, "{version} {media_type}: {reply:?}");
                assert_eq!(reply.header("content-type"), Some("image/jpeg"));
                assert_eq!(reply.body, photo, "{version} {media_type}: not byte-exact");
                let (reply, _) = raw
                    .call(
                        Method::GET,
                        &format!("/{version}/me/photo"),
                        &owner,
                        &[],
                        Payload::None,
                    )
                    .await;
                let metadata = reply.json();
                assert_eq!(metadata["@odata.mediaContentType"], "image/jpeg");
                assert_eq!(
                    (metadata["width"].clone(), metadata["height"].clone()),
                    (json!(120), json!(90))
                );
            }
            let before = raw.photo(&content, &owner).await.expect("the stored photo");
            let refusals: [(&str, Bytes, u16, &str); 6] = [
                (
                    "image/png",
                    Bytes::from_static(PNG),
                    415,
                    "UnsupportedMediaType",
                ),
                (
                    "image/gif",
                    Bytes::from_static(b"GIF89a"),
                    415,
                    "UnsupportedMediaType",
                ),
                ("text/plain", jpeg(8, 8, 1), 415, "UnsupportedMediaType"),
                (
                    "application/octet-stream",
                    Bytes::from_static(PNG),
                    400,
                    "ErrorInvalidImage",
                ),
                (
                    "image/jpeg",
                    Bytes::from_static(PNG),
                    400,
                    "ErrorInvalidImage",
                ),
                (
                    "application/octet-stream",
                    Bytes::from_static(b"not an image at all"),
                    400,
                    "ErrorInvalidImage",
                ),
            ];
            for (media_type, body, status, code) in refusals {
                let what = format!("{version}: {media_type}, {} bytes", body.len());
                let mutations = served.mutations();
                let (reply, id) = raw
                    .call(
                        Method::PUT,
                        &content,
                        &owner,
                        &[("content-type", media_type)],
                        Payload::Whole(body),
                    )
                    .await;
                assert_graph_error(&reply, &id, status, code, &what);
                assert_eq!(served.mutations(), mutations, "{what} changed the store");
                assert_eq!(
                    raw.photo(&content, &owner).await.as_ref(),
                    Some(&before),
                    "{what}"
                );
            }
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_paths_and_methods_are_refused() {
    bounded(async {
        let served = Served::start().await;
        let raw = Raw::new(served.origin());
        let subject = "routing-user";
        let token = served.token(&TokenSpec::delegated(
            subject,
            ["User.ReadWrite", "User.Read", "Contacts.ReadWrite"],
        ));
        let upload = jpeg(64, 64, 4);
        for path in ["/v1.0/me/photo/$value", "/v1.0/me/contacts/c1/photo/$value"] {
            let (reply, _) = raw
                .call(
                    Method::PUT,
                    path,
                    &token,
                    &[("content-type", "image/jpeg")],
                    Payload::Whole(upload.clone()),
                )
                .await;
            assert_eq!(reply.status, 200, "{path}: {reply:?}");
        }
        let guarded = [
            raw.photo("/v1.0/me/photo/$value", &token).await,
            raw.photo("/v1.0/me/contacts/c1/photo/$value", &token).await,
        ];
        let mutations = served.mutations();
        let cases: [(Method, &str, u16, &str); 8] = [
            (
                Method::GET,
                "/v1.0/me/photograph",
                404,
                "Request_ResourceNotFound",
            ),
            (
                Method::GET,
                "/v2.0/me/photo",
                404,
                "Request_ResourceNotFound",
            ),
            (
                Method::GET,
                "/v1.0/me/photo/$value/extra",
                404,
                "Request_ResourceNotFound",
            ),
            (
                Method::GET,
                "/v1.0/users/a/b/photo",
                404,
                "Request_ResourceNotFound",
            ),
            (
                Method::DELETE,
                "/v1.0/me/contacts/c1/photo",
                405,
                "MethodNotAllowed",
            ),
            (
                Method::PATCH,
                "/v1.0/me/photo/$value",
                405,
                "MethodNotAllowed",
            ),
            (
                Method::DELETE,
                "/v1.0/me/photo/$value",
                405,
                "MethodNotAllowed",
            ),
            (Method::PUT, "/v1.0/me/photo", 405, "MethodNotAllowed"),
        ];
        for (method, path, status, code) in cases {
            let what = format!("{method} {path}");
            let payload = match method {
                Method::PATCH => Payload::Whole(Bytes::from_static(b"{\"height\":1}")),
                Method::PUT => Payload::Whole(upload.clone()),
                _ => Payload::None,
            };
            let (reply, id) = raw.call(method, path, &token, &[], payload).await;
            assert_graph_error(&reply, &id, status, code, &what);
            if status == 405 {
                assert!(reply.header("allow").is_some(), "{what}: no Allow header");
            }
            assert_eq!(served.mutations(), mutations, "{what} changed the store");
            let now = [
                raw.photo("/v1.0/me/photo/$value", &token).await,
                raw.photo("/v1.0/me/contacts/c1/photo/$value", &token).await,
            ];
            assert_eq!(now, guarded, "{what} changed a photo");
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn encoded_user_keys_are_decoded_exactly_once() {
    bounded(async {
        let served = Served::start().await;
        let raw = Raw::new(served.origin());
        let app = served.token(&TokenSpec::application(
            "keys-app",
            ["User.ReadWrite.All", "User.Read.All"],
        ));
        let upload = jpeg(64, 64, 5);
        let (reply, _) = raw
            .call(
                Method::PUT,
                "/v1.0/users/a%2Fb@contoso.com/photo/$value",
                &app,
                &[("content-type", "image/jpeg")],
                Payload::Whole(upload.clone()),
            )
            .await;
        assert_eq!(reply.status, 200, "{reply:?}");
        let stored = served
            .stored(&user_owner("a/b@contoso.com"))
            .expect("stored under the key decoded once");
        assert_eq!(stored.content(), &upload);
        assert_eq!(served.emulator.store().len(), 1);

        let same = raw
            .photo("/v1.0/users/a%2Fb@contoso.com/photo/$value", &app)
            .await;
        assert_eq!(same.map(|(_, bytes)| bytes), Some(upload.clone()));
        let key_form = raw
            .photo("/v1.0/users('a%2Fb@contoso.com')/photo/$value", &app)
            .await;
        assert_eq!(key_form.map(|(_, bytes)| bytes), Some(upload.clone()));
        // Decoding twice would turn %252F into "/" and find the photo: it must not.
        assert_eq!(
            raw.photo("/v1.0/users/a%252Fb@contoso.com/photo/$value", &app)
                .await,
            None
        );
        // An unencoded "/" is a different path altogether.
        let (reply, id) = raw
            .call(
                Method::GET,
                "/v1.0/users/a/b@contoso.com/photo/$value",
                &app,
                &[],
                Payload::None,
            )
            .await;
        assert_graph_error(
            &reply,
            &id,
            404,
            "Request_ResourceNotFound",
            "a/b unencoded",
        );

        // A principal name starting with `$` needs the key form; a quote inside is doubled.
        let (reply, _) = raw
            .call(
                Method::PUT,
                "/v1.0/users('$o''brien@contoso.com')/photo/$value",
                &app,
                &[("content-type", "image/jpeg")],
                Payload::Whole(upload.clone()),
            )
            .await;
        assert_eq!(reply.status, 200, "{reply:?}");
        assert!(served.stored(&user_owner("$o'brien@contoso.com")).is_some());
        let encoded = raw
            .photo(
                "/v1.0/users('%24o%27%27brien%40contoso.com')/photo/$value",
                &app,
            )
            .await;
        assert_eq!(encoded.map(|(_, bytes)| bytes), Some(upload));
    })
    .await;
}

/// The fixture API with a JSON body: echoes the note, counting the calls that got through.
#[derive(Default)]
struct Notes {
    calls: AtomicUsize,
}

impl Api for Notes {
    async fn create_note(
        &self,
        _context: RequestContext,
        request: CreateNoteRequest,
    ) -> CreateNoteResponse {
        self.calls.fetch_add(1, Ordering::SeqCst);
        CreateNoteResponse::Created { body: request.body }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_json_bodies_are_refused_naming_the_field() {
    bounded(async {
        let notes = Arc::new(Notes::default());
        let config = ServerConfig::new(JwtAuthorizer::hs256(SECRET));
        let router = photo_tests::json_body::server::router(notes.clone(), config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let origin = format!("http://{}", listener.local_addr().expect("an address"));
        let server = tokio::spawn(async move { axum::serve(listener, router).await });
        let raw = Raw::new(origin);
        let token = tokens::mint(
            &TokenSpec::delegated("note-taker", ["Files.ReadWrite"]),
            SECRET.as_bytes(),
        )
        .expect("a token");

        let cases: [(&str, &str); 8] = [
            (
                r#"{"text":5}"#,
                "text: invalid type: integer `5`, expected a string",
            ),
            (
                r#"{"text":"a","pinned":"yes"}"#,
                "pinned: invalid type: string",
            ),
            (
                r#"{"text":"a","tags":["x",7]}"#,
                "tags[1]: invalid type: integer `7`",
            ),
            (r#"{"text":"a","size":"big"}"#, "size: invalid type: string"),
            (r#"{"text":"a","type":[]}"#, "type: invalid type: sequence"),
            (
                r#"{"pinned":true}"#,
                "Invalid JSON body: missing field `text`",
            ),
            (r#"{"text":"#, "text: EOF while parsing a value"),
            (
                r#"{"text":"a"} {}"#,
                "Invalid JSON body: trailing characters",
            ),
        ];
        for (body, message) in cases {
            let (reply, id) = raw
                .call(
                    Method::POST,
                    "/notes",
                    &token,
                    &[("content-type", "application/json")],
                    Payload::Whole(Bytes::from(body)),
                )
                .await;
            let error = assert_graph_error(&reply, &id, 400, "BadRequest", body);
            let said = error["message"].as_str().unwrap_or_default();
            assert!(said.starts_with(message), "{body}: {said:?}");
        }
        assert_eq!(
            notes.calls.load(Ordering::SeqCst),
            0,
            "a bad body reached the API"
        );

        let (reply, id) = raw
            .call(
                Method::POST,
                "/notes",
                &token,
                &[("content-type", "application/json; charset=utf-8")],
                Payload::Whole(Bytes::from_static(
                    br#"{"text":"hi","tags":["a"],"size":null,"type":"memo"}"#,
                )),
            )
            .await;
        assert_eq!(reply.status, 201, "{reply:?}");
        assert_eq!(
            reply.json(),
            json!({"text": "hi", "tags": ["a"], "type": "memo"})
        );
        assert_eq!(reply.header("client-request-id"), Some(id.as_str()));
        assert_eq!(notes.calls.load(Ordering::SeqCst), 1);

        let (reply, id) = raw
            .call(
                Method::POST,
                "/notes",
                &token,
                &[("content-type", "text/plain")],
                Payload::Whole(Bytes::from_static(br#"{"text":"hi"}"#)),
            )
            .await;
        assert_graph_error(&reply, &id, 415, "UnsupportedMediaType", "text/plain");
        assert_eq!(notes.calls.load(Ordering::SeqCst), 1);
        server.abort();
    })
    .await;
}

/// The path of `op` with every parameter filled in, under API `version`.
fn concrete_path(op: &OperationSpec, version: &str) -> String {
    let filled = op
        .path
        .split('/')
        .map(|segment| match segment {
            "{user-id}" => "matrix-user@contoso.com",
            "{group-id}" => "matrix-group",
            "{contact-id}" => "matrix-contact",
            "{contactFolder-id}" => "matrix-folder",
            "{size}" => "48x48",
            other => {
                assert!(
                    !other.starts_with('{'),
                    "unknown parameter {other} in {}",
                    op.path
                );
                other
            }
        })
        .collect::<Vec<_>>()
        .join("/");
    format!("/{version}{filled}")
}

/// The spec's name of the scheme of `kind` (one scheme per kind in this spec).
fn scheme_name(kind: TokenKind) -> &'static str {
    photo_api::operations::schemes::ALL
        .iter()
        .find(|scheme| scheme.kind == kind)
        .map(|scheme| scheme.name)
        .expect("a scheme of every kind")
}

/// Every permission the permission table names for the scheme of `kind`.
fn permissions_of(facts: &[Fact], kind: TokenKind) -> BTreeSet<&str> {
    facts
        .iter()
        .filter(|fact| fact.scheme == scheme_name(kind) && fact.is_permission())
        .map(|fact| fact.permission.as_str())
        .collect()
}

/// Whether `reply` means the token was good enough: any success, `304`, or the `404` of a missing
/// photo (a question only an authorized caller gets answered).
fn authorized(reply: &Reply) -> bool {
    matches!(reply.status, 200 | 204 | 304)
        || (reply.status == 404 && reply.code().as_deref() == Some("ImageNotFound"))
}

/// Microsoft's permission tables (`spec/permissions.csv`), request by request, on every API
/// version and for every kind of token: each permission of an operation's table is accepted on
/// its own; each permission outside it, alone, is refused with Graph's 403 body naming the least
/// privileged permission of that version, and changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_permission_tables_hold_for_every_operation_and_version() {
    bounded(async {
        let facts = permission_facts::load().unwrap_or_else(|err| panic!("{err}"));
        let served = Served::start().await;
        let raw = Raw::new(served.origin());
        let upload = jpeg(64, 64, 6);
        let subject = "matrix-user@contoso.com";
        let send = |op: &'static OperationSpec, version: &'static str, token: String| {
            let raw = &raw;
            let upload = upload.clone();
            async move {
                let path = concrete_path(op, version);
                let (content_type, payload) = match &op.request_body {
                    Some(body) if body.kind == BodyKind::Binary => {
                        (body.media_types[0], Payload::Whole(upload))
                    }
                    Some(body) => (
                        body.media_types[0],
                        Payload::Whole(Bytes::from_static(b"{}")),
                    ),
                    None => ("", Payload::None),
                };
                let headers: Vec<(&str, &str)> = if content_type.is_empty() {
                    Vec::new()
                } else {
                    vec![("content-type", content_type)]
                };
                let (reply, id) = raw
                    .call(op.method.to_http(), &path, &token, &headers, payload)
                    .await;
                (reply, id, format!("{} {path}", op.id))
            }
        };
        let mut checked = 0usize;
        for version in Version::ALL.map(Version::as_str) {
            for op in ALL.iter().copied() {
                for kind in KINDS {
                    let table: Vec<&str> = permission_facts::applying(
                        &facts,
                        op.method.as_str(),
                        op.path,
                        version,
                        scheme_name(kind),
                    )
                    .into_iter()
                    .map(|fact| fact.permission.as_str())
                    .collect();
                    // Every permission of the table, the least privileged first, authorizes on
                    // its own.
                    for permission in &table {
                        let token = served.token(&token_spec(kind, subject, &[permission]));
                        let (reply, _, what) = send(op, version, token).await;
                        assert!(
                            authorized(&reply),
                            "{what} with only {permission} ({kind:?}): {reply:?}"
                        );
                        checked += 1;
                    }
                    // Each other permission of the same kind alone is refused, and so is a token
                    // of this kind holding all of them when the table has no row for the kind.
                    let mut refused: Vec<Vec<&str>> = permissions_of(&facts, kind)
                        .into_iter()
                        .filter(|permission| !table.contains(permission))
                        .map(|permission| vec![permission])
                        .collect();
                    if table.is_empty() {
                        refused.push(permissions_of(&facts, kind).into_iter().collect());
                    }
                    for scopes in refused {
                        let mutations = served.mutations();
                        let token = served.token(&token_spec(kind, subject, &scopes));
                        let (reply, id, what) = send(op, version, token).await;
                        let what = format!("{what} with only {scopes:?} ({kind:?})");
                        let error = assert_graph_error(
                            &reply,
                            &id,
                            403,
                            "Authorization_RequestDenied",
                            &what,
                        );
                        if let Some(least) = table.first() {
                            let message = error["message"].as_str().unwrap_or_default();
                            assert!(
                                message.contains(least),
                                "{what}: the refusal does not name {least}: {message}"
                            );
                        }
                        assert_eq!(served.mutations(), mutations, "{what} changed the store");
                        checked += 1;
                    }
                    // The least privileged permission in a token of another kind is accepted
                    // only where that kind's table has it too.
                    let Some(least) = table.first() else {
                        continue;
                    };
                    for other in KINDS.into_iter().filter(|other| *other != kind) {
                        let accepted = permission_facts::applying(
                            &facts,
                            op.method.as_str(),
                            op.path,
                            version,
                            scheme_name(other),
                        )
                        .iter()
                        .any(|fact| fact.permission == *least);
                        let token = served.token(&token_spec(other, subject, &[least]));
                        let (reply, id, what) = send(op, version, token).await;
                        let what = format!("{what} with {least} as {other:?}");
                        if accepted {
                            assert!(authorized(&reply), "{what}: {reply:?}");
                        } else {
                            assert_graph_error(
                                &reply,
                                &id,
                                403,
                                "Authorization_RequestDenied",
                                &what,
                            );
                        }
                        checked += 1;
                    }
                }
            }
        }
        // A sanity floor: the loops above really ran over the whole spec.
        assert!(checked > ALL.len() * 5, "only {checked} checks");
        // Authorized uploads landed where their paths say.
        assert!(served.stored(&user_owner(subject)).is_some());
        assert!(
            served
                .stored(&OwnerKey::new([("groups", "matrix-group")]))
                .is_some()
        );
    })
    .await;
}
