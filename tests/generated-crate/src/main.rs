//! A crate of its own around code generated from `tests/fixtures/emulator_teams` with
//! `Options::external().with_emulator()`: its Cargo.toml declares photo-runtime and tokio alone.
//! It serves the description from the emulator binding, then the generated client uploads a
//! team's photo and reads it back. `tests/tests/generator/generated_crates.rs` builds and runs it.

mod generated;

use generated::client::{
    ApiClient, GetTeamPhotoContentResponse, GetTeamPhotoResponse, SetTeamPhotoContentBody,
    SetTeamPhotoContentResponse,
};
use generated::emulator::Emulator;
use generated::models::TeamId;
use photo_runtime::client::Client;
use photo_runtime::emulator::TokenSpec;
use photo_runtime::emulator::test_images;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::builder().secret("generated crate").build()?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base_url = format!("http://{}/v1.0", listener.local_addr()?);
    tokio::spawn(emulator.serve(listener));

    let token = emulator.token(&TokenSpec::delegated(
        "member-1",
        ["Team.Photo.Read", "Team.Photo.ReadWrite"],
    ))?;
    let http = Client::builder()
        .base_url(&base_url)
        .static_token(token)
        .build()?;
    let graph = ApiClient::new(http);
    let photo = graph.teams().by_id(&TeamId::new("team-1")?).photo();

    let jpeg = test_images::jpeg(64, 48, 0);
    let uploaded = photo
        .content()
        .put(SetTeamPhotoContentBody::from_jpeg(jpeg.clone())?)
        .await?;
    if !matches!(uploaded, SetTeamPhotoContentResponse::Ok) {
        return Err(format!("the upload answered {uploaded:?}").into());
    }
    let GetTeamPhotoContentResponse::Ok { body, .. } = photo.content().get().await? else {
        return Err("the content is missing".into());
    };
    if body.bytes().await? != jpeg {
        return Err("the content is not the upload".into());
    }
    let GetTeamPhotoResponse::Ok { body: metadata, .. } = photo.get().await? else {
        return Err("the metadata is missing".into());
    };
    if (metadata.width, metadata.height) != (Some(64), Some(48)) {
        return Err(format!("the metadata is {metadata:?}").into());
    }
    println!("round trip ok");
    Ok(())
}
