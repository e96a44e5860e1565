//! Unions told apart by a property: `anyOf`/`oneOf` with a `discriminator` (or whose members
//! carry Graph's `x-ms-discriminator-value`), and a base schema whose `discriminator` maps
//! values to the types derived from it.

use std::collections::BTreeSet;

use super::super::pointer::Pointer;
use super::super::problems::Problems;
use super::super::refs::resolve;
use super::super::{TypeKind, TypeRef, UnionVariant};
use super::Types;
use crate::names;
use crate::spec::{Discriminator, RefOr, Schema, UniqueMap};

/// The property Graph tags its types with, where a description gives only
/// `x-ms-discriminator-value`.
const ODATA_TYPE: &str = "@odata.type";

/// The prefix of a reference to a component schema.
const SCHEMAS: &str = "#/components/schemas/";

/// The component a `discriminator.mapping` value names: a `$ref` or a bare schema name.
fn mapped_component(target: &str) -> String {
    match target.strip_prefix(SCHEMAS) {
        Some(name) => crate::locate::unescape(name),
        None => target.to_owned(),
    }
}

/// The `discriminator` of a schema with a `mapping`: its own, or one of its inline `allOf`
/// members' (where Graph puts it).
fn base_discriminator(schema: &Schema) -> Option<&Discriminator> {
    // A union's discriminator tells its own alternatives apart.
    if !schema.any_of.is_empty() || !schema.one_of.is_empty() {
        return None;
    }
    std::iter::once(schema)
        .chain(schema.all_of.iter().filter_map(|member| match member {
            RefOr::Item(part) => Some(&**part),
            RefOr::Ref(_) => None,
        }))
        .find_map(|part| {
            part.discriminator
                .as_ref()
                .filter(|found| !found.mapping.is_empty())
        })
}

/// Every property a component schema's `discriminator` (or an inline `allOf` member's) tags
/// by.
pub(super) fn tag_properties(schemas: &UniqueMap<String, RefOr<Schema>>) -> BTreeSet<String> {
    schemas
        .values()
        .filter_map(|node| match node {
            RefOr::Item(schema) => Some(&**schema),
            RefOr::Ref(_) => None,
        })
        .flat_map(|schema| {
            std::iter::once(schema).chain(schema.all_of.iter().filter_map(|member| match member {
                RefOr::Item(part) => Some(&**part),
                RefOr::Ref(_) => None,
            }))
        })
        .filter_map(|schema| schema.discriminator.as_ref())
        .map(|discriminator| discriminator.property_name.clone())
        .collect()
}

impl Types {
    /// Whether a named type is an object, or is being defined (so it is one of the objects that
    /// refer to themselves): only objects can carry a tag beside their fields.
    fn is_object(&self, ty: &TypeRef) -> bool {
        let TypeRef::Named(name) = ty else {
            return false;
        };
        match self.named.iter().find(|named| &named.rust_name == name) {
            Some(named) => matches!(named.kind, TypeKind::Object { .. }),
            None => self.defined.contains(name),
        }
    }

    /// The tag property of a union and the tag value of each alternative (`members`, each with
    /// its variant), when the description gives them; `None` (with a warning when it gave a
    /// `discriminator`) reads the union untagged.
    pub(super) fn union_tag(
        &self,
        problems: &mut Problems,
        schemas: &UniqueMap<String, RefOr<Schema>>,
        schema: &Schema,
        pointer: &Pointer,
        members: &[(&RefOr<Schema>, Pointer, &UnionVariant)],
    ) -> Option<(String, Vec<String>)> {
        let discriminator = schema.discriminator.as_ref();
        let mut values = Vec::new();
        for (node, at, variant) in members {
            let resolved = resolve(problems, schemas, "schemas", node, *at)?;
            let mapped = match (discriminator, node) {
                (Some(discriminator), RefOr::Ref(target)) => discriminator
                    .mapping
                    .iter()
                    .find(|(_, to)| {
                        *to == target || resolved.component == Some(&mapped_component(to))
                    })
                    .map(|(value, _)| value.clone()),
                _ => None,
            };
            let implicit = discriminator.and(resolved.component).map(str::to_owned);
            let value = mapped
                .or_else(|| resolved.item.discriminator_value.clone())
                .or(implicit);
            match value {
                Some(value) if self.is_object(&variant.ty) => values.push(value),
                _ if discriminator.is_some() => {
                    problems.warning(
                        &pointer.key("discriminator"),
                        format!(
                            "alternative `{}` cannot be told apart by a tag (only referenced objects can); the union is read by trying each alternative",
                            variant.rust_name
                        ),
                        None,
                    );
                    return None;
                }
                _ => return None,
            }
        }
        let property = discriminator.map_or(ODATA_TYPE, |found| found.property_name.as_str());
        Some((property.to_owned(), values))
    }

    /// The union of the types a base component's `discriminator` maps to, with the base itself
    /// for values whose tag is missing or unknown: what a reference to the base reads, so that a
    /// derived value keeps its fields. `None` for a schema without such a mapping.
    pub(super) fn polymorphic(
        &mut self,
        problems: &mut Problems,
        schemas: &UniqueMap<String, RefOr<Schema>>,
        component: &str,
        schema: &Schema,
    ) -> Option<String> {
        // Most schemas have no discriminator: that is the cheap check, done first.
        let discriminator = base_discriminator(schema)?;
        if let Some(known) = self.polymorphic.get(component) {
            return Some(known.clone());
        }
        let (key, _) = schemas.get_key_value(component)?;
        let base_pointer = Pointer::Component("schemas", key);
        let base = self.named_type(problems, schemas, component, schema, &base_pointer)?;
        let rust_name = names::unique(&format!("Any{base}"), |name| self.is_taken(name));
        self.polymorphic
            .insert(component.to_owned(), rust_name.clone());
        self.defined.insert(rust_name.clone());
        let mut variants: Vec<UnionVariant> = Vec::new();
        // A slice of a large description often maps values to schemas it left out: one warning
        // names them all.
        let mut unmapped: Vec<&str> = Vec::new();
        for (value, target) in &discriminator.mapping {
            let name = mapped_component(target);
            let derived = match schemas.get_key_value(name.as_str()) {
                Some((key, RefOr::Item(derived))) => self.named_type(
                    problems,
                    schemas,
                    key,
                    derived,
                    &Pointer::Component("schemas", key),
                ),
                _ => None,
            };
            let Some(derived) =
                derived.filter(|derived| self.is_object(&TypeRef::Named(derived.clone())))
            else {
                unmapped.push(value);
                continue;
            };
            let variant_name = names::unique(&derived, |taken| {
                variants.iter().any(|variant| variant.rust_name == taken)
            });
            variants.push(UnionVariant {
                rust_name: variant_name,
                ty: TypeRef::Named(derived),
                tag_value: Some(value.clone()),
                boxed: false,
            });
        }
        if !unmapped.is_empty() {
            problems.warning(
                &base_pointer,
                format!(
                    "`discriminator.mapping` names no object schema of this description for {}; such values are read as `{base}`",
                    unmapped
                        .iter()
                        .map(|value| format!("`{value}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                None,
            );
        }
        let fallback = if variants.iter().any(|variant| variant.rust_name == base) {
            names::unique("Other", |taken| {
                variants.iter().any(|variant| variant.rust_name == taken)
            })
        } else {
            base.clone()
        };
        variants.push(UnionVariant {
            rust_name: fallback,
            ty: TypeRef::Named(base.clone()),
            tag_value: None,
            boxed: false,
        });
        self.named.push(super::super::NamedType {
            spec_name: component.to_owned(),
            rust_name: rust_name.clone(),
            description: Some(format!(
                "A `{component}` or a type derived from it, as its `{}` says; a value without the tag, or with a tag this description does not map, is read as `{base}`.",
                discriminator.property_name
            )),
            kind: TypeKind::Union {
                variants,
                tag: Some(discriminator.property_name.clone()),
            },
            additional: None,
        });
        Some(rust_name)
    }
}
