//! Specs whose names collide with the names photo-gen makes (`AddPetRequest` beside an
//! `addPet` operation, `Pets` beside `/pets`, `Option`, `Call`) still give code in which every
//! type name means one thing: each module defines a name once, and the client and server
//! define none of the models' names (which they import with a glob, so a local type would
//! shadow the model). The fixture `name_collisions` compiles one such spec; this checks many.

use std::collections::BTreeSet;

use photo_gen::{Options, SpecSource};
use proptest::prelude::*;
use proptest::test_runner::Config;

/// Schema names that collide with what the operations and paths below make.
const SCHEMA_NAMES: &[&str] = &[
    "AddPetRequest",
    "AddPetResponse",
    "AddPetCall",
    "AddPetOpRequest",
    "addPetRequest",
    "add_pet.response",
    "Pets",
    "pets",
    "Pet",
    "PetsItem",
    "PetsItemPhoto",
    "ListPetsResponse",
    "UploadPhotoBody",
    "Call",
    "ApiClient",
    "Option",
    "String",
    "Api",
];

const OPERATIONS: &[(&str, &str)] = &[
    ("addPet", "/pets"),
    ("listPets", "/pet"),
    ("addPetOp", "/pets/{pet-id}"),
    ("getPet", "/pets/{pet-id}/photo"),
    ("pets", "/add-pet"),
];

fn spec(schemas: &BTreeSet<usize>, operations: &BTreeSet<usize>, binary: bool) -> String {
    let mut text = String::from("openapi: 3.0.3\ninfo: {title: Names, version: '1'}\npaths:\n");
    let target = |index: usize| {
        schemas
            .iter()
            .nth(index % schemas.len().max(1))
            .map(|&at| SCHEMA_NAMES[at])
    };
    for (position, &at) in operations.iter().enumerate() {
        let (id, path) = OPERATIONS[at];
        text.push_str(&format!(
            "  '{path}':\n    post:\n      operationId: {id}\n"
        ));
        if path.contains("{pet-id}") {
            text.push_str("      parameters:\n        - {name: pet-id, in: path, required: true, schema: {type: string}}\n");
        }
        match (binary && position % 2 == 0, target(position)) {
            (true, _) => text.push_str("      requestBody:\n        content:\n          image/jpeg:\n            schema: {type: string, format: binary}\n"),
            (false, Some(name)) => text.push_str(&format!("      requestBody:\n        content:\n          application/json:\n            schema: {{$ref: '#/components/schemas/{name}'}}\n")),
            (false, None) => {}
        }
        text.push_str("      responses:\n        '200':\n          description: Done.\n");
        if let Some(name) = target(position + 1) {
            text.push_str(&format!("          content:\n            application/json:\n              schema: {{$ref: '#/components/schemas/{name}'}}\n"));
        }
    }
    text.push_str("components:\n  schemas:\n");
    for &at in schemas {
        text.push_str(&format!(
            "    '{}':\n      type: object\n      properties:\n        size: {{type: integer}}\n",
            SCHEMA_NAMES[at]
        ));
    }
    if schemas.is_empty() {
        text.push_str("    unused: {type: string}\n");
    }
    text
}

/// The names of the types, traits and aliases a file defines at its top level.
fn type_names(file: &syn::File) -> Vec<String> {
    file.items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Struct(item) => Some(item.ident.to_string()),
            syn::Item::Enum(item) => Some(item.ident.to_string()),
            syn::Item::Type(item) => Some(item.ident.to_string()),
            syn::Item::Trait(item) => Some(item.ident.to_string()),
            _ => None,
        })
        .collect()
}

fn check(text: &str) -> Result<(), TestCaseError> {
    let source = SpecSource::new("names.yaml", text);
    let generated = photo_gen::generate(&source, &Options::external())
        .map_err(|d| TestCaseError::fail(format!("{d}\n{text}")))?;
    let mut models = BTreeSet::new();
    for file in generated
        .files
        .iter()
        .filter(|file| file.path.extension().is_some_and(|ext| ext == "rs"))
    {
        let parsed = syn::parse_file(&file.contents)
            .map_err(|error| TestCaseError::fail(format!("{}: {error}", file.path.display())))?;
        let names = type_names(&parsed);
        let mut seen = BTreeSet::new();
        for name in &names {
            prop_assert!(
                seen.insert(name.clone()),
                "{} defines `{name}` twice\n{text}",
                file.path.display()
            );
        }
        match file.path.to_str() {
            Some("models.rs") => models = seen,
            Some("client.rs" | "server.rs") => {
                let shadowed: Vec<&String> = seen.intersection(&models).collect();
                prop_assert!(
                    shadowed.is_empty(),
                    "{} shadows the models {shadowed:?}\n{text}",
                    file.path.display()
                );
            }
            _ => {}
        }
    }
    for name in &models {
        prop_assert!(
            !photo_gen::names::TAKEN_TYPE_NAMES.contains(&name.as_str()),
            "a model is named `{name}`, which the generated modules use\n{text}"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(Config { cases: 64, ..Config::default() })]

    #[test]
    fn colliding_names_each_mean_one_type(
        schemas in proptest::collection::btree_set(0..SCHEMA_NAMES.len(), 0..10),
        operations in proptest::collection::btree_set(0..OPERATIONS.len(), 1..=OPERATIONS.len()),
        binary in any::<bool>(),
    ) {
        check(&spec(&schemas, &operations, binary))?;
    }
}

/// The case the fixture compiles, checked here the same way.
#[test]
fn the_fixture_spec_passes_the_same_check() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/name_collisions/spec.yaml"
    ))
    .expect("fixture");
    check(&text).unwrap_or_else(|error| panic!("{error}"));
}
