//! The code generated from the group-photo slice in Microsoft's dialect
//! (`tests/fixtures/graph_group_photo`) working end to end: its generated client calls its
//! generated server over 127.0.0.1, with typed `$select`/`$expand`/`$orderby` values, entity
//! inheritance, a page with its next link and unknown members, octet-stream uploads and
//! downloads, a plain-text `$count` and Graph's error body.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use photo_api::emulator::{TokenSpec, tokens};
use photo_api::runtime::client::Client;
use photo_api::runtime::server::{self as rt, JwtAuthorizer, Rejection, RequestContext};
use photo_tests::graph_group_photo::client::{
    ApiClient, GroupsGetPhotoResponse, GroupsListPhotosResponse, GroupsPhotosGetCount6a8bResponse,
    GroupsPhotosGetPhotosContentResponse, GroupsUpdatePhotoContentBody,
    GroupsUpdatePhotoContentResponse,
};
use photo_tests::graph_group_photo::models::{
    GroupsGetPhotoExpandItem, GroupsGetPhotoSelectItem, GroupsListPhotosOrderbyItem,
    MicrosoftGraphProfilePhoto, MicrosoftGraphProfilePhotoCollectionResponse,
};
use photo_tests::graph_group_photo::server::{self as generated, PartialApi, router};
use photo_tests::graph_parameters::server as generated_parameters;
use photo_tests::loopback::{self, Served};
use serde_json::json;

const SECRET: &str = "graph slice test secret, not for production";

/// Serves `router` on a loopback port; returns a generated-client transport aimed at
/// `base_path` on it, and the running server. The token may read and write group photos, as
/// Microsoft's permission tables require (the description names no permissions).
async fn serve(router: axum::Router, base_path: &str) -> (Client, Served) {
    let served = loopback::serve(router).await;
    let token = tokens::mint(
        &TokenSpec::delegated("editor", ["Group.ReadWrite.All"]),
        SECRET.as_bytes(),
    )
    .expect("a token");
    let http = Client::builder()
        .base_url(format!("{}{base_path}", served.origin))
        .static_token(token)
        .build()
        .expect("the client builds");
    (http, served)
}

fn config() -> rt::ServerConfig {
    rt::ServerConfig::new(JwtAuthorizer::hs256(SECRET))
}

/// Query values as the server read them, comma-separated as on the wire.
fn joined<T: std::fmt::Display>(values: &Option<Vec<T>>) -> String {
    values
        .iter()
        .flatten()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn photo(id: &str, size: Option<i32>) -> MicrosoftGraphProfilePhoto {
    MicrosoftGraphProfilePhoto {
        id: Some(id.into()),
        height: size,
        width: size,
        ..Default::default()
    }
}

/// One group's photo, answering what the slice asks and echoing the query values it was given.
struct GroupPhotos;

impl PartialApi for GroupPhotos {
    async fn groups_get_photo(
        &self,
        _context: RequestContext,
        request: generated::GroupsGetPhotoRequest,
    ) -> generated::GroupsGetPhotoResponse {
        if request.group_id != "g1" {
            return Rejection::not_found("ImageNotFound", "No photo for this group.").into();
        }
        let mut body = photo("default", None);
        // The typed query values, as the server read them, go back as unknown members.
        let select = joined(&request.select);
        let expand = joined(&request.expand);
        body.additional_properties = BTreeMap::from([
            ("select".to_owned(), json!(select)),
            ("expand".to_owned(), json!(expand)),
        ]);
        generated::GroupsGetPhotoResponse::Success { status: 200, body }
    }

    async fn groups_list_photos(
        &self,
        _context: RequestContext,
        request: generated::GroupsListPhotosRequest,
    ) -> generated::GroupsListPhotosResponse {
        let orderby = joined(&request.orderby);
        let body = MicrosoftGraphProfilePhotoCollectionResponse {
            value: Some(vec![photo("48X48", Some(48)), photo("96X96", Some(96))]),
            odata_next_link: Some(format!("next?$skip={}", request.top.unwrap_or(0))),
            additional_properties: BTreeMap::from([
                ("@odata.count".to_owned(), json!(2)),
                ("orderby".to_owned(), json!(orderby)),
            ]),
        };
        generated::GroupsListPhotosResponse::Success { status: 200, body }
    }

    async fn groups_photos_get_count_6a8b(
        &self,
        _context: RequestContext,
        _request: generated::GroupsPhotosGetCount6a8bRequest,
    ) -> generated::GroupsPhotosGetCount6a8bResponse {
        let body = rt::BinaryContent {
            media_type: "text/plain".into(),
            bytes: Bytes::from_static(b"2"),
        };
        generated::GroupsPhotosGetCount6a8bResponse::Success { status: 200, body }
    }

    async fn groups_update_photo_content(
        &self,
        _context: RequestContext,
        request: generated::GroupsUpdatePhotoContentRequest,
    ) -> generated::GroupsUpdatePhotoContentResponse {
        let media_type = request.body.media_type().to_owned();
        let bytes = match request.body.bytes().await {
            Ok(bytes) => bytes,
            Err(rejection) => return rejection.into(),
        };
        let size = i32::try_from(bytes.len()).unwrap_or(i32::MAX);
        let mut body = photo("default", Some(size));
        body.odata_type = Some(media_type);
        generated::GroupsUpdatePhotoContentResponse::Success { status: 200, body }
    }

    async fn groups_photos_get_photos_content(
        &self,
        _context: RequestContext,
        request: generated::GroupsPhotosGetPhotosContentRequest,
    ) -> generated::GroupsPhotosGetPhotosContentResponse {
        let body = rt::BinaryContent {
            media_type: "application/octet-stream".into(),
            bytes: Bytes::from(request.profile_photo_id.into_bytes()),
        };
        generated::GroupsPhotosGetPhotosContentResponse::Success { status: 200, body }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_generated_client_and_server_of_the_graph_slice_talk() {
    let run = async {
        let (http, served) = serve(router(Arc::new(GroupPhotos), config()), "/v1.0").await;
        let graph = ApiClient::new(http);
        let group = graph.groups().by_id("g1");

        let GroupsGetPhotoResponse::Success { status, body } = group
            .photo()
            .get()
            .select([
                GroupsGetPhotoSelectItem::Id,
                GroupsGetPhotoSelectItem::Height,
            ])
            .expand([GroupsGetPhotoExpandItem::Asterisk])
            .await
            .expect("the photo's metadata");
        assert_eq!(status, 200);
        assert_eq!(body.id.as_deref(), Some("default"));
        assert_eq!(body.height, None);
        assert_eq!(body.additional_properties["select"], "id,height");
        assert_eq!(body.additional_properties["expand"], "*");

        let GroupsListPhotosResponse::Success { body: page, .. } = group
            .photos()
            .get()
            .top(2)
            .orderby([
                GroupsListPhotosOrderbyItem::HeightDesc,
                GroupsListPhotosOrderbyItem::Id,
            ])
            .await
            .expect("a page of photos");
        let sizes: Vec<Option<i32>> = page.value.iter().flatten().map(|p| p.height).collect();
        assert_eq!(sizes, [Some(48), Some(96)]);
        assert_eq!(page.odata_next_link.as_deref(), Some("next?$skip=2"));
        assert_eq!(page.additional_properties["@odata.count"], 2);
        assert_eq!(page.additional_properties["orderby"], "height desc,id");

        let GroupsPhotosGetCount6a8bResponse::Success { body: count, .. } =
            group.photos().count().get().await.expect("the count");
        assert_eq!(&count.bytes().await.expect("the count's text")[..], b"2");

        let upload = GroupsUpdatePhotoContentBody::from_octet_stream(Bytes::from_static(
            b"\xff\xd8\xffjpeg",
        ))
        .expect("octet-stream content");
        let GroupsUpdatePhotoContentResponse::Success { body: stored, .. } = group
            .photo()
            .content()
            .put(upload)
            .await
            .expect("the upload");
        assert_eq!(stored.width, Some(7));
        assert_eq!(
            stored.odata_type.as_deref(),
            Some("application/octet-stream")
        );

        let GroupsPhotosGetPhotosContentResponse::Success { body: content, .. } = group
            .photos()
            .by_id("96X96")
            .content()
            .get()
            .await
            .expect("a photo's content");
        assert_eq!(&content.bytes().await.expect("the content")[..], b"96X96");

        let missing = graph
            .groups()
            .by_id("nobody")
            .photo()
            .get()
            .await
            .expect_err("no such group");
        assert_eq!(missing.status(), Some(404));
        assert_eq!(
            missing.graph().and_then(|error| error.code.as_deref()),
            Some("ImageNotFound")
        );

        served.stop().await;
    };
    tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("the test finishes within a minute");
}

/// What the parameters fixture's server was given.
#[derive(Default)]
struct SeenParameters(Mutex<Option<generated_parameters::UserContactFolderGetChildFolderRequest>>);

impl generated_parameters::PartialApi for SeenParameters {
    async fn user_contact_folder_get_child_folder(
        &self,
        _context: RequestContext,
        request: generated_parameters::UserContactFolderGetChildFolderRequest,
    ) -> generated_parameters::UserContactFolderGetChildFolderResponse {
        if let Ok(mut seen) = self.0.lock() {
            *seen = Some(request);
        }
        generated_parameters::UserContactFolderGetChildFolderResponse::NoContent
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parameters_as_graph_spells_them_arrive_typed() {
    let run = async {
        let seen = Arc::new(SeenParameters::default());
        let (http, served) = serve(generated_parameters::router(seen.clone(), config()), "").await;
        let graph = photo_tests::graph_parameters::client::ApiClient::new(http);
        let answer = graph
            .users()
            .by_id("adele")
            .contact_folders()
            .by_id("f1")
            .child_folders()
            .by_id1("f2")
            .get()
            .ratio(0.25)
            .ids([1.0, 2.5])
            .if_match("W/\"1\"")
            .await
            .expect("the call");
        assert!(matches!(
            answer,
            photo_tests::graph_parameters::client::UserContactFolderGetChildFolderResponse::NoContent
        ));
        let request = seen
            .0
            .lock()
            .expect("the lock")
            .take()
            .expect("the server saw the request");
        assert_eq!(
            (
                request.user_id.as_str(),
                request.contact_folder_id.as_str(),
                request.contact_folder_id1.as_str()
            ),
            ("adele", "f1", "f2")
        );
        assert_eq!(request.ratio, Some(0.25));
        assert_eq!(request.ids, Some(vec![1.0, 2.5]));
        assert_eq!(request.if_match.as_deref(), Some("W/\"1\""));
        served.stop().await;
    };
    tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("the test finishes within a minute");
}
