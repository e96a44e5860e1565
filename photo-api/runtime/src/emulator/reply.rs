//! What the engine answers with, independent of any spec's types, and the traits through which
//! the generated binding turns it into an operation's own response.
//!
//! Every operation of a spec has its own response enum (most are aliases of a few), so the
//! engine is generic over these traits and the generator implements them for each distinct
//! response type, building the variants it knows from the spec. Metadata goes through
//! [`FromEntity`], which the generator fills field by field from the spec's metadata type: that
//! keeps the conversion typed and free (a serde round trip would cost a JSON tree per request).

use crate::server::{BinaryContent, Rejection};

/// A photo's metadata, as Graph's `profilePhoto` shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PhotoEntity {
    /// The size's id (`240X240`), or the photo's.
    pub id: Option<String>,
    /// The height in pixels.
    pub height: Option<i32>,
    /// The width in pixels.
    pub width: Option<i32>,
    /// `@odata.context`.
    pub context: Option<String>,
    /// `@odata.mediaContentType`.
    pub media_content_type: Option<String>,
    /// `@odata.mediaEtag`.
    pub media_etag: Option<String>,
}

/// `GET …/photos`: the sizes of a photo.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PhotoCollection {
    /// `@odata.context`.
    pub context: String,
    /// One entity per size, smallest first.
    pub value: Vec<PhotoEntity>,
}

/// What a `PATCH …/photo` sets; `None` keeps the current value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PhotoPatch {
    /// The photo's id.
    pub id: Option<String>,
    /// The height in pixels.
    pub height: Option<i32>,
    /// The width in pixels.
    pub width: Option<i32>,
}

/// The properties a `$select` keeps: all when it names none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Select {
    all: bool,
    id: bool,
    height: bool,
    width: bool,
}

impl Select {
    /// Every property.
    pub fn all() -> Self {
        Select {
            all: true,
            id: true,
            height: true,
            width: true,
        }
    }

    /// The properties `names` lists (by their JSON names); every one when it lists none.
    pub fn names<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        let mut select = Select {
            all: true,
            id: false,
            height: false,
            width: false,
        };
        for name in names {
            select.all = false;
            match name {
                "id" => select.id = true,
                "height" => select.height = true,
                "width" => select.width = true,
                _ => {}
            }
        }
        if select.all { Select::all() } else { select }
    }

    /// `entity` without the properties left out; the `@odata.*` annotations always stay, as
    /// Graph does.
    pub fn apply(self, mut entity: PhotoEntity) -> PhotoEntity {
        if self.all {
            return entity;
        }
        if !self.id {
            entity.id = None;
        }
        if !self.height {
            entity.height = None;
        }
        if !self.width {
            entity.width = None;
        }
        entity
    }
}

/// The response of an operation answering with metadata (`GET …/photo`, `GET …/photos/{size}`,
/// `PATCH …/photo`).
pub trait MetadataReply: From<Rejection> + Sized {
    /// The metadata, with the photo's ETag.
    fn entity(etag: String, entity: PhotoEntity) -> Self;
    /// `304 Not Modified`, when the operation declares it.
    fn not_modified(etag: String) -> Option<Self>;
}

/// The response of an operation answering with the photo's bytes (`GET …/$value`).
pub trait ContentReply: From<Rejection> + Sized {
    /// The bytes, with the photo's ETag.
    fn content(etag: String, content: BinaryContent) -> Self;
    /// `304 Not Modified`, when the operation declares it.
    fn not_modified(etag: String) -> Option<Self>;
}

/// The response of `GET …/photos`.
pub trait ListReply: From<Rejection> {
    /// The sizes.
    fn list(list: PhotoCollection) -> Self;
}

/// The response of an operation answering success without a body (`PUT …/$value`, `DELETE`).
pub trait DoneReply: From<Rejection> {
    /// Success.
    fn done() -> Self;
}

/// A spec's metadata type, built from the engine's.
pub trait FromEntity {
    /// The spec's value for `entity`.
    fn from_entity(entity: PhotoEntity) -> Self;
}

/// A spec's collection type, built from the engine's.
pub trait FromCollection {
    /// The spec's value for `list`.
    fn from_collection(list: PhotoCollection) -> Self;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entity() -> PhotoEntity {
        PhotoEntity {
            id: Some("1".into()),
            height: Some(2),
            width: Some(3),
            media_etag: Some("e".into()),
            ..PhotoEntity::default()
        }
    }

    #[test]
    fn select_keeps_the_named_properties_and_the_annotations() {
        assert_eq!(Select::names([]).apply(entity()), entity());
        let trimmed = Select::names(["id", "unknown"]).apply(entity());
        assert_eq!(trimmed.id.as_deref(), Some("1"));
        assert_eq!((trimmed.height, trimmed.width), (None, None));
        assert_eq!(trimmed.media_etag.as_deref(), Some("e"));
        assert_eq!(Select::names(["unknown"]).apply(entity()).id, None);
    }
}
