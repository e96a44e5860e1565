//! Lowering the parsed spec into the [`Api`] model, reporting every problem found on the way.

use std::borrow::Cow;

use rustc_hash::{FxHashMap, FxHashSet};

use super::pointer::{Pointer, ROOT};
use super::problems::Problems;
use super::schemas::Types;
use super::security;
use super::{Api, Param, Response, SecurityScheme, Status};
use crate::diagnostics::Diagnostics;
use crate::locate::Locator;
use crate::spec::Document;

mod bodies;
mod parameters;
mod paths;
mod servers;

/// Lowers `doc`; returns `None` (with the reasons in `diagnostics`) when the spec has problems,
/// and records in `warnings` what could only be typed loosely.
///
/// `doc` was parsed from `index`'s text, which refused repeated keys, so only the problems
/// found here need positions.
pub fn lower(
    doc: &Document,
    index: &Locator,
    diagnostics: &mut Diagnostics,
    warnings: &mut Diagnostics,
) -> Option<Api> {
    let before = diagnostics.len();
    let mut problems = Problems::new(index, diagnostics, Some(warnings));
    if !(doc.openapi.starts_with("3.0") || doc.openapi.starts_with("3.1")) {
        problems.error_value(
            &ROOT.key("openapi"),
            format!("OpenAPI version `{}` is not supported", doc.openapi),
            Some("use 3.0.x or 3.1.x".into()),
        );
    }
    let servers = servers::servers(&mut problems, doc);
    let (schemes, skipped_schemes) = security::schemes(&mut problems, doc);
    let mut types = Types::default();
    types.declare_components(&mut problems, &doc.components.schemas);
    let mut lowering = Lowering::new(doc, problems, types, &schemes, &skipped_schemes);
    let mut operations = Vec::with_capacity(doc.paths.len());
    for (path, item) in &doc.paths {
        lowering.path_item(path, item, &mut operations);
    }
    let Lowering {
        mut problems,
        mut types,
        ..
    } = lowering;
    if doc.paths.is_empty() {
        problems.warning(
            &ROOT.key("paths"),
            "the spec declares no paths: only its types are generated",
            None,
        );
    }
    types.break_cycles();
    if problems.count() > before {
        return None;
    }
    Some(Api {
        title: doc.info.title.clone(),
        version: doc.info.version.clone(),
        description: doc.info.description.clone(),
        servers,
        schemes,
        types: types.named,
        operations,
    })
}

/// Where an operationId was first used, to point at it when it is used again.
#[derive(Clone, Copy)]
struct IdSite<'d> {
    path: &'d str,
    method: &'static str,
}

impl IdSite<'_> {
    fn describe(self, problems: &Problems) -> String {
        let paths = ROOT.key("paths");
        let item = paths.key(self.path);
        let op = item.key(self.method);
        problems.describe(&op.key("operationId"))
    }
}

/// The state of lowering the paths, one path item after another.
struct Lowering<'d, 'p> {
    doc: &'d Document,
    problems: Problems<'p>,
    types: Types,
    schemes: &'p [SecurityScheme],
    /// Declared schemes photo-gen leaves out (warned at the scheme).
    skipped_schemes: &'p [String],
    /// operationId → where first defined.
    first_ids: FxHashMap<Cow<'d, str>, IdSite<'d>>,
    /// Rust function name → where the operationId that gives it was first defined.
    first_fns: FxHashMap<String, IdSite<'d>>,
    /// Lowered `components.parameters` entries, by the component name's address.
    shared_params: FxHashMap<usize, ParamLowering>,
    /// Lowered `components.responses` entries, by the component name's address and status.
    shared_responses: FxHashMap<(usize, Status), Response>,
    /// The name asked for a binary body's type → the name it was given.
    binary_bodies: FxHashMap<String, String>,
    /// The operationIds the spec gives and their Rust names, once an operation without one
    /// needs a name that none of them has.
    given_ids: Option<FxHashSet<String>>,
}

/// What a parameter lowers to.
#[derive(Clone)]
enum ParamLowering {
    Param(Param),
    /// A parameter with a problem that does not stop the others from being checked.
    Invalid(Param),
    /// A header parameter OpenAPI says to ignore.
    Ignored,
    Failed,
}

/// An operation's place in the spec: its path and method, and the path item's pointer.
#[derive(Clone, Copy)]
struct OpSite<'d, 'a> {
    path: &'d str,
    method_name: &'static str,
    path_pointer: &'a Pointer<'a>,
}

impl<'a> OpSite<'_, 'a> {
    fn pointer(&self) -> Pointer<'a> {
        self.path_pointer.key(self.method_name)
    }

    /// `GET /me/photo`, for messages.
    fn label(&self) -> String {
        format!("{} {}", self.method_name.to_ascii_uppercase(), self.path)
    }
}

impl<'d, 'p> Lowering<'d, 'p> {
    /// Lowering of `doc`'s paths, starting from the component types and security schemes.
    fn new(
        doc: &'d Document,
        problems: Problems<'p>,
        types: Types,
        schemes: &'p [SecurityScheme],
        skipped_schemes: &'p [String],
    ) -> Self {
        Lowering {
            doc,
            problems,
            types,
            schemes,
            skipped_schemes,
            first_ids: FxHashMap::default(),
            first_fns: FxHashMap::default(),
            shared_params: FxHashMap::default(),
            shared_responses: FxHashMap::default(),
            binary_bodies: FxHashMap::default(),
            given_ids: None,
        }
    }
}

/// Small specs for the unit tests of each part of lowering.
#[cfg(test)]
pub(in crate::model) mod test_spec {
    use crate::{Diagnostics, Lowered, SpecSource};

    /// Lowers a spec made of an `info` and `rest` (its paths, components, servers).
    pub fn lower(rest: &str) -> Result<Lowered, Diagnostics> {
        let text = format!("openapi: 3.0.3\ninfo: {{title: Test, version: '1'}}\n{rest}");
        crate::lower(&SpecSource::new("spec.yaml", text))
    }

    /// The one-line form of the problems of a spec that does not lower.
    pub fn errors(rest: &str) -> String {
        match lower(rest) {
            Ok(_) => panic!("the spec lowers"),
            Err(diagnostics) => diagnostics.short(),
        }
    }

    /// The spec lowered, which must succeed.
    pub fn lowered(rest: &str) -> Lowered {
        lower(rest).unwrap_or_else(|diagnostics| panic!("{diagnostics}"))
    }
}

#[cfg(test)]
mod tests {
    use super::test_spec::lowered;

    #[test]
    fn a_spec_without_paths_gives_its_types_with_a_warning() {
        let api = lowered(
            "paths: {}\ncomponents:\n  schemas:\n    note: {type: object, properties: {text: {type: string}}}\n",
        );
        assert!(api.operations.is_empty());
        assert_eq!(api.types[0].rust_name, "Note");
        assert_eq!(
            api.warnings.short(),
            "spec.yaml:3:1: warning: the spec declares no paths: only its types are generated\n"
        );
        let generated = crate::generate(
            &crate::SpecSource::new(
                "spec.yaml",
                "openapi: 3.1.0\ninfo: {title: T, version: '1'}\npaths: {}\n",
            ),
            &crate::Options::external(),
        );
        assert!(generated.is_ok_and(|generated| !generated.files.is_empty()));
    }
}
