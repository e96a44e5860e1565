//! Parsing a large spec's `paths` one path item at a time, on several threads.
//!
//! serde_yaml loads every event of a document before deserializing it; for a spec of tens of
//! megabytes the events take ten times the text's size, and one thread parses everything.
//! Here the text is cut at the lines where the path items start, and each piece, the text of
//! one path item with its key, is parsed on its own, so memory holds one item's events at a
//! time and the pieces are shared between threads.
//!
//! The cuts are found from indentation alone, which cannot tell a key from a line inside a
//! quoted or flow value; every cut is therefore confirmed by serde_yaml, and any doubt falls
//! back to parsing the whole text, which gives the same document and the same errors:
//! - a cut inside a quoted scalar or a flow collection leaves the piece before it unclosed,
//!   which does not parse;
//! - a block or plain scalar cannot reach a line as little indented as a path key;
//! - the rest of the document, with `paths` replaced by a marker path no other text holds, must
//!   parse and hold exactly the marker as its root `paths`, so `paths:` was a key of the root
//!   mapping (which must be in block style);
//! - each piece is parsed under a `paths:` key of its own, so it nests as deep as in the whole
//!   document and meets serde_yaml's depth limit at the same point;
//! - each piece must hold exactly one path, and no path may repeat.
//!
//! Some YAML reaches across the cuts in ways a piece cannot see, so a text with any of it is
//! parsed whole: anchors and aliases (which also count against a per-document repetition
//! limit), directives such as `%TAG`, and line breaks other than `\n` and `\r\n` (a lone `\r`,
//! U+0085, U+2028 or U+2029 ends a line for libyaml but not for the cut).

use std::ops::Range;

use super::{Document, PathItem, UniqueMap};

/// Pieces one thread parses before another is worth starting.
const PIECES_PER_THREAD: usize = 256;

/// A piece parsed alone: its path under a `paths` key, as deep as in the whole document.
#[derive(serde::Deserialize)]
struct PathsOnly {
    paths: UniqueMap<String, PathItem>,
}

/// The document parsed piece by piece, or `None` when the text is not laid out for it or any
/// piece does not parse (the caller then parses the whole text).
pub fn parse(text: &str) -> Option<Document> {
    if reaches_across_cuts(text) || !starts_with_a_block_key(text) {
        return None;
    }
    let layout = Layout::find(text)?;
    let marker = marker_path(text);
    let rest = format!(
        "{}paths: {{'{marker}': {{}}}}\n{}",
        &text[..layout.paths_line.start],
        &text[layout.region_end..]
    );
    let pieces: Vec<&str> = layout
        .pieces
        .iter()
        .map(|range| &text[range.clone()])
        .collect();
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(pieces.len().div_ceil(PIECES_PER_THREAD))
        .max(1);
    let chunk = pieces.len().div_ceil(threads).max(1);
    let (document, parsed) = std::thread::scope(|scope| {
        let mut chunks = pieces.chunks(chunk);
        let first = chunks.next().unwrap_or_default();
        let workers: Vec<_> = chunks
            .map(|chunk| scope.spawn(move || parse_pieces(chunk)))
            .collect();
        let document = serde_yaml::from_str::<Document>(&rest).ok();
        let mut parsed = vec![parse_pieces(first)];
        parsed.extend(
            workers
                .into_iter()
                .map(|worker| worker.join().ok().flatten()),
        );
        (document, parsed)
    });
    let mut document = document?;
    if !holds_only_the_marker(&document.paths, &marker) {
        return None;
    }
    let mut paths = indexmap::IndexMap::with_capacity_and_hasher(pieces.len(), Default::default());
    for (path, item) in parsed
        .into_iter()
        .collect::<Option<Vec<_>>>()?
        .into_iter()
        .flatten()
    {
        if paths.insert(path, item).is_some() {
            return None;
        }
    }
    document.paths = UniqueMap::from_map(paths);
    Some(document)
}

/// Parses each piece, under a `paths` key of its own, as a mapping of exactly one path.
fn parse_pieces(pieces: &[&str]) -> Option<Vec<(String, PathItem)>> {
    let mut under_paths = String::new();
    pieces
        .iter()
        .map(|piece| {
            under_paths.clear();
            under_paths.push_str("paths:\n");
            under_paths.push_str(piece);
            let map = serde_yaml::from_str::<PathsOnly>(&under_paths).ok()?.paths;
            let mut entries = map.into_inner().into_iter();
            match (entries.next(), entries.next()) {
                (Some(entry), None) => Some(entry),
                _ => None,
            }
        })
        .collect()
}

/// A path no line of `text` holds, to stand in for `paths` in the rest of the document.
fn marker_path(text: &str) -> String {
    (0_u64..)
        .map(|n| format!("photo-gen marker {n}"))
        .find(|marker| !text.contains(marker.as_str()))
        .unwrap_or_default()
}

fn holds_only_the_marker(paths: &UniqueMap<String, PathItem>, marker: &str) -> bool {
    match paths.get(marker) {
        Some(item) => {
            paths.len() == 1
                && item.operations().is_empty()
                && item.parameters.is_empty()
                && item.reference.is_none()
        }
        None => false,
    }
}

/// Whether `text` may hold YAML that links or breaks lines across the cuts: a possible anchor or
/// alias (`&` or `*` starting a word), a directive, or a line break the cut does not see. Erring
/// on the side of yes only costs speed.
///
/// Specs are tens of megabytes and every other step waits for this one, so only the bytes that
/// can start such YAML are visited, found a few at a time by `memchr`.
fn reaches_across_cuts(text: &str) -> bool {
    let bytes = text.as_bytes();
    memchr::memchr3_iter(b'&', b'*', b'%', bytes)
        .chain(memchr::memchr3_iter(b'\r', 0xC2, 0xE2, bytes))
        .chain(memchr::memchr_iter(0xEF, bytes))
        .any(|at| starts_what_reaches_across(bytes, at))
}

/// Whether the byte at `at` starts an anchor, alias, directive or line break that
/// [`reaches_across_cuts`] looks for.
fn starts_what_reaches_across(bytes: &[u8], at: usize) -> bool {
    let is_break = |byte: u8| matches!(byte, b' ' | b'\t' | b'\n' | b'\r');
    let before = at.checked_sub(1).map(|index| bytes[index]);
    let after = bytes.get(at + 1).copied();
    match bytes[at] {
        b'&' | b'*' => {
            before.is_none_or(|before| is_break(before) || matches!(before, b'[' | b'{' | b','))
                && after.is_some_and(|after| !is_break(after))
        }
        b'\r' => after != Some(b'\n'),
        b'%' => before.is_none_or(|before| before == b'\n'),
        // U+0085 is C2 85; U+2028 and U+2029 are E2 80 A8/A9; U+FEFF is EF BB BF.
        0xC2 => after == Some(0x85),
        0xE2 => after == Some(0x80) && matches!(bytes.get(at + 2), Some(0xA8 | 0xA9)),
        0xEF => at > 0 && after == Some(0xBB) && bytes.get(at + 2) == Some(&0xBF),
        _ => false,
    }
}

/// Whether the first line with content starts a key of a block mapping (a flow mapping, `{`,
/// reads its lines in another way).
fn starts_with_a_block_key(text: &str) -> bool {
    lines(text)
        .map(|line| text[line].trim_start_matches('\u{feff}'))
        .find(|line| significant_indent(line).is_some())
        .is_some_and(|line| line.starts_with(|c: char| c.is_ascii_alphanumeric()))
}

/// Where `paths` and its items are in the text, by indentation.
#[derive(Debug, PartialEq)]
struct Layout {
    /// The `paths:` line.
    paths_line: Range<usize>,
    /// Each path item with its key line, up to the next key.
    pieces: Vec<Range<usize>>,
    /// Where the root mapping's next line starts (or the text ends).
    region_end: usize,
}

impl Layout {
    /// Finds a root `paths:` key with nothing after it but a comment, and cuts what follows,
    /// up to the next line starting at column 0, at each line indented like the first key.
    fn find(text: &str) -> Option<Layout> {
        let mut lines = lines(text);
        let paths_line = lines.find(|line| is_paths_key(&text[line.clone()]))?;
        let mut key_indent = None;
        let mut pieces: Vec<Range<usize>> = Vec::new();
        let mut region_end = text.len();
        for line in lines {
            let content = &text[line.clone()];
            let Some(indent) = significant_indent(content) else {
                continue;
            };
            if indent == 0 {
                region_end = line.start;
                break;
            }
            let key_indent = *key_indent.get_or_insert(indent);
            if indent == key_indent {
                if let Some(last) = pieces.last_mut() {
                    last.end = line.start;
                }
                pieces.push(line.start..text.len());
            }
        }
        let last = pieces.last_mut()?;
        last.end = region_end;
        Some(Layout {
            paths_line,
            pieces,
            region_end,
        })
    }
}

/// The byte ranges of the text's lines, each with its line break.
fn lines(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= text.len() {
            return None;
        }
        let end = text[start..]
            .find('\n')
            .map_or(text.len(), |at| start + at + 1);
        let line = start..end;
        start = end;
        Some(line)
    })
}

/// `paths:` at column 0, then nothing but spaces and a comment.
fn is_paths_key(line: &str) -> bool {
    line.strip_prefix("paths:").is_some_and(|rest| {
        let spaced = rest.trim_start_matches([' ', '\t']);
        let content = spaced.trim_end_matches(['\r', '\n']);
        // A comment needs a space before its `#`: `paths:#x` is one scalar.
        content.is_empty() || (spaced.len() < rest.len() && content.starts_with('#'))
    })
}

/// The indentation of a line that holds more than spaces or a comment.
fn significant_indent(line: &str) -> Option<usize> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    match line[indent..].bytes().next() {
        None | Some(b'\n' | b'\r' | b'#') => None,
        Some(_) => Some(indent),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whole(text: &str) -> String {
        format!(
            "{:?}",
            serde_yaml::from_str::<Document>(text).expect("parses whole")
        )
    }

    fn in_pieces(text: &str) -> Option<String> {
        parse(text).map(|document| format!("{document:?}"))
    }

    const HEAD: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n";

    #[test]
    fn the_photo_spec_parses_the_same_in_pieces() {
        let text = include_str!("../../../spec/photo.openapi.yaml");
        let layout = Layout::find(text).expect("the spec is laid out for pieces");
        assert!(layout.pieces.len() > 10);
        assert_eq!(in_pieces(text).as_deref(), Some(whole(text).as_str()));
    }

    #[test]
    fn pieces_keep_comments_blank_lines_and_what_follows_paths() {
        let text = format!(
            "{HEAD}paths: # the endpoints\n  # first\n  /a:\n    get:\n      operationId: a\n\n      responses: {{'200': {{description: ok}}}}\n# between\n  /b: {{}}\ncomponents:\n  schemas: {{}}\nx-after: 1\n"
        );
        let layout = Layout::find(&text).expect("laid out");
        assert_eq!(layout.pieces.len(), 2);
        assert_eq!(in_pieces(&text).as_deref(), Some(whole(&text).as_str()));
    }

    #[test]
    fn a_quoted_value_reaching_back_to_the_key_column_falls_back() {
        // libyaml reads the description as one scalar; a cut at `  /c:` would leave it open.
        let text = format!(
            "{HEAD}paths:\n  /a:\n    description: \"one\n  /c: two\"\n    get:\n      responses: {{'200': {{description: ok}}}}\n"
        );
        assert_eq!(in_pieces(&text), None);
        assert_eq!(
            crate::spec::parse(&text)
                .map(|d| format!("{d:?}"))
                .ok()
                .as_deref(),
            Some(whole(&text).as_str())
        );
    }

    #[test]
    fn a_flow_value_reaching_back_to_the_key_column_falls_back() {
        let text = format!(
            "{HEAD}paths:\n  /a: {{get: {{responses: {{'200': {{description: ok}}}}}},\n  parameters: []}}\n"
        );
        assert_eq!(in_pieces(&text), None);
    }

    #[test]
    fn anchors_across_pieces_fall_back() {
        let text = format!(
            "{HEAD}paths:\n  /a: &item\n    get:\n      responses: {{'200': {{description: ok}}}}\n  /b: *item\n"
        );
        assert_eq!(in_pieces(&text), None);
        assert!(crate::spec::parse(&text).is_ok());
    }

    #[test]
    fn a_repeated_path_falls_back_to_the_whole_parse_and_its_error() {
        let text = format!("{HEAD}paths:\n  /a: {{}}\n  /a: {{}}\n");
        assert_eq!(in_pieces(&text), None);
        let error = crate::spec::parse(&text).unwrap_err().to_string();
        assert!(error.contains("duplicate key `/a`"), "{error}");
    }

    #[test]
    fn paths_inside_a_root_scalar_is_not_taken_for_the_key() {
        // `paths:` at column 0 is part of the title: the rest without the region holds no
        // marker at the root, so the pieces are not used.
        let text = "openapi: 3.0.3\ninfo: {version: '1', title: \"a\npaths:\n  /x: b\"}\n";
        assert_eq!(in_pieces(text), None);
    }

    #[test]
    fn flow_or_inline_paths_are_parsed_whole() {
        for text in [
            format!("{HEAD}paths: {{/a: {{}}}}\n"),
            format!("{HEAD}paths:\n"),
            format!("{HEAD}paths:\ncomponents: {{}}\n"),
        ] {
            assert_eq!(Layout::find(&text), None, "{text}");
            assert!(crate::spec::parse(&text).is_ok(), "{text}");
        }
        // Without a space, `#x` is part of a scalar `paths:#x`, not a comment.
        assert_eq!(Layout::find(&format!("{HEAD}paths:#x\n  /a: {{}}\n")), None);
    }

    #[test]
    fn windows_line_breaks_parse_the_same() {
        let text = format!(
            "{HEAD}paths:\n  /a:\n    get:\n      responses: {{'200': {{description: ok}}}}\n  /b: {{}}\n"
        )
        .replace('\n', "\r\n");
        assert_eq!(in_pieces(&text).as_deref(), Some(whole(&text).as_str()));
    }

    #[test]
    fn many_pieces_are_shared_between_threads_and_keep_their_order() {
        let mut text = format!("{HEAD}paths:\n");
        for n in 0..(PIECES_PER_THREAD * 3 + 7) {
            text.push_str(&format!(
                "  /p{n}:\n    get:\n      operationId: op{n}\n      responses: {{'200': {{description: ok}}}}\n"
            ));
        }
        text.push_str("components: {}\n");
        let document = parse(&text).expect("parses in pieces");
        assert_eq!(document.paths.len(), PIECES_PER_THREAD * 3 + 7);
        assert_eq!(format!("{document:?}"), whole(&text));
    }

    /// Pieces either step aside or give exactly the whole parse's document.
    fn assert_agrees(text: &str) {
        let whole = serde_yaml::from_str::<Document>(text)
            .map(|document| format!("{document:?}"))
            .ok();
        if let Some(pieces) = in_pieces(text) {
            assert_eq!(Some(pieces), whole, "{text:?}");
        }
    }

    /// [`reaches_across_cuts`] as a plain pass over every byte.
    fn reaches_across_cuts_bytewise(text: &str) -> bool {
        let bytes = text.as_bytes();
        (0..bytes.len()).any(|at| starts_what_reaches_across(bytes, at))
    }

    #[test]
    fn finding_what_reaches_across_cuts_agrees_with_a_pass_over_every_byte() {
        // Short texts of the bytes that matter and the bytes around them, in every order.
        let alphabet: [&str; 16] = [
            "&", "*", "%", "\r", "\n", " ", "\t", "[", "{", ",", "a", "\u{85}", "\u{2028}",
            "\u{2029}", "\u{feff}", "\u{2026}",
        ];
        let mut state = 0x2545_f491_u32;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as usize
        };
        for _ in 0..20_000 {
            let len = next() % 7;
            let text: String = (0..len)
                .map(|_| alphabet[next() % alphabet.len()])
                .collect();
            assert_eq!(
                reaches_across_cuts(&text),
                reaches_across_cuts_bytewise(&text),
                "{text:?}"
            );
        }
        let spec = include_str!("../../../spec/photo.openapi.yaml");
        assert!(!reaches_across_cuts(spec) && !reaches_across_cuts_bytewise(spec));
    }

    #[test]
    fn yaml_that_reaches_across_cuts_is_parsed_whole() {
        let deep = |levels: usize| {
            format!(
                "{HEAD}paths:\n  /a:\n    $ref: {}{}\n",
                "[".repeat(levels),
                "]".repeat(levels)
            )
        };
        let aliases: String = (0..8)
            .map(|n| {
                format!(
                    "  /p{n}:\n    $ref: [&a{n} x, &b{n} [{}], {}]\n",
                    vec![format!("*a{n}"); 100].join(", "),
                    vec![format!("*b{n}"); 200].join(", ")
                )
            })
            .collect();
        let cases = [
            // An anchor redefined in a piece and used after `paths`.
            "openapi: 3.0.3\ninfo: &x {title: t, version: '1'}\npaths:\n  /a:\n    summary: &x foo\nx-after: *x\n".to_owned(),
            // Anchors redefined in different pieces.
            format!("{HEAD}paths:\n  /p1:\n    $ref: [&a 1, &b 2]\n  /p2:\n    $ref: [&a 3, &c 4, *a]\n"),
            format!("{HEAD}paths:\n{aliases}"),
            // `paths:` inside a flow collection, and a literal marker-like root `paths`.
            "openapi: 3.0.3\ninfo: {title: t, version: '1', x-p: [\npaths:\n  {/x: {}}\n]}\npaths: {\"\": {}}\n".to_owned(),
            // A directive the pieces would not see.
            format!("%TAG ! tag:example.com,2000:\n---\n{HEAD}paths:\n  /a:\n    $ref: !foo x\n"),
            // Line breaks libyaml sees and the cut does not.
            format!("{HEAD}paths:\n\r  /h: {{}}\n  /a: {{}}\n"),
            format!("{HEAD}paths:\n  # note\u{2028}  /h: {{}}\n  /a: {{}}\n"),
            format!("{HEAD}paths: # c\r  /h: {{}}\n  /a: {{}}\n"),
            format!("{HEAD}paths: # c\u{85}  /h: {{}}\n  /a: {{}}\n"),
            format!("{HEAD}paths:\n  /a: {{}}\r...\nx-after: 1\n"),
            format!("{HEAD}paths:\n  /a: {{}}\u{2028}...\nx-after: 1\n"),
            format!("{HEAD}paths:\n  /a: {{}}\u{85}...\nx-after: 1\n"),
            // A flow-style root mapping.
            "{openapi: 3.0.3, info: {title: t, version: '1'},\npaths:\n  /a: {}\n}\n".to_owned(),
            // Nesting at serde_yaml's depth limit.
            deep(125),
            deep(126),
            deep(127),
        ];
        for text in &cases {
            assert_agrees(text);
        }
        assert!(reaches_across_cuts(&cases[0]) && reaches_across_cuts(&cases[4]));
        assert!(!reaches_across_cuts(include_str!(
            "../../../spec/photo.openapi.yaml"
        )));
        assert!(!reaches_across_cuts("a: R&D and 2 * 3, `**bold**` aside\n"));
    }
}
