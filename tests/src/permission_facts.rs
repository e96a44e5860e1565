//! `spec/permissions.csv`: Microsoft's permission tables for profile photos as rows, read from
//! the repository as the tests see it, with photo-gen's rules for which rows apply to an
//! operation of the spec (`photo_gen::permissions`). The tests compare the spec and the
//! emulator against these rows.

use std::path::PathBuf;

pub use photo_gen::permissions::{COLUMNS, NOT_SUPPORTED, OPERATIONS, OWNERS, Row as Fact};

fn spec_file(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../spec")
        .join(name)
}

/// The rows of `spec/permissions.csv`, in file order (least privileged first within each
/// table), or what is wrong with the file, by line.
pub fn load() -> Result<Vec<Fact>, String> {
    let path = spec_file("permissions.csv");
    let text =
        std::fs::read_to_string(&path).map_err(|err| format!("{}: {err}", path.display()))?;
    photo_gen::permissions::parse(&text).map_err(|err| format!("{}:{err}", path.display()))
}

/// The ids of `spec/permission-sources.csv` (its first column).
pub fn source_ids() -> Result<Vec<String>, String> {
    let path = spec_file("permission-sources.csv");
    let text =
        std::fs::read_to_string(&path).map_err(|err| format!("{}: {err}", path.display()))?;
    Ok(text
        .lines()
        .skip(1)
        .filter_map(|line| line.split(',').next())
        .map(str::to_owned)
        .collect())
}

/// Every row for `method` (upper case) on `path` with `scheme` on API `version`, in table
/// order, the rows saying the scheme is not supported included.
pub fn rows_for<'f>(
    facts: &'f [Fact],
    method: &str,
    path: &str,
    version: &str,
    scheme: &str,
) -> Vec<&'f Fact> {
    photo_gen::permissions::classify(method, path)
        .map(|photo| photo_gen::permissions::applying(facts, &photo, version, scheme))
        .unwrap_or_default()
}

/// The permissions that allow `method` on `path` for `scheme` on API `version`, in table order
/// (least privileged first).
pub fn applying<'f>(
    facts: &'f [Fact],
    method: &str,
    path: &str,
    version: &str,
    scheme: &str,
) -> Vec<&'f Fact> {
    rows_for(facts, method, path, version, scheme)
        .into_iter()
        .filter(|fact| fact.is_permission())
        .collect()
}
