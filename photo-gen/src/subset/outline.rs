//! The outline of a spec: its paths, their operations with ids, and every `$ref` inside each
//! operation, path item and component. It is read from the text by walking the YAML without
//! building values, and sees every `$ref` wherever it stands (in `allOf`, `x-` extensions, …),
//! not only those the typed [`crate::spec`] model reads.

use std::fmt;

use rustc_hash::FxHashMap;
use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, IgnoredAny, MapAccess, SeqAccess,
    VariantAccess, Visitor,
};

use super::walk::{IsRef, Key, ignore_scalars, mapping_seed};
use crate::locate::escape;
use crate::spec::METHODS;

/// What a spec holds, as far as choosing a subset needs.
#[derive(Debug, Default)]
pub struct Outline {
    pub paths: Vec<PathOutline>,
    /// Every component by its reference (`#/components/schemas/photo`), with the references
    /// inside it.
    pub components: FxHashMap<String, Vec<String>>,
    /// The security schemes the document's own `security` names.
    pub schemes: Vec<String>,
}

/// One path item.
#[derive(Debug, Default)]
pub struct PathOutline {
    pub path: String,
    /// References outside the operations (the path item's shared `parameters`).
    pub refs: Vec<String>,
    pub operations: Vec<OperationOutline>,
}

/// One operation of a path item.
#[derive(Debug)]
pub struct OperationOutline {
    /// `get`, `put`, … as keyed in the path item.
    pub method: &'static str,
    pub id: Option<String>,
    pub refs: Vec<String>,
    /// The security schemes its `security` names.
    pub schemes: Vec<String>,
}

/// Reads the outline of the YAML `text`.
pub fn read(text: &str) -> Result<Outline, serde_yaml::Error> {
    let mut outline = Outline::default();
    DocumentSeed(&mut outline).deserialize(serde_yaml::Deserializer::from_str(text))?;
    Ok(outline)
}

/// Collects every string-valued `$ref` in a node and below.
struct RefsSeed<'a>(&'a mut Vec<String>);

impl<'de> DeserializeSeed<'de> for RefsSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RefsSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }

    ignore_scalars!();

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        RefsSeed(self.0).deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(RefsSeed(self.0))?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(IsRef(is_ref)) = map.next_key()? {
            if is_ref {
                if let Some(target) = map.next_value::<Key>()?.0 {
                    self.0.push(target);
                }
            } else {
                map.next_value_seed(RefsSeed(self.0))?;
            }
        }
        Ok(())
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<(), A::Error> {
        // A tagged node (`!tag value`): its value is searched like any other.
        let (IgnoredAny, variant) = data.variant()?;
        variant.newtype_variant_seed(RefsSeed(self.0))
    }
}

mapping_seed!(DocumentSeed(Outline), |outline, key, map| {
    match key.as_str() {
        "paths" => map.next_value_seed(PathsSeed(&mut outline.paths)),
        "components" => map.next_value_seed(ComponentsSeed(&mut outline.components)),
        "security" => map.next_value_seed(SecuritySeed(&mut outline.schemes)),
        _ => map.next_value::<IgnoredAny>().map(drop),
    }
});

mapping_seed!(PathsSeed(Vec<PathOutline>), |paths, path, map| {
    let mut item = PathOutline {
        path,
        ..PathOutline::default()
    };
    map.next_value_seed(PathItemSeed(&mut item))?;
    paths.push(item);
    Ok(())
});

mapping_seed!(PathItemSeed(PathOutline), |item, key, map| {
    match METHODS.iter().find(|method| **method == key) {
        Some(method) => {
            let mut operation = OperationOutline {
                method,
                id: None,
                refs: Vec::new(),
                schemes: Vec::new(),
            };
            map.next_value_seed(OperationSeed(&mut operation))?;
            item.operations.push(operation);
            Ok(())
        }
        None => map.next_value_seed(RefsSeed(&mut item.refs)),
    }
});

mapping_seed!(OperationSeed(OperationOutline), |operation, key, map| {
    match key.as_str() {
        "operationId" => {
            operation.id = map.next_value::<Key>()?.0;
            Ok(())
        }
        "security" => map.next_value_seed(SecuritySeed(&mut operation.schemes)),
        _ => map.next_value_seed(RefsSeed(&mut operation.refs)),
    }
});

mapping_seed!(
    ComponentsSeed(FxHashMap<String, Vec<String>>),
    |components, section, map| {
        let mut entries = Vec::new();
        map.next_value_seed(SectionSeed(&mut entries))?;
        for (name, refs) in entries {
            components.insert(component_ref(&section, &name), refs);
        }
        Ok(())
    }
);

mapping_seed!(
    SectionSeed(Vec<(String, Vec<String>)>),
    |entries, name, map| {
        let mut refs = Vec::new();
        map.next_value_seed(RefsSeed(&mut refs))?;
        entries.push((name, refs));
        Ok(())
    }
);

/// Collects the scheme names of a list of security requirements.
struct SecuritySeed<'a>(&'a mut Vec<String>);

impl<'de> DeserializeSeed<'de> for SecuritySeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for SecuritySeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of security requirements")
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(RequirementSeed(self.0))?.is_some() {}
        Ok(())
    }
}

mapping_seed!(RequirementSeed(Vec<String>), |schemes, name, map| {
    map.next_value::<IgnoredAny>()?;
    if !schemes.contains(&name) {
        schemes.push(name);
    }
    Ok(())
});

/// The reference to the component `name` of `section`: `#/components/schemas/photo`.
pub fn component_ref(section: &str, name: &str) -> String {
    format!("#/components/{}/{}", escape(section), escape(name))
}

/// The component a local reference stands in (`#/components/schemas/a/properties/b` is in
/// `#/components/schemas/a`), or `None` for a reference to anything else.
pub fn containing_component(reference: &str) -> Option<&str> {
    let rest = reference.strip_prefix("#/components/")?;
    let section_end = rest.find('/')?;
    let name = &rest[section_end + 1..];
    let end = name.find('/').map_or(rest.len(), |at| section_end + 1 + at);
    Some(&reference[..reference.len() - rest.len() + end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_reference_by_operation_path_item_and_component() {
        let text = r##"
openapi: 3.0.3
x-top: {$ref: '#/components/schemas/notRead'}
security: [{oauth: []}, {key: [], oauth: [a]}]
paths:
  /a/{id}:
    parameters: [{$ref: '#/components/parameters/id'}]
    get:
      operationId: getA
      security: [{basic: []}]
      responses:
        200: {$ref: '#/components/responses/a'}
        default:
          content:
            application/json:
              schema:
                allOf: [{$ref: '#/components/schemas/base'}, !tagged {$ref: '#/components/schemas/t'}]
    x-other: {$ref: '#/components/schemas/other'}
    delete: {responses: {204: {description: gone}}}
  /b:
components:
  schemas:
    base: {type: object, properties: {x: {$ref: '#/components/schemas/x~1y'}}}
    x/y: {type: string}
  examples:
    e: {value: {$ref: not-a-ref-target}}
"##;
        let outline = read(text).expect("outline");
        let paths: Vec<_> = outline.paths.iter().map(|item| &item.path).collect();
        assert_eq!(paths, ["/a/{id}", "/b"]);
        let a = &outline.paths[0];
        assert_eq!(
            a.refs,
            ["#/components/parameters/id", "#/components/schemas/other"]
        );
        let ops: Vec<_> = a
            .operations
            .iter()
            .map(|op| (op.method, op.id.as_deref()))
            .collect();
        assert_eq!(ops, [("get", Some("getA")), ("delete", None)]);
        assert_eq!(outline.schemes, ["oauth", "key"]);
        assert_eq!(a.operations[0].schemes, ["basic"]);
        assert!(a.operations[1].schemes.is_empty());
        assert_eq!(
            a.operations[0].refs,
            [
                "#/components/responses/a",
                "#/components/schemas/base",
                "#/components/schemas/t"
            ]
        );
        assert_eq!(
            outline.components["#/components/schemas/base"],
            ["#/components/schemas/x~1y"]
        );
        assert!(outline.components["#/components/schemas/x~1y"].is_empty());
        assert_eq!(
            outline.components["#/components/examples/e"],
            ["not-a-ref-target"]
        );
    }

    #[test]
    fn a_reference_stands_in_its_component() {
        assert_eq!(
            containing_component("#/components/schemas/a/properties/b"),
            Some("#/components/schemas/a")
        );
        assert_eq!(
            containing_component("#/components/schemas/a"),
            Some("#/components/schemas/a")
        );
        assert_eq!(containing_component("#/components/schemas"), None);
        assert_eq!(containing_component("#/paths/~1a"), None);
        assert_eq!(
            containing_component("other.yaml#/components/schemas/a"),
            None
        );
    }
}
