//! Parameters: path, query and header parameters of an operation and its path item, and the
//! types they travel as.

use std::cell::Cell;

use super::super::pointer::Pointer;
use super::super::refs::{Resolved, resolve};
use super::super::{KeySemantics, Param, ParamLocation, Segment, TypeKind, TypeRef};
use super::{Lowering, OpSite, ParamLowering};
use crate::names;
use crate::spec;

impl<'d> Lowering<'d, '_> {
    pub(super) fn params(
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
            let mut param = match lowered {
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
            // Names that differ only in case or punctuation (`$top`, `top`): the later
            // parameter is numbered in Rust, and travels under its exact name. The call builder
            // has `body` where there is a request body and `items` for a paged list.
            let generated = |name: &str| {
                (op.request_body.is_some() && name == "body")
                    || (op.pageable.is_some() && name == "items")
            };
            let taken = |name: &str| {
                generated(name)
                    || declared
                        .iter()
                        .any(|(existing, _)| existing.rust_name == name)
            };
            if taken(&param.rust_name) {
                let rust_name = names::unique(&param.rust_name, taken);
                let message = match declared
                    .iter()
                    .find(|(existing, _)| existing.rust_name == param.rust_name)
                {
                    Some((other, _)) => format!(
                        "parameters `{}` and `{}` both become `{}`: `{}` is `{rust_name}` in Rust",
                        other.name, param.name, param.rust_name, param.name
                    ),
                    None => format!(
                        "parameter `{}` would take the generated name `{}`: it is `{rust_name}` in Rust",
                        param.name, param.rust_name
                    ),
                };
                self.problems.warning(&resolved.pointer, message, None);
                param.rust_name = rust_name;
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
        let rust_name = rust_name.unwrap_or_else(|| {
            self.problems.warning(
                &resolved.pointer,
                format!(
                    "parameter `{}` gives no usable Rust name: it is `param` in Rust",
                    parameter.name
                ),
                None,
            );
            "param".to_owned()
        });
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
}

#[cfg(test)]
mod tests {
    use super::super::super::{ParamLocation, TypeRef};
    use super::super::test_spec::{errors, lowered};

    #[test]
    fn path_parameters_come_in_path_order_and_operation_ones_override_the_path_items() {
        let api = lowered(
            "paths:\n  /a/{x}/b/{y}:\n    parameters:\n      - {name: y, in: path, required: true, schema: {type: integer}}\n      - {name: top, in: query, schema: {type: string}}\n    get:\n      operationId: get_B\n      parameters:\n        - {name: x, in: path, required: true, schema: {type: string}}\n        - {name: top, in: query, schema: {type: integer, format: int64}}\n        - {name: If-Match, in: header, schema: {type: string}}\n        - {name: Accept, in: header, schema: {type: string}}\n      responses: {'204': {description: Done.}}\n",
        );
        let params: Vec<(&str, &str, ParamLocation, &TypeRef)> = api.operations[0]
            .params
            .iter()
            .map(|p| (p.name.as_str(), p.rust_name.as_str(), p.location, &p.ty))
            .collect();
        assert_eq!(
            params,
            [
                ("x", "x", ParamLocation::Path, &TypeRef::String),
                ("y", "y", ParamLocation::Path, &TypeRef::Int32),
                ("top", "top", ParamLocation::Query, &TypeRef::Int64),
                (
                    "If-Match",
                    "if_match",
                    ParamLocation::Header,
                    &TypeRef::String
                ),
            ]
        );
    }

    #[test]
    fn an_object_parameter_travels_as_text_with_a_warning() {
        let api = lowered(
            "paths:\n  /a:\n    get:\n      operationId: get_A\n      parameters:\n        - {name: filter, in: query, schema: {type: object, properties: {a: {type: string}}}}\n      responses: {'204': {description: Done.}}\n",
        );
        assert_eq!(api.operations[0].params[0].ty, TypeRef::String);
        assert!(
            api.warnings
                .short()
                .contains("parameter `filter` has no scalar type"),
            "{}",
            api.warnings.short()
        );
    }

    #[test]
    fn parameters_with_one_rust_name_are_numbered_and_keep_their_wire_names() {
        let api = lowered(
            "paths:\n  /a:\n    post:\n      operationId: post_A\n      parameters:\n        - {name: $top, in: query, schema: {type: integer}}\n        - {name: top, in: query, schema: {type: integer}}\n        - {name: body, in: query, schema: {type: string}}\n      requestBody:\n        content: {application/json: {schema: {type: object, properties: {a: {type: string}}}}}\n      responses: {'204': {description: Done.}}\n",
        );
        let names: Vec<(&str, &str)> = api.operations[0]
            .params
            .iter()
            .map(|p| (p.name.as_str(), p.rust_name.as_str()))
            .collect();
        assert_eq!(names, [("$top", "top"), ("top", "top2"), ("body", "body2")]);
        let warnings = api.warnings.short();
        assert!(
            warnings.contains("spec.yaml:9:11: warning: parameters `$top` and `top` both become `top`: `top` is `top2` in Rust"),
            "{warnings}"
        );
        assert!(
            warnings.contains(
                "parameter `body` would take the generated name `body`: it is `body2` in Rust"
            ),
            "{warnings}"
        );
    }

    #[test]
    fn undeclared_and_optional_path_parameters_are_located() {
        let short = errors(
            "paths:\n  /a/{x}:\n    get:\n      parameters:\n        - {name: y, in: path, schema: {type: string}}\n      responses: {'204': {description: Done.}}\n",
        );
        assert!(
            short.contains("path parameter `{x}` of `GET /a/{x}` is not declared"),
            "{short}"
        );
        assert!(
            short.contains("path parameter `y` must have `required: true`"),
            "{short}"
        );
    }
}
