//! Microsoft's tables as the security of a description of Microsoft's own. Its OAuth scheme
//! (Microsoft's identity platform) declares only the authorization-code flow and its operations
//! name no permissions, so read literally it would let only a user's token in, with any
//! permission. Graph judges tokens by its permission tables; so does the generated code.

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::locate::Locator;
use crate::model::{
    Api, Operation, SecurityAlternative, SecurityScheme, TokenKind, VersionSecurity,
};
use crate::names;
use crate::spec::Document;

use super::{PhotoOperation, SCHEMES, applying, classify, covers, rows};

/// The token kinds of the table's schemes, in [`SCHEMES`] order.
const KINDS: [TokenKind; 3] = [
    TokenKind::DelegatedWork,
    TokenKind::DelegatedPersonal,
    TokenKind::Application,
];

/// Gives the operations of `api` the rows of Microsoft's tables that apply to them, when `api`
/// is a description of Microsoft's that names no permissions (its OAuth schemes are Microsoft's
/// identity platform, and no operation lists a scope); otherwise leaves it as it is.
///
/// A scheme is added for each token kind the description lacks (a personal account's and an
/// application's token). An operation the tables do not cover may be called with any token;
/// one warning, at the first such operation, names how many there are.
pub fn apply(api: &mut Api, doc: &Document, locator: &Locator, warnings: &mut Diagnostics) {
    let microsoft: Vec<String> = api
        .schemes
        .iter()
        .filter(|scheme| is_microsoft_identity(doc, scheme))
        .map(|scheme| scheme.name.clone())
        .collect();
    let names_permissions = api
        .operations
        .iter()
        .any(|op| all_alternatives(op).any(|alternative| !alternative.scopes.is_empty()));
    if microsoft.is_empty() || names_permissions {
        return;
    }
    let versions = versions(api);
    let schemes = KINDS.map(|kind| scheme_for(api, &microsoft, kind));
    let table = rows();
    let mut uncovered: Vec<&Operation> = Vec::new();
    for op in &mut api.operations {
        let guarded = !op.security.is_empty()
            && op.security_by_version.is_empty()
            && op
                .security
                .iter()
                .all(|alternative| microsoft.contains(&alternative.scheme));
        if !guarded {
            continue;
        }
        let covered = classify(op.method.upper(), &op.path).filter(|photo| {
            !versions.is_empty() && versions.iter().all(|version| covers(table, photo, version))
        });
        match covered {
            Some(photo) => give_rows(op, &photo, &versions, &schemes),
            None => {
                op.security = schemes
                    .iter()
                    .map(|scheme| SecurityAlternative {
                        scheme: scheme.clone(),
                        scopes: Vec::new(),
                    })
                    .collect();
                uncovered.push(op);
            }
        }
    }
    warn_uncovered(&uncovered, locator, warnings);
}

/// Every alternative of `op`, on every API version.
fn all_alternatives(op: &Operation) -> impl Iterator<Item = &SecurityAlternative> {
    op.security.iter().chain(
        op.security_by_version
            .iter()
            .flat_map(|entry| entry.security.iter()),
    )
}

/// Whether `scheme` is an OAuth scheme whose flows are Microsoft's identity platform.
fn is_microsoft_identity(doc: &Document, scheme: &SecurityScheme) -> bool {
    const HOSTS: [&str; 4] = [
        "://login.microsoftonline.com/",
        "://login.microsoftonline.us/",
        "://login.partner.microsoftonline.cn/",
        "://login.chinacloudapi.cn/",
    ];
    if !KINDS.contains(&scheme.kind) {
        return false;
    }
    let Some(flows) = doc
        .components
        .security_schemes
        .get(&scheme.name)
        .and_then(|declared| declared.flows.as_ref())
    else {
        return false;
    };
    flows.all().iter().any(|(_, flow)| {
        [&flow.authorization_url, &flow.token_url]
            .into_iter()
            .flatten()
            .any(|url| HOSTS.iter().any(|host| url.contains(host)))
    })
}

/// The API versions request paths start with: the values of the server's path variable, else
/// the last segment of the server URL's path (`v1.0` in `https://graph.microsoft.com/v1.0/`).
fn versions(api: &Api) -> Vec<String> {
    let Some(servers) = &api.servers else {
        return Vec::new();
    };
    if let Some(variable) = servers.path_variable() {
        return variable
            .values
            .iter()
            .map(|value| value.value.clone())
            .collect();
    }
    let template = servers.path_template();
    template
        .rsplit('/')
        .next()
        .filter(|segment| !segment.is_empty())
        .map(|segment| vec![segment.to_owned()])
        .unwrap_or_default()
}

/// The name of the scheme whose tokens are of `kind`: one of the description's Microsoft
/// schemes, else one added to `api` for it.
fn scheme_for(api: &mut Api, microsoft: &[String], kind: TokenKind) -> String {
    if let Some(scheme) = api
        .schemes
        .iter()
        .find(|scheme| scheme.kind == kind && microsoft.contains(&scheme.name))
    {
        return scheme.name.clone();
    }
    let name = names::unique(kind.clone().spec_name(), |name| {
        api.schemes.iter().any(|scheme| scheme.name == name)
    });
    let rust_name = names::screaming(&name).unwrap_or_else(|| name.to_ascii_uppercase());
    api.schemes.push(SecurityScheme {
        name: name.clone(),
        rust_name,
        kind: kind.clone(),
        description: Some(format!(
            "{} tokens of Microsoft's identity platform: Microsoft's permission tables allow \
             them where the description declares no flow for them.",
            match kind {
                TokenKind::DelegatedPersonal => "Personal accounts'",
                TokenKind::Application => "Applications'",
                _ => "Users'",
            }
        )),
        scopes: Vec::new(),
    });
    name
}

/// Sets `op`'s alternatives to the table's rows: those of the first version as its `security`,
/// those of any other version where they differ as `security_by_version`, and the schemes with
/// no permission on any version as not supported.
fn give_rows(
    op: &mut Operation,
    photo: &PhotoOperation,
    versions: &[String],
    schemes: &[String; 3],
) {
    let table = rows();
    let on = |version: &str| -> Vec<SecurityAlternative> {
        SCHEMES
            .iter()
            .zip(schemes)
            .flat_map(|(kind, scheme)| {
                applying(table, photo, version, kind)
                    .into_iter()
                    .filter(|row| row.is_permission())
                    .map(|row| SecurityAlternative {
                        scheme: scheme.clone(),
                        scopes: vec![row.permission.clone()],
                    })
            })
            .collect()
    };
    let per_version: Vec<Vec<SecurityAlternative>> =
        versions.iter().map(|version| on(version)).collect();
    op.security = per_version.first().cloned().unwrap_or_default();
    op.security_by_version = versions
        .iter()
        .zip(&per_version)
        .skip(1)
        .filter(|(_, security)| **security != op.security)
        .map(|(version, security)| VersionSecurity {
            version: version.clone(),
            security: security.clone(),
        })
        .collect();
    op.unsupported_schemes = schemes
        .iter()
        .filter(|scheme| {
            !per_version
                .iter()
                .flatten()
                .any(|alternative| &alternative.scheme == *scheme)
        })
        .cloned()
        .collect();
}

/// One warning for every operation no table covers, at the first of them: a whole Microsoft
/// module has hundreds, and one line per operation would bury every other warning.
fn warn_uncovered(uncovered: &[&Operation], locator: &Locator, warnings: &mut Diagnostics) {
    let Some(first) = uncovered.first() else {
        return;
    };
    let what = match uncovered.len() {
        1 => format!("`{}` (`{} {}`)", first.id, first.method.upper(), first.path),
        count => format!(
            "{count} operations, the first `{}` (`{} {}`),",
            first.id,
            first.method.upper(),
            first.path
        ),
    };
    warnings.push(
        Diagnostic {
            location: locator.locate(&first.pointer()),
            message: format!(
                "no permission table of Microsoft's covers {what} and the description names no permissions: any token with a valid signature may call {}",
                if uncovered.len() == 1 { "it" } else { "them" }
            ),
            hint: Some(
                "the tables (`spec/permissions.csv`) cover the photos of me, users, groups, contacts and teams".into(),
            ),
        },
        locator.text(),
    );
}
