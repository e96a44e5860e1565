//! Microsoft's Groups module, generated whole: an app holding `Group.ReadWrite.All` uploads
//! a group's photo through the generated client to the generated emulator over 127.0.0.1 and
//! reads it back; an app that may only read groups is refused with `403`, as Microsoft's
//! permission tables say.

mod support;

use corpus::client::{GroupsGetPhotoContentResponse, GroupsSetPhotoContentBody};

#[tokio::test]
async fn a_group_photo_goes_up_and_comes_back() -> Result<(), Box<dyn std::error::Error>> {
    support::photo_round_trip!(
        owner: |graph| graph.groups().by_id("02bd9fd6-8f93-4758-87c3-1fb73740a315"),
        upload: GroupsSetPhotoContentBody,
        download: GroupsGetPhotoContentResponse,
        writer: "Group.ReadWrite.All",
        reader: "Group.Read.All",
        refused: true,
    )
}
