//! Reading a node as a YAML value, as `serde_yaml::Value` does, except that an integer beyond
//! 64 bits is read as a floating-point number. `Value` refuses such integers, and descriptions
//! write them (`minimum: -9223372036854776000`, a bound printed from a double): the bound is
//! only a number to photo-gen, so a close one does.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, EnumAccess, MapAccess, SeqAccess, Visitor};
use serde_yaml::mapping::Entry;
use serde_yaml::value::{Tag, TaggedValue};
use serde_yaml::{Mapping, Value};

/// A YAML value read with integers beyond 64 bits as floating-point numbers.
pub struct LenientValue(pub Value);

impl LenientValue {
    /// Reads a value from `deserializer`.
    pub fn read<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(LenientVisitor)
    }
}

impl<'de> Deserialize<'de> for LenientValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(LenientVisitor)
            .map(LenientValue)
    }
}

/// `serde_yaml::Value`'s visitor, with 128-bit integers.
struct LenientVisitor;

impl<'de> Visitor<'de> for LenientVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    // The nearest double: the point of this reader.
    #[allow(clippy::cast_precision_loss)]
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        Ok(Value::Number((v as f64).into()))
    }

    #[allow(clippy::cast_precision_loss)]
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        Ok(Value::Number((v as f64).into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        LenientValue::deserialize(deserializer).map(|value| value.0)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(LenientValue(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Sequence(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut mapping = Mapping::new();
        while let Some(LenientValue(key)) = map.next_key()? {
            match mapping.entry(key) {
                Entry::Occupied(entry) => {
                    return Err(de::Error::custom(duplicate_entry(entry.key())));
                }
                Entry::Vacant(entry) => {
                    let LenientValue(value) = map.next_value()?;
                    entry.insert(value);
                }
            }
        }
        Ok(Value::Mapping(mapping))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
        use serde::de::VariantAccess;
        let (tag, contents) = data.variant::<String>()?;
        if tag.is_empty() {
            return Err(de::Error::custom("empty YAML tag is not allowed"));
        }
        let LenientValue(value) = contents.newtype_variant()?;
        Ok(Value::Tagged(Box::new(TaggedValue {
            tag: Tag::new(tag),
            value,
        })))
    }
}

/// The message `serde_yaml::Mapping` gives for a repeated key.
fn duplicate_entry(key: &Value) -> String {
    match key {
        Value::Null => "duplicate entry with null key".to_owned(),
        Value::Bool(flag) => format!("duplicate entry with key `{flag}`"),
        Value::Number(number) => format!("duplicate entry with key {number}"),
        Value::String(text) => format!("duplicate entry with key {text:?}"),
        Value::Sequence(_) | Value::Mapping(_) | Value::Tagged(_) => {
            "duplicate entry in YAML map".to_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::LenientValue;

    #[test]
    fn reads_what_value_reads_and_integers_beyond_64_bits() {
        for text in [
            "{a: [1, -2, 3.5, x, ~, true], b: !t {c: d}}",
            "{a: 1, a: 2}",
            "{? [1] : 2, ? [1] : 3}",
            "- !tag 5\n- ''\n",
        ] {
            let ours = serde_yaml::from_str::<LenientValue>(text)
                .map(|value| value.0)
                .map_err(|error| error.to_string());
            let value =
                serde_yaml::from_str::<serde_yaml::Value>(text).map_err(|error| error.to_string());
            assert_eq!(ours, value, "{text}");
        }
        let LenientValue(big) =
            serde_yaml::from_str("{min: -9223372036854776000, max: 18446744073709551616}")
                .expect("reads");
        assert_eq!(big["min"].as_f64(), Some(-9_223_372_036_854_776_000.0));
        assert_eq!(big["max"].as_f64(), Some(18_446_744_073_709_551_616.0));
    }
}
