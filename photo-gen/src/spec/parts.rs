//! Parsing a large spec's `paths` in parts.
//!
//! The YAML library reads a whole document into a list of events before serde sees any of it;
//! for a spec of tens of megabytes that list takes several times the size of the parsed model.
//! When `paths` is a plain block mapping at the top level, its entries are parsed a group at a
//! time (on up to two threads) and the rest of the document on its own. Anything unusual (a
//! document marker or directive, an anchor in `paths`, an entry that does not start where the
//! indentation says, any error) gives up, and the caller parses the whole text as usual, so the
//! result and every error message are exactly those of one parse.

use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Deserialize;

use super::{Document, PathItem, UniqueMap};

/// Splits only texts with at least two parts of this size.
pub const PART_BYTES: usize = 1 << 20;

#[derive(Deserialize)]
struct Paths {
    #[serde(default)]
    paths: UniqueMap<String, PathItem>,
}

/// Where `paths` is in the text.
struct Layout<'a> {
    /// The text before the `paths:` line and after the block.
    head: &'a str,
    tail: &'a str,
    /// The entries, as consecutive slices of the block, each starting at an entry's key (the
    /// first also holds any comments before it).
    parts: Vec<&'a str>,
}

/// The document parsed in parts, or `None` when the text is not one that can be.
pub fn parse_in_parts(text: &str, part_bytes: usize) -> Option<Document> {
    let layout = layout(text, part_bytes)?;
    let mut rest = String::with_capacity(layout.head.len() + layout.tail.len());
    rest.push_str(layout.head);
    rest.push_str(layout.tail);
    let parts = parse_parts(&layout.parts)?;
    let mut document: Document = serde_yaml::from_str(&rest).ok()?;
    if !document.paths.is_empty() {
        return None;
    }
    for part in parts {
        for (path, item) in part.paths.into_inner() {
            // A path repeated across parts: the single parse reports it.
            if !document.paths.insert_new(path, item) {
                return None;
            }
        }
    }
    Some(document)
}

/// Parses every part, in order; `None` if any fails.
fn parse_parts(parts: &[&str]) -> Option<Vec<Paths>> {
    let workers = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, 2);
    let parse = |part: &str| -> Option<Paths> {
        let mut text = String::with_capacity(part.len() + 7);
        text.push_str("paths:\n");
        text.push_str(part);
        serde_yaml::from_str(&text).ok()
    };
    if workers == 1 {
        return parts.iter().map(|part| parse(part)).collect();
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let at = next.fetch_add(1, Ordering::Relaxed);
            let Some(part) = parts.get(at) else {
                return done;
            };
            let parsed = parse(part);
            let failed = parsed.is_none();
            done.push((at, parsed));
            if failed {
                // The whole text is parsed again anyway; stop early.
                next.store(parts.len(), Ordering::Relaxed);
                return done;
            }
        }
    };
    let mut results: Vec<Option<Paths>> = parts.iter().map(|_| None).collect();
    let done = std::thread::scope(|scope| {
        let helper = scope.spawn(work);
        let mut done = work();
        done.extend(helper.join().ok()?);
        Some(done)
    })?;
    for (at, parsed) in done {
        results[at] = Some(parsed?);
    }
    results.into_iter().collect()
}

/// Finds a top-level block mapping `paths` and groups its entries into parts of about
/// `part_bytes`; `None` unless the text is plainly laid out and gives at least two parts.
fn layout(text: &str, part_bytes: usize) -> Option<Layout<'_>> {
    if text.len() < 2 * part_bytes {
        return None;
    }
    let mut paths_line: Option<(usize, usize)> = None;
    let mut offset = 0;
    // Top-level lines: exactly one `paths:` with nothing after it, and no markers, directives,
    // complex keys or other spellings of `paths`. (`- ` items of a top-level key's list may
    // start at the first column.)
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let first = line.as_bytes().first().copied().unwrap_or(b' ');
        if matches!(first, b' ' | b'#' | b'\n' | b'\r') {
            continue;
        }
        if line.starts_with("---") || line.starts_with("...") {
            return None;
        }
        if matches!(
            first,
            b'%' | b'?' | b'"' | b'\'' | b'&' | b'*' | b'!' | b'\t'
        ) {
            return None;
        }
        if line.starts_with("paths") {
            let rest = line["paths".len()..].trim_end();
            let plain = rest == ":"
                || rest
                    .strip_prefix(':')
                    .is_some_and(|after| after.trim_start().starts_with('#'));
            if !plain || paths_line.is_some() {
                return None;
            }
            paths_line = Some((start, offset));
        }
    }
    let (line_start, block_start) = paths_line?;
    // The block: every following line that is blank, a comment or indented.
    let mut block_end = text.len();
    let mut offset = block_start;
    let mut indent: Option<usize> = None;
    let mut entries: Vec<usize> = Vec::new();
    for line in text[block_start..].split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let content = line.trim_start_matches(' ');
        let spaces = line.len() - content.len();
        let body = content.trim_end();
        if body.is_empty() || (body.starts_with('#') && spaces == 0) {
            continue;
        }
        if spaces == 0 {
            block_end = start;
            break;
        }
        if body.starts_with('#') {
            continue;
        }
        if content.starts_with('\t') {
            return None;
        }
        let indent = *indent.get_or_insert(spaces);
        if spaces < indent {
            return None;
        }
        if spaces == indent {
            if matches!(
                body.as_bytes()[0],
                b'-' | b'?' | b'&' | b'*' | b'!' | b'{' | b'['
            ) {
                return None;
            }
            entries.push(start);
        }
    }
    let block = &text[block_start..block_end];
    if may_hold_an_anchor(block) || entries.len() < 2 {
        return None;
    }
    // Group the entries; the first part also takes any comments before the first entry.
    let mut parts = Vec::new();
    let mut part_start = block_start;
    for &entry in &entries[1..] {
        if entry - part_start >= part_bytes {
            parts.push(&text[part_start..entry]);
            part_start = entry;
        }
    }
    parts.push(&text[part_start..block_end]);
    if parts.len() < 2 {
        return None;
    }
    Some(Layout {
        head: &text[..line_start],
        tail: &text[block_end..],
        parts,
    })
}

/// Whether `text` may define an anchor (`&name` after a space, a line start or a flow
/// indicator). Anchors and their aliases must stay in one parse; false alarms in prose only
/// cost the split.
fn may_hold_an_anchor(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().any(|(at, &byte)| {
        byte == b'&'
            && (at == 0 || matches!(bytes[at - 1], b' ' | b'\n' | b'[' | b'{' | b','))
            && bytes
                .get(at + 1)
                .is_some_and(|next| !next.is_ascii_whitespace())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whole(text: &str) -> String {
        format!(
            "{:?}",
            serde_yaml::from_str::<Document>(text).map_err(|e| e.to_string())
        )
    }

    fn in_parts(text: &str) -> Option<String> {
        parse_in_parts(text, 1).map(|doc| format!("{:?}", Ok::<_, String>(doc)))
    }

    const SPEC: &str = include_str!("../../../spec/photo.openapi.yaml");

    #[test]
    fn the_photo_spec_in_parts_is_the_same_document() {
        assert_eq!(in_parts(SPEC).as_deref(), Some(whole(SPEC).as_str()));
    }

    #[test]
    fn small_texts_are_not_split() {
        assert!(parse_in_parts(SPEC, PART_BYTES).is_none());
    }

    /// Either the same document as one parse, or no split at all.
    fn same_or_declined(text: &str) -> bool {
        match in_parts(text) {
            Some(parts) => {
                assert_eq!(parts, whole(text), "{text}");
                true
            }
            None => false,
        }
    }

    const HEAD: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n";

    #[test]
    fn plain_layouts_are_split_and_unusual_ones_declined() {
        let entry = |path: &str| {
            format!(
                "  {path}:\n    get:\n      operationId: op{}\n      responses: {{'200': {{description: ok}}}}\n",
                path.len()
            )
        };
        let two = format!("{}{}", entry("/a"), entry("/bb"));
        // Plain, with comments, CRLF, and something after the block.
        assert!(same_or_declined(&format!(
            "{HEAD}paths:\n{two}components: {{}}\n"
        )));
        assert!(same_or_declined(&format!(
            "{HEAD}paths: # all of them\n  # first\n{two}\n# end\nx-tail: 1\n"
        )));
        assert!(same_or_declined(
            &format!("{HEAD}paths:\n{two}").replace('\n', "\r\n")
        ));
        assert!(same_or_declined(&format!(
            "{HEAD}tags:\n- name: a\npaths:\n{two}security:\n- s: []\n"
        )));
        // Declined: one entry, flow style, a document marker, an anchor, a sequence.
        assert!(!same_or_declined(&format!("{HEAD}paths:\n{}", entry("/a"))));
        assert!(!same_or_declined(&format!("{HEAD}paths: {{}}\n")));
        assert!(!same_or_declined(&format!("---\n{HEAD}paths:\n{two}")));
        assert!(!same_or_declined(&format!(
            "{HEAD}paths:\n{}  /c: &x {{}}\n",
            two
        )));
        assert!(!same_or_declined(&format!("{HEAD}paths:\n  - a\n  - b\n")));
        // Errors and repeats are left to the single parse.
        assert!(!same_or_declined(&format!(
            "{HEAD}paths:\n{two}{}",
            entry("/a")
        )));
        assert!(!same_or_declined(&format!(
            "{HEAD}paths:\n  /a:\n    get: \"open\n  /b: {{}}\n\"\n"
        )));
        assert!(!same_or_declined(&format!(
            "x: &a {{}}\n{HEAD}paths:\n  /a: *a\n  /b: {{}}\n"
        )));
        assert!(!same_or_declined(&format!(
            "{HEAD}paths:\n{two}paths:\n{two}"
        )));
    }
}
