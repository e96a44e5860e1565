//! Microsoft's Teams module, generated whole: an app holding `TeamSettings.ReadWrite.All`
//! uploads a team's photo through the generated client to the generated emulator over
//! 127.0.0.1 and reads it back. On v1.0 an app that may only read teams' basics is refused with
//! `403`, as Microsoft's table says. `spec/permissions.csv` has no team rows for beta, so there
//! (as photo-gen warns when it generates the module) any signed token may upload.

mod support;

use corpus::client::{TeamsGetPhotoContentResponse, TeamsSetPhotoContentBody};

#[tokio::test]
async fn a_team_photo_goes_up_and_comes_back() -> Result<(), Box<dyn std::error::Error>> {
    support::photo_round_trip!(
        owner: |graph| graph.teams().by_id("contoso-marketing"),
        upload: TeamsSetPhotoContentBody,
        download: TeamsGetPhotoContentResponse,
        writer: "TeamSettings.ReadWrite.All",
        reader: "Team.ReadBasic.All",
        refused: support::version_path() != "/beta",
    )
}
