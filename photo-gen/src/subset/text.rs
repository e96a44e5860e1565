//! The text of a subset: the spec with only the kept path items, operations and components,
//! as the generated crate's copy of its description.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_yaml::{Mapping, Value};

use super::Selection;
use super::outline::component_ref;
use super::walk::mapping_seed;
use crate::spec::METHODS;

/// Writes the part of the YAML `text` that `selection` keeps, after a `# comment` line saying
/// what was kept, each mapping in its original order.
pub fn write(
    text: &str,
    selection: &Selection,
    comment: &str,
) -> Result<String, serde_yaml::Error> {
    let mut root = Pruned {
        selection,
        mapping: Mapping::new(),
    };
    DocumentSeed(&mut root).deserialize(serde_yaml::Deserializer::from_str(text))?;
    let yaml = serde_yaml::to_string(&Value::Mapping(root.mapping))?;
    let comment: String = comment.lines().map(|line| format!("# {line}\n")).collect();
    Ok(comment + &yaml)
}

/// A mapping being built, and what to keep of it.
struct Pruned<'s> {
    selection: &'s Selection,
    mapping: Mapping,
}

impl Pruned<'_> {
    fn child(&self) -> Pruned<'_> {
        Pruned {
            selection: self.selection,
            mapping: Mapping::new(),
        }
    }
}

mapping_seed!(DocumentSeed<'s>(Pruned<'s>), |root, key, map| {
    let value = match key.as_str() {
        "paths" => {
            let mut paths = root.child();
            map.next_value_seed(PathsSeed(&mut paths))?;
            Value::Mapping(paths.mapping)
        }
        "components" => {
            let mut components = root.child();
            map.next_value_seed(ComponentsSeed(&mut components))?;
            if components.mapping.is_empty() {
                return Ok(());
            }
            Value::Mapping(components.mapping)
        }
        _ => map.next_value()?,
    };
    root.mapping.insert(Value::String(key), value);
    Ok(())
});

mapping_seed!(PathsSeed<'s>(Pruned<'s>), |paths, path, map| {
    let Some(methods) = paths.selection.paths.get(&path) else {
        return map.next_value::<IgnoredAny>().map(drop);
    };
    let mut item: Value = map.next_value()?;
    if let Some(item) = item.as_mapping_mut() {
        item.retain(|key, _| {
            key.as_str()
                .is_none_or(|key| !METHODS.contains(&key) || methods.contains(&key))
        });
    }
    paths.mapping.insert(Value::String(path), item);
    Ok(())
});

mapping_seed!(ComponentsSeed<'s>(Pruned<'s>), |components, section, map| {
    let mut kept = Section {
        name: &section,
        pruned: components.child(),
    };
    map.next_value_seed(SectionSeed(&mut kept))?;
    let entries = kept.pruned.mapping;
    if !entries.is_empty() {
        components
            .mapping
            .insert(Value::String(section), Value::Mapping(entries));
    }
    Ok(())
});

/// One section of `components` being pruned.
struct Section<'n, 's> {
    name: &'n str,
    pruned: Pruned<'s>,
}

mapping_seed!(SectionSeed<'n, 's>(Section<'n, 's>), |section, name, map| {
    let reference = component_ref(section.name, &name);
    if section.pruned.selection.components.contains(&reference) {
        let value: Value = map.next_value()?;
        section.pruned.mapping.insert(Value::String(name), value);
    } else {
        map.next_value::<IgnoredAny>()?;
    }
    Ok(())
});
