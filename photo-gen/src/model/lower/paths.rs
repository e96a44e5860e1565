//! Path items and operations: what each method of a path is called, its id and type names.

use std::borrow::Cow;

use super::super::paging;
use super::super::pointer::{Pointer, ROOT};
use super::super::schemas::Types;
use super::super::security;
use super::super::segments;
use super::super::{Method, Operation, Segment};
use super::{IdSite, Lowering, OpSite};
use crate::names;
use crate::spec;

impl<'d> Lowering<'d, '_> {
    /// Lowers the operations of one path item into `out`.
    pub(super) fn path_item(
        &mut self,
        path: &'d str,
        item: &'d spec::PathItem,
        out: &mut Vec<Operation>,
    ) {
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
        let id_pointer = pointer.key("operationId");
        let mut id_key: Cow<'d, str> = match op.operation_id.as_deref() {
            Some(id) if names::snake(id).is_some() && names::camel(id, "Op").is_some() => {
                Cow::Borrowed(id)
            }
            Some(id) => {
                let named = self.operation_id_from(method, path);
                self.problems.warning(
                    &id_pointer,
                    format!("operationId `{id}` gives no usable Rust name: the operation is generated as `{named}`"),
                    None,
                );
                Cow::Owned(named)
            }
            None => Cow::Owned(self.operation_id_from(method, path)),
        };
        // Both are some: the id gives Rust names, or was made from the method and path.
        let rust_names = |id: &str| names::snake(id).zip(names::camel(id, "Op"));
        let (mut fn_name, mut type_name) = rust_names(&id_key)?;
        // Each operation needs its own names: a later one that repeats an id, or whose id gives
        // the same Rust name, is numbered (the first free number, counting spec ids too).
        let clash = if let Some(first) = self.first_ids.get(&*id_key) {
            let first = first.describe(&self.problems);
            Some(format!(
                "duplicate operationId `{id_key}` (first used at {first})"
            ))
        } else if let Some(first) = self.first_fns.get(&fn_name) {
            let first = first.describe(&self.problems);
            Some(format!(
                "operationId `{id_key}` becomes the Rust name `{fn_name}`, already used by the operation at {first}"
            ))
        } else {
            None
        };
        if let Some(clash) = clash {
            let renamed = self.free_operation_id(&id_key);
            (fn_name, type_name) = rust_names(&renamed)?;
            self.problems.warning(
                &id_pointer,
                format!(
                    "{clash}: this operation (`{}`) is generated as `{renamed}` (`{fn_name}`)",
                    site.label()
                ),
                Some("give each operation its own operationId".into()),
            );
            id_key = Cow::Owned(renamed);
        }
        let id: &str = &id_key;
        let here = IdSite {
            path,
            method: site.method_name,
        };
        self.first_ids.insert(id_key.clone(), here);
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
        let base = format!(
            "{}{}",
            method.lower(),
            names::camel(path, "P").unwrap_or_default()
        );
        self.free_operation_id(&base)
    }

    /// `base`, or `base` with the first free number, so that neither it nor its Rust name is
    /// an id the spec gives (to this operation or a later one) or one given so far.
    fn free_operation_id(&mut self, base: &str) -> String {
        let doc = self.doc;
        let given = self.given_ids.get_or_insert_with(|| {
            doc.paths
                .values()
                .flat_map(|item| item.operations())
                .filter_map(|(_, op)| op.operation_id.as_deref())
                .flat_map(|id| [Some(id.to_owned()), names::snake(id)])
                .flatten()
                .collect()
        });
        let id = names::unique(base, |id| {
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
}

#[cfg(test)]
mod tests {
    use super::super::super::{Method, Segment};
    use super::super::test_spec::{errors, lowered};

    #[test]
    fn operations_take_their_names_from_the_id_or_the_method_and_path() {
        let api = lowered(
            "paths:\n  /users/{user-id}/photo:\n    parameters:\n      - {name: user-id, in: path, required: true, schema: {type: string}}\n    get:\n      operationId: users.GetPhoto\n      responses: {'204': {description: Done.}}\n    delete:\n      responses: {'204': {description: Done.}}\n    trace:\n      responses: {'204': {description: Done.}}\n",
        );
        let [get, delete] = api.operations.as_slice() else {
            panic!("two operations: {:?}", api.operations);
        };
        assert_eq!(
            (get.method, get.fn_name.as_str(), get.type_name.as_str()),
            (Method::Get, "users_get_photo", "UsersGetPhoto")
        );
        assert_eq!(delete.id, "deleteUsersUserIdPhoto");
        assert_eq!(
            get.segments,
            [
                Segment::Literal("users".into()),
                Segment::Param("user-id".into()),
                Segment::Literal("photo".into())
            ]
        );
        assert!(
            api.warnings
                .short()
                .contains("`TRACE` operations are not generated"),
            "{}",
            api.warnings.short()
        );
    }

    #[test]
    fn an_operation_type_name_gives_way_to_a_schema_type() {
        let api = lowered(
            "paths:\n  /a:\n    get:\n      operationId: photo\n      responses: {'204': {description: Done.}}\ncomponents:\n  schemas:\n    photoResponse: {type: object, properties: {id: {type: string}}}\n",
        );
        let op = &api.operations[0];
        assert_eq!(op.type_name, "PhotoOp");
        assert!(
            op.type_name_note
                .as_deref()
                .is_some_and(|note| note.contains("PhotoResponse"))
        );
    }

    #[test]
    fn a_path_item_ref_is_followed() {
        let api = lowered(
            "paths:\n  /a:\n    $ref: '#/components/pathItems/shared'\ncomponents:\n  pathItems:\n    shared:\n      get:\n        operationId: shared_Get\n        responses: {'204': {description: Done.}}\n",
        );
        assert_eq!(api.operations[0].path, "/a");
        assert_eq!(api.operations[0].id, "shared_Get");
    }

    #[test]
    fn repeated_ids_and_ids_with_one_rust_name_are_numbered_with_a_warning() {
        let get = |path: &str, id: &str| {
            format!(
                "  {path}:\n    get:\n      operationId: {id}\n      responses: {{'204': {{description: Done.}}}}\n"
            )
        };
        let api = lowered(&format!(
            "paths:\n{}{}{}{}",
            get("/a", "list"),
            get("/b", "list"),
            get("/c", "List"),
            get("/d", "list2"),
        ));
        let ids: Vec<(&str, &str)> = api
            .operations
            .iter()
            .map(|op| (op.id.as_str(), op.fn_name.as_str()))
            .collect();
        assert_eq!(
            ids,
            [
                ("list", "list"),
                ("list3", "list3"),
                ("List4", "list4"),
                ("list2", "list2")
            ]
        );
        let warnings = api.warnings.short();
        assert!(
            warnings.contains("spec.yaml:10:7: warning: duplicate operationId `list` (first used at 6:7): this operation (`GET /b`) is generated as `list3` (`list3`)"),
            "{warnings}"
        );
        assert!(
            warnings.contains("operationId `List` becomes the Rust name `list`, already used by the operation at 6:7: this operation (`GET /c`) is generated as `List4`"),
            "{warnings}"
        );
    }

    #[test]
    fn an_id_without_a_rust_name_is_named_from_the_method_and_path() {
        let api = lowered(
            "paths:\n  /a:\n    get:\n      operationId: '---'\n      responses: {'204': {description: Done.}}\n",
        );
        assert_eq!(api.operations[0].fn_name, "get_a");
        assert!(api.warnings.short().contains(
            "operationId `---` gives no usable Rust name: the operation is generated as `getA`"
        ));
    }

    #[test]
    fn a_path_without_a_slash_is_located() {
        let short =
            errors("paths:\n  a/b:\n    get:\n      responses: {'204': {description: Done.}}\n");
        assert!(
            short.contains("spec.yaml:4:3: error: path `a/b` must start with `/`"),
            "{short}"
        );
    }
}
