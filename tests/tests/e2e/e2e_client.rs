//! End to end: the generated client against the emulator over 127.0.0.1.
//!
//! The scenarios drive every operation of the spec through the typed client (navigation, keys,
//! conditional requests, downloads, refusals, local limits, retries) and check what comes back.
//! `every_operation_in_the_spec_is_called_through_the_client` runs them all against one emulator
//! whose router records, server side, the operation each request addressed, and fails naming any
//! operation of `photo_api::operations::ALL` that no request reached.

use std::collections::BTreeSet;
use std::fmt::Debug;
use std::time::{Duration, Instant};

use crate::support::{
    Served, bounded, decoded_dimensions, jpeg, jpeg_prefixed, noisy_jpeg, undecodable_jpeg,
    user_owner,
};
use bytes::{Bytes, BytesMut};
use photo_api::client::*;
use photo_api::emulator::{Emulator, EmulatorBuilder, FaultStatus, Faults, TokenSpec, UploadCheck};
use photo_api::models::{
    ContactFolderId, ContactId, GroupId, MAX_REQUEST_BYTES, PhotoSize, ProfilePhoto, SelectItem,
    UserKey, Version,
};
use photo_api::operations::ALL;
use photo_api::runtime::client::{Download, Error, GraphError, PhotoError, Refusal, RetryPolicy};
use photo_api::runtime::operation::TokenKind;

/// A signed-in user's delegated permissions: their own photo and their contacts.
const ME_SCOPES: [&str; 4] = [
    "User.Read",
    "User.ReadWrite",
    "Contacts.Read",
    "Contacts.ReadWrite",
];

/// An app's roles for every user, group and contact photo operation.
const APP_ROLES: [&str; 6] = [
    "User.Read.All",
    "User.ReadWrite.All",
    "Group.Read.All",
    "Group.ReadWrite.All",
    "Contacts.Read",
    "Contacts.ReadWrite",
];

/// A user known by principal name and by object id (the emulator is told they are one user).
const ADELE_UPN: &str = "AdeleV@contoso.onmicrosoft.com";
const ADELE_OID: &str = "87d349ed-44d7-43e1-9a83-5f2406dee5bd";

/// v1.0's request size limit.
const V1_LIMIT: u64 = 4 * 1024 * 1024;

/// The emulator the scenarios run against, and an app client holding [`APP_ROLES`].
struct Env {
    served: Served,
    app: ApiClient,
}

impl Env {
    async fn start() -> Env {
        Self::start_with(Emulator::builder()).await
    }

    async fn start_with(builder: EmulatorBuilder) -> Env {
        let served = Served::start_with(builder.user_alias(ADELE_UPN, ADELE_OID)).await;
        let app = served.client(&TokenSpec::application("photo-app", APP_ROLES));
        Env { served, app }
    }

    /// A client signed in as `subject` with [`ME_SCOPES`].
    fn me(&self, subject: &str) -> ApiClient {
        self.served
            .client(&TokenSpec::delegated(subject, ME_SCOPES))
    }
}

/// The `(ETag, body)` of a `200` answer, or a panic showing what came instead.
macro_rules! fresh {
    ($response:ident, $call:expr) => {
        match $call.await {
            Ok($response::Ok { etag, body }) => (etag.expect("a 200 answer carries an ETag"), body),
            other => panic!("{}: expected 200, got {other:?}", stringify!($response)),
        }
    };
}

/// The ETag of a `304` answer.
macro_rules! not_modified {
    ($response:ident, $call:expr) => {
        match $call.await {
            Ok($response::NotModified { etag }) => etag.expect("a 304 answer carries an ETag"),
            other => panic!("{}: expected 304, got {other:?}", stringify!($response)),
        }
    };
}

/// The body of a `200` list answer.
macro_rules! listed {
    ($response:ident, $call:expr) => {
        match $call.await {
            Ok($response::Ok { body }) => body,
            other => panic!("{}: expected 200, got {other:?}", stringify!($response)),
        }
    };
}

/// Asserts a call succeeded with the operation's single success variant.
macro_rules! done {
    ($response:ident :: $variant:ident, $call:expr) => {
        match $call.await {
            Ok($response::$variant) => {}
            other => panic!(
                "{}: expected {}, got {other:?}",
                stringify!($response),
                stringify!($variant)
            ),
        }
    };
}

/// The Graph error of a failed call, checked for status and code, with both request ids present.
fn graph_error<T: Debug>(result: Result<T, Error>, status: u16, code: &str) -> GraphError {
    match result {
        Err(Error::Graph(error)) => {
            assert_eq!(
                (error.status, error.code.as_deref()),
                (status, Some(code)),
                "{error}"
            );
            assert!(
                error.request_id.as_deref().is_some_and(|id| !id.is_empty()),
                "{error:?}"
            );
            assert!(error.client_request_id.is_some(), "{error:?}");
            *error
        }
        other => panic!("expected Graph error {status} {code}, got {other:?}"),
    }
}

fn photo(bytes: &Bytes) -> PhotoContent {
    PhotoContent::from_jpeg(bytes.clone()).expect("a valid JPEG upload")
}

fn user(key: &str) -> UserKey {
    UserKey::new(key).expect("a non-empty user key")
}

fn group(id: &str) -> GroupId {
    GroupId::new(id).expect("a non-empty group id")
}

fn contact(id: &str) -> ContactId {
    ContactId::new(id).expect("a non-empty contact id")
}

fn folder(id: &str) -> ContactFolderId {
    ContactFolderId::new(id).expect("a non-empty folder id")
}

/// The width and height a standard size names (`48x48`).
fn size_dimensions(size: PhotoSize) -> (u32, u32) {
    let (width, height) = size.as_str().split_once('x').expect("WxH");
    (
        width.parse().expect("a width"),
        height.parse().expect("a height"),
    )
}

/// Reads a download whole, checking it is the JPEG with `etag`.
async fn whole(download: Download, etag: &str) -> Bytes {
    assert_eq!(download.content_type(), Some("image/jpeg"));
    assert_eq!(download.etag(), Some(etag));
    let length = download.content_length();
    let bytes = download.bytes().await.expect("the download completes");
    assert_eq!(length, Some(bytes.len() as u64));
    bytes
}

/// Reads a download chunk by chunk.
async fn chunked(mut download: Download) -> Bytes {
    let mut body = BytesMut::new();
    while let Some(chunk) = download.chunk().await.expect("the next chunk") {
        body.extend_from_slice(&chunk);
    }
    body.freeze()
}

/// `/me`: upload, metadata with its annotations, the content whole and streamed, conditional
/// reads, the standard sizes (decoded), the drive creator's view of the same photo, and a
/// conditional delete.
async fn me_photo_lifecycle(env: &Env) {
    let subject = "me-lifecycle-user";
    let me = env.me(subject);
    graph_error(me.me().photo().get().await, 404, "ImageNotFound");

    let upload = jpeg(300, 250, 1);
    done!(
        SetMyPhotoContentResponse::Ok,
        me.me().photo().content().put(photo(&upload))
    );

    let (etag, metadata) = fresh!(GetMyPhotoResponse, me.me().photo().get());
    assert_eq!(metadata.odata_media_etag.as_deref(), Some(etag.as_str()));
    assert_eq!(
        metadata.odata_media_content_type.as_deref(),
        Some("image/jpeg")
    );
    let context = metadata.odata_context.clone().unwrap_or_default();
    let expected = format!(
        "{}/$metadata#users('{subject}')/photo/$entity",
        env.served.base_url(Version::V1)
    );
    assert_eq!(context, expected);
    assert_eq!(
        (metadata.id.as_deref(), metadata.width, metadata.height),
        (Some("240X240"), Some(300), Some(250))
    );
    let (_, selected) = fresh!(
        GetMyPhotoResponse,
        me.me().photo().get().select([SelectItem::Width])
    );
    assert_eq!(
        (selected.id, selected.width, selected.height),
        (None, Some(300), None)
    );

    let (content_etag, download) =
        fresh!(GetMyPhotoContentResponse, me.me().photo().content().get());
    assert_eq!(content_etag, etag);
    assert_eq!(whole(download, &etag).await, upload);
    let (_, download) = fresh!(GetMyPhotoContentResponse, me.me().photo().content().get());
    assert_eq!(chunked(download).await, upload);

    let again = not_modified!(
        GetMyPhotoResponse,
        me.me().photo().get().if_none_match(&etag)
    );
    assert_eq!(again, etag);
    not_modified!(
        GetMyPhotoContentResponse,
        me.me().photo().content().get().if_none_match(&etag)
    );
    fresh!(
        GetMyPhotoContentResponse,
        me.me().photo().content().get().if_none_match("\"stale\"")
    );

    let list = listed!(ListMyPhotosResponse, me.me().photos().get());
    let ids: Vec<_> = list.value.iter().filter_map(|p| p.id.as_deref()).collect();
    assert_eq!(ids, ["48X48", "64X64", "96X96", "120X120", "240X240"]);
    for entry in &list.value {
        assert!(
            entry.width.is_some_and(|w| w <= 300) && entry.height.is_some_and(|h| h <= 250),
            "a size larger than the upload is listed: {entry:?}"
        );
        assert_eq!(entry.odata_media_etag.as_deref(), Some(etag.as_str()));
    }
    for size in PhotoSize::ALL {
        let (width, height) = size_dimensions(size);
        let sized = me.me().photos().by_size(size);
        if width > 300 || height > 250 {
            graph_error(sized.get().await, 404, "ImageNotFound");
            graph_error(sized.content().get().await, 404, "ImageNotFound");
            continue;
        }
        let (size_etag, metadata) = fresh!(GetMyPhotoBySizeResponse, sized.get());
        assert_eq!(size_etag, etag);
        assert_eq!(
            (metadata.id, metadata.width, metadata.height),
            (
                Some(size.as_str().to_uppercase()),
                Some(width as i32),
                Some(height as i32)
            )
        );
        let (_, download) = fresh!(GetMyPhotoContentBySizeResponse, sized.content().get());
        assert_eq!(download.content_type(), Some("image/jpeg"));
        let bytes = download.bytes().await.expect("the sized copy downloads");
        assert_eq!(decoded_dimensions(&bytes), (width, height), "{size}");
    }
    let sized = me.me().photos().by_size(PhotoSize::S96x96);
    not_modified!(GetMyPhotoBySizeResponse, sized.get().if_none_match(&etag));
    not_modified!(
        GetMyPhotoContentBySizeResponse,
        sized.content().get().if_none_match(&etag)
    );

    // The drive's creator is the signed-in user: the same photo.
    let drive = me.drive().root().created_by_user().photo();
    let (drive_etag, _) = fresh!(GetDriveOwnerPhotoResponse, drive.get());
    assert_eq!(drive_etag, etag);
    not_modified!(GetDriveOwnerPhotoResponse, drive.get().if_none_match(&etag));
    let (_, download) = fresh!(GetDriveOwnerPhotoContentResponse, drive.content().get());
    assert_eq!(whole(download, &etag).await, upload);
    not_modified!(
        GetDriveOwnerPhotoContentResponse,
        drive.content().get().if_none_match(&etag)
    );

    let mutations = env.served.mutations();
    graph_error(
        me.me().photo().delete().if_match("\"not-the-etag\"").await,
        412,
        "PreconditionFailed",
    );
    assert_eq!(
        env.served.mutations(),
        mutations,
        "a failed If-Match changed the store"
    );
    let (_, download) = fresh!(GetMyPhotoContentResponse, me.me().photo().content().get());
    assert_eq!(whole(download, &etag).await, upload);
    done!(
        DeleteMyPhotoResponse::NoContent,
        me.me().photo().delete().if_match(&etag)
    );
    graph_error(me.me().photo().get().await, 404, "ImageNotFound");
    graph_error(me.me().photo().content().get().await, 404, "ImageNotFound");
    graph_error(me.me().photos().get().await, 404, "ImageNotFound");
    graph_error(drive.content().get().await, 404, "ImageNotFound");

    // `from_jpeg` sends `image/jpeg`; `from_octet_stream` sends what Microsoft's SDKs send, and
    // the photo is judged by its bytes either way.
    assert_eq!(photo(&upload).media_type(), "image/jpeg");
    let octets = jpeg(120, 90, 2);
    let content = PhotoContent::from_octet_stream(octets.clone()).expect("any bytes");
    assert_eq!(content.media_type(), "application/octet-stream");
    done!(
        SetMyPhotoContentResponse::Ok,
        me.me().photo().content().put(content)
    );
    let (etag, download) = fresh!(GetMyPhotoContentResponse, me.me().photo().content().get());
    assert_eq!(download.content_type(), Some("image/jpeg"));
    assert_eq!(whole(download, &etag).await, octets);
    let not_a_jpeg = PhotoContent::from_octet_stream(&b"\x89PNG\r\n\x1a\n not a JPEG"[..]);
    graph_error(
        me.me()
            .photo()
            .content()
            .put(not_a_jpeg.expect("any bytes"))
            .await,
        400,
        "ErrorInvalidImage",
    );
}

/// `/users/{key}`: one user by principal name, by object id (in any case) and as `/me`, with
/// metadata, sizes, conditional reads and a conditional delete.
async fn users_by_principal_name_and_object_id(env: &Env) {
    let upload = jpeg(200, 160, 2);
    let by_upn = env.app.users().by_key(&user(ADELE_UPN));
    let by_oid = env.app.users().by_key(&user(ADELE_OID));
    done!(
        SetUserPhotoContentResponse::Ok,
        by_upn.photo().content().put(photo(&upload))
    );

    let (etag, metadata) = fresh!(GetUserPhotoResponse, by_oid.photo().get());
    assert_eq!(
        (metadata.width, metadata.height, metadata.id.as_deref()),
        (Some(200), Some(160), Some("120X120"))
    );
    let (_, download) = fresh!(GetUserPhotoContentResponse, by_oid.photo().content().get());
    assert_eq!(whole(download, &etag).await, upload);
    let shouting = env.app.users().by_key(&user(&ADELE_UPN.to_uppercase()));
    let (_, download) = fresh!(
        GetUserPhotoContentResponse,
        shouting.photo().content().get()
    );
    assert_eq!(whole(download, &etag).await, upload, "keys ignore case");
    let adele = env.me(ADELE_OID);
    let (_, download) = fresh!(
        GetMyPhotoContentResponse,
        adele.me().photo().content().get()
    );
    assert_eq!(whole(download, &etag).await, upload, "/me is the same user");

    not_modified!(
        GetUserPhotoResponse,
        by_upn.photo().get().if_none_match(&etag)
    );
    not_modified!(
        GetUserPhotoContentResponse,
        by_upn.photo().content().get().if_none_match(&etag)
    );
    let list = listed!(
        ListUserPhotosResponse,
        by_upn.photos().get().select([SelectItem::Id])
    );
    let ids: Vec<_> = list.value.iter().filter_map(|p| p.id.as_deref()).collect();
    assert_eq!(ids, ["48X48", "64X64", "96X96", "120X120"]);
    assert!(list.value.iter().all(|p| p.width.is_none()), "$select id");
    let sized = by_oid.photos().by_size(PhotoSize::S120x120);
    let (_, metadata) = fresh!(GetUserPhotoBySizeResponse, sized.get());
    assert_eq!((metadata.width, metadata.height), (Some(120), Some(120)));
    not_modified!(GetUserPhotoBySizeResponse, sized.get().if_none_match(&etag));
    let (_, download) = fresh!(GetUserPhotoContentBySizeResponse, sized.content().get());
    let bytes = download.bytes().await.expect("the sized copy downloads");
    assert_eq!(decoded_dimensions(&bytes), (120, 120));
    not_modified!(
        GetUserPhotoContentBySizeResponse,
        sized.content().get().if_none_match(&etag)
    );
    graph_error(
        by_oid
            .photos()
            .by_size(PhotoSize::S240x240)
            .content()
            .get()
            .await,
        404,
        "ImageNotFound",
    );

    graph_error(
        by_upn.photo().delete().if_match("\"other\"").await,
        412,
        "PreconditionFailed",
    );
    done!(
        DeleteUserPhotoResponse::NoContent,
        by_oid.photo().delete().if_match(&etag)
    );
    graph_error(by_upn.photo().get().await, 404, "ImageNotFound");
    graph_error(adele.me().photo().get().await, 404, "ImageNotFound");
}

/// User keys that a URL cannot carry as they are (a guest's `#EXT#`, a leading `$`, `&`, `+`,
/// `'`, `/`): each round-trips through PUT and GET with the same key, and the server stores each
/// under exactly that key (decoded once, never truncated or merged with another).
async fn awkward_user_keys_round_trip(env: &Env) {
    let keys = [
        "adele_contoso.com#EXT#@fabrikam.onmicrosoft.com",
        "$adele@contoso.com",
        "a&b@contoso.com",
        "a+b@contoso.com",
        "o'brien@contoso.com",
        "a/b@contoso.com",
        "$o'b&c+d/e#f%2F@contoso.com",
    ];
    let uploads: Vec<Bytes> = (0..keys.len())
        .map(|seed| jpeg(64, 48, 40 + seed as u8))
        .collect();
    let before = env.served.mutations();
    for (key, upload) in keys.iter().zip(&uploads) {
        done!(
            SetUserPhotoContentResponse::Ok,
            env.app
                .users()
                .by_key(&user(key))
                .photo()
                .content()
                .put(photo(upload))
        );
    }
    assert_eq!(env.served.mutations() - before, keys.len() as u64);
    for (key, upload) in keys.iter().zip(&uploads) {
        let item = env.app.users().by_key(&user(key));
        let (etag, _) = fresh!(GetUserPhotoResponse, item.photo().get());
        let (_, download) = fresh!(GetUserPhotoContentResponse, item.photo().content().get());
        assert_eq!(&whole(download, &etag).await, upload, "{key}");
        let stored = env
            .served
            .stored(&user_owner(key))
            .unwrap_or_else(|| panic!("{key} is not stored under its own key"));
        assert_eq!(stored.content(), upload, "{key}");
    }
    // Nothing was stored under a truncated key.
    for prefix in ["adele_contoso.com", "a", "o", "$o"] {
        assert!(env.served.stored(&user_owner(prefix)).is_none(), "{prefix}");
    }
}

/// `/groups/{id}`: upload, metadata, content, sizes, conditional reads and delete.
async fn group_photo_lifecycle(env: &Env) {
    let upload = jpeg(130, 100, 3);
    let item = env
        .app
        .groups()
        .by_id(&group("02bd9fd6-8f93-4758-87c3-1fb73740a315"));
    graph_error(item.photo().content().get().await, 404, "ImageNotFound");
    done!(
        SetGroupPhotoContentResponse::Ok,
        item.photo().content().put(photo(&upload))
    );
    let (etag, metadata) = fresh!(GetGroupPhotoResponse, item.photo().get());
    assert_eq!(
        (metadata.id.as_deref(), metadata.width, metadata.height),
        (Some("96X96"), Some(130), Some(100))
    );
    assert!(metadata.odata_context.is_some_and(|c| {
        c.ends_with("groups('02bd9fd6-8f93-4758-87c3-1fb73740a315')/photo/$entity")
    }));
    not_modified!(
        GetGroupPhotoResponse,
        item.photo().get().if_none_match(&etag)
    );
    let (_, download) = fresh!(GetGroupPhotoContentResponse, item.photo().content().get());
    assert_eq!(whole(download, &etag).await, upload);
    not_modified!(
        GetGroupPhotoContentResponse,
        item.photo().content().get().if_none_match(&etag)
    );
    let list = listed!(ListGroupPhotosResponse, item.photos().get());
    let ids: Vec<_> = list.value.iter().filter_map(|p| p.id.as_deref()).collect();
    assert_eq!(ids, ["48X48", "64X64", "96X96"]);
    let sized = item.photos().by_size(PhotoSize::S64x64);
    let (_, metadata) = fresh!(GetGroupPhotoBySizeResponse, sized.get());
    assert_eq!(metadata.id.as_deref(), Some("64X64"));
    not_modified!(
        GetGroupPhotoBySizeResponse,
        sized.get().if_none_match(&etag)
    );
    let (_, download) = fresh!(GetGroupPhotoContentBySizeResponse, sized.content().get());
    let bytes = download.bytes().await.expect("the sized copy downloads");
    assert_eq!(decoded_dimensions(&bytes), (64, 64));
    not_modified!(
        GetGroupPhotoContentBySizeResponse,
        sized.content().get().if_none_match(&etag)
    );
    graph_error(
        item.photos().by_size(PhotoSize::S120x120).get().await,
        404,
        "ImageNotFound",
    );
    graph_error(
        item.photo().delete().if_match("\"old\"").await,
        412,
        "PreconditionFailed",
    );
    done!(
        DeleteGroupPhotoResponse::NoContent,
        item.photo().delete().if_match(&etag)
    );
    graph_error(item.photo().get().await, 404, "ImageNotFound");
    graph_error(item.photo().delete().await, 404, "ImageNotFound");
}

/// Contacts: in the default folder and in a named folder, of `/me` and of a user, each upload
/// readable through both owners' paths; contact ids are case-sensitive and folders are separate.
async fn contact_photos(env: &Env) {
    let owner = "contact-owner";
    let me = env.me(owner);
    let app_owner = env.app.users().by_key(&user(owner));

    let in_default = jpeg(90, 90, 10);
    let mine = me.me().contacts().by_id(&contact("AAMkAGI2TGuLAAA="));
    graph_error(mine.photo().get().await, 404, "ImageNotFound");
    done!(
        SetMyContactPhotoContentResponse::Ok,
        mine.photo().content().put(photo(&in_default))
    );
    let (etag, metadata) = fresh!(GetMyContactPhotoResponse, mine.photo().get());
    assert_eq!((metadata.width, metadata.height), (Some(90), Some(90)));
    not_modified!(
        GetMyContactPhotoResponse,
        mine.photo().get().if_none_match(&etag)
    );
    let (_, download) = fresh!(
        GetMyContactPhotoContentResponse,
        mine.photo().content().get()
    );
    assert_eq!(whole(download, &etag).await, in_default);
    not_modified!(
        GetMyContactPhotoContentResponse,
        mine.photo().content().get().if_none_match(&etag)
    );
    // The same contact, as the app sees it in the owner's mailbox.
    let theirs = app_owner.contacts().by_id(&contact("AAMkAGI2TGuLAAA="));
    let (app_etag, _) = fresh!(GetUserContactPhotoResponse, theirs.photo().get());
    assert_eq!(app_etag, etag);
    let (_, download) = fresh!(
        GetUserContactPhotoContentResponse,
        theirs.photo().content().get()
    );
    assert_eq!(whole(download, &etag).await, in_default);
    // Contact ids are case-sensitive.
    graph_error(
        me.me()
            .contacts()
            .by_id(&contact("aamkagi2tgulaaa="))
            .photo()
            .get()
            .await,
        404,
        "ImageNotFound",
    );

    // The app uploads to another user's contact.
    let elsewhere = jpeg(50, 70, 11);
    let megan = env
        .app
        .users()
        .by_key(&user("MeganB@contoso.onmicrosoft.com"))
        .contacts()
        .by_id(&contact("c-42"));
    done!(
        SetUserContactPhotoContentResponse::Ok,
        megan.photo().content().put(photo(&elsewhere))
    );
    let (etag, metadata) = fresh!(GetUserContactPhotoResponse, megan.photo().get());
    assert_eq!(metadata.id.as_deref(), Some("48X48"));
    not_modified!(
        GetUserContactPhotoResponse,
        megan.photo().get().if_none_match(&etag)
    );
    let (_, download) = fresh!(
        GetUserContactPhotoContentResponse,
        megan.photo().content().get()
    );
    assert_eq!(whole(download, &etag).await, elsewhere);
    not_modified!(
        GetUserContactPhotoContentResponse,
        megan.photo().content().get().if_none_match(&etag)
    );

    // A contact folder of /me: a different slot from the default folder's contact of that id.
    let in_folder = jpeg(100, 80, 12);
    let filed = me
        .me()
        .contact_folders()
        .by_id(&folder("AQMkADAwATM0MDAAMS0"))
        .contacts()
        .by_id(&contact("AAMkAGI2TGuLAAA="));
    done!(
        SetMyFolderContactPhotoContentResponse::Ok,
        filed.photo().content().put(photo(&in_folder))
    );
    let (etag, _) = fresh!(GetMyFolderContactPhotoResponse, filed.photo().get());
    not_modified!(
        GetMyFolderContactPhotoResponse,
        filed.photo().get().if_none_match(&etag)
    );
    let (_, download) = fresh!(
        GetMyFolderContactPhotoContentResponse,
        filed.photo().content().get()
    );
    assert_eq!(whole(download, &etag).await, in_folder);
    not_modified!(
        GetMyFolderContactPhotoContentResponse,
        filed.photo().content().get().if_none_match(&etag)
    );
    let (_, download) = fresh!(
        GetMyContactPhotoContentResponse,
        mine.photo().content().get()
    );
    assert_eq!(
        download.bytes().await.expect("downloads"),
        in_default,
        "folders are separate"
    );
    // The same folder contact through the owner's user path.
    let filed_theirs = app_owner
        .contact_folders()
        .by_id(&folder("AQMkADAwATM0MDAAMS0"))
        .contacts()
        .by_id(&contact("AAMkAGI2TGuLAAA="));
    let (app_etag, _) = fresh!(
        GetUserFolderContactPhotoResponse,
        filed_theirs.photo().get()
    );
    assert_eq!(app_etag, etag);
    let (_, download) = fresh!(
        GetUserFolderContactPhotoContentResponse,
        filed_theirs.photo().content().get()
    );
    assert_eq!(whole(download, &etag).await, in_folder);

    // The app uploads into another user's folder.
    let megan_filed = env
        .app
        .users()
        .by_key(&user("MeganB@contoso.onmicrosoft.com"))
        .contact_folders()
        .by_id(&folder("f/2"))
        .contacts()
        .by_id(&contact("c+9"));
    let upload = jpeg(60, 60, 13);
    done!(
        SetUserFolderContactPhotoContentResponse::Ok,
        megan_filed.photo().content().put(photo(&upload))
    );
    let (etag, _) = fresh!(GetUserFolderContactPhotoResponse, megan_filed.photo().get());
    not_modified!(
        GetUserFolderContactPhotoResponse,
        megan_filed.photo().get().if_none_match(&etag)
    );
    let (_, download) = fresh!(
        GetUserFolderContactPhotoContentResponse,
        megan_filed.photo().content().get()
    );
    assert_eq!(whole(download, &etag).await, upload);
    not_modified!(
        GetUserFolderContactPhotoContentResponse,
        megan_filed.photo().content().get().if_none_match(&etag)
    );
}

/// The three `PATCH …/photo` operations have no permission at all: the service answers 403 to
/// every token, changing nothing, and a client with preflight refuses them without a request.
async fn patch_is_never_authorized(env: &Env) {
    let upload = jpeg(100, 100, 20);
    let owner_key = "patch-target@contoso.com";
    done!(
        SetUserPhotoContentResponse::Ok,
        env.app
            .users()
            .by_key(&user(owner_key))
            .photo()
            .content()
            .put(photo(&upload))
    );
    let change = ProfilePhoto {
        id: Some("id-value".to_owned()),
        height: Some(99),
        width: Some(99),
        ..ProfilePhoto::default()
    };
    let everything = TokenSpec::application(
        "patch-app",
        APP_ROLES.into_iter().chain(["ProfilePhoto.ReadWrite.All"]),
    );
    let app = env.served.client(&everything);
    let me = env.served.client(&TokenSpec::delegated(
        "patch-user",
        ME_SCOPES.into_iter().chain(["User.ReadWrite.All"]),
    ));
    let mutations = env.served.mutations();
    let refused = "Authorization_RequestDenied";
    graph_error(
        app.users()
            .by_key(&user(owner_key))
            .photo()
            .patch(change.clone())
            .await,
        403,
        refused,
    );
    graph_error(
        app.groups()
            .by_id(&group("patch-group"))
            .photo()
            .patch(change.clone())
            .await,
        403,
        refused,
    );
    graph_error(
        me.drive()
            .root()
            .created_by_user()
            .photo()
            .patch(change.clone())
            .await,
        403,
        refused,
    );
    assert_eq!(
        env.served.mutations(),
        mutations,
        "a refused PATCH changed the store"
    );
    let (_, metadata) = fresh!(
        GetUserPhotoResponse,
        env.app.users().by_key(&user(owner_key)).photo().get()
    );
    assert_eq!((metadata.width, metadata.height), (Some(100), Some(100)));

    // With preflight, the client knows from the spec that no token can do it.
    let token = env.served.token(&everything);
    let careful = env.served.api(
        env.served
            .client_builder(Version::V1, token)
            .preflight(true),
    );
    let requests = env.served.recorder.requests();
    not_authorizable(
        careful
            .users()
            .by_key(&user(owner_key))
            .photo()
            .patch(change.clone())
            .await,
        "updateUserPhoto",
    );
    not_authorizable(
        careful
            .groups()
            .by_id(&group("patch-group"))
            .photo()
            .patch(change.clone())
            .await,
        "updateGroupPhoto",
    );
    not_authorizable(
        careful
            .drive()
            .root()
            .created_by_user()
            .photo()
            .patch(change)
            .await,
        "updateDriveOwnerPhoto",
    );
    // Preflight also names the missing permission of an authorizable call.
    let reader = env.served.api(
        env.served
            .client_builder(
                Version::V1,
                env.served
                    .token(&TokenSpec::delegated("reader", ["User.Read"])),
            )
            .preflight(true),
    );
    match reader.me().photo().content().put(photo(&upload)).await {
        Err(Error::Refused(Refusal::MissingPermission {
            operation,
            kind,
            least_privileged,
            ..
        })) => {
            assert_eq!(operation, "setMyPhotoContent");
            assert_eq!(kind, TokenKind::DelegatedWork);
            assert_eq!(
                least_privileged.as_deref(),
                Some("ProfilePhoto.ReadWrite.All")
            );
        }
        other => panic!("expected a missing-permission refusal, got {other:?}"),
    }
    assert_eq!(
        env.served.recorder.requests(),
        requests,
        "a request reached the server despite the local refusal"
    );
}

/// Asserts the client refused `operation` locally because no token can call it.
fn not_authorizable<T: Debug>(result: Result<T, Error>, operation: &str) {
    match result {
        Err(Error::Refused(Refusal::NotAuthorizable { operation: refused })) => {
            assert_eq!(refused, operation);
        }
        other => panic!("{operation}: expected a local refusal, got {other:?}"),
    }
}

/// Size limits: `PhotoContent::from_jpeg` refuses only what no API version accepts (8 MiB), the
/// client refuses what its configured version does not (4 MiB on v1.0) before any request, and
/// the server refuses an oversized body a misconfigured client sends anyway.
async fn oversized_photos_are_refused(env: &Env) {
    let over_v1 = jpeg_prefixed(V1_LIMIT as usize + 1);
    let content = PhotoContent::from_jpeg(over_v1.clone());
    assert!(content.is_ok(), "4 MiB + 1 is within the beta limit");
    // `.err()`: the generated `PhotoContent` does not implement `Debug`.
    match PhotoContent::from_jpeg(jpeg_prefixed(MAX_REQUEST_BYTES as usize + 1)).err() {
        Some(PhotoError::TooLarge { size, limit }) => {
            assert_eq!((size, limit), (MAX_REQUEST_BYTES + 1, MAX_REQUEST_BYTES));
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }

    let token = env
        .served
        .token(&TokenSpec::delegated("big-uploader", ME_SCOPES));
    let v1 = env
        .served
        .api(env.served.client_builder(Version::V1, token.clone()));
    assert_eq!(v1.http().max_request_bytes(), V1_LIMIT);
    let requests = env.served.recorder.requests();
    let mutations = env.served.mutations();
    match v1.me().photo().content().put(photo(&over_v1)).await {
        Err(Error::Refused(Refusal::TooLarge { size, limit })) => {
            assert_eq!((size, limit), (V1_LIMIT + 1, V1_LIMIT));
        }
        other => panic!("expected a local TooLarge refusal, got {other:?}"),
    }
    assert_eq!(env.served.recorder.requests(), requests, "nothing is sent");

    // A client told the wrong limit sends it; v1.0 answers 413 and stores nothing.
    let misconfigured = env.served.api(
        env.served
            .client_builder(Version::V1, token.clone())
            .max_request_bytes(MAX_REQUEST_BYTES),
    );
    graph_error(
        misconfigured
            .me()
            .photo()
            .content()
            .put(photo(&over_v1))
            .await,
        413,
        "RequestEntityTooLarge",
    );
    // Beta's limit is 8 MiB: the body is accepted and refused only as not being a photo.
    let beta = env
        .served
        .api(env.served.client_builder(Version::Beta, token));
    graph_error(
        beta.me().photo().content().put(photo(&over_v1)).await,
        400,
        "ErrorInvalidImage",
    );
    assert_eq!(
        env.served.mutations(),
        mutations,
        "a refused upload changed the store"
    );
    assert_eq!(env.served.recorder.requests(), requests + 2);
}

/// Every scenario against one emulator; none of them addresses another's photos.
async fn all_scenarios(env: &Env) {
    me_photo_lifecycle(env).await;
    users_by_principal_name_and_object_id(env).await;
    awkward_user_keys_round_trip(env).await;
    group_photo_lifecycle(env).await;
    contact_photos(env).await;
    patch_is_never_authorized(env).await;
    oversized_photos_are_refused(env).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_in_the_spec_is_called_through_the_client() {
    let env = Env::start().await;
    bounded(all_scenarios(&env)).await;
    let recorder = &env.served.recorder;
    let missing = recorder.missing();
    assert!(
        missing.is_empty(),
        "operations never called through the client: {missing:?}"
    );
    let all: BTreeSet<&str> = ALL.iter().map(|op| op.id).collect();
    assert_eq!(recorder.operations(), all);
    let stray: Vec<_> = recorder
        .seen()
        .into_iter()
        .filter(|seen| seen.operation.is_none())
        .collect();
    assert!(
        stray.is_empty(),
        "requests the spec does not describe: {stray:?}"
    );
}

/// With the emulator refusing every other request (503, `Retry-After: 0`), the generated client
/// still completes every operation, and every stored change happens exactly once: the scenarios
/// check the store's change count after each write, and a faulted request never reaches it.
/// (The oversized-upload scenario counts raw requests, so it runs without faults above.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_completes_through_injected_faults() {
    let faults = Faults::every(2)
        .status(FaultStatus::ServiceUnavailable)
        .retry_after(Some(Duration::ZERO));
    let env = Env::start_with(Emulator::builder().faults(faults)).await;
    bounded(async {
        me_photo_lifecycle(&env).await;
        users_by_principal_name_and_object_id(&env).await;
        awkward_user_keys_round_trip(&env).await;
        group_photo_lifecycle(&env).await;
        contact_photos(&env).await;
        patch_is_never_authorized(&env).await;
    })
    .await;
    let recorder = &env.served.recorder;
    assert!(
        recorder.missing().is_empty(),
        "operations never called: {:?}",
        recorder.missing()
    );
    let faulted = env.served.emulator.faults_injected();
    assert!(
        faulted * 2 + 1 >= recorder.requests() as u64,
        "every other request should have been refused ({faulted} of {})",
        recorder.requests()
    );
    let unavailable = recorder
        .seen()
        .iter()
        .filter(|seen| seen.status == 503)
        .count() as u64;
    assert_eq!(
        unavailable, faulted,
        "every fault reached the client as a 503"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn my_photo_lifecycle() {
    let env = Env::start().await;
    bounded(me_photo_lifecycle(&env)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_are_found_by_principal_name_and_object_id() {
    let env = Env::start().await;
    bounded(users_by_principal_name_and_object_id(&env)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn awkward_user_keys_round_trip_exactly() {
    let env = Env::start().await;
    bounded(awkward_user_keys_round_trip(&env)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_photos() {
    let env = Env::start().await;
    bounded(group_photo_lifecycle(&env)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contact_photos_of_both_owners_and_folders() {
    let env = Env::start().await;
    bounded(contact_photos(&env)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patch_is_refused_by_the_server_and_by_preflight() {
    let env = Env::start().await;
    bounded(patch_is_never_authorized(&env)).await;
}

/// A personal account may upload its own photo on v1.0 but not on beta (Microsoft's tables
/// differ): the preflight of a client of each version says what that version's server says.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preflight_follows_the_permissions_of_the_clients_api_version() {
    let env = Env::start().await;
    bounded(async {
        let upload = jpeg(64, 64, 9);
        let token = env
            .served
            .token(&TokenSpec::delegated("personal-uploader", ["User.ReadWrite"]).personal());
        for preflight in [true, false] {
            let upload_to = |version| {
                let api = env.served.api(
                    env.served
                        .client_builder(version, token.clone())
                        .preflight(preflight),
                );
                let content = photo(&upload);
                async move { api.me().photo().content().put(content).await }
            };
            let v1 = upload_to(Version::V1).await;
            assert!(v1.is_ok(), "v1.0 (preflight {preflight}): {v1:?}");
            let requests = env.served.recorder.requests();
            let beta = upload_to(Version::Beta).await;
            match beta {
                Err(Error::Refused(Refusal::MissingPermission {
                    kind: TokenKind::DelegatedPersonal,
                    least_privileged: None,
                    ..
                })) if preflight => {
                    assert_eq!(
                        env.served.recorder.requests(),
                        requests,
                        "sent despite preflight"
                    );
                }
                Err(Error::Graph(error)) if !preflight => assert_eq!(error.status, 403),
                other => panic!("beta (preflight {preflight}): {other:?}"),
            }
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_photos_are_refused_locally_or_by_the_server() {
    let env = Env::start().await;
    bounded(oversized_photos_are_refused(&env)).await;
}

/// A client whose backoff would take far longer than the test allows, so only the server's
/// `Retry-After` can explain a quick retry.
/// By default the emulator checks an upload's JPEG structure only, so damaged image data is
/// stored and comes to light as a `422` Graph error when a size is made; an emulator that decodes
/// uploads refuses the same photo with `400` at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn damaged_image_data_is_refused_when_resized_or_when_decoding_uploads() {
    bounded(async {
        let damaged = undecodable_jpeg(&jpeg(300, 250, 7));
        let env = Env::start().await;
        let me = env.me("damaged-photo-user");
        done!(
            SetMyPhotoContentResponse::Ok,
            me.me().photo().content().put(photo(&damaged))
        );
        let (_, download) = fresh!(GetMyPhotoContentResponse, me.me().photo().content().get());
        assert_eq!(
            download.bytes().await.expect("the upload downloads"),
            damaged
        );
        let sized = me.me().photos().by_size(PhotoSize::S96x96);
        fresh!(GetMyPhotoBySizeResponse, sized.get());
        let refused = graph_error(sized.content().get().await, 422, "ErrorInvalidImage");
        assert!(
            refused
                .message
                .as_deref()
                .is_some_and(|m| m.contains("damaged")),
            "{refused}"
        );

        let strict = Env::start_with(Emulator::builder().upload_check(UploadCheck::Decode)).await;
        let mutations = strict.served.mutations();
        graph_error(
            strict
                .me("damaged-photo-user")
                .me()
                .photo()
                .content()
                .put(photo(&damaged))
                .await,
            400,
            "ErrorInvalidImage",
        );
        assert_eq!(strict.served.mutations(), mutations);
    })
    .await;
}

fn patient_retries(served: &Served, token: String) -> ApiClient {
    served.api(
        served
            .client_builder(Version::V1, token)
            .retry(RetryPolicy {
                max_retries: 3,
                base_delay: Duration::from_secs(60),
                max_total_delay: Duration::from_secs(180),
            }),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttled_uploads_are_retried_once_stored() {
    bounded(async {
        let faults = Faults::first(2)
            .status(FaultStatus::TooManyRequests)
            .retry_after(Some(Duration::ZERO));
        let env = Env::start_with(Emulator::builder().faults(faults)).await;
        let token = env
            .served
            .token(&TokenSpec::delegated("throttled", ME_SCOPES));
        let client = patient_retries(&env.served, token);
        let upload = jpeg(80, 80, 30);
        let started = Instant::now();
        done!(
            SetMyPhotoContentResponse::Ok,
            client.me().photo().content().put(photo(&upload))
        );
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "Retry-After: 0 was not honoured (took {:?})",
            started.elapsed()
        );
        assert_eq!(env.served.emulator.faults_injected(), 2);
        let statuses: Vec<u16> = env
            .served
            .recorder
            .seen()
            .iter()
            .filter(|seen| seen.operation == Some("setMyPhotoContent"))
            .map(|seen| seen.status)
            .collect();
        assert_eq!(statuses, [429, 429, 200]);
        assert_eq!(env.served.mutations(), 1, "exactly one stored side effect");
        let (etag, download) = fresh!(
            GetMyPhotoContentResponse,
            client.me().photo().content().get()
        );
        assert_eq!(whole(download, &etag).await, upload);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_is_honoured() {
    bounded(async {
        let faults = Faults::first(1).retry_after(Some(Duration::from_secs(1)));
        let env = Env::start_with(Emulator::builder().faults(faults)).await;
        let token = env
            .served
            .token(&TokenSpec::delegated("waiting", ME_SCOPES));
        // Backoff alone would retry within milliseconds.
        let client =
            env.served.api(
                env.served
                    .client_builder(Version::V1, token)
                    .retry(RetryPolicy {
                        max_retries: 3,
                        base_delay: Duration::from_millis(1),
                        max_total_delay: Duration::from_secs(30),
                    }),
            );
        let started = Instant::now();
        done!(
            SetMyPhotoContentResponse::Ok,
            client.me().photo().content().put(photo(&jpeg(60, 60, 31)))
        );
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_secs(1),
            "retried after {waited:?}, before Retry-After: 1 passed"
        );
        assert_eq!(env.served.recorder.calls_of("setMyPhotoContent"), 2);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_beyond_the_retry_budget_is_an_error() {
    bounded(async {
        let faults = Faults::first(100)
            .status(FaultStatus::ServiceUnavailable)
            .retry_after(Some(Duration::ZERO));
        let env = Env::start_with(Emulator::builder().faults(faults)).await;
        let token = env
            .served
            .token(&TokenSpec::delegated("unlucky", ME_SCOPES));
        let client =
            env.served.api(
                env.served
                    .client_builder(Version::V1, token)
                    .retry(RetryPolicy {
                        max_retries: 2,
                        ..RetryPolicy::default()
                    }),
            );
        let error = graph_error(
            client
                .me()
                .photo()
                .content()
                .put(photo(&jpeg(60, 60, 32)))
                .await,
            503,
            "ServiceNotAvailable",
        );
        assert_eq!(error.retry_after, Some(Duration::ZERO));
        assert_eq!(env.served.recorder.calls_of("setMyPhotoContent"), 3);
        assert_eq!(env.served.mutations(), 0);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streamed_uploads_are_not_retried() {
    bounded(async {
        let faults = Faults::first(1).retry_after(Some(Duration::ZERO));
        let env = Env::start_with(Emulator::builder().faults(faults)).await;
        let token = env
            .served
            .token(&TokenSpec::delegated("streamer", ME_SCOPES));
        let client = env
            .served
            .api(env.served.client_builder(Version::V1, token));
        let upload = noisy_jpeg(64, 64, 33);
        let chunks: Vec<Result<Bytes, std::io::Error>> = upload
            .chunks(1024)
            .map(|chunk| Ok(Bytes::copy_from_slice(chunk)))
            .collect();
        let stream = PhotoContent::from_jpeg_stream(
            futures_util::stream::iter(chunks),
            Some(upload.len() as u64),
        );
        graph_error(
            client.me().photo().content().put(stream).await,
            429,
            "TooManyRequests",
        );
        assert_eq!(env.served.recorder.calls_of("setMyPhotoContent"), 1);
        assert_eq!(env.served.mutations(), 0);
    })
    .await;
}

#[test]
fn the_recorder_maps_request_lines_to_operations() {
    use crate::support::operation_of;
    use http::Method;
    let id = |method: Method, path: &str| operation_of(&method, path).map(|op| op.id);
    assert_eq!(
        id(Method::PUT, "/v1.0/users('$x@contoso.com')/photo/$value"),
        Some("setUserPhotoContent")
    );
    assert_eq!(
        id(Method::GET, "/beta/me/photos/48x48/$value"),
        Some("getMyPhotoContentBySize")
    );
    assert_eq!(
        id(
            Method::GET,
            "/v1.0/users/a%2Fb/contactFolders/f/contacts/c/photo"
        ),
        Some("getUserFolderContactPhoto")
    );
    assert_eq!(
        id(Method::PATCH, "/v1.0/drive/root/createdByUser/photo"),
        Some("updateDriveOwnerPhoto")
    );
    assert_eq!(id(Method::GET, "/v1.0/users/a/b/photo"), None);
    assert_eq!(id(Method::GET, "/v1.0/users//photo"), None);
    assert_eq!(id(Method::DELETE, "/v1.0/me/photo/$value"), None);
    assert_eq!(id(Method::GET, "/v2.0/me/photo"), None);
    assert_eq!(id(Method::GET, "/v1.0me/photo"), None);
}
