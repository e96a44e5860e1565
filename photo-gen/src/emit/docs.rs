//! Rustdoc for operations: method and path, summary, description and the permission table.

use proc_macro2::TokenStream;

use super::doc_lines;
use crate::model::{Api, Operation};

/// The permission table, one row per security scheme, least privileged first.
pub fn permissions(api: &Api, op: &Operation) -> String {
    let mut out = String::from(
        "# Permissions\n\n| Permission type | Permissions (least to most privileged) |\n|---|---|\n",
    );
    for scheme in &api.schemes {
        let allowed: Vec<String> = op
            .security
            .iter()
            .filter(|alt| alt.scheme == scheme.name)
            .map(|alt| alt.scopes.join(" + "))
            .collect();
        let label = match scheme.kind {
            crate::model::TokenKind::DelegatedWork => "Delegated (work or school account)",
            crate::model::TokenKind::DelegatedPersonal => "Delegated (personal Microsoft account)",
            crate::model::TokenKind::Application => "Application",
        };
        let cell = if allowed.is_empty() {
            "Not supported.".to_owned()
        } else {
            allowed.join(", ")
        };
        out.push_str(&format!("| {label} (`{}`) | {cell} |\n", scheme.name));
    }
    if op.security.is_empty() {
        out.push_str("\nNo permission allows this operation: every token is refused.\n");
    }
    out
}

/// The full doc comment of an operation.
pub fn operation(api: &Api, op: &Operation) -> TokenStream {
    let mut text = format!("`{} {}`", op.method.upper(), op.path);
    if let Some(summary) = &op.summary {
        text.push_str(&format!(": {summary}."));
    }
    if let Some(description) = &op.description {
        text.push_str(&format!("\n\n{description}"));
    }
    text.push_str(&format!(
        "\n\nOperation `{}`.\n\n{}",
        op.id,
        permissions(api, op)
    ));
    doc_lines(&text)
}
