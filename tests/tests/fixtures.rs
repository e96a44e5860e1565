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
