//! Helpers for reading a YAML document with seeds that visit only what they need.

use std::fmt;

use serde::Deserialize as _;
use serde::de::{self, Deserializer, EnumAccess, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// Visitor methods that accept any scalar and ignore it.
macro_rules! ignore_scalars {
    () => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_i128<E: de::Error>(self, _: i128) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_u128<E: de::Error>(self, _: u128) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
    };
}
pub(super) use ignore_scalars;

/// A mapping key: its text when it is a string, else `None` (YAML keys may be anything).
pub(super) struct Key(pub(super) Option<String>);

impl<'de> de::Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(KeyVisitor(|key: &str| Some(key.to_owned())))
            .map(Key)
    }
}

/// Whether a mapping key is `$ref`; read without copying it, as most keys are not.
pub(super) struct IsRef(pub(super) bool);

impl<'de> de::Deserialize<'de> for IsRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(KeyVisitor(|key: &str| key == "$ref"))
            .map(IsRef)
    }
}

/// Reads a string key with its function; any other key gives the default.
struct KeyVisitor<F>(F);

impl<'de, T: Default, F: FnOnce(&str) -> T> Visitor<'de> for KeyVisitor<F> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a mapping key")
    }

    ignore_scalars!();

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok((self.0)(v))
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        IgnoredAny::deserialize(d).map(|_| T::default())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        IgnoredAny.visit_seq(seq).map(|_| T::default())
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        IgnoredAny.visit_map(map).map(|_| T::default())
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
        IgnoredAny.visit_enum(data).map(|_| T::default())
    }
}

/// Reads each entry of a mapping with `entry`, ignoring non-string keys.
pub(super) fn each_entry<'de, A: MapAccess<'de>>(
    mut map: A,
    mut entry: impl FnMut(String, &mut A) -> Result<(), A::Error>,
) -> Result<(), A::Error> {
    while let Some(Key(key)) = map.next_key()? {
        match key {
            Some(key) => entry(key, &mut map)?,
            None => {
                map.next_value::<IgnoredAny>()?;
            }
        }
    }
    Ok(())
}

/// Declares a seed that reads a mapping entry by entry with `$body`.
macro_rules! mapping_seed {
    ($name:ident $(<$($lt:lifetime),+>)? ($target:ty), |$seed:ident, $key:ident, $map:ident| $body:block) => {
        struct $name<'a $($(, $lt)+)?>(&'a mut $target);

        impl<'de, 'a $($(, $lt)+)?> DeserializeSeed<'de> for $name<'a $($(, $lt)+)?> {
            type Value = ();

            fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
                deserializer.deserialize_any(self)
            }
        }

        impl<'de, 'a $($(, $lt)+)?> Visitor<'de> for $name<'a $($(, $lt)+)?> {
            type Value = ();

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping")
            }

            // An empty node (`paths:` with nothing after it) holds nothing.
            fn visit_unit<E: de::Error>(self) -> Result<(), E> {
                Ok(())
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
                let $seed = self.0;
                $crate::subset::walk::each_entry(map, |$key, $map| $body)
            }
        }
    };
}
pub(super) use mapping_seed;
