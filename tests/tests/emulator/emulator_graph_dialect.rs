//! The emulator serving a description in Microsoft's own dialect (`fixtures/emulator_graph_dialect`):
//! successes declared as `2XX`, so the binding picks the code, and the content as
//! `application/octet-stream`.

use photo_runtime::client::{Client, Error};
use photo_runtime::emulator::TokenSpec;
use photo_runtime::emulator::test_images::jpeg;
use photo_tests::emulator_graph_dialect::client::*;
use photo_tests::emulator_graph_dialect::emulator::Emulator;
use photo_tests::loopback;

const SECRET: &str = "graph dialect fixture secret";

#[tokio::test]
async fn success_classes_are_answered_with_200_or_204() {
    let emulator = Emulator::builder()
        .secret(SECRET)
        .build()
        .expect("the emulator builds");
    let served = loopback::serve(emulator.router()).await;
    let token = emulator
        .token(&TokenSpec::delegated("member-1", ["User.ReadWrite.All"]))
        .expect("a token");
    let http = Client::builder()
        // The router serves the spec's paths under its server URL's path (`/v1.0/`), as Graph.
        .base_url(format!("{}/v1.0", served.origin))
        .static_token(token)
        .preflight(false)
        .build()
        .expect("the client builds");
    let photo = ApiClient::new(http).users().by_id("user-1").photo();

    match photo.get().await {
        Err(Error::Graph(error)) => {
            assert_eq!(
                (error.status, error.code.as_deref()),
                (404, Some("ImageNotFound"))
            );
        }
        other => panic!("no photo yet, got {other:?}"),
    }
    let upload = jpeg(120, 80, 0);
    let body = UserSetPhotoContentBody::from_octet_stream(upload.clone()).expect("a body");
    let uploaded = photo.content().put(body).await;
    assert!(
        matches!(
            uploaded,
            Ok(UserSetPhotoContentResponse::Success { status: 204 })
        ),
        "{uploaded:?}"
    );
    let Ok(UserGetPhotoResponse::Success { status, body }) = photo.get().await else {
        panic!("the metadata");
    };
    assert_eq!(status, 200);
    assert_eq!((body.width, body.height), (Some(120), Some(80)));
    let Ok(UserGetPhotoContentResponse::Success { status, body }) = photo.content().get().await
    else {
        panic!("the content");
    };
    assert_eq!(status, 200);
    assert_eq!(body.bytes().await.expect("the bytes"), upload);
    let deleted = photo.delete().await;
    assert!(
        matches!(
            deleted,
            Ok(UserDeletePhotoResponse::Success { status: 204 })
        ),
        "{deleted:?}"
    );
    served.stop().await;
}
