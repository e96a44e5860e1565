//! `spec/permissions.csv` (Microsoft's permission tables as rows) and the spec say the same:
//! for every operation, API version and security scheme, the spec's alternatives are exactly the
//! table's rows for that operation, in the table's order (least privileged first), and every row
//! of the table belongs to some operation. A spec edit that drifts from the table fails here.

use std::collections::BTreeSet;
use std::path::PathBuf;

use photo_gen::SpecSource;
use photo_gen::model::{Api, Operation, SecurityAlternative};
use photo_tests::permission_facts::{self, Fact};

fn photo_api() -> Api {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../spec/photo.openapi.yaml");
    let text = std::fs::read_to_string(&path).expect("the spec is readable");
    photo_gen::lower(&SpecSource::new("spec/photo.openapi.yaml", text))
        .unwrap_or_else(|diagnostics| panic!("the spec lowers:\n{diagnostics}"))
        .api
}

/// The API versions request paths start with: the values of the server's path variable.
fn versions(api: &Api) -> Vec<String> {
    api.servers
        .iter()
        .flat_map(|servers| servers.variables.iter())
        .find(|variable| !variable.is_root)
        .map(|variable| variable.values.iter().map(|v| v.value.clone()).collect())
        .unwrap_or_default()
}

/// The alternatives of `op` on `version`.
fn security_on<'a>(op: &'a Operation, version: &str) -> &'a [SecurityAlternative] {
    op.security_by_version
        .iter()
        .find(|entry| entry.version == version)
        .map_or(&op.security, |entry| &entry.security)
}

#[test]
fn the_permission_table_and_the_spec_agree() {
    let api = photo_api();
    let facts = permission_facts::load().unwrap_or_else(|err| panic!("{err}"));
    let versions = versions(&api);
    assert_eq!(versions, ["v1.0", "beta"], "the spec's API versions");
    let mut problems = Vec::new();
    let mut used: BTreeSet<usize> = BTreeSet::new();
    for op in &api.operations {
        let method = op.method.upper();
        for version in &versions {
            let security = security_on(op, version);
            for scheme in &api.schemes {
                let spec: Vec<String> = security
                    .iter()
                    .filter(|alternative| alternative.scheme == scheme.name)
                    .map(|alternative| alternative.scopes.join(" + "))
                    .collect();
                let rows =
                    permission_facts::applying(&facts, method, &op.path, version, &scheme.name);
                for row in
                    permission_facts::rows_for(&facts, method, &op.path, version, &scheme.name)
                {
                    let index = facts
                        .iter()
                        .position(|fact| std::ptr::eq(fact, row))
                        .expect("a row of the table");
                    used.insert(index);
                }
                let table: Vec<String> = rows.iter().map(|row| row.permission.clone()).collect();
                if spec != table {
                    problems.push(format!(
                        "{} ({method} {}) on {version}, {}: the spec says {spec:?}, the table {table:?}",
                        op.id, op.path, scheme.name
                    ));
                }
                let least: Vec<usize> = rows
                    .iter()
                    .enumerate()
                    .filter(|(_, row)| row.least)
                    .map(|(position, _)| position)
                    .collect();
                if !rows.is_empty() && least != [0] {
                    problems.push(format!(
                        "{} on {version}, {}: the table must mark exactly its first permission least privileged, not those at {least:?}",
                        op.id, scheme.name
                    ));
                }
            }
        }
    }
    // Rows for owners the spec has no operation of (teams) are there for descriptions of
    // Microsoft's that name no permissions, and held to them by `tests/tests/emulator/teams_graph.rs`;
    // "not supported" rows may stand for operations the spec leaves out.
    let owners: BTreeSet<&str> = api
        .operations
        .iter()
        .filter_map(|op| photo_gen::permissions::classify(op.method.upper(), &op.path))
        .map(|photo| photo.owner)
        .collect();
    for (index, fact) in facts.iter().enumerate() {
        let exempt = !fact.is_permission() || !owners.contains(fact.owner.as_str());
        if !used.contains(&index) && !exempt {
            problems.push(format!(
                "row {} ({fact:?}) applies to no operation of the spec",
                index + 2
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_row_names_known_sources_and_versions() {
    let api = photo_api();
    let versions = versions(&api);
    let sources = permission_facts::source_ids().unwrap_or_else(|err| panic!("{err}"));
    let facts = permission_facts::load().unwrap_or_else(|err| panic!("{err}"));
    assert!(!facts.is_empty());
    let unknown: Vec<&Fact> = facts
        .iter()
        .filter(|fact| {
            !versions.contains(&fact.version)
                || fact.sources.iter().any(|source| !sources.contains(source))
        })
        .collect();
    assert!(
        unknown.is_empty(),
        "rows with unknown versions or sources: {unknown:#?}"
    );
}

/// The issue this table settles: an upload's permission reads the photo back, and
/// ProfilePhoto.ReadWrite.All uploads a group photo as an application.
#[test]
fn microsofts_current_tables_are_in_the_spec() {
    let api = photo_api();
    let op = |id: &str| {
        api.operations
            .iter()
            .find(|op| op.id == id)
            .unwrap_or_else(|| panic!("{id} is in the spec"))
    };
    let allows = |id: &str, version: &str, scheme: &str, permission: &str| {
        security_on(op(id), version)
            .iter()
            .any(|alt| alt.scheme == scheme && alt.scopes == [permission])
    };
    for version in ["v1.0", "beta"] {
        assert!(allows(
            "getMyPhoto",
            version,
            "delegatedWork",
            "User.ReadWrite"
        ));
        assert!(allows(
            "getMyPhoto",
            version,
            "delegatedWork",
            "ProfilePhoto.Read.All"
        ));
        assert!(allows(
            "setGroupPhotoContent",
            version,
            "application",
            "ProfilePhoto.ReadWrite.All"
        ));
    }
    assert!(allows(
        "setMyPhotoContent",
        "v1.0",
        "delegatedPersonal",
        "User.ReadWrite"
    ));
    assert!(!allows(
        "setMyPhotoContent",
        "beta",
        "delegatedPersonal",
        "User.ReadWrite"
    ));
}

/// photo-gen ships a copy of the table (its package holds only its own files): the copy is the
/// table.
#[test]
fn the_generators_copy_is_the_table() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../spec/permissions.csv");
    let table = std::fs::read_to_string(&path).expect("spec/permissions.csv is readable");
    assert!(
        photo_gen::permissions::TABLE == table,
        "photo-gen/src/permissions/permissions.csv differs from spec/permissions.csv: copy it over"
    );
}
