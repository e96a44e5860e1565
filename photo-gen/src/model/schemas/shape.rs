//! What a schema means before it is named: an object, a map, an alias, an enum, a union, bytes
//! or a plain type; and whether it allows `null`.

use super::super::TypeRef;
use super::super::pointer::Pointer;
use super::super::problems::Problems;
use super::Types;
use crate::spec::{AdditionalProperties, RefOr, Schema, SchemaType};

/// What a schema means, before it is given a name.
pub(super) enum Shape<'a> {
    Object(&'a Schema),
    /// An object with no properties of its own: a map of the members' names to their values
    /// (`additionalProperties`; any values when it gives no schema).
    Map(Option<&'a RefOr<Schema>>),
    /// A schema that stands for another: the one member of an `allOf` that adds nothing, or of
    /// an `anyOf`/`oneOf` once its null alternatives are set aside (Graph's nullable reference).
    Alias(&'a RefOr<Schema>, &'static str, usize),
    StringEnum(&'a Schema),
    /// An `anyOf`/`oneOf` (the keyword) of several types besides `null`.
    Union(&'a Schema, &'static str),
    Binary,
    Plain(TypeRef),
}

pub(super) fn primary_type(schema: &Schema) -> Option<&str> {
    match &schema.schema_type {
        None => None,
        Some(SchemaType::One(one)) => Some(one.as_str()),
        Some(SchemaType::Many(many)) => many.iter().map(String::as_str).find(|t| *t != "null"),
    }
}

pub(super) fn is_nullable(schema: &Schema) -> bool {
    schema.nullable
        || matches!(&schema.schema_type, Some(SchemaType::Many(many)) if many.iter().any(|t| t == "null"))
        || schema
            .any_of
            .iter()
            .chain(&schema.one_of)
            .any(is_null_alternative)
}

/// Whether an `anyOf`/`oneOf` member only allows `null`: `{type: 'null'}`, or Graph's
/// `{type: object, nullable: true}` with nothing else, which pairs with a `$ref` to say the
/// reference may be null.
pub(super) fn is_null_alternative(node: &RefOr<Schema>) -> bool {
    let RefOr::Item(schema) = node else {
        return false;
    };
    let only_null = matches!(&schema.schema_type, Some(SchemaType::One(t)) if t == "null")
        || matches!(&schema.schema_type, Some(SchemaType::Many(many)) if many.iter().all(|t| t == "null"));
    let empty_nullable_object = schema.nullable
        && matches!(&schema.schema_type, None | Some(SchemaType::One(_)))
        && primary_type(schema).is_none_or(|t| t == "object")
        && schema.properties.is_empty()
        && schema.all_of.is_empty()
        && schema.any_of.is_empty()
        && schema.one_of.is_empty()
        && schema.additional_properties.is_none();
    only_null || empty_nullable_object
}

/// Whether an object schema says nothing about its members (`{type: object}`).
pub(super) fn is_free_form_object(schema: &Schema) -> bool {
    primary_type(schema) == Some("object")
        && schema.properties.is_empty()
        && schema.all_of.is_empty()
        && schema.any_of.is_empty()
        && schema.one_of.is_empty()
        && matches!(
            schema.additional_properties,
            None | Some(AdditionalProperties::Allowed(true))
        )
}

impl Types {
    pub(super) fn shape<'a>(
        &self,
        problems: &mut Problems,
        schema: &'a Schema,
        pointer: &Pointer,
    ) -> Option<Shape<'a>> {
        if !schema.all_of.is_empty() {
            // One member and nothing of its own: the schema is that member (with, say, its
            // own description).
            if let [only] = schema.all_of.as_slice()
                && schema.properties.is_empty()
            {
                return Some(Shape::Alias(only, "allOf", 0));
            }
            return Some(Shape::Object(schema));
        }
        let alternatives = if schema.any_of.is_empty() {
            ("oneOf", &schema.one_of)
        } else {
            ("anyOf", &schema.any_of)
        };
        if !alternatives.1.is_empty() && schema.properties.is_empty() {
            let mut real = alternatives
                .1
                .iter()
                .enumerate()
                .filter(|(_, node)| !is_null_alternative(node));
            return Some(match (real.next(), real.next()) {
                (Some((at, only)), None) => Shape::Alias(only, alternatives.0, at),
                (Some(_), Some(_)) => Shape::Union(schema, alternatives.0),
                (None, _) => Shape::Plain(TypeRef::Any),
            });
        }
        let kind = primary_type(schema).or(if schema.properties.is_empty() {
            None
        } else {
            Some("object")
        });
        let plain = match (kind, schema.format.as_deref()) {
            (Some("object"), _) if schema.properties.is_empty() => {
                return Some(match &schema.additional_properties {
                    Some(AdditionalProperties::Allowed(false)) => Shape::Object(schema),
                    Some(AdditionalProperties::Schema(values)) => Shape::Map(Some(values)),
                    _ => Shape::Map(None),
                });
            }
            (Some("object"), _) => return Some(Shape::Object(schema)),
            (Some("string"), Some("binary" | "byte")) if schema.values.is_none() => {
                return Some(Shape::Binary);
            }
            (Some("string"), _) if schema.values.is_some() => {
                return Some(Shape::StringEnum(schema));
            }
            (Some("string"), _) => TypeRef::String,
            (Some("integer" | "number"), Some("int64")) => TypeRef::Int64,
            (Some("integer"), _) | (Some("number"), Some("int32" | "int16" | "int8")) => {
                TypeRef::Int32
            }
            (Some("number"), _) => TypeRef::Number,
            (Some("boolean"), _) => TypeRef::Boolean,
            (Some("array"), _) => {
                return Some(Shape::Plain(TypeRef::Array(Box::new(TypeRef::Any))));
            }
            (None, _) => {
                problems.warning(
                    pointer,
                    "a schema without a `type` is read as any JSON value (`serde_json::Value`)",
                    Some("give the schema a `type`".into()),
                );
                TypeRef::Any
            }
            (Some(other), _) => {
                problems.error_value(
                    &pointer.key("type"),
                    format!("unknown schema type `{other}`"),
                    Some("use one of string, integer, number, boolean, array, object".into()),
                );
                return None;
            }
        };
        Some(Shape::Plain(plain))
    }
}
