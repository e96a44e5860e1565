//! Subsets of big descriptions: only the operations asked for (by path pattern or operation id)
//! and the components they reach through `$ref`, directly or through other components.
//!
//! The choice is made on an outline of the text, which sees every `$ref`; the kept part is
//! then written out as YAML text, which alone is parsed into the typed model: a large
//! description is read twice, and its whole model is never built. The kept part keeps every key
//! and list of the original, so a problem found by JSON pointer is located in the original file.

mod outline;
mod pattern;
mod text;
mod walk;

use rustc_hash::{FxHashMap, FxHashSet};

pub use pattern::PathPattern;

use outline::{Outline, component_ref, containing_component};

/// Operations to generate from a spec; see [`crate::Options::include`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Include {
    /// Every operation of the paths that match a [`PathPattern`], such as `/users/*/photo/**`.
    Path(String),
    /// The operation with this `operationId`.
    Operation(String),
}

/// What was asked for, for the kept text's comment: `paths /users/*/photo/**, operation getX`.
fn describe(include: &[Include]) -> String {
    include
        .iter()
        .map(|item| match item {
            Include::Path(pattern) => format!("paths {pattern}"),
            Include::Operation(id) => format!("operation {id}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a subset keeps of a spec.
#[derive(Debug)]
pub struct Selection {
    /// The kept methods (`get`, …) of each kept path.
    paths: FxHashMap<String, Vec<&'static str>>,
    /// The kept components, by reference (`#/components/schemas/photo`).
    components: FxHashSet<String>,
    /// The operations kept.
    operations: usize,
}

/// Why no subset could be chosen.
#[derive(Debug)]
pub enum SelectError {
    /// The text is not YAML (or not a mapping where the outline needs one).
    Yaml(serde_yaml::Error),
    /// Every malformed pattern, then every pattern and operation id that matches nothing.
    Unmatched(Vec<String>),
}

/// Chooses what `include` keeps of the YAML `text`. A pattern or an operation id that matches
/// nothing is an error, so that a typo never yields an empty crate.
pub fn select(text: &str, include: &[Include]) -> Result<Selection, SelectError> {
    let outline = outline::read(text).map_err(SelectError::Yaml)?;
    choose(&outline, include).map_err(SelectError::Unmatched)
}

fn choose(outline: &Outline, include: &[Include]) -> Result<Selection, Vec<String>> {
    let mut problems = Vec::new();
    let mut patterns = Vec::new();
    let mut ids: Vec<(&str, bool)> = Vec::new();
    for item in include {
        match item {
            Include::Path(text) => match PathPattern::parse(text) {
                Ok(pattern) => patterns.push((pattern, false)),
                Err(problem) => problems.push(problem),
            },
            Include::Operation(id) => ids.push((id, false)),
        }
    }
    let mut paths = FxHashMap::default();
    let mut operations = 0;
    let mut refs: Vec<&str> = Vec::new();
    let mut schemes: Vec<&str> = outline.schemes.iter().map(String::as_str).collect();
    for item in &outline.paths {
        let mut path_matches = false;
        for (pattern, used) in &mut patterns {
            if pattern.matches(&item.path) {
                *used = true;
                path_matches = true;
            }
        }
        let mut methods = Vec::new();
        for operation in &item.operations {
            let mut wanted = path_matches;
            for (id, used) in &mut ids {
                if operation.id.as_deref() == Some(*id) {
                    *used = true;
                    wanted = true;
                }
            }
            if wanted {
                methods.push(operation.method);
                refs.extend(operation.refs.iter().map(String::as_str));
                schemes.extend(operation.schemes.iter().map(String::as_str));
            }
        }
        if !methods.is_empty() {
            operations += methods.len();
            refs.extend(item.refs.iter().map(String::as_str));
            paths.insert(item.path.clone(), methods);
        }
    }
    for (pattern, used) in &patterns {
        if !used {
            problems.push(format!(
                "path pattern `{pattern}` matches no path of the spec"
            ));
        }
    }
    for (id, used) in &ids {
        if !used {
            problems.push(format!(
                "operation id `{id}` matches no operation of the spec"
            ));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut components = FxHashSet::default();
    for scheme in schemes {
        components.insert(component_ref("securitySchemes", scheme));
    }
    // A reference to something else, or to a component that does not exist, is left for
    // lowering to report where it stands.
    while let Some(reference) = refs.pop() {
        let Some(component) = containing_component(reference) else {
            continue;
        };
        if let Some(inner) = outline.components.get(component)
            && components.insert(component.to_owned())
        {
            refs.extend(inner.iter().map(String::as_str));
        }
    }
    Ok(Selection {
        paths,
        components,
        operations,
    })
}

impl Selection {
    /// The number of operations kept.
    pub fn operations(&self) -> usize {
        self.operations
    }

    /// Whether the component `name` of `section` (such as `schemas`) is kept.
    pub fn keeps_component(&self, section: &str, name: &str) -> bool {
        self.components.contains(&component_ref(section, name))
    }

    /// The kept part of the YAML `text` (the one it was chosen from), headed by a comment naming
    /// `spec` and `include`.
    pub fn text(
        &self,
        text: &str,
        spec: &str,
        include: &[Include],
    ) -> Result<String, serde_yaml::Error> {
        let comment = format!(
            "The part of {spec} that photo-gen generated from: {}, and the components they use.",
            describe(include)
        );
        text::write(text, self, &comment)
    }
}

#[cfg(test)]
mod tests;
