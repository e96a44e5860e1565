//! Microsoft's permission tables for profile photos (a copy of `spec/permissions.csv`, embedded
//! at build time) and the rules that say which rows apply to an operation: by the shape of its path
//! (whose photo, metadata or content) and its method.
//!
//! The photo spec's `security` lists are checked against these rows by the tests; for a
//! description of Microsoft's that names no permissions, [`apply`] gives its operations these
//! rows as their security alternatives.

mod apply;

use std::sync::LazyLock;

pub use apply::apply;

/// The table: a copy of the repository's `spec/permissions.csv` shipped with photo-gen, which
/// the workspace's tests hold equal to it.
pub const TABLE: &str = include_str!("permissions.csv");

/// The columns of the table, in order.
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
pub const OWNERS: [&str; 5] = ["signedInUser", "user", "group", "contact", "team"];

/// The schemes a row may name: the kinds of OAuth token (`x-token-kind`).
pub const SCHEMES: [&str; 3] = ["delegatedWork", "delegatedPersonal", "application"];

/// The permission of a row that says Microsoft's table has "Not supported." for its scheme, so
/// that an operation no scheme may call is covered by the table all the same.
pub const NOT_SUPPORTED: &str = "(not supported)";

/// One row of the table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// A permission, or [`NOT_SUPPORTED`].
    pub permission: String,
    /// One of [`SCHEMES`].
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

impl Row {
    /// Whether the row grants a permission (rather than saying the scheme is not supported).
    pub fn is_permission(&self) -> bool {
        self.permission != NOT_SUPPORTED
    }
}

/// The embedded table's rows, in file order (least privileged first within each table).
/// A unit test holds the embedded text to parsing.
pub fn rows() -> &'static [Row] {
    static ROWS: LazyLock<Vec<Row>> = LazyLock::new(|| parse(TABLE).unwrap_or_default());
    &ROWS
}

/// The rows of a permission table's text (a header, then plain comma-separated fields: no
/// field needs quoting), or what is wrong with it, by line.
pub fn parse(text: &str) -> Result<Vec<Row>, String> {
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
        if !SCHEMES.contains(&scheme) {
            return Err(format!("{at}: unknown scheme `{scheme}`"));
        }
        let least = match least {
            "yes" => true,
            "no" => false,
            other => return Err(format!("{at}: `least` must be yes or no, not `{other}`")),
        };
        if least && permission == NOT_SUPPORTED {
            return Err(format!(
                "{at}: a `{NOT_SUPPORTED}` row is not least privileged"
            ));
        }
        let sources: Vec<String> = source.split_whitespace().map(str::to_owned).collect();
        if permission.is_empty() || version.is_empty() || sources.is_empty() {
            return Err(format!("{at}: every field needs a value"));
        }
        out.push(Row {
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

/// What the tables know of an operation: what it does to whose photo.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PhotoOperation {
    /// One of [`OPERATIONS`].
    pub kind: &'static str,
    /// One of [`OWNERS`].
    pub owner: &'static str,
    /// Whether the path is relative to the signed-in user (`/me`, `/drive`): an application
    /// token has no signed-in user, so application rows never apply there.
    pub needs_signed_in_user: bool,
}

/// Reads `method` (upper case) on `path` as a photo operation: `{owner}/photo` (`GET`
/// metadata, `PATCH` metadata, `DELETE`), `{owner}/photo/$value` (`GET`, `PUT` or `PATCH`,
/// `DELETE`),
/// `{owner}/photos`, `{owner}/photos/{size}` (`GET` metadata) and `{owner}/photos/{size}/$value`
/// (`GET` content). The owner is `me` or `drive/root/createdByUser` (the signed-in user), a
/// contact (`…/contacts/{id}`), or `users/{id}`, `groups/{id}` or `teams/{id}`. `None` for
/// any other path or method.
pub fn classify(method: &str, path: &str) -> Option<PhotoOperation> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let is_param = |segment: &str| segment.starts_with('{') && segment.ends_with('}');
    let (owner_len, kind) = match segments.as_slice() {
        [.., "photo"] => (
            segments.len() - 1,
            match method {
                "GET" => "readMetadata",
                "PATCH" => "updateMetadata",
                "DELETE" => "delete",
                _ => return None,
            },
        ),
        // v1.0 takes `PATCH` for an upload as well as `PUT`; Microsoft's descriptions delete
        // the content of `$value` where the docs delete `photo`.
        [.., "photo", "$value"] => (
            segments.len() - 2,
            match method {
                "GET" => "readContent",
                "PUT" | "PATCH" => "updateContent",
                "DELETE" => "delete",
                _ => return None,
            },
        ),
        [.., "photos"] if method == "GET" => (segments.len() - 1, "readMetadata"),
        [.., "photos", size] if method == "GET" && is_param(size) => {
            (segments.len() - 2, "readMetadata")
        }
        [.., "photos", size, "$value"] if method == "GET" && is_param(size) => {
            (segments.len() - 3, "readContent")
        }
        _ => return None,
    };
    let owner_segments = &segments[..owner_len];
    let owner = match owner_segments {
        ["me"] | ["drive", "root", "createdByUser"] => "signedInUser",
        [.., "contacts", id] if is_param(id) => "contact",
        ["users", id] if is_param(id) => "user",
        ["groups", id] if is_param(id) => "group",
        ["teams", id] if is_param(id) => "team",
        _ => return None,
    };
    Some(PhotoOperation {
        kind,
        owner,
        needs_signed_in_user: matches!(owner_segments.first(), Some(&"me" | &"drive")),
    })
}

/// The rows for `operation` with `scheme` on API `version`, in table order (least privileged
/// first), [`NOT_SUPPORTED`] rows included.
pub fn applying<'r>(
    rows: &'r [Row],
    operation: &PhotoOperation,
    version: &str,
    scheme: &str,
) -> Vec<&'r Row> {
    if scheme == "application" && operation.needs_signed_in_user {
        return Vec::new();
    }
    rows.iter()
        .filter(|row| {
            row.version == version
                && row.scheme == scheme
                && row.operation == operation.kind
                && row.owner == operation.owner
        })
        .collect()
}

/// Whether the table has anything to say about `operation` on `version`: a row of any scheme.
pub fn covers(rows: &[Row], operation: &PhotoOperation, version: &str) -> bool {
    rows.iter().any(|row| {
        row.version == version && row.operation == operation.kind && row.owner == operation.owner
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_table_parses() {
        let rows = parse(TABLE).unwrap_or_else(|error| panic!("spec/permissions.csv:{error}"));
        assert_eq!(rows.len(), TABLE.lines().count() - 1);
        assert_eq!(rows, super::rows());
    }

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
            parse(&format!(
                "{header}\n{NOT_SUPPORTED},application,delete,team,v1.0,yes,docs"
            )),
            Err(format!(
                "2: a `{NOT_SUPPORTED}` row is not least privileged"
            ))
        );
        assert_eq!(
            parse(&format!("{header}\nUser.Read,delegatedWork")),
            Err("2: expected 7 fields".into())
        );
        assert!(parse("permission,scheme\n").is_err());
    }

    #[test]
    fn operations_are_classified_by_method_and_path() {
        let of = |method, path| classify(method, path).map(|op| (op.kind, op.owner));
        assert_eq!(
            of("GET", "/me/photo/$value"),
            Some(("readContent", "signedInUser"))
        );
        assert_eq!(
            of("GET", "/me/photos/{size}"),
            Some(("readMetadata", "signedInUser"))
        );
        assert_eq!(
            of("GET", "/users/{user-id}/contacts/{contact-id}/photo"),
            Some(("readMetadata", "contact"))
        );
        assert_eq!(
            of("PATCH", "/drive/root/createdByUser/photo"),
            Some(("updateMetadata", "signedInUser"))
        );
        assert_eq!(
            of("PUT", "/teams/{team-id}/photo/$value"),
            Some(("updateContent", "team"))
        );
        assert_eq!(
            of("GET", "/groups/{group-id}/photos/{profilePhoto-id}/$value"),
            Some(("readContent", "group"))
        );
        assert_eq!(
            of("DELETE", "/teams/{team-id}/photo"),
            Some(("delete", "team"))
        );
        assert_eq!(of("POST", "/teams/{team-id}/photo"), None);
        assert_eq!(of("GET", "/teams/{team-id}"), None);
        assert_eq!(of("GET", "/sites/{site-id}/photo"), None);
        assert!(
            classify("GET", "/me/contacts/{contact-id}/photo")
                .is_some_and(|op| op.needs_signed_in_user)
        );
        assert!(
            classify("GET", "/users/{user-id}/photo").is_some_and(|op| !op.needs_signed_in_user)
        );
    }
}
