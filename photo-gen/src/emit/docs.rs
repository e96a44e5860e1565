//! Rustdoc for operations: method and path, summary, description and permissions.

use proc_macro2::TokenStream;

use super::doc_lines;
use crate::model::{Api, Operation, Param, ParamLocation, SecurityAlternative, SecurityScheme};

/// Per security scheme, in spec order: the scheme and the permissions of `security` it grants,
/// least privileged first (a `+` joins permissions needed together). Schemes are named as the
/// spec names them: what a kind of token is called in words is the runtime's `TokenKind::label`,
/// which the generated docs do not repeat.
fn grants<'a>(
    api: &'a Api,
    security: &[SecurityAlternative],
) -> impl Iterator<Item = (&'a SecurityScheme, Vec<String>)> {
    api.schemes.iter().map(|scheme| {
        let allowed = security
            .iter()
            .filter(|alt| alt.scheme == scheme.name)
            .map(|alt| {
                if alt.scopes.is_empty() {
                    // `- scheme: []`, as Graph's descriptions write it: any token of the scheme.
                    "any token, no permission needed".to_owned()
                } else {
                    alt.scopes.join(" + ")
                }
            })
            .collect();
        (scheme, allowed)
    })
}

/// Each permission table of `op` with the versions it applies to: one table for every version
/// when its permissions do not differ by version, else the default first (`None`: "every other
/// version") and then one per version with its own.
fn tables(op: &Operation) -> Vec<(Option<&str>, &[SecurityAlternative])> {
    let mut out = vec![(None, op.security.as_slice())];
    out.extend(
        op.security_by_version
            .iter()
            .map(|entry| (Some(entry.version.as_str()), entry.security.as_slice())),
    );
    out
}

/// Where a table applies, as a heading: empty when the operation has a single table.
fn applies_to(op: &Operation, version: Option<&str>) -> String {
    match version {
        _ if op.security_by_version.is_empty() => String::new(),
        Some(version) => format!("On `{version}`"),
        None => {
            let others: Vec<String> = op
                .security_by_version
                .iter()
                .map(|entry| format!("`{}`", entry.version))
                .collect();
            format!("On every version but {}", others.join(", "))
        }
    }
}

/// The permission tables, one row per security scheme, least privileged first (one table per
/// API version where the permissions differ by version): the doc of each distinct permission
/// list, in the module beside `schemes`, whose statics each row links to (their docs are the
/// spec's descriptions of the schemes).
pub fn permission_table(api: &Api, op: &Operation) -> String {
    let mut out = String::new();
    for (version, security) in tables(op) {
        let heading = applies_to(op, version);
        if !heading.is_empty() {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&format!("{heading}:\n\n"));
        }
        out.push_str("| Security scheme | Permissions (least to most privileged) |\n|---|---|\n");
        for (scheme, allowed) in grants(api, security) {
            let cell = if allowed.is_empty() {
                "Not supported.".to_owned()
            } else {
                allowed.join(", ")
            };
            out.push_str(&format!(
                "| [`{}`](schemes::{}) | {cell} |\n",
                scheme.name, scheme.rust_name
            ));
        }
        if security.is_empty() {
            out.push_str("\nNo permission allows this operation: every token is refused.\n");
        }
        if security.iter().any(SecurityAlternative::is_anonymous) {
            out.push_str(&format!("\n{ANYONE}\n"));
        }
    }
    out
}

/// Said of an operation whose security lets callers without a credential in.
const ANYONE: &str = "Anyone may call this operation without a credential.";

/// The permissions of `op` in one sentence (one per API version where they differ), for its
/// method docs: a line per operation keeps the generated files small, and the full table is on
/// the operation's permission list.
pub fn permission_summary(api: &Api, op: &Operation) -> String {
    let mut sentences = Vec::new();
    for (version, security) in tables(op) {
        let mut out = applies_to(op, version);
        if !out.is_empty() {
            out.push_str(", p");
        } else {
            out.push('P');
        }
        if security.is_empty() {
            out.push_str("ermissions: none; every token is refused.");
            sentences.push(out);
            continue;
        }
        out.push_str("ermissions (least to most privileged):");
        for (scheme, allowed) in grants(api, security) {
            let name = &scheme.name;
            if allowed.is_empty() {
                out.push_str(&format!(" `{name}`: not supported."));
            } else {
                out.push_str(&format!(" `{name}`: {}.", allowed.join(", ")));
            }
        }
        if security.iter().any(SecurityAlternative::is_anonymous) {
            out.push(' ');
            out.push_str(ANYONE);
        }
        sentences.push(out);
    }
    sentences.join(" ")
}

/// The doc comment of a client method: method and path, summary, description, operation id
/// and permissions.
pub fn operation(api: &Api, op: &Operation) -> TokenStream {
    let mut text = heading(op);
    text.push_str(&format!(
        "\n\nOperation `{}`. {}",
        op.id,
        permission_summary(api, op)
    ));
    doc_lines(&text)
}

/// The doc comment of a server trait method: as the client's, but the permissions are a link
/// to `permissions` (the operation's list in `operations::permissions`): the router has already
/// checked them when the method is called.
pub fn server_operation(op: &Operation, permissions: &syn::Ident) -> TokenStream {
    let mut text = heading(op);
    if tables(op).iter().all(|(_, security)| security.is_empty()) {
        text.push_str(&format!(
            "\n\nOperation `{}`. No permission allows it: the router refuses every request, so this method is never called.",
            op.id
        ));
    } else {
        text.push_str(&format!(
            "\n\nOperation `{}`, called once the caller holds one of [its permissions](super::operations::permissions::{permissions}).",
            op.id
        ));
    }
    doc_lines(&text)
}

/// Method and path, then the summary and description when the spec has them.
fn heading(op: &Operation) -> String {
    let mut text = format!("`{} {}`", op.method.upper(), op.path);
    if let Some(summary) = &op.summary {
        text.push_str(&format!(": {summary}."));
    }
    if let Some(description) = &op.description {
        text.push_str(&format!("\n\n{description}"));
    }
    if let Some(note) = &op.type_name_note {
        text.push_str(&format!("\n\n{note}"));
    }
    text
}

/// The doc of a parameter's field or setter: `lead` ("The", "Sets the"), where the parameter
/// goes, its name and its description.
pub fn parameter(lead: &str, param: &Param) -> TokenStream {
    let mut text = format!(
        "{lead} {} parameter `{}`.",
        location_word(param.location),
        param.name
    );
    if let Some(description) = &param.description {
        text.push(' ');
        text.push_str(description);
    }
    doc_lines(&text)
}

/// Where a parameter goes, as a word: `path`, `query` or `header`.
pub fn location_word(location: ParamLocation) -> &'static str {
    match location {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
    }
}
