//! `$ref` or an inline object, decided by the presence of the `$ref` key.
//!
//! An inline object is read into a YAML value first and then into its type, because `$ref` may
//! come after other keys. A node that is only `{$ref: ...}`, by far the most common kind in
//! large specs, is read directly: a value tree for every reference made parsing much slower.

use std::fmt;

use serde::de::value::{
    BoolDeserializer, BorrowedBytesDeserializer, BorrowedStrDeserializer, BytesDeserializer,
    CharDeserializer, EnumAccessDeserializer, F32Deserializer, F64Deserializer, I8Deserializer,
    I16Deserializer, I32Deserializer, I64Deserializer, I128Deserializer, MapAccessDeserializer,
    SeqAccessDeserializer, StrDeserializer, StringDeserializer, U8Deserializer, U16Deserializer,
    U32Deserializer, U64Deserializer, U128Deserializer, UnitDeserializer,
};
use serde::de::{
    self, Deserialize, DeserializeOwned, DeserializeSeed, Deserializer, EnumAccess, MapAccess,
    SeqAccess, Visitor,
};
use serde_yaml::Value;

use super::value::LenientValue;

/// A node that is either a local reference or the object itself (boxed: most nodes in a large
/// spec are references, which need only their target).
#[derive(Debug)]
pub enum RefOr<T> {
    Ref(String),
    Item(Box<T>),
}

/// What was read of a node: its reference target, or the whole node as a value.
enum Read {
    Ref(Value),
    Node(Value),
}

/// What a `$ref` may stand for.
pub trait Referable: DeserializeOwned {
    /// Whether `true` and `false` are nodes of this kind: JSON Schema's boolean schemas (any
    /// value, or none), which OpenAPI 3.1 allows. Read as the empty node, `{}`.
    const BOOLEAN_NODES: bool = false;
}

impl<'de, T: Referable> Deserialize<'de> for RefOr<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // The node is decided on after it has been read, so a problem with it is reported at
        // the enclosing node, as serde reports a problem found once a value is complete.
        let value = match deserializer.deserialize_any(RefOrVisitor)? {
            Read::Ref(Value::String(target)) => return Ok(RefOr::Ref(target)),
            Read::Ref(target) => {
                return match target.as_str() {
                    Some(target) => Ok(RefOr::Ref(target.to_owned())),
                    None => Err(de::Error::custom("`$ref` must be a string")),
                };
            }
            Read::Node(value) => value,
        };
        if let Some(target) = value.get("$ref") {
            return match target.as_str() {
                Some(target) => Ok(RefOr::Ref(target.to_owned())),
                None => Err(de::Error::custom("`$ref` must be a string")),
            };
        }
        let value = match value {
            Value::Bool(_) if T::BOOLEAN_NODES => Value::Mapping(serde_yaml::Mapping::new()),
            value => value,
        };
        T::deserialize(value)
            .map(|item| RefOr::Item(Box::new(item)))
            .map_err(de::Error::custom)
    }
}

struct RefOrVisitor;

/// Anything but a mapping is read as a value, exactly as the value's own visitor would.
macro_rules! as_value {
    ($($method:ident($ty:ty) => $de:ident;)*) => {
        $(
            fn $method<E: de::Error>(self, v: $ty) -> Result<Self::Value, E> {
                LenientValue::read($de::<E>::new(v)).map(Read::Node)
            }
        )*
    };
}

impl<'de> Visitor<'de> for RefOrVisitor {
    type Value = Read;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }

    as_value! {
        visit_bool(bool) => BoolDeserializer;
        visit_i8(i8) => I8Deserializer;
        visit_i16(i16) => I16Deserializer;
        visit_i32(i32) => I32Deserializer;
        visit_i64(i64) => I64Deserializer;
        visit_i128(i128) => I128Deserializer;
        visit_u8(u8) => U8Deserializer;
        visit_u16(u16) => U16Deserializer;
        visit_u32(u32) => U32Deserializer;
        visit_u64(u64) => U64Deserializer;
        visit_u128(u128) => U128Deserializer;
        visit_f32(f32) => F32Deserializer;
        visit_f64(f64) => F64Deserializer;
        visit_char(char) => CharDeserializer;
        visit_str(&str) => StrDeserializer;
        visit_borrowed_str(&'de str) => BorrowedStrDeserializer;
        visit_string(String) => StringDeserializer;
        visit_bytes(&[u8]) => BytesDeserializer;
        visit_borrowed_bytes(&'de [u8]) => BorrowedBytesDeserializer;
    }

    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Self::Value, E> {
        self.visit_bytes(&v)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        LenientValue::read(UnitDeserializer::<E>::new()).map(Read::Node)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        self.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        LenientValue::read(deserializer).map(Read::Node)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        LenientValue::read(deserializer).map(Read::Node)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        LenientValue::read(SeqAccessDeserializer::new(seq)).map(Read::Node)
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
        LenientValue::read(EnumAccessDeserializer::new(data)).map(Read::Node)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let mut replay = Replay {
            keys: Vec::new(),
            value: None,
            inner: map,
        };
        if let Some(first) = replay.inner.next_key::<Value>()? {
            let is_ref = matches!(&first, Value::String(key) if key == "$ref");
            replay.keys.push(first);
            if is_ref {
                let target: Value = replay.inner.next_value()?;
                match replay.inner.next_key::<Value>()? {
                    // `{$ref: ...}` alone: the common case, with no value tree.
                    None => return Ok(Read::Ref(target)),
                    Some(second) => {
                        replay.value = Some(target);
                        replay.keys.push(second);
                    }
                }
            }
        }
        // Everything read so far is handed to the value's own visitor first, so repeated keys
        // and every other problem are reported as before.
        LenientValue::read(MapAccessDeserializer::new(replay)).map(Read::Node)
    }
}

/// A mapping whose first keys (and the first value) were already read.
struct Replay<A> {
    /// Keys still to hand out, in order (at most two).
    keys: Vec<Value>,
    /// The value of the first key, when it was read.
    value: Option<Value>,
    inner: A,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Replay<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        if self.keys.is_empty() {
            return self.inner.next_key_seed(seed);
        }
        let key = self.keys.remove(0);
        seed.deserialize(key).map(Some).map_err(de::Error::custom)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        match self.value.take() {
            Some(value) => seed.deserialize(value).map_err(de::Error::custom),
            None => self.inner.next_value_seed(seed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Header, UniqueMap};

    /// The node read as a value first, then decided on: what this reader must match.
    #[derive(Debug)]
    struct ViaValue(RefOr<Header>);

    impl<'de> Deserialize<'de> for ViaValue {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let value = Value::deserialize(deserializer)?;
            if let Some(target) = value.get("$ref") {
                return match target.as_str() {
                    Some(target) => Ok(ViaValue(RefOr::Ref(target.to_owned()))),
                    None => Err(de::Error::custom("`$ref` must be a string")),
                };
            }
            Header::deserialize(value)
                .map(|item| ViaValue(RefOr::Item(Box::new(item))))
                .map_err(de::Error::custom)
        }
    }

    #[test]
    fn reads_every_node_as_reading_a_value_first_does() {
        let nodes = [
            "{$ref: '#/a'}",
            "{$ref: '#/b', description: x}",
            "{description: x, $ref: '#/c'}",
            "{description: x, required: true}",
            "{}",
            "{$ref: 7}",
            "{$ref: [1], description: x}",
            "{$ref: !tag '#/t'}",
            "{required: maybe}",
            "{$ref: '#/a', $ref: '#/b'}",
            "{description: x, description: y}",
            "{$ref: '#/a', x: {k: 1, k: 2}}",
            "{description: x, x: {k: 1, k: 2}}",
            "{? [1] : 2, description: x}",
            "42",
            "~",
            "[1, 2]",
            "!tag {$ref: '#/a'}",
            "'#/a'",
        ];
        for node in nodes {
            let text = format!("first: {{$ref: '#/z'}}\nnode:\n  {node}\n");
            let ours = serde_yaml::from_str::<UniqueMap<String, RefOr<Header>>>(&text)
                .map(|map| format!("{:?}", map.get("node")))
                .map_err(|error| error.to_string());
            let via_value = serde_yaml::from_str::<UniqueMap<String, ViaValue>>(&text)
                .map(|map| format!("{:?}", map.get("node").map(|node| &node.0)))
                .map_err(|error| error.to_string());
            assert_eq!(ours, via_value, "{node}");
        }
    }
}
