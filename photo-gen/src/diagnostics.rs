//! Problems found in a spec, rendered like a compiler's: `file:line:col: message`, the offending
//! line with a caret, and a hint where one is obvious.

use std::fmt;

use line_index::{LineIndex, WideEncoding, WideLineCol};

/// A position in the spec file (1-based line and column).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

/// One problem in the spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub location: Option<Location>,
    pub message: String,
    pub hint: Option<String>,
}

/// Whether diagnostics stop generation (errors) or only report what it could not do well.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Severity {
    #[default]
    Error,
    Warning,
}

impl Severity {
    fn label(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// Every problem found in one run, with what is needed to render them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostics {
    /// The spec's display name, as it appears before `:line:col`.
    pub file: String,
    /// Whether these are errors or warnings.
    pub severity: Severity,
    /// The spec's text, for snippets: copied when the first located problem is recorded, so a
    /// spec without problems (which may be tens of megabytes) is not copied.
    source: String,
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// An empty set for `source`, for callers that drive the pipeline's phases themselves.
    pub fn new_for(source: &crate::SpecSource) -> Self {
        Diagnostics::new(&source.name)
    }

    pub(crate) fn new(file: impl Into<String>) -> Self {
        Diagnostics {
            file: file.into(),
            severity: Severity::Error,
            source: String::new(),
            items: Vec::new(),
        }
    }

    /// An empty set of warnings for the spec named `file`.
    pub(crate) fn new_warnings(file: impl Into<String>) -> Self {
        Diagnostics {
            severity: Severity::Warning,
            ..Diagnostics::new(file)
        }
    }

    /// Records a problem found in `text`, the spec's text.
    pub(crate) fn push(&mut self, diagnostic: Diagnostic, text: &str) {
        if diagnostic.location.is_some() && self.source.is_empty() {
            self.source = text.to_owned();
        }
        self.items.push(diagnostic);
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Sorts by position so output is stable and reads top to bottom.
    pub(crate) fn sort(&mut self) {
        self.items
            .sort_by(|a, b| (a.location, &a.message).cmp(&(b.location, &b.message)));
        self.items.dedup();
    }

    /// One line per problem, `file:line:col: message`, without snippets.
    pub fn short(&self) -> String {
        let mut out = String::new();
        for item in &self.items {
            out.push_str(&self.headline(item));
            out.push('\n');
        }
        out
    }

    fn headline(&self, item: &Diagnostic) -> String {
        let label = self.severity.label();
        match item.location {
            Some(at) => format!(
                "{}:{}:{}: {label}: {}",
                self.file, at.line, at.column, item.message
            ),
            None => format!("{}: {label}: {}", self.file, item.message),
        }
    }

    /// The line at `at` with a caret under its column. A long line (a minified JSON
    /// description is one line of megabytes) is cut to the characters around the column.
    fn snippet(&self, lines: &LineIndex, at: Location) -> Option<String> {
        let line = u32::try_from(at.line.checked_sub(1)?).ok()?;
        let range = lines.line(line)?;
        let text = self.source[range].trim_end_matches(['\n', '\r']);
        let column = WideLineCol {
            line,
            col: u32::try_from(at.column.saturating_sub(1)).ok()?,
        };
        let within = lines.to_utf8(WideEncoding::Utf32, column)?.col as usize;
        let within = (0..=within.min(text.len()))
            .rev()
            .find(|&at| text.is_char_boundary(at))?;
        let (before, after) = text.split_at(within);
        let (shown_before, shown_after) = if text.len() <= LONG_LINE {
            (0, after.len())
        } else {
            let before = before
                .char_indices()
                .rev()
                .nth(SNIPPET_CONTEXT - 1)
                .map_or(0, |(at, _)| at);
            let after = after
                .char_indices()
                .nth(SNIPPET_CONTEXT)
                .map_or(after.len(), |(at, _)| at);
            (before, after)
        };
        let mut shown = String::new();
        if shown_before > 0 {
            shown.push('…');
        }
        shown.push_str(&before[shown_before..]);
        let caret_pad: String = shown
            .chars()
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        shown.push_str(&after[..shown_after]);
        if shown_after < after.len() {
            shown.push('…');
        }
        let gutter = at.line.to_string();
        let pad = " ".repeat(gutter.len());
        Some(format!("{pad} |\n{gutter} | {shown}\n{pad} | {caret_pad}^"))
    }
}

/// A line longer than this (in bytes) is cut around the column in a snippet.
const LONG_LINE: usize = 240;

/// How many characters a cut line shows on each side of the column.
const SNIPPET_CONTEXT: usize = 80;

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Built once: finding a line by counting newlines for each problem would read a big
        // description once per problem.
        let lines = LineIndex::new(&self.source);
        for item in &self.items {
            writeln!(f, "{}", self.headline(item))?;
            if let Some(snippet) = item.location.and_then(|at| self.snippet(&lines, at)) {
                writeln!(f, "{snippet}")?;
            }
            if let Some(hint) = &item.hint {
                writeln!(f, "  = hint: {hint}")?;
            }
        }
        let count = self.items.len();
        let noun = match self.severity {
            Severity::Error => "problem",
            Severity::Warning => "warning",
        };
        write!(
            f,
            "{count} {noun}{} in {}",
            if count == 1 { "" } else { "s" },
            self.file
        )
    }
}

impl std::error::Error for Diagnostics {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_location_snippet_and_hint() {
        let mut diagnostics = Diagnostics::new("spec.yaml");
        diagnostics.push(
            Diagnostic {
                location: Some(Location { line: 2, column: 4 }),
                message: "bad value".into(),
                hint: Some("use a number".into()),
            },
            "a: 1\nb: oops\n",
        );
        assert_eq!(
            diagnostics.to_string(),
            "spec.yaml:2:4: error: bad value\n  |\n2 | b: oops\n  |    ^\n  = hint: use a number\n1 problem in spec.yaml"
        );
    }

    #[test]
    fn a_long_line_is_cut_around_the_column() {
        // One line of JSON: `é` before the column counts as one character.
        let line = format!("{{\"é\":{}\"bad\"{}}}", " ".repeat(200), " ".repeat(200));
        let column = line[..line.find("\"bad").expect("there")].chars().count() + 1;
        let mut diagnostics = Diagnostics::new("spec.json");
        diagnostics.push(
            Diagnostic {
                location: Some(Location { line: 1, column }),
                message: "bad value".into(),
                hint: None,
            },
            &line,
        );
        let rendered = diagnostics.to_string();
        let lines: Vec<&str> = rendered.lines().collect();
        let shown = format!("1 | …{}\"bad\"{}…", " ".repeat(80), " ".repeat(75));
        assert_eq!(lines[2], shown);
        assert_eq!(lines[3], format!("  | {}^", " ".repeat(81)));
    }

    #[test]
    fn warnings_say_so() {
        let mut warnings = Diagnostics::new_warnings("spec.yaml");
        warnings.push(
            Diagnostic {
                location: Some(Location { line: 1, column: 1 }),
                message: "loosely typed".into(),
                hint: None,
            },
            "a: 1\n",
        );
        assert_eq!(warnings.short(), "spec.yaml:1:1: warning: loosely typed\n");
        assert!(warnings.to_string().ends_with("1 warning in spec.yaml"));
    }
}
