//! `spec/permissions.csv`: Microsoft's permission tables for profile photos as rows, one
//! permission of one scheme for one kind of operation on one kind of owner in one API version,
//! and the rules that say which rows apply to an operation of the spec. The tests compare the
//! spec and the emulator against these rows.

use std::path::PathBuf;

/// The columns of `spec/permissions.csv`, in order.
pub const COLUMNS: [&str; 7] = [
    "permission",
    "scheme",
    "operation",
    "owner",
    "version",
    "least",
    "source",
];

/// The operation kinds a row may name.
pub const OPERATIONS: [&str; 5] = [
    "readMetadata",
    "readContent",
    "updateContent",
    "updateMetadata",
    "delete",
];

/// The owner kinds a row may name.
pub const OWNERS: [&str; 4] = ["signedInUser", "user", "group", "contact"];

/// One row of the table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fact {
    pub permission: String,
    /// A security scheme of the spec, such as `delegatedWork`.
    pub scheme: String,
    /// One of [`OPERATIONS`].
    pub operation: String,
    /// One of [`OWNERS`].
    pub owner: String,
    /// An API version, such as `v1.0`.
    pub version: String,
    /// Whether Microsoft lists the permission as the least privileged one.
    pub least: bool,
    /// Ids of `spec/permission-sources.csv` the row comes from.
    pub sources: Vec<String>,
}

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
    parse(&text).map_err(|err| format!("{}:{err}", path.display()))
}

/// The rows of a permissions table's text (a header, then plain comma-separated fields: no
/// field needs quoting).
pub fn parse(text: &str) -> Result<Vec<Fact>, String> {
    let mut lines = text.lines().enumerate();
    let header: Vec<&str> = lines
        .next()
        .map(|(_, line)| line.split(',').collect())
        .unwrap_or_default();
    if header != COLUMNS {
        return Err(format!("1: the header must be {}", COLUMNS.join(",")));
    }
    let mut out = Vec::new();
    for (index, line) in lines {
        let at = index + 1;
        let fields: Vec<&str> = line.split(',').collect();
        let [permission, scheme, operation, owner, version, least, source] = fields[..] else {
            return Err(format!("{at}: expected {} fields", COLUMNS.len()));
        };
        if !OPERATIONS.contains(&operation) {
            return Err(format!("{at}: unknown operation kind `{operation}`"));
        }
        if !OWNERS.contains(&owner) {
            return Err(format!("{at}: unknown owner kind `{owner}`"));
        }
        let least = match least {
            "yes" => true,
            "no" => false,
            other => return Err(format!("{at}: `least` must be yes or no, not `{other}`")),
        };
        let sources: Vec<String> = source.split_whitespace().map(str::to_owned).collect();
        if permission.is_empty() || scheme.is_empty() || version.is_empty() || sources.is_empty() {
            return Err(format!("{at}: every field needs a value"));
        }
        out.push(Fact {
            permission: permission.to_owned(),
            scheme: scheme.to_owned(),
            operation: operation.to_owned(),
            owner: owner.to_owned(),
            version: version.to_owned(),
            least,
            sources,
        });
    }
    Ok(out)
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

/// The operation kind of `method` (upper case) on `path`: a `GET` of `…/$value` reads the
/// image, any other `GET` its metadata; `PUT` uploads the image, `PATCH` changes metadata.
pub fn operation_kind(method: &str, path: &str) -> &'static str {
    match method {
        "GET" if path.ends_with("/$value") => "readContent",
        "GET" => "readMetadata",
        "PUT" => "updateContent",
        "PATCH" => "updateMetadata",
        _ => "delete",
    }
}

/// Whose photo `path` addresses.
pub fn owner(path: &str) -> &'static str {
    if path.contains("/contacts/") {
        "contact"
    } else if path.starts_with("/groups/") {
        "group"
    } else if path.starts_with("/users/") {
        "user"
    } else {
        "signedInUser"
    }
}

/// Whether `path` is relative to the signed-in user (`/me`, `/drive`): an application token
/// has no signed-in user, so the table's application rows never apply there.
pub fn needs_signed_in_user(path: &str) -> bool {
    path.starts_with("/me/") || path.starts_with("/drive/")
}

/// The rows that apply to `method` on `path` for `scheme` on API `version`, in table order
/// (least privileged first).
pub fn applying<'f>(
    facts: &'f [Fact],
    method: &str,
    path: &str,
    version: &str,
    scheme: &str,
) -> Vec<&'f Fact> {
    if scheme == "application" && needs_signed_in_user(path) {
        return Vec::new();
    }
    let kind = operation_kind(method, path);
    let owner = owner(path);
    facts
        .iter()
        .filter(|fact| {
            fact.version == version
                && fact.scheme == scheme
                && fact.operation == kind
                && fact.owner == owner
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_rows_are_refused_by_line() {
        let header = COLUMNS.join(",");
        assert_eq!(
            parse(&format!(
                "{header}\nUser.Read,delegatedWork,readContent,user,v1.0,maybe,docs"
            )),
            Err("2: `least` must be yes or no, not `maybe`".into())
        );
        assert_eq!(
            parse(&format!(
                "{header}\nUser.Read,delegatedWork,read,user,v1.0,yes,docs"
            )),
            Err("2: unknown operation kind `read`".into())
        );
        assert_eq!(
            parse(&format!("{header}\nUser.Read,delegatedWork")),
            Err("2: expected 7 fields".into())
        );
        assert!(parse("permission,scheme\n").is_err());
    }

    #[test]
    fn operations_are_classified_by_method_and_path() {
        assert_eq!(operation_kind("GET", "/me/photo/$value"), "readContent");
        assert_eq!(operation_kind("GET", "/me/photos/{size}"), "readMetadata");
        assert_eq!(
            owner("/users/{user-id}/contacts/{contact-id}/photo"),
            "contact"
        );
        assert_eq!(owner("/drive/root/createdByUser/photo"), "signedInUser");
        assert!(needs_signed_in_user("/me/contacts/{contact-id}/photo"));
        assert!(!needs_signed_in_user("/users/{user-id}/photo"));
    }
}
