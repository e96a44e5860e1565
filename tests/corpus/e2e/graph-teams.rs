//! Microsoft's Teams module, generated whole: an app holding `TeamSettings.ReadWrite.All`
//! uploads a team's photo through the generated client to the generated emulator over
//! 127.0.0.1 and reads it back. On v1.0 an app that may only read teams' basics is refused with
//! `403`, as Microsoft's table says. `spec/permissions.csv` has no team rows for beta, so there
//! (as photo-gen warns when it generates the module) any signed token may upload.

mod support;

use corpus::client::{TeamsGetPhotoContentResponse, TeamsSetPhotoContentBody};
use photo_runtime::emulator::test_images;

#[tokio::test]
async fn a_team_photo_goes_up_and_comes_back() -> Result<(), Box<dyn std::error::Error>> {
    let (emulator, graph) = support::emulator().await?;
    let jpeg = test_images::jpeg(96, 96, 7);

    let writer = support::client(
        &emulator,
        &graph,
        "sync",
        &["TeamSettings.ReadWrite.All"],
        true,
    )?;
    let photo = writer.teams().by_id("contoso-marketing").photo();
    photo
        .content()
        .put(TeamsSetPhotoContentBody::from_octet_stream(jpeg.clone())?)
        .await?;
    let TeamsGetPhotoContentResponse::Ok { body } = photo.content().get().await?;
    assert_eq!(body.bytes().await?, jpeg);

    let reader = support::client(
        &emulator,
        &graph,
        "dashboard",
        &["Team.ReadBasic.All"],
        false,
    )?;
    let photo = reader.teams().by_id("contoso-marketing").photo();
    let upload = TeamsSetPhotoContentBody::from_octet_stream(jpeg)?;
    let answer = photo.content().put(upload).await;
    if support::version_path() == "/beta" {
        answer?;
    } else {
        support::assert_forbidden(answer);
    }
    Ok(())
}
