//! Operations that share a shape share its types.
//!
//! Graph repeats one resource under many owners (`/me/photo`, `/users/{id}/photo`,
//! `/groups/{id}/photo`, ...), and their operations declare the same parameters and responses.
//! Each distinct shape is emitted once, named after the first operation that has it; the other
//! operations name it through a type alias, so every operation still has its own type names.

use std::hash::Hash;

use rustc_hash::FxHashMap;

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::{Api, Operation};

/// Which operations share a shape.
pub struct Shapes {
    /// For each operation, the index of the first operation with the same shape.
    first: Vec<usize>,
    /// For each first operation, how many operations have its shape.
    uses: Vec<usize>,
}

impl Shapes {
    /// Groups the operations of `api` by `key`, which is equal for equal shapes (typically
    /// borrowed parts of the operation).
    pub fn of<'a, K: Hash + Eq>(api: &'a Api, key: impl Fn(&'a Operation) -> K) -> Shapes {
        let mut seen: FxHashMap<K, usize> =
            FxHashMap::with_capacity_and_hasher(api.operations.len(), Default::default());
        let mut uses = vec![0; api.operations.len()];
        let first = api
            .operations
            .iter()
            .enumerate()
            .map(|(index, op)| {
                let first = *seen.entry(key(op)).or_insert(index);
                uses[first] += 1;
                first
            })
            .collect();
        Shapes { first, uses }
    }

    /// The first operation with the same shape as operation `index` (possibly itself).
    pub fn first(&self, index: usize) -> usize {
        self.first[index]
    }

    /// Whether operation `index` is the first of its shape, which emits the types.
    pub fn is_first(&self, index: usize) -> bool {
        self.first[index] == index
    }

    /// Whether more than one operation has the shape of operation `index`.
    pub fn is_shared(&self, index: usize) -> bool {
        self.uses[self.first[index]] > 1
    }

    /// The item for one type of operation `index`: `build(shared)` makes the type for the first
    /// operation of a shape (`shared` when others use it too); every other operation gets an
    /// alias, named by `name`, of the first's type. `lead` says what the type is, `parts` what
    /// the operations share.
    pub fn type_item(
        &self,
        api: &Api,
        index: usize,
        name: fn(&Operation) -> syn::Ident,
        (lead, parts): (&str, &str),
        build: impl FnOnce(bool) -> TokenStream,
    ) -> TokenStream {
        if self.is_first(index) {
            return build(self.is_shared(index));
        }
        let op = &api.operations[index];
        let first = &api.operations[self.first(index)];
        let doc = super::doc_literal(&format!(
            " {lead} `{}`: the same {parts} as `{}`.",
            op.id, first.id
        ));
        let (alias, aliased) = (name(op), name(first));
        quote! {
            #[doc = #doc]
            pub type #alias = #aliased;
        }
    }
}
