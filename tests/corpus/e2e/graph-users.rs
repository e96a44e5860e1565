//! Microsoft's Users module, generated whole: an app holding `ProfilePhoto.ReadWrite.All`
//! uploads a user's photo through the generated client to the generated emulator over
//! 127.0.0.1 and reads it back; an app that may only read photos is refused with `403`, as
//! Microsoft's permission tables say.

mod support;

use corpus::client::{UsersGetPhotoContentResponse, UsersSetPhotoContentBody};

#[tokio::test]
async fn a_user_photo_goes_up_and_comes_back() -> Result<(), Box<dyn std::error::Error>> {
    support::photo_round_trip!(
        owner: |graph| graph.users().by_id("adele@contoso.com"),
        upload: UsersSetPhotoContentBody,
        download: UsersGetPhotoContentResponse,
        writer: "ProfilePhoto.ReadWrite.All",
        reader: "ProfilePhoto.Read.All",
        refused: true,
    )
}
