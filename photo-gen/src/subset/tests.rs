use super::*;
use crate::{Options, SpecSource, lower_subset};

/// Two photo operations and one unrelated one, sharing components as Graph's description does.
const SPEC: &str = r##"openapi: 3.0.3
info: {title: Subset, version: '1'}
security:
  - work: []
paths:
  /users/{user-id}/photo:
    parameters:
      - $ref: '#/components/parameters/UserId'
    get:
      operationId: getUserPhoto
      responses:
        '200': {$ref: '#/components/responses/Photo'}
        default: {$ref: '#/components/responses/Error'}
    delete:
      operationId: deleteUserPhoto
      security:
        - app: [Photo.ReadWrite.All]
      responses:
        '204': {description: Deleted.}
  /users/{user-id}/messages:
    parameters:
      - $ref: '#/components/parameters/UserId'
    get:
      operationId: listMessages
      security:
        - unused: []
      responses:
        '200':
          description: Messages.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/message'}
        default: {$ref: '#/components/responses/Error'}
components:
  securitySchemes:
    work: {type: oauth2, x-token-kind: delegatedWork, flows: {implicit: {authorizationUrl: 'https://a', scopes: {}}}}
    app: {type: oauth2, x-token-kind: application, flows: {clientCredentials: {tokenUrl: 'https://t', scopes: {Photo.ReadWrite.All: Write.}}}}
    unused: {type: oauth2, x-token-kind: delegatedPersonal, flows: {implicit: {authorizationUrl: 'https://a', scopes: {}}}}
  parameters:
    UserId: {name: user-id, in: path, required: true, schema: {$ref: '#/components/schemas/userId'}}
  responses:
    Photo:
      description: The photo.
      content:
        application/json:
          schema: {$ref: '#/components/schemas/photo'}
    Error:
      description: An error.
      content:
        application/json:
          schema: {$ref: '#/components/schemas/error'}
  schemas:
    userId: {type: string}
    photo:
      type: object
      properties:
        id: {type: string}
        size: {$ref: '#/components/schemas/size'}
    size: {type: object, properties: {width: {type: integer, format: int32}}}
    error: {type: object, properties: {message: {type: string}}}
    message: {type: object, properties: {subject: {type: string}}}
    orphan: {type: object, properties: {x: {type: string}}}
"##;

fn path(pattern: &str) -> Include {
    Include::Path(pattern.into())
}

fn kept(selection: &Selection, section: &str) -> Vec<&'static str> {
    let names = [
        "work", "app", "unused", "UserId", "Photo", "Error", "userId", "photo", "size", "error",
        "message", "orphan",
    ];
    names
        .into_iter()
        .filter(|name| selection.keeps_component(section, name))
        .collect()
}

#[test]
fn keeps_what_the_kept_operations_reach_and_drops_the_rest() {
    let selection = select(SPEC, &[path("/users/*/photo/**")]).expect("selection");
    assert_eq!(selection.operations(), 2);
    // `size` is reached only through `photo`; `message` only by a dropped operation; `orphan`
    // by nothing.
    assert_eq!(
        kept(&selection, "schemas"),
        ["userId", "photo", "size", "error"]
    );
    assert_eq!(kept(&selection, "parameters"), ["UserId"]);
    assert_eq!(kept(&selection, "responses"), ["Photo", "Error"]);
    // The document's scheme and the kept operation's own, not the dropped operation's.
    assert_eq!(kept(&selection, "securitySchemes"), ["work", "app"]);
}

#[test]
fn an_operation_id_keeps_only_that_operation() {
    let selection = select(SPEC, &[Include::Operation("deleteUserPhoto".into())]).expect("ids");
    assert_eq!(selection.operations(), 1);
    assert_eq!(selection.paths["/users/{user-id}/photo"], ["delete"]);
    // The path item's shared parameter comes along.
    assert_eq!(kept(&selection, "schemas"), ["userId"]);
}

#[test]
fn a_pattern_or_id_that_matches_nothing_is_an_error_naming_it() {
    let Err(SelectError::Unmatched(problems)) = select(
        SPEC,
        &[
            path("/users/*/foto/**"),
            path("/users/*/photo"),
            Include::Operation("getUserFoto".into()),
            path("users"),
        ],
    ) else {
        panic!("a pattern matching nothing was accepted");
    };
    assert_eq!(
        problems,
        [
            "path pattern `users` must start with `/`",
            "path pattern `/users/*/foto/**` matches no path of the spec",
            "operation id `getUserFoto` matches no operation of the spec",
        ]
    );
}

#[test]
fn generating_a_subset_keeps_only_its_operations_and_types_and_copies_only_its_text() {
    let source = SpecSource::new("big.yaml", SPEC);
    let options = Options {
        include: vec![path("/users/*/photo/**")],
        ..Options::external()
    };
    let generated = crate::generate(&source, &options).unwrap_or_else(|d| panic!("{d}"));
    let ids: Vec<_> = generated
        .api
        .operations
        .iter()
        .map(|op| op.id.as_str())
        .collect();
    assert_eq!(ids, ["getUserPhoto", "deleteUserPhoto"]);
    let mut types: Vec<_> = generated
        .api
        .types
        .iter()
        .map(|ty| ty.spec_name.as_str())
        .collect();
    types.sort_unstable();
    assert_eq!(types, ["error", "photo", "size", "userId"]);
    let schemes: Vec<_> = generated
        .api
        .schemes
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(schemes, ["work", "app"]);

    let copy = &generated.files[0].contents;
    let copy = &copy[copy.find("# The part").expect("subset comment")..];
    assert!(copy.starts_with(
        "# The part of big.yaml that photo-gen generated from: paths /users/*/photo/**, and the components they use.\n"
    ));
    assert!(!copy.contains("listMessages") && !copy.contains("orphan") && !copy.contains("unused"));
    // The copy is the subset: generating from it gives the same model.
    let again = crate::lower(&SpecSource::new("copy.yaml", copy)).unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(again.api, generated.api);
}

#[test]
fn problems_in_a_subset_point_into_the_original_file() {
    let broken = SPEC.replace(
        "'204': {description: Deleted.}",
        "'204': {$ref: '#/components/responses/Gone'}",
    );
    let source = SpecSource::new("big.yaml", broken.as_str());
    let diagnostics = lower_subset(&source, &[path("/users/*/photo")]).unwrap_err();
    let line = broken
        .lines()
        .position(|line| line.contains("responses/Gone"))
        .expect("broken line")
        + 1;
    let short = diagnostics.short();
    assert!(short.starts_with(&format!("big.yaml:{line}:")), "{short}");
}

#[test]
fn a_malformed_kept_node_is_located_in_the_original_file_and_a_dropped_one_is_ignored() {
    let broken = SPEC.replace(
        "'204': {description: Deleted.}",
        "'204': {description: [not, text]}",
    );
    let source = SpecSource::new("big.yaml", broken.as_str());
    let line = broken
        .lines()
        .position(|line| line.contains("[not, text]"))
        .expect("broken line")
        + 1;
    let diagnostics = lower_subset(&source, &[path("/users/*/photo")]).unwrap_err();
    let short = diagnostics.short();
    assert!(short.starts_with(&format!("big.yaml:{line}:")), "{short}");
    let lowered =
        lower_subset(&source, &[path("/users/*/messages")]).unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(lowered.api.operations.len(), 1);
}
