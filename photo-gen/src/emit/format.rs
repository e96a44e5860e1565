//! Formatting emitted tokens a few items at a time.
//!
//! Turning tokens into a `syn::File` for prettyplease costs about as much memory as the tokens
//! themselves, and for a large spec both together ran to gigabytes. A [`FileSink`] instead
//! formats every few items as they are emitted and keeps only the text, so memory stays
//! bounded by one chunk (and one template per distinct item shape, see [`Templates`]) whatever
//! the size of the spec. prettyplease lays out each top-level item on its own, so the text is
//! the same as formatting the whole file at once.

use proc_macro2::TokenStream;

use super::templates::Templates;

/// Items formatted together; large enough to amortise parsing, small enough to stay in cache.
const ITEMS_PER_CHUNK: usize = 64;

/// Collects the items of one file and formats them chunk by chunk.
pub struct FileSink {
    text: String,
    pending: syn::File,
    pending_items: usize,
    templates: Templates,
}

impl FileSink {
    /// A file starting with `header` (comments, written as they are).
    pub fn new(header: &str) -> Self {
        FileSink {
            text: header.to_owned(),
            pending: empty_file(),
            pending_items: 0,
            templates: Templates::default(),
        }
    }

    /// Adds top-level tokens: one item, or file-level attributes (which must come first).
    pub fn item(&mut self, tokens: TokenStream) {
        match self.templates.parse(tokens) {
            Ok(file) => {
                self.pending.attrs.extend(file.attrs);
                self.pending.items.extend(file.items);
            }
            Err(error) => {
                self.flush();
                self.text.push_str(&invalid(&error));
                return;
            }
        }
        self.pending_items += 1;
        if self.pending_items >= ITEMS_PER_CHUNK {
            self.flush();
        }
    }

    /// Adds one item with many children (a trait with a method per operation, a function with
    /// a statement per route), formatting the children a chunk at a time as they are built.
    ///
    /// `wrap` builds the item around some of its children. The item is formatted once without
    /// children to learn its opening text, then once per chunk; each chunk's text between the
    /// opening and the closing brace is kept. If prettyplease ever lays a chunk out differently
    /// (an opening that does not match), the whole item is formatted at once instead, from a
    /// second pass over `children`.
    pub fn container<I>(&mut self, wrap: impl Fn(TokenStream) -> TokenStream, children: I)
    where
        I: IntoIterator<Item = TokenStream> + Clone,
    {
        self.flush();
        let empty = format(wrap(TokenStream::new()));
        let Some(head) = empty.strip_suffix("{}\n") else {
            self.text
                .push_str(&format(wrap(children.into_iter().collect())));
            return;
        };
        let open = format!("{head}{{\n");
        let mark = self.text.len();
        self.text.push_str(&open);
        let mut pending = children.clone().into_iter();
        let mut chunks = 0;
        loop {
            let chunk: Vec<TokenStream> = pending.by_ref().take(ITEMS_PER_CHUNK).collect();
            if chunk.is_empty() {
                break;
            }
            chunks += 1;
            let text = self.container_chunk(&wrap, chunk);
            match text
                .strip_prefix(open.as_str())
                .and_then(|rest| rest.strip_suffix("}\n"))
            {
                Some(inner) => self.text.push_str(inner),
                None => {
                    self.text.truncate(mark);
                    self.text
                        .push_str(&format(wrap(children.into_iter().collect())));
                    return;
                }
            }
        }
        if chunks == 0 {
            self.text.truncate(mark);
            self.text.push_str(&empty);
            return;
        }
        self.text.push_str("}\n");
    }

    /// The formatted file.
    pub fn finish(mut self) -> String {
        self.flush();
        self.text
    }

    fn flush(&mut self) {
        if self.pending_items == 0 {
            return;
        }
        let file = std::mem::replace(&mut self.pending, empty_file());
        self.pending_items = 0;
        self.text.push_str(&prettyplease::unparse(&file));
    }

    /// One item around some of a container's children, formatted: each child is parsed inside
    /// the item on its own (so it meets the template of its shape) and the children are then
    /// gathered into one item. Where the item is not one whose children can be gathered, the
    /// chunk is parsed as one.
    fn container_chunk(
        &mut self,
        wrap: &impl Fn(TokenStream) -> TokenStream,
        chunk: Vec<TokenStream>,
    ) -> String {
        let mut gathered: Option<syn::Item> = None;
        for child in &chunk {
            let parsed = self.templates.parse(wrap(child.clone()));
            // A child that does not parse: the whole chunk is parsed as one below, so the error
            // is reported instead of the children after it going missing.
            let Ok(mut file) = parsed else {
                gathered = None;
                break;
            };
            let (Some(item), None, true) =
                (file.items.pop(), file.items.first(), file.attrs.is_empty())
            else {
                gathered = None;
                break;
            };
            match &mut gathered {
                None => gathered = Some(item),
                Some(into) => {
                    if !gather(into, item) {
                        gathered = None;
                        break;
                    }
                }
            }
        }
        match gathered {
            Some(item) => {
                let mut file = empty_file();
                file.items.push(item);
                prettyplease::unparse(&file)
            }
            None => format(wrap(chunk.into_iter().collect())),
        }
    }
}

/// Moves the children of `item` (a trait's or an impl's items, a module's items, a
/// function's statements) to the end of `into`'s, if both are the same kind of container.
fn gather(into: &mut syn::Item, item: syn::Item) -> bool {
    match (into, item) {
        (syn::Item::Trait(into), syn::Item::Trait(item)) => into.items.extend(item.items),
        (syn::Item::Impl(into), syn::Item::Impl(item)) => into.items.extend(item.items),
        (syn::Item::Fn(into), syn::Item::Fn(item)) => into.block.stmts.extend(item.block.stmts),
        (syn::Item::Mod(into), syn::Item::Mod(item)) => match (&mut into.content, item.content) {
            (Some((_, into)), Some((_, items))) => into.extend(items),
            _ => return false,
        },
        _ => return false,
    }
    true
}

fn empty_file() -> syn::File {
    syn::File {
        shebang: None,
        frontmatter: None,
        attrs: Vec::new(),
        items: Vec::new(),
    }
}

/// Formats tokens as a file. The emitters only build syntax through `quote!`, so a parse
/// failure is a bug in photo-gen; the tokens are then kept unformatted so the compiler points
/// at the problem instead of photo-gen panicking.
pub fn format(tokens: TokenStream) -> String {
    match syn::parse2::<syn::File>(tokens) {
        Ok(file) => prettyplease::unparse(&file),
        Err(error) => invalid(&error),
    }
}

/// The text that stands for tokens that do not parse.
fn invalid(error: &syn::Error) -> String {
    format!(
        "compile_error!({:?});\n",
        format!("photo-gen emitted invalid Rust: {error}")
    )
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;

    fn whole(tokens: TokenStream) -> String {
        format(tokens)
    }

    #[test]
    fn chunked_items_format_like_the_whole_file() {
        let items: Vec<TokenStream> = (0..150_u32)
            .map(|n| {
                let name = quote::format_ident!("Item{}", n);
                quote! {
                    /// An item.
                    pub struct #name { pub field: Option<Vec<String>> }
                }
            })
            .collect();
        let mut sink = FileSink::new("// header\n");
        sink.item(quote!(#![allow(dead_code)]));
        for item in &items {
            sink.item(item.clone());
        }
        let expected = whole(quote!(#![allow(dead_code)] #(#items)*));
        assert_eq!(sink.finish(), format!("// header\n{expected}"));
    }

    #[test]
    fn a_container_formats_like_the_whole_item() {
        let wrap = |methods: TokenStream| {
            quote! {
                /// The trait.
                pub trait Api: Send + Sync + 'static { #methods }
            }
        };
        let methods: Vec<TokenStream> = (0..200_u32)
            .map(|n| {
                let name = quote::format_ident!("method_{}", n);
                quote! {
                    /// A method with a long enough signature to wrap over several lines.
                    fn #name(&self, context: crate::runtime::server::RequestContext, request: String) -> impl std::future::Future<Output = u16> + Send;
                }
            })
            .collect();
        let expected = whole(wrap(methods.iter().cloned().collect()));
        let mut sink = FileSink::new("");
        sink.container(wrap, methods.iter().cloned());
        assert_eq!(sink.finish(), expected);

        let mut empty = FileSink::new("");
        empty.container(wrap, Vec::<TokenStream>::new());
        assert_eq!(empty.finish(), whole(wrap(TokenStream::new())));
    }

    #[test]
    fn invalid_tokens_become_a_compile_error() {
        assert!(format(quote!(struct;)).starts_with("compile_error!"));
    }
}
