//! The claims of a Microsoft identity platform access token that decide who the caller is and
//! what it may do, shared by every authorizer that reads JWTs.

use serde::Deserialize;

use crate::runtime::operation::TokenKind;

use super::{AuthError, Principal};

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
}

impl Claims {
    /// The caller the claims describe. A token with `scp` is delegated (personal when issued by
    /// the consumer tenant); one without is an app's own token whose permissions are `roles`.
    pub(super) fn into_principal(self) -> Result<Principal, AuthError> {
        let subject = [self.oid, self.sub]
            .into_iter()
            .flatten()
            .find(|id| !id.is_empty())
            .ok_or_else(|| AuthError::MissingClaim("oid".to_owned()))?;
        let (kind, permissions) = match self.scp {
            Some(scp) => {
                let kind = if self.tid.as_deref() == Some(TokenKind::CONSUMER_TENANT_ID) {
                    TokenKind::DelegatedPersonal
                } else {
                    TokenKind::DelegatedWork
                };
                (
                    kind,
                    scp.split_ascii_whitespace().map(str::to_owned).collect(),
                )
            }
            None => (TokenKind::Application, self.roles.unwrap_or_default()),
        };
        Ok(Principal {
            subject,
            kind,
            permissions,
            tenant_id: self.tid,
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
        let personal = principal(&format!(
            r#"{{"sub":"u2","scp":"User.Read","tid":"{}"}}"#,
            TokenKind::CONSUMER_TENANT_ID
        ))
        .expect("valid claims");
        assert_eq!(personal.kind, TokenKind::DelegatedPersonal);
        assert_eq!(personal.subject, "u2");
    }

    #[test]
    fn roles_make_an_application_principal() {
        let app = principal(r#"{"oid":"sp","roles":["User.Read.All"],"scp_not":"x"}"#)
            .expect("valid claims");
        assert_eq!(app.kind, TokenKind::Application);
        assert_eq!(app.permissions, ["User.Read.All"]);
    }

    #[test]
    fn a_subject_is_required() {
        assert_eq!(
            principal(r#"{"scp":"User.Read","oid":""}"#),
            Err(AuthError::MissingClaim("oid".into()))
        );
    }
}
