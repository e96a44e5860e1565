//! `$ref` or an inline object, decided by the presence of the `$ref` key.

use serde::de::{self, Deserialize, DeserializeOwned, Deserializer};

/// A node that is either a local reference or the object itself.
#[derive(Debug)]
pub enum RefOr<T> {
    Ref(String),
    Item(T),
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for RefOr<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_yaml::Value::deserialize(deserializer)?;
        if let Some(target) = value.get("$ref") {
            return match target.as_str() {
                Some(target) => Ok(RefOr::Ref(target.to_owned())),
                None => Err(de::Error::custom("`$ref` must be a string")),
            };
        }
        T::deserialize(value)
            .map(RefOr::Item)
            .map_err(de::Error::custom)
    }
}
