//! Fresh GUIDs for request ids (`request-id` on the server, `client-request-id` on the client).
//!
//! `Uuid::new_v4` asks the operating system for randomness on every call, a system call per
//! request that cost more than the rest of the id. These come from a small fast generator of the
//! thread's own, seeded once from the thread's generator (which the operating system seeds), and
//! are the same random version 4 GUIDs. The ids label requests; nothing relies on them being
//! unguessable, so a cryptographic generator (a third of the id's cost) is not needed.

use std::cell::RefCell;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use uuid::Builder;

thread_local! {
    static GENERATOR: RefCell<SmallRng> = RefCell::new(SmallRng::from_rng(&mut rand::rng()));
}

/// A random (version 4) GUID in its usual lower-case hyphenated form.
#[cfg(feature = "client")]
pub(crate) fn new_guid() -> String {
    Guid::new().as_str().to_owned()
}

/// A GUID's text, kept on the stack until the caller decides where it goes.
#[derive(Clone, Copy)]
pub(crate) struct Guid([u8; uuid::fmt::Hyphenated::LENGTH]);

impl Guid {
    /// A fresh random (version 4) GUID.
    pub(crate) fn new() -> Self {
        let bytes = GENERATOR.with_borrow_mut(|generator| generator.random());
        let uuid = Builder::from_random_bytes(bytes).into_uuid();
        let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
        uuid.hyphenated().encode_lower(&mut text);
        Guid(text)
    }

    /// The GUID as text.
    pub(crate) fn as_str(&self) -> &str {
        // Hex digits and hyphens only.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

/// Whether `text` is a GUID as [`new_guid`] writes them.
#[cfg(test)]
pub(crate) fn is_guid(text: &str) -> bool {
    uuid::Uuid::parse_str(text).is_ok_and(|uuid| uuid.get_version_num() == 4)
        && text.len() == uuid::fmt::Hyphenated::LENGTH
        && !text.bytes().any(|byte| byte.is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn guids_are_version_4_and_distinct() {
        let ids: HashSet<String> = (0..10_000).map(|_| new_guid()).collect();
        assert_eq!(ids.len(), 10_000);
        assert!(ids.iter().all(|id| is_guid(id)), "{ids:?}");
    }
}
