//! Values of path, query and header parameters as they travel on the wire.

use std::fmt;

/// Renders a parameter value as the text sent in a path segment, query or header (before any
/// percent-encoding, which the transport does).
pub trait ToParam {
    fn to_param(&self) -> String;
}

impl ToParam for String {
    fn to_param(&self) -> String {
        self.clone()
    }
}

impl ToParam for str {
    fn to_param(&self) -> String {
        self.to_owned()
    }
}

macro_rules! display_params {
    ($($ty:ty),*) => {$(
        impl ToParam for $ty {
            fn to_param(&self) -> String {
                self.to_string()
            }
        }
    )*};
}

display_params!(i32, i64, f64, bool);

/// Lists travel comma-separated (`style: form, explode: false`).
impl<T: ToParam> ToParam for Vec<T> {
    fn to_param(&self) -> String {
        self.iter()
            .map(ToParam::to_param)
            .collect::<Vec<_>>()
            .join(",")
    }
}

impl<T: ToParam + ?Sized> ToParam for &T {
    fn to_param(&self) -> String {
        (**self).to_param()
    }
}

/// A value that the spec does not allow for a type (too short, too long, not in the enum).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidValue {
    /// The spec's name of the type.
    pub type_name: &'static str,
    pub reason: String,
}

impl InvalidValue {
    pub fn new(type_name: &'static str, reason: impl Into<String>) -> Self {
        InvalidValue {
            type_name,
            reason: reason.into(),
        }
    }

    /// Checks a string's length, in characters, against the spec's `minLength`/`maxLength`.
    pub fn check_length(
        type_name: &'static str,
        value: &str,
        min: Option<u64>,
        max: Option<u64>,
    ) -> Result<(), InvalidValue> {
        let length = value.chars().count() as u64;
        if let Some(min) = min.filter(|min| length < *min) {
            return Err(InvalidValue::new(
                type_name,
                format!("must be at least {min} characters long"),
            ));
        }
        if let Some(max) = max.filter(|max| length > *max) {
            return Err(InvalidValue::new(
                type_name,
                format!("must be at most {max} characters long"),
            ));
        }
        Ok(())
    }
}

impl fmt::Display for InvalidValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {}: {}", self.type_name, self.reason)
    }
}

impl std::error::Error for InvalidValue {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_comma_separated() {
        assert_eq!(
            vec!["id".to_owned(), "width".to_owned()].to_param(),
            "id,width"
        );
    }

    #[test]
    fn lengths_count_characters() {
        assert!(InvalidValue::check_length("userKey", "", Some(1), None).is_err());
        assert!(InvalidValue::check_length("userKey", "é", Some(1), Some(1)).is_ok());
        assert!(InvalidValue::check_length("userKey", "ab", None, Some(1)).is_err());
    }
}
