//! A mapping that refuses a repeated key while it is deserialized.
//!
//! YAML forbids duplicate keys, but serde's map types keep the last value silently. Refusing
//! them here means a spec that parses has none; when one does not, the
//! [`Locator`](crate::locate::Locator) finds every repeat with its position.
//!
//! Keys are hashed with FxHash rather than SipHash: a spec is the developer's own input, and
//! every path, response and component name is hashed while parsing and looked up while lowering.

use std::fmt;
use std::hash::Hash;
use std::marker::PhantomData;
use std::ops::Deref;

use indexmap::IndexMap;
use indexmap::map::Entry;
use rustc_hash::FxBuildHasher;
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};

/// An insertion-ordered map whose deserialization fails on a repeated key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UniqueMap<K: Hash + Eq, V>(IndexMap<K, V, FxBuildHasher>);

impl<K: Hash + Eq, V> Default for UniqueMap<K, V> {
    fn default() -> Self {
        UniqueMap(IndexMap::default())
    }
}

impl<K: Hash + Eq, V> Deref for UniqueMap<K, V> {
    type Target = IndexMap<K, V, FxBuildHasher>;

    fn deref(&self) -> &IndexMap<K, V, FxBuildHasher> {
        &self.0
    }
}

impl<K: Hash + Eq, V> UniqueMap<K, V> {
    /// A map of entries already known to have unique keys.
    pub fn from_map(map: IndexMap<K, V, FxBuildHasher>) -> Self {
        UniqueMap(map)
    }

    /// The entries, in order.
    pub fn into_inner(self) -> IndexMap<K, V, FxBuildHasher> {
        self.0
    }
}

impl<'a, K: Hash + Eq, V> IntoIterator for &'a UniqueMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = indexmap::map::Iter<'a, K, V>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<K: Hash + Eq, V> FromIterator<(K, V)> for UniqueMap<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        UniqueMap(iter.into_iter().collect())
    }
}

impl<'de, K, V> Deserialize<'de> for UniqueMap<K, V>
where
    K: Deserialize<'de> + Hash + Eq + fmt::Display,
    V: Deserialize<'de>,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor<K, V>(PhantomData<(K, V)>);

        impl<'de, K, V> Visitor<'de> for MapVisitor<K, V>
        where
            K: Deserialize<'de> + Hash + Eq + fmt::Display,
            V: Deserialize<'de>,
        {
            type Value = UniqueMap<K, V>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let mut map = IndexMap::with_capacity_and_hasher(
                    access.size_hint().unwrap_or(0).min(4096),
                    FxBuildHasher,
                );
                while let Some(key) = access.next_key::<K>()? {
                    match map.entry(key) {
                        Entry::Occupied(entry) => {
                            let key = entry.key();
                            return Err(de::Error::custom(format_args!("duplicate key `{key}`")));
                        }
                        Entry::Vacant(entry) => {
                            entry.insert(access.next_value()?);
                        }
                    }
                }
                Ok(UniqueMap(map))
            }
        }

        deserializer.deserialize_map(MapVisitor(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_and_refuses_a_repeated_key() {
        let map: UniqueMap<String, u32> = serde_yaml::from_str("b: 1\na: 2\n").unwrap();
        assert_eq!(map.keys().collect::<Vec<_>>(), ["b", "a"]);
        let error = serde_yaml::from_str::<UniqueMap<String, u32>>("a: 1\nb: 2\na: 3\n")
            .unwrap_err()
            .to_string();
        assert!(error.contains("duplicate key `a`"), "{error}");
    }
}
