//! The path tree behind the client's fluent navigation: one node per path prefix, e.g.
//! `/users/{user-id}/photo` → `UsersItemPhoto`, reached by `users().by_key(..).photo()`.

use rustc_hash::{FxHashMap, FxHashSet};

use crate::model::{Api, Operation, Param, Segment, SegmentPart, TypeRef, template_text};
use crate::names;

/// How a node is reached from its parent.
pub enum Step<'a> {
    /// A fixed segment, such as `photo` or `$value`.
    Literal(&'a str),
    /// A path parameter.
    Param(&'a Param),
    /// Text and parameters in one segment, such as `microsoft.graph.delta(token='{token}')`,
    /// with the parameters in the order they appear.
    Template(&'a [SegmentPart], Vec<&'a Param>),
}

pub struct Node<'a> {
    pub type_name: String,
    pub path: String,
    pub step: Option<Step<'a>>,
    pub children: Vec<usize>,
    pub operations: Vec<&'a Operation>,
}

/// The nodes; index 0 is the root.
pub struct Tree<'a> {
    pub nodes: Vec<Node<'a>>,
}

/// How a child is told apart from its siblings: its literal text, being the parameter, or its
/// template.
#[derive(Hash, PartialEq, Eq)]
enum ChildKey<'a> {
    Literal(&'a str),
    Param,
    Template(&'a [SegmentPart]),
}

impl<'a> ChildKey<'a> {
    fn of(step: &Step<'a>) -> Self {
        match step {
            Step::Literal(literal) => ChildKey::Literal(literal),
            Step::Param(_) => ChildKey::Param,
            Step::Template(parts, _) => ChildKey::Template(parts),
        }
    }
}

/// The accessor for a literal segment: `$value` is the media resource, known as `content`.
pub fn literal_method(segment: &str) -> String {
    if segment == "$value" {
        "content".into()
    } else {
        names::snake(segment).unwrap_or_else(|| "segment".into())
    }
}

fn literal_type_part(segment: &str) -> String {
    if segment == "$value" {
        "Content".into()
    } else {
        names::camel(segment, "S").unwrap_or_else(|| "Segment".into())
    }
}

/// What a template segment is named after: an OData function's or key's name
/// (`microsoft.graph.delta(token='{token}')` → `microsoft.graph.delta`), else its text with the
/// parameters' names (`{Sid}.json` → `Sid.json`).
fn template_words(parts: &[SegmentPart]) -> String {
    if let Some(SegmentPart::Text(text)) = parts.first()
        && let Some((name, _)) = text.split_once('(')
        && !name.is_empty()
    {
        return name.to_owned();
    }
    parts
        .iter()
        .map(|part| match part {
            SegmentPart::Text(text) | SegmentPart::Param(text) => text.as_str(),
        })
        .collect()
}

/// The accessor for a template segment, such as `microsoft_graph_delta`.
pub fn template_method(parts: &[SegmentPart]) -> String {
    names::snake(&template_words(parts)).unwrap_or_else(|| "segment".into())
}

/// The accessor names of `node`'s children, in order. Names that two children would share are
/// told apart: a template's accessor gives way to the others and adds its parameters
/// (`microsoft_graph_delta_with_token` beside the literal `microsoft.graph.delta()`), then a
/// number as a last resort.
pub fn accessor_names(tree: &Tree, node: &Node) -> Vec<String> {
    let mut names: Vec<Option<String>> = vec![None; node.children.len()];
    let mut taken: FxHashSet<String> = FxHashSet::default();
    // Literals and parameters first, so a template's name never moves theirs.
    for template_pass in [false, true] {
        for (slot, &child) in node.children.iter().enumerate() {
            let step = tree.nodes[child].step.as_ref();
            let base = match step {
                Some(Step::Literal(literal)) if !template_pass => literal_method(literal),
                Some(Step::Param(param)) if !template_pass => param_method(param),
                Some(Step::Template(parts, params)) if template_pass => {
                    let plain = template_method(parts);
                    if taken.contains(&plain) {
                        let words: Vec<&str> = params
                            .iter()
                            .map(|param| param.rust_name.trim_start_matches("r#"))
                            .collect();
                        format!(
                            "{}_with_{}",
                            plain.trim_start_matches("r#"),
                            words.join("_")
                        )
                    } else {
                        plain
                    }
                }
                _ => continue,
            };
            let name = names::unique(&base, |name| taken.contains(name));
            taken.insert(name.clone());
            names[slot] = Some(name);
        }
    }
    names.into_iter().map(Option::unwrap_or_default).collect()
}

/// The accessor for a parameter: `by_` and the last word of its type (`UserKey` → `by_key`).
pub fn param_method(param: &Param) -> String {
    let base = match &param.ty {
        TypeRef::Named(name) => names::snake(name).unwrap_or_default(),
        _ => param.rust_name.trim_start_matches("r#").to_owned(),
    };
    let last = base.rsplit('_').next().unwrap_or("item");
    format!("by_{last}")
}

/// The type names the client module has besides its path nodes: the models (imported), the
/// operations' calls and responses, the upload bodies, and the names every client uses.
fn names_in_client(api: &Api) -> FxHashSet<String> {
    let mut taken: FxHashSet<String> = api.types.iter().map(|ty| ty.rust_name.clone()).collect();
    taken.extend(
        names::TAKEN_TYPE_NAMES
            .iter()
            .map(|name| (*name).to_owned()),
    );
    for op in &api.operations {
        taken.insert(format!("{}Call", op.type_name));
        taken.insert(format!("{}Response", op.type_name));
        if let Some(body) = &op.body {
            taken.insert(body.rust_name.clone());
        }
    }
    taken
}

impl<'a> Tree<'a> {
    pub fn build(api: &'a Api, root_name: &str) -> Tree<'a> {
        let mut tree = Tree {
            nodes: vec![Node {
                type_name: root_name.to_owned(),
                path: String::new(),
                step: None,
                children: Vec::new(),
                operations: Vec::new(),
            }],
        };
        // (parent, key) → child, so wide levels (many prefixes) stay cheap to walk.
        let mut children: FxHashMap<(usize, ChildKey<'a>), usize> = FxHashMap::default();
        // A node's type gives way to every other type the client sees (`/pets` beside a
        // schema `Pets`): it takes the next free number.
        let mut taken = names_in_client(api);
        taken.insert(root_name.to_owned());
        for op in &api.operations {
            let mut current = 0;
            let mut path = String::new();
            for segment in &op.segments {
                let step = match segment {
                    Segment::Literal(literal) => {
                        path.push('/');
                        path.push_str(literal);
                        Step::Literal(literal)
                    }
                    Segment::Param(name) => {
                        let Some(param) = op.params.iter().find(|param| &param.name == name) else {
                            break;
                        };
                        path.push_str("/{");
                        path.push_str(name);
                        path.push('}');
                        Step::Param(param)
                    }
                    Segment::Template(parts) => {
                        let params: Option<Vec<&Param>> = segment
                            .params()
                            .map(|name| op.params.iter().find(|param| param.name == name))
                            .collect();
                        let Some(params) = params else {
                            break;
                        };
                        path.push('/');
                        path.push_str(&template_text(parts, str::to_owned));
                        Step::Template(parts, params)
                    }
                };
                let key = ChildKey::of(&step);
                let existing = children.get(&(current, key)).copied();
                current = match existing {
                    Some(child) => child,
                    None => {
                        let parent_name = if current == 0 {
                            String::new()
                        } else {
                            tree.nodes[current].type_name.clone()
                        };
                        // Named only when new: the same prefix recurs in every operation under it.
                        let part = match &step {
                            Step::Literal(literal) => literal_type_part(literal),
                            Step::Param(_) => "Item".to_owned(),
                            Step::Template(parts, _) => literal_type_part(&template_words(parts)),
                        };
                        let index = tree.nodes.len();
                        let type_name = names::unique(&format!("{parent_name}{part}"), |name| {
                            taken.contains(name)
                        });
                        taken.insert(type_name.clone());
                        tree.nodes.push(Node {
                            type_name,
                            path: path.clone(),
                            step: Some(step),
                            children: Vec::new(),
                            operations: Vec::new(),
                        });
                        tree.nodes[current].children.push(index);
                        if let Some(step) = &tree.nodes[index].step {
                            children.insert((current, ChildKey::of(step)), index);
                        }
                        index
                    }
                };
            }
            tree.nodes[current].operations.push(op);
        }
        tree
    }
}
