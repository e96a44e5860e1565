//! Typed path, query and header values. Each raw value is decoded exactly once and then parsed
//! with [`FromParam`]; anything unparsable is the caller's fault, so it becomes a `400`.

use percent_encoding::percent_decode_str;

use super::rejection::{Rejection, excerpt};

/// How much of a bad value a `400` message repeats.
const ECHO_LIMIT: usize = 64;

/// Parses one already-decoded parameter value. Generated enums implement it too.
pub trait FromParam: Sized {
    /// The value, or a message saying why `raw` is not one.
    fn from_param(raw: &str) -> Result<Self, String>;
}

impl FromParam for String {
    fn from_param(raw: &str) -> Result<Self, String> {
        Ok(raw.to_owned())
    }
}

impl FromParam for i32 {
    fn from_param(raw: &str) -> Result<Self, String> {
        raw.parse()
            .map_err(|err| format!("'{}' is not an int32: {err}", excerpt(raw, ECHO_LIMIT)))
    }
}

impl FromParam for i64 {
    fn from_param(raw: &str) -> Result<Self, String> {
        raw.parse()
            .map_err(|err| format!("'{}' is not an int64: {err}", excerpt(raw, ECHO_LIMIT)))
    }
}

/// A JSON number: finite only (Rust would also read `NaN` and `inf`).
impl FromParam for f64 {
    fn from_param(raw: &str) -> Result<Self, String> {
        raw.parse::<f64>()
            .ok()
            .filter(|value| value.is_finite())
            .ok_or_else(|| format!("'{}' is not a number", excerpt(raw, ECHO_LIMIT)))
    }
}

impl FromParam for bool {
    fn from_param(raw: &str) -> Result<Self, String> {
        if raw.eq_ignore_ascii_case("true") {
            Ok(true)
        } else if raw.eq_ignore_ascii_case("false") {
            Ok(false)
        } else {
            Err(format!(
                "'{}' is not true or false",
                excerpt(raw, ECHO_LIMIT)
            ))
        }
    }
}

/// Parses `raw` as the value of the parameter `what` (such as "query option '$select'").
pub(crate) fn parse<T: FromParam>(what: &str, raw: &str) -> Result<T, Rejection> {
    T::from_param(raw).map_err(|err| Rejection::bad_request(format!("Invalid {what}: {err}.")))
}

/// The decoded value of the query option `name` in `query` (`application/x-www-form-urlencoded`:
/// `+` is a space, `%XX` an escaped byte). Given twice, or not UTF-8 once decoded → `400`.
pub(crate) fn query_value(query: Option<&str>, name: &str) -> Result<Option<String>, Rejection> {
    let mut found = None;
    for pair in query
        .unwrap_or("")
        .split('&')
        .filter(|pair| !pair.is_empty())
    {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if form_decode(key) != name.as_bytes() {
            continue;
        }
        if found.is_some() {
            return Err(Rejection::bad_request(format!(
                "The query option '{name}' is given more than once."
            )));
        }
        let value = String::from_utf8(form_decode(value)).map_err(|_| {
            Rejection::bad_request(format!("The query option '{name}' is not valid UTF-8."))
        })?;
        found = Some(value);
    }
    Ok(found)
}

/// Splits a `form`, `explode=false` list (`a,b,c`); an empty value is an empty list.
pub(crate) fn split_list(value: &str) -> impl Iterator<Item = &str> {
    value
        .split(',')
        .map(str::trim)
        .filter(|_| !value.is_empty())
}

fn form_decode(raw: &str) -> Vec<u8> {
    let spaced = raw.replace('+', " ");
    percent_decode_str(&spaced).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_parse_strictly() {
        assert_eq!(i32::from_param("-42"), Ok(-42));
        assert!(i32::from_param("4294967296").is_err());
        assert_eq!(i64::from_param("4294967296"), Ok(4_294_967_296));
        assert!(i64::from_param("1.5").is_err());
        assert_eq!(bool::from_param("TRUE"), Ok(true));
        assert!(bool::from_param("1").is_err());
        assert_eq!(String::from_param("a b"), Ok("a b".to_owned()));
        assert_eq!(f64::from_param("-1.5e3"), Ok(-1500.0));
        assert!(f64::from_param("NaN").is_err());
        assert!(f64::from_param("inf").is_err());
        assert!(f64::from_param("1,5").is_err());
    }

    #[test]
    fn query_options_are_form_decoded_once() {
        let query = Some("%24select=id%2Cheight&x=a+b%2B%252F&empty=");
        assert_eq!(
            query_value(query, "$select").ok().flatten().as_deref(),
            Some("id,height")
        );
        assert_eq!(
            query_value(query, "x").ok().flatten().as_deref(),
            Some("a b+%2F")
        );
        assert_eq!(
            query_value(query, "empty").ok().flatten().as_deref(),
            Some("")
        );
        assert_eq!(query_value(query, "missing").ok().flatten(), None);
        assert_eq!(query_value(None, "x").ok().flatten(), None);
    }

    #[test]
    fn repeated_or_undecodable_options_are_bad_requests() {
        let twice = query_value(Some("a=1&a=2"), "a").expect_err("repeated");
        assert_eq!(twice.status(), http::StatusCode::BAD_REQUEST);
        assert!(query_value(Some("a=%FF"), "a").is_err());
        assert_eq!(
            query_value(Some("b=%FF&a=1"), "a")
                .ok()
                .flatten()
                .as_deref(),
            Some("1")
        );
    }

    #[test]
    fn lists_split_on_commas() {
        assert_eq!(
            split_list("id, height").collect::<Vec<_>>(),
            ["id", "height"]
        );
        assert_eq!(split_list("").count(), 0);
    }
}
