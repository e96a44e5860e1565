//! End-to-end tests: requests through the emulator's full router (generated routes, server
//! runtime, emulator middleware and service), as a client would send them.

use std::time::Duration;

use axum::body::Body;
use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use photo_api::emulator::imaging::{self, ImageInfo};
use photo_api::emulator::test_images::{self, undecodable_jpeg};
use photo_api::emulator::{Emulator, EmulatorBuilder, Faults, OwnerKey, TokenSpec, UploadCheck};
use photo_api::models::{ProfilePhoto, UserKey};
use photo_api::runtime::operation::TokenKind;
use photo_api::runtime::server::{Principal, RequestContext};
use photo_api::server::{Api, UpdateUserPhotoRequest, UpdateUserPhotoResponse};

const SECRET: &str = "emulator end-to-end test secret";
const HOST: &str = "emulator.test";

/// Every permission an app may hold for photos.
const APP_ROLES: [&str; 7] = [
    "User.Read.All",
    "User.ReadWrite.All",
    "ProfilePhoto.ReadWrite.All",
    "Group.Read.All",
    "Group.ReadWrite.All",
    "Contacts.Read",
    "Contacts.ReadWrite",
];

/// A signed-in user's usual delegated permissions.
const USER_SCOPES: [&str; 4] = [
    "User.Read",
    "User.ReadWrite",
    "Contacts.Read",
    "Contacts.ReadWrite",
];

struct Harness {
    emulator: Emulator,
    app: String,
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    fn error_code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

impl Harness {
    fn new() -> Self {
        Self::with(Emulator::builder())
    }

    fn with(builder: EmulatorBuilder) -> Self {
        let emulator = builder.secret(SECRET).build().expect("emulator");
        let app = emulator
            .token(&TokenSpec::application("app-1", APP_ROLES))
            .expect("token");
        Harness { emulator, app }
    }

    fn user_token(&self, subject: &str) -> String {
        self.emulator
            .token(&TokenSpec::delegated(subject, USER_SCOPES))
            .expect("token")
    }

    async fn send(
        &self,
        method: Method,
        uri: &str,
        token: &str,
        headers: &[(&str, &str)],
        body: Bytes,
    ) -> Reply {
        let mut request = Request::builder()
            .method(method)
            .uri(uri)
            .header("host", HOST)
            .header("authorization", format!("Bearer {token}"));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(Body::from(body)).expect("request");
        let response = self
            .emulator
            .router()
            .oneshot(request)
            .await
            .expect("infallible");
        let (parts, body) = response.into_parts();
        let body = body.collect().await.expect("body").to_bytes();
        Reply {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }

    async fn get(&self, uri: &str, token: &str) -> Reply {
        self.send(Method::GET, uri, token, &[], Bytes::new()).await
    }

    async fn put_photo(&self, uri: &str, token: &str, jpeg: &Bytes) -> Reply {
        self.send(
            Method::PUT,
            uri,
            token,
            &[("content-type", "image/jpeg")],
            jpeg.clone(),
        )
        .await
    }
}

#[tokio::test]
async fn upload_then_read_metadata_content_and_sizes() {
    let h = Harness::new();
    let jpeg = test_images::jpeg(300, 200, 0);
    let put = h
        .put_photo("/v1.0/users/u1/photo/$value", &h.app, &jpeg)
        .await;
    assert_eq!(put.status, StatusCode::OK, "{:?}", put.body);
    assert!(put.body.is_empty());

    let meta = h.get("/v1.0/users/U1/photo", &h.app).await;
    assert_eq!(meta.status, StatusCode::OK);
    let etag = meta.header("etag").expect("ETag").to_owned();
    let json = meta.json();
    assert_eq!(json["id"], "120X120");
    assert_eq!(
        (json["width"].as_i64(), json["height"].as_i64()),
        (Some(300), Some(200))
    );
    assert_eq!(json["@odata.mediaContentType"], "image/jpeg");
    assert_eq!(json["@odata.mediaEtag"], etag.as_str());
    assert_eq!(
        json["@odata.context"],
        "http://emulator.test/v1.0/$metadata#users('u1')/photo/$entity"
    );

    let content = h.get("/v1.0/users/u1/photo/$value", &h.app).await;
    assert_eq!(content.status, StatusCode::OK);
    assert_eq!(content.header("content-type"), Some("image/jpeg"));
    assert_eq!(content.header("etag"), Some(etag.as_str()));
    assert_eq!(content.body, jpeg);

    let list = h.get("/v1.0/users/u1/photos", &h.app).await.json();
    let ids: Vec<&str> = list["value"]
        .as_array()
        .expect("value")
        .iter()
        .filter_map(|item| item["id"].as_str())
        .collect();
    assert_eq!(ids, ["48X48", "64X64", "96X96", "120X120"]);

    let size = h
        .get("/v1.0/users/u1/photos/96x96?$select=id,width", &h.app)
        .await;
    assert_eq!(size.status, StatusCode::OK);
    let json = size.json();
    assert_eq!(
        (json["id"].as_str(), json["width"].as_i64()),
        (Some("96X96"), Some(96))
    );
    assert!(json.get("height").is_none(), "not selected: {json}");

    let resized = h.get("/v1.0/users/u1/photos/96x96/$value", &h.app).await;
    assert_eq!(resized.status, StatusCode::OK);
    assert_eq!(resized.header("content-type"), Some("image/jpeg"));
    assert_eq!(
        imaging::validate(&resized.body),
        Ok(ImageInfo {
            width: 96,
            height: 96
        })
    );
    let encodes = h.emulator.service().imaging().encodes();
    let again = h.get("/v1.0/users/u1/photos/96x96/$value", &h.app).await;
    assert_eq!(again.body, resized.body);
    assert_eq!(
        h.emulator.service().imaging().encodes(),
        encodes,
        "served from the cache"
    );

    for larger in ["240x240", "648x648"] {
        let reply = h
            .get(&format!("/v1.0/users/u1/photos/{larger}/$value"), &h.app)
            .await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        assert_eq!(reply.error_code(), "ImageNotFound");
    }
    let unknown = h.get("/v1.0/users/u1/photos/50x50", &h.app).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
}

/// A memory store that records the thread each change ran on, and says it waits on the disk or
/// not as told.
struct ThreadRecordingStore {
    inner: photo_api::emulator::store::MemoryStore,
    waits_on_disk: bool,
    threads: std::sync::Arc<std::sync::Mutex<Vec<std::thread::ThreadId>>>,
}

impl ThreadRecordingStore {
    fn record(&self) {
        if let Ok(mut threads) = self.threads.lock() {
            threads.push(std::thread::current().id());
        }
    }
}

impl photo_api::emulator::store::PhotoStore for ThreadRecordingStore {
    fn waits_on_disk(&self) -> bool {
        self.waits_on_disk
    }

    fn get(&self, owner: &OwnerKey) -> Option<std::sync::Arc<photo_api::emulator::store::Photo>> {
        self.inner.get(owner)
    }

    fn put(
        &self,
        owner: &OwnerKey,
        photo: photo_api::emulator::store::Photo,
    ) -> Result<
        std::sync::Arc<photo_api::emulator::store::Photo>,
        photo_api::emulator::store::StoreError,
    > {
        self.record();
        self.inner.put(owner, photo)
    }

    fn update(
        &self,
        owner: &OwnerKey,
        change: &dyn Fn(&photo_api::emulator::store::Photo) -> photo_api::emulator::store::Photo,
    ) -> Result<
        std::sync::Arc<photo_api::emulator::store::Photo>,
        photo_api::emulator::store::StoreError,
    > {
        self.record();
        self.inner.update(owner, change)
    }

    fn delete(
        &self,
        owner: &OwnerKey,
        condition: &dyn Fn(&photo_api::emulator::store::Photo) -> bool,
    ) -> Result<(), photo_api::emulator::store::StoreError> {
        self.record();
        self.inner.delete(owner, condition)
    }

    fn len(&self) -> usize {
        self.inner.len()
    }
}

/// Changes to a store that never waits on the disk run on the request's own thread; the others
/// go to a blocking thread, so a slow disk does not hold up other requests.
#[tokio::test]
async fn only_stores_that_wait_on_the_disk_are_changed_on_blocking_threads() {
    for waits_on_disk in [false, true] {
        let threads = std::sync::Arc::default();
        let store = ThreadRecordingStore {
            inner: photo_api::emulator::store::MemoryStore::default(),
            waits_on_disk,
            threads: std::sync::Arc::clone(&threads),
        };
        let h = Harness::with(Emulator::builder().store(store));
        let token = h.user_token("adele");
        let reply = h
            .put_photo(
                "/v1.0/me/photo/$value",
                &token,
                &test_images::jpeg(30, 20, 0),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK);
        let reply = h
            .send(Method::DELETE, "/v1.0/me/photo", &token, &[], Bytes::new())
            .await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT);
        let recorded = threads.lock().expect("lock").clone();
        assert_eq!(recorded.len(), 2, "a put and a delete");
        // A `#[tokio::test]` runtime has one thread: this one.
        let here = std::thread::current().id();
        assert!(
            recorded
                .iter()
                .all(|thread| (*thread == here) != waits_on_disk),
            "waits on the disk: {waits_on_disk}"
        );
    }
}

#[tokio::test]
async fn etags_make_reads_conditional() {
    let h = Harness::new();
    h.put_photo(
        "/beta/users/u1/photo/$value",
        &h.app,
        &test_images::jpeg(64, 64, 0),
    )
    .await;
    let etag = h
        .get("/beta/users/u1/photo", &h.app)
        .await
        .header("etag")
        .expect("ETag")
        .to_owned();
    for uri in [
        "/beta/users/u1/photo",
        "/beta/users/u1/photo/$value",
        "/beta/users/u1/photos/48x48",
        "/beta/users/u1/photos/48x48/$value",
    ] {
        let cached = h
            .send(
                Method::GET,
                uri,
                &h.app,
                &[("if-none-match", &etag)],
                Bytes::new(),
            )
            .await;
        assert_eq!(cached.status, StatusCode::NOT_MODIFIED, "{uri}");
        assert!(cached.body.is_empty());
        assert_eq!(cached.header("etag"), Some(etag.as_str()));
        let stale = h
            .send(
                Method::GET,
                uri,
                &h.app,
                &[("if-none-match", "\"old\"")],
                Bytes::new(),
            )
            .await;
        assert_eq!(stale.status, StatusCode::OK, "{uri}");
    }
    // A new upload changes the ETag.
    h.put_photo(
        "/beta/users/u1/photo/$value",
        &h.app,
        &test_images::jpeg(65, 64, 0),
    )
    .await;
    let reply = h
        .send(
            Method::GET,
            "/beta/users/u1/photo/$value",
            &h.app,
            &[("if-none-match", &etag)],
            Bytes::new(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_ne!(reply.header("etag"), Some(etag.as_str()));
}

#[tokio::test]
async fn delete_honours_if_match() {
    let h = Harness::new();
    let jpeg = test_images::jpeg(100, 100, 0);
    h.put_photo("/v1.0/groups/g1/photo/$value", &h.app, &jpeg)
        .await;
    let etag = h
        .get("/v1.0/groups/g1/photo", &h.app)
        .await
        .header("etag")
        .expect("ETag")
        .to_owned();

    let refused = h
        .send(
            Method::DELETE,
            "/v1.0/groups/g1/photo",
            &h.app,
            &[("if-match", "\"not-the-etag\"")],
            Bytes::new(),
        )
        .await;
    assert_eq!(refused.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(refused.error_code(), "PreconditionFailed");
    let still = h.get("/v1.0/groups/g1/photo/$value", &h.app).await;
    assert_eq!(still.body, jpeg, "a refused delete changes nothing");

    let deleted = h
        .send(
            Method::DELETE,
            "/v1.0/groups/g1/photo",
            &h.app,
            &[("if-match", &etag)],
            Bytes::new(),
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert!(deleted.body.is_empty());
    let gone = h.get("/v1.0/groups/g1/photo", &h.app).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(gone.error_code(), "ImageNotFound");

    // Without If-Match the delete is unconditional.
    h.put_photo("/v1.0/users/u2/photo/$value", &h.app, &jpeg)
        .await;
    let deleted = h
        .send(
            Method::DELETE,
            "/v1.0/users/u2/photo",
            &h.app,
            &[],
            Bytes::new(),
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert!(h.emulator.store().is_empty());
}

#[tokio::test]
async fn missing_photos_are_image_not_found() {
    let h = Harness::new();
    for (method, uri) in [
        (Method::GET, "/v1.0/users/nobody/photo"),
        (Method::GET, "/v1.0/users/nobody/photo/$value"),
        (Method::GET, "/v1.0/users/nobody/photos"),
        (Method::GET, "/v1.0/users/nobody/photos/48x48"),
        (Method::GET, "/v1.0/users/nobody/photos/48x48/$value"),
        (Method::DELETE, "/v1.0/users/nobody/photo"),
        (Method::GET, "/v1.0/groups/none/photo/$value"),
        (Method::GET, "/v1.0/users/nobody/contacts/c1/photo"),
    ] {
        let reply = h.send(method, uri, &h.app, &[], Bytes::new()).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(reply.error_code(), "ImageNotFound", "{uri}");
        assert!(reply.header("request-id").is_some());
    }
}

#[tokio::test]
async fn me_and_the_drive_owner_are_the_token_subject() {
    let h = Harness::with(Emulator::builder().user_alias("Adele@Contoso.com", "adele-oid"));
    let adele = h.user_token("adele-oid");
    let jpeg = test_images::jpeg(250, 250, 0);
    let put = h.put_photo("/v1.0/me/photo/$value", &adele, &jpeg).await;
    assert_eq!(put.status, StatusCode::OK);

    for (uri, token) in [
        ("/v1.0/me/photo/$value", &adele),
        ("/v1.0/drive/root/createdByUser/photo/$value", &adele),
        ("/v1.0/users/adele-oid/photo/$value", &h.app),
        ("/v1.0/users/adele@contoso.com/photo/$value", &h.app),
    ] {
        let reply = h.get(uri, token).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}");
        assert_eq!(reply.body, jpeg, "{uri}");
    }
    let meta = h.get("/v1.0/me/photo", &adele).await.json();
    assert_eq!(meta["id"], "240X240");
    assert_eq!(
        meta["@odata.context"],
        "http://emulator.test/v1.0/$metadata#users('adele-oid')/photo/$entity"
    );
    let sizes = h.get("/v1.0/me/photos", &adele).await.json();
    assert_eq!(sizes["value"].as_array().map(Vec::len), Some(5));

    // Another user's /me is their own.
    let other = h.get("/v1.0/me/photo", &h.user_token("someone-else")).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn contacts_and_folder_contacts_have_their_own_photos() {
    let h = Harness::new();
    let adele = h.user_token("adele");
    let contact = test_images::jpeg(60, 60, 0);
    let in_folder = test_images::jpeg(70, 70, 0);
    let put = h
        .put_photo("/beta/me/contacts/AAMkC1/photo/$value", &adele, &contact)
        .await;
    assert_eq!(put.status, StatusCode::OK);
    let put = h
        .put_photo(
            "/beta/users/adele/contactFolders/F1/contacts/AAMkC1/photo/$value",
            &h.app,
            &in_folder,
        )
        .await;
    assert_eq!(put.status, StatusCode::OK);

    let reply = h
        .get("/beta/users/ADELE/contacts/AAMkC1/photo/$value", &h.app)
        .await;
    assert_eq!(reply.body, contact);
    let reply = h
        .get(
            "/beta/me/contactFolders/F1/contacts/AAMkC1/photo/$value",
            &adele,
        )
        .await;
    assert_eq!(reply.body, in_folder);
    let meta = h
        .get("/beta/me/contactFolders/F1/contacts/AAMkC1/photo", &adele)
        .await
        .json();
    assert_eq!(
        meta["@odata.context"],
        "http://emulator.test/beta/$metadata#users('adele')/contactFolders('F1')/contacts('AAMkC1')/photo/$entity"
    );
    // Contact ids are case-sensitive; the user has no photo of their own.
    let other = h.get("/beta/me/contacts/aamkc1/photo", &adele).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    assert_eq!(
        h.get("/beta/me/photo", &adele).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(h.emulator.store().len(), 2);
}

#[tokio::test]
async fn invalid_images_are_refused_and_change_nothing() {
    let h = Harness::new();
    let jpeg = test_images::jpeg(80, 80, 0);
    h.put_photo("/v1.0/users/u1/photo/$value", &h.app, &jpeg)
        .await;
    let truncated = jpeg.slice(..10);
    let png =
        Bytes::from_static(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x02\0\0\0");
    let mut scrambled = jpeg.to_vec();
    let middle = scrambled.len() / 2;
    scrambled.truncate(middle);
    for body in [
        Bytes::from_static(b"not an image at all"),
        png,
        truncated,
        Bytes::from(scrambled),
    ] {
        let reply = h
            .put_photo("/v1.0/users/u1/photo/$value", &h.app, &body)
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body:?}");
        assert_eq!(reply.error_code(), "ErrorInvalidImage");
    }
    let empty = h
        .put_photo("/v1.0/users/u1/photo/$value", &h.app, &Bytes::new())
        .await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    let wrong_type = h
        .send(
            Method::PUT,
            "/v1.0/users/u1/photo/$value",
            &h.app,
            &[("content-type", "image/png")],
            jpeg.clone(),
        )
        .await;
    assert_eq!(wrong_type.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        h.get("/v1.0/users/u1/photo/$value", &h.app).await.body,
        jpeg
    );
    assert_eq!(h.emulator.store().len(), 1);
}

#[tokio::test]
async fn damaged_image_data_is_refused_when_a_size_is_made() {
    let h = Harness::new();
    let damaged = undecodable_jpeg(&test_images::jpeg(100, 80, 0));
    // The structure is sound, so the upload is stored and read back as sent.
    let stored = h
        .put_photo("/v1.0/users/u1/photo/$value", &h.app, &damaged)
        .await;
    assert_eq!(stored.status, StatusCode::OK);
    assert_eq!(
        h.get("/v1.0/users/u1/photo/$value", &h.app).await.body,
        damaged
    );
    let metadata = h.get("/v1.0/users/u1/photos/48x48", &h.app).await;
    assert_eq!(metadata.status, StatusCode::OK);
    // Making a size decodes it: a Graph error, never a 5xx, and decoded once.
    for _ in 0..2 {
        let sized = h.get("/v1.0/users/u1/photos/48x48/$value", &h.app).await;
        assert_eq!(sized.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(sized.error_code(), "ErrorInvalidImage");
        assert_eq!(sized.header("content-type"), Some("application/json"));
    }
    assert_eq!(h.emulator.service().imaging().decode_failures(), 1);
    // A sound upload replaces it and sizes work again.
    let jpeg = test_images::jpeg(100, 80, 0);
    h.put_photo("/v1.0/users/u1/photo/$value", &h.app, &jpeg)
        .await;
    let sized = h.get("/v1.0/users/u1/photos/48x48/$value", &h.app).await;
    assert_eq!(sized.status, StatusCode::OK);
}

#[tokio::test]
async fn decoding_uploads_refuses_damaged_image_data_at_once() {
    let h = Harness::with(Emulator::builder().upload_check(UploadCheck::Decode));
    let jpeg = test_images::jpeg(100, 80, 0);
    h.put_photo("/v1.0/users/u1/photo/$value", &h.app, &jpeg)
        .await;
    let refused = h
        .put_photo(
            "/v1.0/users/u1/photo/$value",
            &h.app,
            &undecodable_jpeg(&jpeg),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(refused.error_code(), "ErrorInvalidImage");
    assert_eq!(
        h.get("/v1.0/users/u1/photo/$value", &h.app).await.body,
        jpeg
    );
}

#[tokio::test]
async fn tokens_are_checked_before_anything_else() {
    let h = Harness::new();
    let jpeg = test_images::jpeg(50, 50, 0);
    let forged = photo_api::emulator::tokens::mint(
        &TokenSpec::application("app", APP_ROLES),
        b"some other secret",
    )
    .expect("token");
    let reply = h
        .put_photo("/v1.0/users/u1/photo/$value", &forged, &jpeg)
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    // A user may not write another user's photo with User.ReadWrite alone.
    let reply = h
        .put_photo("/v1.0/users/u1/photo/$value", &h.user_token("u2"), &jpeg)
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(h.emulator.store().is_empty());
}

#[tokio::test]
async fn photos_persist_across_a_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let jpeg = test_images::jpeg(300, 200, 0);
    let etag = {
        let h = Harness::with(Emulator::builder().data_dir(dir.path()));
        h.put_photo("/v1.0/users/u1/photo/$value", &h.app, &jpeg)
            .await;
        h.put_photo("/v1.0/groups/g1/photo/$value", &h.app, &jpeg)
            .await;
        let deleted = h
            .send(
                Method::DELETE,
                "/v1.0/groups/g1/photo",
                &h.app,
                &[],
                Bytes::new(),
            )
            .await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT);
        h.get("/v1.0/users/u1/photo", &h.app)
            .await
            .header("etag")
            .expect("ETag")
            .to_owned()
    };
    let h = Harness::with(Emulator::builder().data_dir(dir.path()));
    assert_eq!(
        h.emulator.load_report().map(|report| report.loaded),
        Some(1)
    );
    let content = h.get("/v1.0/users/u1/photo/$value", &h.app).await;
    assert_eq!(content.body, jpeg);
    assert_eq!(content.header("etag"), Some(etag.as_str()));
    assert_eq!(
        h.get("/v1.0/groups/g1/photo", &h.app).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_second_emulator_cannot_share_a_data_dir() {
    let dir = tempfile::tempdir().expect("temp dir");
    let first = Emulator::builder()
        .data_dir(dir.path())
        .build()
        .expect("first");
    assert!(Emulator::builder().data_dir(dir.path()).build().is_err());
    drop(first);
    assert!(Emulator::builder().data_dir(dir.path()).build().is_ok());
}

#[tokio::test]
async fn faults_fail_first_and_leave_no_trace() {
    let faults = Faults::first(2).retry_after(Some(Duration::from_secs(7)));
    let h = Harness::with(Emulator::builder().faults(faults));
    let jpeg = test_images::jpeg(50, 50, 0);
    for _ in 0..2 {
        let reply = h
            .send(
                Method::PUT,
                "/v1.0/users/u1/photo/$value",
                &h.app,
                &[
                    ("content-type", "image/jpeg"),
                    ("client-request-id", "8f6b2b3e-2f3c-4a53-9c0e-0d1b9f0c8a11"),
                ],
                jpeg.clone(),
            )
            .await;
        assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(reply.header("retry-after"), Some("7"));
        assert_eq!(reply.error_code(), "TooManyRequests");
        assert!(reply.header("request-id").is_some());
        assert_eq!(
            reply.header("client-request-id"),
            Some("8f6b2b3e-2f3c-4a53-9c0e-0d1b9f0c8a11")
        );
        assert!(
            h.emulator.store().is_empty(),
            "a faulted request has no effect"
        );
    }
    // The spec is not an API request, so it neither fails nor counts.
    let spec = h.get("/openapi.yaml", &h.app).await;
    assert_eq!(spec.status, StatusCode::OK);
    let reply = h
        .put_photo("/v1.0/users/u1/photo/$value", &h.app, &jpeg)
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(h.emulator.faults_injected(), 2);
}

#[tokio::test]
async fn every_nth_request_fails_with_the_chosen_status() {
    let faults = Faults::every(2)
        .status(photo_api::emulator::FaultStatus::ServiceUnavailable)
        .latency(Duration::from_millis(5));
    let h = Harness::with(Emulator::builder().faults(faults));
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(h.get("/v1.0/users/u1/photo", &h.app).await.status);
    }
    assert_eq!(
        statuses,
        [
            StatusCode::NOT_FOUND,
            StatusCode::SERVICE_UNAVAILABLE,
            StatusCode::NOT_FOUND,
            StatusCode::SERVICE_UNAVAILABLE
        ]
    );
}

#[tokio::test]
async fn patch_is_refused_by_the_router_but_implemented() {
    let h = Harness::new();
    h.put_photo(
        "/v1.0/users/u1/photo/$value",
        &h.app,
        &test_images::jpeg(100, 100, 0),
    )
    .await;
    let reply = h
        .send(
            Method::PATCH,
            "/v1.0/users/u1/photo",
            &h.app,
            &[("content-type", "application/json")],
            Bytes::from_static(br#"{"height": 99}"#),
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::FORBIDDEN,
        "no permission allows PATCH"
    );

    let context = RequestContext {
        principal: Principal {
            subject: "app-1".into(),
            kind: TokenKind::Application,
            permissions: vec![],
            tenant_id: None,
            client_id: None,
        }
        .into(),
        request_id: "r".into(),
        client_request_id: None,
    };
    let update = |user: &str, body: ProfilePhoto| UpdateUserPhotoRequest {
        user_id: UserKey::new(user).expect("key"),
        body,
    };
    let patch = ProfilePhoto {
        height: Some(99),
        id: Some("custom".into()),
        ..ProfilePhoto::default()
    };
    let service = h.emulator.service();
    match service
        .update_user_photo(context.clone(), update("u1", patch))
        .await
    {
        UpdateUserPhotoResponse::Ok { etag, body } => {
            assert!(etag.is_some());
            assert_eq!(
                (body.id.as_deref(), body.height, body.width),
                (Some("custom"), Some(99), Some(100))
            );
        }
        _ => panic!("expected 200"),
    }
    let meta = h.get("/v1.0/users/u1/photo", &h.app).await.json();
    assert_eq!(
        (meta["id"].as_str(), meta["height"].as_i64()),
        (Some("custom"), Some(99))
    );

    let negative = ProfilePhoto {
        width: Some(-1),
        ..ProfilePhoto::default()
    };
    assert!(matches!(
        service.update_user_photo(context.clone(), update("u1", negative)).await,
        UpdateUserPhotoResponse::ClientError(rejection) if rejection.status() == StatusCode::BAD_REQUEST
    ));
    assert!(matches!(
        service.update_user_photo(context, update("nobody", ProfilePhoto::default())).await,
        UpdateUserPhotoResponse::ClientError(rejection) if rejection.code() == "ImageNotFound"
    ));
}

#[tokio::test]
async fn serves_on_a_real_listener() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let emulator = Emulator::builder()
        .secret(SECRET)
        .build()
        .expect("emulator");
    let token = emulator
        .token(&TokenSpec::delegated("u1", USER_SCOPES))
        .expect("token");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(emulator.serve_with_shutdown(listener, async {
        let _ = stopped.await;
    }));

    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let request = format!(
        "GET /v1.0/me/photo HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = String::new();
    tokio::time::timeout(
        Duration::from_secs(10),
        stream.read_to_string(&mut response),
    )
    .await
    .expect("in time")
    .expect("read");
    assert!(response.starts_with("HTTP/1.1 404"), "{response}");
    assert!(response.contains("ImageNotFound"), "{response}");

    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("shut down in time")
        .expect("joined")
        .expect("served");
    assert!(emulator.store().is_empty());
}

#[tokio::test]
async fn owner_keys_match_what_requests_address() {
    let h = Harness::new();
    h.put_photo(
        "/v1.0/groups/G-1/photo/$value",
        &h.app,
        &test_images::jpeg(50, 50, 0),
    )
    .await;
    assert!(
        h.emulator
            .store()
            .get(&OwnerKey::new([("groups", "g-1")]))
            .is_some()
    );
}
