//! Positions of the spec's nodes, named by JSON pointers (`/paths/~1me~1photo/get`), for
//! diagnostics.
//!
//! serde_yaml, which reads the spec, tells a position only with an error, one node per read of
//! the text. So the text is read once more, on the first position asked for, by an event parser
//! that gives every node's position (`index`); a description with hundreds of warnings costs
//! one extra read, not hundreds. Tests check those positions against serde_yaml's own
//! (`probe`), which also answers where the event parser stops before serde_yaml would.

mod index;
#[cfg(test)]
mod oracle;
mod probe;

use std::cell::OnceCell;

use crate::diagnostics::Location;
use index::{Found, Index};
use probe::{Part, serde_position};

/// Finds where the nodes of one spec text stand.
pub struct Locator<'a> {
    text: &'a str,
    index: OnceCell<Index>,
}

impl<'a> Locator<'a> {
    /// A locator for `text`; nothing is read until a position is asked for.
    pub fn new(text: &'a str) -> Self {
        Locator {
            text,
            index: OnceCell::new(),
        }
    }

    /// The text being located in.
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// Where the node at `pointer` starts: the key of a mapping entry, else the node itself. A
    /// pointer to nothing gives the position of its nearest ancestor that exists.
    pub fn locate(&self, pointer: &str) -> Option<Location> {
        self.position(pointer, Part::Key)
    }

    /// Where the value at `pointer` starts; a pointer to nothing gives [`Locator::locate`]'s
    /// answer.
    pub fn locate_value(&self, pointer: &str) -> Option<Location> {
        self.position(pointer, Part::Value)
    }

    /// Every key that repeats within one mapping, as `(pointer, position of the repeat)`, in
    /// the order they appear.
    pub fn duplicate_keys(&self) -> Vec<(String, Location)> {
        self.index().repeats().to_vec()
    }

    fn position(&self, pointer: &str, part: Part) -> Option<Location> {
        let tokens: Vec<String> = pointer.split('/').skip(1).map(unescape).collect();
        match (self.index().find(&tokens), part) {
            (Found::At(node), Part::Key) | (Found::Ancestor(node), _) => Some(node.key),
            (Found::At(node), Part::Value) => Some(node.value),
            // The event parser stopped early where serde_yaml may not: ask serde_yaml.
            (Found::Unreadable, _) => serde_position(self.text, &tokens, part),
        }
    }

    fn index(&self) -> &Index {
        self.index.get_or_init(|| Index::build(self.text))
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
