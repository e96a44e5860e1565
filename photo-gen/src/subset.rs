//! Cutting a subset out of a large description: the operations whose path matches a pattern
//! (`/users/*/photo/**`) or whose operationId is listed, and only the components they reach, so
//! a few operations can be generated from Microsoft's full Graph description.

use std::collections::VecDeque;

use rustc_hash::FxHashSet;

use crate::spec::{
    AdditionalProperties, Components, Document, Header, MediaType, Parameter, PathItem, RefOr,
    RequestBody, Response, Schema, UniqueMap,
};

/// Which operations to keep. Empty keeps everything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Subset {
    /// Path patterns: segments match literally, `*` matches one segment and `**` any number of
    /// them (`/users/*/photo/**` matches `/users/{user-id}/photo` and everything below it).
    pub paths: Vec<String>,
    /// operationIds kept whatever their path.
    pub operation_ids: Vec<String>,
}

impl Subset {
    /// Whether the subset keeps every operation.
    pub fn is_everything(&self) -> bool {
        self.paths.is_empty() && self.operation_ids.is_empty()
    }

    fn keeps_path(&self, path: &str) -> bool {
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        self.paths.iter().any(|pattern| {
            let pattern: Vec<&str> = pattern.trim_start_matches('/').split('/').collect();
            matches(&pattern, &segments)
        })
    }

    fn keeps_operation(&self, id: Option<&str>) -> bool {
        id.is_some_and(|id| self.operation_ids.iter().any(|kept| kept == id))
    }

    /// Removes from `doc` the operations the subset does not keep, the paths left without
    /// operations, and the components no kept operation reaches.
    pub fn apply(&self, doc: &mut Document) {
        if self.is_everything() {
            return;
        }
        let paths = std::mem::take(&mut doc.paths).into_inner();
        let mut kept = paths;
        kept.retain(|path, item| {
            let whole_path = self.keeps_path(path);
            for slot in item.operation_slots() {
                let keep = whole_path
                    || self
                        .keeps_operation(slot.as_deref().and_then(|op| op.operation_id.as_deref()));
                if !keep {
                    *slot = None;
                }
            }
            !item.operations().is_empty()
        });
        doc.paths = UniqueMap::from_map(kept);
        let reached = Reached::from_paths(&doc.paths, &doc.components);
        reached.prune(&mut doc.components);
    }
}

/// Whether path segments match pattern segments (`*` one segment, `**` any number).
fn matches(pattern: &[&str], segments: &[&str]) -> bool {
    match (pattern.split_first(), segments.split_first()) {
        (None, None) => true,
        (Some((&"**", rest)), _) => {
            (0..=segments.len()).any(|skip| matches(rest, &segments[skip..]))
        }
        (Some((&"*", rest)), Some((_, tail))) => matches(rest, tail),
        (Some((literal, rest)), Some((segment, tail))) => literal == segment && matches(rest, tail),
        _ => false,
    }
}

/// The components reached from the kept operations, by kind.
#[derive(Default)]
struct Reached {
    schemas: FxHashSet<String>,
    parameters: FxHashSet<String>,
    request_bodies: FxHashSet<String>,
    responses: FxHashSet<String>,
    headers: FxHashSet<String>,
    /// References met and not yet followed.
    pending: VecDeque<String>,
}

impl Reached {
    fn from_paths(paths: &UniqueMap<String, PathItem>, components: &Components) -> Self {
        let mut reached = Reached::default();
        for item in paths.values() {
            item.parameters
                .iter()
                .for_each(|node| reached.parameter(node));
            for (_, op) in item.operations() {
                op.parameters
                    .iter()
                    .for_each(|node| reached.parameter(node));
                if let Some(body) = &op.request_body {
                    reached.request_body(body);
                }
                op.responses
                    .values()
                    .for_each(|node| reached.response(node));
            }
        }
        while let Some(target) = reached.pending.pop_front() {
            reached.follow(&target, components);
        }
        reached
    }

    /// Records a reference; a component met for the first time is followed later.
    fn reference(&mut self, target: &str) {
        let Some(rest) = target.strip_prefix("#/components/") else {
            return;
        };
        let Some((kind, name)) = rest.split_once('/') else {
            return;
        };
        let name = crate::locate::unescape(name);
        let set = match kind {
            "schemas" => &mut self.schemas,
            "parameters" => &mut self.parameters,
            "requestBodies" => &mut self.request_bodies,
            "responses" => &mut self.responses,
            "headers" => &mut self.headers,
            _ => return,
        };
        if set.insert(name) {
            self.pending.push_back(target.to_owned());
        }
    }

    /// Walks the component a reference names.
    fn follow(&mut self, target: &str, components: &Components) {
        let Some((kind, name)) = target
            .strip_prefix("#/components/")
            .and_then(|rest| rest.split_once('/'))
        else {
            return;
        };
        let name = crate::locate::unescape(name);
        match kind {
            "schemas" => {
                if let Some(node) = components.schemas.get(&name) {
                    self.schema(node);
                }
            }
            "parameters" => {
                if let Some(node) = components.parameters.get(&name) {
                    self.parameter(node);
                }
            }
            "requestBodies" => {
                if let Some(node) = components.request_bodies.get(&name) {
                    self.request_body(node);
                }
            }
            "responses" => {
                if let Some(node) = components.responses.get(&name) {
                    self.response(node);
                }
            }
            "headers" => {
                if let Some(node) = components.headers.get(&name) {
                    self.header(node);
                }
            }
            _ => {}
        }
    }

    fn schema(&mut self, node: &RefOr<Schema>) {
        let schema = match node {
            RefOr::Ref(target) => return self.reference(target),
            RefOr::Item(schema) => schema,
        };
        schema
            .properties
            .values()
            .for_each(|node| self.schema(node));
        if let Some(items) = &schema.items {
            self.schema(items);
        }
        for node in schema
            .all_of
            .iter()
            .chain(&schema.any_of)
            .chain(&schema.one_of)
        {
            self.schema(node);
        }
        if let Some(AdditionalProperties::Schema(values)) = &schema.additional_properties {
            self.schema(values);
        }
    }

    fn parameter(&mut self, node: &RefOr<Parameter>) {
        match node {
            RefOr::Ref(target) => self.reference(target),
            RefOr::Item(parameter) => {
                if let Some(schema) = &parameter.schema {
                    self.schema(schema);
                }
            }
        }
    }

    fn request_body(&mut self, node: &RefOr<RequestBody>) {
        match node {
            RefOr::Ref(target) => self.reference(target),
            RefOr::Item(body) => self.content(&body.content),
        }
    }

    fn response(&mut self, node: &RefOr<Response>) {
        match node {
            RefOr::Ref(target) => self.reference(target),
            RefOr::Item(response) => {
                response.headers.values().for_each(|node| self.header(node));
                self.content(&response.content);
            }
        }
    }

    fn header(&mut self, node: &RefOr<Header>) {
        match node {
            RefOr::Ref(target) => self.reference(target),
            RefOr::Item(header) => {
                if let Some(schema) = &header.schema {
                    self.schema(schema);
                }
            }
        }
    }

    fn content(&mut self, content: &UniqueMap<String, MediaType>) {
        for media in content.values() {
            if let Some(schema) = &media.schema {
                self.schema(schema);
            }
        }
    }

    /// Drops the components that were not reached.
    fn prune(&self, components: &mut Components) {
        retain(&mut components.schemas, &self.schemas);
        retain(&mut components.parameters, &self.parameters);
        retain(&mut components.request_bodies, &self.request_bodies);
        retain(&mut components.responses, &self.responses);
        retain(&mut components.headers, &self.headers);
    }
}

fn retain<V>(map: &mut UniqueMap<String, V>, reached: &FxHashSet<String>) {
    let mut entries = std::mem::take(map).into_inner();
    entries.retain(|name, _| reached.contains(name));
    *map = UniqueMap::from_map(entries);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subset(paths: &[&str]) -> Subset {
        Subset {
            paths: paths.iter().map(|path| (*path).to_owned()).collect(),
            operation_ids: Vec::new(),
        }
    }

    #[test]
    fn patterns_match_whole_segments() {
        let photos = subset(&["/users/*/photo/**"]);
        assert!(photos.keeps_path("/users/{user-id}/photo"));
        assert!(photos.keeps_path("/users/{user-id}/photo/$value"));
        assert!(!photos.keeps_path("/users/{user-id}/photos"));
        assert!(!photos.keeps_path("/users/{user-id}/contacts/{id}/photo"));
        let exact = subset(&["/me/photo"]);
        assert!(exact.keeps_path("/me/photo"));
        assert!(!exact.keeps_path("/me/photo/$value"));
        assert!(subset(&["/**/photo"]).keeps_path("/me/contacts/{id}/photo"));
    }

    #[test]
    fn only_the_reached_components_are_kept() {
        let text = r##"
openapi: 3.0.3
info: {title: T, version: '1'}
paths:
  /me/photo:
    get:
      operationId: getPhoto
      parameters: [{$ref: '#/components/parameters/select'}]
      responses:
        '200': {$ref: '#/components/responses/photo'}
  /me/drive:
    get:
      operationId: getDrive
      responses:
        '200':
          description: Drive.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/drive'}
components:
  parameters:
    select: {name: $select, in: query, schema: {$ref: '#/components/schemas/select'}}
  responses:
    photo:
      description: Photo.
      content:
        application/json:
          schema: {$ref: '#/components/schemas/photo'}
  schemas:
    select: {type: string}
    entity: {type: object, properties: {id: {type: string}}}
    photo: {allOf: [{$ref: '#/components/schemas/entity'}]}
    drive: {type: object}
"##;
        let mut doc = crate::spec::parse(text).expect("parses");
        subset(&["/me/photo"]).apply(&mut doc);
        assert_eq!(doc.paths.keys().collect::<Vec<_>>(), ["/me/photo"]);
        let mut schemas: Vec<&String> = doc.components.schemas.keys().collect();
        schemas.sort();
        assert_eq!(schemas, ["entity", "photo", "select"]);
        assert_eq!(doc.components.parameters.len(), 1);
        assert_eq!(doc.components.responses.len(), 1);

        let mut by_id = crate::spec::parse(text).expect("parses");
        Subset {
            paths: Vec::new(),
            operation_ids: vec!["getDrive".into()],
        }
        .apply(&mut by_id);
        assert_eq!(by_id.paths.keys().collect::<Vec<_>>(), ["/me/drive"]);
        assert_eq!(
            by_id.components.schemas.keys().collect::<Vec<_>>(),
            ["drive"]
        );
    }
}
