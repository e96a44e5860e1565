//! OData's key form: Graph addresses `/users('$x@contoso.com')` the same as
//! `/users/$x@contoso.com`, and the key form is the only way to name a user whose principal name
//! starts with `$`. A path that matches no route as sent is rewritten to the plain form and
//! routed again, so the router knows one shape and other requests pay nothing.
//!
//! Only a segment whose `('` and `')` are literal is rewritten, as the client runtime sends it;
//! an ordinary key containing quotes arrives with them escaped as `%27` and is left alone.

use http::Uri;
use http::uri::PathAndQuery;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, percent_encode};

/// Everything but RFC 3986 unreserved characters, so the router's single decode restores the key.
/// Dots are escaped too, so that no key can become a `.` or `..` segment on the way.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'~');

/// `uri` with every key-form segment rewritten, or `None` when there is none.
pub(crate) fn rewrite_uri(uri: &Uri) -> Option<Uri> {
    let path = rewrite_path(uri.path())?;
    let path_and_query = match uri.query() {
        Some(query) => format!("{path}?{query}"),
        None => path,
    };
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = Some(PathAndQuery::try_from(path_and_query).ok()?);
    Uri::from_parts(parts).ok()
}

/// `path` with `name('key')` segments turned into `name/<key percent-encoded>`.
fn rewrite_path(path: &str) -> Option<String> {
    if !path.contains("('") {
        return None;
    }
    let mut rewritten = String::with_capacity(path.len() + 16);
    let mut changed = false;
    for (index, segment) in path.split('/').enumerate() {
        if index > 0 {
            rewritten.push('/');
        }
        match key_form(segment) {
            Some((name, key)) => {
                rewritten.push_str(name);
                rewritten.push('/');
                rewritten.extend(percent_encode(&key, SEGMENT));
                changed = true;
            }
            None => rewritten.push_str(segment),
        }
    }
    changed.then_some(rewritten)
}

/// Splits `name('key')` into the name and the decoded key, its doubled quotes made single.
fn key_form(segment: &str) -> Option<(&str, Vec<u8>)> {
    let open = segment.find("('")?;
    let name = &segment[..open];
    let quoted = segment[open + 2..].strip_suffix("')")?;
    let is_name = |byte: u8| byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-' | b'.');
    if name.is_empty() || !name.bytes().all(is_name) {
        return None;
    }
    let decoded: Vec<u8> = percent_decode_str(quoted).collect();
    let mut key = Vec::with_capacity(decoded.len());
    let mut bytes = decoded.into_iter();
    while let Some(byte) = bytes.next() {
        if byte == b'\'' && bytes.next() != Some(b'\'') {
            return None; // a lone quote: not a well-formed key literal
        }
        key.push(byte);
    }
    (!key.is_empty()).then_some((name, key))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten(path: &str) -> Option<String> {
        rewrite_path(path)
    }

    #[test]
    fn the_key_form_becomes_a_plain_segment() {
        assert_eq!(
            rewritten("/v1.0/users('$x@contoso.com')/photo/$value").as_deref(),
            Some("/v1.0/users/%24x%40contoso%2Ecom/photo/$value")
        );
        assert_eq!(
            rewritten("/users('o''brien')/photo").as_deref(),
            Some("/users/o%27brien/photo")
        );
        assert_eq!(
            rewritten("/users('o%27%27b')/photo").as_deref(),
            Some("/users/o%27b/photo")
        );
        assert_eq!(
            rewritten("/users('a%2Fb')").as_deref(),
            Some("/users/a%2Fb")
        );
        assert_eq!(
            rewritten("/users('a%252F')").as_deref(),
            Some("/users/a%252F")
        );
    }

    #[test]
    fn other_segments_are_left_alone() {
        assert_eq!(rewritten("/users/abc/photo"), None);
        assert_eq!(rewritten("/users/foo(%27bar%27)"), None);
        assert_eq!(rewritten("/users('')"), None);
        assert_eq!(rewritten("/users('a'b')"), None);
        assert_eq!(rewritten("/('x')"), None);
        assert_eq!(rewritten("/us%20ers('x')"), None);
        assert_eq!(rewritten("/users('x"), None);
    }

    #[test]
    fn the_query_is_kept() {
        let uri: Uri = "/users('$x')/photo?%24select=id".parse().expect("test uri");
        assert_eq!(
            rewrite_uri(&uri).map(|uri| uri.to_string()).as_deref(),
            Some("/users/%24x/photo?%24select=id")
        );
    }
}
