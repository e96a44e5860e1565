//! photo-gen turns an OpenAPI description of Microsoft Graph's profile-photo API into the Rust
//! sources of a typed client and an axum server stub.
//!
//! The pipeline: [`spec`] (serde model of the YAML; [`locate`] finds positions for diagnostics) →
//! [`model`] (validated and resolved) → [`emit`] (`quote!` tokens, formatted by prettyplease) →
//! [`write`] (all-or-nothing). Every problem in a spec is reported in one run as
//! `file:line:col: message`.

pub mod diagnostics;
pub mod emit;
pub mod locate;
pub mod model;
pub mod names;
pub mod spec;
pub mod write;

use std::path::PathBuf;

use sha2::{Digest, Sha256};

pub use diagnostics::{Diagnostic, Diagnostics, Location};
pub use emit::Options;

/// A spec to generate from: its display name (used in diagnostics) and its text.
#[derive(Clone, Debug)]
pub struct SpecSource {
    pub name: String,
    pub text: String,
}

impl SpecSource {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        SpecSource {
            name: name.into(),
            text: text.into(),
        }
    }

    /// The lowercase hex SHA-256 of the spec text, recorded in every generated file's header.
    pub fn sha256(&self) -> String {
        Sha256::digest(self.text.as_bytes())
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }
}

/// One generated source file, relative to the output directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratedFile {
    pub path: PathBuf,
    pub contents: String,
}

/// A generated file as it was rendered: its text in consecutive parts (one per thread that
/// rendered a share of it), so that writing it needs no copy of the whole text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderedFile {
    pub path: PathBuf,
    pub parts: Vec<String>,
}

impl RenderedFile {
    /// The whole text, allocated once at its full length.
    pub fn into_file(self) -> GeneratedFile {
        let contents = if self.parts.len() == 1 {
            self.parts.into_iter().next().unwrap_or_default()
        } else {
            let mut contents = String::with_capacity(self.len());
            for part in &self.parts {
                contents.push_str(part);
            }
            contents
        };
        GeneratedFile {
            path: self.path,
            contents,
        }
    }

    /// The length of the whole text in bytes.
    pub fn len(&self) -> usize {
        self.parts.iter().map(String::len).sum()
    }

    /// Whether the text is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The result of a successful generation.
#[derive(Clone, Debug)]
pub struct Generated {
    pub api: model::Api,
    pub files: Vec<GeneratedFile>,
}

/// Parses and validates a spec into the model, reporting every problem found.
pub fn lower(source: &SpecSource) -> Result<model::Api, Diagnostics> {
    let mut diagnostics = Diagnostics::new(&source.name);
    let locator = locate::Locator::new(&source.text);
    let document = match spec::parse(&source.text) {
        Ok(document) => document,
        Err(error) => {
            report_parse_error(&error, &locator, &mut diagnostics);
            return Err(diagnostics);
        }
    };
    let api = model::lower(&document, &locator, &mut diagnostics);
    diagnostics.sort();
    match api {
        Some(api) if diagnostics.is_empty() => Ok(api),
        _ => Err(diagnostics),
    }
}

/// Reports why the YAML did not parse. serde stops at the first repeated key; the locator finds
/// every one of them, so they are all reported (and serde's own message only when it is about
/// something else).
fn report_parse_error(
    error: &serde_yaml::Error,
    locator: &locate::Locator,
    diagnostics: &mut Diagnostics,
) {
    let text = locator.text();
    let duplicates = locator.duplicate_keys();
    for (pointer, at) in &duplicates {
        let key = pointer
            .rsplit('/')
            .next()
            .map(locate::unescape)
            .unwrap_or_default();
        diagnostics.push(
            Diagnostic {
                location: Some(*at),
                message: format!("duplicate key `{key}`"),
                hint: Some("each key may appear once in a mapping".into()),
            },
            text,
        );
    }
    let message = error.to_string();
    if !duplicates.is_empty()
        && (message.contains("duplicate field") || message.contains("duplicate key"))
    {
        diagnostics.sort();
        return;
    }
    let location = error.location().map(|at| Location {
        line: at.line(),
        column: at.column(),
    });
    // serde_yaml prefixes its own position; the diagnostic shows it once, up front.
    let message = match location {
        Some(at) => message.replacen(&format!(" at line {} column {}", at.line, at.column), "", 1),
        None => message,
    };
    diagnostics.push(
        Diagnostic {
            location,
            message,
            hint: None,
        },
        text,
    );
    diagnostics.sort();
}

/// Generates the Rust sources for `source`. Deterministic: the same input gives the same bytes.
pub fn generate(source: &SpecSource, options: &Options) -> Result<Generated, Diagnostics> {
    let mut files = Vec::new();
    let api = generate_each(source, options, |file| files.push(file.into_file()))?;
    Ok(Generated { api, files })
}

/// [`generate`], handing each file to `each` as soon as it is rendered (the copy of the spec
/// first), so that writing can overlap the rendering of the rest. The same files and bytes as
/// [`generate`]; nothing is handed over when the spec has problems.
pub fn generate_each(
    source: &SpecSource,
    options: &Options,
    each: impl FnMut(RenderedFile),
) -> Result<model::Api, Diagnostics> {
    if let Err(message) = options.check() {
        let mut diagnostics = Diagnostics::new_for(source);
        diagnostics.push(
            Diagnostic {
                location: None,
                message,
                hint: None,
            },
            &source.text,
        );
        return Err(diagnostics);
    }
    let api = lower(source)?;
    emit::emit_each(&api, source, options, each);
    Ok(api)
}
