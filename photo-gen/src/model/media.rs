//! Operations read as OData media-entity operations: the shape the emulator serves without code
//! of its own per operation.
//!
//! Graph exposes a photo under many owners, always in the same shape: `{owner}/photo` (`GET`
//! metadata, `PATCH` metadata, `DELETE`), `{owner}/photo/$value` (`GET`, `PUT` the content),
//! `{owner}/photos` (`GET` the sizes), `{owner}/photos/{size}` (`GET`) and
//! `{owner}/photos/{size}/$value` (`GET`). The owner is the path before `photo` or `photos`:
//! `me` is the caller, a literal followed by a key parameter is an entity set and its key, and
//! other literals (`drive/root/createdByUser`) are a navigation the emulator resolves.
//! [`classify`] reads an operation that way, or says why it does not fit.

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::locate;

use super::{
    Api, BodyContent, KeySemantics, Method, Operation, Param, ParamLocation, Response, Segment,
    Status, TypeKind, TypeRef,
};

/// What a media-entity operation does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaKind {
    /// `GET {owner}/photo`.
    Metadata,
    /// `PATCH {owner}/photo`.
    Update,
    /// `DELETE {owner}/photo`.
    Delete,
    /// `GET {owner}/photo/$value`.
    Content,
    /// `PUT {owner}/photo/$value`.
    Upload,
    /// `GET {owner}/photos`.
    List,
    /// `GET {owner}/photos/{size}`.
    SizeMetadata,
    /// `GET {owner}/photos/{size}/$value`.
    SizeContent,
}

/// One step of an owner's path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum OwnerPart {
    /// `me`: the caller.
    Me,
    /// An entity set and the request field holding its key, such as `users` and `user_id`.
    Key {
        set: String,
        field: String,
        semantics: KeySemantics,
    },
    /// Literal segments naming another entity through a navigation, such as
    /// `drive/root/createdByUser`.
    Navigation(String),
}

/// A header or query parameter the binding passes on: its request field and whether the field
/// is optional (`Option`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Input {
    pub field: String,
    pub optional: bool,
}

/// An operation that fits the pattern, with everything its binding reads and builds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MediaOperation {
    pub kind: MediaKind,
    pub owner: Vec<OwnerPart>,
    /// The request field of the `{size}` segment.
    pub size: Option<String>,
    /// The request field of `$select`, when it is a list of names.
    pub select: Option<Input>,
    pub if_none_match: Option<Input>,
    pub if_match: Option<Input>,
    /// The success response, and the `304` response when there is one.
    pub success: Reply,
    pub not_modified: Option<Reply>,
    /// The photo's metadata type (`profilePhoto`) where the operation reads or writes one.
    pub entity: Option<EntityType>,
    /// The collection type of `GET …/photos`.
    pub collection: Option<CollectionType>,
    /// The `PATCH` body's fields the emulator stores (`id`, `height`, `width`).
    pub patch: Vec<(String, EntityField)>,
}

/// A response variant the binding builds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reply {
    pub variant: String,
    /// The code to send when the variant stands for a class of statuses (Graph's `2XX`), which
    /// leaves the code to whoever answers: `200` with a body, `204` without.
    pub status: Option<u16>,
    /// Each header field of the variant, and whether it is the `ETag`.
    pub headers: Vec<(String, bool)>,
    pub body: bool,
}

/// How a metadata type's fields map to the emulator's metadata.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EntityType {
    pub rust_name: String,
    /// Each field and what fills it.
    pub fields: Vec<(String, EntityField)>,
    /// The map of members beyond the fields, for an open object: left empty.
    pub additional: Option<String>,
}

/// What the emulator knows of a metadata field, by its JSON name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntityField {
    Id,
    Height,
    Width,
    Context,
    MediaContentType,
    MediaEtag,
    /// A field the emulator does not know: left out.
    Unknown,
}

/// A collection type: `@odata.context` and `value`, a list of the metadata type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CollectionType {
    pub rust_name: String,
    pub context_field: Option<String>,
    pub value_field: String,
    /// Whether `value` is optional (`Option<Vec<…>>`).
    pub value_optional: bool,
    /// Its other fields, all optional: left out.
    pub others: Vec<String>,
    /// The map of members beyond the fields, for an open object: left empty.
    pub additional: Option<String>,
}

/// Warns, for each operation the emulator answers with `501` because it does not fit the
/// pattern, at its method under its path in `text`, the spec.
pub fn warn_unserved(api: &Api, text: &str, warnings: &mut Diagnostics) {
    let locator = locate::Locator::new(text);
    for op in &api.operations {
        let Err(why) = classify(api, op) else {
            continue;
        };
        warnings.push(
            Diagnostic {
                location: locator.locate(&op.pointer()),
                message: format!(
                    "the emulator answers `{}` (`{} {}`) with 501 NotImplemented: {why}",
                    op.id,
                    op.method.upper(),
                    op.path
                ),
                hint: Some(
                    "serve it with an override (`Overrides::with`), or shape it as an OData media entity (see the emulator's docs)".into(),
                ),
            },
            text,
        );
    }
    warnings.sort();
}

/// Reads `op` as a media-entity operation, or says why it is not one.
pub fn classify(api: &Api, op: &Operation) -> Result<MediaOperation, String> {
    let (kind, owner_len, size_segment) = shape(op)?;
    let owner = owner(op, &op.segments[..owner_len])?;
    let size = size_segment
        .map(|name| string_param(api, op, ParamLocation::Path, name))
        .transpose()?
        .map(|input| input.field);
    let header = |name: &str| {
        op.params
            .iter()
            .find(|param| {
                param.location == ParamLocation::Header && param.name.eq_ignore_ascii_case(name)
            })
            .filter(|param| param.ty == TypeRef::String)
            .map(input)
    };
    let select = op
        .params
        .iter()
        .find(|param| param.location == ParamLocation::Query && param.name == "$select")
        .filter(|param| matches!(&param.ty, TypeRef::Array(item) if is_string_like(api, item)))
        .map(input);
    let (if_none_match, if_match) = (header("If-None-Match"), header("If-Match"));
    let success = op
        .responses
        .iter()
        .find(|response| matches!(response.status, Status::Code(200..=299)))
        .or_else(|| {
            op.responses
                .iter()
                .find(|response| response.status == Status::Range(2))
        })
        .ok_or("it declares no success response")?;
    let not_modified = op
        .responses
        .iter()
        .find(|response| response.status == Status::Code(304) && response.body.is_none())
        .map(reply);
    let mut entity = None;
    let mut collection = None;
    match kind {
        MediaKind::Metadata | MediaKind::SizeMetadata | MediaKind::Update => {
            entity = Some(entity_type(api, json_body(success)?)?);
        }
        MediaKind::List => {
            let (found, item) = collection_type(api, json_body(success)?)?;
            entity = Some(item);
            collection = Some(found);
        }
        MediaKind::Content | MediaKind::SizeContent => {
            if !matches!(success.body, Some(BodyContent::Binary { .. })) {
                return Err("its success response is not binary content".into());
            }
        }
        MediaKind::Upload | MediaKind::Delete => {
            if success.body.is_some() {
                return Err("its success response has a body".into());
            }
        }
    }
    let mut patch = Vec::new();
    match (kind, op.body.as_ref().map(|body| &body.content)) {
        (MediaKind::Upload, Some(BodyContent::Binary { .. })) => {}
        (MediaKind::Upload, _) => return Err("its request body is not binary content".into()),
        (MediaKind::Update, Some(BodyContent::Json { ty, .. })) => patch = patch_type(api, ty)?,
        (MediaKind::Update, _) => return Err("its request body is not JSON metadata".into()),
        (_, None) => {}
        (_, Some(_)) => return Err("it takes a request body".into()),
    }
    Ok(MediaOperation {
        kind,
        owner,
        size,
        select,
        if_none_match,
        if_match,
        success: reply(success),
        not_modified,
        entity,
        collection,
        patch,
    })
}

/// The operation's kind, how many segments name its owner, and the `{size}` parameter's name.
fn shape(op: &Operation) -> Result<(MediaKind, usize, Option<&str>), String> {
    let literal =
        |segment: &Segment, text: &str| matches!(segment, Segment::Literal(l) if l == text);
    let segments = &op.segments;
    let n = segments.len();
    let at = |back: usize| n.checked_sub(back).map(|index| &segments[index]);
    let is = |back: usize, text: &str| at(back).is_some_and(|segment| literal(segment, text));
    let size = |back: usize| match at(back) {
        Some(Segment::Param(name)) if is(back + 1, "photos") => Some(name.as_str()),
        _ => None,
    };
    let (kinds, owner_len, size): (&[(Method, MediaKind)], usize, Option<&str>) = if is(1, "photo")
    {
        let kinds = &[
            (Method::Get, MediaKind::Metadata),
            (Method::Patch, MediaKind::Update),
            (Method::Delete, MediaKind::Delete),
        ];
        (kinds, n - 1, None)
    } else if is(1, "$value") && is(2, "photo") {
        let kinds = &[
            (Method::Get, MediaKind::Content),
            (Method::Put, MediaKind::Upload),
        ];
        (kinds, n - 2, None)
    } else if is(1, "photos") {
        (&[(Method::Get, MediaKind::List)], n - 1, None)
    } else if let Some(name) = size(1) {
        (&[(Method::Get, MediaKind::SizeMetadata)], n - 2, Some(name))
    } else if is(1, "$value")
        && let Some(name) = size(2)
    {
        (&[(Method::Get, MediaKind::SizeContent)], n - 3, Some(name))
    } else {
        return Err(
                "its path does not end in `photo`, `photo/$value`, `photos`, `photos/{size}` or `photos/{size}/$value`"
                    .into(),
            );
    };
    let kind = kinds
        .iter()
        .find(|(method, _)| *method == op.method)
        .map(|(_, kind)| *kind)
        .ok_or_else(|| {
            format!(
                "`{}` is not one of the pattern's methods on this path",
                op.method.upper()
            )
        })?;
    if owner_len == 0 {
        return Err("its path names no owner before the photo".into());
    }
    Ok((kind, owner_len, size))
}

/// The owner named by `segments`: `me`, entity sets with their keys, and navigations.
fn owner(op: &Operation, segments: &[Segment]) -> Result<Vec<OwnerPart>, String> {
    let mut parts = Vec::new();
    let mut navigation: Vec<&str> = Vec::new();
    let mut index = 0;
    while let Some(segment) = segments.get(index) {
        let next = segments.get(index + 1);
        match (segment, next) {
            (Segment::Literal(me), _) if me == "me" && index == 0 => parts.push(OwnerPart::Me),
            (Segment::Literal(set), Some(Segment::Param(name))) => {
                flush(&mut navigation, &mut parts);
                let param = op
                    .params
                    .iter()
                    .find(|param| param.location == ParamLocation::Path && &param.name == name)
                    .ok_or_else(|| format!("its path parameter `{name}` is not declared"))?;
                if !matches!(param.ty, TypeRef::String | TypeRef::Named(_)) {
                    return Err(format!("the key `{name}` is not a string"));
                }
                parts.push(OwnerPart::Key {
                    set: set.clone(),
                    field: param.rust_name.clone(),
                    semantics: param.key,
                });
                index += 1;
            }
            (Segment::Literal(literal), _) => navigation.push(literal),
            (Segment::Param(name), _) => {
                return Err(format!(
                    "the key `{name}` does not follow the name of its entity set"
                ));
            }
            (Segment::Template(_), _) => {
                return Err(
                    "its path has a segment of text and parameters, such as an OData function call"
                        .into(),
                );
            }
        }
        index += 1;
    }
    flush(&mut navigation, &mut parts);
    Ok(parts)
}

fn flush(navigation: &mut Vec<&str>, parts: &mut Vec<OwnerPart>) {
    if !navigation.is_empty() {
        parts.push(OwnerPart::Navigation(navigation.join("/")));
        navigation.clear();
    }
}

fn input(param: &Param) -> Input {
    Input {
        field: param.rust_name.clone(),
        optional: !param.required,
    }
}

/// Strings, string keys and string enums: every type whose values have `as_str`.
fn is_string_like(api: &Api, ty: &TypeRef) -> bool {
    match ty {
        TypeRef::String => true,
        TypeRef::Named(name) => api.named_type(name).is_some_and(|named| {
            matches!(
                named.kind,
                TypeKind::StringKey { .. } | TypeKind::StringEnum { .. }
            )
        }),
        _ => false,
    }
}

fn string_param(
    api: &Api,
    op: &Operation,
    location: ParamLocation,
    name: &str,
) -> Result<Input, String> {
    op.params
        .iter()
        .find(|param| param.location == location && param.name == name)
        .filter(|param| is_string_like(api, &param.ty))
        .map(input)
        .ok_or_else(|| format!("its parameter `{name}` is not a declared string"))
}

fn reply(response: &Response) -> Reply {
    Reply {
        variant: response.variant.clone(),
        status: match response.status {
            Status::Code(_) | Status::Default => None,
            Status::Range(_) if response.body.is_some() => Some(200),
            Status::Range(_) => Some(204),
        },
        headers: response
            .headers
            .iter()
            .map(|header| {
                (
                    header.rust_name.clone(),
                    header.name.eq_ignore_ascii_case("ETag"),
                )
            })
            .collect(),
        body: response.body.is_some(),
    }
}

fn json_body(response: &Response) -> Result<&str, String> {
    match &response.body {
        Some(BodyContent::Json {
            ty: TypeRef::Named(name),
            ..
        }) => Ok(name),
        _ => Err("its success response is not a JSON object".into()),
    }
}

fn object_fields<'a>(api: &'a Api, name: &str) -> Result<&'a [super::Field], String> {
    match api.named_type(name).map(|named| &named.kind) {
        Some(TypeKind::Object { fields }) => Ok(fields),
        _ => Err(format!("`{name}` is not an object")),
    }
}

/// The struct field of the object `name` that keeps members beyond its fields, when it is open.
fn additional_field(api: &Api, name: &str) -> Option<String> {
    let named = api.named_type(name)?;
    match &named.kind {
        TypeKind::Object { fields } if named.additional.is_some() => {
            Some(super::additional_field(fields))
        }
        _ => None,
    }
}

/// The metadata type `name`: every field optional, the known ones of the type the emulator has.
fn entity_type(api: &Api, name: &str) -> Result<EntityType, String> {
    let mut mapped = Vec::new();
    for field in object_fields(api, name)? {
        if field.required && !field.nullable {
            return Err(format!("`{name}.{}` is required", field.json_name));
        }
        let (known, fits) = match field.json_name.as_str() {
            "id" => (EntityField::Id, field.ty == TypeRef::String),
            "height" => (EntityField::Height, field.ty == TypeRef::Int32),
            "width" => (EntityField::Width, field.ty == TypeRef::Int32),
            "@odata.context" => (EntityField::Context, field.ty == TypeRef::String),
            "@odata.mediaContentType" => {
                (EntityField::MediaContentType, field.ty == TypeRef::String)
            }
            "@odata.mediaEtag" => (EntityField::MediaEtag, field.ty == TypeRef::String),
            _ => (EntityField::Unknown, true),
        };
        if !fits {
            return Err(format!(
                "`{name}.{}` has an unexpected type",
                field.json_name
            ));
        }
        mapped.push((field.rust_name.clone(), known));
    }
    Ok(EntityType {
        rust_name: name.to_owned(),
        fields: mapped,
        additional: additional_field(api, name),
    })
}

/// The collection type `name` and its item type.
fn collection_type(api: &Api, name: &str) -> Result<(CollectionType, EntityType), String> {
    let fields = object_fields(api, name)?;
    let mut context_field = None;
    let mut value = None;
    let mut others = Vec::new();
    for field in fields {
        match (field.json_name.as_str(), &field.ty) {
            ("@odata.context", TypeRef::String) if !field.required => {
                context_field = Some(field.rust_name.clone());
            }
            ("value", TypeRef::Array(item)) => match &**item {
                TypeRef::Named(item) => value = Some((field, entity_type(api, item)?)),
                _ => return Err(format!("`{name}.value` is not a list of objects")),
            },
            _ if field.required && !field.nullable => {
                return Err(format!("`{name}.{}` is required", field.json_name));
            }
            _ => others.push(field.rust_name.clone()),
        }
    }
    let (value_field, item) = value.ok_or_else(|| format!("`{name}` has no `value` list"))?;
    let collection = CollectionType {
        rust_name: name.to_owned(),
        context_field,
        value_field: value_field.rust_name.clone(),
        value_optional: !value_field.required || value_field.nullable,
        others,
        additional: additional_field(api, name),
    };
    Ok((collection, item))
}

/// A `PATCH` body: an object whose `id`, `height` and `width` the emulator stores; other
/// optional fields are ignored.
fn patch_type(api: &Api, ty: &TypeRef) -> Result<Vec<(String, EntityField)>, String> {
    let TypeRef::Named(name) = ty else {
        return Err("its request body is not an object".into());
    };
    let mut stored = Vec::new();
    for field in object_fields(api, name)? {
        let known = match field.json_name.as_str() {
            "id" if field.ty == TypeRef::String => Some(EntityField::Id),
            "height" if field.ty == TypeRef::Int32 => Some(EntityField::Height),
            "width" if field.ty == TypeRef::Int32 => Some(EntityField::Width),
            "id" | "height" | "width" => None,
            _ => Some(EntityField::Unknown),
        };
        let optional = !field.required || field.nullable;
        match known {
            Some(known) if optional => {
                if known != EntityField::Unknown {
                    stored.push((field.rust_name.clone(), known));
                }
            }
            _ => {
                return Err(format!(
                    "`{name}.{}` of its request body does not fit the photo's metadata",
                    field.json_name
                ));
            }
        }
    }
    Ok(stored)
}

#[cfg(test)]
mod tests {
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
}
