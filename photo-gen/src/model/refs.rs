//! Resolution of local `$ref`s (`#/components/<kind>/<name>`), following chains and reporting
//! dangling, external, mistyped and cyclic references.

use std::borrow::Cow;

use super::pointer::Pointer;
use super::problems::Problems;
use crate::spec::{RefOr, UniqueMap};

/// A resolved node: the object, where it lives, and its component name when it came from one.
/// The object lives as long as the spec (`'a`), its pointer perhaps only as long as the caller's
/// (`'p`).
pub struct Resolved<'a, 'p, T> {
    pub item: &'a T,
    pub pointer: Pointer<'p>,
    pub component: Option<&'a str>,
}

/// Follows `node` (at `pointer`) through `components.<kind>` until an inline object.
pub fn resolve<'a: 'p, 'p, T>(
    problems: &mut Problems,
    components: &'a UniqueMap<String, RefOr<T>>,
    kind: &'static str,
    node: &'a RefOr<T>,
    pointer: Pointer<'p>,
) -> Option<Resolved<'a, 'p, T>> {
    let mut current = node;
    let mut here = pointer;
    let mut component: Option<&'a str> = None;
    // The components visited so far, to detect a cycle; most chains are one hop long.
    let mut first_seen: Option<&'a str> = None;
    let mut seen: Vec<&'a str> = Vec::new();
    loop {
        match current {
            RefOr::Item(item) => {
                return Some(Resolved {
                    item,
                    pointer: here,
                    component,
                });
            }
            RefOr::Ref(target) => {
                let ref_pointer = here.key("$ref");
                let Some(name) = target
                    .strip_prefix("#/components/")
                    .and_then(|rest| rest.strip_prefix(kind))
                    .and_then(|rest| rest.strip_prefix('/'))
                else {
                    let message = if target.starts_with('#') {
                        format!("`$ref: {target}` must point into `#/components/{kind}/` here")
                    } else {
                        format!(
                            "`$ref: {target}` is not a local reference; only `#/components/...` references are supported"
                        )
                    };
                    problems.error_value(&ref_pointer, message, None);
                    return None;
                };
                let name = unescape(name);
                if first_seen == Some(&*name) || seen.contains(&&*name) {
                    problems.error_value(
                        &ref_pointer,
                        format!("`$ref: {target}` is part of a reference cycle"),
                        None,
                    );
                    return None;
                }
                let Some((key, next)) = components.get_key_value(&*name) else {
                    let hint = closest(&name, components.keys())
                        .map(|best| format!("did you mean `#/components/{kind}/{best}`?"));
                    problems.error_value(&ref_pointer, format!("`$ref: {target}` points to nothing: there is no `components.{kind}.{name}`"), hint);
                    return None;
                };
                if first_seen.is_none() {
                    first_seen = Some(key.as_str());
                } else {
                    seen.push(key.as_str());
                }
                component = Some(key.as_str());
                here = Pointer::Component(kind, key);
                current = next;
            }
        }
    }
}

/// Unescapes one JSON-pointer reference token, borrowing when there is nothing to unescape.
fn unescape(token: &str) -> Cow<'_, str> {
    if token.contains('~') {
        Cow::Owned(crate::locate::unescape(token))
    } else {
        Cow::Borrowed(token)
    }
}

/// The candidate closest to `name` by edit distance, if it is close enough to be a likely typo.
pub fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a String>) -> Option<&'a str> {
    candidates
        .map(|candidate| (edit_distance(name, candidate), candidate))
        .filter(|(distance, candidate)| *distance <= (candidate.len().max(name.len()) / 3).max(1))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate.as_str())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut row = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            row.push(
                (previous[j] + cost)
                    .min(previous[j + 1] + 1)
                    .min(row[j] + 1),
            );
        }
        previous = row;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_names_are_suggested_and_far_ones_are_not() {
        let names = ["profilePhoto".to_owned(), "odataError".to_owned()];
        assert_eq!(closest("profilePhot", names.iter()), Some("profilePhoto"));
        assert_eq!(closest("somethingElse", names.iter()), None);
    }
}
