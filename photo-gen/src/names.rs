//! Rust identifiers from spec names: heck for the casing, plus the cases heck cannot know about
//! (keywords, `$value`, `@odata.*`, leading digits, acronyms in header names).

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Whether `word` is one of Rust's keywords, strict or reserved: an identifier spelled so needs
/// `r#` (or, for the few that cannot be raw, a trailing underscore).
pub fn is_keyword(word: &str) -> bool {
    matches!(
        word,
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

/// Type names the generated modules already use: the prelude's types and traits, and the items
/// every generated client and server defines or imports. A spec's type named like one of them
/// would shadow it, so it takes another name.
pub const TAKEN_TYPE_NAMES: &[&str] = &[
    "Api",
    "ApiClient",
    "Arc",
    "AsRef",
    "Box",
    "Call",
    "Clone",
    "Copy",
    "Default",
    "Err",
    "Fn",
    "From",
    "Into",
    "IntoResponse",
    "Iterator",
    "None",
    "Ok",
    "Option",
    "PartialApi",
    "Result",
    "Send",
    "Sized",
    "Some",
    "String",
    "Sync",
    "ToOwned",
    "ToString",
    "TryFrom",
    "Vec",
];

/// Keywords that cannot be raw identifiers and so get a trailing underscore instead.
const NOT_RAW: &[&str] = &["crate", "self", "Self", "super"];

/// Keeps only what can appear in an identifier, turning everything else into word breaks.
fn words(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect()
}

/// A snake_case identifier (fields, functions, modules). `None` when nothing usable remains.
pub fn snake(name: &str) -> Option<String> {
    let snake = words(name).to_snake_case();
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
    let camel = words(name).to_upper_camel_case();
    if camel.is_empty() {
        return None;
    }
    Some(escape(if camel.starts_with(|c: char| c.is_ascii_digit()) {
        format!("{prefix}{camel}")
    } else {
        camel
    }))
}

/// An enum variant for a value, never failing: [`camel`] when the value has letters or digits,
/// else its symbols spelled out (`*` → `Asterisk`, `-` → `Minus`, `` → `Empty`), so every
/// value a spec lists gets a readable name.
pub fn variant(value: &str, prefix: &str) -> String {
    // A sign is part of the value (`-INF` is not `INF`).
    for (sign, word) in [('-', "Minus"), ('+', "Plus")] {
        let rest = value
            .strip_prefix(sign)
            .map(|rest| words(rest).to_upper_camel_case());
        if let Some(name) = rest.filter(|name| !name.is_empty()) {
            return format!("{word}{name}");
        }
    }
    if let Some(name) = camel(value, prefix) {
        return name;
    }
    if value.is_empty() {
        return "Empty".into();
    }
    value.chars().map(symbol_name).collect()
}

/// A word for a character that cannot appear in an identifier.
fn symbol_name(c: char) -> String {
    let word = match c {
        '*' => "Asterisk",
        '+' => "Plus",
        '-' => "Minus",
        '.' => "Dot",
        ',' => "Comma",
        ':' => "Colon",
        ';' => "Semicolon",
        '/' => "Slash",
        '\\' => "Backslash",
        '@' => "At",
        '$' => "Dollar",
        '#' => "Hash",
        '%' => "Percent",
        '&' => "Ampersand",
        '=' => "Equals",
        '!' => "Exclamation",
        '?' => "Question",
        '<' => "Less",
        '>' => "Greater",
        '~' => "Tilde",
        '^' => "Caret",
        '|' => "Pipe",
        '_' => "Underscore",
        '\'' => "Quote",
        '"' => "DoubleQuote",
        '(' | '[' | '{' => "Open",
        ')' | ']' | '}' => "Close",
        c if c.is_whitespace() => "Space",
        c => return format!("U{:04X}", u32::from(c)),
    };
    word.to_owned()
}

/// `base` if `taken` does not hold it, else `base` with the first free number from 2 on, so a
/// name that gives way does so the same way on every run.
pub fn unique(base: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(base) {
        return base.to_owned();
    }
    (2_u32..)
        .map(|n| format!("{}{n}", base.trim_start_matches("r#")))
        .find(|candidate| !taken(candidate))
        .unwrap_or_else(|| base.to_owned())
}

/// A header name as a field: header names are case-insensitive, so `ETag` reads as `etag`.
pub fn header_field(name: &str) -> Option<String> {
    snake(&name.to_ascii_lowercase())
}

/// A SCREAMING_SNAKE_CASE identifier (statics and constants).
pub fn screaming(name: &str) -> Option<String> {
    snake(name).map(|s| s.trim_start_matches("r#").to_ascii_uppercase())
}

fn escape(ident: String) -> String {
    if NOT_RAW.contains(&ident.as_str()) {
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

    #[test]
    fn every_enum_value_gets_a_variant() {
        assert_eq!(variant("*", "V"), "Asterisk");
        assert_eq!(variant("id desc", "V"), "IdDesc");
        assert_eq!(variant("", "V"), "Empty");
        assert_eq!(variant("-", "V"), "Minus");
        assert_eq!(variant("+*", "V"), "PlusAsterisk");
        assert_eq!(variant("\u{2713}", "V"), "U2713");
        assert_eq!(variant("48x48", "S"), "S48x48");
        assert_eq!(variant("-INF", "V"), "MinusInf");
        assert_eq!(variant("+1", "V"), "Plus1");
        assert_eq!(variant("+Value", "V"), "PlusValue");
        assert_eq!(variant("-self", "V"), "MinusSelf");
    }

    #[test]
    fn unique_names_count_up_from_two() {
        let taken = ["Id", "Id2"];
        assert_eq!(unique("Id", |name| taken.contains(&name)), "Id3");
        assert_eq!(unique("Width", |name| taken.contains(&name)), "Width");
    }

    #[test]
    fn nothing_usable_is_none() {
        assert_eq!(snake("$$$"), None);
        assert_eq!(camel("", "X"), None);
    }
}
