//! The JSON types a media-entity operation reads and writes: the photo's metadata type, the
//! collection of `GET …/photos` and the `PATCH` body, mapped to what the emulator knows.

use crate::model::{self, Api, BodyContent, Response, TypeKind, TypeRef};

use super::{CollectionType, EntityField, EntityType};

pub(super) fn json_body(response: &Response) -> Result<&str, String> {
    match &response.body {
        Some(BodyContent::Json {
            ty: TypeRef::Named(name),
            ..
        }) => Ok(name),
        _ => Err("its success response is not a JSON object".into()),
    }
}

fn object_fields<'a>(api: &'a Api, name: &str) -> Result<&'a [model::Field], String> {
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
            Some(model::additional_field(fields))
        }
        _ => None,
    }
}

/// The metadata type `name`: every field optional, the known ones of the type the emulator has.
pub(super) fn entity_type(api: &Api, name: &str) -> Result<EntityType, String> {
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
pub(super) fn collection_type(
    api: &Api,
    name: &str,
) -> Result<(CollectionType, EntityType), String> {
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
pub(super) fn patch_type(api: &Api, ty: &TypeRef) -> Result<Vec<(String, EntityField)>, String> {
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
