//! Random damage to valid specs never makes the generator panic or hang: it either generates or
//! reports located problems. Failures proptest finds are kept beside this file
//! (`robustness.proptest-regressions`) and replayed first on every run.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use photo_gen::{Options, SpecSource};
use proptest::prelude::*;
use serde_yaml::{Mapping, Value};

fn specs() -> Vec<(String, String)> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let mut out = vec![(
        "spec/photo.openapi.yaml".to_owned(),
        std::fs::read_to_string(format!("{root}/spec/photo.openapi.yaml")).expect("spec"),
    )];
    for name in [
        "binary_body",
        "json_body",
        "odata_segments",
        "path_params",
        "refs",
        "security_alternatives",
        "status_ranges",
        "value_segment",
    ] {
        let path = format!("tests/fixtures/{name}/spec.yaml");
        out.push((
            path.clone(),
            std::fs::read_to_string(format!("{root}/{path}")).expect("fixture"),
        ));
    }
    out
}

/// One way to damage a spec.
#[derive(Clone, Debug)]
enum Damage {
    DeleteNode { pick: usize },
    ReplaceNode { pick: usize, with: Replacement },
    DanglingRef { pick: usize },
    CyclicRefs,
    Deepen { pick: usize, depth: usize },
    Truncate { at: usize },
    DuplicateLine { at: usize },
    Insert { at: usize, text: String },
}

#[derive(Clone, Debug)]
enum Replacement {
    Null,
    Bool(bool),
    Number(i64),
    Text(String),
    Huge(usize),
    EmptyList,
    EmptyMap,
}

fn replacement() -> impl Strategy<Value = Replacement> {
    prop_oneof![
        Just(Replacement::Null),
        any::<bool>().prop_map(Replacement::Bool),
        any::<i64>().prop_map(Replacement::Number),
        // Control characters, lone surrogates' replacement, odd unicode, sigils.
        "[\\x00-\\x1f$@{}/#~'\"\\\\\u{fffd}\u{202e}a-zé日]{0,24}".prop_map(Replacement::Text),
        (1usize..200_000).prop_map(Replacement::Huge),
        Just(Replacement::EmptyList),
        Just(Replacement::EmptyMap),
    ]
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        any::<usize>().prop_map(|pick| Damage::DeleteNode { pick }),
        (any::<usize>(), replacement()).prop_map(|(pick, with)| Damage::ReplaceNode { pick, with }),
        any::<usize>().prop_map(|pick| Damage::DanglingRef { pick }),
        Just(Damage::CyclicRefs),
        (any::<usize>(), 1usize..400).prop_map(|(pick, depth)| Damage::Deepen { pick, depth }),
        any::<usize>().prop_map(|at| Damage::Truncate { at }),
        any::<usize>().prop_map(|at| Damage::DuplicateLine { at }),
        (any::<usize>(), "[ -~\\t\\n:\\-\\[\\]{}&*!|>%@`]{1,12}")
            .prop_map(|(at, text)| Damage::Insert { at, text }),
    ]
}

/// Every node of the tree, as a path of keys/indexes, in document order.
fn node_paths(value: &Value, prefix: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
    match value {
        Value::Mapping(map) => {
            for (key, child) in map {
                prefix.push(key.clone());
                out.push(prefix.clone());
                node_paths(child, prefix, out);
                prefix.pop();
            }
        }
        Value::Sequence(items) => {
            for (index, child) in items.iter().enumerate() {
                prefix.push(Value::Number(index.into()));
                out.push(prefix.clone());
                node_paths(child, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

fn node_mut<'a>(value: &'a mut Value, path: &[Value]) -> Option<&'a mut Value> {
    let mut current = value;
    for step in path {
        current = match current {
            Value::Mapping(map) => map.get_mut(step)?,
            Value::Sequence(items) => items.get_mut(step.as_u64()? as usize)?,
            _ => return None,
        };
    }
    Some(current)
}

fn pick_path(doc: &Value, pick: usize) -> Vec<Value> {
    let mut paths = Vec::new();
    node_paths(doc, &mut Vec::new(), &mut paths);
    if paths.is_empty() {
        Vec::new()
    } else {
        paths[pick % paths.len()].clone()
    }
}

fn apply(text: &str, damage: &Damage) -> String {
    let clamp = |at: usize| {
        let mut at = at % (text.len() + 1);
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        at
    };
    match damage {
        Damage::Truncate { at } => return text[..clamp(*at)].to_owned(),
        Damage::Insert { at, text: inserted } => {
            let at = clamp(*at);
            return format!("{}{inserted}{}", &text[..at], &text[at..]);
        }
        Damage::DuplicateLine { at } => {
            let lines: Vec<&str> = text.lines().collect();
            let at = at % lines.len().max(1);
            let mut out: Vec<&str> = lines.clone();
            if let Some(line) = lines.get(at) {
                out.insert(at, line);
            }
            return out.join("\n");
        }
        _ => {}
    }
    let Ok(mut doc) = serde_yaml::from_str::<Value>(text) else {
        return text.to_owned();
    };
    match damage {
        Damage::DeleteNode { pick } => {
            let path = pick_path(&doc, *pick);
            if let Some((last, parent)) = path.split_last() {
                match node_mut(&mut doc, parent) {
                    Some(Value::Mapping(map)) => {
                        map.remove(last);
                    }
                    Some(Value::Sequence(items)) => {
                        if let Some(index) = last
                            .as_u64()
                            .map(|i| i as usize)
                            .filter(|i| *i < items.len())
                        {
                            items.remove(index);
                        }
                    }
                    _ => {}
                }
            }
        }
        Damage::ReplaceNode { pick, with } => {
            let path = pick_path(&doc, *pick);
            if let Some(node) = node_mut(&mut doc, &path) {
                *node = match with {
                    Replacement::Null => Value::Null,
                    Replacement::Bool(b) => Value::Bool(*b),
                    Replacement::Number(n) => Value::Number((*n).into()),
                    Replacement::Text(t) => Value::String(t.clone()),
                    Replacement::Huge(n) => Value::String("x".repeat(*n)),
                    Replacement::EmptyList => Value::Sequence(Vec::new()),
                    Replacement::EmptyMap => Value::Mapping(Mapping::new()),
                };
            }
        }
        Damage::DanglingRef { pick } => {
            let path = pick_path(&doc, *pick);
            if let Some(node) = node_mut(&mut doc, &path) {
                let mut map = Mapping::new();
                map.insert("$ref".into(), "#/components/schemas/doesNotExist".into());
                *node = Value::Mapping(map);
            }
        }
        Damage::CyclicRefs => {
            let mut a = Mapping::new();
            a.insert("$ref".into(), "#/components/schemas/cycleB".into());
            let mut b = Mapping::new();
            b.insert("$ref".into(), "#/components/schemas/cycleA".into());
            if let Some(Value::Mapping(schemas)) =
                node_mut(&mut doc, &["components".into(), "schemas".into()])
            {
                schemas.insert("cycleA".into(), Value::Mapping(a));
                schemas.insert("cycleB".into(), Value::Mapping(b));
            }
            // Point the first schema reference in the document at the cycle.
            let text = serde_yaml::to_string(&doc).unwrap_or_default();
            return match text.find("#/components/schemas/") {
                Some(at) => format!(
                    "{}#/components/schemas/cycleA'{}",
                    &text[..at],
                    text[at..]
                        .split_once('\'')
                        .map(|(_, rest)| rest)
                        .unwrap_or("")
                ),
                None => text,
            };
        }
        Damage::Deepen { pick, depth } => {
            let path = pick_path(&doc, *pick);
            if let Some(node) = node_mut(&mut doc, &path) {
                let mut deep = node.clone();
                for _ in 0..*depth {
                    let mut map = Mapping::new();
                    map.insert(
                        "properties".into(),
                        Value::Mapping(Mapping::from_iter([("nested".into(), deep)])),
                    );
                    deep = Value::Mapping(map);
                }
                *node = deep;
            }
        }
        Damage::Truncate { .. } | Damage::Insert { .. } | Damage::DuplicateLine { .. } => {}
    }
    serde_yaml::to_string(&doc).unwrap_or_default()
}

fn check(name: &str, text: String) -> Result<(), TestCaseError> {
    let source = SpecSource::new(name, text);
    let started = Instant::now();
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        photo_gen::generate(&source, &Options::default())
    }));
    let elapsed = started.elapsed();
    prop_assert!(elapsed < Duration::from_secs(10), "took {elapsed:?}");
    match outcome {
        Err(_) => prop_assert!(false, "the generator panicked on:\n{}", source.text),
        Ok(Ok(generated)) => prop_assert!(!generated.files.is_empty()),
        Ok(Err(diagnostics)) => {
            prop_assert!(!diagnostics.is_empty());
            for item in &diagnostics.items {
                prop_assert!(
                    item.location.is_some(),
                    "unlocated diagnostic: {}",
                    item.message
                );
            }
            // Rendering must not panic either (snippets of odd lines, tabs, unicode).
            let _ = diagnostics.to_string();
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 384, ..ProptestConfig::default() })]

    #[test]
    fn damaged_specs_never_panic_and_errors_are_located(which in any::<usize>(), damages in prop::collection::vec(damage(), 1..4)) {
        let specs = specs();
        let (name, text) = &specs[which % specs.len()];
        let mut text = text.clone();
        for damage in &damages {
            text = apply(&text, damage);
        }
        check(name, text)?;
    }
}

#[test]
fn cyclic_schema_refs_are_reported_not_followed_forever() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/refs/spec.yaml"
    ))
    .expect("fixture");
    let text = text.replace("    itemId: {type: string}", "    itemId: {$ref: '#/components/schemas/other'}\n    other: {$ref: '#/components/schemas/itemId'}");
    let diagnostics = photo_gen::generate(&SpecSource::new("refs.yaml", text), &Options::default())
        .expect_err("refused");
    assert!(
        diagnostics.short().contains("reference cycle"),
        "{}",
        diagnostics.short()
    );
}

#[test]
fn empty_and_non_mapping_documents_are_refused_with_a_location() {
    for text in [
        "",
        "42",
        "- a\n- b\n",
        "openapi: 3.0.3\n",
        "\u{feff}openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n",
    ] {
        let diagnostics =
            photo_gen::generate(&SpecSource::new("x.yaml", text), &Options::default())
                .expect_err("refused");
        assert!(!diagnostics.is_empty());
    }
}

/// Found by the property above: YAML parsers disagree on a single-quoted scalar continued on a
/// less indented line; the spec's parser accepts it, and its problems are still located.
#[test]
fn a_quoted_scalar_continued_on_a_less_indented_line_is_handled() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../spec/photo.openapi.yaml"
    ))
    .expect("spec");
    let at = text
        .find("$ref: '#/components/responses/PhotoMetadata'")
        .expect("a response ref")
        + "$ref: '".len();
    let damaged = format!("{}\n{}", &text[..at], &text[at..]);
    check("spec/photo.openapi.yaml", damaged).expect("handled");
}
