//! JSON pointers into the spec, built as a chain on the stack and rendered to text only when a
//! problem is reported: lowering a large spec visits millions of nodes and reports few problems.

use std::fmt::Write;

/// A JSON pointer (`/paths/~1me~1photo/get`), kept as its parts.
#[derive(Clone, Copy, Debug)]
pub enum Pointer<'a> {
    /// The document itself (the empty pointer).
    Root,
    /// `/components/<kind>/<name>`.
    Component(&'static str, &'a str),
    /// A mapping key under a parent; escaped when rendered.
    Key(&'a Pointer<'a>, &'a str),
    /// A sequence position under a parent.
    Index(&'a Pointer<'a>, usize),
    /// A pointer already rendered to text.
    Rendered(&'a str),
}

/// The document root, to build top-level pointers from.
pub static ROOT: Pointer<'static> = Pointer::Root;

impl<'a> Pointer<'a> {
    /// The entry `key` of the mapping at this pointer.
    pub fn key(&'a self, key: &'a str) -> Pointer<'a> {
        Pointer::Key(self, key)
    }

    /// The item at `position` of the sequence at this pointer.
    pub fn index(&'a self, position: usize) -> Pointer<'a> {
        Pointer::Index(self, position)
    }

    /// The pointer as text, as the [`Locator`](crate::locate::Locator) reads it.
    pub fn render(&self) -> String {
        let mut out = String::new();
        self.write_to(&mut out);
        out
    }

    fn write_to(&self, out: &mut String) {
        match self {
            Pointer::Root => {}
            Pointer::Component(kind, name) => {
                out.push_str("/components/");
                out.push_str(kind);
                out.push('/');
                push_escaped(out, name);
            }
            Pointer::Key(parent, key) => {
                parent.write_to(out);
                out.push('/');
                push_escaped(out, key);
            }
            Pointer::Index(parent, position) => {
                parent.write_to(out);
                let _ = write!(out, "/{position}");
            }
            Pointer::Rendered(text) => out.push_str(text),
        }
    }
}

/// Appends one reference token, escaped as RFC 6901 says (`~` → `~0`, `/` → `~1`).
fn push_escaped(out: &mut String, token: &str) {
    for c in token.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_like_the_source_index_spells_pointers() {
        let paths = ROOT.key("paths");
        let item = paths.key("/me/photo~1");
        let params = item.key("parameters");
        assert_eq!(
            params.index(2).render(),
            "/paths/~1me~1photo~01/parameters/2"
        );
        assert_eq!(
            Pointer::Component("schemas", "a/b").key("$ref").render(),
            "/components/schemas/a~1b/$ref"
        );
        assert_eq!(ROOT.render(), "");
        assert_eq!(Pointer::Rendered("/x/y").key("z").render(), "/x/y/z");
    }
}
