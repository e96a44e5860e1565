//! serde_yaml's own positions, found the slow way: the text is read again with a seed that
//! walks down a pointer, skipping everything else, and fails on purpose at that node; the
//! error's position is the node's. One read per node, so this serves only where the
//! [`Index`](super::index::Index)'s parser cannot read the text (the two YAML parsers disagree
//! on a few malformed texts), and tests check the index against it.

use std::fmt;

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, IgnoredAny, MapAccess, SeqAccess,
};
use serde::de::{VariantAccess, Visitor};

use crate::diagnostics::Location;

/// The message of the error a walk fails with on purpose, to learn where it stands.
const STOP: &str = "photo-gen: located";

/// Which position of a mapping entry is wanted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Part {
    /// The key (for a sequence item or the root: the node itself).
    Key,
    /// The value.
    Value,
}

/// Where serde_yaml places the node at `pointer`, as [`Locator::locate`] (`Part::Key`) or
/// [`Locator::locate_value`] (`Part::Value`) would.
pub(super) fn serde_position(text: &str, tokens: &[String], part: Part) -> Option<Location> {
    match probe(text, tokens, part) {
        Probe::At(at) => Some(at),
        Probe::Absent { present } => match probe(text, &tokens[..present], Part::Key) {
            Probe::At(at) => Some(at),
            _ => None,
        },
        Probe::Unreadable => None,
    }
}

/// What one walk down a pointer found.
enum Probe {
    /// The node stands here.
    At(Location),
    /// The node does not exist; its first `present` tokens lead to nodes that do.
    Absent { present: usize },
    /// The text cannot be read that far.
    Unreadable,
}

fn probe(text: &str, tokens: &[String], part: Part) -> Probe {
    let walk = Walk { rest: tokens, part };
    match walk.deserialize(serde_yaml::Deserializer::from_str(text)) {
        Ok(present) => Probe::Absent { present },
        Err(error) => stop_location(&error).map_or(Probe::Unreadable, Probe::At),
    }
}

/// The position of an error raised on purpose by a walk; none for any other error.
fn stop_location(error: &serde_yaml::Error) -> Option<Location> {
    if !error.to_string().contains(STOP) {
        return None;
    }
    error.location().map(|at| Location {
        line: at.line(),
        column: at.column(),
    })
}

/// Walks down `rest` from the node it is given, skipping every other node, and fails with
/// [`STOP`] at the node `rest` ends at. When that node does not exist, returns how many of
/// `rest`'s tokens exist.
struct Walk<'t> {
    rest: &'t [String],
    part: Part,
}

impl Walk<'_> {
    /// A scalar ends the walk: here when nothing is left to follow, else nothing below it.
    fn scalar<E: de::Error>(self) -> Result<usize, E> {
        if self.rest.is_empty() {
            Err(E::custom(STOP))
        } else {
            Ok(0)
        }
    }
}

impl<'de> DeserializeSeed<'de> for Walk<'_> {
    type Value = usize;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<usize, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk<'_> {
    type Value = usize;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("any YAML node")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<usize, A::Error> {
        let Some((first, rest)) = self.rest.split_first() else {
            return Err(de::Error::custom(STOP));
        };
        let stop_at_key = rest.is_empty() && self.part == Part::Key;
        let mut present = 0;
        let mut followed = false;
        while let Some(matched) = map.next_key_seed(KeyNamed {
            name: first,
            stop: stop_at_key && !followed,
        })? {
            if matched && !followed {
                followed = true;
                present = 1 + map.next_value_seed(Walk {
                    rest,
                    part: self.part,
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(present)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
        let Some((first, rest)) = self.rest.split_first() else {
            return Err(de::Error::custom(STOP));
        };
        let wanted = first.parse::<usize>().ok();
        let mut present = 0;
        let mut index = 0;
        loop {
            if Some(index) == wanted {
                match seq.next_element_seed(Walk {
                    rest,
                    part: self.part,
                })? {
                    Some(below) => present = 1 + below,
                    None => break,
                }
            } else if seq.next_element::<IgnoredAny>()?.is_none() {
                break;
            }
            index += 1;
        }
        Ok(present)
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<usize, A::Error> {
        // A tagged node (`!tag value`): the tag is not part of the pointer.
        if self.rest.is_empty() {
            return Err(de::Error::custom(STOP));
        }
        let (IgnoredAny, variant) = data.variant::<IgnoredAny>()?;
        variant.newtype_variant_seed(self)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<usize, E> {
        self.scalar()
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<usize, E> {
        self.scalar()
    }

    fn visit_i128<E: de::Error>(self, _: i128) -> Result<usize, E> {
        self.scalar()
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<usize, E> {
        self.scalar()
    }

    fn visit_u128<E: de::Error>(self, _: u128) -> Result<usize, E> {
        self.scalar()
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<usize, E> {
        self.scalar()
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<usize, E> {
        self.scalar()
    }

    fn visit_unit<E: de::Error>(self) -> Result<usize, E> {
        self.scalar()
    }

    fn visit_none<E: de::Error>(self) -> Result<usize, E> {
        self.scalar()
    }
}

/// Reads a mapping key as text and tells whether it is `name`; fails with [`STOP`] on it when
/// `stop` is set.
struct KeyNamed<'t> {
    name: &'t str,
    stop: bool,
}

impl<'de> DeserializeSeed<'de> for KeyNamed<'_> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeyNamed<'_> {
    type Value = bool;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a mapping key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<bool, E> {
        match key == self.name {
            true if self.stop => Err(E::custom(STOP)),
            matched => Ok(matched),
        }
    }
}
