//! Behaviour of the code generated from the fixture specs (compiled by `build.rs` into this
//! crate's library): values round-trip through the generated types as the wire spells them.

mod enum_values {
    use photo_tests::enum_values::models::{PhotosListPhotosExpandItem, SortKey};

    #[test]
    fn values_that_are_not_identifiers_keep_their_exact_spelling() {
        let all: Vec<&str> = SortKey::ALL.iter().map(|key| key.as_str()).collect();
        assert_eq!(
            all,
            ["*", "id", "id desc", "Id", "ID", "", "-", "height desc"]
        );
        assert_eq!(SortKey::Asterisk.as_str(), "*");
        assert_eq!(SortKey::IdDesc.as_str(), "id desc");
        assert_eq!(SortKey::Empty.as_str(), "");
        for key in SortKey::ALL {
            let json = serde_json::to_string(&key).expect("serializes");
            assert_eq!(json, format!("\"{}\"", key.as_str()));
            assert_eq!(serde_json::from_str::<SortKey>(&json).expect("parses"), key);
        }
        assert_eq!(
            serde_json::to_string(&PhotosListPhotosExpandItem::Asterisk).expect("serializes"),
            r#""*""#
        );
    }

    #[test]
    fn values_that_differ_only_in_case_each_parse_to_their_own_variant() {
        assert_eq!("id".parse::<SortKey>().expect("id"), SortKey::Id);
        assert_eq!("Id".parse::<SortKey>().expect("Id"), SortKey::Id2);
        assert_eq!("ID".parse::<SortKey>().expect("ID"), SortKey::Id3);
        // Without an exact match, case is ignored as Graph does.
        assert_eq!("iD".parse::<SortKey>().expect("iD"), SortKey::Id);
        assert_eq!("ID DESC".parse::<SortKey>().expect("desc"), SortKey::IdDesc);
        assert!("nope".parse::<SortKey>().is_err());
    }
}

mod inline_schemas {
    use photo_tests::inline_schemas::models::{
        AddPhotoBody, AddPhotoCreated, Photo, PhotoPage, PhotoSize, PhotoSize2,
    };

    #[test]
    fn inline_objects_become_types_named_from_where_they_stand() {
        let page: PhotoPage = serde_json::from_str(
            r#"{"value":[{"id":"p1","size":{"width":48,"crops":[{"left":2}]}}],"@odata.nextLink":null}"#,
        )
        .expect("parses");
        let photos = page.value.expect("value");
        let size: &PhotoSize2 = photos[0].size.as_ref().expect("size");
        assert_eq!(size.width, 48);
        assert_eq!(size.crops.as_ref().expect("crops")[0].left, Some(2));
        assert_eq!(page.odata_next_link, None);
        // The component keeps its own name; the inline type gave way.
        let label = PhotoSize {
            label: Some("large".into()),
        };
        assert_eq!(
            serde_json::to_string(&label).expect("serializes"),
            r#"{"label":"large"}"#
        );
        let _: Option<PhotoSize2> = Photo::default().size;
    }

    #[test]
    fn inline_bodies_round_trip() {
        let body = AddPhotoBody { id: "p2".into() };
        assert_eq!(
            serde_json::to_string(&body).expect("serializes"),
            r#"{"id":"p2"}"#
        );
        let created: AddPhotoCreated =
            serde_json::from_str(r#"{"id":"p2","tags":[{"name":"beach"}]}"#).expect("parses");
        assert_eq!(
            created.tags.expect("tags")[0].name.as_deref(),
            Some("beach")
        );
    }
}

mod all_of {
    use photo_tests::all_of::models::{Album, Photo, Thumbnail};

    #[test]
    fn all_of_merges_the_chain_into_one_struct() {
        let thumbnail: Thumbnail = serde_json::from_str(
            r#"{"id":"t1","height":null,"width":48,"scale":0.5,"unknown":true}"#,
        )
        .expect("parses");
        assert_eq!(thumbnail.id, "t1");
        assert_eq!(thumbnail.height, None);
        assert_eq!(thumbnail.width, Some(48));
        assert_eq!(thumbnail.scale, Some(0.5));
        // Required by `thumbnail` though declared by `photo`: sent even when null; the unknown
        // member was ignored.
        assert_eq!(
            serde_json::to_string(&thumbnail).expect("serializes"),
            r#"{"id":"t1","height":null,"width":48,"scale":0.5}"#
        );
        // `id` is required by the base of the chain.
        assert!(serde_json::from_str::<Photo>(r#"{"height":1}"#).is_err());
    }

    #[test]
    fn nullable_references_are_options_of_the_referenced_type() {
        let album: Album = serde_json::from_str(
            r#"{"cover":null,"best":{"id":"b","height":96},"alias":{"id":"a"},"owner":{"id":"o","displayName":"Adele"}}"#,
        )
        .expect("parses");
        assert_eq!(album.cover, None);
        let best = album.best.expect("best");
        assert_eq!(best.height, Some(96));
        let alias: Photo = album.alias.expect("alias");
        assert_eq!(alias.id, "a");
        let owner = album.owner.expect("owner");
        assert_eq!(
            (owner.id.as_str(), owner.display_name.as_deref()),
            ("o", Some("Adele"))
        );
    }
}

mod open_objects {
    use photo_tests::open_objects::models::Report;

    #[test]
    fn open_objects_keep_every_member_on_a_round_trip() {
        let text = r#"{"inner":{"date":"2026-01-01T00:00:00","request-id":"r1","detail":{"depth":1}},"labels":{"a":"x"},"tally":{"name":"votes","yes":3,"no":1},"sizes":{"small":{"width":48}},"anything":{"k":[1,2]},"extras":{"flag":true},"counts":{"jpeg":{"total":3}}}"#;
        let report: Report = serde_json::from_str(text).expect("parses");
        let inner = report.inner.as_ref().expect("inner");
        assert_eq!(inner["request-id"], "r1");
        assert_eq!(inner["detail"]["depth"], 1);
        assert_eq!(
            report.sizes.as_ref().expect("sizes")["small"].width,
            Some(48)
        );
        assert_eq!(
            report.counts.as_ref().expect("counts")["jpeg"].total,
            Some(3)
        );
        let tally = report.tally.as_ref().expect("tally");
        assert_eq!(tally.name.as_deref(), Some("votes"));
        assert_eq!(tally.additional_properties["yes"], 3);
        // Members beyond the properties have the type `additionalProperties` gives.
        assert!(serde_json::from_str::<Report>(r#"{"tally":{"name":"x","yes":"many"}}"#).is_err());
        let again: serde_json::Value =
            serde_json::from_str(&serde_json::to_string(&report).expect("serializes"))
                .expect("json");
        let original: serde_json::Value = serde_json::from_str(text).expect("json");
        assert_eq!(again, original);
    }
}

mod graph_group_photo {
    use photo_tests::graph_group_photo::models::{
        GroupsListPhotosExpandItem, GroupsListPhotosOrderbyItem, MicrosoftGraphProfilePhoto,
        MicrosoftGraphProfilePhotoCollectionResponse, OdataError,
    };

    #[test]
    fn a_graph_profile_photo_is_typed_and_round_trips() {
        let text = r#"{"@odata.mediaEtag":"W/\"e1\"","height":null,"id":"240X240","width":240}"#;
        let photo: MicrosoftGraphProfilePhoto = serde_json::from_str(text).expect("parses");
        assert_eq!(photo.id.as_deref(), Some("240X240"));
        assert_eq!(photo.height, None);
        assert_eq!(photo.width, Some(240));
        // Required by the description, left out by Graph when the type is the declared one.
        assert_eq!(photo.odata_type, None);
        // Members the description does not declare are kept (`additionalProperties`)...
        assert_eq!(
            photo.additional_properties["@odata.mediaEtag"],
            serde_json::json!("W/\"e1\"")
        );
        // ...and sent back; an optional member set to null is left out.
        assert_eq!(
            serde_json::to_string(&photo).expect("serializes"),
            r#"{"id":"240X240","width":240,"@odata.mediaEtag":"W/\"e1\""}"#
        );
        let typed: MicrosoftGraphProfilePhoto = serde_json::from_str(
            r##"{"@odata.type":"#microsoft.graph.profilePhoto","id":"48X48"}"##,
        )
        .expect("parses");
        assert_eq!(
            typed.odata_type.as_deref(),
            Some("#microsoft.graph.profilePhoto")
        );
    }

    #[test]
    fn a_page_of_photos_carries_its_next_link() {
        let page: MicrosoftGraphProfilePhotoCollectionResponse = serde_json::from_str(
            r##"{"value":[{"@odata.type":"#microsoft.graph.profilePhoto","id":"48X48","height":48,"width":48}],"@odata.nextLink":"https://graph.microsoft.com/v1.0/groups/g/photos?$skiptoken=x"}"##,
        )
        .expect("parses");
        assert_eq!(page.value.expect("value")[0].height, Some(48));
        assert!(page.odata_next_link.expect("next").contains("$skiptoken"));
    }

    #[test]
    fn a_graph_error_keeps_its_inner_error() {
        let error: OdataError = serde_json::from_str(
            r#"{"error":{"code":"ImageNotFound","message":"Exception of type 'Microsoft.Fast.Profile.Core.Exception.ImageNotFoundException' was thrown.","innerError":{"date":"2026-01-01T00:00:00","request-id":"r1","client-request-id":"c1"}}}"#,
        )
        .expect("parses");
        assert_eq!(error.error.code, "ImageNotFound");
        assert_eq!(error.error.inner_error.expect("inner")["request-id"], "r1");
    }

    #[test]
    fn odata_query_options_keep_their_spelling() {
        assert_eq!(GroupsListPhotosExpandItem::Asterisk.as_str(), "*");
        assert_eq!(
            GroupsListPhotosOrderbyItem::HeightDesc.as_str(),
            "height desc"
        );
    }
}

mod loose_types {
    use photo_tests::loose_types::models::{Measure, MeasureValue};

    #[test]
    fn loosely_typed_members_keep_any_json_value() {
        let text = r#"{"value":"12.5","note":[1,{"a":null}],"extra":{"k":"v"}}"#;
        let measure: Measure = serde_json::from_str(text).expect("parses");
        assert_eq!(measure.value, Some(MeasureValue::String("12.5".into())));
        let again: serde_json::Value = serde_json::to_value(&measure).expect("serializes");
        assert_eq!(
            again,
            serde_json::from_str::<serde_json::Value>(text).expect("json")
        );
    }
}

mod name_collisions {
    use photo_tests::name_collisions::client::{AddPetOpCall, AddPetOpResponse, Pet2, Pets2};
    use photo_tests::name_collisions::models::{AddPetCall, AddPetRequest, AddPetResponse, Pets};
    use photo_tests::name_collisions::server::{AddPetOpRequest, UploadPetPhotoRequest};

    /// The spec's names stay as written; the names the generator makes give way.
    #[test]
    fn spec_names_win_and_generated_names_give_way() {
        let request = AddPetRequest {
            name: Some("Rex".into()),
        };
        let response = AddPetResponse {
            id: Some("p1".into()),
        };
        let server_request = AddPetOpRequest {
            body: request.clone(),
        };
        assert_eq!(server_request.body, request);
        let client_response = AddPetOpResponse::Ok {
            body: response.clone(),
        };
        assert!(matches!(client_response, AddPetOpResponse::Ok { ref body } if body == &response));
        let pets: Pets = serde_json::from_str(r#"{"count":2}"#).expect("parses");
        assert_eq!(pets.count, Some(2));
        assert_eq!(AddPetCall::new("x").expect("key").as_str(), "x");
        // The path nodes are there under their new names.
        let _: Option<(Pets2, Pet2, AddPetOpCall, UploadPetPhotoRequest)> = None;
    }
}

mod unions {
    use photo_tests::unions::models::{
        Album, Item, ItemContent, ItemTagsItem, Photo, ReferenceNumeric, Weight,
    };

    #[test]
    fn a_value_is_the_narrowest_variant_it_fits() {
        let parse = |text: &str| serde_json::from_str::<Weight>(text).expect("a weight");
        assert_eq!(parse("1.5"), Weight::Number(1.5));
        assert_eq!(
            parse(r#""NaN""#),
            Weight::ReferenceNumeric(ReferenceNumeric::NaN)
        );
        assert_eq!(
            parse(r#""-INF""#),
            Weight::ReferenceNumeric(ReferenceNumeric::MinusInf)
        );
        assert_eq!(parse(r#""heavy""#), Weight::String("heavy".into()));
        let tags: Vec<ItemTagsItem> = serde_json::from_str(r#"["a",2]"#).expect("tags");
        assert_eq!(
            tags,
            [ItemTagsItem::String("a".into()), ItemTagsItem::Int32(2)]
        );
    }

    #[test]
    fn unions_of_objects_and_null_round_trip() {
        let text = r#"{"weight":"INF","content":{"photos":[{"width":48}]},"tags":[1,"x"]}"#;
        let item: Item = serde_json::from_str(text).expect("an item");
        assert_eq!(
            item.content,
            Some(ItemContent::Album(Album {
                photos: vec![Photo { width: 48 }]
            }))
        );
        assert_eq!(serde_json::to_string(&item).expect("serializes"), text);
        let photo: Item = serde_json::from_str(r#"{"content":{"width":96}}"#).expect("an item");
        assert_eq!(photo.content, Some(ItemContent::Photo(Photo { width: 96 })));
        let none: Item = serde_json::from_str(r#"{"content":null}"#).expect("an item");
        assert_eq!(none.content, None);
    }
}

mod tagged_unions {
    use photo_tests::tagged_unions::models::{
        AnyMicrosoftGraphDirectoryObject, Household, MicrosoftGraphUser, Owner, Pet,
    };
    use serde_json::json;

    fn round_trip(value: serde_json::Value) -> (Household, serde_json::Value) {
        let household: Household = serde_json::from_value(value).expect("parses");
        let again = serde_json::to_value(&household).expect("serializes");
        (household, again)
    }

    #[test]
    fn a_discriminator_picks_the_variant_by_its_mapped_or_implicit_value() {
        let wire = json!({"pets": [
            {"petType": "feline", "lives": 9},
            {"petType": "dog", "goodBoy": true},
            {"petType": "parrot", "words": 12},
        ]});
        let (household, again) = round_trip(wire.clone());
        let pets = household.pets.expect("pets");
        assert!(matches!(&pets[0], Pet::Cat(cat) if cat.lives == 9));
        assert!(matches!(&pets[1], Pet::Dog(dog) if dog.good_boy == Some(true)));
        // An unknown tag is kept as it came, not refused.
        assert!(matches!(&pets[2], Pet::Other(other) if other["words"] == 12));
        assert_eq!(again, wire);
    }

    #[test]
    fn graph_members_are_told_apart_by_odata_type() {
        let wire = json!({"owner": {"@odata.type": "#microsoft.graph.group", "id": "g1", "mailNickname": "team"}});
        let (household, again) = round_trip(wire.clone());
        let Some(Owner::MicrosoftGraphGroup(group)) = household.owner else {
            panic!("a group");
        };
        assert_eq!(group.mail_nickname.as_deref(), Some("team"));
        assert_eq!(group.id.as_deref(), Some("g1"));
        assert_eq!(again, wire);
    }

    #[test]
    fn a_base_with_a_mapping_reads_each_derived_type_and_falls_back_to_the_base() {
        let wire = json!({"members": [
            {"@odata.type": "#microsoft.graph.user", "id": "u1", "displayName": "Adele",
             "manager": {"@odata.type": "#microsoft.graph.user", "id": "u2", "displayName": "Nestor"}},
            {"@odata.type": "#microsoft.graph.group", "id": "g1", "mailNickname": "team"},
            {"@odata.type": "#microsoft.graph.device", "id": "d1", "deletedDateTime": null},
            {"id": "o1"},
        ]});
        let (household, again) = round_trip(wire.clone());
        let members = household.members.expect("members");
        let AnyMicrosoftGraphDirectoryObject::MicrosoftGraphUser(user) = &members[0] else {
            panic!("a user: {:?}", members[0]);
        };
        let user: &MicrosoftGraphUser = user;
        assert_eq!(user.display_name.as_deref(), Some("Adele"));
        assert!(matches!(
            user.manager.as_ref(),
            Some(AnyMicrosoftGraphDirectoryObject::MicrosoftGraphUser(manager))
                if manager.display_name.as_deref() == Some("Nestor")
        ));
        assert!(matches!(
            &members[1],
            AnyMicrosoftGraphDirectoryObject::MicrosoftGraphGroup(_)
        ));
        // A type the description does not map, and a value without a tag, read as the base,
        // which keeps the tag it came with.
        let AnyMicrosoftGraphDirectoryObject::MicrosoftGraphDirectoryObject(device) = &members[2]
        else {
            panic!("the base: {:?}", members[2]);
        };
        assert_eq!(
            device.odata_type.as_deref(),
            Some("#microsoft.graph.device")
        );
        assert!(matches!(
            &members[3],
            AnyMicrosoftGraphDirectoryObject::MicrosoftGraphDirectoryObject(base) if base.odata_type.is_none()
        ));
        let mut expected = wire;
        // `deletedDateTime: null` is an unset optional field, which is not written back.
        expected["members"][2]
            .as_object_mut()
            .expect("an object")
            .remove("deletedDateTime");
        assert_eq!(again, expected);
    }
}
