//! Cutting operations out of a bigger description: the photo spec inside a spec with unrelated
//! Graph-shaped paths and components generates exactly what the photo spec alone does, and a
//! pattern that matches nothing is refused by name.

use std::path::{Path, PathBuf};

use photo_gen::{Include, Options, SpecSource};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

fn photo_spec() -> String {
    std::fs::read_to_string(root().join("spec/photo.openapi.yaml")).expect("spec is readable")
}

/// Paths of other entity sets, beside and below the photo paths, sharing the photo spec's
/// `UserId` parameter and error responses as Graph's description shares its components.
const OTHER_PATHS: &str = r##"  /users/{user-id}/messages:
    parameters:
      - $ref: '#/components/parameters/UserId'
    get:
      operationId: user.ListMessages
      parameters:
        - $ref: '#/components/parameters/top'
        - name: $expand
          in: query
          style: form
          explode: false
          schema:
            uniqueItems: true
            type: array
            items: {enum: ['*', attachments], type: string}
      responses:
        2XX:
          description: Retrieved collection
          content:
            application/json:
              schema:
                title: Collection of message
                type: object
                properties:
                  value:
                    type: array
                    items: {$ref: '#/components/schemas/microsoft.graph.message'}
                  '@odata.nextLink': {type: string, nullable: true}
        4XX: {$ref: '#/components/responses/ClientError'}
      x-ms-pageable: {nextLinkName: '@odata.nextLink', operationName: listMore}
  /users:
    get:
      operationId: users.ListUser
      responses:
        2XX:
          description: Users
          content:
            application/json:
              schema: {$ref: '#/components/schemas/microsoft.graph.user'}
"##;

const OTHER_SCHEMAS: &str = r##"    microsoft.graph.entity:
      type: object
      properties:
        id: {type: string}
    microsoft.graph.message:
      allOf:
        - $ref: '#/components/schemas/microsoft.graph.entity'
        - type: object
          properties:
            subject: {type: string, nullable: true}
            sender:
              anyOf:
                - $ref: '#/components/schemas/microsoft.graph.recipient'
                - {type: object, nullable: true}
    microsoft.graph.recipient:
      type: object
      properties:
        address: {type: string}
    microsoft.graph.user:
      allOf:
        - $ref: '#/components/schemas/microsoft.graph.entity'
        - type: object
          properties:
            displayName: {type: string}
"##;

const OTHER_PARAMETERS: &str = r##"    top:
      name: $top
      in: query
      schema: {minimum: 0, type: integer}
"##;

/// The photo spec with the other entity sets added.
fn bigger_spec() -> String {
    let mut text = photo_spec();
    let components = text.find("\ncomponents:\n").expect("components");
    for (line, inserted) in [
        ("\n  schemas:\n", OTHER_SCHEMAS),
        ("\n  parameters:\n", OTHER_PARAMETERS),
    ] {
        let at = components + text[components..].find(line).expect(line) + line.len();
        text.insert_str(at, inserted);
    }
    let paths = text.find("\npaths:\n").expect("paths") + "\npaths:\n".len();
    text.insert_str(paths, OTHER_PATHS);
    text
}

fn cut(include: &[&str]) -> Result<photo_gen::Generated, photo_gen::Diagnostics> {
    let source = SpecSource::new("graph.yaml", bigger_spec());
    let options = Options {
        include: include
            .iter()
            .map(|pattern| Include::Path((*pattern).into()))
            .collect(),
        ..Options::default()
    };
    photo_gen::generate(&source, &options)
}

/// A generated Rust file without its first line, which names the spec and its SHA-256.
fn body(contents: &str) -> &str {
    contents.split_once('\n').map_or("", |(_, rest)| rest)
}

#[test]
fn cutting_every_photo_path_generates_what_the_photo_spec_alone_does() {
    let generated = cut(&[
        "/me/**",
        "/users/*/photo/**",
        "/users/*/photos/**",
        "/users/*/contacts/**",
        "/users/*/contactFolders/**",
        "/groups/**",
        "/drive/**",
    ])
    .unwrap_or_else(|d| panic!("{d}"));
    let alone = photo_gen::generate(
        &SpecSource::new("spec/photo.openapi.yaml", photo_spec()),
        &Options::default(),
    )
    .unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(generated.api, alone.api);
    let rust = |files: &[photo_gen::GeneratedFile]| -> Vec<(PathBuf, String)> {
        files
            .iter()
            .filter(|file| file.path.extension().is_some_and(|ext| ext == "rs"))
            .map(|file| (file.path.clone(), body(&file.contents).to_owned()))
            .collect()
    };
    assert_eq!(rust(&generated.files), rust(&alone.files));
    // The checked-in crate compiles from the photo spec's output, so the cut one does too.
    for (path, contents) in rust(&generated.files) {
        let checked_in =
            std::fs::read_to_string(root().join("photo-api/src/generated").join(&path))
                .expect("checked-in file");
        assert_eq!(body(&checked_in), contents, "{}", path.display());
    }
}

#[test]
fn cutting_the_user_photo_keeps_exactly_its_operations() {
    let generated = cut(&["/users/*/photo/**"]).unwrap_or_else(|d| panic!("{d}"));
    let mut ids: Vec<_> = generated
        .api
        .operations
        .iter()
        .map(|op| op.id.as_str())
        .collect();
    ids.sort_unstable();
    assert_eq!(
        ids,
        [
            "deleteUserPhoto",
            "getUserPhoto",
            "getUserPhotoContent",
            "setUserPhotoContent",
            "updateUserPhoto"
        ]
    );
    let copy = &generated
        .files
        .iter()
        .find(|file| file.path == Path::new("openapi.yaml"))
        .expect("the spec's copy")
        .contents;
    for dropped in [
        "microsoft.graph.",
        "getMyPhoto",
        "GroupId",
        "user.ListMessages",
    ] {
        assert!(!copy.contains(dropped), "the copy holds {dropped}");
    }
}

#[test]
fn a_pattern_or_operation_id_that_matches_nothing_is_refused_by_name() {
    let source = SpecSource::new("graph.yaml", bigger_spec());
    let options = Options {
        include: vec![
            Include::Path("/users/*/foto/**".into()),
            Include::Operation("getUserPhoto".into()),
            Include::Operation("getUserFoto".into()),
        ],
        ..Options::default()
    };
    let diagnostics = photo_gen::generate(&source, &options).unwrap_err();
    assert_eq!(
        diagnostics.to_string(),
        "graph.yaml: error: path pattern `/users/*/foto/**` matches no path of the spec\n\
         graph.yaml: error: operation id `getUserFoto` matches no operation of the spec\n\
         2 problems in graph.yaml"
    );
}
