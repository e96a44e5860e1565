//! The Rust names of every operation id, cased before lowering on several threads.
//!
//! Casing an id (heck, plus photo-gen's escapes) costs several thousand instructions, about half
//! of lowering a large spec, and lowering runs on one thread while the other cores wait. The
//! names are pure functions of the ids, so they are worked out beforehand, a share of the ids per
//! core; lowering then takes each operation's names from here.

use std::num::NonZeroUsize;

use rustc_hash::FxHashMap;

use crate::names;
use crate::spec::Document;

/// Below this many operations one thread cases them faster than starting others.
const IDS_PER_THREAD: usize = 1024;

/// An operation's function name (`get_my_photo`) and type name (`GetMyPhoto`), or `None` where
/// the id gives no usable Rust name.
pub type Names = (Option<String>, Option<String>);

/// The names of an operation id, as lowering uses them.
pub fn names_of(id: &str) -> Names {
    (names::snake(id), names::camel(id, "Op"))
}

/// The names of the operation ids of a spec, cased ahead of use.
pub struct OperationNames<'d> {
    names: FxHashMap<&'d str, Names>,
}

impl<'d> OperationNames<'d> {
    /// Cases every operation id of `doc`, on as many threads as pay off.
    pub fn of(doc: &'d Document) -> Self {
        let ids: Vec<&str> = doc
            .paths
            .iter()
            .flat_map(|(_, item)| item.operations())
            .filter_map(|(_, op)| op.operation_id.as_deref())
            .collect();
        let cores = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
        let threads = (ids.len() / IDS_PER_THREAD).clamp(1, cores);
        let chunk = ids.len().div_ceil(threads).max(1);
        let cased: Vec<Vec<Names>> = std::thread::scope(|scope| {
            let mut chunks = ids.chunks(chunk);
            let first = chunks.next().unwrap_or_default();
            let others: Vec<_> = chunks
                .map(|ids| scope.spawn(move || ids.iter().map(|id| names_of(id)).collect()))
                .collect();
            let mut cased = vec![first.iter().map(|id| names_of(id)).collect()];
            for (worker, ids) in others.into_iter().zip(ids.chunks(chunk).skip(1)) {
                // A worker only fails if it panicked; its share is then cased here.
                cased.push(
                    worker
                        .join()
                        .unwrap_or_else(|_| ids.iter().map(|id| names_of(id)).collect()),
                );
            }
            cased
        });
        let names = ids.into_iter().zip(cased.into_iter().flatten()).collect();
        OperationNames { names }
    }

    /// The names of `id`, taken out (each id is lowered once; a repeated id is cased again).
    pub fn take(&mut self, id: &str) -> Names {
        self.names.remove(id).unwrap_or_else(|| names_of(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cased_ahead_are_the_names_cased_on_demand() {
        let mut text = String::from("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n");
        for n in 0..3000 {
            text.push_str(&format!(
                "  /p{n}:\n    get:\n      operationId: getThing{n}ById\n      responses: {{'200': {{description: ok}}}}\n"
            ));
        }
        text.push_str("  /q:\n    get:\n      operationId: '---'\n      responses: {'200': {description: ok}}\n");
        let doc = crate::spec::parse(&text).expect("the test spec parses");
        let mut names = OperationNames::of(&doc);
        for n in [0, 1, 1500, 2999] {
            let id = format!("getThing{n}ById");
            assert_eq!(names.take(&id), names_of(&id));
            assert_eq!(
                names_of(&id),
                (
                    Some(format!("get_thing{n}_by_id")),
                    Some(format!("GetThing{n}ById"))
                )
            );
        }
        assert_eq!(names.take("---"), (None, None));
        // Taken once; asked again (a repeated id), it is cased again.
        assert_eq!(names.take("getThing0ById"), names_of("getThing0ById"));
    }
}
