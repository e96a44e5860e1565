//! Whose photo a request is about. Graph addresses one photo slot in many ways (`/me`, a user's
//! object id or principal name, a group, a contact in a folder, the drive's creator); the
//! generated binding describes each request's owner as [`OwnerSegment`]s taken from its path,
//! and [`Owners`] turns them into one [`OwnerKey`], so that every path to the same slot meets
//! the same stored photo.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::server::Principal;

/// Graph's entity set of users, which `/me` and navigations to a user name.
const USERS: &str = "users";

/// How a key's values name an owner, from `x-photo-key` on the key's schema in the spec.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct KeyRule {
    /// Values compare without regard to case (directory object ids, principal names): they
    /// are stored lower-cased.
    pub case_insensitive: bool,
    /// One owner answers to several values ([`Owners::with_alias`]).
    pub aliases: bool,
}

impl KeyRule {
    /// A user's key, as `/me` stands for: case-insensitive, with aliases.
    pub const USER: KeyRule = KeyRule {
        case_insensitive: true,
        aliases: true,
    };
}

/// One step of a request's owner, as the generated binding reads it from the operation's path.
#[derive(Clone, Copy, Debug)]
pub enum OwnerSegment<'a> {
    /// `me`: the caller, `users('<token subject>')`.
    Me,
    /// An entity set, the key the request gave and how that key compares.
    Key(&'static str, &'a str, KeyRule),
    /// A navigation such as `drive/root/createdByUser`. The emulator keeps one drive per user,
    /// created by that user, so every navigation leads to the caller.
    Navigation(&'static str),
}

/// One photo slot: the entity sets and normalized keys of its owner's path, such as
/// `users('u1')/contacts('c1')`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OwnerKey {
    /// The sets are nearly always the spec's own names, borrowed rather than copied per request.
    path: Vec<(Cow<'static, str>, String)>,
}

impl OwnerKey {
    /// An owner from its entity sets and normalized keys, outermost first.
    pub fn new<S: Into<Cow<'static, str>>, K: Into<String>>(
        path: impl IntoIterator<Item = (S, K)>,
    ) -> Self {
        OwnerKey {
            path: path
                .into_iter()
                .map(|(set, key)| (set.into(), key.into()))
                .collect(),
        }
    }

    /// The user with this normalized key.
    pub fn user(key: impl Into<String>) -> Self {
        OwnerKey::new([(USERS, key.into())])
    }

    /// The entity sets and keys, outermost first.
    pub fn path(&self) -> &[(Cow<'static, str>, String)] {
        &self.path
    }

    /// The OData path of the owner, as Graph writes it in `@odata.context`, such as
    /// `users('u1')/contacts('c1')`.
    pub fn odata_path(&self) -> String {
        let mut path = String::new();
        self.write_odata_path(&mut path);
        path
    }

    /// Appends [`odata_path`](Self::odata_path) to `out`.
    pub fn write_odata_path(&self, out: &mut String) {
        for (index, (set, key)) in self.path.iter().enumerate() {
            if index > 0 {
                out.push('/');
            }
            out.push_str(set);
            out.push_str("('");
            push_quoted(out, key);
            out.push_str("')");
        }
    }
}

/// Appends `key` as the content of an OData string literal: a `'` is doubled.
fn push_quoted(out: &mut String, key: &str) {
    let mut parts = key.split('\'');
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    for part in parts {
        out.push_str("''");
        out.push_str(part);
    }
}

impl fmt::Display for OwnerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.odata_path())
    }
}

/// Resolves request keys to [`OwnerKey`]s. The emulator has no directory, so an owner is known
/// by whichever key a request uses; aliases let tests address one user both by principal name
/// and by the object id their tokens carry.
#[derive(Clone, Debug, Default)]
pub struct Owners {
    aliases: HashMap<String, String>,
}

impl Owners {
    /// A resolver without aliases.
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes the key `alias` (say, a principal name) name the same owner as `key` (say, the
    /// object id tokens carry), for keys that take aliases. Both compare case-insensitively.
    pub fn with_alias(mut self, alias: &str, key: &str) -> Self {
        self.aliases
            .insert(alias.to_lowercase(), key.to_lowercase());
        self
    }

    /// The normalized form of `key` under `rule`.
    pub fn key(&self, key: &str, rule: KeyRule) -> String {
        let key = if !rule.case_insensitive {
            key.to_owned()
        } else if key.is_ascii() {
            // Object ids and principal names are nearly always ASCII, whose lower case needs no
            // Unicode tables.
            key.to_ascii_lowercase()
        } else {
            key.to_lowercase()
        };
        if !rule.aliases || self.aliases.is_empty() {
            return key;
        }
        match self.aliases.get(&key) {
            Some(target) => target.clone(),
            None => key,
        }
    }

    /// The signed-in user's normalized key: the token's subject (`oid`, else `sub`).
    pub fn me(&self, principal: &Principal) -> String {
        self.key(&principal.subject, KeyRule::USER)
    }

    /// The owner `path` names for the caller `principal`.
    pub fn resolve(&self, principal: &Principal, path: &[OwnerSegment<'_>]) -> OwnerKey {
        let mut owner = Vec::with_capacity(path.len());
        for segment in path {
            match *segment {
                OwnerSegment::Me | OwnerSegment::Navigation(_) => {
                    owner.clear();
                    owner.push((Cow::Borrowed(USERS), self.me(principal)));
                }
                OwnerSegment::Key(set, key, rule) => {
                    owner.push((Cow::Borrowed(set), self.key(key, rule)));
                }
            }
        }
        OwnerKey { path: owner }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operation::TokenKind;

    fn principal(subject: &str) -> Principal {
        Principal {
            subject: subject.to_owned(),
            kind: TokenKind::DelegatedWork,
            permissions: vec![],
            tenant_id: None,
            client_id: None,
        }
    }

    const SENSITIVE: KeyRule = KeyRule {
        case_insensitive: false,
        aliases: false,
    };
    const GROUP: KeyRule = KeyRule {
        case_insensitive: true,
        aliases: false,
    };

    fn user(owners: &Owners, key: &str) -> OwnerKey {
        owners.resolve(
            &principal("x"),
            &[OwnerSegment::Key("users", key, KeyRule::USER)],
        )
    }

    #[test]
    fn me_and_navigations_are_the_token_subject() {
        let owners = Owners::new();
        let caller = principal("8F1C-OID");
        let me = owners.resolve(&caller, &[OwnerSegment::Me]);
        assert_eq!(me, user(&owners, "8f1c-oid"));
        let drive = owners.resolve(
            &caller,
            &[OwnerSegment::Navigation("drive/root/createdByUser")],
        );
        assert_eq!(drive, me);
    }

    #[test]
    fn keys_follow_their_rule_and_aliases_apply_where_it_says() {
        let owners = Owners::new().with_alias("Adele@Contoso.com", "OID-1");
        assert_eq!(
            user(&owners, "adele@contoso.COM"),
            owners.resolve(&principal("oid-1"), &[OwnerSegment::Me])
        );
        assert_ne!(user(&owners, "other"), user(&owners, "oid-1"));
        assert_eq!(owners.key("Adele@Contoso.com", GROUP), "adele@contoso.com");
        assert_eq!(owners.key("AbC", SENSITIVE), "AbC");
    }

    #[test]
    fn contact_ids_stay_case_sensitive() {
        let owners = Owners::new();
        let contact = |id| {
            owners.resolve(
                &principal("u"),
                &[
                    OwnerSegment::Me,
                    OwnerSegment::Key("contacts", id, SENSITIVE),
                ],
            )
        };
        assert_ne!(contact("AbC"), contact("abc"));
    }

    #[test]
    fn odata_paths_quote_keys() {
        let owners = Owners::new();
        assert_eq!(
            user(&owners, "o'brien@contoso.com").odata_path(),
            "users('o''brien@contoso.com')"
        );
        let contact = owners.resolve(
            &principal("U"),
            &[
                OwnerSegment::Me,
                OwnerSegment::Key("contactFolders", "f1", SENSITIVE),
                OwnerSegment::Key("contacts", "c1", SENSITIVE),
            ],
        );
        assert_eq!(
            contact.to_string(),
            "users('u')/contactFolders('f1')/contacts('c1')"
        );
        let group = owners.resolve(&principal("u"), &[OwnerSegment::Key("groups", "G1", GROUP)]);
        assert_eq!(group.odata_path(), "groups('g1')");
    }
}
