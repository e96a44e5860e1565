//! Objects: their fields, from their own properties and those of their `allOf` members.

use super::super::pointer::Pointer;
use super::super::problems::Problems;
use super::super::refs::resolve;
use super::super::{Field, TypeRef};
use super::shape::is_nullable;
use super::{Types, node_address};
use crate::names;
use crate::spec::{AdditionalProperties, RefOr, Schema, UniqueMap};

impl Types {
    pub(super) fn fields(
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
            self.all_of_parts(
                problems,
                schemas,
                schema,
                pointer,
                &mut Vec::new(),
                &mut inherited,
            );
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
                    problems.warning(
                        &at.key("required"),
                        format!(
                            "`{name}` is required but not among the properties: it is not checked"
                        ),
                        Some("declare it under `properties`, or drop it from `required`".into()),
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
                        (Some(at), _) => {
                            let mut field = field;
                            field.rust_name = std::mem::take(&mut fields[at].rust_name);
                            fields[at] = field;
                        }
                        // Property names that differ only in case or punctuation: the later
                        // field is numbered, and serde keeps each name exact.
                        (None, Some(other)) => {
                            let mut field = field;
                            let rust_name = names::unique(&field.rust_name, |name| {
                                fields.iter().any(|other| other.rust_name == name)
                            });
                            problems.warning(
                                &field_pointer,
                                format!(
                                    "properties `{}` and `{json_name}` both become the Rust field `{}`: `{json_name}` is the field `{rust_name}`",
                                    other.json_name, field.rust_name
                                ),
                                None,
                            );
                            field.rust_name = rust_name;
                            fields.push(field);
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
    pub(super) fn field(
        &mut self,
        problems: &mut Problems,
        schemas: &UniqueMap<String, RefOr<Schema>>,
        owner: &str,
        (json_name, node): (&str, &RefOr<Schema>),
        pointer: Pointer,
        required: bool,
    ) -> Option<Field> {
        let rust_name = names::snake(json_name).unwrap_or_else(|| {
            problems.warning(
                &pointer,
                format!("property `{json_name}` gives no usable Rust field name: it is the field `field`"),
                None,
            );
            "field".to_owned()
        });
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
            boxed: false,
        })
    }

    /// The schemas an `allOf` object is made of, in order: each member (its own `allOf`
    /// members first), then the object itself.
    pub(super) fn all_of_parts<'s>(
        &self,
        problems: &mut Problems,
        schemas: &'s UniqueMap<String, RefOr<Schema>>,
        schema: &'s Schema,
        pointer: &Pointer,
        chain: &mut Vec<usize>,
        out: &mut Vec<(&'s Schema, String)>,
    ) {
        chain.push(node_address(schema));
        let all_of = pointer.key("allOf");
        for (position, member) in schema.all_of.iter().enumerate() {
            let Some(resolved) =
                resolve(problems, schemas, "schemas", member, all_of.index(position))
            else {
                continue;
            };
            // A schema that includes one it is part of adds nothing: its properties are there.
            if chain.contains(&node_address(resolved.item)) {
                problems.warning(
                    &all_of.index(position),
                    "this `allOf` member includes a schema it is part of, which adds nothing: it is skipped",
                    None,
                );
            } else if resolved.item.all_of.is_empty() {
                out.push((resolved.item, resolved.pointer.render()));
            } else {
                self.all_of_parts(
                    problems,
                    schemas,
                    resolved.item,
                    &resolved.pointer,
                    chain,
                    out,
                );
            }
        }
        chain.pop();
        out.push((schema, pointer.render()));
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::{Api, Field, TypeKind};
    use crate::model::lower::test_spec::lowered;

    fn fields<'a>(api: &'a Api, rust_name: &str) -> &'a [Field] {
        match &api.named_type(rust_name).expect("the type").kind {
            TypeKind::Object { fields } => fields,
            other => panic!("an object, not {other:?}"),
        }
    }

    fn schemas(components: &str) -> crate::Lowered {
        lowered(&format!(
            "paths:\n  /a:\n    get:\n      operationId: get_A\n      responses: {{'204': {{description: Done.}}}}\ncomponents:\n  schemas:\n{components}"
        ))
    }

    #[test]
    fn properties_with_one_rust_name_are_numbered_and_keep_their_json_names() {
        let api = schemas(
            "    note:\n      type: object\n      properties:\n        displayName: {type: string}\n        display_name: {type: string}\n",
        );
        let names: Vec<(&str, &str)> = fields(&api, "Note")
            .iter()
            .map(|field| (field.json_name.as_str(), field.rust_name.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("displayName", "display_name"),
                ("display_name", "display_name2")
            ]
        );
        assert!(
            api.warnings.short().contains("spec.yaml:14:9: warning: properties `displayName` and `display_name` both become the Rust field `display_name`: `display_name` is the field `display_name2`"),
            "{}",
            api.warnings.short()
        );
    }

    #[test]
    fn a_derived_schema_redefines_a_base_property_under_its_field_name() {
        let api = schemas(
            "    base:\n      type: object\n      properties:\n        Name: {type: string}\n        name: {type: string}\n    derived:\n      allOf:\n        - $ref: '#/components/schemas/base'\n        - type: object\n          properties:\n            name: {type: integer}\n",
        );
        let names: Vec<(&str, &str)> = fields(&api, "Derived")
            .iter()
            .map(|field| (field.json_name.as_str(), field.rust_name.as_str()))
            .collect();
        assert_eq!(names, [("Name", "name"), ("name", "name2")]);
    }
}
