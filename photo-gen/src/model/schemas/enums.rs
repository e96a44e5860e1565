//! String enums: their values and the variant names they get.

use std::borrow::Cow;

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
        // `null` among the values makes the type nullable (`is_nullable`); a number or a
        // boolean (YAML reads `1.0` or `yes` so) is taken for its text.
        let text = match value {
            serde_yaml::Value::String(text) => Cow::Borrowed(text.as_str()),
            serde_yaml::Value::Null => continue,
            serde_yaml::Value::Number(number) => Cow::Owned(number.to_string()),
            serde_yaml::Value::Bool(flag) => Cow::Owned(flag.to_string()),
            _ => {
                problems.warning(
                    &at,
                    "a list or a mapping among a string enum's values is left out",
                    None,
                );
                continue;
            }
        };
        if !value.is_string() {
            problems.warning(
                &at,
                format!("the string enum value `{text}` is not a string: it is read as the text `{text}`"),
                Some(format!("quote it (`'{text}'`) to say it is text")),
            );
        }
        let text = text.as_ref();
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
    values
}
