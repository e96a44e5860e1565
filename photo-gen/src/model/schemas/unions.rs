//! Unions without a tag: `anyOf`/`oneOf` of several types, read as the first that fits.

use super::super::pointer::Pointer;
use super::super::problems::Problems;
use super::super::{TypeRef, UnionVariant};
use super::Types;
use super::shape::is_null_alternative;
use crate::names;
use crate::spec::{RefOr, Schema, UniqueMap};

impl Types {
    /// The variants of a union named `owner`, and the property that tells them apart when
    /// the description gives one. Untagged, each alternative but `null` is named after its type
    /// (`String`, `Photo`, `PhotoList`), narrowest first; tagged, they keep the spec's order and
    /// end with `Other`, any object whose tag is missing or unknown.
    pub(super) fn union_variants(
        &mut self,
        problems: &mut Problems,
        schemas: &UniqueMap<String, RefOr<Schema>>,
        owner: &str,
        schema: &Schema,
        pointer: &Pointer,
        keyword: &'static str,
    ) -> (Vec<UnionVariant>, Option<String>) {
        let alternatives = if keyword == "anyOf" {
            &schema.any_of
        } else {
            &schema.one_of
        };
        let keyword_pointer = pointer.key(keyword);
        let mut variants: Vec<UnionVariant> = Vec::new();
        let mut members: Vec<(&RefOr<Schema>, usize)> = Vec::new();
        for (position, node) in alternatives.iter().enumerate() {
            if is_null_alternative(node) {
                continue;
            }
            let hint = || format!("{owner}{}", position + 1);
            let Some(ty) = self.type_ref(
                problems,
                schemas,
                node,
                keyword_pointer.index(position),
                &hint,
            ) else {
                continue;
            };
            let rust_name = names::unique(&variant_name(&ty), |name| {
                variants.iter().any(|variant| variant.rust_name == name)
            });
            variants.push(UnionVariant {
                rust_name,
                ty,
                tag_value: None,
                boxed: false,
            });
            members.push((node, position));
        }
        let positions: Vec<Pointer> = members
            .iter()
            .map(|(_, position)| keyword_pointer.index(*position))
            .collect();
        let tagged: Vec<_> = members
            .iter()
            .zip(&positions)
            .zip(&variants)
            .map(|(((node, _), at), variant)| (*node, *at, variant))
            .collect();
        if let Some((property, values)) =
            self.union_tag(problems, schemas, schema, pointer, &tagged)
        {
            for (variant, value) in variants.iter_mut().zip(values) {
                variant.tag_value = Some(value);
            }
            let other = names::unique("Other", |name| {
                variants.iter().any(|variant| variant.rust_name == name)
            });
            variants.push(UnionVariant {
                rust_name: other,
                ty: TypeRef::Map(Box::new(TypeRef::Any)),
                tag_value: None,
                boxed: false,
            });
            return (variants, Some(property));
        }
        // A value is read as the first variant it fits: the narrowest go first, so `"NaN"`
        // is the enum's value before it is any string, and `1` an integer before a number.
        variants.sort_by_key(|variant| match variant.ty {
            TypeRef::Named(_) => 0,
            TypeRef::Int32 | TypeRef::Int64 => 1,
            TypeRef::Number => 2,
            TypeRef::Boolean => 3,
            TypeRef::Array(_) | TypeRef::Map(_) => 4,
            TypeRef::String => 5,
            TypeRef::Any => 6,
        });
        (variants, None)
    }
}

/// A union variant's name, from the type it holds.
pub(super) fn variant_name(ty: &TypeRef) -> String {
    match ty {
        TypeRef::String => "String".into(),
        TypeRef::Int32 => "Int32".into(),
        TypeRef::Int64 => "Int64".into(),
        TypeRef::Number => "Number".into(),
        TypeRef::Boolean => "Boolean".into(),
        TypeRef::Any => "Value".into(),
        TypeRef::Array(item) => format!("{}List", variant_name(item)),
        TypeRef::Map(value) => format!("{}Map", variant_name(value)),
        TypeRef::Named(name) => name.clone(),
    }
}
