//! Schemas to types: named objects, string keys and enums from `components.schemas`, and type
//! references for fields, parameters and bodies.

mod enums;
mod objects;
mod recursion;
mod shape;
mod tagged;
mod unions;

use enums::enum_values;
use shape::{Shape, is_free_form_object};

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashMap;

use super::pointer::Pointer;
use super::problems::{Hint, Problems};
use super::refs::{Resolved, resolve};
use super::{NamedType, TypeKind, TypeRef};
use crate::names;
use crate::spec::{RefOr, Schema, UniqueMap};

/// The named types found so far, in the order they were first needed.
#[derive(Default)]
pub struct Types {
    pub named: Vec<NamedType>,
    /// `components.schemas` name → Rust name, for schemas that became named types.
    by_component: BTreeMap<String, String>,
    /// The Rust names of the types defined so far.
    defined: BTreeSet<String>,
    /// The Rust names of the component schemas, which inline types never take.
    reserved: BTreeSet<String>,
    /// (schema node, name asked for) → the Rust name given, so meeting the same node again (an
    /// inline enum in a shared parameter, say) gives the same type.
    by_node: FxHashMap<(usize, String), String>,
    /// Component name → the union of the types its `discriminator` maps to, which references
    /// to it read.
    polymorphic: BTreeMap<String, String>,
    /// The properties that tag unions (`discriminator.propertyName`): never required of an
    /// object, because the union reads the tag itself.
    tag_properties: BTreeSet<String>,
    /// The components being written out where they are used (their nodes' addresses),
    /// innermost last, to catch one that contains itself.
    expanding: Vec<usize>,
}

/// The address that identifies a schema node.
fn node_address(schema: &Schema) -> usize {
    std::ptr::from_ref(schema) as usize
}

impl Types {
    /// Whether a type name is used: by a component schema, a type defined so far, a name the
    /// generated modules use, or one [`Types::reserve`]d.
    pub fn is_taken(&self, name: &str) -> bool {
        self.reserved.contains(name)
            || self.defined.contains(name)
            || names::TAKEN_TYPE_NAMES.contains(&name)
    }

    /// Keeps a name the generator gives a type outside the models (an operation's response
    /// enum, say) from being given to an inline schema.
    pub fn reserve(&mut self, name: String) {
        self.reserved.insert(name);
    }

    /// Declares every component schema that is a type of its own, in spec order.
    pub fn declare_components(
        &mut self,
        problems: &mut Problems,
        schemas: &UniqueMap<String, RefOr<Schema>>,
    ) {
        self.reserved = schemas
            .keys()
            .filter_map(|name| names::camel(name, "T"))
            .collect();
        self.tag_properties = tagged::tag_properties(schemas);
        for (name, node) in schemas {
            let pointer = Pointer::Component("schemas", name);
            if let RefOr::Item(schema) = node {
                // A named string is an identity of its own (an id, a key): it gets a newtype.
                if matches!(
                    self.shape(problems, schema, &pointer),
                    Some(
                        Shape::Object(_)
                            | Shape::StringEnum(_)
                            | Shape::Union(..)
                            | Shape::Plain(TypeRef::String)
                    )
                ) {
                    self.named_type(problems, schemas, name, schema, &pointer);
                }
            }
        }
    }

    /// The type a schema node stands for. `name_hint` names inline enums.
    pub fn type_ref(
        &mut self,
        problems: &mut Problems,
        schemas: &UniqueMap<String, RefOr<Schema>>,
        node: &RefOr<Schema>,
        pointer: Pointer,
        name_hint: Hint,
    ) -> Option<TypeRef> {
        let resolved = resolve(problems, schemas, "schemas", node, pointer)?;
        let Some(component) = resolved.component else {
            return self.schema_type(problems, schemas, &resolved, name_hint);
        };
        if let Some(rust_name) = self.polymorphic(problems, schemas, component, resolved.item) {
            return Some(TypeRef::Named(rust_name));
        }
        if let Some(rust_name) = self.by_component.get(component) {
            return Some(TypeRef::Named(rust_name.clone()));
        }
        // A component that is not a type of its own (a list, a map, an alias) is written out
        // where it is used: one that contains itself that way has no end, so where it comes
        // round again it is any JSON value.
        let node = node_address(resolved.item);
        if self.expanding.contains(&node) {
            problems.warning(
                &resolved.pointer,
                format!(
                    "schema `{component}` contains itself without an object in between: where it recurs it is read as any JSON value (`serde_json::Value`)"
                ),
                Some("make the recursive schema an object to type every level".into()),
            );
            return Some(TypeRef::Any);
        }
        self.expanding.push(node);
        let ty = self.schema_type(problems, schemas, &resolved, name_hint);
        self.expanding.pop();
        ty
    }

    /// The type of a resolved schema node.
    fn schema_type(
        &mut self,
        problems: &mut Problems,
        schemas: &UniqueMap<String, RefOr<Schema>>,
        resolved: &Resolved<'_, '_, Schema>,
        name_hint: Hint,
    ) -> Option<TypeRef> {
        let schema = resolved.item;
        match self.shape(problems, schema, &resolved.pointer)? {
            Shape::Plain(TypeRef::Array(_)) => {
                let Some(items) = &schema.items else {
                    problems.warning(
                        &resolved.pointer,
                        "an array without `items` is a list of any JSON values (`Vec<serde_json::Value>`)",
                        Some("give the array its `items`".into()),
                    );
                    return Some(TypeRef::Array(Box::new(TypeRef::Any)));
                };
                let item = self.type_ref(
                    problems,
                    schemas,
                    items,
                    resolved.pointer.key("items"),
                    &|| format!("{}Item", name_hint()),
                )?;
                Some(TypeRef::Array(Box::new(item)))
            }
            Shape::Plain(TypeRef::String) if let Some(component) = resolved.component => {
                let name = component.to_owned();
                self.named_type(problems, schemas, &name, schema, &resolved.pointer)
                    .map(TypeRef::Named)
            }
            Shape::Plain(plain) => Some(plain),
            Shape::Alias(target, keyword, at) => {
                let keyword_pointer = resolved.pointer.key(keyword);
                self.type_ref(
                    problems,
                    schemas,
                    target,
                    keyword_pointer.index(at),
                    &|| resolved.component.map_or_else(name_hint, str::to_owned),
                )
            }
            Shape::Map(values) => {
                let value =
                    self.member_type(problems, schemas, values, &resolved.pointer, &|| {
                        format!("{}Value", name_hint())
                    })?;
                Some(TypeRef::Map(Box::new(value)))
            }
            // Inside a JSON value, bytes travel as text (base64 for `format: byte`).
            Shape::Binary => {
                problems.warning(
                    &resolved.pointer,
                    "a binary string inside a JSON value is carried as its text (`String`, base64 where the description encodes it so)",
                    None,
                );
                Some(TypeRef::String)
            }
            Shape::Object(_) | Shape::StringEnum(_) | Shape::Union(..) => {
                let name = resolved.component.map_or_else(name_hint, str::to_owned);
                self.named_type(problems, schemas, &name, schema, &resolved.pointer)
                    .map(TypeRef::Named)
            }
        }
    }

    /// The type of an object's members beyond its properties: `values`, the schema that
    /// `additionalProperties` (at `pointer`) gives, if any.
    fn member_type(
        &mut self,
        problems: &mut Problems,
        schemas: &UniqueMap<String, RefOr<Schema>>,
        values: Option<&RefOr<Schema>>,
        pointer: &Pointer,
        name_hint: Hint,
    ) -> Option<TypeRef> {
        match values {
            // Graph's `innerError` says its values are objects and sends strings: a value said
            // to be any object is read as any JSON value.
            Some(RefOr::Item(values)) if is_free_form_object(values) => Some(TypeRef::Any),
            Some(values) => self.type_ref(
                problems,
                schemas,
                values,
                pointer.key("additionalProperties"),
                name_hint,
            ),
            None => Some(TypeRef::Any),
        }
    }

    /// Whether a node is a binary string (`type: string, format: binary`), or has no schema.
    pub fn is_binary(
        &self,
        problems: &mut Problems,
        schemas: &UniqueMap<String, RefOr<Schema>>,
        node: Option<&RefOr<Schema>>,
        pointer: Pointer,
    ) -> bool {
        let Some(node) = node else { return true };
        let Some(resolved) = resolve(problems, schemas, "schemas", node, pointer) else {
            return false;
        };
        matches!(
            self.shape(problems, resolved.item, &resolved.pointer),
            Some(Shape::Binary)
        )
    }

    fn named_type(
        &mut self,
        problems: &mut Problems,
        schemas: &UniqueMap<String, RefOr<Schema>>,
        spec_name: &str,
        schema: &Schema,
        pointer: &Pointer,
    ) -> Option<String> {
        let is_component = matches!(pointer, Pointer::Component("schemas", _));
        if is_component && let Some(existing) = self.by_component.get(spec_name) {
            return Some(existing.clone());
        }
        let base = names::camel(spec_name, "T").unwrap_or_else(|| {
            problems.warning(
                pointer,
                format!("`{spec_name}` gives no usable Rust type name: it is the type `Type`"),
                None,
            );
            "Type".to_owned()
        });
        let node = node_address(schema);
        if let Some(existing) = self.by_node.get(&(node, base.clone())) {
            return Some(existing.clone());
        }
        // The spec's own names come first: an inline type named from where it stands gives way
        // to every component, and any later type to those defined before it.
        let rust_name = names::unique(&base, |name| {
            self.defined.contains(name)
                || names::TAKEN_TYPE_NAMES.contains(&name)
                || (!is_component && self.reserved.contains(name))
        });
        self.by_node.insert((node, base.clone()), rust_name.clone());
        self.defined.insert(rust_name.clone());
        if is_component {
            self.by_component
                .insert(spec_name.to_owned(), rust_name.clone());
        }
        let mut additional = None;
        let kind = match self.shape(problems, schema, pointer)? {
            Shape::Object(schema) => {
                let fields;
                (fields, additional) = self.fields(problems, schemas, &rust_name, schema, pointer);
                TypeKind::Object { fields }
            }
            Shape::StringEnum(schema) => TypeKind::StringEnum {
                values: enum_values(problems, &rust_name, schema, pointer),
            },
            Shape::Union(schema, keyword) => {
                let (variants, tag) =
                    self.union_variants(problems, schemas, &rust_name, schema, pointer, keyword);
                TypeKind::Union { variants, tag }
            }
            Shape::Plain(TypeRef::String) => TypeKind::StringKey {
                min_length: schema.min_length,
                max_length: schema.max_length,
            },
            Shape::Binary | Shape::Plain(_) | Shape::Map(_) | Shape::Alias(..) => return None,
        };
        let description = if rust_name == base {
            schema.description.clone()
        } else {
            let note = format!(
                "Named `{rust_name}` because `{base}` is the name of another type in the spec."
            );
            Some(match &schema.description {
                Some(text) => format!("{text}\n\n{note}"),
                None => format!("The `{spec_name}` schema.\n\n{note}"),
            })
        };
        self.named.push(NamedType {
            spec_name: spec_name.to_owned(),
            rust_name: rust_name.clone(),
            description,
            kind,
            additional,
        });
        Some(rust_name)
    }
}
