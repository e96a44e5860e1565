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

mod metadata;
mod path;
#[cfg(test)]
mod tests;

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::locate;
use crate::model::{
    Api, BodyContent, KeySemantics, Operation, Param, ParamLocation, Response, Status, TypeKind,
    TypeRef,
};

use metadata::{collection_type, entity_type, json_body, patch_type};
use path::{owner, shape};

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

/// Every operation of an API read as a media-entity operation, or why it is not one: what the
/// emulator's binding serves, and what [`crate::generate`] warns about. Read once per
/// generation, by [`MediaEntities::classify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaEntities {
    /// In the API's operation order.
    operations: Vec<Result<MediaOperation, String>>,
}

impl MediaEntities {
    /// Reads every operation of `api` (see the module's `classify`).
    pub fn classify(api: &Api) -> Self {
        MediaEntities {
            operations: api.operations.iter().map(|op| classify(api, op)).collect(),
        }
    }

    /// Each operation of the API, in order, read as a media-entity operation or why it is not one.
    pub(crate) fn operations(&self) -> &[Result<MediaOperation, String>] {
        &self.operations
    }

    /// Warns of the operations the emulator answers with `501` because they do not fit the
    /// pattern, located in `text`, the spec `api` was lowered from. Those whose path is not a
    /// photo's at all get one warning, at the first: a whole Microsoft description has
    /// thousands, and a line each would bury every other warning. A photo path that misses the
    /// pattern (a method it has no call for, say) gets a warning of its own.
    pub fn warn_unserved(&self, api: &Api, text: &str, warnings: &mut Diagnostics) {
        let locator = locate::Locator::new(text);
        let named = |op: &Operation| format!("`{}` (`{} {}`)", op.id, op.method.upper(), op.path);
        let hint = || {
            Some("serve it with an override (`Overrides::with`), or shape it as an OData media entity (see the emulator's docs)".to_owned())
        };
        let mut not_media = Vec::new();
        for (op, classified) in api.operations.iter().zip(&self.operations) {
            match classified {
                Ok(_) => {}
                Err(why) if why == path::NOT_A_MEDIA_PATH => not_media.push(op),
                Err(why) => warnings.push(
                    Diagnostic {
                        location: locator.locate(&op.pointer()),
                        message: format!(
                            "the emulator answers {} with 501 NotImplemented: {why}",
                            named(op)
                        ),
                        hint: hint(),
                    },
                    text,
                ),
            }
        }
        if let Some(first) = not_media.first() {
            let message = match not_media.len() {
                1 => format!(
                    "the emulator answers {} with 501 NotImplemented: {}",
                    named(first),
                    path::NOT_A_MEDIA_PATH
                ),
                count => format!(
                    "the emulator answers {count} operations with 501 NotImplemented, the first {}: their paths do not end in `photo`, `photo/$value`, `photos`, `photos/{{size}}` or `photos/{{size}}/$value`",
                    named(first)
                ),
            };
            warnings.push(
                Diagnostic {
                    location: locator.locate(&first.pointer()),
                    message,
                    hint: hint(),
                },
                text,
            );
        }
        warnings.sort();
    }
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
