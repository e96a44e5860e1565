//! String enums: their values and the variant names they get.

use super::super::EnumValue;
use super::super::pointer::Pointer;
use super::super::problems::Problems;
use crate::names;
use crate::spec::Schema;

pub(super) fn enum_values(
    problems: &mut Problems,
    owner: &str,
    schema: &Schema,
    pointer: &Pointer,
) -> Vec<EnumValue> {
    let mut values: Vec<EnumValue> = Vec::new();
    let prefix = names::initial(owner);
    let enum_pointer = pointer.key("enum");
    for (position, value) in schema.values.iter().flatten().enumerate() {
        let at = enum_pointer.index(position);
        let Some(text) = value.as_str() else {
            problems.error(&at, "string enums may only list strings", None);
            continue;
        };
        // Values that differ only in case or punctuation (`Id`, `id`) would share a variant:
        // later ones take the next free number, and serde keeps each value exact.
        let rust_name = names::unique(&names::variant(text, &prefix), |name| {
            values.iter().any(|v| v.rust_name == name)
        });
        values.push(EnumValue {
            value: text.to_owned(),
            rust_name,
        });
    }
    if values.is_empty() && schema.values.as_ref().is_some_and(Vec::is_empty) {
        problems.error(&enum_pointer, "an enum needs at least one value", None);
    }
    values
}
