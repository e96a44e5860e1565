//! Problems found in a spec, rendered like a compiler's: `file:line:col: message`, the offending
//! line with a caret, and a hint where one is obvious.

use std::fmt;

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

/// Every problem found in one run, with what is needed to render them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostics {
    /// The spec's display name, as it appears before `:line:col`.
    pub file: String,
    /// The spec's text, for snippets: copied when the first located problem is recorded, so a
    /// spec without problems (which may be tens of megabytes) is not copied.
    source: String,
    pub items: Vec<Diagnostic>,
    /// Whether these are warnings, which do not stop generation, rather than errors.
    warnings: bool,
}

impl Diagnostics {
    /// An empty set for `source`, for callers that drive the pipeline's phases themselves.
    pub fn new_for(source: &crate::SpecSource) -> Self {
        Diagnostics::new(&source.name)
    }

    pub(crate) fn new(file: impl Into<String>) -> Self {
        Diagnostics {
            file: file.into(),
            source: String::new(),
            items: Vec::new(),
            warnings: false,
        }
    }

    /// An empty set of warnings for `file`: rendered `file:line:col: warning: …`.
    pub(crate) fn warnings(file: impl Into<String>) -> Self {
        Diagnostics {
            warnings: true,
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
        let level = if self.warnings { "warning" } else { "error" };
        match item.location {
            Some(at) => format!(
                "{}:{}:{}: {level}: {}",
                self.file, at.line, at.column, item.message
            ),
            None => format!("{}: {level}: {}", self.file, item.message),
        }
    }

    fn snippet(&self, at: Location) -> Option<String> {
        let text = self.source.lines().nth(at.line.checked_sub(1)?)?;
        let gutter = at.line.to_string();
        let pad = " ".repeat(gutter.len());
        let caret_pad: String = text
            .chars()
            .take(at.column.saturating_sub(1))
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        Some(format!("{pad} |\n{gutter} | {text}\n{pad} | {caret_pad}^"))
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for item in &self.items {
            writeln!(f, "{}", self.headline(item))?;
            if let Some(snippet) = item.location.and_then(|at| self.snippet(at)) {
                writeln!(f, "{snippet}")?;
            }
            if let Some(hint) = &item.hint {
                writeln!(f, "  = hint: {hint}")?;
            }
        }
        let count = self.items.len();
        write!(
            f,
            "{count} {}{} in {}",
            if self.warnings { "warning" } else { "problem" },
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
}
