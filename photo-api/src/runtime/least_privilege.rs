//! Which permissions an app should ask for: the least privileged set that lets a kind of token
//! call a given set of operations, computed from the generated permission tables
//! ([`OperationSpec::security_in`]), so an app can decide what to request at consent time and
//! the emulator can tell a client what it over-asked for.

use std::collections::BTreeSet;

use crate::runtime::operation::{OperationSpec, TokenKind};

/// What a kind of token needs on one API version to call a set of operations.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PermissionAdvice {
    /// The permissions to request, sorted by name: every operation that a token of the kind can
    /// call at all is authorized by a token holding exactly these.
    pub least_privileged: Vec<&'static str>,
    /// The ids of the operations no permission of the kind authorizes on the version (the spec
    /// names none, or the kind is not supported), sorted.
    pub uncoverable: Vec<&'static str>,
}

impl PermissionAdvice {
    /// The permissions in `granted` that [`least_privileged`](Self::least_privileged) does not
    /// hold, without repeats and sorted, both ignoring case as Graph does when it compares
    /// permissions: what an app asked for beyond what it needs. Permissions unrelated to these
    /// operations, such as `openid`, are among them.
    pub fn unneeded<'a>(&self, granted: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
        let mut unneeded: Vec<&str> = granted
            .into_iter()
            .filter(|have| {
                !self
                    .least_privileged
                    .iter()
                    .any(|needed| needed.eq_ignore_ascii_case(have))
            })
            .collect();
        unneeded.sort_unstable_by(|a, b| {
            let folded = |text: &str| text.to_ascii_lowercase();
            folded(a).cmp(&folded(b)).then_with(|| a.cmp(b))
        });
        unneeded.dedup_by(|later, earlier| later.eq_ignore_ascii_case(earlier));
        unneeded
    }
}

/// The least privileged permissions a token of `kind` needs to call every one of `operations`
/// on API `version` (`v1.0`, `beta`; `None` reads each operation's default table).
///
/// Each operation's alternatives are listed least privileged first, so the set starts as each
/// operation's first alternative of `kind`. A permission is then dropped, in name order, when the
/// others still authorize every operation (`ProfilePhoto.Read.All` next to
/// `ProfilePhoto.ReadWrite.All`, which also reads photos). The result holds only permissions some
/// operation names as its least privileged one, and none that the others make redundant. It is
/// deliberately not the set with the fewest permissions: that would trade two narrow permissions
/// for one broader permission covering both operations, the opposite of least privilege.
pub fn least_privileged(
    operations: &[&OperationSpec],
    kind: TokenKind,
    version: Option<&str>,
) -> PermissionAdvice {
    let mut chosen: BTreeSet<&'static str> = BTreeSet::new();
    let mut covered: Vec<&OperationSpec> = Vec::new();
    let mut uncoverable: BTreeSet<&'static str> = BTreeSet::new();
    for op in operations {
        match op.least_privileged(version, kind) {
            Some(alternative) => {
                chosen.extend(alternative.scopes.iter().copied());
                covered.push(op);
            }
            None => {
                uncoverable.insert(op.id);
            }
        }
    }
    for candidate in chosen.clone() {
        let rest: Vec<&str> = chosen
            .iter()
            .copied()
            .filter(|permission| *permission != candidate)
            .collect();
        let still_covered = covered
            .iter()
            .all(|op| op.authorizing_alternative(version, kind, &rest).is_some());
        if still_covered {
            chosen.remove(candidate);
        }
    }
    PermissionAdvice {
        least_privileged: chosen.into_iter().collect(),
        uncoverable: uncoverable.into_iter().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operations::*;

    #[test]
    fn reading_and_uploading_a_users_photo_needs_profile_photo_read_write_all() {
        // Microsoft's tables: reading is ProfilePhoto.Read.All at least, updating
        // ProfilePhoto.ReadWrite.All, which also reads.
        let ops = [&GET_USER_PHOTO_CONTENT, &SET_USER_PHOTO_CONTENT];
        for version in [Some("v1.0"), Some("beta"), None] {
            let advice = least_privileged(&ops, TokenKind::DelegatedWork, version);
            assert_eq!(
                advice.least_privileged,
                ["ProfilePhoto.ReadWrite.All"],
                "{version:?}"
            );
            assert!(advice.uncoverable.is_empty(), "{version:?}");
        }
        let reads = least_privileged(&[&GET_USER_PHOTO_CONTENT], TokenKind::Application, None);
        assert_eq!(reads.least_privileged, ["ProfilePhoto.Read.All"]);
    }

    #[test]
    fn unrelated_operations_keep_a_permission_each() {
        let ops = [
            &GET_MY_PHOTO,
            &GET_MY_CONTACT_PHOTO,
            &SET_MY_CONTACT_PHOTO_CONTENT,
        ];
        let advice = least_privileged(&ops, TokenKind::DelegatedWork, Some("v1.0"));
        assert_eq!(
            advice.least_privileged,
            ["Contacts.ReadWrite", "ProfilePhoto.Read.All"]
        );
    }

    #[test]
    fn a_personal_account_needs_user_read_write_on_v1_and_cannot_upload_on_beta() {
        let ops = [&GET_MY_PHOTO_CONTENT, &SET_MY_PHOTO_CONTENT];
        let v1 = least_privileged(&ops, TokenKind::DelegatedPersonal, Some("v1.0"));
        assert_eq!(v1.least_privileged, ["User.ReadWrite"]);
        assert!(v1.uncoverable.is_empty());
        let beta = least_privileged(&ops, TokenKind::DelegatedPersonal, Some("beta"));
        assert_eq!(beta.least_privileged, ["User.Read"]);
        assert_eq!(beta.uncoverable, ["setMyPhotoContent"]);
    }

    #[test]
    fn operations_no_permission_of_the_kind_allows_are_reported_not_guessed() {
        let ops = [&UPDATE_USER_PHOTO, &GET_MY_PHOTO, &GET_USER_PHOTO];
        let advice = least_privileged(&ops, TokenKind::Application, Some("v1.0"));
        assert_eq!(advice.least_privileged, ["ProfilePhoto.Read.All"]);
        assert_eq!(advice.uncoverable, ["getMyPhoto", "updateUserPhoto"]);
        assert_eq!(
            least_privileged(&[], TokenKind::Application, None),
            PermissionAdvice::default()
        );
    }

    #[test]
    fn the_advice_authorizes_every_coverable_operation_and_is_deterministic() {
        let kinds = [
            TokenKind::DelegatedWork,
            TokenKind::DelegatedPersonal,
            TokenKind::Application,
        ];
        for kind in kinds {
            for version in [Some("v1.0"), Some("beta")] {
                let advice = least_privileged(ALL, kind, version);
                for op in ALL {
                    let authorized = op
                        .authorizing_alternative(version, kind, &advice.least_privileged)
                        .is_some();
                    assert_eq!(
                        authorized,
                        !advice.uncoverable.contains(&op.id),
                        "{} {kind:?} {version:?}",
                        op.id
                    );
                }
                let mut reversed: Vec<&OperationSpec> = ALL.to_vec();
                reversed.reverse();
                assert_eq!(least_privileged(&reversed, kind, version), advice);
            }
        }
    }

    #[test]
    fn unneeded_grants_are_those_outside_the_least_set() {
        let advice = least_privileged(
            &[&SET_MY_PHOTO_CONTENT, &GET_MY_PHOTO],
            TokenKind::DelegatedWork,
            Some("v1.0"),
        );
        assert_eq!(advice.least_privileged, ["ProfilePhoto.ReadWrite.All"]);
        let granted = [
            "User.ReadWrite.All",
            "profilephoto.readwrite.all",
            "User.Read",
            "user.read",
            "openid",
        ];
        assert_eq!(
            advice.unneeded(granted),
            ["openid", "User.Read", "User.ReadWrite.All"]
        );
    }
}
