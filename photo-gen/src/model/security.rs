//! Security schemes and each operation's alternatives, including the schemes an operation marks
//! as not supported (`x-unsupported-schemes`).

use super::pointer::{Pointer, ROOT};
use super::problems::Problems;
use super::{SecurityAlternative, SecurityScheme, TokenKind, VersionSecurity};
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
    match (own, inherited) {
        (Some(own), _) => requirements(
            problems,
            schemes,
            own,
            &pointer.key("security"),
            unsupported,
            true,
        ),
        (None, Some(inherited)) => requirements(
            problems,
            schemes,
            inherited,
            &ROOT.key("security"),
            unsupported,
            false,
        ),
        (None, None) => Vec::new(),
    }
}

/// The operation's `x-security-by-version` at `pointer`: for each value of the server's path
/// variable it names (such as `beta`), the alternatives that replace `security` on that version.
/// Listed in the order of the variable's values, so equal specs give equal models.
pub fn by_version(
    problems: &mut Problems,
    doc: &Document,
    schemes: &[SecurityScheme],
    value: Option<&serde_yaml::Value>,
    unsupported: &[String],
    pointer: &Pointer,
) -> Vec<VersionSecurity> {
    let Some(value) = value else {
        return Vec::new();
    };
    let at = pointer.key("x-security-by-version");
    let Some(map) = value.as_mapping() else {
        problems.error_value(
            &at,
            "`x-security-by-version` must map API versions to lists of security requirements",
            Some("for example `{beta: [{delegatedWork: [User.ReadWrite]}]}`".into()),
        );
        return Vec::new();
    };
    let versions = path_versions(doc);
    let mut out = Vec::new();
    for (key, requirements_value) in map {
        let Some(version) = key.as_str() else {
            problems.error(&at, "`x-security-by-version` keys must be strings", None);
            continue;
        };
        let version_at = at.key(version);
        if !versions.contains(&version) {
            problems.error(
                &version_at,
                format!("`{version}` is not a value of a server variable that prefixes the paths"),
                Some(format!("use one of: {}", versions.join(", "))),
            );
            continue;
        }
        let list: Vec<SecurityRequirement> =
            match serde_yaml::from_value(requirements_value.clone()) {
                Ok(list) => list,
                Err(err) => {
                    problems.error_value(
                        &version_at,
                        format!("expected a list of security requirements: {err}"),
                        Some("write it as an operation's `security` is written".into()),
                    );
                    continue;
                }
            };
        let security = requirements(problems, schemes, &list, &version_at, unsupported, true);
        out.push(VersionSecurity {
            version: version.to_owned(),
            security,
        });
    }
    out.sort_by_key(|entry| versions.iter().position(|v| *v == entry.version));
    out
}

/// The values of the first server's first variable that is a path segment rather than a root
/// (as the generated router mounts them): the API versions a request path starts with.
fn path_versions(doc: &Document) -> Vec<&str> {
    let Some(server) = doc.servers.first() else {
        return Vec::new();
    };
    server
        .variables
        .values()
        .map(|variable| match &variable.values {
            Some(values) => values.iter().map(String::as_str).collect(),
            None => vec![variable.default.as_str()],
        })
        .find(|values: &Vec<&str>| {
            !values
                .iter()
                .all(|value| value.starts_with("http://") || value.starts_with("https://"))
        })
        .unwrap_or_default()
}

/// Lowers one list of security requirements written at `base`. Requirements of unsupported
/// schemes are dropped; `own` says the list is the operation's, where naming an unsupported
/// scheme is a contradiction.
fn requirements(
    problems: &mut Problems,
    schemes: &[SecurityScheme],
    requirements: &[SecurityRequirement],
    base: &Pointer,
    unsupported: &[String],
    own: bool,
) -> Vec<SecurityAlternative> {
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
            if own {
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
