//! Rustdoc for operations: method and path, summary, description and permissions.

use proc_macro2::TokenStream;

use super::doc_lines;
use crate::model::{Api, Operation, Param, ParamLocation, TokenKind};

/// The label of a token kind, as Microsoft's permission tables name it.
fn kind_label(kind: TokenKind) -> &'static str {
    match kind {
        TokenKind::DelegatedWork => "Delegated (work or school account)",
        TokenKind::DelegatedPersonal => "Delegated (personal Microsoft account)",
        TokenKind::Application => "Application",
    }
}

/// Per security scheme, in spec order: its label, its spec name and the permissions of `op` it
/// grants, least privileged first (a `+` joins permissions needed together).
fn grants<'a>(
    api: &'a Api,
    op: &Operation,
) -> impl Iterator<Item = (&'static str, &'a str, Vec<String>)> {
    api.schemes.iter().map(|scheme| {
        let allowed = op
            .security
            .iter()
            .filter(|alt| alt.scheme == scheme.name)
            .map(|alt| alt.scopes.join(" + "))
            .collect();
        (kind_label(scheme.kind), scheme.name.as_str(), allowed)
    })
}

/// The permission table, one row per security scheme, least privileged first: the doc of each
/// distinct permission list.
pub fn permission_table(api: &Api, op: &Operation) -> String {
    let mut out =
        String::from("| Permission type | Permissions (least to most privileged) |\n|---|---|\n");
    for (label, name, allowed) in grants(api, op) {
        let cell = if allowed.is_empty() {
            "Not supported.".to_owned()
        } else {
            allowed.join(", ")
        };
        out.push_str(&format!("| {label} (`{name}`) | {cell} |\n"));
    }
    if op.security.is_empty() {
        out.push_str("\nNo permission allows this operation: every token is refused.\n");
    }
    out
}

/// The permissions of `op` in one sentence, for its method docs: a line per operation keeps the
/// generated files small, and the full table is on the operation's permission list.
pub fn permission_summary(api: &Api, op: &Operation) -> String {
    if op.security.is_empty() {
        return "Permissions: none; every token is refused.".to_owned();
    }
    let mut out = String::from("Permissions (least to most privileged):");
    for (label, _, allowed) in grants(api, op) {
        if allowed.is_empty() {
            out.push_str(&format!(" {label}: not supported."));
        } else {
            out.push_str(&format!(" {label}: {}.", allowed.join(", ")));
        }
    }
    out
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
    if op.security.is_empty() {
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
