//! The emulator serving a spec it was not written for: `fixtures/emulator_teams` adds teams, an
//! owner kind the photo spec does not have. Its generated client drives the emulator engine
//! through that fixture's generated router and emulator binding, with no hand-written code for
//! any of its operations; its operation outside the media-entity pattern answers 501, and an
//! override can serve it.

use std::sync::Arc;

use photo_runtime::client::{Client, Error};
use photo_runtime::emulator::test_images::jpeg;
use photo_runtime::emulator::{Overrides, OwnerKey, TokenSpec};
use photo_tests::emulator_teams::client::*;
use photo_tests::emulator_teams::emulator::operation::ArchiveTeamPhoto;
use photo_tests::emulator_teams::emulator::{Emulator, EmulatorBuilder};
use photo_tests::emulator_teams::models::{PhotoSize, TeamId};
use photo_tests::emulator_teams::server::ArchiveTeamPhotoResponse;
use tokio::task::JoinHandle;

const SECRET: &str = "team photo fixture secret";

struct Served {
    emulator: Emulator,
    base_url: String,
    task: JoinHandle<()>,
}

impl Served {
    /// The emulator serving the fixture's API on a local port.
    async fn start(builder: EmulatorBuilder) -> Served {
        let emulator = builder.secret(SECRET).build().expect("the emulator builds");
        let app = emulator.router();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a local port");
        let base_url = format!("http://{}/v1.0", listener.local_addr().expect("address"));
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("serves");
        });
        Served {
            emulator,
            base_url,
            task,
        }
    }

    /// The fixture's generated client, holding a token with `scopes`.
    fn client(&self, scopes: &[&str]) -> ApiClient {
        let token = self
            .emulator
            .token(&TokenSpec::delegated("member-1", scopes.iter().copied()))
            .expect("a token");
        let http = Client::builder()
            .base_url(&self.base_url)
            .static_token(token)
            .preflight(false)
            .build()
            .expect("the client builds");
        ApiClient::new(http)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn team(id: &str) -> TeamId {
    TeamId::new(id).expect("a team id")
}

/// The status and Graph error code of a call that failed at the service.
fn refusal<T: std::fmt::Debug>(result: Result<T, Error>) -> (u16, String) {
    match result {
        Err(Error::Graph(error)) => (error.status, error.code.unwrap_or_default()),
        Err(Error::UnexpectedResponse { status, body, .. }) => {
            let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            let code = json["error"]["code"].as_str().unwrap_or_default();
            (status, code.to_owned())
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn a_new_owner_kind_is_served_from_the_spec_alone() {
    let served = Served::start(Emulator::builder()).await;
    let writer = served.client(&["Team.Photo.ReadWrite", "Team.Photo.Read"]);
    let photo = writer.teams().by_id(&team("Team-1")).photo();

    let (status, code) = refusal(photo.get().await);
    assert_eq!((status, code.as_str()), (404, "ImageNotFound"));

    let upload = jpeg(300, 200, 0);
    let body = SetTeamPhotoContentBody::from_jpeg(upload.clone()).expect("a JPEG body");
    assert!(matches!(
        photo.content().put(body).await,
        Ok(SetTeamPhotoContentResponse::Ok)
    ));
    // Team ids are case-insensitive (`x-photo-key`), so both spellings meet one stored photo.
    assert!(
        served
            .emulator
            .store()
            .get(&OwnerKey::new([("teams", "team-1")]))
            .is_some()
    );

    let same_team = writer.teams().by_id(&team("TEAM-1")).photo();
    let Ok(GetTeamPhotoContentResponse::Ok { etag, body }) = same_team.content().get().await else {
        panic!("the content");
    };
    assert_eq!(body.bytes().await.expect("the bytes"), upload);
    let etag = etag.expect("an ETag");

    let Ok(GetTeamPhotoResponse::Ok { body: metadata, .. }) = photo.get().await else {
        panic!("the metadata");
    };
    assert_eq!((metadata.width, metadata.height), (Some(300), Some(200)));
    assert_eq!(metadata.odata_media_etag.as_deref(), Some(etag.as_str()));
    let context = metadata.odata_context.expect("an @odata.context");
    assert!(
        context.ends_with("/v1.0/$metadata#teams('team-1')/photo/$entity"),
        "{context}"
    );
    assert_eq!(metadata.caption, None);
    assert!(matches!(
        photo.get().if_none_match(etag).await,
        Ok(GetTeamPhotoResponse::NotModified { .. })
    ));

    let sizes = writer.teams().by_id(&team("team-1")).photos();
    let Ok(GetTeamPhotoBySizeResponse::Ok { body: size, .. }) =
        sizes.by_size(PhotoSize::S96x96).get().await
    else {
        panic!("a size's metadata");
    };
    assert_eq!(size.id, Some("96X96".to_owned()));
    let Ok(GetTeamPhotoContentResponse::Ok { body: resized, .. }) =
        sizes.by_size(PhotoSize::S48x48).content().get().await
    else {
        panic!("a size's content");
    };
    let resized = image::load_from_memory(&resized.bytes().await.expect("bytes")).expect("a JPEG");
    assert_eq!((resized.width(), resized.height()), (48, 48));
    let (status, code) = refusal(sizes.by_size(PhotoSize::S240x240).get().await);
    assert_eq!(
        (status, code.as_str()),
        (404, "ImageNotFound"),
        "larger than the upload"
    );

    let reader = served.client(&["Team.Photo.Read"]);
    let (status, _) = refusal(reader.teams().by_id(&team("team-1")).photo().delete().await);
    assert_eq!(status, 403, "deleting needs Team.Photo.ReadWrite");
    let other_scope = served.client(&["User.Read"]);
    let (status, _) = refusal(
        other_scope
            .teams()
            .by_id(&team("team-1"))
            .photo()
            .get()
            .await,
    );
    assert_eq!(status, 403, "the photo spec's scopes are not this spec's");

    assert!(matches!(
        photo.delete().await,
        Ok(DeleteTeamPhotoResponse::NoContent)
    ));
    let (status, code) = refusal(photo.content().get().await);
    assert_eq!((status, code.as_str()), (404, "ImageNotFound"));
}

#[tokio::test]
async fn an_operation_outside_the_pattern_answers_501_unless_overridden() {
    let served = Served::start(Emulator::builder()).await;
    let archive = served
        .client(&["Team.Photo.ReadWrite"])
        .teams()
        .by_id(&team("team-1"))
        .photo()
        .archive();
    let (status, code) = refusal(archive.post().await);
    assert_eq!((status, code.as_str()), (501, "NotImplemented"));

    let archived = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = archived.clone();
    let overrides = Overrides::new().with::<ArchiveTeamPhoto, _, _>(move |_context, request| {
        seen.lock()
            .expect("not poisoned")
            .push(request.team_id.into_inner());
        async { ArchiveTeamPhotoResponse::Accepted }
    });
    let served = Served::start(Emulator::builder().overrides(overrides)).await;
    let archive = served
        .client(&["Team.Photo.ReadWrite"])
        .teams()
        .by_id(&team("team-2"))
        .photo()
        .archive();
    assert!(matches!(
        archive.post().await,
        Ok(photo_tests::emulator_teams::client::ArchiveTeamPhotoResponse::Accepted)
    ));
    assert_eq!(*archived.lock().expect("not poisoned"), ["team-2"]);
}
