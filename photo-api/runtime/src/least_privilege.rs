//! Which permissions an app should ask for: the least privileged set that lets a kind of token
//! call a given set of operations, computed from the generated permission tables
//! ([`OperationSpec::security_in`]), so an app can decide what to request at consent time and
//! the emulator can tell a client what it over-asked for.

use std::collections::BTreeSet;

use crate::operation::{OperationSpec, TokenKind};

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
