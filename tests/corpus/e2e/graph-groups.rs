//! Microsoft's Groups module, generated whole: an app holding `Group.ReadWrite.All` uploads
//! a group's photo through the generated client to the generated emulator over 127.0.0.1 and
//! reads it back; an app that may only read groups is refused with `403`, as Microsoft's
//! permission tables say.

mod support;

use corpus::client::{GroupsGetPhotoContentResponse, GroupsSetPhotoContentBody};
use photo_runtime::emulator::test_images;

#[tokio::test]
async fn a_group_photo_goes_up_and_comes_back() -> Result<(), Box<dyn std::error::Error>> {
    let (emulator, graph) = support::emulator().await?;
    let jpeg = test_images::jpeg(96, 96, 7);

    let writer = support::client(&emulator, &graph, "sync", &["Group.ReadWrite.All"], true)?;
    let photo = writer
        .groups()
        .by_id("02bd9fd6-8f93-4758-87c3-1fb73740a315")
        .photo();
    photo
        .content()
        .put(GroupsSetPhotoContentBody::from_octet_stream(jpeg.clone())?)
        .await?;
    let GroupsGetPhotoContentResponse::Ok { body } = photo.content().get().await?;
    assert_eq!(body.bytes().await?, jpeg);

    let reader = support::client(&emulator, &graph, "dashboard", &["Group.Read.All"], false)?;
    let photo = reader
        .groups()
        .by_id("02bd9fd6-8f93-4758-87c3-1fb73740a315")
        .photo();
    let upload = GroupsSetPhotoContentBody::from_octet_stream(jpeg)?;
    support::assert_forbidden(photo.content().put(upload).await);
    Ok(())
}
