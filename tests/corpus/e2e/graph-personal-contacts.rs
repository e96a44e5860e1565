//! Microsoft's PersonalContacts module, generated whole: an app holding `Contacts.ReadWrite`
//! uploads a contact's photo through the generated client to the generated emulator over
//! 127.0.0.1 and reads it back; an app that may only read contacts is refused with `403`, as
//! Microsoft's permission tables say.

mod support;

use corpus::client::{UsersContactsGetPhotoContentResponse, UsersContactsSetPhotoContentBody};

#[tokio::test]
async fn a_contact_photo_goes_up_and_comes_back() -> Result<(), Box<dyn std::error::Error>> {
    support::photo_round_trip!(
        owner: |graph| graph.users().by_id("adele@contoso.com").contacts().by_id("AAMkAGI2THVSAAA="),
        upload: UsersContactsSetPhotoContentBody,
        download: UsersContactsGetPhotoContentResponse,
        writer: "Contacts.ReadWrite",
        reader: "Contacts.Read",
        refused: true,
    )
}
