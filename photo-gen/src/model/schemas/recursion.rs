//! Types that contain themselves.

use super::super::pointer::Pointer;
use super::super::problems::Problems;
use super::super::{TypeKind, TypeRef};
use super::Types;

impl Types {
    /// Reports named objects that contain themselves without an array in between (they would
    /// have infinite size).
    pub fn check_recursion(&self, problems: &mut Problems) {
        for start in &self.named {
            let mut stack = vec![start.rust_name.as_str()];
            let mut visited: Vec<&str> = Vec::new();
            while let Some(current) = stack.pop() {
                let Some(ty) = self.named.iter().find(|ty| ty.rust_name == current) else {
                    continue;
                };
                let held: Vec<(&str, &TypeRef)> = match &ty.kind {
                    TypeKind::Object { fields } => fields
                        .iter()
                        .map(|field| (field.json_name.as_str(), &field.ty))
                        .collect(),
                    // A tagged union boxes what it holds.
                    TypeKind::Union { tag: Some(_), .. } => continue,
                    TypeKind::Union { variants, .. } => variants
                        .iter()
                        .map(|variant| (variant.rust_name.as_str(), &variant.ty))
                        .collect(),
                    _ => continue,
                };
                for (held_as, held_ty) in held {
                    if let TypeRef::Named(next) = held_ty {
                        if next == &start.rust_name {
                            let pointer = self
                                .defined_at
                                .get(&start.rust_name)
                                .map_or("", |first| first.pointer.as_str());
                            problems.error(
                                &Pointer::Rendered(pointer),
                                format!(
                                    "schema `{}` contains itself through `{}`",
                                    start.spec_name, held_as
                                ),
                                Some(
                                    "make the recursive property an array, or break the cycle"
                                        .into(),
                                ),
                            );
                            return;
                        }
                        if !visited.contains(&next.as_str()) {
                            visited.push(next);
                            stack.push(next);
                        }
                    }
                }
            }
        }
    }
}
