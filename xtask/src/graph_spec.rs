//! A synthetic description shaped like Microsoft Graph's full one (about 35 MB of YAML and 14.5k
//! operations over many entity sets), around the photo spec, to time cutting the photo
//! operations out of it.
//!
//! It is written in Graph's dialect: entity sets with key paths, navigation properties with
//! their `$count`, `$select`/`$orderby`/`$expand` enum arrays, shared `$top`/`$skip`/… parameters,
//! `allOf` entity inheritance, nullable references with `anyOf`, collection responses and the
//! shared `error` response. The photo spec's own paths and components are kept as they are, so
//! the photo operations in it generate as they always do.

use std::fmt::Write as _;

/// How big a description to write.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    /// Entity sets (`/users`, `/entitySet1`, …), each with its own entity type.
    pub entity_sets: usize,
    /// Navigation properties of each entity type.
    pub navigations: usize,
    /// Plain properties of each entity type.
    pub properties: usize,
    /// Complex types the properties refer to.
    pub complex_types: usize,
}

impl Shape {
    /// Graph's size: about 35 MB and 14.5k operations.
    pub const FULL: Shape = Shape {
        entity_sets: 59,
        navigations: 40,
        properties: 30,
        complex_types: 400,
    };

    /// A small one, for the smoke run.
    pub const SMOKE: Shape = Shape {
        entity_sets: 6,
        navigations: 8,
        properties: 6,
        complex_types: 20,
    };
}

/// The photo spec `photo` with the entity sets of `shape` added; returns the text and how many
/// operations it adds.
pub fn write(photo: &str, shape: Shape) -> Result<(String, usize), String> {
    let mut paths = String::new();
    let mut operations = 0;
    for set in 0..shape.entity_sets {
        operations += entity_set(&mut paths, set, shape);
    }
    let mut schemas = String::new();
    shared_schemas(&mut schemas);
    for ty in 0..shape.entity_sets {
        entity_type(&mut schemas, ty, shape);
    }
    for complex in 0..shape.complex_types {
        complex_type(&mut schemas, complex, shape);
    }
    let mut responses = String::from(SHARED_RESPONSES);
    for ty in 0..shape.entity_sets {
        let name = type_name(ty);
        writeln!(
            responses,
            "    {name}CollectionResponse:\n      description: Retrieved collection\n      content:\n        application/json:\n          schema:\n            $ref: '#/components/schemas/{name}CollectionResponse'"
        )
        .expect("writing to a String");
    }
    let mut text = photo.to_owned();
    insert_after(&mut text, "\npaths:\n", &paths)?;
    let components = text
        .find("\ncomponents:\n")
        .ok_or("the photo spec has no `components:` line")?;
    for (section, entries) in [
        ("schemas", schemas.as_str()),
        ("parameters", SHARED_PARAMETERS),
        ("responses", responses.as_str()),
    ] {
        let line = format!("\n  {section}:\n");
        let at = text[components..]
            .find(&line)
            .ok_or_else(|| format!("the photo spec has no `components.{section}`"))?;
        text.insert_str(components + at + line.len(), entries);
    }
    Ok((text, operations))
}

fn insert_after(text: &mut String, line: &str, inserted: &str) -> Result<(), String> {
    let at = text
        .find(line)
        .ok_or_else(|| format!("the photo spec has no `{}` line", line.trim()))?;
    text.insert_str(at + line.len(), inserted);
    Ok(())
}

/// Entity set 0 is `/users`, beside the photo spec's `/users/{user-id}/photo`.
fn set_name(set: usize) -> String {
    if set == 0 {
        "users".into()
    } else {
        format!("entitySet{set}")
    }
}

fn type_name(ty: usize) -> String {
    format!("microsoft.graph.type{ty}")
}

fn key_name(ty: usize) -> String {
    if ty == 0 {
        "user-id".into()
    } else {
        format!("type{ty}-id")
    }
}

/// The paths of one entity set; returns its number of operations.
fn entity_set(out: &mut String, set: usize, shape: Shape) -> usize {
    let name = set_name(set);
    let key = key_name(set);
    let mut operations = 0;
    let collection = format!("/{name}");
    let item = format!("/{name}/{{{key}}}");
    let tag = format!("{name}.type{set}");
    let id = name.clone();
    path_item(out, &collection, None);
    operations += list(out, &tag, &format!("{id}.List"), set, shape);
    operations += write_entity(out, "post", &tag, &format!("{id}.Create"), set);
    path_item(out, &format!("{collection}/$count"), None);
    operations += count(out, &tag, &format!("{id}.GetCount"));
    path_item(out, &item, Some(&[(key.as_str(), set)]));
    operations += get(out, &tag, &format!("{id}.Get"), set, shape);
    operations += write_entity(out, "patch", &tag, &format!("{id}.Update"), set);
    operations += delete(out, &tag, &format!("{id}.Delete"));
    for navigation in 0..shape.navigations {
        let target = (set + navigation + 1) % shape.entity_sets;
        let target_key = format!("{}{navigation}", key_name(target));
        let nav = format!("{item}/nav{navigation}");
        let keys = [(key.as_str(), set), (target_key.as_str(), target)];
        let op = format!("{id}.Nav{navigation}");
        path_item(out, &nav, Some(&keys[..1]));
        operations += list(out, &tag, &format!("{op}.List"), target, shape);
        operations += write_entity(out, "post", &tag, &format!("{op}.Create"), target);
        path_item(out, &format!("{nav}/$count"), Some(&keys[..1]));
        operations += count(out, &tag, &format!("{op}.GetCount"));
        path_item(out, &format!("{nav}/{{{target_key}}}"), Some(&keys));
        operations += get(out, &tag, &format!("{op}.Get"), target, shape);
        operations += write_entity(out, "patch", &tag, &format!("{op}.Update"), target);
        operations += delete(out, &tag, &format!("{op}.Delete"));
    }
    operations
}

/// A path item's header and its key parameters, declared inline as Graph does.
fn path_item(out: &mut String, path: &str, keys: Option<&[(&str, usize)]>) {
    writeln!(
        out,
        "  {path}:\n    description: Provides operations to manage the items at {path}."
    )
    .expect("writing to a String");
    let Some(keys) = keys else { return };
    out.push_str("    parameters:\n");
    for (key, ty) in keys {
        writeln!(
            out,
            "      - name: {key}\n        in: path\n        description: The unique identifier of type{ty}\n        required: true\n        style: simple\n        schema:\n          type: string\n        x-ms-docs-key-type: type{ty}"
        )
        .expect("writing to a String");
    }
}

fn operation_head(out: &mut String, method: &str, tag: &str, id: &str, summary: &str) {
    writeln!(
        out,
        "    {method}:\n      tags:\n        - {tag}\n      summary: {summary}\n      description: {summary}. Read the documentation for the permissions it needs and the properties it returns.\n      externalDocs:\n        description: Find more info here\n        url: https://learn.microsoft.com/graph/api/{}?view=graph-rest-1.0\n      operationId: {id}",
        id.to_lowercase().replace('.', "-")
    )
    .expect("writing to a String");
}

/// The enum array of a `$select`, `$orderby` or `$expand` query parameter.
fn query_enum(out: &mut String, name: &str, description: &str, values: &[String]) {
    writeln!(
        out,
        "        - name: {name}\n          in: query\n          description: {description}\n          style: form\n          explode: false\n          schema:\n            uniqueItems: true\n            type: array\n            items:\n              enum:"
    )
    .expect("writing to a String");
    for value in values {
        writeln!(out, "                - '{value}'").expect("writing to a String");
    }
    out.push_str("              type: string\n");
}

fn properties(shape: Shape) -> Vec<String> {
    let mut names = vec!["id".to_owned()];
    names.extend((0..shape.properties).map(|property| format!("property{property}")));
    names
}

fn select_and_expand(out: &mut String, shape: Shape) {
    query_enum(
        out,
        "$select",
        "Select properties to be returned",
        &properties(shape),
    );
    let mut expand = vec!["*".to_owned()];
    expand.extend((0..shape.navigations).map(|navigation| format!("nav{navigation}")));
    query_enum(out, "$expand", "Expand related entities", &expand);
}

const ERRORS: &str = "        4XX:\n          $ref: '#/components/responses/error'\n        5XX:\n          $ref: '#/components/responses/error'\n";

fn list(out: &mut String, tag: &str, id: &str, ty: usize, shape: Shape) -> usize {
    operation_head(out, "get", tag, id, &format!("List type{ty} items"));
    out.push_str("      parameters:\n");
    for shared in ["top", "skip", "search", "filter", "count"] {
        writeln!(out, "        - $ref: '#/components/parameters/{shared}'")
            .expect("writing to a String");
    }
    let orderby: Vec<String> = properties(shape)
        .into_iter()
        .flat_map(|property| [property.clone(), format!("{property} desc")])
        .collect();
    query_enum(out, "$orderby", "Order items by property values", &orderby);
    select_and_expand(out, shape);
    writeln!(
        out,
        "      responses:\n        2XX:\n          $ref: '#/components/responses/{}CollectionResponse'\n{ERRORS}      x-ms-pageable:\n        nextLinkName: '@odata.nextLink'\n        operationName: listMore\n      x-ms-docs-operation-type: operation",
        type_name(ty)
    )
    .expect("writing to a String");
    1
}

fn body(out: &mut String, ty: usize) {
    writeln!(
        out,
        "      requestBody:\n        description: New property values\n        content:\n          application/json:\n            schema:\n              $ref: '#/components/schemas/{}'\n        required: true",
        type_name(ty)
    )
    .expect("writing to a String");
}

fn entity_response(out: &mut String, status: &str, ty: usize) {
    writeln!(
        out,
        "      responses:\n        {status}:\n          description: Created entity\n          content:\n            application/json:\n              schema:\n                $ref: '#/components/schemas/{}'\n{ERRORS}      x-ms-docs-operation-type: operation",
        type_name(ty)
    )
    .expect("writing to a String");
}

/// `post` (create) or `patch` (update): an entity in, the entity out.
fn write_entity(out: &mut String, method: &str, tag: &str, id: &str, ty: usize) -> usize {
    let verb = if method == "post" { "Create" } else { "Update" };
    operation_head(out, method, tag, id, &format!("{verb} type{ty}"));
    body(out, ty);
    entity_response(out, "2XX", ty);
    1
}

fn count(out: &mut String, tag: &str, id: &str) -> usize {
    operation_head(out, "get", tag, id, "Get the number of the resource");
    out.push_str(
        "      parameters:\n        - $ref: '#/components/parameters/search'\n        - $ref: '#/components/parameters/filter'\n      responses:\n        2XX:\n          $ref: '#/components/responses/ODataCountResponse'\n",
    );
    out.push_str(ERRORS);
    1
}

fn get(out: &mut String, tag: &str, id: &str, ty: usize, shape: Shape) -> usize {
    operation_head(out, "get", tag, id, &format!("Get type{ty}"));
    out.push_str("      parameters:\n");
    select_and_expand(out, shape);
    entity_response(out, "2XX", ty);
    1
}

fn delete(out: &mut String, tag: &str, id: &str) -> usize {
    operation_head(out, "delete", tag, id, "Delete the entity");
    out.push_str(
        "      parameters:\n        - name: If-Match\n          in: header\n          description: ETag\n          style: simple\n          schema:\n            type: string\n      responses:\n        '204':\n          description: Success\n",
    );
    out.push_str(ERRORS);
    out.push_str("      x-ms-docs-operation-type: operation\n");
    1
}

/// An entity type: `microsoft.graph.entity` and its own properties (`allOf`), nullable
/// references to complex types (`anyOf`), navigation properties, and its collection response.
fn entity_type(out: &mut String, ty: usize, shape: Shape) {
    let name = type_name(ty);
    writeln!(
        out,
        "    {name}:\n      allOf:\n        - $ref: '#/components/schemas/microsoft.graph.entity'\n        - title: type{ty}\n          required:\n            - '@odata.type'\n          type: object\n          properties:"
    )
    .expect("writing to a String");
    for property in 0..shape.properties {
        let complex = (ty * 7 + property) % shape.complex_types;
        if property % 3 == 0 {
            writeln!(
                out,
                "            property{property}:\n              anyOf:\n                - $ref: '#/components/schemas/microsoft.graph.complex{complex}'\n                - type: object\n                  nullable: true\n              description: The property{property} of type{ty}. Read-only. Nullable."
            )
        } else {
            writeln!(
                out,
                "            property{property}:\n              type: string\n              description: The property{property} of type{ty}. Supports $filter (eq, ne, not, ge, le, in, startsWith, and eq on null values).\n              nullable: true"
            )
        }
        .expect("writing to a String");
    }
    for navigation in 0..shape.navigations {
        let target = (ty + navigation + 1) % shape.entity_sets;
        writeln!(
            out,
            "            nav{navigation}:\n              type: array\n              items:\n                $ref: '#/components/schemas/{}'\n              description: The nav{navigation} of type{ty}.\n              x-ms-navigationProperty: true",
            type_name(target)
        )
        .expect("writing to a String");
    }
    writeln!(
        out,
        "            '@odata.type':\n              type: string\n              default: '#microsoft.graph.type{ty}'\n          x-ms-discriminator-value: '#microsoft.graph.type{ty}'\n    {name}CollectionResponse:\n      title: Collection of type{ty}\n      allOf:\n        - $ref: '#/components/schemas/BaseCollectionPaginationCountResponse'\n        - type: object\n          properties:\n            value:\n              type: array\n              items:\n                $ref: '#/components/schemas/{name}'"
    )
    .expect("writing to a String");
}

fn complex_type(out: &mut String, complex: usize, shape: Shape) {
    writeln!(
        out,
        "    microsoft.graph.complex{complex}:\n      title: complex{complex}\n      required:\n        - '@odata.type'\n      type: object\n      properties:\n        name:\n          type: string\n          nullable: true\n        detail:\n          anyOf:\n            - $ref: '#/components/schemas/microsoft.graph.complex{}'\n            - type: object\n              nullable: true\n        '@odata.type':\n          type: string",
        (complex + 1) % shape.complex_types
    )
    .expect("writing to a String");
}

fn shared_schemas(out: &mut String) {
    out.push_str(
        "    microsoft.graph.entity:
      title: entity
      required:
        - '@odata.type'
      type: object
      properties:
        id:
          type: string
          description: The unique identifier for an entity. Read-only.
        '@odata.type':
          type: string
      discriminator:
        propertyName: '@odata.type'
    BaseCollectionPaginationCountResponse:
      title: Base collection pagination and count responses
      type: object
      properties:
        '@odata.count':
          type: integer
          format: int64
          nullable: true
        '@odata.nextLink':
          type: string
          nullable: true
    ODataCountResponse:
      type: integer
      format: int32
    odata.error:
      required:
        - error
      type: object
      properties:
        error:
          $ref: '#/components/schemas/odata.error.main'
    odata.error.main:
      required:
        - code
        - message
      type: object
      properties:
        code:
          type: string
        message:
          type: string
        innererror:
          type: object
          additionalProperties:
            type: object
",
    );
}

const SHARED_PARAMETERS: &str = "    top:
      name: $top
      in: query
      description: Show only the first n items
      style: form
      explode: false
      schema:
        minimum: 0
        type: integer
    skip:
      name: $skip
      in: query
      description: Skip the first n items
      style: form
      explode: false
      schema:
        minimum: 0
        type: integer
    search:
      name: $search
      in: query
      description: Search items by search phrases
      style: form
      explode: false
      schema:
        type: string
    filter:
      name: $filter
      in: query
      description: Filter items by property values
      style: form
      explode: false
      schema:
        type: string
    count:
      name: $count
      in: query
      description: Include count of items
      style: form
      explode: false
      schema:
        type: boolean
";

const SHARED_RESPONSES: &str = "    error:
      description: error
      content:
        application/json:
          schema:
            $ref: '#/components/schemas/odata.error'
    ODataCountResponse:
      description: The count of the resource
      content:
        text/plain:
          schema:
            $ref: '#/components/schemas/ODataCountResponse'
";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codegen::workspace_root;

    #[test]
    fn the_photo_paths_can_be_cut_out_of_a_graph_shaped_description() {
        let photo = std::fs::read_to_string(workspace_root().join("spec/photo.openapi.yaml"))
            .expect("spec");
        let (text, added) = write(&photo, Shape::SMOKE).expect("synthetic spec");
        assert_eq!(added, 6 * (6 + 8 * 6));
        let source = photo_gen::SpecSource::new("graph.yaml", text);
        let options = photo_gen::Options {
            include: vec![photo_gen::Include::Path("/users/*/photo/**".into())],
            ..photo_gen::Options::default()
        };
        let generated = photo_gen::generate(&source, &options).unwrap_or_else(|d| panic!("{d}"));
        let paths: Vec<_> = generated
            .api
            .operations
            .iter()
            .map(|op| format!("{} {}", op.method.upper(), op.path))
            .collect();
        assert_eq!(
            paths,
            [
                "GET /users/{user-id}/photo",
                "DELETE /users/{user-id}/photo",
                "PATCH /users/{user-id}/photo",
                "GET /users/{user-id}/photo/$value",
                "PUT /users/{user-id}/photo/$value",
            ]
        );
    }
}
