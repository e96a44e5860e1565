//! Lowering the parsed spec into the [`Api`] model, reporting every problem found on the way.

use std::borrow::Cow;
use std::cell::Cell;

use rustc_hash::{FxHashMap, FxHashSet};

use super::paging;
use super::pointer::{Pointer, ROOT};
use super::problems::{Hint, Problems};
use super::refs::{Resolved, resolve};
use super::schemas::Types;
use super::security;
use super::segments;
use super::*;
use crate::diagnostics::Diagnostics;
use crate::locate::Locator;
use crate::names;
use crate::spec::{self, Document, RefOr};

/// Lowers `doc`; returns `None` (with the reasons in `diagnostics`) when the spec has problems.
///
/// `doc` was parsed from `index`'s text, which refused repeated keys, so only the problems
/// found here need positions.
pub fn lower(doc: &Document, index: &Locator, diagnostics: &mut Diagnostics) -> Option<Api> {
    lower_with_warnings(doc, index, diagnostics, None)
}

/// [`lower()`], recording in `warnings` what could only be typed loosely (as
/// `serde_json::Value`).
pub fn lower_with_warnings(
    doc: &Document,
    index: &Locator,
    diagnostics: &mut Diagnostics,
    warnings: Option<&mut Diagnostics>,
) -> Option<Api> {
    let before = diagnostics.len();
    let mut problems = Problems::new(index, diagnostics, warnings);
    if !(doc.openapi.starts_with("3.0") || doc.openapi.starts_with("3.1")) {
        problems.error_value(
            &ROOT.key("openapi"),
            format!("OpenAPI version `{}` is not supported", doc.openapi),
            Some("use 3.0.x or 3.1.x".into()),
        );
    }
    let servers = servers(&mut problems, doc);
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
        types,
        ..
    } = lowering;
    if doc.paths.is_empty() {
        problems.error(&ROOT.key("paths"), "the spec declares no paths", None);
    }
    types.check_recursion(&mut problems);
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

fn servers(problems: &mut Problems, doc: &Document) -> Option<ServerTemplate> {
    let server = doc.servers.first()?;
    let limits = doc.extra.get("x-request-size-limits");
    let mut limits_used = limits.is_none();
    let mut variables = Vec::new();
    let servers_pointer = ROOT.key("servers");
    let server_pointer = servers_pointer.index(0);
    let variables_pointer = server_pointer.key("variables");
    for (name, variable) in &server.variables {
        let pointer = variables_pointer.key(name);
        let values = variable
            .values
            .clone()
            .unwrap_or_else(|| vec![variable.default.clone()]);
        if !values.contains(&variable.default) {
            problems.error_value(
                &pointer.key("default"),
                format!(
                    "default `{}` is not one of the variable's `enum` values",
                    variable.default
                ),
                None,
            );
        }
        let given_names = variable
            .extra
            .get("x-enum-varnames")
            .and_then(|names| names.as_sequence());
        if given_names.is_some_and(|given| given.len() != values.len()) {
            problems.error(
                &pointer.key("x-enum-varnames"),
                "`x-enum-varnames` must name every `enum` value, in order",
                None,
            );
        }
        let mut enum_values = Vec::new();
        let rust_name = names::camel(name, "V").unwrap_or_else(|| "Variable".into());
        for (position, value) in values.iter().enumerate() {
            let given = given_names
                .and_then(|given| given.get(position))
                .and_then(|name| name.as_str());
            let Some(variant) = names::camel(given.unwrap_or(value), &names::initial(&rust_name))
            else {
                problems.error(
                    &pointer,
                    format!("server variable value `{value}` gives no usable Rust name"),
                    Some("name it with `x-enum-varnames`".into()),
                );
                continue;
            };
            enum_values.push(EnumValue {
                value: value.clone(),
                rust_name: variant,
            });
        }
        let mut request_size_limits = Vec::new();
        if let Some(map) = limits.and_then(|limits| limits.as_mapping()) {
            let keys: Vec<&str> = map.keys().filter_map(|key| key.as_str()).collect();
            if keys
                .iter()
                .all(|key| values.iter().any(|value| value == key))
                && !keys.is_empty()
            {
                limits_used = true;
                for value in &values {
                    match map.get(value.as_str()).and_then(|limit| limit.as_u64()) {
                        Some(limit) if limit > 0 => request_size_limits.push(limit),
                        _ => problems.error_value(
                            &ROOT.key("x-request-size-limits").key(value),
                            format!(
                                "`x-request-size-limits` needs a positive byte count for `{value}`"
                            ),
                            None,
                        ),
                    }
                }
            }
        }
        // A variable is part of the root when its values are whole roots (`{cloud}/v1.0`) or it
        // stands in the scheme or host (`{scheme}://{host}/v2`); only the others prefix paths.
        let placeholder = format!("{{{name}}}");
        let in_authority = server.url.find("://").is_some_and(|scheme_end| {
            let host_start = scheme_end + 3;
            let authority_end = server.url[host_start..]
                .find('/')
                .map_or(server.url.len(), |at| host_start + at);
            server
                .url
                .find(&placeholder)
                .is_some_and(|at| at < authority_end)
        });
        let is_root = in_authority
            || values
                .iter()
                .all(|value| value.starts_with("http://") || value.starts_with("https://"));
        variables.push(ServerVariable {
            name: name.clone(),
            rust_name,
            default: variable.default.clone(),
            values: enum_values,
            request_size_limits,
            is_root,
        });
    }
    if !limits_used {
        problems.error(
            &ROOT.key("x-request-size-limits"),
            "`x-request-size-limits` must map the values of one server variable to byte counts",
            Some(
                "for example `{v1.0: 4194304, beta: 8388608}` keyed by the `version` variable"
                    .into(),
            ),
        );
    }
    Some(ServerTemplate {
        url: server.url.clone(),
        variables,
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

    /// Lowers the operations of one path item into `out`.
    fn path_item(&mut self, path: &'d str, item: &'d spec::PathItem, out: &mut Vec<Operation>) {
        let paths = ROOT.key("paths");
        let pointer = paths.key(path);
        let Some(segments) = self.segments(path, &pointer) else {
            return;
        };
        let item = match &item.reference {
            Some(reference) if item.operations().is_empty() => {
                match self.referenced_path_item(reference, &pointer) {
                    Some(target) => target,
                    None => return,
                }
            }
            _ => item,
        };
        for (method_name, op) in item.operations() {
            let method = match method_name {
                "get" => Method::Get,
                "put" => Method::Put,
                "post" => Method::Post,
                "delete" => Method::Delete,
                "patch" => Method::Patch,
                other => {
                    self.problems.warning(
                        &pointer.key(other),
                        format!(
                            "`{}` operations are not generated: `{} {path}` is left out",
                            other.to_ascii_uppercase(),
                            other.to_ascii_uppercase()
                        ),
                        Some("the generated client and server handle GET, PUT, POST, DELETE and PATCH".into()),
                    );
                    continue;
                }
            };
            let site = OpSite {
                path,
                method_name,
                path_pointer: &pointer,
            };
            if let Some(op) = self.operation(site, &segments, method, item, op) {
                out.push(op);
            }
        }
    }

    /// The path item a path item's `$ref` (at `pointer`) names: one of `components.pathItems`
    /// or another entry of `paths`. A reference to another document is left out with a warning.
    fn referenced_path_item(
        &mut self,
        reference: &serde_yaml::Value,
        pointer: &Pointer,
    ) -> Option<&'d spec::PathItem> {
        let doc = self.doc;
        let at = pointer.key("$ref");
        let target = reference.as_str().unwrap_or("");
        let unescape = |text: &str| text.replace("~1", "/").replace("~0", "~");
        let found = if let Some(name) = target.strip_prefix("#/components/pathItems/") {
            doc.components.path_items.get(&unescape(name))
        } else if let Some(path) = target.strip_prefix("#/paths/") {
            doc.paths.get(&unescape(path))
        } else {
            self.problems.warning(
                &at,
                format!("path item `$ref` `{target}` is outside this document and not followed: the path is left out"),
                None,
            );
            return None;
        };
        let found = found.filter(|item| item.reference.is_none());
        if found.is_none() {
            self.problems.error_value(
                &at,
                format!("`{target}` names no path item of this document (or one that is itself a `$ref`)"),
                None,
            );
        }
        found
    }

    fn segments(&mut self, path: &str, pointer: &Pointer) -> Option<Vec<Segment>> {
        segments::parse_path(path)
            .map_err(|err| self.problems.error(pointer, err.message, err.hint))
            .ok()
    }

    fn operation(
        &mut self,
        site: OpSite<'d, '_>,
        segments: &[Segment],
        method: Method,
        item: &'d spec::PathItem,
        op: &'d spec::Operation,
    ) -> Option<Operation> {
        let path = site.path;
        let pointer = site.pointer();
        let id_key: Cow<'d, str> = match op.operation_id.as_deref() {
            Some(id) => Cow::Borrowed(id),
            None => Cow::Owned(self.operation_id_from(method, path)),
        };
        let id: &str = &id_key;
        let id_pointer = pointer.key("operationId");
        let (Some(fn_name), Some(type_name)) = (names::snake(id), names::camel(id, "Op")) else {
            self.problems.error_value(
                &id_pointer,
                format!("operationId `{id}` gives no usable Rust name"),
                None,
            );
            return None;
        };
        let here = IdSite {
            path,
            method: site.method_name,
        };
        if let Some(first) = self.first_ids.get(id) {
            let first = first.describe(&self.problems);
            self.problems.error_value(
                &id_pointer,
                format!("duplicate operationId `{id}` (first used at {first})"),
                Some("operationIds must be unique".into()),
            );
            return None;
        }
        self.first_ids.insert(id_key.clone(), here);
        if let Some(first) = self.first_fns.get(&fn_name) {
            let first = first.describe(&self.problems);
            self.problems.error_value(
                &id_pointer,
                format!(
                    "operationId `{id}` becomes the Rust name `{fn_name}`, already used by the operation at {first}"
                ),
                Some("operationIds must be unique".into()),
            );
            return None;
        }
        self.first_fns.insert(fn_name.clone(), here);
        if op.callbacks.is_some() {
            self.problems.warning(
                &pointer.key("callbacks"),
                format!(
                    "the callbacks of `{}` are not generated: the server calls them, the client cannot receive them",
                    site.label()
                ),
                None,
            );
        }
        let (type_name, type_name_note) = self.operation_type_name(type_name);
        let params = self.params(segments, item, op, site, &type_name);
        let body = op
            .request_body
            .as_ref()
            .and_then(|body| self.request_body(body, pointer.key("requestBody"), &type_name));
        let responses = self.responses(op, &pointer, &type_name);
        let unsupported = security::unsupported(
            &mut self.problems,
            self.schemes,
            op.unsupported_schemes.as_ref(),
            &pointer,
        );
        let alternatives = security::alternatives(
            &mut self.problems,
            self.schemes,
            op.security.as_ref(),
            self.doc.security.as_ref(),
            &unsupported,
            self.skipped_schemes,
            &pointer,
        );
        let security_by_version = security::by_version(
            &mut self.problems,
            self.doc,
            self.schemes,
            op.security_by_version.as_ref(),
            &unsupported,
            self.skipped_schemes,
            &pointer,
        );
        let pageable = paging::pageable(
            &mut self.problems,
            &self.types.named,
            op.pageable.as_ref(),
            method,
            responses.as_deref().unwrap_or_default(),
            &pointer,
        );
        Some(Operation {
            id: id.to_owned(),
            fn_name,
            type_name,
            type_name_note,
            method,
            path: path.to_owned(),
            segments: segments.to_vec(),
            summary: op.summary.clone(),
            description: op.description.clone(),
            tags: op.tags.clone(),
            deprecated: op.deprecated,
            params: params?,
            body,
            responses: responses?,
            security: alternatives,
            security_by_version,
            unsupported_schemes: unsupported,
            pageable,
        })
    }

    /// The name of an operation the spec gives no `operationId`: its method and path as one
    /// word (`GET /users/{user-id}/photo` → `getUsersUserIdPhoto`), numbered if already taken.
    fn operation_id_from(&mut self, method: Method, path: &str) -> String {
        let doc = self.doc;
        // The spec's own ids come first, those of later operations too.
        let given = self.given_ids.get_or_insert_with(|| {
            doc.paths
                .values()
                .flat_map(|item| item.operations())
                .filter_map(|(_, op)| op.operation_id.as_deref())
                .flat_map(|id| [Some(id.to_owned()), names::snake(id)])
                .flatten()
                .collect()
        });
        let base = format!(
            "{}{}",
            method.lower(),
            names::camel(path, "P").unwrap_or_default()
        );
        let id = names::unique(&base, |id| {
            let name = names::snake(id).unwrap_or_default();
            given.contains(id)
                || given.contains(&name)
                || self.first_ids.contains_key(id)
                || self.first_fns.contains_key(&name)
        });
        given.insert(id.clone());
        id
    }

    /// The prefix of an operation's types (`<prefix>Call`, `…Response`, `…Request`): the
    /// operationId's own name, unless a type of the spec has one of those names, then that name
    /// with `Op` (and a number if needed). The names are kept from inline schemas.
    fn operation_type_name(&mut self, own: String) -> (String, Option<String>) {
        const SUFFIXES: [&str; 3] = ["Call", "Response", "Request"];
        let clash = |types: &Types, prefix: &str| {
            SUFFIXES
                .iter()
                .map(|suffix| format!("{prefix}{suffix}"))
                .find(|name| types.is_taken(name))
        };
        let (type_name, note) = match clash(&self.types, &own) {
            None => (own, None),
            Some(taken) => {
                let type_name = names::unique(&format!("{own}Op"), |prefix| {
                    clash(&self.types, prefix).is_some()
                });
                let note = format!(
                    "Its types are named `{type_name}…`: `{taken}` is the name of a type in the spec."
                );
                (type_name, Some(note))
            }
        };
        for suffix in SUFFIXES {
            self.types.reserve(format!("{type_name}{suffix}"));
        }
        (type_name, note)
    }

    fn params(
        &mut self,
        segments: &[Segment],
        item: &'d spec::PathItem,
        op: &'d spec::Operation,
        site: OpSite<'d, '_>,
        type_name: &str,
    ) -> Option<Vec<Param>> {
        let path_pointer = *site.path_pointer;
        let pointer = site.pointer();
        let path_params = path_pointer.key("parameters");
        let op_params = pointer.key("parameters");
        let mut declared: Vec<(Param, Pointer)> = Vec::new();
        let mut ok = true;
        let sources = item
            .parameters
            .iter()
            .enumerate()
            .map(|(i, p)| (p, path_params.index(i)))
            .chain(
                op.parameters
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (p, op_params.index(i))),
            );
        for (node, at) in sources {
            let Some(resolved) = resolve(
                &mut self.problems,
                &self.doc.components.parameters,
                "parameters",
                node,
                at,
            ) else {
                ok = false;
                continue;
            };
            // A shared parameter lowers the same way for every operation, unless it names an
            // inline type after the operation or has problems.
            let shared = resolved.component.map(|name| name.as_ptr() as usize);
            let lowered = match shared.and_then(|key| self.shared_params.get(&key)) {
                Some(lowered) => lowered.clone(),
                None => {
                    let problems_before = self.problems.count();
                    let op_specific = Cell::new(false);
                    let lowered = self.param(&resolved, type_name, &op_specific);
                    if let Some(key) = shared
                        && !op_specific.get()
                        && self.problems.count() == problems_before
                    {
                        self.shared_params.insert(key, lowered.clone());
                    }
                    lowered
                }
            };
            let param = match lowered {
                ParamLowering::Param(param) => param,
                ParamLowering::Invalid(param) => {
                    ok = false;
                    param
                }
                ParamLowering::Ignored => continue,
                ParamLowering::Failed => {
                    ok = false;
                    continue;
                }
            };
            // Operation-level parameters override path-level ones with the same name and location.
            declared.retain(|(existing, _)| {
                !(existing.name == param.name && existing.location == param.location)
            });
            if let Some((other, _)) = declared
                .iter()
                .find(|(existing, _)| existing.rust_name == param.rust_name)
            {
                self.problems.error(
                    &resolved.pointer,
                    format!(
                        "parameters `{}` and `{}` both become `{}`",
                        other.name, param.name, param.rust_name
                    ),
                    None,
                );
                ok = false;
                continue;
            }
            declared.push((param, resolved.pointer));
        }
        for name in segments.iter().flat_map(Segment::params) {
            if !declared
                .iter()
                .any(|(param, _)| param.location == ParamLocation::Path && param.name == name)
            {
                self.problems.error(
                    &path_pointer,
                    format!(
                        "path parameter `{{{name}}}` of `{}` is not declared",
                        site.label()
                    ),
                    Some(format!(
                        "add a parameter with `name: {name}` and `in: path`"
                    )),
                );
                ok = false;
            }
        }
        for (param, at) in &declared {
            if param.location == ParamLocation::Path
                && !segments
                    .iter()
                    .flat_map(Segment::params)
                    .any(|name| name == param.name)
            {
                self.problems.error(
                    at,
                    format!(
                        "path parameter `{}` does not appear in the path",
                        param.name
                    ),
                    None,
                );
                ok = false;
            }
        }
        if !ok {
            return None;
        }
        // Path parameters in path order, then the rest in declaration order.
        let mut params: Vec<Param> = segments
            .iter()
            .flat_map(Segment::params)
            .filter_map(|name| {
                declared
                    .iter()
                    .find(|(param, _)| param.location == ParamLocation::Path && param.name == name)
                    .map(|(param, _)| param.clone())
            })
            .collect();
        params.extend(
            declared
                .into_iter()
                .map(|(param, _)| param)
                .filter(|param| param.location != ParamLocation::Path),
        );
        Some(params)
    }

    /// Lowers one resolved parameter. `op_specific` is set when an inline type was named after
    /// the operation.
    fn param(
        &mut self,
        resolved: &Resolved<'_, '_, spec::Parameter>,
        type_name: &str,
        op_specific: &Cell<bool>,
    ) -> ParamLowering {
        let parameter = resolved.item;
        let mut valid = true;
        let location = match parameter.location.as_str() {
            "path" => ParamLocation::Path,
            "query" => ParamLocation::Query,
            "header" => ParamLocation::Header,
            "cookie" => {
                self.problems.warning(
                    &resolved.pointer.key("in"),
                    format!(
                        "cookie parameter `{}` is not generated: the client does not send it and the server does not read it",
                        parameter.name
                    ),
                    None,
                );
                return ParamLowering::Ignored;
            }
            other => {
                self.problems.error_value(
                    &resolved.pointer.key("in"),
                    format!("parameters `in: {other}` are not supported"),
                    Some("use path, query or header".into()),
                );
                return ParamLowering::Failed;
            }
        };
        // OpenAPI says these header parameters are ignored: security and content say it.
        if location == ParamLocation::Header
            && ["authorization", "content-type", "accept"]
                .contains(&parameter.name.to_ascii_lowercase().as_str())
        {
            return ParamLowering::Ignored;
        }
        if location == ParamLocation::Path && !parameter.required {
            self.problems.error(
                &resolved.pointer,
                format!(
                    "path parameter `{}` must have `required: true`",
                    parameter.name
                ),
                None,
            );
            valid = false;
        }
        let rust_name = if location == ParamLocation::Header {
            names::header_field(&parameter.name)
        } else {
            names::snake(&parameter.name)
        };
        let Some(rust_name) = rust_name else {
            self.problems.error(
                &resolved.pointer,
                format!("parameter `{}` gives no usable Rust name", parameter.name),
                None,
            );
            return ParamLowering::Failed;
        };
        let hint = || {
            resolved
                .component
                .and_then(|c| names::camel(c, "P"))
                .unwrap_or_else(|| {
                    op_specific.set(true);
                    format!(
                        "{type_name}{}",
                        names::camel(&parameter.name, "P").unwrap_or_default()
                    )
                })
        };
        let warnings_before = self.problems.warning_count();
        let ty = match &parameter.schema {
            Some(schema) => self.types.type_ref(
                &mut self.problems,
                &self.doc.components.schemas,
                schema,
                resolved.pointer.key("schema"),
                &hint,
            ),
            None => Some(TypeRef::String),
        };
        let Some(ty) = ty else {
            return ParamLowering::Failed;
        };
        // A parameter travels as text: what has no scalar type is passed as the text itself.
        let ty = match ty {
            ty if !self.is_param_type(&ty) => {
                self.problems.retract_warnings(warnings_before);
                self.problems.warning(
                    &resolved.pointer.key("schema"),
                    format!(
                        "parameter `{}` has no scalar type and is passed as its text (`String`)",
                        parameter.name
                    ),
                    None,
                );
                TypeRef::String
            }
            ty => ty,
        };
        // Lists travel comma-separated; another layout is passed as the text itself.
        let ty = match ty {
            TypeRef::Array(inner)
                if matches!(*inner, TypeRef::Array(_))
                    || parameter.explode == Some(true)
                    || parameter
                        .style
                        .as_deref()
                        .is_some_and(|style| style != "form" && style != "simple") =>
            {
                self.problems.warning(
                    &resolved.pointer,
                    format!(
                        "parameter `{}`: only flat lists in `style: form, explode: false` are typed; this one is passed as its text (`String`)",
                        parameter.name
                    ),
                    Some("with `String`, the caller writes the value as the query expects it".into()),
                );
                TypeRef::String
            }
            ty => ty,
        };
        let key = self.key_semantics(parameter, &resolved.pointer);
        let param = Param {
            name: parameter.name.clone(),
            rust_name,
            location,
            required: parameter.required,
            ty,
            description: parameter.description.clone(),
            key,
        };
        if valid {
            ParamLowering::Param(param)
        } else {
            ParamLowering::Invalid(param)
        }
    }

    /// Whether a type can travel as a parameter's text: a scalar, a string key or enum, or a
    /// list of those.
    fn is_param_type(&self, ty: &TypeRef) -> bool {
        match ty {
            TypeRef::Any | TypeRef::Map(_) => false,
            TypeRef::Array(item) => {
                !matches!(**item, TypeRef::Array(_)) && self.is_param_type(item)
            }
            TypeRef::Named(name) => self
                .types
                .named
                .iter()
                .rev()
                .find(|ty| &ty.rust_name == name)
                .is_none_or(|ty| {
                    !matches!(ty.kind, TypeKind::Object { .. } | TypeKind::Union { .. })
                }),
            TypeRef::String
            | TypeRef::Int32
            | TypeRef::Int64
            | TypeRef::Number
            | TypeRef::Boolean => true,
        }
    }

    /// The key semantics of a parameter: `x-photo-key` on its schema (followed through `$ref`),
    /// else the default. The schema already resolved when its type was lowered.
    fn key_semantics(&mut self, parameter: &spec::Parameter, pointer: &Pointer) -> KeySemantics {
        let Some(schema) = &parameter.schema else {
            return KeySemantics::default();
        };
        let resolved = resolve(
            &mut self.problems,
            &self.doc.components.schemas,
            "schemas",
            schema,
            pointer.key("schema"),
        );
        resolved
            .and_then(|resolved| resolved.item.photo_key)
            .map_or_else(KeySemantics::default, |key| KeySemantics {
                case_insensitive: key.case == spec::KeyCase::Insensitive,
                aliases: key.aliases,
            })
    }

    fn content(
        &mut self,
        content: &spec::UniqueMap<String, spec::MediaType>,
        pointer: &Pointer,
        type_hint: Hint,
    ) -> Option<Option<BodyContent>> {
        let mut binary = Vec::new();
        let mut other: Vec<&str> = Vec::new();
        let mut json: Option<BodyContent> = None;
        let mut ok = true;
        let content_pointer = pointer.key("content");
        for (media_type, media) in content {
            let at = content_pointer.key(media_type);
            let Some((top, sub)) = media_type.split_once('/').filter(|(top, sub)| {
                is_token(top) && is_token(sub.split(';').next().unwrap_or("").trim())
            }) else {
                self.problems.error(
                    &at,
                    format!("`{media_type}` is not a media type"),
                    Some("write it as type/subtype, such as image/jpeg".into()),
                );
                ok = false;
                continue;
            };
            let essence = sub.split(';').next().unwrap_or("").trim();
            if top == "application" && (essence == "json" || essence.ends_with("+json")) {
                let Some(schema) = &media.schema else {
                    self.problems.error(
                        &at,
                        format!("`{media_type}` content needs a schema"),
                        None,
                    );
                    ok = false;
                    continue;
                };
                let Some(ty) = self.types.type_ref(
                    &mut self.problems,
                    &self.doc.components.schemas,
                    schema,
                    at.key("schema"),
                    type_hint,
                ) else {
                    ok = false;
                    continue;
                };
                if json.is_some() {
                    self.problems.error(
                        &at,
                        "only one JSON media type per body is supported",
                        None,
                    );
                    ok = false;
                }
                json = Some(BodyContent::Json {
                    media_type: media_type.clone(),
                    ty,
                });
            } else if ["image", "audio", "video"].contains(&top)
                || media_type == "application/octet-stream"
                || media_type == "application/pdf"
            {
                if !self.types.is_binary(
                    &mut self.problems,
                    &self.doc.components.schemas,
                    media.schema.as_ref(),
                    at.key("schema"),
                ) {
                    self.problems.error(&at, format!("`{media_type}` content must have a binary schema (`type: string, format: binary`)"), None);
                    ok = false;
                    continue;
                }
                binary.push(media_type.clone());
            } else {
                // XML, forms, text (Graph's `$count` answers `text/plain`): not typed.
                other.push(media_type.as_str());
            }
        }
        // Beside JSON, another form of the same content is left out; alone, it travels as bytes.
        for media_type in &other {
            let message = if json.is_some() {
                format!("`{media_type}` content is left out: the JSON form is generated")
            } else {
                format!("`{media_type}` content is carried as raw bytes; its schema is not used")
            };
            self.problems
                .warning(&content_pointer.key(media_type), message, None);
        }
        if json.is_none() {
            binary.extend(other.iter().map(|media_type| (*media_type).to_owned()));
        }
        if !ok {
            return None;
        }
        match (json, binary.is_empty()) {
            (Some(_), false) => {
                self.problems
                    .error(pointer, "a body may be JSON or binary, not both", None);
                None
            }
            (Some(json), true) => Some(Some(json)),
            (None, false) => Some(Some(BodyContent::Binary {
                media_types: binary,
            })),
            (None, true) => Some(None),
        }
    }

    fn request_body(
        &mut self,
        node: &'d RefOr<spec::RequestBody>,
        pointer: Pointer,
        type_name: &str,
    ) -> Option<RequestBody> {
        let resolved = resolve(
            &mut self.problems,
            &self.doc.components.request_bodies,
            "requestBodies",
            node,
            pointer,
        )?;
        let rust_name = resolved
            .component
            .and_then(|name| names::camel(name, "B"))
            .unwrap_or_else(|| format!("{type_name}Body"));
        let content = self.content(&resolved.item.content, &resolved.pointer, &|| {
            rust_name.clone()
        })??;
        let rust_name = match &content {
            // The client's upload type: it gives way to the spec's types, the same way for
            // every operation that shares the body.
            BodyContent::Binary { .. } => {
                if let Some(given) = self.binary_bodies.get(&rust_name) {
                    given.clone()
                } else {
                    let given = names::unique(&rust_name, |name| self.types.is_taken(name));
                    self.types.reserve(given.clone());
                    self.binary_bodies.insert(rust_name, given.clone());
                    given
                }
            }
            // A JSON body is its schema's type; the wrapper name is not needed.
            BodyContent::Json { .. } => rust_name,
        };
        Some(RequestBody {
            required: resolved.item.required,
            description: resolved.item.description.clone(),
            rust_name,
            content,
        })
    }

    fn responses(
        &mut self,
        op: &'d spec::Operation,
        pointer: &Pointer,
        type_name: &str,
    ) -> Option<Vec<Response>> {
        if op.responses.is_empty() {
            self.problems
                .error(pointer, "the operation declares no responses", None);
            return None;
        }
        let mut out: Vec<Response> = Vec::new();
        let mut ok = true;
        let responses_pointer = pointer.key("responses");
        for (key, node) in &op.responses {
            let at = responses_pointer.key(key);
            let Some(status) = parse_status(key) else {
                self.problems.error(
                    &at,
                    format!("`{key}` is not a response status"),
                    Some("use a code such as 200, a range such as 4XX, or default".into()),
                );
                ok = false;
                continue;
            };
            let Some(resolved) = resolve(
                &mut self.problems,
                &self.doc.components.responses,
                "responses",
                node,
                at,
            ) else {
                ok = false;
                continue;
            };
            // A shared response lowers the same way for every operation, unless it names an
            // inline type after the operation or has problems.
            let shared = resolved
                .component
                .map(|name| (name.as_ptr() as usize, status));
            if let Some(response) = shared.and_then(|key| self.shared_responses.get(&key)) {
                out.push(response.clone());
                continue;
            }
            let problems_before = self.problems.count();
            let variant = variant_name(status);
            let hinted = Cell::new(false);
            // An inline type in a shared response is named after the response, once.
            let hint = || match resolved.component.and_then(|name| names::camel(name, "R")) {
                Some(name) => name,
                None => {
                    hinted.set(true);
                    format!("{type_name}{variant}")
                }
            };
            let Some(body) = self.content(&resolved.item.content, &resolved.pointer, &hint) else {
                ok = false;
                continue;
            };
            let mut headers = Vec::new();
            let headers_pointer = resolved.pointer.key("headers");
            for (name, header) in &resolved.item.headers {
                let header_at = headers_pointer.key(name);
                let Some(header) = resolve(
                    &mut self.problems,
                    &self.doc.components.headers,
                    "headers",
                    header,
                    header_at,
                ) else {
                    ok = false;
                    continue;
                };
                let Some(rust_name) = names::header_field(name) else {
                    self.problems.error(
                        &header_at,
                        format!("header `{name}` gives no usable Rust name"),
                        None,
                    );
                    ok = false;
                    continue;
                };
                headers.push(ResponseHeader {
                    name: name.clone(),
                    rust_name,
                    description: header.item.description.clone(),
                });
            }
            let response = Response {
                status,
                variant,
                description: resolved.item.description.clone(),
                body,
                headers,
            };
            if let Some(key) = shared
                && !hinted.get()
                && self.problems.count() == problems_before
            {
                self.shared_responses.insert(key, response.clone());
            }
            out.push(response);
        }
        ok.then_some(out)
    }
}

fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$&-^_.+".contains(c))
}

fn parse_status(key: &str) -> Option<Status> {
    if key == "default" {
        return Some(Status::Default);
    }
    let bytes = key.as_bytes();
    if bytes.len() == 3
        && (b'1'..=b'5').contains(&bytes[0])
        && bytes[1..].eq_ignore_ascii_case(b"XX")
    {
        return Some(Status::Range(bytes[0] - b'0'));
    }
    key.parse::<u16>()
        .ok()
        .filter(|code| (100..=599).contains(code) && key.len() == 3)
        .map(Status::Code)
}

/// The response enum variant for a status: its reason phrase, else `Status<code>`.
fn variant_name(status: Status) -> String {
    let reason = match status {
        Status::Default => "Default",
        Status::Range(1) => "Informational",
        Status::Range(2) => "Success",
        Status::Range(3) => "Redirection",
        Status::Range(4) => "ClientError",
        Status::Range(_) => "ServerError",
        Status::Code(code) => match code {
            200 => "Ok",
            201 => "Created",
            202 => "Accepted",
            204 => "NoContent",
            206 => "PartialContent",
            301 => "MovedPermanently",
            302 => "Found",
            303 => "SeeOther",
            304 => "NotModified",
            307 => "TemporaryRedirect",
            400 => "BadRequest",
            401 => "Unauthorized",
            403 => "Forbidden",
            404 => "NotFound",
            405 => "MethodNotAllowed",
            409 => "Conflict",
            412 => "PreconditionFailed",
            413 => "PayloadTooLarge",
            415 => "UnsupportedMediaType",
            429 => "TooManyRequests",
            500 => "InternalServerError",
            503 => "ServiceUnavailable",
            504 => "GatewayTimeout",
            other => return format!("Status{other}"),
        },
    };
    reason.to_owned()
}
