//! Path patterns such as `/users/*/photo/**`: `*` stands for one path segment, `**` for any
//! number of them (none included), every other segment is compared literally.
//!
//! Written here rather than with a glob crate: globs read `{a,b}` as alternation while OpenAPI
//! paths hold `{user-id}` literally, and a trailing `/**` in a glob does not match the directory
//! itself, whereas `/users/*/photo/**` must keep `/users/{user-id}/photo`.

use std::fmt;

/// A compiled path pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathPattern {
    text: String,
    segments: Vec<PatternSegment>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum PatternSegment {
    /// A segment compared as written, such as `photo` or `{user-id}`.
    Literal(String),
    /// `*`: exactly one segment.
    One,
    /// `**`: any number of segments.
    Any,
}

impl PathPattern {
    /// Compiles `text`, or says why it is not a pattern.
    pub fn parse(text: &str) -> Result<Self, String> {
        let Some(rest) = text.strip_prefix('/') else {
            return Err(format!("path pattern `{text}` must start with `/`"));
        };
        let mut segments: Vec<PatternSegment> = Vec::new();
        for segment in rest.split('/') {
            let compiled = match segment {
                "*" => PatternSegment::One,
                "**" => PatternSegment::Any,
                _ if segment.contains('*') => {
                    return Err(format!(
                        "path pattern `{text}`: `*` and `**` must stand for whole segments"
                    ));
                }
                _ => PatternSegment::Literal(segment.to_owned()),
            };
            // `**/**` means what `**` means; one of them keeps matching linear.
            if compiled == PatternSegment::Any && segments.last() == Some(&PatternSegment::Any) {
                continue;
            }
            segments.push(compiled);
        }
        Ok(PathPattern {
            text: text.to_owned(),
            segments,
        })
    }

    /// Whether `path` (such as `/users/{user-id}/photo`) matches.
    pub fn matches(&self, path: &str) -> bool {
        let Some(rest) = path.strip_prefix('/') else {
            return false;
        };
        let path: Vec<&str> = rest.split('/').collect();
        matches(&self.segments, &path)
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for PathPattern {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn matches(pattern: &[PatternSegment], path: &[&str]) -> bool {
    match pattern.split_first() {
        None => path.is_empty(),
        Some((PatternSegment::Any, rest)) => {
            (0..=path.len()).any(|skip| matches(rest, &path[skip..]))
        }
        Some((PatternSegment::One, rest)) => !path.is_empty() && matches(rest, &path[1..]),
        Some((PatternSegment::Literal(literal), rest)) => {
            path.first() == Some(&literal.as_str()) && matches(rest, &path[1..])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matching(pattern: &str, paths: &[&str]) -> Vec<String> {
        let pattern = PathPattern::parse(pattern).expect("pattern");
        paths
            .iter()
            .filter(|path| pattern.matches(path))
            .map(|path| path.to_string())
            .collect()
    }

    const PATHS: [&str; 9] = [
        "/users",
        "/users/{user-id}",
        "/users/{user-id}/photo",
        "/users/{user-id}/photo/$value",
        "/users/{user-id}/photos/{profilePhoto-id}/$value",
        "/users/{user-id}/contacts/{contact-id}/photo",
        "/groups/{group-id}/photo",
        "/me/photo",
        "/users/{user-id}/photo/extra/deeper",
    ];

    #[test]
    fn a_star_is_one_segment() {
        assert_eq!(
            matching("/users/*/photo", &PATHS),
            ["/users/{user-id}/photo"]
        );
        assert_eq!(matching("/*/photo", &PATHS), ["/me/photo"]);
        assert_eq!(matching("/users/*", &PATHS), ["/users/{user-id}"]);
    }

    #[test]
    fn a_double_star_is_any_number_of_segments_none_included() {
        assert_eq!(
            matching("/users/*/photo/**", &PATHS),
            [
                "/users/{user-id}/photo",
                "/users/{user-id}/photo/$value",
                "/users/{user-id}/photo/extra/deeper"
            ]
        );
        assert_eq!(
            matching("/**/photo", &PATHS),
            [
                "/users/{user-id}/photo",
                "/users/{user-id}/contacts/{contact-id}/photo",
                "/groups/{group-id}/photo",
                "/me/photo"
            ]
        );
        assert_eq!(matching("/**", &PATHS).len(), PATHS.len());
        assert_eq!(
            matching("/users/**/**/$value", &PATHS),
            [
                "/users/{user-id}/photo/$value",
                "/users/{user-id}/photos/{profilePhoto-id}/$value"
            ]
        );
    }

    #[test]
    fn other_segments_are_literal_braces_included() {
        assert_eq!(
            matching("/users/{user-id}/photo", &PATHS),
            ["/users/{user-id}/photo"]
        );
        assert!(matching("/users/{id}/photo", &PATHS).is_empty());
        assert!(matching("/Users/*/photo", &PATHS).is_empty());
        assert!(matching("/users/*/photo/", &PATHS).is_empty());
    }

    #[test]
    fn a_pattern_must_be_rooted_and_use_whole_segment_stars() {
        assert_eq!(
            PathPattern::parse("users/*").unwrap_err(),
            "path pattern `users/*` must start with `/`"
        );
        assert_eq!(
            PathPattern::parse("/users/*/photo*").unwrap_err(),
            "path pattern `/users/*/photo*`: `*` and `**` must stand for whole segments"
        );
    }
}
