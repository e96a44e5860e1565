//! Types that contain themselves: a tree whose nodes hold their children, an error that holds
//! its inner error, types that hold each other. A list or a map already holds its items behind
//! a pointer; a field or an untagged union's alternative holds its type inline, so a cycle made
//! only of those would have no finite size. The fewest such places that break every cycle hold
//! their type in a `Box`.

use rustc_hash::FxHashMap;

use super::super::{NamedType, TypeKind, TypeRef};
use super::Types;

/// Where a named type holds another inline: a field or an untagged union's alternative, by
/// position.
#[derive(Clone, Copy)]
enum Holder {
    Field(usize),
    Variant(usize),
}

/// The named types `ty` holds inline (not through a list, a map or a tagged union's box), with
/// where it holds each.
fn held_inline(ty: &NamedType) -> Vec<(Holder, &str)> {
    fn named(held: &TypeRef) -> Option<&str> {
        match held {
            TypeRef::Named(name) => Some(name.as_str()),
            _ => None,
        }
    }
    match &ty.kind {
        TypeKind::Object { fields } => fields
            .iter()
            .enumerate()
            .filter_map(|(at, field)| Some((Holder::Field(at), named(&field.ty)?)))
            .collect(),
        TypeKind::Union {
            variants,
            tag: None,
        } => variants
            .iter()
            .enumerate()
            .filter_map(|(at, variant)| Some((Holder::Variant(at), named(&variant.ty)?)))
            .collect(),
        TypeKind::Union { tag: Some(_), .. }
        | TypeKind::StringKey { .. }
        | TypeKind::StringEnum { .. } => Vec::new(),
    }
}

/// Where a type stands in the walk for cycles.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Visit {
    Unseen,
    /// On the current path from the walk's start: holding it again closes a cycle.
    OnPath,
    Done,
}

impl Types {
    /// Boxes the places that close a cycle of types held inline. The walk goes depth first
    /// through the types in the order they were defined, each type's holders in order; a holder
    /// that leads back to a type on the current path closes a cycle and is boxed. Removing
    /// those edges leaves no cycle, and the same spec always boxes the same places.
    pub fn break_cycles(&mut self) {
        let index: FxHashMap<&str, usize> = self
            .named
            .iter()
            .enumerate()
            .map(|(at, ty)| (ty.rust_name.as_str(), at))
            .collect();
        let edges: Vec<Vec<(Holder, usize)>> = self
            .named
            .iter()
            .map(|ty| {
                held_inline(ty)
                    .into_iter()
                    .filter_map(|(holder, name)| Some((holder, *index.get(name)?)))
                    .collect()
            })
            .collect();
        let mut visit = vec![Visit::Unseen; self.named.len()];
        let mut boxed: Vec<(usize, Holder)> = Vec::new();
        for start in 0..self.named.len() {
            if visit[start] != Visit::Unseen {
                continue;
            }
            // The path: each type with the position of its next edge to follow. An explicit
            // stack, because a description's chains of types can be deeper than the call stack.
            let mut path: Vec<(usize, usize)> = vec![(start, 0)];
            visit[start] = Visit::OnPath;
            while let Some((current, next)) = path.last_mut() {
                let current = *current;
                let Some(&(holder, target)) = edges[current].get(*next) else {
                    visit[current] = Visit::Done;
                    path.pop();
                    continue;
                };
                *next += 1;
                match visit[target] {
                    Visit::OnPath => boxed.push((current, holder)),
                    Visit::Unseen => {
                        visit[target] = Visit::OnPath;
                        path.push((target, 0));
                    }
                    Visit::Done => {}
                }
            }
        }
        for (at, holder) in boxed {
            match (&mut self.named[at].kind, holder) {
                (TypeKind::Object { fields }, Holder::Field(field)) => fields[field].boxed = true,
                (TypeKind::Union { variants, .. }, Holder::Variant(variant)) => {
                    variants[variant].boxed = true;
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::{Api, Field, TypeKind, TypeRef};
    use crate::model::lower::test_spec::lowered;

    /// The boxed fields and alternatives of every type, as `Type.member`.
    fn boxed(api: &Api) -> Vec<String> {
        let mut out = Vec::new();
        for ty in &api.types {
            match &ty.kind {
                TypeKind::Object { fields } => out.extend(
                    fields
                        .iter()
                        .filter(|field| field.boxed)
                        .map(|field| format!("{}.{}", ty.rust_name, field.rust_name)),
                ),
                TypeKind::Union { variants, .. } => out.extend(
                    variants
                        .iter()
                        .filter(|variant| variant.boxed)
                        .map(|variant| format!("{}.{}", ty.rust_name, variant.rust_name)),
                ),
                _ => {}
            }
        }
        out
    }

    fn schemas(components: &str) -> Api {
        lowered(&format!(
            "paths:\n  /a:\n    get:\n      operationId: get_A\n      responses: {{'204': {{description: Done.}}}}\ncomponents:\n  schemas:\n{components}"
        ))
        .api
    }

    #[test]
    fn a_type_that_holds_itself_is_boxed_and_a_list_of_itself_is_not() {
        let api = schemas(
            "    node:\n      type: object\n      properties:\n        next: {$ref: '#/components/schemas/node'}\n        children: {type: array, items: {$ref: '#/components/schemas/node'}}\n        byName: {type: object, additionalProperties: {$ref: '#/components/schemas/node'}}\n",
        );
        assert_eq!(boxed(&api), ["Node.next"]);
        let TypeKind::Object { fields } = &api.types[0].kind else {
            panic!("an object");
        };
        let children: &Field = &fields[1];
        assert_eq!(
            children.ty,
            TypeRef::Array(Box::new(TypeRef::Named("Node".into())))
        );
    }

    #[test]
    fn types_that_hold_each_other_box_one_field_of_the_cycle() {
        let api = schemas(
            "    a:\n      type: object\n      properties:\n        b: {$ref: '#/components/schemas/b'}\n    b:\n      type: object\n      properties:\n        a: {$ref: '#/components/schemas/a'}\n        c: {$ref: '#/components/schemas/c'}\n    c:\n      type: object\n      properties:\n        name: {type: string}\n",
        );
        // `a` is defined after `b`, which it needs: the walk starts at `b`.
        assert_eq!(boxed(&api), ["A.b"]);
    }

    #[test]
    fn cycles_through_all_of_and_unions_are_boxed() {
        let api = schemas(
            "    base:\n      type: object\n      properties:\n        parent: {$ref: '#/components/schemas/derived'}\n    derived:\n      allOf:\n        - $ref: '#/components/schemas/base'\n        - type: object\n          properties:\n            name: {type: string}\n    expr:\n      oneOf:\n        - {type: integer}\n        - $ref: '#/components/schemas/sum'\n    sum:\n      type: object\n      properties:\n        left: {$ref: '#/components/schemas/expr'}\n        right: {$ref: '#/components/schemas/expr'}\n",
        );
        assert_eq!(
            boxed(&api),
            // One box breaks both of `sum`'s ways back to `expr`.
            ["Derived.parent", "Expr.Sum"],
            "{}",
            crate::model::dump(&api)
        );
    }
}
