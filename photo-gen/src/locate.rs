//! Positions of the spec's nodes, named by JSON pointers (`/paths/~1me~1photo/get`), for
//! diagnostics.
//!
//! serde_yaml tells a position only with an error: the position of the node it was reading when
//! the error arose. So to locate a node, the text is read again with a seed that walks down the
//! pointer, skipping everything else, and fails on purpose at that node; the error's position
//! is the node's. Positions therefore come from the very parser that read the spec and can never
//! disagree with it. Each position costs one more read of the text; only a spec with problems
//! pays that, and each pointer is read once.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, IgnoredAny, MapAccess, SeqAccess,
};
use serde::de::{VariantAccess, Visitor};

use crate::diagnostics::Location;

/// The message of the error a walk fails with on purpose, to learn where it stands.
const STOP: &str = "photo-gen: located";

/// Which position of a mapping entry is wanted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Part {
    /// The key (for a sequence item or the root: the node itself).
    Key,
    /// The value.
    Value,
}

/// Finds where the nodes of one spec text stand.
pub struct Locator<'a> {
    text: &'a str,
    found: RefCell<HashMap<(String, Part), Option<Location>>>,
}

impl<'a> Locator<'a> {
    /// A locator for `text`; nothing is read until a position is asked for.
    pub fn new(text: &'a str) -> Self {
        Locator {
            text,
            found: RefCell::default(),
        }
    }

    /// The text being located in.
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// Where the node at `pointer` starts: the key of a mapping entry, else the node itself. A
    /// pointer to nothing gives the position of its nearest ancestor that exists.
    pub fn locate(&self, pointer: &str) -> Option<Location> {
        self.cached(pointer, Part::Key)
    }

    /// Where the value at `pointer` starts; a pointer to nothing gives [`Locator::locate`]'s
    /// answer.
    pub fn locate_value(&self, pointer: &str) -> Option<Location> {
        self.cached(pointer, Part::Value)
    }

    fn cached(&self, pointer: &str, part: Part) -> Option<Location> {
        let key = (pointer.to_owned(), part);
        if let Some(found) = self.found.borrow().get(&key) {
            return *found;
        }
        let tokens: Vec<String> = pointer.split('/').skip(1).map(unescape).collect();
        let found = match probe(self.text, &tokens, part) {
            Probe::At(at) => Some(at),
            Probe::Absent { present } => match probe(self.text, &tokens[..present], Part::Key) {
                Probe::At(at) => Some(at),
                _ => None,
            },
            Probe::Unreadable => None,
        };
        self.found.borrow_mut().insert(key, found);
        found
    }

    /// Every key that repeats within one mapping, as `(pointer, position of the repeat)`, in
    /// the order they appear. Each read stops at the first repeat not yet found, so this reads
    /// the text once per repeat, and once more.
    pub fn duplicate_keys(&self) -> Vec<(String, Location)> {
        let mut repeats = Vec::new();
        loop {
            let search = RepeatSearch {
                skip: repeats.len(),
                seen: Cell::new(0),
                found: RefCell::new(None),
            };
            let walk = Repeats {
                pointer: String::new(),
                search: &search,
            };
            let Err(error) = walk.deserialize(serde_yaml::Deserializer::from_str(self.text)) else {
                return repeats;
            };
            match (search.found.into_inner(), stop_location(&error)) {
                (Some(pointer), Some(at)) => repeats.push((pointer, at)),
                _ => return repeats,
            }
        }
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

/// One search for a repeated key: the repeats before the `skip`th are passed over; at that one
/// the walk records its pointer in `found` and stops.
struct RepeatSearch {
    skip: usize,
    seen: Cell<usize>,
    found: RefCell<Option<String>>,
}

/// Walks every node, looking for the repeated key that `search` wants.
struct Repeats<'s> {
    pointer: String,
    search: &'s RepeatSearch,
}

impl<'de> DeserializeSeed<'de> for Repeats<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Repeats<'_> {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("any YAML node")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut keys = HashSet::new();
        while let Some(key) = map.next_key_seed(RepeatKey {
            parent: &self.pointer,
            keys: &mut keys,
            search: self.search,
        })? {
            map.next_value_seed(Repeats {
                pointer: format!("{}/{}", self.pointer, escape(&key)),
                search: self.search,
            })?;
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0_usize;
        while seq
            .next_element_seed(Repeats {
                pointer: format!("{}/{index}", self.pointer),
                search: self.search,
            })?
            .is_some()
        {
            index += 1;
        }
        Ok(())
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<(), A::Error> {
        let (IgnoredAny, variant) = data.variant::<IgnoredAny>()?;
        variant.newtype_variant_seed(self)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_i128<E: de::Error>(self, _: i128) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u128<E: de::Error>(self, _: u128) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

/// Reads one key of a mapping, noting it among the mapping's `keys`.
struct RepeatKey<'s> {
    parent: &'s str,
    keys: &'s mut HashSet<String>,
    search: &'s RepeatSearch,
}

impl<'de> DeserializeSeed<'de> for RepeatKey<'_> {
    type Value = String;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for RepeatKey<'_> {
    type Value = String;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a mapping key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<String, E> {
        if !self.keys.insert(key.to_owned()) {
            let seen = self.search.seen.get();
            self.search.seen.set(seen + 1);
            if seen == self.search.skip {
                *self.search.found.borrow_mut() = Some(format!("{}/{}", self.parent, escape(key)));
                return Err(E::custom(STOP));
            }
        }
        Ok(key.to_owned())
    }
}

/// Escapes one JSON-pointer reference token (RFC 6901).
pub fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Unescapes one JSON-pointer reference token (RFC 6901).
pub fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "openapi: 3.0.3\npaths:\n  /me/photo:\n    get:\n      operationId: a\n  /x:\n    put: {}\nlist:\n  - one\n  - two: 2\n";

    fn at(line: usize, column: usize) -> Option<Location> {
        Some(Location { line, column })
    }

    #[test]
    fn keys_values_and_sequence_items_are_located() {
        let locator = Locator::new(TEXT);
        assert_eq!(
            locator.locate("/paths/~1me~1photo/get/operationId"),
            at(5, 7)
        );
        assert_eq!(
            locator.locate_value("/paths/~1me~1photo/get/operationId"),
            at(5, 20)
        );
        assert_eq!(locator.locate("/paths/~1x/put"), at(7, 5));
        assert_eq!(locator.locate_value("/paths/~1x/put"), at(7, 10));
        assert_eq!(locator.locate("/list/0"), at(9, 5));
        assert_eq!(locator.locate("/list/1/two"), at(10, 5));
        assert_eq!(locator.locate_value("/list/1/two"), at(10, 10));
    }

    #[test]
    fn a_missing_node_is_located_at_its_nearest_ancestor() {
        let locator = Locator::new(TEXT);
        assert_eq!(locator.locate("/paths/~1x/put/missing"), at(7, 5));
        assert_eq!(locator.locate_value("/paths/~1x/put/missing"), at(7, 5));
        assert_eq!(locator.locate("/list/7"), at(8, 1));
        assert_eq!(locator.locate("/zzz"), at(1, 1));
    }

    #[test]
    fn numbers_and_quoted_keys_are_keys_as_written() {
        let locator = Locator::new("responses:\n  200:\n    a: 1\n  '4XX': {}\n");
        assert_eq!(locator.locate("/responses/200/a"), at(3, 5));
        assert_eq!(locator.locate("/responses/4XX"), at(4, 3));
    }

    #[test]
    fn aliases_are_followed() {
        let locator = Locator::new("a: &shared\n  b: 1\nc: *shared\n");
        assert_eq!(locator.locate("/c/b"), at(2, 3));
    }

    #[test]
    fn every_repeated_key_is_found_in_order() {
        let locator = Locator::new("a: 1\nb:\n  x: 1\n  x: 2\na: 3\nc: [{y: 1, y: 2}]\n");
        assert_eq!(
            locator.duplicate_keys(),
            [
                ("/b/x".to_owned(), Location { line: 4, column: 3 }),
                ("/a".to_owned(), Location { line: 5, column: 1 }),
                (
                    "/c/0/y".to_owned(),
                    Location {
                        line: 6,
                        column: 12
                    }
                ),
            ]
        );
    }

    #[test]
    fn text_is_located_up_to_a_syntax_error() {
        let locator = Locator::new("a: 1\nb: [1, 2\nc: 3\n");
        assert_eq!(locator.locate("/a"), at(1, 1));
        assert_eq!(locator.locate("/c"), None);
        assert!(locator.duplicate_keys().is_empty());
    }
}
