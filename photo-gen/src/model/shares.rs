//! Lowering a large spec's paths in shares, one per core, then joining the shares.
//!
//! Path items lower nearly independently: what one operation's lowering leaves for the next is
//! the operation ids and Rust names used so far (to refuse repeats), the inline types named so
//! far (to refuse a name given to two schemas) and caches. Each share starts from the component
//! types and keeps its own, problems only counted; the shares are then joined in path order as
//! if one lowering had gone through them all. Whatever that cannot vouch for (a problem in any
//! share, an id or name used in two shares, a type name two shares give to different schemas)
//! makes the caller lower the paths in one piece, which reports every problem where it is.

use std::num::NonZeroUsize;

use rustc_hash::FxHashMap;

use super::lower::{IdSite, Lowering, Problems};
use super::schemas::Types;
use super::{Operation, SecurityScheme};
use crate::spec::{Document, PathItem};

/// Below this many path items per core, one thread lowers them faster than starting others.
const PATH_ITEMS_PER_THREAD: usize = 512;

/// A share of the paths, lowered: its operations, and what its lowering left for the next.
struct Share<'d> {
    operations: Vec<Operation>,
    types: Types,
    first_fns: FxHashMap<String, IdSite<'d>>,
}

/// The operations of `doc`'s paths in order, and the types after them, lowered in shares; `None`
/// when the spec is too small to share, or the shares cannot vouch for the result.
pub fn lower<'d>(
    doc: &'d Document,
    types: &Types,
    schemes: &'d [SecurityScheme],
) -> Option<(Vec<Operation>, Types)> {
    let threads = share_count(doc.paths.len());
    if threads < 2 {
        return None;
    }
    let items: Vec<(&'d String, &'d PathItem)> = doc.paths.iter().collect();
    let chunk = items.len().div_ceil(threads);
    let shares: Vec<Option<Share<'d>>> = std::thread::scope(|scope| {
        let mut chunks = items.chunks(chunk);
        let first = chunks.next().unwrap_or_default();
        let others: Vec<_> = chunks
            .map(|items| scope.spawn(move || lower_share(doc, types, schemes, items)))
            .collect();
        let mut shares = vec![lower_share(doc, types, schemes, first)];
        // A worker only fails if it panicked; the paths are then lowered in one piece.
        shares.extend(
            others
                .into_iter()
                .map(|worker| worker.join().ok().flatten()),
        );
        shares
    });
    join(shares.into_iter().collect::<Option<Vec<_>>>()?, types)
}

/// How many shares `paths` path items are lowered in: one per core, if each gets enough.
fn share_count(paths: usize) -> usize {
    #[cfg(test)]
    if let Some(shares) = tests::SHARES.get() {
        return shares;
    }
    let cores = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
    (paths / PATH_ITEMS_PER_THREAD).min(cores)
}

/// Lowers `items`, stopping at the first problem.
fn lower_share<'d>(
    doc: &'d Document,
    types: &Types,
    schemes: &'d [SecurityScheme],
    items: &[(&'d String, &'d PathItem)],
) -> Option<Share<'d>> {
    let mut lowering = Lowering::new(doc, Problems::counting(), types.clone(), schemes);
    let mut operations = Vec::with_capacity(items.len() * 2);
    for (path, item) in items {
        lowering.path_item(path, item, &mut operations);
        if lowering.problems.count() > 0 {
            return None;
        }
    }
    Some(Share {
        operations,
        types: lowering.types,
        first_fns: lowering.first_fns,
    })
}

/// The shares as one lowering would have left them, or `None` where they disagree.
fn join(shares: Vec<Share>, base: &Types) -> Option<(Vec<Operation>, Types)> {
    let mut shares = shares.into_iter();
    let mut joined = shares.next()?;
    for share in shares {
        // An operation id used again gives the same Rust name, so the names cover the ids.
        for (name, site) in share.first_fns {
            if joined.first_fns.insert(name, site).is_some() {
                return None;
            }
        }
        joined.types.absorb(share.types, base)?;
        joined.operations.extend(share.operations);
    }
    Some((joined.operations, joined.types))
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use crate::SpecSource;

    thread_local! {
        /// How many shares to lower in, whatever the spec's size and the cores.
        pub static SHARES: Cell<Option<usize>> = const { Cell::new(None) };
    }

    const HEAD: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\ncomponents:\n  parameters:\n    Size:\n      name: size\n      in: query\n      schema: {type: string, enum: [small, large]}\n  schemas:\n    Photo:\n      type: object\n      properties: {id: {type: string}}\npaths:\n";

    /// A spec whose paths are `first`, then `copies` path items whose operations each name an
    /// inline enum after themselves and share a parameter's enum, then `last`.
    fn spec(first: &str, copies: usize, last: &str) -> String {
        let mut text = format!("{HEAD}{first}");
        for n in 0..copies {
            text.push_str(&format!(
                "  /p{n}:\n    get:\n      operationId: get{n}\n      parameters:\n        - $ref: '#/components/parameters/Size'\n        - {{name: mode, in: query, schema: {{type: string, enum: [a, b]}}}}\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {{$ref: '#/components/schemas/Photo'}}\n"
            ));
        }
        text.push_str(last);
        text
    }

    /// The model, or the rendered problems, lowered in `shares` shares.
    fn lower(text: &str, shares: usize) -> Result<crate::model::Api, String> {
        SHARES.set(Some(shares));
        let lowered = crate::lower(&SpecSource::new("spec.yaml", text)).map_err(|d| d.to_string());
        SHARES.set(None);
        lowered
    }

    #[test]
    fn shares_give_the_model_one_piece_gives() {
        let text = spec("", 40, "");
        let whole = lower(&text, 1).expect("lowers");
        assert_eq!(whole.operations.len(), 40);
        // Each operation's inline enum, and the shared parameter's once.
        assert_eq!(whole.types.len(), 1 + 1 + 40);
        for shares in [2, 3, 7, 40] {
            assert_eq!(lower(&text, shares).as_ref(), Ok(&whole), "{shares} shares");
        }
    }

    #[test]
    fn problems_across_shares_are_reported_as_in_one_piece() {
        let op = |path: &str, id: &str, param: &str, value: &str| {
            format!(
                "  {path}:\n    get:\n      operationId: {id}\n      parameters:\n        - {{name: {param}, in: query, schema: {{type: string, enum: [{value}]}}}}\n      responses: {{'200': {{description: ok}}}}\n"
            )
        };
        let cases = [
            // An operation id, and a Rust function name, used in the first and the last share.
            (String::new(), op("/again", "get0", "x", "a")),
            (String::new(), op("/again", "Get0", "x", "a")),
            // `GetFooBarX` named after two operations, for two different schemas.
            (op("/a", "getFoo", "barX", "a"), op("/b", "getFoo_bar", "x", "b")),
            // A problem in the last share only.
            (String::new(), "  /bad:\n    get:\n      operationId: getBad\n      parameters:\n        - {name: x, in: query, schema: {type: object}}\n      responses: {'200': {description: ok}}\n".to_owned()),
        ];
        for (first, last) in cases {
            let text = spec(&first, 40, &last);
            let whole = lower(&text, 1).expect_err("refused");
            for shares in [2, 3] {
                assert_eq!(
                    lower(&text, shares).as_ref(),
                    Err(&whole),
                    "{shares} shares of {first}{last}"
                );
            }
        }
    }
}
