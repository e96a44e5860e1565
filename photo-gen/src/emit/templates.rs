//! Parsing emitted items once per shape.
//!
//! syn's parser is most of the cost of formatting, and the items photo-gen emits repeat a few
//! shapes with other names and texts: every operation's client method, type alias, trait method
//! and route looks like the one before it. An item's *shape* is its tokens with every identifier
//! that is not a keyword, and every string literal, taken out as a numbered hole. When a shape
//! is met a second time, it is parsed once with placeholders in its holes (`__h0`, `"__h1"`) and
//! the syntax tree is kept as the shape's template; each later item of the shape is its template
//! cloned with the item's own identifiers and strings put back into the holes. (An item whose
//! shape is new is parsed as it is: most shapes of a small spec occur once.)
//!
//! That is the tree syn would have parsed from the item's tokens: syn's parse follows
//! punctuation, delimiters, keywords (contextual ones such as `union`, `default` and `raw`
//! included) and the kinds of literals, which the shape keeps, and never what a name or a string
//! says. Literals other than strings (numbers such as the `0` of `self.0`, which syn reads as a
//! field index) stay in the shape as they are. A template whose holes the substitution cannot all
//! reach (a hole inside a macro's tokens that syn keeps unparsed, say) is never used: items of
//! that shape are parsed from their own tokens, as without templates.

use std::fmt::Write;

use proc_macro2::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};
use rustc_hash::FxHashMap;
use syn::visit::Visit;
use syn::visit_mut::VisitMut;

/// Items parsed through templates, for one thread (token types cannot cross threads).
#[derive(Default)]
pub struct Templates {
    /// Each shape met so far, and what is known of it: one entry per distinct shape, which
    /// grows with the variety of the items, not their number (a few dozen shapes per file for
    /// 38,000 operations).
    templates: FxHashMap<Vec<u8>, Entry>,
    /// The shape being read, kept to reuse its buffer.
    shape: Vec<u8>,
    /// Room to read one token's text into.
    text: String,
}

/// What is known of a shape.
enum Entry {
    /// Met once: its item was parsed directly. Most shapes of a small spec are met only once,
    /// and making a template costs more than one parse, so only a shape met again gets one.
    SeenOnce,
    Template(Template),
    /// Its template would not reach every hole: its items are parsed directly.
    Unusable,
}

/// A shape parsed with placeholders in its holes.
struct Template {
    file: syn::File,
    /// For each identifier and string literal a [`Fill`] meets, in its order: the hole there,
    /// if it is one.
    holes: Vec<Option<u32>>,
}

impl Templates {
    /// Parses top-level tokens as a file, as `syn::parse2::<syn::File>` would.
    pub fn parse(&mut self, tokens: TokenStream) -> syn::Result<syn::File> {
        #[cfg(test)]
        if tests::DIRECT.get() {
            return syn::parse2(tokens);
        }
        let mut shape = std::mem::take(&mut self.shape);
        shape.clear();
        let mut leaves = Vec::new();
        encode(tokens, &mut shape, &mut leaves, &mut self.text);
        let entry = match self.templates.get_mut(&shape) {
            Some(entry) => {
                if matches!(entry, Entry::SeenOnce) {
                    *entry = match compile(&shape, leaves.len()) {
                        Some(template) => Entry::Template(template),
                        None => Entry::Unusable,
                    };
                }
                entry
            }
            None => self
                .templates
                .entry(shape.clone())
                .or_insert(Entry::SeenOnce),
        };
        let parsed = match entry {
            Entry::Template(template) => Ok(fill(template, leaves)),
            Entry::SeenOnce | Entry::Unusable => decode_with(&shape, leaves).and_then(syn::parse2),
        };
        self.shape = shape;
        parsed
    }
}

/// What a hole held: an identifier, or a string literal.
#[derive(Clone)]
enum Leaf {
    Ident(Ident),
    Str(Literal),
}

// The shape's bytes: a tag per token, and what the tag needs to rebuild the token.
const OPEN_PARENTHESIS: u8 = 1;
const OPEN_BRACE: u8 = 2;
const OPEN_BRACKET: u8 = 3;
const OPEN_NONE: u8 = 4;
const CLOSE: u8 = 5;
/// The character (4 bytes) and the spacing (1 byte) follow.
const PUNCT: u8 = 6;
/// The length (1 byte) and the text follow.
const KEYWORD: u8 = 7;
const IDENT_HOLE: u8 = 8;
const STRING_HOLE: u8 = 9;
/// The length (4 bytes) and the text follow.
const LITERAL: u8 = 10;

/// Appends the shape of `tokens` to `shape` and their holes' contents to `leaves`; `text` is
/// room to read a token's text into.
fn encode(tokens: TokenStream, shape: &mut Vec<u8>, leaves: &mut Vec<Leaf>, text: &mut String) {
    for tree in tokens {
        match tree {
            TokenTree::Group(group) => {
                shape.push(match group.delimiter() {
                    Delimiter::Parenthesis => OPEN_PARENTHESIS,
                    Delimiter::Brace => OPEN_BRACE,
                    Delimiter::Bracket => OPEN_BRACKET,
                    Delimiter::None => OPEN_NONE,
                });
                let inner = group.stream();
                // With the group gone the inner tokens have one owner, and are moved, not copied.
                drop(group);
                encode(inner, shape, leaves, text);
                shape.push(CLOSE);
            }
            TokenTree::Punct(punct) => {
                shape.push(PUNCT);
                shape.extend_from_slice(&u32::from(punct.as_char()).to_le_bytes());
                shape.push(u8::from(punct.spacing() == Spacing::Joint));
            }
            TokenTree::Ident(ident) => {
                text.clear();
                let _ = write!(text, "{ident}");
                if is_keyword(text) {
                    shape.push(KEYWORD);
                    shape.push(text.len() as u8);
                    shape.extend_from_slice(text.as_bytes());
                } else {
                    shape.push(IDENT_HOLE);
                    leaves.push(Leaf::Ident(ident));
                }
            }
            TokenTree::Literal(literal) => {
                text.clear();
                let _ = write!(text, "{literal}");
                if text.starts_with('"') || text.starts_with("r\"") || text.starts_with("r#") {
                    shape.push(STRING_HOLE);
                    leaves.push(Leaf::Str(literal));
                } else {
                    shape.push(LITERAL);
                    shape.extend_from_slice(&(text.len() as u32).to_le_bytes());
                    shape.extend_from_slice(text.as_bytes());
                }
            }
        }
    }
}

/// Words whose presence, not just position, steers syn's parse: Rust's keywords (the boolean
/// literals among them, identifiers to proc-macro2), `_`, and the contextual words syn looks for.
fn is_keyword(word: &str) -> bool {
    crate::names::is_keyword(word)
        || matches!(
            word,
            "_" | "auto" | "builtin" | "default" | "macro_rules" | "raw" | "safe" | "union"
        )
}

/// Which kind of hole the decoder is filling.
enum HoleKind {
    Ident,
    Str,
}

/// The template of a shape with `holes` holes: its tokens with placeholders, parsed, if that
/// parses and a [`Fill`] meets every placeholder exactly once.
fn compile(shape: &[u8], holes: usize) -> Option<Template> {
    let mut next = 0;
    let tokens = decode(shape, &mut 0, &mut |kind| {
        let name = format!("__h{next}");
        next += 1;
        match kind {
            HoleKind::Ident => TokenTree::Ident(Ident::new(&name, Span::call_site())),
            HoleKind::Str => TokenTree::Literal(Literal::string(&name)),
        }
    })
    .ok()?;
    let file: syn::File = syn::parse2(tokens).ok()?;
    let mut record = Record { holes: Vec::new() };
    record.visit_file(&file);
    let mut met = vec![false; holes];
    for &hole in record.holes.iter().flatten() {
        let seen = met.get_mut(hole as usize)?;
        if std::mem::replace(seen, true) {
            return None;
        }
    }
    met.iter().all(|&seen| seen).then_some(Template {
        file,
        holes: record.holes,
    })
}

/// The tokens of a shape with its holes filled from `leaves`, in order.
fn decode_with(shape: &[u8], leaves: Vec<Leaf>) -> syn::Result<TokenStream> {
    let mut leaves = leaves.into_iter();
    let tokens = decode(shape, &mut 0, &mut |kind| match (kind, leaves.next()) {
        (HoleKind::Ident, Some(Leaf::Ident(ident))) => TokenTree::Ident(ident),
        (HoleKind::Str, Some(Leaf::Str(literal))) => TokenTree::Literal(literal),
        // A shape and its leaves come from the same tokens, so this is never reached; an
        // invalid token makes the parse fail, with the error formatting reports.
        _ => TokenTree::Punct(Punct::new('?', Spacing::Alone)),
    });
    // Only a literal whose text does not lex again could fail here (none is known to): the item
    // is then reported as invalid rather than silently dropped.
    tokens.map_err(|()| syn::Error::new(Span::call_site(), "a token could not be rebuilt"))
}

/// Rebuilds tokens from a shape, up to the end or the closing of the group at `pos`.
fn decode(
    shape: &[u8],
    pos: &mut usize,
    hole: &mut dyn FnMut(HoleKind) -> TokenTree,
) -> Result<TokenStream, ()> {
    let mut tokens = Vec::new();
    while let Some(&tag) = shape.get(*pos) {
        *pos += 1;
        let delimiter = match tag {
            OPEN_PARENTHESIS => Some(Delimiter::Parenthesis),
            OPEN_BRACE => Some(Delimiter::Brace),
            OPEN_BRACKET => Some(Delimiter::Bracket),
            OPEN_NONE => Some(Delimiter::None),
            _ => None,
        };
        if let Some(delimiter) = delimiter {
            let inner = decode(shape, pos, hole)?;
            tokens.push(TokenTree::Group(Group::new(delimiter, inner)));
            continue;
        }
        match tag {
            CLOSE => break,
            PUNCT => {
                let bytes = take(shape, pos, 5)?;
                let code = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
                let character = char::from_u32(code).ok_or(())?;
                let spacing = if bytes[4] == 1 {
                    Spacing::Joint
                } else {
                    Spacing::Alone
                };
                tokens.push(TokenTree::Punct(Punct::new(character, spacing)));
            }
            KEYWORD => {
                let len = usize::from(*take(shape, pos, 1)?.first().ok_or(())?);
                let word = std::str::from_utf8(take(shape, pos, len)?).map_err(|_| ())?;
                tokens.push(TokenTree::Ident(Ident::new(word, Span::call_site())));
            }
            IDENT_HOLE => tokens.push(hole(HoleKind::Ident)),
            STRING_HOLE => tokens.push(hole(HoleKind::Str)),
            LITERAL => {
                let bytes = take(shape, pos, 4)?;
                let len = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize;
                let text = std::str::from_utf8(take(shape, pos, len)?).map_err(|_| ())?;
                tokens.push(TokenTree::Literal(text.parse().map_err(|_| ())?));
            }
            _ => return Err(()),
        }
    }
    Ok(tokens.into_iter().collect())
}

fn take<'a>(shape: &'a [u8], pos: &mut usize, len: usize) -> Result<&'a [u8], ()> {
    let bytes = shape.get(*pos..*pos + len).ok_or(())?;
    *pos += len;
    Ok(bytes)
}

/// The hole a placeholder names, if it is one.
fn hole_index(text: &str) -> Option<u32> {
    text.strip_prefix("__h")?.parse().ok()
}

/// The template's tree with the leaves in its holes.
fn fill(template: &Template, leaves: Vec<Leaf>) -> syn::File {
    let mut file = template.file.clone();
    let mut filler = Fill {
        holes: template.holes.iter(),
        leaves: leaves.into_iter().map(Some).collect(),
    };
    filler.visit_file_mut(&mut file);
    file
}

/// Notes, for each identifier and string literal of a template in the order a visitor meets
/// them, the hole it is, if any.
struct Record {
    holes: Vec<Option<u32>>,
}

impl Record {
    fn tokens(&mut self, tokens: &TokenStream) {
        for tree in tokens.clone() {
            match tree {
                TokenTree::Group(group) => self.tokens(&group.stream()),
                TokenTree::Ident(ident) => self.holes.push(hole_index(&ident.to_string())),
                TokenTree::Literal(literal) => self
                    .holes
                    .push(hole_index(literal.to_string().trim_matches('"'))),
                TokenTree::Punct(_) => {}
            }
        }
    }
}

// syn generates `Visit` and `VisitMut` from one description of its tree, so both meet the
// identifiers and strings of a tree in the same order.
impl Visit<'_> for Record {
    fn visit_ident(&mut self, ident: &Ident) {
        self.holes.push(hole_index(&ident.to_string()));
    }

    fn visit_lit_str(&mut self, lit: &syn::LitStr) {
        self.holes.push(hole_index(&lit.value()));
    }

    fn visit_macro(&mut self, mac: &syn::Macro) {
        self.visit_path(&mac.path);
        self.tokens(&mac.tokens);
    }

    fn visit_meta_list(&mut self, list: &syn::MetaList) {
        self.visit_path(&list.path);
        self.tokens(&list.tokens);
    }
}

/// Puts each leaf into its hole, visiting a copy of the template in the order [`Record`] did,
/// so it knows the hole at each identifier and string without reading them.
struct Fill<'a> {
    holes: std::slice::Iter<'a, Option<u32>>,
    leaves: Vec<Option<Leaf>>,
}

impl Fill<'_> {
    /// The leaf of the hole at the next identifier or string, if it is one.
    fn next_leaf(&mut self) -> Option<Leaf> {
        let hole = (*self.holes.next()?)?;
        self.leaves.get_mut(hole as usize)?.take()
    }

    /// Holes inside tokens syn keeps unparsed (macro bodies, attribute arguments).
    fn tokens(&mut self, tokens: &mut TokenStream) {
        let filled: TokenStream = std::mem::take(tokens)
            .into_iter()
            .map(|tree| match tree {
                TokenTree::Group(group) => {
                    let mut inner = group.stream();
                    self.tokens(&mut inner);
                    let mut filled = Group::new(group.delimiter(), inner);
                    filled.set_span(group.span());
                    TokenTree::Group(filled)
                }
                TokenTree::Ident(ident) => match self.next_leaf() {
                    Some(Leaf::Ident(leaf)) => TokenTree::Ident(leaf),
                    _ => TokenTree::Ident(ident),
                },
                TokenTree::Literal(literal) => match self.next_leaf() {
                    Some(Leaf::Str(leaf)) => TokenTree::Literal(leaf),
                    _ => TokenTree::Literal(literal),
                },
                punct => punct,
            })
            .collect();
        *tokens = filled;
    }
}

impl VisitMut for Fill<'_> {
    fn visit_ident_mut(&mut self, ident: &mut Ident) {
        if let Some(Leaf::Ident(leaf)) = self.next_leaf() {
            *ident = leaf;
        }
    }

    fn visit_lit_str_mut(&mut self, lit: &mut syn::LitStr) {
        // A string hole only ever holds a string literal.
        if let Some(Leaf::Str(leaf)) = self.next_leaf()
            && let syn::Lit::Str(leaf) = syn::Lit::new(leaf)
        {
            *lit = leaf;
        }
    }

    fn visit_macro_mut(&mut self, mac: &mut syn::Macro) {
        self.visit_path_mut(&mut mac.path);
        self.tokens(&mut mac.tokens);
    }

    fn visit_meta_list_mut(&mut self, list: &mut syn::MetaList) {
        self.visit_path_mut(&mut list.path);
        self.tokens(&mut list.tokens);
    }
}

#[cfg(test)]
pub(super) mod tests {
    use std::cell::Cell;

    use quote::{ToTokens, format_ident, quote};

    use super::*;

    thread_local! {
        /// Set by tests that compare output with templates against output without them.
        pub static DIRECT: Cell<bool> = const { Cell::new(false) };
    }

    /// Parses through `templates` and directly, and checks both give the same tree.
    fn same_tree(templates: &mut Templates, tokens: TokenStream) -> (syn::File, syn::File) {
        let direct: syn::File = syn::parse2(tokens.clone()).expect("the test's tokens parse");
        let through = templates
            .parse(tokens)
            .expect("templates parse what syn parses");
        assert_eq!(
            through.to_token_stream().to_string(),
            direct.to_token_stream().to_string()
        );
        (through, direct)
    }

    /// As [`same_tree`], and both are formatted alike.
    fn same_as_syn(templates: &mut Templates, tokens: TokenStream) {
        let (through, direct) = same_tree(templates, tokens);
        assert_eq!(
            prettyplease::unparse(&through),
            prettyplease::unparse(&direct)
        );
    }

    /// Items of many kinds, each in a version with the given names and texts.
    fn items(n: usize) -> Vec<TokenStream> {
        let name = format_ident!("Item{}", n);
        let method = format_ident!("method_{}", n);
        let raw = syn::Ident::new_raw(
            if n.is_multiple_of(2) { "type" } else { "match" },
            Span::call_site(),
        );
        let text = format!(" Text number {n}, with \"quotes\" and a \\ backslash.");
        let path = format!("/tenant{n}/me/photo");
        vec![
            quote! {
                #[doc = #text]
                #[derive(Clone, Debug)]
                pub struct #name(rt::Node);
                impl #name {
                    /// A method.
                    pub fn #method(&self, #raw: &str) -> #name {
                        #name(self.0.literal(#path))
                    }
                }
            },
            quote! {
                pub static #name: OperationSpec = OperationSpec { id: #text, path: #path, status: 200 };
            },
            quote! {
                pub type #name = Call<#method>;
            },
            // Holes inside a macro's tokens.
            quote! {
                fn #method() { println!(#path, #name); }
            },
            // Contextual keywords keep their meaning.
            quote! {
                union #name { a: u32 }
                impl Default for #name { default fn #method(&self) {} }
                fn #method() -> *const u8 { &raw const VALUE }
            },
            quote! {
                #![doc = #text]
            },
            quote! {
                impl<'a, T: Into<#name>> From<&'a T> for #name where T: Clone {
                    fn from(value: &'a T) -> Self { match value.status() { 200..=299 => Self::Ok, _ => Self::Other(#path) } }
                }
            },
        ]
    }

    #[test]
    fn items_of_one_shape_parse_as_syn_parses_them() {
        let mut templates = Templates::default();
        for n in 0..6 {
            for item in items(n) {
                same_as_syn(&mut templates, item);
            }
        }
        // Each kind of item is one shape (the raw identifier alternates but is a hole either way).
        assert_eq!(templates.templates.len(), items(0).len());
        assert!(
            templates
                .templates
                .values()
                .all(|entry| matches!(entry, Entry::Template(_)))
        );
    }

    #[test]
    fn numbers_stay_in_the_shape() {
        let mut templates = Templates::default();
        for field in 0..3_usize {
            let field = proc_macro2::Literal::usize_unsuffixed(field);
            same_as_syn(&mut templates, quote!(fn f(&self) -> u8 { self.#field }));
        }
        assert_eq!(templates.templates.len(), 3);
    }

    #[test]
    fn holes_syn_keeps_as_tokens_are_parsed_directly() {
        // A statement syn cannot parse into its tree stays verbatim, and so does its hole.
        let mut templates = Templates::default();
        for n in 0..3_usize {
            let name = format_ident!("value_{}", n);
            let pound = Punct::new('#', Spacing::Alone);
            // (prettyplease cannot format a verbatim expression, so only the trees are compared.)
            same_tree(
                &mut templates,
                quote!(fn f() { let _ = builtin #pound offset_of(Point, #name); }),
            );
        }
        assert_eq!(templates.templates.len(), 1);
        assert!(
            templates
                .templates
                .values()
                .all(|entry| matches!(entry, Entry::Unusable))
        );
    }

    #[test]
    fn invalid_tokens_are_an_error() {
        let mut templates = Templates::default();
        for _ in 0..2 {
            assert!(templates.parse(quote!(struct;)).is_err());
        }
    }
}
