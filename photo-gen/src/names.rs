//! Rust identifiers from spec names: heck's word rules for the casing, plus the cases heck
//! cannot know about (keywords, `$value`, `@odata.*`, leading digits, acronyms in header names).
//!
//! Only ASCII letters and digits can appear in an identifier, so names are split into words on
//! everything else and cased byte by byte; large specs name tens of thousands of operations.

/// Whether `ident` is a Rust keyword (strict, reserved or edition-2024 `gen`).
fn is_keyword(ident: &str) -> bool {
    matches!(
        ident,
        "as" | "async"
            | "await"
            | "break"
            | "const"
            | "continue"
            | "crate"
            | "dyn"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "fn"
            | "for"
            | "gen"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "pub"
            | "ref"
            | "return"
            | "self"
            | "Self"
            | "static"
            | "struct"
            | "super"
            | "trait"
            | "true"
            | "type"
            | "unsafe"
            | "use"
            | "where"
            | "while"
            | "abstract"
            | "become"
            | "box"
            | "do"
            | "final"
            | "macro"
            | "override"
            | "priv"
            | "try"
            | "typeof"
            | "unsized"
            | "virtual"
            | "yield"
    )
}

/// Keywords that cannot be raw identifiers and so get a trailing underscore instead.
fn is_not_raw(ident: &str) -> bool {
    matches!(ident, "crate" | "self" | "Self" | "super")
}

/// Calls `word` with each word of `name`, as heck splits them: on anything but ASCII letters
/// and digits, and (when `by_case`) between a lowercase letter and an uppercase one, and before
/// the last capital of a run followed by a lowercase letter (`HTTPServer` → `HTTP`, `Server`).
fn split_words(name: &str, by_case: bool, mut word: impl FnMut(&str)) {
    #[derive(Clone, Copy, PartialEq)]
    enum Mode {
        Boundary,
        Lowercase,
        Uppercase,
    }
    for part in name.split(|c: char| !c.is_ascii_alphanumeric()) {
        if !by_case {
            if !part.is_empty() {
                word(part);
            }
            continue;
        }
        let bytes = part.as_bytes();
        let mut start = 0;
        let mut mode = Mode::Boundary;
        for (i, &c) in bytes.iter().enumerate() {
            let Some(&next) = bytes.get(i + 1) else {
                word(&part[start..]);
                break;
            };
            let next_mode = if c.is_ascii_lowercase() {
                Mode::Lowercase
            } else if c.is_ascii_uppercase() {
                Mode::Uppercase
            } else {
                mode
            };
            if next_mode == Mode::Lowercase && next.is_ascii_uppercase() {
                word(&part[start..=i]);
                start = i + 1;
                mode = Mode::Boundary;
            } else if mode == Mode::Uppercase && c.is_ascii_uppercase() && next.is_ascii_lowercase()
            {
                word(&part[start..i]);
                start = i;
                mode = Mode::Boundary;
            } else {
                mode = next_mode;
            }
        }
    }
}

/// The words of `name` in lowercase joined by `_`.
fn snake_words(name: &str, by_case: bool) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    split_words(name, by_case, |word| {
        if !out.is_empty() {
            out.push('_');
        }
        out.extend(word.bytes().map(|b| char::from(b.to_ascii_lowercase())));
    });
    out
}

/// A snake_case identifier (fields, functions, modules). `None` when nothing usable remains.
pub fn snake(name: &str) -> Option<String> {
    finish_snake(snake_words(name, true))
}

fn finish_snake(snake: String) -> Option<String> {
    if snake.is_empty() {
        return None;
    }
    Some(escape(if snake.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{snake}")
    } else {
        snake
    }))
}

/// An UpperCamelCase identifier (types, variants). A leading digit gets `prefix` in front, so
/// `48x48` in an enum named `PhotoSize` becomes `S48x48`.
pub fn camel(name: &str, prefix: &str) -> Option<String> {
    let mut camel = String::with_capacity(name.len() + prefix.len());
    split_words(name, true, |word| {
        let mut bytes = word.bytes();
        if let Some(first) = bytes.next() {
            camel.push(char::from(first.to_ascii_uppercase()));
        }
        camel.extend(bytes.map(|b| char::from(b.to_ascii_lowercase())));
    });
    if camel.is_empty() {
        return None;
    }
    Some(escape(if camel.starts_with(|c: char| c.is_ascii_digit()) {
        format!("{prefix}{camel}")
    } else {
        camel
    }))
}

/// A header name as a field: header names are case-insensitive, so `ETag` reads as `etag`.
pub fn header_field(name: &str) -> Option<String> {
    // In lowercase there are no case boundaries: words split on punctuation only.
    finish_snake(snake_words(name, false))
}

/// A SCREAMING_SNAKE_CASE identifier (statics and constants).
pub fn screaming(name: &str) -> Option<String> {
    snake(name).map(|s| s.trim_start_matches("r#").to_ascii_uppercase())
}

fn escape(ident: String) -> String {
    if is_not_raw(&ident) {
        format!("{ident}_")
    } else if is_keyword(&ident) {
        format!("r#{ident}")
    } else {
        ident
    }
}

/// The prefix for variants of `type_name` that would start with a digit: the first letter of
/// its last word, so `PhotoSize` gives `S` (`S48x48`).
pub fn initial(type_name: &str) -> String {
    let last_word = type_name
        .rfind(|c: char| c.is_ascii_uppercase())
        .map_or(type_name, |at| &type_name[at..]);
    last_word.chars().take(1).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odata_keys_and_system_segments_become_plain_words() {
        assert_eq!(
            snake("@odata.mediaEtag").as_deref(),
            Some("odata_media_etag")
        );
        assert_eq!(snake("$value").as_deref(), Some("value"));
        assert_eq!(snake("$select").as_deref(), Some("select"));
        assert_eq!(
            snake("contactFolder-id").as_deref(),
            Some("contact_folder_id")
        );
    }

    #[test]
    fn keywords_are_escaped() {
        assert_eq!(snake("type").as_deref(), Some("r#type"));
        assert_eq!(snake("self").as_deref(), Some("self_"));
        assert_eq!(camel("self", "X").as_deref(), Some("Self_"));
        assert_eq!(screaming("type").as_deref(), Some("TYPE"));
    }

    #[test]
    fn leading_digits_get_a_prefix() {
        assert_eq!(camel("48x48", "S").as_deref(), Some("S48x48"));
        assert_eq!(snake("2fa").as_deref(), Some("_2fa"));
    }

    #[test]
    fn headers_read_as_words() {
        assert_eq!(header_field("ETag").as_deref(), Some("etag"));
        assert_eq!(
            header_field("If-None-Match").as_deref(),
            Some("if_none_match")
        );
        assert_eq!(header_field("request-id").as_deref(), Some("request_id"));
    }

    #[test]
    fn digit_prefixes_come_from_the_last_word() {
        assert_eq!(initial("PhotoSize"), "S");
        assert_eq!(initial("Version"), "V");
    }

    /// The casing heck gives the same words, as the names were made before: names in
    /// generated code must not change.
    fn heck_snake(name: &str) -> Option<String> {
        use heck::ToSnakeCase;
        let words: String = name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
            .collect();
        finish_snake(words.to_snake_case())
    }

    fn heck_camel(name: &str, prefix: &str) -> Option<String> {
        use heck::ToUpperCamelCase;
        let words: String = name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
            .collect();
        let camel = words.to_upper_camel_case();
        if camel.is_empty() {
            return None;
        }
        Some(escape(if camel.starts_with(|c: char| c.is_ascii_digit()) {
            format!("{prefix}{camel}")
        } else {
            camel
        }))
    }

    #[test]
    fn casing_matches_heck() {
        let samples = [
            "getMyPhotoT0",
            "HTTPServer",
            "ETag",
            "If-None-Match",
            "request-id",
            "@odata.mediaEtag",
            "x48X48y",
            "ABCdef",
            "aBC",
            "a1B2c3",
            "A1b",
            "1A",
            "already_snake_case",
            "SCREAMING_CASE",
            "mixed.Case-andSo_on",
            "ümlautÄName",
            "Σ-sigma",
            "trailingUPPER",
            "UPPERlower",
            "a",
            "A",
            "__",
            "",
            "type",
            "Self",
        ];
        let alphabet = ['a', 'B', 'c', 'D', '1', '-', '_', '.', 'é', 'X', 'y'];
        let mut generated = Vec::new();
        for a in alphabet {
            for b in alphabet {
                for c in alphabet {
                    for d in alphabet {
                        generated.push([a, b, c, d].iter().collect::<String>());
                    }
                }
            }
        }
        for name in samples
            .iter()
            .copied()
            .chain(generated.iter().map(String::as_str))
        {
            assert_eq!(snake(name), heck_snake(name), "snake of {name:?}");
            assert_eq!(camel(name, "P"), heck_camel(name, "P"), "camel of {name:?}");
            assert_eq!(
                header_field(name),
                heck_snake(&name.to_ascii_lowercase()),
                "header field of {name:?}"
            );
        }
    }

    #[test]
    fn nothing_usable_is_none() {
        assert_eq!(snake("$$$"), None);
        assert_eq!(camel("", "X"), None);
    }
}
