//! Security schemes and each operation's alternatives, including the schemes an operation marks
//! as not supported (`x-unsupported-schemes`).

use super::pointer::{Pointer, ROOT};
use super::problems::Problems;
use super::{SecurityAlternative, SecurityScheme, TokenKind};
use crate::names;
use crate::spec::{Document, SecurityRequirement};

pub fn schemes(problems: &mut Problems, doc: &Document) -> Vec<SecurityScheme> {
    let mut out = Vec::new();
    for (name, scheme) in &doc.components.security_schemes {
        let pointer = Pointer::Component("securitySchemes", name);
        if scheme.scheme_type != "oauth2" {
            problems.error_value(
                &pointer.key("type"),
                format!(
                    "security scheme type `{}` is not supported",
                    scheme.scheme_type
                ),
                Some("Graph tokens are OAuth 2.0 bearer tokens: use `type: oauth2`".into()),
            );
            continue;
        }
        let flows = scheme
            .flows
            .as_ref()
            .map(|flows| flows.all())
            .unwrap_or_default();
        let kind = match scheme.extra.get("x-token-kind") {
            Some(value) => {
                match value.as_str() {
                    Some("delegatedWork") => TokenKind::DelegatedWork,
                    Some("delegatedPersonal") => TokenKind::DelegatedPersonal,
                    Some("application") => TokenKind::Application,
                    _ => {
                        problems.error_value(&pointer.key("x-token-kind"), "`x-token-kind` must be delegatedWork, delegatedPersonal or application", None);
                        continue;
                    }
                }
            }
            // Without the extension, the flow says who holds the token.
            None if flows.iter().any(|(flow, _)| *flow == "clientCredentials") => {
                TokenKind::Application
            }
            None => TokenKind::DelegatedWork,
        };
        let mut scopes: Vec<String> = Vec::new();
        for (_, flow) in &flows {
            for scope in flow.scopes.keys() {
                if !scopes.contains(scope) {
                    scopes.push(scope.clone());
                }
            }
        }
        let Some(rust_name) = names::screaming(name) else {
            problems.error(
                &pointer,
                format!("security scheme `{name}` gives no usable Rust name"),
                None,
            );
            continue;
        };
        out.push(SecurityScheme {
            name: name.clone(),
            rust_name,
            kind,
            description: scheme.description.clone(),
            scopes,
        });
    }
    out
}

/// The schemes listed under `x-unsupported-schemes` at `pointer`.
pub fn unsupported(
    problems: &mut Problems,
    schemes: &[SecurityScheme],
    value: Option<&serde_yaml::Value>,
    pointer: &Pointer,
) -> Vec<String> {
    let Some(value) = value else {
        return Vec::new();
    };
    let at = pointer.key("x-unsupported-schemes");
    let Some(list) = value.as_sequence() else {
        problems.error_value(
            &at,
            "`x-unsupported-schemes` must be a list of security scheme names",
            None,
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for (position, item) in list.iter().enumerate() {
        match item.as_str() {
            Some(name) if schemes.iter().any(|scheme| scheme.name == name) => {
                out.push(name.to_owned())
            }
            Some(name) => problems.error_value(
                &at.index(position),
                format!(
                    "`{name}` is not a security scheme declared in `components.securitySchemes`"
                ),
                None,
            ),
            None => {
                problems.error_value(&at.index(position), "expected a security scheme name", None)
            }
        }
    }
    out
}

/// The operation's alternatives: its own `security`, else the document's, less unsupported schemes.
pub fn alternatives(
    problems: &mut Problems,
    schemes: &[SecurityScheme],
    own: Option<&Vec<SecurityRequirement>>,
    inherited: Option<&Vec<SecurityRequirement>>,
    unsupported: &[String],
    pointer: &Pointer,
) -> Vec<SecurityAlternative> {
    let (requirements, base) = match (own, inherited) {
        (Some(own), _) => (own, pointer.key("security")),
        (None, Some(inherited)) => (inherited, ROOT.key("security")),
        (None, None) => return Vec::new(),
    };
    let mut out = Vec::new();
    for (position, requirement) in requirements.iter().enumerate() {
        let at = base.index(position);
        let mut entries = requirement.iter();
        let (Some((name, scopes)), None) = (entries.next(), entries.next()) else {
            let message = if requirement.is_empty() {
                "an empty security requirement (anonymous access) is not supported: Graph always needs a token"
            } else {
                "a security requirement naming several schemes at once is not supported"
            };
            problems.error(&at, message, None);
            continue;
        };
        let Some(scheme) = schemes.iter().find(|scheme| &scheme.name == name) else {
            problems.error(
                &at.key(name),
                format!(
                    "`{name}` is not a security scheme declared in `components.securitySchemes`"
                ),
                None,
            );
            continue;
        };
        if unsupported.contains(name) {
            if own.is_some() {
                problems.error(
                    &at.key(name),
                    format!(
                        "`{name}` is listed both as an alternative and in `x-unsupported-schemes`"
                    ),
                    None,
                );
            }
            continue;
        }
        for (index, scope) in scopes.iter().enumerate() {
            if !scheme.scopes.contains(scope) {
                problems.error_value(
                    &at.key(name).index(index),
                    format!("scope `{scope}` is not declared by security scheme `{name}`"),
                    None,
                );
            }
        }
        out.push(SecurityAlternative {
            scheme: name.clone(),
            scopes: scopes.clone(),
        });
    }
    out
}
