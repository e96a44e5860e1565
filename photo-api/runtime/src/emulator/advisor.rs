//! The least-privilege advisor: which operations each client called, with which kind of token,
//! on which API version and holding which permissions, and what it should have asked for
//! instead ([`least_privileged`]). Served as JSON at [`PERMISSIONS_PATH`] and printed by
//! `photo-emulator serve` when it stops.
//!
//! A client is the app a token was issued to (`appid`, else `azp`), else the token's subject.
//! Every call whose token is accepted counts, refused ones included: a call refused for want of
//! a permission still shows what the app needs.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::least_privilege::least_privileged;
use crate::operation::{OperationSpec, TokenKind};
use crate::server::{CallObserver, Principal};

/// Where the emulator serves the [`PermissionReport`], outside the Graph routes.
pub const PERMISSIONS_PATH: &str = "/_emulator/permissions";

/// What one client did with one kind of token on one API version.
struct Usage {
    kind: TokenKind,
    operations: BTreeMap<&'static str, &'static OperationSpec>,
    granted: BTreeSet<String>,
}

/// Token kind (its scheme's name) and API version: how one client's calls are grouped.
type UsageKey = (&'static str, Option<&'static str>);

/// Records the calls the emulator's routes accept tokens for; a [`CallObserver`].
#[derive(Default)]
pub struct PermissionLog {
    clients: Mutex<BTreeMap<String, BTreeMap<UsageKey, Usage>>>,
}

impl CallObserver for PermissionLog {
    fn observe(
        &self,
        principal: &Principal,
        op: &'static OperationSpec,
        version: Option<&'static str>,
    ) {
        let client = principal
            .client_id
            .clone()
            .unwrap_or_else(|| principal.subject.clone());
        let key = (scheme_name(principal.kind, op), version);
        let mut clients = self.clients.lock().unwrap_or_else(PoisonError::into_inner);
        let usage = clients
            .entry(client)
            .or_default()
            .entry(key)
            .or_insert_with(|| Usage {
                kind: principal.kind,
                operations: BTreeMap::new(),
                granted: BTreeSet::new(),
            });
        usage.operations.insert(op.id, op);
        for permission in &principal.permissions {
            if !usage.granted.contains(permission) {
                usage.granted.insert(permission.clone());
            }
        }
    }
}

impl PermissionLog {
    /// What was recorded so far, with the advice for each client, token kind and version.
    pub fn report(&self) -> PermissionReport {
        let clients = self.clients.lock().unwrap_or_else(PoisonError::into_inner);
        let clients = clients
            .iter()
            .map(|(client_id, usages)| ClientReport {
                client_id: client_id.clone(),
                usage: usages
                    .iter()
                    .map(|((token_kind, api_version), usage)| {
                        usage_report(token_kind, *api_version, usage)
                    })
                    .collect(),
            })
            .collect();
        PermissionReport { clients }
    }
}

fn usage_report(token_kind: &str, api_version: Option<&str>, usage: &Usage) -> UsageReport {
    let operations: Vec<&OperationSpec> = usage.operations.values().copied().collect();
    let advice = least_privileged(&operations, usage.kind, api_version);
    let owned = |items: Vec<&str>| items.into_iter().map(str::to_owned).collect();
    UsageReport {
        token_kind: token_kind.to_owned(),
        api_version: api_version.map(str::to_owned),
        operations: usage.operations.keys().map(|id| (*id).to_owned()).collect(),
        granted: usage.granted.iter().cloned().collect(),
        unneeded: owned(advice.unneeded(usage.granted.iter().map(String::as_str))),
        least_privileged: owned(advice.least_privileged),
        uncoverable: owned(advice.uncoverable),
    }
}

/// The spec's name for the scheme of `kind`, such as `delegatedWork`, as `op` declares it (among
/// its alternatives or its unsupported schemes); the kind's label when it names none.
fn scheme_name(kind: TokenKind, op: &OperationSpec) -> &'static str {
    let alternatives = op.security.iter().chain(
        op.security_by_version
            .iter()
            .flat_map(|version| version.security),
    );
    alternatives
        .map(|alternative| alternative.scheme)
        .chain(op.unsupported_schemes.iter().copied())
        .find(|scheme| scheme.kind == kind)
        .map_or(kind.label(), |scheme| scheme.name)
}

/// The route serving `log`'s report at [`PERMISSIONS_PATH`].
pub(super) fn routes(log: Arc<PermissionLog>) -> Router {
    Router::new().route(
        PERMISSIONS_PATH,
        get(move || async move { Json(log.report()) }),
    )
}

/// The advisor's report: one entry per client, sorted by client id.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PermissionReport {
    /// The clients that called, sorted by id.
    pub clients: Vec<ClientReport>,
}

/// What one client called, per token kind and API version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientReport {
    /// The token's `appid`, else its `azp`, else its subject (`oid`, else `sub`).
    pub client_id: String,
    /// One entry per token kind and API version the client used, sorted by both.
    pub usage: Vec<UsageReport>,
}

/// One client's calls with one kind of token on one API version, and the advice for them. Every
/// list is sorted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageReport {
    /// The security scheme of the tokens: `delegatedWork`, `delegatedPersonal` or `application`.
    pub token_kind: String,
    /// The API version called (`v1.0`, `beta`); `null` for routes serving no single version.
    pub api_version: Option<String>,
    /// The ids of the operations called, whether allowed or refused.
    pub operations: Vec<String>,
    /// Every permission the client's tokens carried on these calls.
    pub granted: Vec<String>,
    /// The least privileged permissions that authorize every operation called that any
    /// permission can authorize: what to request.
    pub least_privileged: Vec<String>,
    /// Granted permissions outside `least_privileged`: asked for, never needed.
    pub unneeded: Vec<String>,
    /// Operations called that no permission of this token kind authorizes on this version.
    pub uncoverable: Vec<String>,
}

impl fmt::Display for PermissionReport {
    /// A plain-text form: a paragraph per client, token kind and version.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.clients.is_empty() {
            return writeln!(f, "No client called an operation.");
        }
        let line = |f: &mut fmt::Formatter<'_>, label: &str, items: &[String]| {
            let items = if items.is_empty() {
                "(none)".to_owned()
            } else {
                items.join(", ")
            };
            writeln!(f, "  {label:<22}{items}")
        };
        for client in &self.clients {
            for usage in &client.usage {
                let version = usage.api_version.as_deref().unwrap_or("every version");
                writeln!(
                    f,
                    "{}, {} tokens, {version}:",
                    client.client_id, usage.token_kind
                )?;
                line(f, "called:", &usage.operations)?;
                line(f, "granted:", &usage.granted)?;
                line(f, "least privileged:", &usage.least_privileged)?;
                line(f, "granted, not needed:", &usage.unneeded)?;
                if !usage.uncoverable.is_empty() {
                    line(f, "no permission allows:", &usage.uncoverable)?;
                }
            }
        }
        Ok(())
    }
}
