//! `x-ms-pageable`: which answer of a list operation is a page, and which of its fields hold
//! the items and the next page's URL.

use super::pointer::Pointer;
use super::problems::Problems;
use super::{BodyContent, Method, NamedType, Pageable, Response, TypeKind, TypeRef};
use crate::spec;

/// The paging of an operation that declares `x-ms-pageable`, read from its first success
/// answer with a JSON object body; a declaration that cannot be followed is warned about and
/// left out (the operation is still generated, page by page).
pub fn pageable(
    problems: &mut Problems,
    types: &[NamedType],
    declared: Option<&spec::Pageable>,
    method: Method,
    responses: &[Response],
    pointer: &Pointer,
) -> Option<Pageable> {
    let declared = declared?;
    let at = pointer.key("x-ms-pageable");
    let mut skip = |reason: String| {
        problems.warning(
            &at,
            format!("{reason}; no helper that follows the pages is generated"),
            None,
        );
        None
    };
    if method != Method::Get {
        return skip(format!(
            "`x-ms-pageable` on a {} operation: next links are read with GET",
            method.upper()
        ));
    }
    let page = responses.iter().find_map(|response| {
        let Some(BodyContent::Json {
            ty: TypeRef::Named(name),
            ..
        }) = &response.body
        else {
            return None;
        };
        if response.status.is_error() {
            return None;
        }
        let fields = types.iter().find_map(|ty| match &ty.kind {
            TypeKind::Object { fields } if &ty.rust_name == name => Some(fields),
            _ => None,
        })?;
        Some((response, fields))
    });
    let Some((response, fields)) = page else {
        return skip("no success answer of this operation is a JSON object".to_owned());
    };
    let field = |json_name: &str| fields.iter().find(|field| field.json_name == json_name);
    let items = field(&declared.item_name);
    let Some((items, TypeRef::Array(item_ty))) = items.map(|items| (items, &items.ty)) else {
        return skip(format!(
            "the page has no list member `{}` (`itemName`)",
            declared.item_name
        ));
    };
    let next_link = match &declared.next_link_name {
        None => None,
        Some(name) => match field(name) {
            Some(link) if link.ty == TypeRef::String => Some(link),
            _ => {
                return skip(format!(
                    "the page has no text member `{name}` (`nextLinkName`)"
                ));
            }
        },
    };
    let optional = |field: &super::Field| !field.required || field.nullable;
    Some(Pageable {
        variant: response.variant.clone(),
        items: (items.json_name.clone(), items.rust_name.clone()),
        item_ty: (**item_ty).clone(),
        items_optional: optional(items),
        next_link: next_link.map(|link| (link.json_name.clone(), link.rust_name.clone())),
        next_link_optional: next_link.is_some_and(optional),
    })
}
