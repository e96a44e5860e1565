//! An index from JSON pointers (`/paths/~1me~1photo/get`) to positions in the YAML source.
//!
//! serde only reports positions for syntax errors; semantic problems found later (a dangling
//! `$ref`, a duplicate `operationId`) are located through this index, built from the parser's
//! events. Building it also finds duplicate mapping keys, which serde would silently merge.

use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};

use saphyr_parser::{Event, Parser, Span};

use crate::diagnostics::Location;

/// Positions of every key and value in a YAML document.
#[derive(Debug, Default)]
pub struct SourceIndex {
    /// Where the node at a pointer starts: the key for mapping entries, else the value.
    positions: HashMap<String, Location>,
    duplicate_keys: Vec<(String, Location)>,
}

enum Frame {
    Mapping {
        pointer: String,
        expecting_key: bool,
        key: Option<String>,
        seen: HashSet<String>,
    },
    Sequence {
        pointer: String,
        next: usize,
    },
}

impl SourceIndex {
    /// Indexes `text`. The index parser and serde's YAML parser do not agree on every corner of
    /// YAML (libyaml accepts a quoted scalar continued at a lower indentation, saphyr does not),
    /// so when the index parser stops early the positions found so far are kept: a problem
    /// further on is then located at its nearest indexed ancestor. Returns `None` only when
    /// nothing at all could be indexed.
    pub fn build(text: &str) -> Option<SourceIndex> {
        let mut index = SourceIndex::default();
        let mut stack: Vec<Frame> = Vec::new();
        let mut parser = Parser::new_from_str(text);
        let mut documents = 0;
        while let Some(next) = parser.next_event() {
            let Ok((event, span)) = next else { break };
            match event {
                Event::DocumentStart(_) => {
                    documents += 1;
                    if documents > 1 {
                        break;
                    }
                }
                Event::Scalar(value, ..) if !index.take_key_slot(&mut stack, &value, span) => {
                    index.value_at(&mut stack, span);
                }
                Event::Alias(_) => {
                    index.value_at(&mut stack, span);
                }
                Event::MappingStart(..) => {
                    let pointer = index.value_at(&mut stack, span);
                    stack.push(Frame::Mapping {
                        pointer,
                        expecting_key: true,
                        key: None,
                        seen: HashSet::new(),
                    });
                }
                Event::SequenceStart(..) => {
                    let pointer = index.value_at(&mut stack, span);
                    stack.push(Frame::Sequence { pointer, next: 0 });
                }
                Event::MappingEnd | Event::SequenceEnd => {
                    stack.pop();
                }
                _ => {}
            }
        }
        (!index.positions.is_empty()).then_some(index)
    }

    /// If the innermost frame is a mapping waiting for a key, records `value` as that key and
    /// returns true.
    fn take_key_slot(&mut self, stack: &mut [Frame], value: &str, span: Span) -> bool {
        let Some(Frame::Mapping {
            pointer,
            expecting_key,
            key,
            seen,
        }) = stack.last_mut()
        else {
            return false;
        };
        if !*expecting_key {
            return false;
        }
        let child = format!("{pointer}/{}", escape(value));
        let at = location(span);
        if !seen.insert(value.to_owned()) {
            self.duplicate_keys.push((child.clone(), at));
        } else {
            self.positions.insert(child, at);
        }
        *key = Some(value.to_owned());
        *expecting_key = false;
        true
    }

    /// Records a value node in the innermost frame and returns its pointer.
    fn value_at(&mut self, stack: &mut [Frame], span: Span) -> String {
        match stack.last_mut() {
            None => {
                self.positions
                    .entry(String::new())
                    .or_insert(location(span));
                String::new()
            }
            Some(Frame::Mapping {
                pointer,
                expecting_key,
                key,
                ..
            }) => {
                if *expecting_key {
                    // A complex (non-scalar) key: index it under a placeholder and move on.
                    *expecting_key = false;
                    *key = None;
                    return format!("{pointer}/?");
                }
                *expecting_key = true;
                let child = format!("{pointer}/{}", escape(key.as_deref().unwrap_or("?")));
                self.positions
                    .entry(format!("{child}#value"))
                    .or_insert(location(span));
                child
            }
            Some(Frame::Sequence { pointer, next }) => {
                let child = format!("{pointer}/{next}");
                *next += 1;
                self.positions
                    .entry(child.clone())
                    .or_insert(location(span));
                child
            }
        }
    }

    /// The position of the node at `pointer`, or of its nearest indexed ancestor.
    pub fn locate(&self, pointer: &str) -> Option<Location> {
        let mut current = pointer;
        loop {
            if let Some(at) = self.positions.get(current) {
                return Some(*at);
            }
            if current.is_empty() {
                return None;
            }
            current = &current[..current.rfind('/').unwrap_or(0)];
        }
    }

    /// The position of the value (rather than the key) at `pointer`, when known.
    pub fn locate_value(&self, pointer: &str) -> Option<Location> {
        self.positions
            .get(&format!("{pointer}#value"))
            .copied()
            .or_else(|| self.locate(pointer))
    }

    /// Keys that appear twice in one mapping: `(pointer, position of the repeat)`.
    pub fn duplicate_keys(&self) -> &[(String, Location)] {
        &self.duplicate_keys
    }
}

/// A [`SourceIndex`] built the first time a position is asked for.
///
/// Positions are only needed to report problems, and indexing costs more than parsing, so a
/// spec without problems is never indexed.
pub struct LazyIndex<'a> {
    text: &'a str,
    index: OnceCell<SourceIndex>,
}

impl<'a> LazyIndex<'a> {
    /// An index of `text`, not built yet.
    pub fn new(text: &'a str) -> Self {
        LazyIndex {
            text,
            index: OnceCell::new(),
        }
    }

    /// The text being indexed.
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// The index, built now if it was not yet. A text that cannot be indexed at all gives an
    /// empty index, which locates nothing.
    pub fn get(&self) -> &SourceIndex {
        self.index
            .get_or_init(|| SourceIndex::build(self.text).unwrap_or_default())
    }
}

fn location(span: Span) -> Location {
    Location {
        line: span.start.line(),
        column: span.start.col() + 1,
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

    #[test]
    fn keys_values_and_sequence_items_are_located() {
        let index = SourceIndex::build(TEXT).expect("valid yaml");
        assert_eq!(
            index.locate("/paths/~1me~1photo/get/operationId"),
            Some(Location { line: 5, column: 7 })
        );
        assert_eq!(
            index.locate_value("/paths/~1me~1photo/get/operationId"),
            Some(Location {
                line: 5,
                column: 20
            })
        );
        assert_eq!(
            index.locate("/paths/~1x/put"),
            Some(Location { line: 7, column: 5 })
        );
        assert_eq!(
            index.locate("/list/1/two"),
            Some(Location {
                line: 10,
                column: 5
            })
        );
        assert_eq!(
            index.locate("/paths/~1x/put/missing"),
            Some(Location { line: 7, column: 5 })
        );
    }

    #[test]
    fn duplicate_keys_are_reported() {
        let index = SourceIndex::build("a: 1\nb: 2\na: 3\n").expect("valid yaml");
        assert_eq!(
            index.duplicate_keys(),
            &[("/a".to_owned(), Location { line: 3, column: 1 })]
        );
    }

    #[test]
    fn an_early_stop_keeps_what_was_indexed() {
        let index = SourceIndex::build("a: 1\nb: [1, 2\n").expect("partial index");
        assert_eq!(index.locate("/a"), Some(Location { line: 1, column: 1 }));
        assert_eq!(index.locate("/zzz"), Some(Location { line: 1, column: 1 }));
    }

    #[test]
    fn nothing_indexable_gives_none() {
        assert!(SourceIndex::build("\"unterminated").is_none());
    }
}
