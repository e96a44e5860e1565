//! The corpus: whole descriptions written in Microsoft's Graph dialect (`tests/corpus/`). Each
//! generates without a warning about its types, and `build.rs` compiles its client and server into this crate
//! (`photo_tests::corpus_<name>`); Graph-shaped JSON round-trips through the types.

use std::path::Path;

use photo_gen::{Options, SpecSource};
use photo_tests::corpus_users_profile_photo::models::{
    MicrosoftGraphProfilePhoto, MicrosoftGraphUser, UsersUserGetUserExpandItem,
};

#[test]
fn every_corpus_description_generates_without_type_warnings() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let mut count = 0;
    for entry in std::fs::read_dir(&corpus).expect("tests/corpus") {
        let path = entry.expect("an entry").path();
        if path.extension().is_none_or(|ext| ext != "yaml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("readable");
        let source = SpecSource::new(path.display().to_string(), text);
        let generated = photo_gen::generate(&source, &Options::external())
            .unwrap_or_else(|diagnostics| panic!("{diagnostics}"));
        // Microsoft's descriptions name no permissions; the only warnings name the operations
        // Microsoft's permission tables do not cover, which any token may call.
        let other: Vec<_> = generated
            .warnings
            .items
            .iter()
            .filter(|warning| {
                !warning
                    .message
                    .starts_with("no permission table of Microsoft's covers")
            })
            .collect();
        assert!(other.is_empty(), "{}", generated.warnings);
        count += 1;
    }
    assert!(count >= 1, "the corpus is empty");
}

#[test]
fn a_graph_user_with_a_nullable_photo_round_trips() {
    let text = r##"{"id":"u1","@odata.type":"#microsoft.graph.user","deletedDateTime":null,"displayName":"Adele Vance","photo":{"id":"default","height":648,"width":648},"photos":[],"businessPhones":["+1 425 555 0109"]}"##;
    let user: MicrosoftGraphUser = serde_json::from_str(text).expect("a user");
    assert_eq!(user.display_name.as_deref(), Some("Adele Vance"));
    let photo: &MicrosoftGraphProfilePhoto = user.photo.as_ref().expect("a photo");
    assert_eq!((photo.height, photo.width), (Some(648), Some(648)));
    assert_eq!(
        user.additional_properties["businessPhones"][0],
        "+1 425 555 0109"
    );
    let without_photo: MicrosoftGraphUser =
        serde_json::from_str(r#"{"id":"u2","photo":null}"#).expect("a user");
    assert!(without_photo.photo.is_none());
    let again: serde_json::Value = serde_json::to_value(&user).expect("serializes");
    assert_eq!(again["photo"]["width"], 648);
    assert_eq!(again["businessPhones"][0], "+1 425 555 0109");
    assert_eq!(UsersUserGetUserExpandItem::Asterisk.as_str(), "*");
}
