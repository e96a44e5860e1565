//! The generated models and presets behave as Graph expects on the wire.

use photo_api::models::{
    Cloud, MAX_REQUEST_BYTES, PhotoSize, ProfilePhoto, ProfilePhotoCollection, UserKey, Version,
    base_url,
};

#[test]
fn a_partial_update_sends_only_the_fields_set() {
    let patch = ProfilePhoto {
        height: Some(99),
        width: Some(99),
        id: Some("id-value".into()),
        ..Default::default()
    };
    assert_eq!(
        serde_json::to_string(&patch).expect("serializes"),
        r#"{"id":"id-value","height":99,"width":99}"#
    );
    let only_height = ProfilePhoto {
        height: Some(48),
        ..Default::default()
    };
    assert_eq!(
        serde_json::to_string(&only_height).expect("serializes"),
        r#"{"height":48}"#
    );
}

#[test]
fn odata_annotations_round_trip_under_their_own_names() {
    let body = r#"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users('x')/photo/$entity","@odata.mediaContentType":"image/jpeg","@odata.mediaEtag":"\"E1\"","id":"240X240","width":240,"height":240}"#;
    let photo: ProfilePhoto = serde_json::from_str(body).expect("parses");
    assert_eq!(
        photo.odata_media_content_type.as_deref(),
        Some("image/jpeg")
    );
    assert_eq!(photo.odata_media_etag.as_deref(), Some("\"E1\""));
    assert_eq!(photo.width, Some(240));
    let list: ProfilePhotoCollection =
        serde_json::from_str(r#"{"value":[{"id":"48X48","height":48,"width":48}]}"#)
            .expect("parses");
    assert_eq!(list.value.len(), 1);
}

#[test]
fn base_urls_cover_the_national_clouds_and_versions() {
    assert_eq!(
        base_url(Cloud::Global, Version::V1),
        "https://graph.microsoft.com/v1.0"
    );
    assert_eq!(
        base_url(Cloud::UsGovernment, Version::Beta),
        "https://graph.microsoft.us/beta"
    );
    assert_eq!(
        base_url(Cloud::UsGovernmentDod, Version::V1),
        "https://dod-graph.microsoft.us/v1.0"
    );
    assert_eq!(
        base_url(Cloud::China, Version::Beta),
        "https://microsoftgraph.chinacloudapi.cn/beta"
    );
    assert_eq!(Cloud::default(), Cloud::Global);
    assert_eq!(Version::default(), Version::V1);
}

#[test]
fn size_limits_come_from_the_spec() {
    assert_eq!(Version::V1.max_request_bytes(), 4 * 1024 * 1024);
    assert_eq!(Version::Beta.max_request_bytes(), 8 * 1024 * 1024);
    assert_eq!(MAX_REQUEST_BYTES, 8 * 1024 * 1024);
}

#[test]
fn sizes_parse_in_either_case_and_keys_refuse_empty_values() {
    assert_eq!(
        "240X240".parse::<PhotoSize>().expect("size"),
        PhotoSize::S240x240
    );
    assert_eq!(PhotoSize::S48x48.as_str(), "48x48");
    assert!("241x241".parse::<PhotoSize>().is_err());
    assert!(UserKey::new("").is_err());
    assert_eq!(
        UserKey::new("adele@contoso.com").expect("key").as_str(),
        "adele@contoso.com"
    );
}
