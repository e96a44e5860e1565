//! Schemas to types: named objects, string keys and enums from `components.schemas`, and type
//! references for fields, parameters and bodies.

mod tagged;

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashMap;

use super::pointer::Pointer;
use super::problems::{Hint, Problems};
use super::refs::{Resolved, resolve};
use super::{EnumValue, Field, NamedType, TypeKind, TypeRef, UnionVariant};
use crate::names;
use crate::spec::{AdditionalProperties, RefOr, Schema, SchemaType, UniqueMap};

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
        || schema
            .any_of
            .iter()
            .chain(&schema.one_of)
            .any(is_null_alternative)
}

/// Whether an `anyOf`/`oneOf` member only allows `null`: `{type: 'null'}`, or Graph's
/// `{type: object, nullable: true}` with nothing else, which pairs with a `$ref` to say the
/// reference may be null.
fn is_null_alternative(node: &RefOr<Schema>) -> bool {
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
fn is_free_form_object(schema: &Schema) -> bool {
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

/// How deep `allOf` may nest before it is taken for a cycle.
const MAX_ALL_OF_DEPTH: usize = 64;

impl Types {
    /// Whether a type name is used: by a component schema, a type defined so far, a name the
    /// generated modules use, or one [`Types::reserve`]d.
    pub fn is_taken(&self, name: &str) -> bool {
        self.reserved.contains(name)
            || self.defined_at.contains_key(name)
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

    fn shape<'a>(
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
        // where it is used: one that contains itself that way has no end.
        let node = node_address(resolved.item);
        if self.expanding.contains(&node) {
            problems.error(
                &resolved.pointer,
                format!("schema `{component}` contains itself without an object in between"),
                Some("make the recursive schema an object, or break the cycle".into()),
            );
            return None;
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
            Shape::Binary => {
                problems.error(
                    &resolved.pointer,
                    "a binary string is only supported as a whole request or response body",
                    None,
                );
                None
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
            self.defined_at.contains_key(name)
                || names::TAKEN_TYPE_NAMES.contains(&name)
                || (!is_component && self.reserved.contains(name))
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

    fn fields(
        &mut self,
        problems: &mut Problems,
        schemas: &UniqueMap<String, RefOr<Schema>>,
        owner: &str,
        schema: &Schema,
        pointer: &Pointer,
    ) -> (Vec<Field>, Option<TypeRef>) {
        // The schemas whose properties the object has, bases first; rendered pointers only
        // for objects made with `allOf`.
        let mut inherited: Vec<(&Schema, String)> = Vec::new();
        if !schema.all_of.is_empty() {
            self.all_of_parts(problems, schemas, schema, pointer, 0, &mut inherited);
        }
        let parts: Vec<(&Schema, Pointer)> = if inherited.is_empty() {
            vec![(schema, *pointer)]
        } else {
            inherited
                .iter()
                .map(|(part, at)| (*part, Pointer::Rendered(at)))
                .collect()
        };
        // OData leaves `@odata.type` out when a value has the type its context declares, which
        // Graph does on nearly every response, although Microsoft's descriptions require it.
        // A union tagged by a property takes the tag for itself before the value is read.
        let tags = self.tag_properties.clone();
        let required = |json_name: &str| {
            json_name != "@odata.type"
                && !tags.contains(json_name)
                && parts
                    .iter()
                    .any(|(part, _)| part.required.iter().any(|name| name == json_name))
        };
        for (part, at) in &parts {
            for name in &part.required {
                if !parts
                    .iter()
                    .any(|(part, _)| part.properties.contains_key(name))
                {
                    problems.error(
                        &at.key("required"),
                        format!("`{name}` is required but not among the properties"),
                        None,
                    );
                }
            }
        }
        let mut fields: Vec<Field> = Vec::new();
        for (part, at) in &parts {
            let properties = at.key("properties");
            for (json_name, node) in &part.properties {
                let field_pointer = properties.key(json_name);
                if let Some(field) = self.field(
                    problems,
                    schemas,
                    owner,
                    (json_name, node),
                    field_pointer,
                    required(json_name),
                ) {
                    // A derived schema that declares a base's property again redefines it.
                    let same_property = fields
                        .iter()
                        .position(|other| other.json_name == field.json_name);
                    let same_rust_name = fields
                        .iter()
                        .find(|other| other.rust_name == field.rust_name);
                    match (same_property, same_rust_name) {
                        (Some(at), _) => fields[at] = field,
                        (None, Some(other)) => {
                            problems.error(&field_pointer, format!("properties `{}` and `{json_name}` both become the Rust field `{}`", other.json_name, field.rust_name), None);
                        }
                        (None, None) => fields.push(field),
                    }
                }
            }
        }
        // Members beyond the properties, as the last part that allows them says.
        let open = parts
            .iter()
            .rev()
            .find_map(|(part, at)| match &part.additional_properties {
                None | Some(AdditionalProperties::Allowed(false)) => None,
                Some(AdditionalProperties::Allowed(true)) => Some((None, *at)),
                Some(AdditionalProperties::Schema(values)) => Some((Some(&**values), *at)),
            });
        let additional = open.and_then(|(values, at)| {
            self.member_type(problems, schemas, values, &at, &|| format!("{owner}Value"))
        });
        (fields, additional)
    }

    /// The field for one property of an object named `owner`.
    fn field(
        &mut self,
        problems: &mut Problems,
        schemas: &UniqueMap<String, RefOr<Schema>>,
        owner: &str,
        (json_name, node): (&str, &RefOr<Schema>),
        pointer: Pointer,
        required: bool,
    ) -> Option<Field> {
        let Some(rust_name) = names::snake(json_name) else {
            problems.error(
                &pointer,
                format!("property `{json_name}` gives no usable Rust field name"),
                None,
            );
            return None;
        };
        let hint = || {
            format!(
                "{owner}{}",
                names::camel(json_name, "F").unwrap_or_default()
            )
        };
        let ty = self.type_ref(problems, schemas, node, pointer, &hint)?;
        let (nullable, read_only, description) = match node {
            RefOr::Item(inner) => (
                is_nullable(inner),
                inner.read_only,
                inner.description.clone(),
            ),
            RefOr::Ref(_) => (false, false, None),
        };
        Some(Field {
            json_name: json_name.to_owned(),
            rust_name,
            ty,
            required,
            nullable,
            read_only,
            description,
        })
    }

    /// The variants of a union named `owner`, and the property that tells them apart when
    /// the description gives one. Untagged, each alternative but `null` is named after its type
    /// (`String`, `Photo`, `PhotoList`), narrowest first; tagged, they keep the spec's order and
    /// end with `Other`, any object whose tag is missing or unknown.
    fn union_variants(
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

    /// The schemas an `allOf` object is made of, in order: each member (its own `allOf`
    /// members first), then the object itself.
    fn all_of_parts<'s>(
        &self,
        problems: &mut Problems,
        schemas: &'s UniqueMap<String, RefOr<Schema>>,
        schema: &'s Schema,
        pointer: &Pointer,
        depth: usize,
        out: &mut Vec<(&'s Schema, String)>,
    ) {
        if depth > MAX_ALL_OF_DEPTH {
            problems.error(
                pointer,
                "`allOf` nests too deeply; does a schema include itself?",
                None,
            );
            return;
        }
        let all_of = pointer.key("allOf");
        for (position, member) in schema.all_of.iter().enumerate() {
            let Some(resolved) =
                resolve(problems, schemas, "schemas", member, all_of.index(position))
            else {
                continue;
            };
            if resolved.item.all_of.is_empty() {
                out.push((resolved.item, resolved.pointer.render()));
            } else {
                self.all_of_parts(
                    problems,
                    schemas,
                    resolved.item,
                    &resolved.pointer,
                    depth + 1,
                    out,
                );
            }
        }
        out.push((schema, pointer.render()));
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
                let held: Vec<(&str, &TypeRef)> = match &ty.kind {
                    TypeKind::Object { fields } => fields
                        .iter()
                        .map(|field| (field.json_name.as_str(), &field.ty))
                        .collect(),
                    // A tagged union boxes what it holds.
                    TypeKind::Union { tag: Some(_), .. } => continue,
                    TypeKind::Union { variants, .. } => variants
                        .iter()
                        .map(|variant| (variant.rust_name.as_str(), &variant.ty))
                        .collect(),
                    _ => continue,
                };
                for (held_as, held_ty) in held {
                    if let TypeRef::Named(next) = held_ty {
                        if next == &start.rust_name {
                            let pointer = self
                                .defined_at
                                .get(&start.rust_name)
                                .map_or("", |first| first.pointer.as_str());
                            problems.error(
                                &Pointer::Rendered(pointer),
                                format!(
                                    "schema `{}` contains itself through `{}`",
                                    start.spec_name, held_as
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

/// A union variant's name, from the type it holds.
fn variant_name(ty: &TypeRef) -> String {
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
