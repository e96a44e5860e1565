//! Percent-encoded request paths built segment by segment.
//!
//! Graph keys such as userPrincipalNames carry characters that would change the meaning of a URL
//! if sent as is: guest accounts contain `#EXT#` (a fragment start), and `/`, `?`, `&`, `+` or `'`
//! can appear too. [`PathBuilder`] encodes each key as exactly one path segment, and rewrites the
//! keys a plain segment cannot carry to the OData key form `/users('…')`.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::param::ToParam;
use super::segment::SegmentTemplate;

/// Bytes a key segment may keep literally: RFC 3986 unreserved characters plus the sub-delimiters
/// and `@`/`:` that Graph reads back unchanged. Everything else, including `#`, `/`, `?`, `%`, `&`,
/// `+`, `'` and space, is percent-encoded.
pub(crate) const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'@')
    .remove(b':')
    .remove(b'!')
    .remove(b'$')
    .remove(b'*')
    .remove(b',')
    .remove(b';')
    .remove(b'=')
    .remove(b'(')
    .remove(b')');

/// A request path, percent-encoded as it grows, so callers never hand-encode a key.
#[derive(Clone, Debug, Default)]
pub struct PathBuilder {
    path: String,
}

impl PathBuilder {
    /// An empty path; the first [`literal`](Self::literal) adds the leading `/`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends `/segment` verbatim: for the spec's own literal segments such as `users` or `$value`,
    /// which are already valid and must not be encoded.
    pub fn literal(mut self, segment: &'static str) -> Self {
        self.path.push('/');
        self.path.push_str(segment);
        self
    }

    /// Appends `raw` as one percent-encoded segment.
    ///
    /// A key that a plain segment cannot carry is instead attached to the previous segment in the
    /// OData key form, `/users/$x@contoso.com` becoming `/users('$x@contoso.com')`: keys starting
    /// with `$` (Graph would read them as a system segment such as `$value`), and the empty, `.`
    /// and `..` keys (URL normalisation would drop or climb over them). Inside the quotes a `'` is
    /// doubled, then percent-encoded like any other key character; the surrounding quotes and
    /// parentheses stay literal so the server can find the key's end.
    pub fn key(mut self, raw: &str) -> Self {
        if needs_key_form(raw) {
            if self.path.is_empty() {
                // No segment to attach the key to; keep the result a rooted path.
                self.path.push('/');
            }
            let doubled = raw.replace('\'', "''");
            self.path.push_str("('");
            self.path.extend(utf8_percent_encode(&doubled, SEGMENT));
            self.path.push_str("')");
        } else {
            self.path.push('/');
            self.path.extend(utf8_percent_encode(raw, SEGMENT));
        }
        self
    }

    /// Appends a segment of text and parameters, such as `microsoft.graph.delta(token='{token}')`,
    /// with `values` for its parameters in order (see [`SegmentTemplate::write`] for the
    /// encoding). A template that does not parse is sent as one percent-encoded segment.
    pub fn template(mut self, template: &str, values: &[&dyn ToParam]) -> Self {
        self.path.push('/');
        match SegmentTemplate::parse(template) {
            Some(parsed) => parsed.write(values, &mut self.path),
            None => self.path.extend(utf8_percent_encode(template, SEGMENT)),
        }
        self
    }

    /// The encoded path so far, starting with `/` unless empty.
    pub fn as_str(&self) -> &str {
        &self.path
    }

    /// The encoded path, ready to append to a base URL.
    pub fn into_string(self) -> String {
        self.path
    }
}

/// Whether `raw` must use the `('…')` key form rather than a path segment of its own.
fn needs_key_form(raw: &str) -> bool {
    raw.starts_with('$') || raw.is_empty() || raw == "." || raw == ".."
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user_photo(key: &str) -> String {
        PathBuilder::new()
            .literal("users")
            .key(key)
            .literal("photo")
            .literal("$value")
            .into_string()
    }

    #[test]
    fn literals_are_kept_verbatim() {
        let path = PathBuilder::new()
            .literal("me")
            .literal("photo")
            .literal("$value");
        assert_eq!(path.as_str(), "/me/photo/$value");
    }

    #[test]
    fn guest_upn_hashes_are_encoded() {
        assert_eq!(
            user_photo("ada_contoso.com#EXT#@fabrikam.onmicrosoft.com"),
            "/users/ada_contoso.com%23EXT%23@fabrikam.onmicrosoft.com/photo/$value"
        );
    }

    #[test]
    fn reserved_characters_are_encoded() {
        assert_eq!(
            user_photo("a&b+c@contoso.com"),
            "/users/a%26b%2Bc@contoso.com/photo/$value"
        );
        assert_eq!(user_photo("a/b?c%d"), "/users/a%2Fb%3Fc%25d/photo/$value");
        assert_eq!(
            user_photo("o'brien@contoso.com"),
            "/users/o%27brien@contoso.com/photo/$value"
        );
        assert_eq!(user_photo("first last"), "/users/first%20last/photo/$value");
    }

    #[test]
    fn allowed_sub_delimiters_stay_literal() {
        assert_eq!(
            user_photo("a-b.c_d~e!f*g,h;i=j(k)l:m"),
            "/users/a-b.c_d~e!f*g,h;i=j(k)l:m/photo/$value"
        );
    }

    #[test]
    fn dollar_upn_uses_the_key_form() {
        assert_eq!(
            user_photo("$x@contoso.com"),
            "/users('$x@contoso.com')/photo/$value"
        );
    }

    #[test]
    fn quotes_inside_the_key_form_are_doubled_then_encoded() {
        assert_eq!(
            user_photo("$o'b#1@contoso.com"),
            "/users('$o%27%27b%231@contoso.com')/photo/$value"
        );
    }

    #[test]
    fn dot_and_empty_keys_cannot_escape_their_segment() {
        assert_eq!(user_photo(".."), "/users('..')/photo/$value");
        assert_eq!(user_photo("."), "/users('.')/photo/$value");
        assert_eq!(user_photo(""), "/users('')/photo/$value");
        assert_eq!(user_photo("..a"), "/users/..a/photo/$value");
    }

    #[test]
    fn unicode_is_utf8_percent_encoded() {
        assert_eq!(
            user_photo("josé@contoso.com"),
            "/users/jos%C3%A9@contoso.com/photo/$value"
        );
        assert_eq!(user_photo("用户"), "/users/%E7%94%A8%E6%88%B7/photo/$value");
    }

    #[test]
    fn templates_are_written_after_the_keys_they_follow() {
        let path = PathBuilder::new()
            .literal("users")
            .key("o'brien@contoso.com")
            .template("microsoft.graph.delta(token='{token}')", &[&"O'Neil"]);
        assert_eq!(
            path.as_str(),
            "/users/o%27brien@contoso.com/microsoft.graph.delta(token='O%27%27Neil')"
        );
        let broken = PathBuilder::new().template("f({a)", &[&"x"]);
        assert_eq!(broken.as_str(), "/f(%7Ba)");
    }

    #[test]
    fn a_key_with_no_previous_segment_stays_rooted() {
        assert_eq!(PathBuilder::new().key("$x").as_str(), "/('$x')");
        assert_eq!(PathBuilder::new().key("a#b").into_string(), "/a%23b");
    }
}
