//! Where an operation stands in the pattern, from its path and method: its kind, and the owner
//! its path names before `photo` or `photos`.

use crate::model::{Method, Operation, ParamLocation, Segment, TypeRef};

use super::{MediaKind, OwnerPart};

/// Why an operation whose path is not a photo's is not served.
pub(super) const NOT_A_MEDIA_PATH: &str = "its path does not end in `photo`, `photo/$value`, `photos`, `photos/{size}` or `photos/{size}/$value`";

/// The operation's kind, how many segments name its owner, and the `{size}` parameter's name.
pub(super) fn shape(op: &Operation) -> Result<(MediaKind, usize, Option<&str>), String> {
    let literal =
        |segment: &Segment, text: &str| matches!(segment, Segment::Literal(l) if l == text);
    let segments = &op.segments;
    let n = segments.len();
    let at = |back: usize| n.checked_sub(back).map(|index| &segments[index]);
    let is = |back: usize, text: &str| at(back).is_some_and(|segment| literal(segment, text));
    let size = |back: usize| match at(back) {
        Some(Segment::Param(name)) if is(back + 1, "photos") => Some(name.as_str()),
        _ => None,
    };
    let (kinds, owner_len, size): (&[(Method, MediaKind)], usize, Option<&str>) = if is(1, "photo")
    {
        let kinds = &[
            (Method::Get, MediaKind::Metadata),
            (Method::Patch, MediaKind::Update),
            (Method::Delete, MediaKind::Delete),
        ];
        (kinds, n - 1, None)
    } else if is(1, "$value") && is(2, "photo") {
        let kinds = &[
            (Method::Get, MediaKind::Content),
            (Method::Put, MediaKind::Upload),
        ];
        (kinds, n - 2, None)
    } else if is(1, "photos") {
        (&[(Method::Get, MediaKind::List)], n - 1, None)
    } else if let Some(name) = size(1) {
        (&[(Method::Get, MediaKind::SizeMetadata)], n - 2, Some(name))
    } else if is(1, "$value")
        && let Some(name) = size(2)
    {
        (&[(Method::Get, MediaKind::SizeContent)], n - 3, Some(name))
    } else {
        return Err(NOT_A_MEDIA_PATH.into());
    };
    let kind = kinds
        .iter()
        .find(|(method, _)| *method == op.method)
        .map(|(_, kind)| *kind)
        .ok_or_else(|| {
            format!(
                "`{}` is not one of the pattern's methods on this path",
                op.method.upper()
            )
        })?;
    if owner_len == 0 {
        return Err("its path names no owner before the photo".into());
    }
    Ok((kind, owner_len, size))
}

/// The owner named by `segments`: `me`, entity sets with their keys, and navigations.
pub(super) fn owner(op: &Operation, segments: &[Segment]) -> Result<Vec<OwnerPart>, String> {
    let mut parts = Vec::new();
    let mut navigation: Vec<&str> = Vec::new();
    let mut index = 0;
    while let Some(segment) = segments.get(index) {
        let next = segments.get(index + 1);
        match (segment, next) {
            (Segment::Literal(me), _) if me == "me" && index == 0 => parts.push(OwnerPart::Me),
            (Segment::Literal(set), Some(Segment::Param(name))) => {
                flush(&mut navigation, &mut parts);
                let param = op
                    .params
                    .iter()
                    .find(|param| param.location == ParamLocation::Path && &param.name == name)
                    .ok_or_else(|| format!("its path parameter `{name}` is not declared"))?;
                if !matches!(param.ty, TypeRef::String | TypeRef::Named(_)) {
                    return Err(format!("the key `{name}` is not a string"));
                }
                parts.push(OwnerPart::Key {
                    set: set.clone(),
                    field: param.rust_name.clone(),
                    semantics: param.key,
                });
                index += 1;
            }
            (Segment::Literal(literal), _) => navigation.push(literal),
            (Segment::Param(name), _) => {
                return Err(format!(
                    "the key `{name}` does not follow the name of its entity set"
                ));
            }
            (Segment::Template(_), _) => {
                return Err(
                    "its path has a segment of text and parameters, such as an OData function call"
                        .into(),
                );
            }
        }
        index += 1;
    }
    flush(&mut navigation, &mut parts);
    Ok(parts)
}

fn flush(navigation: &mut Vec<&str>, parts: &mut Vec<OwnerPart>) {
    if !navigation.is_empty() {
        parts.push(OwnerPart::Navigation(navigation.join("/")));
        navigation.clear();
    }
}
