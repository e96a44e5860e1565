//! Path segments of text and parameters, such as OData's function call
//! `microsoft.graph.delta(token='{token}')` or `{Sid}.json`: the client writes a value into its
//! template, the server reads it back out.
//!
//! On the wire, as OData wants it:
//! - the template's text is sent as written, its `'`, `(`, `)`, `=` and `,` included;
//! - a parameter between the template's own quotes (`'{token}'`) is a string literal: a `'` inside
//!   it is doubled (`O'Neil` → `O''Neil`), then the value is percent-encoded for a path segment;
//! - any other parameter (a number, a boolean, `{Sid}` in `{Sid}.json`) is percent-encoded as a
//!   whole-segment parameter is, and the character the text after it starts with is
//!   percent-encoded too, so the server finds where the value ends without guessing.
//!
//! The server reads a segment percent-decoded (so `%27` is a quote as much as `'` is), except
//! that an unquoted value ends only at text sent literally.

use std::fmt::Write;

use percent_encoding::{AsciiSet, utf8_percent_encode};

use super::param::ToParam;
use super::path::SEGMENT;

/// The template's own text: a key segment's characters, with `'` kept for OData's quotes.
const TEXT: &AsciiSet = &SEGMENT.remove(b'\'');

/// A segment of text and `{name}` parameters, as the generated code writes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SegmentTemplate {
    parts: Vec<Part>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Text(String),
    /// A parameter; `quoted` when the template puts it between `'`s.
    Param {
        name: String,
        quoted: bool,
    },
}

impl SegmentTemplate {
    /// Reads `template`; `None` when a brace has no partner, a parameter has no name, or two
    /// parameters touch (the generator refuses all of these in a description).
    pub fn parse(template: &str) -> Option<SegmentTemplate> {
        let mut parts = Vec::new();
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            let close = open + rest[open..].find('}')?;
            let name = &rest[open + 1..close];
            let touches = open == 0 && matches!(parts.last(), Some(Part::Param { .. }));
            if name.is_empty() || name.contains('{') || rest[..open].contains('}') || touches {
                return None;
            }
            if open > 0 {
                parts.push(Part::Text(rest[..open].to_owned()));
            }
            parts.push(Part::Param {
                name: name.to_owned(),
                quoted: false,
            });
            rest = &rest[close + 1..];
        }
        if rest.contains('}') {
            return None;
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_owned()));
        }
        for index in 0..parts.len() {
            let before = index.checked_sub(1).and_then(|before| parts.get(before));
            let opens = matches!(before, Some(Part::Text(text)) if text.ends_with('\''));
            let closes =
                matches!(parts.get(index + 1), Some(Part::Text(text)) if text.starts_with('\''));
            if let Part::Param { quoted, .. } = &mut parts[index] {
                *quoted = opens && closes;
            }
        }
        Some(SegmentTemplate { parts })
    }

    /// Whether the template has text beside its parameters (`{id}` alone is a plain parameter,
    /// `users` alone plain text).
    pub fn is_mixed(&self) -> bool {
        self.parts.len() > 1
    }

    /// How many characters of text the template has: the more, the more specific it is.
    pub fn text_len(&self) -> usize {
        self.parts
            .iter()
            .map(|part| match part {
                Part::Text(text) => text.len(),
                Part::Param { .. } => 0,
            })
            .sum()
    }

    /// The parameter names, in order.
    pub fn params(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|part| match part {
            Part::Param { name, .. } => Some(name.as_str()),
            Part::Text(_) => None,
        })
    }

    /// Appends the segment with `values` (one per parameter, in order; a missing one is empty),
    /// encoded as the module describes.
    pub fn write(&self, values: &[&dyn ToParam], out: &mut String) {
        let mut values = values.iter();
        for (index, part) in self.parts.iter().enumerate() {
            match part {
                Part::Text(text) => out.extend(utf8_percent_encode(text, TEXT)),
                Part::Param { quoted, .. } => {
                    let value = values
                        .next()
                        .map(|value| value.to_param())
                        .unwrap_or_default();
                    if *quoted {
                        out.extend(utf8_percent_encode(&value.replace('\'', "''"), SEGMENT));
                    } else {
                        let delimiter = match self.parts.get(index + 1) {
                            Some(Part::Text(next)) => next.chars().next(),
                            _ => None,
                        };
                        write_unquoted(&value, delimiter, out);
                    }
                }
            }
        }
    }

    /// Reads the raw (percent-encoded) segment `raw` against the template: each parameter's
    /// name and its decoded value (`Err` with a message when the value is not UTF-8), or `None`
    /// when `raw` does not have the template's shape. An unquoted value is never empty.
    pub fn read(&self, raw: &str) -> Option<Vec<(&str, Result<String, String>)>> {
        let units = units(raw);
        let mut at = 0;
        let mut values = Vec::new();
        for (index, part) in self.parts.iter().enumerate() {
            match part {
                Part::Text(text) => {
                    if !starts_with(&units[at..], text) {
                        return None;
                    }
                    at += text.len();
                }
                Part::Param { name, quoted: true } => {
                    let mut bytes = Vec::new();
                    loop {
                        let unit = units.get(at)?;
                        if unit.byte == b'\'' {
                            if units.get(at + 1).is_some_and(|next| next.byte == b'\'') {
                                bytes.push(b'\'');
                                at += 2;
                                continue;
                            }
                            break;
                        }
                        bytes.push(unit.byte);
                        at += 1;
                    }
                    values.push((name.as_str(), utf8(name, bytes)));
                }
                Part::Param {
                    name,
                    quoted: false,
                } => {
                    let end = match self.parts.get(index + 1) {
                        None => units.len(),
                        // The last text is a suffix: a value may contain it (`a.json.json`).
                        Some(Part::Text(next)) if index + 2 == self.parts.len() => {
                            units.len().checked_sub(next.len())?
                        }
                        Some(Part::Text(next)) => (at..units.len()).find(|&position| {
                            !units[position].escaped && starts_with(&units[position..], next)
                        })?,
                        Some(Part::Param { .. }) => return None,
                    };
                    if end <= at {
                        return None;
                    }
                    let bytes = units[at..end].iter().map(|unit| unit.byte).collect();
                    values.push((name.as_str(), utf8(name, bytes)));
                    at = end;
                }
            }
        }
        (at == units.len()).then_some(values)
    }
}

/// Appends `value` percent-encoded as a key segment, with `delimiter` (the first character of
/// the text after it) escaped too. (`utf8_percent_encode` takes only a `'static` set, and the
/// delimiter differs by template.)
fn write_unquoted(value: &str, delimiter: Option<char>, out: &mut String) {
    let mut buffer = [0; 4];
    for character in value.chars() {
        if Some(character) == delimiter && character.is_ascii() {
            let _ = write!(out, "%{:02X}", u32::from(character));
        } else {
            out.extend(utf8_percent_encode(
                character.encode_utf8(&mut buffer),
                SEGMENT,
            ));
        }
    }
}

/// One byte of a raw segment, decoded, and whether it was sent as `%XX`.
#[derive(Clone, Copy)]
struct Unit {
    byte: u8,
    escaped: bool,
}

/// `raw` percent-decoded a byte at a time; a `%` without two hex digits is itself.
fn units(raw: &str) -> Vec<Unit> {
    let bytes = raw.as_bytes();
    let mut units = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let escaped = (bytes[index] == b'%')
            .then(|| bytes.get(index + 1..index + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                units.push(Unit {
                    byte,
                    escaped: true,
                });
                index += 3;
            }
            None => {
                units.push(Unit {
                    byte: bytes[index],
                    escaped: false,
                });
                index += 1;
            }
        }
    }
    units
}

/// Whether `units` decode to a text starting with `text`.
fn starts_with(units: &[Unit], text: &str) -> bool {
    units.len() >= text.len()
        && units
            .iter()
            .zip(text.bytes())
            .all(|(unit, byte)| unit.byte == byte)
}

fn utf8(name: &str, bytes: Vec<u8>) -> Result<String, String> {
    String::from_utf8(bytes)
        .map_err(|_| format!("The path parameter '{name}' is not UTF-8 once percent-decoded."))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(text: &str) -> SegmentTemplate {
        SegmentTemplate::parse(text).expect("a valid template")
    }

    fn written(text: &str, values: &[&dyn ToParam]) -> String {
        let mut out = String::new();
        template(text).write(values, &mut out);
        out
    }

    /// The values read back, or `None` when the segment does not match.
    fn read(text: &str, raw: &str) -> Option<Vec<String>> {
        template(text).read(raw).map(|values| {
            values
                .into_iter()
                .map(|(_, value)| value.unwrap_or_else(|err| format!("error: {err}")))
                .collect()
        })
    }

    const DELTA: &str = "microsoft.graph.delta(token='{token}')";
    const INTERVAL: &str = "microsoft.graph.getActivitiesByInterval(startDateTime='{startDateTime}',endDateTime='{endDateTime}',interval='{interval}')";

    #[test]
    fn templates_parse_into_text_and_parameters() {
        let delta = template(DELTA);
        assert!(delta.is_mixed());
        assert_eq!(delta.params().collect::<Vec<_>>(), ["token"]);
        assert_eq!(delta.text_len(), DELTA.len() - "{token}".len());
        assert!(!template("{id}").is_mixed());
        assert!(!template("users").is_mixed());
        for bad in ["f({a)", "f(a})", "f({})", "{a}{b}", "f({a{b}})", "f(}{a})"] {
            assert_eq!(SegmentTemplate::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn quoted_strings_double_their_quotes_then_are_percent_encoded() {
        assert_eq!(
            written(DELTA, &[&"O'Neil"]),
            "microsoft.graph.delta(token='O%27%27Neil')"
        );
        assert_eq!(
            written(DELTA, &[&"a/b c?d#e&f"]),
            "microsoft.graph.delta(token='a%2Fb%20c%3Fd%23e%26f')"
        );
        assert_eq!(
            written(DELTA, &[&"josé 用户"]),
            "microsoft.graph.delta(token='jos%C3%A9%20%E7%94%A8%E6%88%B7')"
        );
        assert_eq!(written(DELTA, &[&""]), "microsoft.graph.delta(token='')");
        assert_eq!(
            written(INTERVAL, &[&"2024-01-01", &"2024-02-01T10:00:00Z", &"day"]),
            "microsoft.graph.getActivitiesByInterval(startDateTime='2024-01-01',endDateTime='2024-02-01T10:00:00Z',interval='day')"
        );
    }

    #[test]
    fn numbers_and_booleans_are_written_as_they_are() {
        let text = "microsoft.graph.f(top={top},ratio={ratio},on={on})";
        assert_eq!(
            written(text, &[&-42_i32, &1.5_f64, &true]),
            "microsoft.graph.f(top=-42,ratio=1.5,on=true)"
        );
        assert_eq!(
            read(text, "microsoft.graph.f(top=-42,ratio=1.5,on=true)"),
            Some(vec!["-42".into(), "1.5".into(), "true".into()])
        );
    }

    #[test]
    fn unquoted_values_escape_the_text_that_follows_them() {
        assert_eq!(written("{Sid}.json", &[&"a.b c"]), "a%2Eb%20c.json");
        assert_eq!(written("{name}.{ext}", &[&"a.b", &"c.d"]), "a%2Eb.c.d");
        assert_eq!(
            read("{name}.{ext}", "a%2Eb.c.d"),
            Some(vec!["a.b".into(), "c.d".into()])
        );
        assert_eq!(
            written("f(date={date},n={n})", &[&"x,n=1"]),
            "f(date=x%2Cn=1,n=)"
        );
    }

    #[test]
    fn what_is_written_reads_back() {
        let cases: &[(&str, &[&str])] = &[
            (DELTA, &["O'Neil"]),
            (DELTA, &["''"]),
            (DELTA, &["'"]),
            (DELTA, &["a')/(b='c"]),
            (DELTA, &["50%/100% ünïcødé"]),
            (DELTA, &[""]),
            (INTERVAL, &["2024-01-01", "it's, (really) = odd", "week"]),
            ("{Sid}.json", &["AC.json"]),
            ("{Sid}.json", &["%2E."]),
            ("{name}.{ext}", &["archive.tar", "gz"]),
            ("{a}x{b}", &["xx", "x"]),
            ("f(date={date},n={n})", &["x,n=1", "2"]),
            (
                "servicePrincipals(appId='{appId}')",
                &["00000003-0000-0000-c000-000000000000"],
            ),
        ];
        for (text, values) in cases {
            let dyn_values: Vec<&dyn ToParam> = values.iter().map(|v| v as &dyn ToParam).collect();
            let raw = written(text, &dyn_values);
            let expected: Vec<String> = values.iter().map(|v| (*v).to_owned()).collect();
            assert_eq!(read(text, &raw), Some(expected), "{text} with {raw}");
        }
    }

    #[test]
    fn other_encoders_are_read_as_odata_reads_them() {
        // Quotes sent percent-encoded, and quotes doubled but not encoded.
        assert_eq!(
            read(DELTA, "microsoft.graph.delta(token=%27abc%27)"),
            Some(vec!["abc".into()])
        );
        assert_eq!(
            read(DELTA, "microsoft.graph.delta(token='O''Neil')"),
            Some(vec!["O'Neil".into()])
        );
        assert_eq!(
            read(DELTA, "microsoft.graph.delta%28token='a%20b'%29"),
            Some(vec!["a b".into()])
        );
        // A value's own `/`, sent encoded, stays in its segment.
        assert_eq!(
            read(DELTA, "microsoft.graph.delta(token='a%2Fb')"),
            Some(vec!["a/b".into()])
        );
    }

    #[test]
    fn segments_of_another_shape_do_not_match() {
        for raw in [
            "microsoft.graph.delta()",
            "microsoft.graph.delta(token='abc'",
            "microsoft.graph.delta(token='abc')x",
            "microsoft.graph.delta(token=abc)",
            "microsoft.graph.delta(token='O'Neil')",
            "microsoft.graph.delta(token='O%27Neil')",
            "microsoft.graph.delta(token='abc'')",
            "microsoft.graph.deltas(token='abc')",
            "",
        ] {
            assert_eq!(read(DELTA, raw), None, "{raw}");
        }
        assert_eq!(read("{Sid}.json", ".json"), None);
        assert_eq!(read("{Sid}.json", "AC.xml"), None);
        assert_eq!(read("f(n={n})", "f(n=)"), None);
    }

    #[test]
    fn values_that_are_not_utf8_are_reported_by_name() {
        assert_eq!(
            read(DELTA, "microsoft.graph.delta(token='%FF')"),
            Some(vec![
                "error: The path parameter 'token' is not UTF-8 once percent-decoded.".into()
            ])
        );
        assert_eq!(read("{Sid}.json", "%.json"), Some(vec!["%".into()]));
    }
}
