//! The path tree behind the client's fluent navigation: one node per path prefix, e.g.
//! `/users/{user-id}/photo` → `UsersItemPhoto`, reached by `users().by_key(..).photo()`.

use rustc_hash::{FxHashMap, FxHashSet};

use crate::model::{Api, Operation, Param, Segment, TypeRef};
use crate::names;

/// How a node is reached from its parent.
pub enum Step<'a> {
    /// A fixed segment, such as `photo` or `$value`.
    Literal(&'a str),
    /// A path parameter.
    Param(&'a Param),
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

/// How a child is told apart from its siblings: its literal text, or being the parameter.
#[derive(Hash, PartialEq, Eq)]
enum ChildKey<'a> {
    Literal(&'a str),
    Param,
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
                };
                let key = match &step {
                    Step::Literal(literal) => ChildKey::Literal(literal),
                    Step::Param(_) => ChildKey::Param,
                };
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
                        let key = match &tree.nodes[index].step {
                            Some(Step::Literal(literal)) => ChildKey::Literal(literal),
                            _ => ChildKey::Param,
                        };
                        children.insert((current, key), index);
                        index
                    }
                };
            }
            tree.nodes[current].operations.push(op);
        }
        tree
    }
}
