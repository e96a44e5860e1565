//! What an access token of the Microsoft identity platform says it grants, read from its `scp`,
//! `roles` and `tid` claims: one reading for the client's local permission check and the
//! server's authorizers alike, so the two cannot disagree about a token.

use crate::operation::TokenKind;

/// The kind of a token and the permissions it carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Grant {
    pub(crate) kind: TokenKind,
    pub(crate) permissions: Vec<String>,
}

/// Classifies a token by its claims. A token with `scp` is delegated: a personal account's when
/// `tid` is the consumer tenant (see [`is_consumer_tenant`]), a work or school account's
/// otherwise; its permissions are `scp`'s space-separated words. A token with `roles` and no
/// `scp` is an application's own, and `roles` are its permissions. `None` when the token
/// carries neither claim: each caller decides what such a token means to it.
pub(crate) fn classify<'a>(
    scp: Option<&str>,
    roles: Option<impl IntoIterator<Item = &'a str>>,
    tid: Option<&str>,
) -> Option<Grant> {
    if let Some(scopes) = scp {
        let kind = if tid.is_some_and(is_consumer_tenant) {
            TokenKind::DelegatedPersonal
        } else {
            TokenKind::DelegatedWork
        };
        return Some(Grant {
            kind,
            permissions: scopes.split_ascii_whitespace().map(str::to_owned).collect(),
        });
    }
    roles.map(|roles| Grant {
        kind: TokenKind::Application,
        permissions: roles.into_iter().map(str::to_owned).collect(),
    })
}

/// Whether `tid` names the tenant Microsoft issues personal-account tokens from. Tenant ids are
/// GUIDs, and GUIDs compare case-insensitively: an upper-case spelling is the same tenant.
pub(crate) fn is_consumer_tenant(tid: &str) -> bool {
    tid.eq_ignore_ascii_case(TokenKind::CONSUMER_TENANT_ID)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NO_ROLES: Option<[&str; 0]> = None;

    #[test]
    fn the_consumer_tenant_is_recognised_in_any_case() {
        let upper = TokenKind::CONSUMER_TENANT_ID.to_ascii_uppercase();
        for tid in [TokenKind::CONSUMER_TENANT_ID, upper.as_str()] {
            let grant = classify(Some("User.Read"), NO_ROLES, Some(tid));
            assert_eq!(
                grant.map(|grant| grant.kind),
                Some(TokenKind::DelegatedPersonal),
                "{tid}"
            );
        }
        for tid in [None, Some("72f988bf-86f1-41af-91ab-2d7cd011db47"), Some("")] {
            let grant = classify(Some("User.Read"), NO_ROLES, tid);
            assert_eq!(
                grant.map(|grant| grant.kind),
                Some(TokenKind::DelegatedWork),
                "{tid:?}"
            );
        }
    }

    #[test]
    fn scp_makes_a_token_delegated_even_with_roles() {
        let grant = classify(
            Some(" User.Read \t openid "),
            Some(["Sites.Read.All"]),
            None,
        );
        assert_eq!(
            grant,
            Some(Grant {
                kind: TokenKind::DelegatedWork,
                permissions: vec!["User.Read".into(), "openid".into()],
            })
        );
    }

    #[test]
    fn roles_alone_make_an_application_token_and_neither_claim_no_grant() {
        let grant = classify(None, Some(["User.Read.All"]), Some("t"));
        assert_eq!(
            grant,
            Some(Grant {
                kind: TokenKind::Application,
                permissions: vec!["User.Read.All".into()],
            })
        );
        assert_eq!(classify(None, NO_ROLES, Some("t")), None);
    }
}
