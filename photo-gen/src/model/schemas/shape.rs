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
        || schema
            .values
            .iter()
            .flatten()
            .any(serde_yaml::Value::is_null)
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

/// Whether an enum lists a value besides `null` (a string, or a number or boolean read as its
/// text).
fn has_text_values(schema: &Schema) -> bool {
    schema.values.iter().flatten().any(|value| {
        matches!(
            value,
            serde_yaml::Value::String(_)
                | serde_yaml::Value::Number(_)
                | serde_yaml::Value::Bool(_)
        )
    })
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
        let kind = match primary_type(schema) {
            Some(kind) => Some(kind),
            None if !schema.properties.is_empty() => Some("object"),
            // An enum of text without a `type` is a string enum.
            None if has_text_values(schema)
                && schema
                    .values
                    .iter()
                    .flatten()
                    .all(|value| value.is_string() || value.is_null()) =>
            {
                Some("string")
            }
            None => None,
        };
        if let Some(SchemaType::Many(many)) = &schema.schema_type {
            let types: Vec<&str> = many
                .iter()
                .map(String::as_str)
                .filter(|t| *t != "null")
                .collect();
            if types.len() > 1 {
                problems.warning(
                    &pointer.key("type"),
                    format!(
                        "a schema of several types (`{}`) is read as any JSON value (`serde_json::Value`)",
                        types.join("`, `")
                    ),
                    Some("describe each type as an alternative of `oneOf`".into()),
                );
                return Some(Shape::Plain(TypeRef::Any));
            }
        }
        let plain = match (kind, schema.format.as_deref()) {
            (Some("object"), _) if schema.properties.is_empty() => {
                return Some(match &schema.additional_properties {
                    Some(AdditionalProperties::Allowed(false)) => Shape::Object(schema),
                    Some(AdditionalProperties::Schema(values)) => Shape::Map(Some(values)),
                    _ => Shape::Map(None),
                });
            }
            (Some("object"), _) => return Some(Shape::Object(schema)),
            (Some("string"), _) if schema.values.is_some() && has_text_values(schema) => {
                return Some(Shape::StringEnum(schema));
            }
            (Some("string"), Some("binary" | "byte")) => return Some(Shape::Binary),
            (Some("string"), _)
                if schema.content_encoding.is_some() || schema.content_media_type.is_some() =>
            {
                return Some(Shape::Binary);
            }
            (Some("string"), _) if schema.values.is_some() => {
                problems.warning(
                    &pointer.key("enum"),
                    "an enum without a text value is read as any string",
                    None,
                );
                TypeRef::String
            }
            (Some("string"), _) => TypeRef::String,
            (Some("integer" | "number"), Some("int64" | "uint32" | "uint64")) => TypeRef::Int64,
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
            (Some("null"), _) => {
                problems.warning(
                    pointer,
                    "a schema that allows only `null` is read as any JSON value (`serde_json::Value`)",
                    None,
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

#[cfg(test)]
mod tests {
    use super::super::super::{EnumValue, Field, TypeKind, TypeRef};
    use crate::model::lower::test_spec::lowered;

    const SCHEMAS: &str = "paths:\n  /a:\n    get:\n      operationId: get_A\n      responses: {'204': {description: Done.}}\ncomponents:\n  schemas:\n    record:\n      type: object\n      required: [id, missing]\n      properties:\n        id: {type: string}\n        kind: {type: string, enum: [draft, null, 1.5, true]}\n        bare: {enum: [a, b]}\n        version: {type: [string, 'null']}\n        mixed: {type: [string, integer]}\n        none: {type: 'null'}\n        photo: {type: string, format: byte}\n        signed: {type: string, contentEncoding: base64}\n        tags: {type: array}\n        count: {type: integer, format: uint32, minimum: -9223372036854776000, maximum: 1e30}\n";

    fn record() -> (Vec<Field>, crate::Lowered) {
        let api = lowered(SCHEMAS);
        let TypeKind::Object { fields } = &api.named_type("Record").expect("record").kind else {
            panic!("an object");
        };
        (fields.clone(), api)
    }

    #[test]
    fn json_schema_forms_are_typed_where_their_meaning_is_clear() {
        let (fields, api) = record();
        let ty = |name: &str| {
            fields
                .iter()
                .find(|field| field.json_name == name)
                .map(|field| (&field.ty, field.nullable))
                .expect("the field")
        };
        assert_eq!(ty("version"), (&TypeRef::String, true));
        assert_eq!(ty("kind"), (&TypeRef::Named("RecordKind".into()), true));
        assert_eq!(ty("bare").0, &TypeRef::Named("RecordBare".into()));
        assert_eq!(ty("photo").0, &TypeRef::String);
        assert_eq!(ty("signed").0, &TypeRef::String);
        assert_eq!(ty("mixed").0, &TypeRef::Any);
        assert_eq!(ty("none").0, &TypeRef::Any);
        assert_eq!(ty("tags").0, &TypeRef::Array(Box::new(TypeRef::Any)));
        assert_eq!(ty("count").0, &TypeRef::Int64);
        assert!(fields.iter().all(|field| field.json_name != "missing"));
        let TypeKind::StringEnum { values } = &api.named_type("RecordKind").expect("kind").kind
        else {
            panic!("an enum");
        };
        let values: Vec<&str> = values
            .iter()
            .map(|value: &EnumValue| value.value.as_str())
            .collect();
        assert_eq!(values, ["draft", "1.5", "true"]);
    }

    #[test]
    fn what_is_typed_loosely_is_warned_about_where_it_stands() {
        let (_, api) = record();
        let warnings = api.warnings.short();
        for expected in [
            "spec.yaml:12:7: warning: `missing` is required but not among the properties",
            "spec.yaml:15:50: warning: the string enum value `1.5` is not a string: it is read as the text `1.5`",
            "spec.yaml:15:55: warning: the string enum value `true` is not a string",
            "spec.yaml:18:17: warning: a schema of several types (`string`, `integer`) is read as any JSON value",
            "spec.yaml:19:9: warning: a schema that allows only `null` is read as any JSON value",
            "spec.yaml:20:9: warning: a binary string inside a JSON value is carried as its text",
            "spec.yaml:21:9: warning: a binary string inside a JSON value is carried as its text",
            "spec.yaml:22:9: warning: an array without `items` is a list of any JSON values",
        ] {
            assert!(warnings.contains(expected), "{expected}:\n{warnings}");
        }
        assert_eq!(warnings.lines().count(), 8, "{warnings}");
    }

    #[test]
    fn boolean_schemas_are_schemas() {
        let api = lowered(
            "paths:\n  /a:\n    get:\n      operationId: get_A\n      responses: {'204': {description: Done.}}\ncomponents:\n  schemas:\n    pair:\n      type: object\n      properties:\n        anything: true\n        tuple: {type: array, prefixItems: [{type: string}], items: false}\n",
        );
        let TypeKind::Object { fields } = &api.named_type("Pair").expect("pair").kind else {
            panic!("an object");
        };
        let types: Vec<&TypeRef> = fields.iter().map(|field| &field.ty).collect();
        assert_eq!(
            types,
            [&TypeRef::Any, &TypeRef::Array(Box::new(TypeRef::Any))]
        );
        assert_eq!(
            api.warnings.short().lines().count(),
            2,
            "{}",
            api.warnings.short()
        );
    }
}
