//! The claims of a Microsoft identity platform access token that decide who the caller is and
//! what it may do, shared by every authorizer that reads JWTs.

use serde::Deserialize;

use crate::claims::{Grant, classify};
use crate::operation::TokenKind;

use super::principal::{AuthError, Principal};

/// The claims the server reads; any others are ignored.
#[derive(Debug, Default, Deserialize)]
pub(super) struct Claims {
    /// Delegated permissions, space separated. Its presence makes a token delegated.
    #[serde(default)]
    scp: Option<String>,
    /// Application permissions.
    #[serde(default)]
    roles: Option<Vec<String>>,
    /// The issuing tenant; the consumer tenant marks a personal account.
    #[serde(default)]
    tid: Option<String>,
    /// The object id of the user or service principal.
    #[serde(default)]
    oid: Option<String>,
    #[serde(default)]
    sub: Option<String>,
    /// The app the token was issued to, in v1.0 tokens.
    #[serde(default)]
    appid: Option<String>,
    /// The app the token was issued to, in v2.0 tokens.
    #[serde(default)]
    azp: Option<String>,
    /// Expiry, seconds since the epoch; `jsonwebtoken` accepts integers and fractions.
    #[serde(default, deserialize_with = "numeric_date")]
    exp: Option<u64>,
    /// Start of validity, seconds since the epoch.
    #[serde(default, deserialize_with = "numeric_date")]
    nbf: Option<u64>,
}

/// A NumericDate as `jsonwebtoken` reads it: a non-negative number, rounded to whole seconds.
/// Anything else counts as absent here; `jsonwebtoken` has refused such tokens already.
fn numeric_date<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<u64>, D::Error> {
    let value = Option::<serde_json::Value>::deserialize(deserializer)?;
    Ok(value.and_then(|value| match value {
        serde_json::Value::Number(number) => number.as_u64().or_else(|| {
            number
                .as_f64()
                .filter(|seconds| {
                    seconds.is_finite() && *seconds >= 0.0 && *seconds < u64::MAX as f64
                })
                .map(|seconds| seconds.round() as u64)
        }),
        _ => None,
    }))
}

impl Claims {
    /// The `exp` claim, if it is a number.
    pub(super) fn expires(&self) -> Option<u64> {
        self.exp
    }

    /// The `nbf` claim, if it is a number.
    pub(super) fn not_before(&self) -> Option<u64> {
        self.nbf
    }

    /// The caller the claims describe, its kind and permissions as [`classify`] reads them.
    pub(super) fn into_principal(self) -> Result<Principal, AuthError> {
        let first_present =
            |ids: [Option<String>; 2]| ids.into_iter().flatten().find(|id| !id.is_empty());
        let subject = first_present([self.oid, self.sub])
            .ok_or_else(|| AuthError::MissingClaim("oid".to_owned()))?;
        let client_id = first_present([self.appid, self.azp]);
        let roles = self
            .roles
            .as_ref()
            .map(|roles| roles.iter().map(String::as_str));
        // A token without `scp` or `roles` is an app's own token granted no permission: Microsoft
        // leaves `roles` out when an app holds none.
        let Grant { kind, permissions } = classify(self.scp.as_deref(), roles, self.tid.as_deref())
            .unwrap_or(Grant {
                kind: TokenKind::Application,
                permissions: Vec::new(),
            });
        Ok(Principal {
            subject,
            kind,
            permissions,
            tenant_id: self.tid,
            client_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(json: &str) -> Result<Principal, AuthError> {
        serde_json::from_str::<Claims>(json)
            .expect("test claims")
            .into_principal()
    }

    #[test]
    fn scp_makes_a_delegated_principal() {
        let work = principal(r#"{"oid":"u1","scp":"User.Read  User.ReadWrite","tid":"t1"}"#)
            .expect("valid claims");
        assert_eq!(work.kind, TokenKind::DelegatedWork);
        assert_eq!(work.permissions, ["User.Read", "User.ReadWrite"]);
        assert_eq!(work.tenant_id.as_deref(), Some("t1"));
        // The consumer tenant's id is a GUID: upper case is the same tenant, as in the client.
        let upper = TokenKind::CONSUMER_TENANT_ID.to_ascii_uppercase();
        for tid in [TokenKind::CONSUMER_TENANT_ID, upper.as_str()] {
            let personal = principal(&format!(
                r#"{{"sub":"u2","scp":"User.Read","tid":"{tid}"}}"#
            ))
            .expect("valid claims");
            assert_eq!(personal.kind, TokenKind::DelegatedPersonal, "{tid}");
            assert_eq!(personal.subject, "u2");
        }
    }

    #[test]
    fn roles_make_an_application_principal() {
        let app = principal(r#"{"oid":"sp","roles":["User.Read.All"],"scp_not":"x"}"#)
            .expect("valid claims");
        assert_eq!(app.kind, TokenKind::Application);
        assert_eq!(app.permissions, ["User.Read.All"]);
        let bare = principal(r#"{"oid":"sp"}"#).expect("valid claims");
        assert_eq!(bare.kind, TokenKind::Application);
        assert!(bare.permissions.is_empty());
    }

    #[test]
    fn the_client_is_appid_else_azp() {
        let client = |json: &str| principal(json).expect("valid claims").client_id;
        assert_eq!(
            client(r#"{"oid":"u","appid":"a1","azp":"a2"}"#).as_deref(),
            Some("a1")
        );
        assert_eq!(
            client(r#"{"oid":"u","appid":"","azp":"a2"}"#).as_deref(),
            Some("a2")
        );
        assert_eq!(client(r#"{"oid":"u"}"#), None);
    }

    #[test]
    fn a_subject_is_required() {
        assert_eq!(
            principal(r#"{"scp":"User.Read","oid":""}"#),
            Err(AuthError::MissingClaim("oid".into()))
        );
    }
}
