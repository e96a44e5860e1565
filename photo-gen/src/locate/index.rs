//! Where every node of a YAML text stands, found in one pass over the parser's events.
//!
//! serde_yaml tells positions only with errors, one node per read of the text; a description
//! with hundreds of warnings would be read hundreds of times. The event parser of
//! `saphyr-parser` gives each event's position, so one pass indexes them all.

use std::collections::HashMap;

use line_index::{LineIndex, WideEncoding, WideLineCol};
use saphyr_parser::{Event, Parser, ScalarStyle, Span};

use super::escape;
use crate::diagnostics::Location;

/// Positions of one node: its key (for a sequence item or the root, the node itself) and its
/// value.
#[derive(Clone, Copy, Debug)]
pub(super) struct Node {
    pub key: Location,
    pub value: Location,
}

/// What the pass found, by JSON pointer.
pub(super) struct Index {
    nodes: HashMap<Box<str>, Node>,
    /// Aliases (`*name`), by pointer: the pointer of the node they stand for.
    aliases: HashMap<Box<str>, Box<str>>,
    /// Keys that repeat within one mapping: the repeat's pointer and position, in text order.
    repeats: Vec<(String, Location)>,
    /// Whether the whole text was read; when not, a node that was not found may still exist.
    complete: bool,
}

/// What a lookup found.
pub(super) enum Found {
    /// The node.
    At(Node),
    /// The node does not exist; this is its nearest ancestor that does.
    Ancestor(Node),
    /// The text could not be read that far.
    Unreadable,
}

/// A collection being read: where the pointer stood when it began, and how far it has come.
enum Frame {
    Mapping {
        pointer_len: usize,
        /// The key just read, waiting for its value: its position.
        key: Option<Location>,
    },
    Sequence {
        pointer_len: usize,
        next: usize,
    },
}

impl Index {
    /// Reads `text` once; a syntax error ends the pass, keeping what came before it.
    pub fn build(text: &str) -> Self {
        let mut builder = Builder {
            index: Index {
                nodes: HashMap::new(),
                aliases: HashMap::new(),
                repeats: Vec::new(),
                complete: false,
            },
            text,
            lines: LineIndex::new(text),
            pointer: String::new(),
            stack: Vec::new(),
            anchors: HashMap::new(),
            documents: 0,
        };
        for event in Parser::new_from_str(text) {
            let Ok((event, span)) = event else {
                return builder.index;
            };
            if !builder.event(event, span) {
                break;
            }
        }
        builder.index.complete = true;
        builder.index
    }

    /// Every node's pointer, for tests.
    #[cfg(test)]
    pub fn pointers(&self) -> Vec<String> {
        let mut pointers: Vec<String> = self.nodes.keys().map(|key| key.to_string()).collect();
        pointers.sort();
        pointers
    }

    /// Keys that repeat within one mapping, in text order.
    pub fn repeats(&self) -> &[(String, Location)] {
        &self.repeats
    }

    /// The node at the pointer made of `tokens` (unescaped), following aliases.
    pub fn find(&self, tokens: &[String]) -> Found {
        let Some(root) = self.nodes.get("") else {
            return Found::Unreadable;
        };
        let mut pointer = String::new();
        let mut node = *root;
        for token in tokens {
            let parent = node;
            // Below an alias are the nodes of what it stands for.
            if let Some(target) = self.aliases.get(pointer.as_str()) {
                pointer = target.to_string();
            }
            pointer.push('/');
            pointer.push_str(&escape(token));
            match self.nodes.get(pointer.as_str()) {
                Some(found) => node = *found,
                None if self.complete => return Found::Ancestor(parent),
                None => return Found::Unreadable,
            }
        }
        Found::At(node)
    }
}

/// The state of one pass.
struct Builder<'t> {
    index: Index,
    text: &'t str,
    /// Lines and their non-ASCII characters, so a column converts to a byte offset without
    /// counting the characters before it: a description published as JSON is one line of
    /// megabytes.
    lines: LineIndex,
    /// The pointer of the node being read.
    pointer: String,
    stack: Vec<Frame>,
    /// Anchors (`&name`) by the parser's id: the pointer of the node they name.
    anchors: HashMap<usize, Box<str>>,
    documents: usize,
}

impl Builder<'_> {
    /// Takes one event; false once the first document has ended.
    fn event(&mut self, event: Event<'_>, span: Span) -> bool {
        let at = Location {
            line: span.start.line(),
            column: span.start.col() + 1,
        };
        match event {
            Event::DocumentStart(_) => {
                self.documents += 1;
                self.documents == 1
            }
            Event::DocumentEnd => false,
            Event::Scalar(text, style, anchor, _) => {
                let at = self.scalar_start(&text, style, span, at);
                if self.is_key() {
                    self.key(&text, at);
                } else {
                    self.node(at, anchor);
                    self.leave();
                }
                true
            }
            Event::Alias(anchor) => {
                if self.is_key() {
                    // An alias as a key names no pointer token; its value is skipped.
                    self.key("", at);
                } else {
                    self.node(at, 0);
                    if let Some(target) = self.anchors.get(&anchor) {
                        // serde reads an alias as the node it stands for, there.
                        let target_value = self.index.nodes.get(target).map(|node| node.value);
                        if let (Some(value), Some(node)) = (
                            target_value,
                            self.index.nodes.get_mut(self.pointer.as_str()),
                        ) {
                            node.value = value;
                        }
                        self.index
                            .aliases
                            .insert(self.pointer.clone().into(), target.clone());
                    }
                    self.leave();
                }
                true
            }
            Event::MappingStart(anchor, _) => {
                let pointer_len = self.enter(at, anchor);
                self.stack.push(Frame::Mapping {
                    pointer_len,
                    key: None,
                });
                true
            }
            Event::SequenceStart(anchor, _) => {
                let at = self.sequence_start(at);
                let pointer_len = self.enter(at, anchor);
                self.stack.push(Frame::Sequence {
                    pointer_len,
                    next: 0,
                });
                true
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
                self.leave();
                true
            }
            Event::Nothing | Event::StreamStart | Event::StreamEnd => true,
        }
    }

    /// Where serde_yaml (libyaml) places a scalar that starts at `at` by this parser's count:
    /// a block scalar (`|`, `>`) at its indicator rather than its first line of text, and an
    /// empty value just after its `:` rather than on it.
    fn scalar_start(&self, text: &str, style: ScalarStyle, span: Span, at: Location) -> Location {
        match style {
            ScalarStyle::Literal | ScalarStyle::Folded => {
                let Some(content) = self.offset(at) else {
                    return at;
                };
                self.text[..content]
                    .rfind(['|', '>'])
                    .map_or(at, |indicator| self.location(indicator))
            }
            ScalarStyle::Plain if text.is_empty() && span.start == span.end => {
                match self.offset(at) {
                    Some(offset) if self.text[offset..].starts_with(':') => Location {
                        column: at.column + 1,
                        ..at
                    },
                    _ => at,
                }
            }
            _ => at,
        }
    }

    /// Where serde_yaml (libyaml) places a sequence that starts at `at` by this parser's count:
    /// a mapping's value written as an indentless sequence (`key:` then `- item` at the key's
    /// indentation) at its first `-`, which this parser has already passed.
    fn sequence_start(&self, at: Location) -> Location {
        if !matches!(self.stack.last(), Some(Frame::Mapping { key: Some(_), .. })) {
            return at;
        }
        let Some(offset) = self.offset(at) else {
            return at;
        };
        let before = self.text[..offset].trim_end_matches([' ', '\t']);
        if before.ends_with('-') {
            self.location(before.len() - 1)
        } else {
            at
        }
    }

    /// The byte offset of a location (line and column counted in characters from 1).
    fn offset(&self, at: Location) -> Option<usize> {
        let wide = WideLineCol {
            line: u32::try_from(at.line.checked_sub(1)?).ok()?,
            col: u32::try_from(at.column.checked_sub(1)?).ok()?,
        };
        let utf8 = self.lines.to_utf8(WideEncoding::Utf32, wide)?;
        let offset = usize::from(self.lines.offset(utf8)?);
        self.text.is_char_boundary(offset).then_some(offset)
    }

    /// The location of a byte offset.
    fn location(&self, offset: usize) -> Location {
        let wide = u32::try_from(offset)
            .ok()
            .and_then(|offset| self.lines.try_line_col(offset.into()))
            .and_then(|utf8| self.lines.to_wide(WideEncoding::Utf32, utf8));
        match wide {
            Some(wide) => Location {
                line: wide.line as usize + 1,
                column: wide.col as usize + 1,
            },
            // Offsets come from this text's own lines, so this is not reached; the start of the
            // text is a harmless answer if it were.
            None => Location { line: 1, column: 1 },
        }
    }

    /// Whether the next node is a mapping's key.
    fn is_key(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Mapping { key: None, .. }))
    }

    /// A mapping key: the pointer moves to its entry.
    fn key(&mut self, text: &str, at: Location) {
        if let Some(Frame::Mapping { pointer_len, key }) = self.stack.last_mut() {
            self.pointer.truncate(*pointer_len);
            self.pointer.push('/');
            self.pointer.push_str(&escape(text));
            *key = Some(at);
            if self.index.nodes.contains_key(self.pointer.as_str()) {
                self.index.repeats.push((self.pointer.clone(), at));
            }
        }
    }

    /// A collection begins at `at`: records it and returns where its children's pointers start.
    fn enter(&mut self, at: Location, anchor: usize) -> usize {
        if self.is_key() {
            // A collection as a key (`? [a, b]`) names no pointer token.
            self.key("", at);
        }
        self.node(at, anchor);
        self.pointer.len()
    }

    /// A node (not a key) begins at `at`: the pointer moves to it and it is recorded.
    fn node(&mut self, at: Location, anchor: usize) {
        let key = match self.stack.last_mut() {
            None => at,
            Some(Frame::Mapping { key, .. }) => key.unwrap_or(at),
            Some(Frame::Sequence { pointer_len, next }) => {
                self.pointer.truncate(*pointer_len);
                self.pointer.push('/');
                self.pointer.push_str(&next.to_string());
                at
            }
        };
        // The first of two equal keys is the one serde reads.
        self.index
            .nodes
            .entry(self.pointer.clone().into())
            .or_insert(Node { key, value: at });
        if anchor != 0 {
            self.anchors.insert(anchor, self.pointer.clone().into());
        }
    }

    /// A node has ended: its parent waits for the next key or item.
    fn leave(&mut self) {
        match self.stack.last_mut() {
            Some(Frame::Mapping { key, .. }) => *key = None,
            Some(Frame::Sequence { next, .. }) => *next += 1,
            None => {}
        }
    }
}
