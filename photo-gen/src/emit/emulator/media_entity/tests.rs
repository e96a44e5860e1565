//! The reading of operations as media-entity operations, on small specs.

use super::*;
use crate::SpecSource;

const SPEC: &str = r#"
openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /me/photo:
    get:
      operationId: getMyPhoto
      parameters:
        - {name: $select, in: query, schema: {type: array, items: {type: string}}}
        - {name: If-None-Match, in: header, schema: {type: string}}
      responses:
        '200':
          description: ok
          headers: {ETag: {schema: {type: string}}}
          content: {application/json: {schema: {$ref: '#/components/schemas/photo'}}}
        '304': {description: same}
        4XX: {description: refused}
  /teams/{team-id}/channels/{channel-id}/photos/{size}/$value:
    get:
      operationId: getChannelPhotoBySize
      parameters:
        - {name: team-id, in: path, required: true, schema: {$ref: '#/components/schemas/teamId'}}
        - {name: channel-id, in: path, required: true, schema: {type: string}}
        - {name: size, in: path, required: true, schema: {type: string}}
      responses:
        '200': {description: ok, content: {image/jpeg: {schema: {type: string, format: binary}}}}
        4XX: {description: refused}
  /drive/root/createdByUser/photo/$value:
    put:
      operationId: setDriveOwnerPhoto
      requestBody: {required: true, content: {image/jpeg: {schema: {type: string, format: binary}}}}
      responses:
        '200': {description: ok}
        4XX: {description: refused}
  /me/photo/archive:
    post:
      operationId: archiveMyPhoto
      responses:
        '204': {description: ok}
        4XX: {description: refused}
  /me/photos:
    delete:
      operationId: deleteMyPhotos
      responses:
        '204': {description: ok}
        4XX: {description: refused}
components:
  schemas:
    teamId: {type: string, x-photo-key: {case: insensitive}}
    photo:
      type: object
      properties:
        id: {type: string}
        height: {type: integer, format: int32}
        extra: {type: boolean}
        '@odata.context': {type: string}
"#;

fn classified() -> Vec<Result<MediaOperation, String>> {
    let api = crate::lower(&SpecSource::new("spec.yaml", SPEC)).expect("the spec lowers");
    api.operations.iter().map(|op| classify(&api, op)).collect()
}

#[test]
fn metadata_reads_its_parameters_responses_and_entity() {
    let op = classified().remove(0).expect("fits");
    assert_eq!(op.kind, MediaKind::Metadata);
    assert_eq!(op.owner, [OwnerPart::Me]);
    assert_eq!(op.select.map(|s| s.field).as_deref(), Some("select"));
    assert!(op.if_none_match.is_some_and(|input| input.optional));
    assert_eq!(op.success.headers, [("etag".to_owned(), true)]);
    assert_eq!(
        op.not_modified.map(|r| r.variant).as_deref(),
        Some("NotModified")
    );
    let entity = op.entity.expect("an entity");
    let known: Vec<_> = entity.fields.iter().map(|(_, known)| *known).collect();
    assert_eq!(
        known,
        [
            EntityField::Id,
            EntityField::Height,
            EntityField::Unknown,
            EntityField::Context
        ]
    );
}

#[test]
fn owners_are_sets_with_keys_and_navigations() {
    let ops = classified();
    let sized = ops[1].as_ref().expect("fits");
    assert_eq!(sized.kind, MediaKind::SizeContent);
    assert_eq!(sized.size.as_deref(), Some("size"));
    assert_eq!(
        sized.owner,
        [
            OwnerPart::Key {
                set: "teams".into(),
                field: "team_id".into(),
                semantics: KeySemantics {
                    case_insensitive: true,
                    aliases: false
                },
            },
            OwnerPart::Key {
                set: "channels".into(),
                field: "channel_id".into(),
                semantics: KeySemantics::default(),
            },
        ]
    );
    let upload = ops[2].as_ref().expect("fits");
    assert_eq!(upload.kind, MediaKind::Upload);
    assert_eq!(
        upload.owner,
        [OwnerPart::Navigation("drive/root/createdByUser".into())]
    );
}

#[test]
fn other_shapes_and_methods_say_why_they_do_not_fit() {
    let ops = classified();
    assert!(
        ops[3]
            .as_ref()
            .is_err_and(|why| why.contains("does not end in"))
    );
    assert!(ops[4].as_ref().is_err_and(|why| why.contains("`DELETE`")));
}

/// Microsoft's descriptions declare `2XX` rather than a code: the binding answers with `200`
/// when there is a body and `204` when there is none; a declared code is used as it is.
#[test]
fn a_success_class_is_answered_with_a_code_of_that_class() {
    let spec = r#"
openapi: 3.0.1
info: {title: t, version: '1'}
paths:
  /users/{user-id}/photo:
    get:
      operationId: users_GetPhoto
      parameters:
        - {name: user-id, in: path, required: true, style: simple, schema: {type: string}}
      responses:
        '200':
          description: Retrieved navigation property
          content: {application/json: {schema: {$ref: '#/components/schemas/photo'}}}
        2XX: {description: Other success}
        default: {description: error}
  /users/{user-id}/photo/$value:
    put:
      operationId: users_SetPhotoContent
      parameters:
        - {name: user-id, in: path, required: true, style: simple, schema: {type: string}}
      requestBody:
        required: true
        content: {application/octet-stream: {schema: {type: string, format: binary}}}
      responses:
        2XX: {description: Success}
        default: {description: error}
    get:
      operationId: users_GetPhotoContent
      parameters:
        - {name: user-id, in: path, required: true, style: simple, schema: {type: string}}
      responses:
        2XX:
          description: Retrieved media content
          content: {application/octet-stream: {schema: {type: string, format: binary}}}
        default: {description: error}
components:
  schemas:
    photo:
      type: object
      properties:
        id: {type: string}
        height: {type: integer, format: int32, nullable: true}
"#;
    let api = crate::lower(&SpecSource::new("spec.yaml", spec)).expect("the spec lowers");
    let status = |id: &str| {
        let op = api
            .operations
            .iter()
            .find(|op| op.id == id)
            .expect("the operation is there");
        classify(&api, op).expect("fits").success.status
    };
    // The exact `200` is the variant's own code; a class needs one chosen.
    assert_eq!(status("users_GetPhoto"), None);
    assert_eq!(status("users_SetPhotoContent"), Some(204));
    assert_eq!(status("users_GetPhotoContent"), Some(200));
}

/// Operations whose paths are not a photo's are counted in one warning, at the first; a photo
/// path that misses the pattern is named on its own.
#[test]
fn unserved_operations_are_warned_of_once_per_kind() {
    let source = SpecSource::new("spec.yaml", SPEC);
    let api = crate::lower(&source).expect("lowers").api;
    let media = MediaEntities::classify(&api);
    let mut warnings = Diagnostics::new_warnings("spec.yaml");
    media.warn_unserved(&api, SPEC, &mut warnings);
    let short = warnings.short();
    assert_eq!(warnings.len(), 2, "{short}");
    assert!(
        short.contains(":36:5: warning: the emulator answers `archiveMyPhoto` (`POST /me/photo/archive`) with 501 NotImplemented: its path does not end in"),
        "{short}"
    );
    assert!(
        short.contains(":42:5: warning: the emulator answers `deleteMyPhotos` (`DELETE /me/photos`) with 501 NotImplemented: `DELETE` is not one"),
        "{short}"
    );

    let many = SPEC.replace(
        "components:",
        "  /me/photo/restore:\n    post:\n      operationId: restoreMyPhoto\n      responses:\n        '204': {description: ok}\ncomponents:",
    );
    let source = SpecSource::new("spec.yaml", many.as_str());
    let api = crate::lower(&source).expect("lowers").api;
    let mut warnings = Diagnostics::new_warnings("spec.yaml");
    MediaEntities::classify(&api).warn_unserved(&api, &many, &mut warnings);
    assert_eq!(warnings.len(), 2, "{}", warnings.short());
    assert!(
        warnings.short().contains(":36:5: warning: the emulator answers 2 operations with 501 NotImplemented, the first `archiveMyPhoto` (`POST /me/photo/archive`): their paths do not end in"),
        "{}",
        warnings.short()
    );
}
