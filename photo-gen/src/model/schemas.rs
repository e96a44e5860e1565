//! Schemas to types: named objects, string keys and enums from `components.schemas`, and type
//! references for fields, parameters and bodies.

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashMap;

use super::pointer::Pointer;
use super::problems::{Hint, Problems};
use super::refs::resolve;
use super::{EnumValue, Field, NamedType, TypeKind, TypeRef};
use crate::names;
use crate::spec::{RefOr, Schema, SchemaType, UniqueMap};

/// The named types found so far, in the order they were first needed.
#[derive(Default)]
pub struct Types {
    pub named: Vec<NamedType>,
    /// `components.schemas` name → Rust name, for schemas that became named types.
    by_component: BTreeMap<String, String>,
    /// Rust name → where it was defined.
    defined_at: BTreeMap<String, Definition>,
    /// The Rust names of the component schemas, which inline types never take.
    reserved: BTreeSet<String>,
    /// (schema node, name asked for) → the Rust name given, so meeting the same node again (an
    /// inline enum in a shared parameter, say) gives the same type.
    by_node: FxHashMap<(usize, String), String>,
}

/// Where a named type was defined.
struct Definition {
    /// Its JSON pointer.
    pointer: String,
}

/// The address that identifies a schema node.
fn node_address(schema: &Schema) -> usize {
    std::ptr::from_ref(schema) as usize
}

/// What a schema means, before it is given a name.
enum Shape<'a> {
    Object(&'a Schema),
    StringEnum(&'a Schema),
    Binary,
    Plain(TypeRef),
}

fn primary_type(schema: &Schema) -> Option<&str> {
    match &schema.schema_type {
        None => None,
        Some(SchemaType::One(one)) => Some(one.as_str()),
        Some(SchemaType::Many(many)) => many.iter().map(String::as_str).find(|t| *t != "null"),
    }
}

fn is_nullable(schema: &Schema) -> bool {
    schema.nullable
        || matches!(&schema.schema_type, Some(SchemaType::Many(many)) if many.iter().any(|t| t == "null"))
}

impl Types {
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
        for (name, node) in schemas {
            let pointer = Pointer::Component("schemas", name);
            if let RefOr::Item(schema) = node {
                // A named string is an identity of its own (an id, a key): it gets a newtype.
                if matches!(
                    self.shape(problems, schema, &pointer),
                    Some(Shape::Object(_) | Shape::StringEnum(_) | Shape::Plain(TypeRef::String))
                ) {
                    self.named_type(problems, schemas, name, schema, &pointer);
                }
            }
        }
    }

    fn shape<'a>(
        &self,
        problems: &mut Problems,
        schema: &'a Schema,
        pointer: &Pointer,
    ) -> Option<Shape<'a>> {
        let kind = primary_type(schema).or(if schema.properties.is_empty() {
            None
        } else {
            Some("object")
        });
        let plain = match (kind, schema.format.as_deref()) {
            (Some("object"), _) => return Some(Shape::Object(schema)),
            (Some("string"), Some("binary" | "byte")) if schema.values.is_none() => {
                return Some(Shape::Binary);
            }
            (Some("string"), _) if schema.values.is_some() => {
                return Some(Shape::StringEnum(schema));
            }
            (Some("string"), _) => TypeRef::String,
            (Some("integer"), Some("int64")) => TypeRef::Int64,
            (Some("integer"), _) => TypeRef::Int32,
            (Some("number"), _) => TypeRef::Number,
            (Some("boolean"), _) => TypeRef::Boolean,
            (Some("array"), _) => {
                return Some(Shape::Plain(TypeRef::Array(Box::new(TypeRef::Any))));
            }
            (None, _) => TypeRef::Any,
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
        if let Some(component) = resolved.component
            && let Some(rust_name) = self.by_component.get(component)
        {
            return Some(TypeRef::Named(rust_name.clone()));
        }
        let schema = resolved.item;
        match self.shape(problems, schema, &resolved.pointer)? {
            Shape::Plain(TypeRef::Array(_)) => {
                let Some(items) = &schema.items else {
                    problems.error(&resolved.pointer, "an array schema needs `items`", None);
                    return None;
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
            Shape::Binary => {
                problems.error(
                    &resolved.pointer,
                    "a binary string is only supported as a whole request or response body",
                    None,
                );
                None
            }
            Shape::Object(_) | Shape::StringEnum(_) => {
                let name = resolved.component.map_or_else(name_hint, str::to_owned);
                self.named_type(problems, schemas, &name, schema, &resolved.pointer)
                    .map(TypeRef::Named)
            }
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
        let Some(base) = names::camel(spec_name, "T") else {
            problems.error(
                pointer,
                format!("`{spec_name}` gives no usable Rust type name"),
                None,
            );
            return None;
        };
        let node = node_address(schema);
        if let Some(existing) = self.by_node.get(&(node, base.clone())) {
            return Some(existing.clone());
        }
        // The spec's own names come first: an inline type named from where it stands gives way
        // to every component, and any later type to those defined before it.
        let rust_name = names::unique(&base, |name| {
            self.defined_at.contains_key(name) || (!is_component && self.reserved.contains(name))
        });
        self.by_node.insert((node, base.clone()), rust_name.clone());
        self.defined_at.insert(
            rust_name.clone(),
            Definition {
                pointer: pointer.render(),
            },
        );
        if is_component {
            self.by_component
                .insert(spec_name.to_owned(), rust_name.clone());
        }
        let kind = match self.shape(problems, schema, pointer)? {
            Shape::Object(schema) => TypeKind::Object {
                fields: self.fields(problems, schemas, &rust_name, schema, pointer),
            },
            Shape::StringEnum(schema) => TypeKind::StringEnum {
                values: enum_values(problems, &rust_name, schema, pointer),
            },
            Shape::Plain(TypeRef::String) => TypeKind::StringKey {
                min_length: schema.min_length,
                max_length: schema.max_length,
            },
            Shape::Binary | Shape::Plain(_) => return None,
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
        });
        Some(rust_name)
    }

    fn fields(
        &mut self,
        problems: &mut Problems,
        schemas: &UniqueMap<String, RefOr<Schema>>,
        owner: &str,
        schema: &Schema,
        pointer: &Pointer,
    ) -> Vec<Field> {
        let mut fields: Vec<Field> = Vec::new();
        for required in &schema.required {
            if !schema.properties.contains_key(required) {
                problems.error(
                    &pointer.key("required"),
                    format!("`{required}` is required but not among the properties"),
                    None,
                );
            }
        }
        let properties = pointer.key("properties");
        for (json_name, node) in &schema.properties {
            let field_pointer = properties.key(json_name);
            let Some(rust_name) = names::snake(json_name) else {
                problems.error(
                    &field_pointer,
                    format!("property `{json_name}` gives no usable Rust field name"),
                    None,
                );
                continue;
            };
            if let Some(other) = fields.iter().find(|field| field.rust_name == rust_name) {
                problems.error(&field_pointer, format!("properties `{}` and `{json_name}` both become the Rust field `{rust_name}`", other.json_name), None);
                continue;
            }
            let hint = || {
                format!(
                    "{owner}{}",
                    names::camel(json_name, "F").unwrap_or_default()
                )
            };
            let Some(ty) = self.type_ref(problems, schemas, node, field_pointer, &hint) else {
                continue;
            };
            let (nullable, read_only, description) = match node {
                RefOr::Item(inner) => (
                    is_nullable(inner),
                    inner.read_only,
                    inner.description.clone(),
                ),
                RefOr::Ref(_) => (false, false, None),
            };
            fields.push(Field {
                json_name: json_name.clone(),
                rust_name,
                ty,
                required: schema.required.contains(json_name),
                nullable,
                read_only,
                description,
            });
        }
        fields
    }

    /// Reports named objects that contain themselves without an array in between (they would
    /// have infinite size).
    pub fn check_recursion(&self, problems: &mut Problems) {
        for start in &self.named {
            let mut stack = vec![start.rust_name.as_str()];
            let mut visited: Vec<&str> = Vec::new();
            while let Some(current) = stack.pop() {
                let Some(ty) = self.named.iter().find(|ty| ty.rust_name == current) else {
                    continue;
                };
                let TypeKind::Object { fields } = &ty.kind else {
                    continue;
                };
                for field in fields {
                    if let TypeRef::Named(next) = &field.ty {
                        if next == &start.rust_name {
                            let pointer = self
                                .defined_at
                                .get(&start.rust_name)
                                .map_or("", |first| first.pointer.as_str());
                            problems.error(
                                &Pointer::Rendered(pointer),
                                format!(
                                    "schema `{}` contains itself through `{}`",
                                    start.spec_name, field.json_name
                                ),
                                Some(
                                    "make the recursive property an array, or break the cycle"
                                        .into(),
                                ),
                            );
                            return;
                        }
                        if !visited.contains(&next.as_str()) {
                            visited.push(next);
                            stack.push(next);
                        }
                    }
                }
            }
        }
    }
}

fn enum_values(
    problems: &mut Problems,
    owner: &str,
    schema: &Schema,
    pointer: &Pointer,
) -> Vec<EnumValue> {
    let mut values: Vec<EnumValue> = Vec::new();
    let prefix = names::initial(owner);
    let enum_pointer = pointer.key("enum");
    for (position, value) in schema.values.iter().flatten().enumerate() {
        let at = enum_pointer.index(position);
        let Some(text) = value.as_str() else {
            problems.error(&at, "string enums may only list strings", None);
            continue;
        };
        // Values that differ only in case or punctuation (`Id`, `id`) would share a variant:
        // later ones take the next free number, and serde keeps each value exact.
        let rust_name = names::unique(&names::variant(text, &prefix), |name| {
            values.iter().any(|v| v.rust_name == name)
        });
        values.push(EnumValue {
            value: text.to_owned(),
            rust_name,
        });
    }
    if values.is_empty() && schema.values.as_ref().is_some_and(Vec::is_empty) {
        problems.error(&enum_pointer, "an enum needs at least one value", None);
    }
    values
}
