//! Security schemes and each operation's alternatives, including the schemes an operation marks
//! as not supported (`x-unsupported-schemes`).

use super::pointer::{Pointer, ROOT};
use super::problems::Problems;
use super::{KeyLocation, SecurityAlternative, SecurityScheme, TokenKind, VersionSecurity};
use crate::names;
use crate::spec::{Document, SecurityRequirement};

/// The declared schemes photo-gen can check, and the names of those it leaves out (with a
/// warning): requirements naming one of those are dropped.
pub fn schemes(problems: &mut Problems, doc: &Document) -> (Vec<SecurityScheme>, Vec<String>) {
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    for (name, scheme) in &doc.components.security_schemes {
        let pointer = Pointer::Component("securitySchemes", name);
        let kind = match scheme.scheme_type.as_str() {
            "oauth2" | "openIdConnect" => None,
            "apiKey" => api_key(problems, scheme, &pointer),
            "http" => match http_scheme(scheme).as_deref() {
                Some("bearer") => Some(Some(TokenKind::HttpBearer)),
                Some("basic") => Some(Some(TokenKind::HttpBasic)),
                other => {
                    problems.warning(
                        &pointer.key("scheme"),
                        format!(
                            "HTTP authentication scheme `{}` is not supported: requirements naming `{name}` are left out",
                            other.unwrap_or("")
                        ),
                        Some("bearer and basic are".into()),
                    );
                    Some(None)
                }
            },
            other => {
                problems.warning(
                    &pointer.key("type"),
                    format!(
                        "security scheme type `{other}` is not supported: requirements naming `{name}` are left out"
                    ),
                    None,
                );
                Some(None)
            }
        };
        if let Some(kind) = kind {
            match (kind, names::screaming(name)) {
                (Some(kind), Some(rust_name)) => out.push(SecurityScheme {
                    name: name.clone(),
                    rust_name,
                    kind,
                    description: scheme.description.clone(),
                    scopes: Vec::new(),
                }),
                (None, _) => skipped.push(name.clone()),
                (Some(_), None) => problems.error(
                    &pointer,
                    format!("security scheme `{name}` gives no usable Rust name"),
                    None,
                ),
            }
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
    (out, skipped)
}

/// The kind of an `apiKey` scheme at `pointer`: `Some(None)` when it is left out, with a
/// problem reported.
fn api_key(
    problems: &mut Problems,
    scheme: &crate::spec::SecurityScheme,
    pointer: &Pointer,
) -> Option<Option<TokenKind>> {
    let text = |key: &str| scheme.extra.get(key).and_then(serde_yaml::Value::as_str);
    let location = match text("in") {
        Some("header") => KeyLocation::Header,
        Some("query") => KeyLocation::Query,
        Some("cookie") => KeyLocation::Cookie,
        _ => {
            problems.error_value(
                &pointer.key("in"),
                "an `apiKey` scheme needs `in: header`, `query` or `cookie`",
                None,
            );
            return Some(None);
        }
    };
    let Some(name) = text("name").filter(|name| !name.is_empty()) else {
        problems.error(
            pointer,
            "an `apiKey` scheme needs the `name` of its header, query parameter or cookie",
            None,
        );
        return Some(None);
    };
    Some(Some(TokenKind::ApiKey {
        location,
        name: name.to_owned(),
    }))
}

/// The `scheme` of an `http` security scheme, lower case (HTTP compares it so).
fn http_scheme(scheme: &crate::spec::SecurityScheme) -> Option<String> {
    scheme
        .extra
        .get("scheme")
        .and_then(serde_yaml::Value::as_str)
        .map(str::to_ascii_lowercase)
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
/// As OpenAPI says, no `security` at all, or an empty list, lets anyone call.
pub fn alternatives(
    problems: &mut Problems,
    schemes: &[SecurityScheme],
    own: Option<&Vec<SecurityRequirement>>,
    inherited: Option<&Vec<SecurityRequirement>>,
    unsupported: &[String],
    skipped: &[String],
    pointer: &Pointer,
) -> Vec<SecurityAlternative> {
    match (own, inherited) {
        (Some(own), _) if own.is_empty() => vec![SecurityAlternative::anonymous()],
        (Some(own), _) => requirements(
            problems,
            schemes,
            own,
            &pointer.key("security"),
            unsupported,
            skipped,
            true,
        ),
        (None, Some(inherited)) if !inherited.is_empty() => requirements(
            problems,
            schemes,
            inherited,
            &ROOT.key("security"),
            unsupported,
            skipped,
            false,
        ),
        (None, _) => vec![SecurityAlternative::anonymous()],
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
    skipped: &[String],
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
        let security = requirements(
            problems,
            schemes,
            &list,
            &version_at,
            unsupported,
            skipped,
            true,
        );
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
/// schemes, and of `skipped` ones photo-gen cannot check, are dropped; `own` says the list is the operation's, where naming an unsupported
/// scheme is a contradiction.
fn requirements(
    problems: &mut Problems,
    schemes: &[SecurityScheme],
    requirements: &[SecurityRequirement],
    base: &Pointer,
    unsupported: &[String],
    skipped: &[String],
    own: bool,
) -> Vec<SecurityAlternative> {
    let mut out = Vec::new();
    for (position, requirement) in requirements.iter().enumerate() {
        let at = base.index(position);
        let mut entries = requirement.iter();
        let (Some((name, scopes)), None) = (entries.next(), entries.next()) else {
            if requirement.is_empty() {
                // `{}`: the other alternatives are optional.
                out.push(SecurityAlternative::anonymous());
            } else {
                problems.warning(
                    &at,
                    "a security requirement naming several schemes at once is not supported: this alternative is left out",
                    Some("list the schemes as separate alternatives if any one of them is enough".into()),
                );
            }
            continue;
        };
        if skipped.contains(name) {
            continue;
        }
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
        // Scopes are checked against OAuth 2.0 flows; other schemes (and OpenID Connect, whose
        // scopes live in its discovery document) name roles OpenAPI does not list.
        let declares_scopes = !scheme.scopes.is_empty();
        for (index, scope) in scopes.iter().enumerate() {
            if declares_scopes && !scheme.scopes.contains(scope) {
                problems.warning(
                    &at.key(name).index(index),
                    format!("scope `{scope}` is not declared by security scheme `{name}`: it is asked for as written"),
                    Some(format!("add `{scope}` to the scopes of `{name}`'s flows")),
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

#[cfg(test)]
mod tests {
    use crate::model::lower::test_spec::lowered;

    #[test]
    fn a_scope_the_scheme_does_not_list_is_kept_with_a_warning() {
        let api = lowered(
            "components:\n  securitySchemes:\n    oauth:\n      type: oauth2\n      flows:\n        clientCredentials:\n          tokenUrl: https://login.example.com/token\n          scopes: {Read: Read.}\npaths:\n  /a:\n    get:\n      operationId: get_A\n      security: [{oauth: [Read, Admin]}]\n      responses: {'204': {description: Done.}}\n",
        );
        assert_eq!(api.operations[0].security[0].scopes, ["Read", "Admin"]);
        assert_eq!(
            api.warnings.short(),
            "spec.yaml:15:33: warning: scope `Admin` is not declared by security scheme `oauth`: it is asked for as written\n"
        );
    }
}
