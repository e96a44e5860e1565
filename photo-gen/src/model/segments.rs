//! A path split into its segments: fixed text, a whole parameter (`{user-id}`), or text and
//! parameters in one segment. Microsoft Graph's descriptions are full of the last kind: OData
//! function calls (`microsoft.graph.delta(token='{token}')`) and alternate keys
//! (`servicePrincipals(appId='{appId}')`); other APIs have `{Sid}.json` or `{name}.{ext}`.
//!
//! A segment is refused only when it cannot be read: a brace without its partner, a parameter
//! without a name, or two parameters with no text between them (no server could tell where one
//! value ends).

use super::{Segment, SegmentPart};

/// Why a path cannot be split, with a hint when there is an obvious fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentError {
    pub message: String,
    pub hint: Option<String>,
}

impl SegmentError {
    fn new(message: String) -> Self {
        SegmentError {
            message,
            hint: None,
        }
    }
}

/// The segments of `path` (which starts with `/`; `/` alone has none).
pub fn parse_path(path: &str) -> Result<Vec<Segment>, SegmentError> {
    let Some(rest) = path.strip_prefix('/') else {
        return Err(SegmentError::new(format!(
            "path `{path}` must start with `/`"
        )));
    };
    if rest.is_empty() {
        return Ok(Vec::new());
    }
    rest.split('/')
        .map(|raw| {
            if raw.is_empty() {
                Err(SegmentError::new(format!(
                    "path `{path}` has an empty segment"
                )))
            } else {
                parse_segment(raw)
            }
        })
        .collect()
}

/// One non-empty segment.
fn parse_segment(raw: &str) -> Result<Segment, SegmentError> {
    let mut parts = Vec::new();
    let mut rest = raw;
    while !rest.is_empty() {
        let open = rest.find('{');
        let close = rest.find('}');
        match (open, close) {
            (None, None) => {
                parts.push(SegmentPart::Text(rest.to_owned()));
                break;
            }
            (Some(open), Some(close)) if open < close => {
                let name = &rest[open + 1..close];
                if name.contains('{') {
                    return Err(unbalanced(raw, '{'));
                }
                if name.trim().is_empty() {
                    return Err(SegmentError::new(format!(
                        "path segment `{raw}` has a parameter without a name"
                    )));
                }
                if open > 0 {
                    parts.push(SegmentPart::Text(rest[..open].to_owned()));
                } else if let Some(SegmentPart::Param(previous)) = parts.last() {
                    return Err(SegmentError {
                        message: format!(
                            "path segment `{raw}` has the parameters `{{{previous}}}` and `{{{name}}}` with no text between them, so no server can tell where one value ends"
                        ),
                        hint: Some("put fixed text between the parameters".into()),
                    });
                }
                parts.push(SegmentPart::Param(name.to_owned()));
                rest = &rest[close + 1..];
            }
            (Some(_), None) => return Err(unbalanced(raw, '{')),
            (_, Some(_)) => return Err(unbalanced(raw, '}')),
        }
    }
    Ok(match parts.as_slice() {
        [SegmentPart::Text(text)] => Segment::Literal(text.clone()),
        [SegmentPart::Param(name)] => Segment::Param(name.clone()),
        _ => Segment::Template(parts),
    })
}

fn unbalanced(raw: &str, brace: char) -> SegmentError {
    let partner = if brace == '{' { '}' } else { '{' };
    SegmentError::new(format!(
        "path segment `{raw}` has a `{brace}` without its `{partner}`"
    ))
}

impl Segment {
    /// The spec names of the parameters in this segment, in order.
    pub fn params(&self) -> impl Iterator<Item = &str> {
        let (whole, parts) = match self {
            Segment::Literal(_) => (None, &[][..]),
            Segment::Param(name) => (Some(name.as_str()), &[][..]),
            Segment::Template(parts) => (None, parts.as_slice()),
        };
        whole
            .into_iter()
            .chain(parts.iter().filter_map(|part| match part {
                SegmentPart::Param(name) => Some(name.as_str()),
                SegmentPart::Text(_) => None,
            }))
    }
}

/// The text of a template segment with each parameter written as `{name_of(spec name)}`.
pub fn template_text(parts: &[SegmentPart], name_of: impl Fn(&str) -> String) -> String {
    parts
        .iter()
        .map(|part| match part {
            SegmentPart::Text(text) => text.clone(),
            SegmentPart::Param(name) => format!("{{{}}}", name_of(name)),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(value: &str) -> SegmentPart {
        SegmentPart::Text(value.into())
    }

    fn param(name: &str) -> SegmentPart {
        SegmentPart::Param(name.into())
    }

    fn one(raw: &str) -> Result<Segment, String> {
        parse_path(&format!("/{raw}"))
            .map(|mut segments| segments.remove(0))
            .map_err(|err| err.message)
    }

    #[test]
    fn whole_segments_stay_literals_and_parameters() {
        assert_eq!(
            parse_path("/users/{user-id}/photo/$value"),
            Ok(vec![
                Segment::Literal("users".into()),
                Segment::Param("user-id".into()),
                Segment::Literal("photo".into()),
                Segment::Literal("$value".into()),
            ])
        );
        assert_eq!(parse_path("/"), Ok(Vec::new()));
        assert_eq!(
            one("microsoft.graph.delta()"),
            Ok(Segment::Literal("microsoft.graph.delta()".into()))
        );
    }

    #[test]
    fn odata_function_segments_are_text_and_parameters() {
        assert_eq!(
            one("microsoft.graph.delta(token='{token}')"),
            Ok(Segment::Template(vec![
                text("microsoft.graph.delta(token='"),
                param("token"),
                text("')"),
            ]))
        );
        let segment = one(
            "microsoft.graph.getActivitiesByInterval(startDateTime='{startDateTime}',endDateTime='{endDateTime}',interval='{interval}')",
        )
        .expect("a function with three parameters");
        assert_eq!(
            segment.params().collect::<Vec<_>>(),
            ["startDateTime", "endDateTime", "interval"]
        );
        assert_eq!(
            one("microsoft.graph.getEmailActivityUserDetail(date={date})"),
            Ok(Segment::Template(vec![
                text("microsoft.graph.getEmailActivityUserDetail(date="),
                param("date"),
                text(")"),
            ]))
        );
    }

    #[test]
    fn parameters_may_open_or_close_a_segment() {
        assert_eq!(
            one("{Sid}.json"),
            Ok(Segment::Template(vec![param("Sid"), text(".json")]))
        );
        assert_eq!(
            one("{name}.{ext}"),
            Ok(Segment::Template(vec![
                param("name"),
                text("."),
                param("ext")
            ]))
        );
    }

    #[test]
    fn malformed_segments_are_refused_by_what_is_wrong() {
        assert_eq!(
            one("f(a='{a')"),
            Err("path segment `f(a='{a')` has a `{` without its `}`".into())
        );
        assert_eq!(
            one("f(a='a}')"),
            Err("path segment `f(a='a}')` has a `}` without its `{`".into())
        );
        assert_eq!(
            one("f(a}{a)"),
            Err("path segment `f(a}{a)` has a `}` without its `{`".into())
        );
        assert_eq!(
            one("{a{b}}"),
            Err("path segment `{a{b}}` has a `{` without its `}`".into())
        );
        assert_eq!(
            one("f(a='{}')"),
            Err("path segment `f(a='{}')` has a parameter without a name".into())
        );
        assert_eq!(
            one("{ }"),
            Err("path segment `{ }` has a parameter without a name".into())
        );
        let adjacent = parse_path("/{a}{b}").expect_err("adjacent parameters");
        assert!(adjacent.message.contains("`{a}` and `{b}`"), "{adjacent:?}");
        assert!(adjacent.hint.is_some());
    }

    #[test]
    fn paths_must_be_rooted_and_have_no_empty_segments() {
        assert_eq!(
            parse_path("users").map_err(|err| err.message),
            Err("path `users` must start with `/`".into())
        );
        assert_eq!(
            parse_path("/users//photo").map_err(|err| err.message),
            Err("path `/users//photo` has an empty segment".into())
        );
        assert!(parse_path("/users/").is_err());
    }

    #[test]
    fn template_text_renames_parameters() {
        let Ok(Segment::Template(parts)) = one("f(startDateTime='{startDateTime}',n={n})") else {
            panic!("a template");
        };
        assert_eq!(
            template_text(&parts, |name| name.to_ascii_lowercase()),
            "f(startDateTime='{startdatetime}',n={n})"
        );
    }
}
