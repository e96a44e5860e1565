//! photo-gen turns an OpenAPI description of Microsoft Graph's profile-photo API into the Rust
//! sources of a typed client and an axum server stub.
//!
//! The pipeline: [`spec`] (serde model of the YAML; [`locate`] finds positions for diagnostics) →
//! [`model`] (validated and resolved) → [`emit`] (`quote!` tokens, formatted by prettyplease) →
//! [`write`](mod@write) (all-or-nothing). Every problem in a spec is reported in one run as
//! `file:line:col: message`, and so is, as a warning, whatever generation could only type
//! loosely. [`subset`] cuts a few operations out of a large description before the typed parse.
//! [`permissions`] gives a description of Microsoft's that names no permissions those of
//! Microsoft's tables.

#![forbid(unsafe_code)]

pub mod command;
pub mod diagnostics;
pub mod emit;
pub mod locate;
pub mod manifest;
pub mod model;
pub mod names;
pub mod permissions;
pub mod spec;
pub mod standalone;
pub mod subset;
pub mod write;

use std::path::PathBuf;

use sha2::{Digest, Sha256};

pub use diagnostics::{Diagnostic, Diagnostics, Location, Severity};
pub use emit::Options;
pub use subset::Include;
use subset::SelectError;

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
        sha256_hex(self.text.as_bytes())
    }
}

/// The lowercase hex SHA-256 of `bytes`.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// One generated source file, relative to the output directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratedFile {
    pub path: PathBuf,
    pub contents: String,
}

impl GeneratedFile {
    pub fn new(path: impl Into<PathBuf>, contents: impl Into<String>) -> Self {
        GeneratedFile {
            path: path.into(),
            contents: contents.into(),
        }
    }
}

/// The result of a successful generation.
#[derive(Clone, Debug)]
pub struct Generated {
    pub api: model::Api,
    pub files: Vec<GeneratedFile>,
    /// What generation could only do loosely or not at all, located: what the spec describes
    /// that the code types loosely, and operations the emulator cannot serve. Empty when there is
    /// nothing to say.
    pub warnings: Diagnostics,
}

/// Parses and validates a spec into the model, reporting every problem found.
pub fn lower(source: &SpecSource) -> Result<model::Api, Diagnostics> {
    lower_with_warnings(source).map(|(api, _)| api)
}

/// [`lower`], with the warnings about what the model types loosely.
pub fn lower_with_warnings(source: &SpecSource) -> Result<(model::Api, Diagnostics), Diagnostics> {
    lower_including(source, &[]).map(|lowered| (lowered.api, lowered.warnings))
}

/// What [`lower_including`] gives.
#[derive(Debug)]
pub struct Lowered {
    pub api: model::Api,
    /// What the model types loosely.
    pub warnings: Diagnostics,
    /// With a subset, its text: the part of the spec that was kept
    /// ([`subset::Selection::text`]).
    pub kept: Option<String>,
}

/// As [`lower_with_warnings`], keeping only the operations `include` asks for and the
/// components they use (everything when `include` is empty). Problems are located in `source`
/// itself.
pub fn lower_including(source: &SpecSource, include: &[Include]) -> Result<Lowered, Diagnostics> {
    let mut warnings = Diagnostics::new_warnings(&source.name);
    let mut diagnostics = Diagnostics::new(&source.name);
    let locator = locate::Locator::new(&source.text);
    let kept = if include.is_empty() {
        None
    } else {
        match subset_text(source, include) {
            Ok(text) => Some(text),
            Err(SelectError::Yaml(error)) => {
                report_parse_error(&error, &locator, &mut diagnostics);
                return Err(diagnostics);
            }
            Err(SelectError::Unmatched(problems)) => {
                for message in problems {
                    diagnostics.push(unlocated(message), &source.text);
                }
                return Err(diagnostics);
            }
        }
    };
    let document = match spec::parse(kept.as_deref().unwrap_or(&source.text)) {
        Ok(document) => document,
        // The kept part keeps the original's keys and values, so the original fails to parse as
        // well, and its error is located where the user can see it; this costs a second parse
        // of the whole spec, only when it is broken.
        Err(error) => {
            match spec::parse(&source.text) {
                Err(error) => report_parse_error(&error, &locator, &mut diagnostics),
                Ok(_) => diagnostics.push(
                    unlocated(format!("the kept part of the spec does not parse: {error}")),
                    &source.text,
                ),
            }
            return Err(diagnostics);
        }
    };
    let mut api =
        model::lower_with_warnings(&document, &locator, &mut diagnostics, Some(&mut warnings));
    if let Some(api) = api.as_mut().filter(|_| diagnostics.is_empty()) {
        permissions::apply(api, &document, &locator, &mut warnings);
    }
    diagnostics.sort();
    warnings.sort();
    match api {
        Some(api) if diagnostics.is_empty() => Ok(Lowered {
            api,
            warnings,
            kept,
        }),
        _ => Err(diagnostics),
    }
}

/// The part of `source` that `include` keeps, as YAML text.
fn subset_text(source: &SpecSource, include: &[Include]) -> Result<String, SelectError> {
    subset::select(&source.text, include)?
        .text(&source.text, &source.name, include)
        .map_err(SelectError::Yaml)
}

/// A problem that stands nowhere in the spec.
fn unlocated(message: String) -> Diagnostic {
    Diagnostic {
        location: None,
        message,
        hint: None,
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

/// Generates the Rust sources for `source`: parse, cut out the operations in
/// [`Options::include`], lower, then emit each file. Deterministic: the same input gives the
/// same bytes.
pub fn generate(source: &SpecSource, options: &Options) -> Result<Generated, Diagnostics> {
    let paths = options
        .runtime()
        .and_then(|runtime| Ok((runtime, options.emulator()?)));
    let (runtime, emulator) = paths.map_err(|message| {
        let mut diagnostics = Diagnostics::new_for(source);
        diagnostics.push(unlocated(message), &source.text);
        diagnostics
    })?;
    let Lowered {
        api,
        mut warnings,
        kept,
    } = lower_including(source, &options.include)?;
    if emulator.is_some() {
        model::media::warn_unserved(&api, &source.text, &mut warnings);
    }
    let files = match kept {
        None => emit::emit(&api, source, options, &runtime),
        // The generated copy of the spec is the part generated from.
        Some(text) => {
            let kept = SpecSource::new(source.name.clone(), text);
            emit::emit(&api, &kept, options, &runtime)
        }
    };
    Ok(Generated {
        api,
        files,
        warnings,
    })
}
