//! Microsoft's Users module, generated whole: an app holding `ProfilePhoto.ReadWrite.All`
//! uploads a user's photo through the generated client to the generated emulator over
//! 127.0.0.1 and reads it back; an app that may only read photos is refused with `403`, as
//! Microsoft's permission tables say.

mod support;

use corpus::client::{UsersGetPhotoContentResponse, UsersSetPhotoContentBody};
use photo_runtime::emulator::test_images;

#[tokio::test]
async fn a_user_photo_goes_up_and_comes_back() -> Result<(), Box<dyn std::error::Error>> {
    let (emulator, graph) = support::emulator().await?;
    let jpeg = test_images::jpeg(96, 96, 7);

    let writer = support::client(
        &emulator,
        &graph,
        "sync",
        &["ProfilePhoto.ReadWrite.All"],
        true,
    )?;
    let photo = writer.users().by_id("adele@contoso.com").photo();
    photo
        .content()
        .put(UsersSetPhotoContentBody::from_octet_stream(jpeg.clone())?)
        .await?;
    let UsersGetPhotoContentResponse::Ok { body } = photo.content().get().await?;
    assert_eq!(body.bytes().await?, jpeg);

    let reader = support::client(
        &emulator,
        &graph,
        "dashboard",
        &["ProfilePhoto.Read.All"],
        false,
    )?;
    let photo = reader.users().by_id("adele@contoso.com").photo();
    let upload = UsersSetPhotoContentBody::from_octet_stream(jpeg)?;
    support::assert_forbidden(photo.content().put(upload).await);
    Ok(())
}
