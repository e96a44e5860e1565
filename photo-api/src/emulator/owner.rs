//! Whose photo a request is about. Graph addresses one photo slot in many ways (`/me`, a user's
//! object id or principal name, a group, a contact, a contact in a folder, the drive's creator);
//! the emulator turns each into one [`OwnerKey`] so that every path to the same slot meets the
//! same stored photo.

use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::models::{ContactFolderId, ContactId, GroupId, UserKey};
use crate::runtime::server::Principal;

/// One photo slot. User and group keys are stored lower-cased because Graph compares object ids
/// and principal names case-insensitively; contact and folder ids are case-sensitive and kept.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum OwnerKey {
    /// A user's own photo.
    User {
        /// The user's normalized key.
        user: String,
    },
    /// A group's photo.
    Group {
        /// The group's normalized id.
        group: String,
    },
    /// The photo of a contact in a user's default contacts folder.
    Contact {
        /// The mailbox owner's normalized key.
        user: String,
        /// The contact's id.
        contact: String,
    },
    /// The photo of a contact in one of a user's contact folders.
    #[serde(rename = "folderContact")]
    FolderContact {
        /// The mailbox owner's normalized key.
        user: String,
        /// The contact folder's id.
        folder: String,
        /// The contact's id.
        contact: String,
    },
}

impl OwnerKey {
    /// The OData path of the owner, as Graph writes it in `@odata.context`, such as
    /// `users('u1')/contacts('c1')`.
    pub fn odata_path(&self) -> String {
        let mut path = String::new();
        self.write_odata_path(&mut path);
        path
    }

    /// Appends [`odata_path`](Self::odata_path) to `out`.
    pub fn write_odata_path(&self, out: &mut String) {
        let mut segment = |name: &str, key: &str| {
            out.push_str(name);
            out.push_str("('");
            push_quoted(out, key);
            out.push_str("')");
        };
        match self {
            OwnerKey::User { user } => segment("users", user),
            OwnerKey::Group { group } => segment("groups", group),
            OwnerKey::Contact { user, contact } => {
                segment("users", user);
                segment("/contacts", contact);
            }
            OwnerKey::FolderContact {
                user,
                folder,
                contact,
            } => {
                segment("users", user);
                segment("/contactFolders", folder);
                segment("/contacts", contact);
            }
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

/// Resolves request keys to [`OwnerKey`]s. The emulator has no directory, so a user is known by
/// whichever key a request uses; aliases let tests address one user both by principal name and by
/// the object id their tokens carry (`/me` is always the token's subject).
#[derive(Clone, Debug, Default)]
pub struct Owners {
    aliases: HashMap<String, String>,
}

impl Owners {
    /// A resolver without aliases.
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes the user key `alias` (say, a principal name) name the same user as `user` (say, the
    /// object id tokens carry). Both compare case-insensitively.
    pub fn with_alias(mut self, alias: &str, user: &str) -> Self {
        self.aliases
            .insert(alias.to_lowercase(), user.to_lowercase());
        self
    }

    /// The normalized key of the user `key` names.
    pub fn user_key(&self, key: &str) -> String {
        // Object ids and principal names are nearly always ASCII, whose lower case needs no
        // Unicode tables.
        let key = if key.is_ascii() {
            key.to_ascii_lowercase()
        } else {
            key.to_lowercase()
        };
        if self.aliases.is_empty() {
            return key;
        }
        match self.aliases.get(&key) {
            Some(user) => user.clone(),
            None => key,
        }
    }

    /// The signed-in user: the token's subject (`oid`, else `sub`).
    pub fn me(&self, principal: &Principal) -> String {
        self.user_key(&principal.subject)
    }

    /// `/users/{user-id}/photo`.
    pub fn user(&self, user: &UserKey) -> OwnerKey {
        OwnerKey::User {
            user: self.user_key(user.as_str()),
        }
    }

    /// `/me/photo`.
    pub fn my(&self, principal: &Principal) -> OwnerKey {
        OwnerKey::User {
            user: self.me(principal),
        }
    }

    /// `/drive/root/createdByUser/photo`: every user of the emulator has one drive, created by
    /// that user, so the drive's owner is the caller.
    pub fn drive_owner(&self, principal: &Principal) -> OwnerKey {
        self.my(principal)
    }

    /// `/groups/{group-id}/photo`.
    pub fn group(&self, group: &GroupId) -> OwnerKey {
        OwnerKey::Group {
            group: group.as_str().to_lowercase(),
        }
    }

    /// `/users/{user-id}/contacts/{contact-id}/photo` (with `user` already normalized).
    pub fn contact(&self, user: String, contact: &ContactId) -> OwnerKey {
        OwnerKey::Contact {
            user,
            contact: contact.as_str().to_owned(),
        }
    }

    /// `/users/{user-id}/contactFolders/{folder-id}/contacts/{contact-id}/photo` (with `user`
    /// already normalized).
    pub fn folder_contact(
        &self,
        user: String,
        folder: &ContactFolderId,
        contact: &ContactId,
    ) -> OwnerKey {
        OwnerKey::FolderContact {
            user,
            folder: folder.as_str().to_owned(),
            contact: contact.as_str().to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::operation::TokenKind;

    fn principal(subject: &str) -> Principal {
        Principal {
            subject: subject.to_owned(),
            kind: TokenKind::DelegatedWork,
            permissions: vec![],
            tenant_id: None,
            client_id: None,
        }
    }

    fn user(key: &str) -> UserKey {
        UserKey::new(key).expect("non-empty key")
    }

    #[test]
    fn me_and_the_drive_owner_are_the_token_subject() {
        let owners = Owners::new();
        let caller = principal("8F1C-OID");
        assert_eq!(owners.my(&caller), owners.user(&user("8f1c-oid")));
        assert_eq!(owners.drive_owner(&caller), owners.my(&caller));
    }

    #[test]
    fn user_keys_are_case_insensitive_and_aliases_apply() {
        let owners = Owners::new().with_alias("Adele@Contoso.com", "OID-1");
        assert_eq!(
            owners.user(&user("adele@contoso.COM")),
            owners.my(&principal("oid-1"))
        );
        assert_ne!(owners.user(&user("other")), owners.my(&principal("oid-1")));
    }

    #[test]
    fn contact_ids_stay_case_sensitive() {
        let owners = Owners::new();
        let a = owners.contact("u".into(), &ContactId::new("AbC").expect("id"));
        let b = owners.contact("u".into(), &ContactId::new("abc").expect("id"));
        assert_ne!(a, b);
        let folder = ContactFolderId::new("F").expect("id");
        let c = owners.folder_contact("u".into(), &folder, &ContactId::new("AbC").expect("id"));
        assert_ne!(a, c);
    }

    #[test]
    fn odata_paths_quote_keys() {
        let owners = Owners::new();
        assert_eq!(
            owners.user(&user("o'brien@contoso.com")).odata_path(),
            "users('o''brien@contoso.com')"
        );
        let folder = ContactFolderId::new("f1").expect("id");
        let contact = ContactId::new("c1").expect("id");
        assert_eq!(
            owners
                .folder_contact("u".into(), &folder, &contact)
                .to_string(),
            "users('u')/contactFolders('f1')/contacts('c1')"
        );
        let group = GroupId::new("G1").expect("id");
        assert_eq!(owners.group(&group).odata_path(), "groups('g1')");
    }
}
