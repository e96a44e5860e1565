//! The typed client: fluent navigation over the path tree, one call builder per operation
//! (awaitable directly), one response enum per operation, and typed binary bodies.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::models::rust_type;
use super::operations::static_name;
use super::shapes::Shapes;
use super::tree::{Step, Tree, accessor_names};
use super::{RustFile, docs, ident, number, response_name, use_exported};
use crate::model::{
    Api, BodyContent, Operation, Param, ParamLocation, Response, Status, TypeKind, TypeRef,
    template_text,
};
use crate::names;

pub const ROOT: &str = "ApiClient";

/// `client.rs`: a navigation type per path-tree node, the binary body types, then each
/// operation's call and response types.
pub fn emit(api: &Api, rt: &syn::Path, file: &mut RustFile) {
    let tree = Tree::build(api, ROOT);
    // Operations with the same parameters, body and responses share their call and response
    // types (see `shapes`).
    let shapes = Shapes::of(api, |op| {
        let params: Vec<_> = op
            .params
            .iter()
            .filter(|param| param.location != ParamLocation::Path)
            .collect();
        (params, &op.body, &op.responses, &op.pageable)
    });
    file.add(preamble(rt));
    if api.servers.is_some() {
        file.add(quote! {
            /// A runtime client builder whose base URL is the description's server,
            /// [`DEFAULT_BASE_URL`]; point it elsewhere (an emulator) with `.base_url(…)`.
            pub fn client_builder() -> rt::ClientBuilder {
                rt::Client::builder().base_url(DEFAULT_BASE_URL)
            }
        });
    }
    for index in 0..tree.nodes.len() {
        file.add(navigation(api, &tree, index));
    }
    file.add(binary_bodies(api, rt));
    for (index, op) in api.operations.iter().enumerate() {
        file.add(shapes.type_item(
            api,
            index,
            call_name,
            ("A prepared call of", "parameters and answers"),
            |_| call(op),
        ));
        file.add(shapes.type_item(
            api,
            index,
            response_name,
            ("What succeeded for", "answers"),
            |shared| response_enum(op, rt, shared),
        ));
    }
}

/// The module's attributes and imports, and the generic call type.
fn preamble(rt: &syn::Path) -> TokenStream {
    let exported = use_exported(rt, &["bytes", "futures_util", "serde_json"]);
    quote! {
        //! The typed client.
        #![allow(clippy::large_enum_variant)]
        // Every schema type, whichever this spec's operations use.
        #[allow(unused_imports)]
        use super::models::*;
        // The runtime's client side, under a short name: every item here is glue over it.
        use #rt::client as rt;
        #exported

        /// A prepared call of one operation: set its optional parameters, then `.await` it (or
        /// call `send`). Each operation's call type (`GetMyPhotoCall`, ...) names this with its
        /// response type.
        #[must_use = "a call does nothing until it is awaited"]
        pub struct Call<R>(rt::Call<R>);

        impl<R: rt::ReadResponse> Call<R> {
            /// Sends the request and reads the response.
            pub async fn send(self) -> Result<R, rt::Error> {
                self.0.send().await
            }
        }

        impl<R: rt::ReadResponse> std::future::IntoFuture for Call<R> {
            type Output = Result<R, rt::Error>;
            type IntoFuture = rt::CallFuture<R>;
            fn into_future(self) -> Self::IntoFuture {
                self.0.into_future()
            }
        }
    }
}

/// The navigation type of tree node `index`: its accessors to the nodes below and a method
/// per operation on its path.
fn navigation(api: &Api, tree: &Tree, index: usize) -> TokenStream {
    let node = &tree.nodes[index];
    let name = ident(&node.type_name);
    let children = node
        .children
        .iter()
        .zip(accessor_names(tree, node))
        .map(|(&child, method)| accessor(api, tree, child, &method));
    let operations = node.operations.iter().map(|op| operation_method(api, op));
    let doc = if index == 0 {
        quote! {
            /// The entry point: navigate from here to an operation, e.g.
            /// `client.me().photo().get().await`.
            ///
            /// Wraps a configured runtime client (base URL, token provider, retries).
        }
    } else {
        let text = super::doc_literal(&format!(" Requests under `{}`.", node.path));
        quote!(#[doc = #text])
    };
    let constructor = (index == 0).then(|| {
        quote! {
            /// Uses `client` for every call.
            pub fn new(client: rt::Client) -> Self {
                Self(rt::Node::root(client))
            }

            /// The runtime client behind this API.
            pub fn http(&self) -> &rt::Client {
                self.0.client()
            }
        }
    });
    quote! {
        #doc
        #[derive(Clone)]
        pub struct #name(rt::Node);

        impl #name {
            #constructor
            #(#children)*
            #(#operations)*
        }
    }
}

fn accessor(api: &Api, tree: &Tree, child: usize, method: &str) -> TokenStream {
    let node = &tree.nodes[child];
    let ty = ident(&node.type_name);
    let doc = super::doc_literal(&format!(" `{}`", node.path));
    let method = ident(method);
    match &node.step {
        Some(Step::Literal(literal)) => {
            let literal = super::string_literal(literal);
            quote! {
                #[doc = #doc]
                pub fn #method(&self) -> #ty {
                    #ty(self.0.literal(#literal))
                }
            }
        }
        Some(Step::Param(param)) => {
            let arg = ident(&param.rust_name);
            let (arg_ty, value) = param_arg(api, &param.ty, &arg);
            quote! {
                #[doc = #doc]
                pub fn #method(&self, #arg: #arg_ty) -> #ty {
                    #ty(self.0.key(#value))
                }
            }
        }
        Some(Step::Template(parts, params)) => {
            let template = super::string_literal(&template_text(parts, str::to_owned));
            let (args, values): (Vec<_>, Vec<_>) = params
                .iter()
                .map(|param| {
                    let arg = ident(&param.rust_name);
                    let (arg_ty, _) = param_arg(api, &param.ty, &arg);
                    (quote!(#arg: #arg_ty), arg)
                })
                .unzip();
            quote! {
                #[doc = #doc]
                pub fn #method(&self, #(#args),*) -> #ty {
                    #ty(self.0.template(#template, &[#(&#values),*]))
                }
            }
        }
        None => quote!(),
    }
}

/// How a path parameter is taken: keys by reference, enums and numbers by value, text as `&str`.
fn param_arg(api: &Api, ty: &TypeRef, arg: &syn::Ident) -> (TokenStream, TokenStream) {
    match ty {
        TypeRef::String => (quote!(&str), quote!(#arg)),
        TypeRef::Named(name)
            if !matches!(
                api.named_type(name).map(|named| &named.kind),
                Some(TypeKind::StringEnum { .. })
            ) =>
        {
            let ty = rust_type(ty);
            (quote!(&#ty), quote!(#arg))
        }
        other => (rust_type(other), quote!(&#arg)),
    }
}

fn call_name(op: &Operation) -> syn::Ident {
    format_ident!("{}Call", op.type_name)
}

/// Required arguments of an operation method: required query/header parameters and the body.
fn required_args(op: &Operation) -> (Vec<&Param>, bool) {
    let params = op
        .params
        .iter()
        .filter(|p| p.location != ParamLocation::Path && p.required)
        .collect();
    (params, op.body.as_ref().is_some_and(|body| body.required))
}

fn body_type(op: &Operation) -> Option<TokenStream> {
    op.body.as_ref().map(|body| match &body.content {
        BodyContent::Binary { .. } => {
            let name = ident(&body.rust_name);
            quote!(#name)
        }
        BodyContent::Json { ty, .. } => rust_type(ty),
    })
}

fn operation_method(api: &Api, op: &Operation) -> TokenStream {
    let method = ident(op.method.lower());
    let doc = docs::operation(api, op);
    let call = call_name(op);
    let op_static = static_name(op);
    let (required, body_required) = required_args(op);
    let args = required.iter().map(|param| {
        let name = ident(&param.rust_name);
        let ty = rust_type(&param.ty);
        quote!(#name: #ty)
    });
    let body_arg = body_required
        .then(|| body_type(op))
        .flatten()
        .map(|ty| quote!(body: #ty));
    let set_required = required.iter().map(|param| {
        let name = ident(&param.rust_name);
        let wire = &param.name;
        let adder = adder(param.location);
        quote!(.#adder(#wire, &#name))
    });
    let set_body = body_required.then(|| body_adder(op)).flatten();
    let all_args = args.chain(body_arg);
    let deprecated = op.deprecated.then(|| quote!(#[deprecated]));
    quote! {
        #doc
        #deprecated
        pub fn #method(&self, #(#all_args),*) -> #call {
            Call(self.0.call(&super::operations::#op_static) #(#set_required)* #set_body)
        }
    }
}

/// The runtime call method that sets a parameter of this location.
fn adder(location: ParamLocation) -> TokenStream {
    match location {
        ParamLocation::Query => quote!(query),
        _ => quote!(header),
    }
}

/// `.upload(body)` or `.json(&body)`, for a body in the variable `body`.
fn body_adder(op: &Operation) -> Option<TokenStream> {
    op.body.as_ref().map(|body| match &body.content {
        BodyContent::Binary { .. } => quote!(.upload(body)),
        BodyContent::Json { .. } => quote!(.json(&body)),
    })
}

/// The call type of one operation and the setters of its optional parameters and body.
fn call(op: &Operation) -> TokenStream {
    let call = call_name(op);
    let response = response_name(op);
    let setters = op
        .params
        .iter()
        .filter(|p| p.location != ParamLocation::Path && !p.required)
        .map(|param| {
            let name = ident(&param.rust_name);
            let wire = &param.name;
            let adder = adder(param.location);
            let doc = docs::parameter("Sets the", param);
            match &param.ty {
                TypeRef::Array(inner) => {
                    let inner = rust_type(inner);
                    quote! {
                        #doc
                        pub fn #name(self, values: impl IntoIterator<Item = #inner>) -> Self {
                            Self(self.0.#adder(#wire, &values.into_iter().collect::<Vec<_>>()))
                        }
                    }
                }
                TypeRef::String => quote! {
                    #doc
                    pub fn #name(self, value: impl Into<String>) -> Self {
                        Self(self.0.#adder(#wire, &value.into()))
                    }
                },
                other => {
                    let ty = rust_type(other);
                    quote! {
                        #doc
                        pub fn #name(self, value: #ty) -> Self {
                            Self(self.0.#adder(#wire, &value))
                        }
                    }
                }
            }
        });
    let body_setter = op
        .body
        .as_ref()
        .filter(|body| !body.required)
        .and_then(|_| body_type(op).zip(body_adder(op)))
        .map(|(ty, add)| {
            quote! {
                /// Sets the request body.
                pub fn body(self, body: #ty) -> Self {
                    Self(self.0 #add)
                }
            }
        });
    let setters: Vec<TokenStream> = setters.chain(body_setter).chain(items(op)).collect();
    let doc = format!(
        " A prepared `{} {}` call (`{}`).",
        op.method.upper(),
        op.path,
        op.id
    );
    let impl_block = (!setters.is_empty()).then(|| {
        quote! {
            impl #call {
                #(#setters)*
            }
        }
    });
    quote! {
        #[doc = #doc]
        pub type #call = Call<#response>;
        #impl_block
    }
}

/// For a paged list (`x-ms-pageable`), `items`: a stream of every item of every page, which
/// the runtime fetches; this only says where a page's items and next link are.
fn items(op: &Operation) -> Option<TokenStream> {
    let paging = op.pageable.as_ref()?;
    let response = response_name(op);
    let variant = ident(&paging.variant);
    let item = rust_type(&paging.item_ty);
    let items_field = ident(&paging.items.1);
    let items = if paging.items_optional {
        quote!(body.#items_field.unwrap_or_default())
    } else {
        quote!(body.#items_field)
    };
    let next_link = match &paging.next_link {
        Some((_, field)) if paging.next_link_optional => {
            let field = ident(field);
            quote!(body.#field)
        }
        Some((_, field)) => {
            let field = ident(field);
            quote!(Some(body.#field))
        }
        None => quote!(None),
    };
    let successes = op
        .responses
        .iter()
        .filter(|response| !response.status.is_error())
        .count();
    // Another success answer (say, `204`) has no items and ends the list.
    let others = (successes > 1).then(|| quote!(_ => rt::Page::default(),));
    let doc = super::doc_lines(&format!(
        "Every item of every page: sends this call, then follows each page's {} until a page has none. Each page is requested like the first (token, headers, retries); a next link to another host is refused. The stream ends after its first error.",
        paging.next_link.as_ref().map_or_else(
            || "next link".to_owned(),
            |(json_name, _)| format!("`{json_name}`")
        )
    ));
    Some(quote! {
        #doc
        pub fn items(self) -> impl futures_util::Stream<Item = Result<#item, rt::Error>> + Send + 'static {
            self.0.items(|answer| match answer {
                #response::#variant { body, .. } => rt::Page { items: #items, next_link: #next_link },
                #others
            })
        }
    })
}

/// The match pattern for a status. Codes are matched before ranges (see [`ordered`]), so a
/// specific code declared beside its range (`200` and `2XX`) wins.
fn status_pattern(status: Status) -> TokenStream {
    match status {
        Status::Code(code) => {
            let code = number(code);
            quote!(#code)
        }
        Status::Range(class) => {
            let low = number(u16::from(class) * 100);
            let high = number(u16::from(class) * 100 + 99);
            quote!(#low..=#high)
        }
        Status::Default => quote!(_),
    }
}

/// Match arms in the order that keeps them reachable: codes, then ranges, then default.
fn ordered(op: &Operation) -> Vec<&Response> {
    let mut responses: Vec<&Response> = op.responses.iter().collect();
    responses.sort_by_key(|response| match response.status {
        Status::Code(_) => 0,
        Status::Range(_) => 1,
        Status::Default => 2,
    });
    responses
}

/// How the client reads each declared status: success statuses become variants, error
/// statuses `Err`, and a status the spec does not declare an unexpected-response error.
fn read_arms(op: &Operation) -> Vec<TokenStream> {
    let mut arms = Vec::new();
    let mut errors: Vec<(u16, u16)> = Vec::new();
    for response in ordered(op) {
        if response.status.is_error() {
            match response.status {
                Status::Code(code) => errors.push((code, code)),
                Status::Range(class) => {
                    let low = u16::from(class) * 100;
                    errors.push((low, low + 99));
                }
                Status::Default => {}
            }
            continue;
        }
        let pattern = status_pattern(response.status);
        let variant = ident(&response.variant);
        let headers = response.headers.iter().map(|header| {
            let name = ident(&header.rust_name);
            let wire = &header.name;
            quote!(#name: response.header(#wire))
        });
        let status = (!matches!(response.status, Status::Code(_))).then(|| quote!(status,));
        let body = response.body.as_ref().map(|body| match body {
            BodyContent::Binary { .. } => quote!(body: response.download(),),
            BodyContent::Json { .. } => quote!(body: response.json().await?,),
        });
        let bound = if status.is_some() {
            quote!(status @ #pattern)
        } else {
            pattern
        };
        if response.headers.is_empty() && response.body.is_none() && status.is_none() {
            arms.push(quote!(#bound => Ok(Self::#variant),));
        } else {
            // Headers are read before the body consumes the response.
            arms.push(quote!(#bound => Ok(Self::#variant { #(#headers,)* #status #body }),));
        }
    }
    let declares_default = op
        .responses
        .iter()
        .any(|response| response.status == Status::Default);
    if declares_default {
        // `default` covers every other status, the declared error codes included.
        arms.push(quote!(_ => Err(response.into_error().await),));
        return arms;
    }
    let errors = merged(errors).into_iter().map(|(low, high)| {
        let (low_lit, high_lit) = (number(low), number(high));
        if low == high {
            quote!(#low_lit)
        } else {
            quote!(#low_lit..=#high_lit)
        }
    });
    if errors.len() > 0 {
        arms.push(quote!(#(#errors)|* => Err(response.into_error().await),));
    }
    arms.push(quote!(_ => Err(response.unexpected().await),));
    arms
}

/// Status intervals merged where they overlap or touch: `412`, `4XX` and `5XX` read as one
/// `400..=599`.
fn merged(mut intervals: Vec<(u16, u16)>) -> Vec<(u16, u16)> {
    intervals.sort_unstable();
    let mut out: Vec<(u16, u16)> = Vec::new();
    for (low, high) in intervals {
        match out.last_mut() {
            Some(last) if low <= last.1.saturating_add(1) => last.1 = last.1.max(high),
            _ => out.push((low, high)),
        }
    }
    out
}

fn response_enum(op: &Operation, rt: &syn::Path, shared: bool) -> TokenStream {
    let name = response_name(op);
    let variants = op
        .responses
        .iter()
        .filter(|response| !response.status.is_error())
        .map(|response| {
            let variant = ident(&response.variant);
            let doc = super::doc_lines(&format!(
                "{}: {}",
                status_text(response.status),
                response.description
            ));
            let headers = response.headers.iter().map(|header| {
                let field = ident(&header.rust_name);
                let doc = super::doc_lines(&format!(
                    "The `{}` header.{}",
                    header.name,
                    header
                        .description
                        .as_ref()
                        .map(|d| format!(" {d}"))
                        .unwrap_or_default()
                ));
                quote!(#doc #field: Option<String>)
            });
            let status = (!matches!(response.status, Status::Code(_))).then(|| {
                quote!(/// The status code received.
            status: u16,)
            });
            let body = response.body.as_ref().map(|body| match body {
                BodyContent::Binary { .. } => quote!(/// The content, to read whole or stream.
                body: #rt::client::Download,),
                BodyContent::Json { ty, .. } => {
                    let ty = rust_type(ty);
                    quote!(/// The decoded body.
                    body: #ty,)
                }
            });
            if response.headers.is_empty() && response.body.is_none() && status.is_none() {
                quote!(#doc #variant)
            } else {
                quote!(#doc #variant { #(#headers,)* #status #body })
            }
        });
    let doc = format!(
        " What `{} {}` answered with a success status{}. Error statuses come back as `Err`.",
        op.method.upper(),
        op.path,
        if shared {
            ", and every operation whose response type is an alias of this one"
        } else {
            ""
        }
    );
    let arms = read_arms(op);
    // A lone arm is `default`'s, when the operation declares no success: nothing to tell apart.
    let read = if arms.len() == 1 {
        quote!(Err(response.into_error().await))
    } else {
        quote!(match response.status() { #(#arms)* })
    };
    quote! {
        #[doc = #doc]
        #[derive(Debug)]
        pub enum #name { #(#variants,)* }

        impl rt::ReadResponse for #name {
            async fn read(response: rt::ApiResponse) -> Result<Self, rt::Error> {
                #read
            }
        }
    }
}

pub fn status_text(status: Status) -> String {
    match status {
        Status::Code(code) => code.to_string(),
        Status::Range(class) => format!("{class}XX"),
        Status::Default => "Any other status".into(),
    }
}

/// One type per binary request body: constructors per media type check the content and the
/// size limit, so an unchecked byte buffer cannot be sent.
fn binary_bodies(api: &Api, rt: &syn::Path) -> TokenStream {
    let mut seen = BTreeSet::new();
    let bodies = api.operations.iter().filter_map(|op| op.body.as_ref()).filter_map(|body| match &body.content {
        BodyContent::Binary { media_types } if seen.insert(body.rust_name.clone()) => Some((body, media_types)),
        _ => None,
    }).map(|(body, media_types)| {
        let name = ident(&body.rust_name);
        let constructors = media_types.iter().map(|media_type| {
            let word = names::snake(media_type.rsplit('/').next().unwrap_or(media_type)).unwrap_or_else(|| "bytes".into());
            let word = word.trim_start_matches("r#");
            let from_bytes = format_ident!("from_{}", word);
            let from_file = format_ident!("from_{}_file", word);
            let from_stream = format_ident!("from_{}_stream", word);
            let doc_bytes = format!(" `{media_type}` content in memory: checks the size limit and, for JPEG, PNG and GIF, the content's signature. Retried when throttled.");
            let doc_file = format!(" A `{media_type}` file, streamed from disk: checks the size limit and, for JPEG, PNG and GIF, the signature first. Retried when throttled (the file is read again).");
            let doc_stream = format!(" A `{media_type}` stream of unknown origin. Sent once: a stream cannot be replayed, so throttled calls are not retried.");
            quote! {
                #[doc = #doc_bytes]
                pub fn #from_bytes(bytes: impl Into<bytes::Bytes>) -> Result<Self, #rt::client::PhotoError> {
                    #rt::client::Upload::from_bytes(bytes, #media_type, MAX_REQUEST_BYTES).map(Self)
                }

                #[doc = #doc_file]
                pub async fn #from_file(path: impl AsRef<std::path::Path>) -> Result<Self, #rt::client::PhotoError> {
                    #rt::client::Upload::from_file(path, #media_type, MAX_REQUEST_BYTES).await.map(Self)
                }

                #[doc = #doc_stream]
                pub fn #from_stream(
                    stream: impl futures_util::Stream<Item = Result<bytes::Bytes, std::io::Error>> + Send + 'static,
                    len: Option<u64>,
                ) -> Self {
                    Self(#rt::client::Upload::from_stream(stream, len, #media_type, MAX_REQUEST_BYTES))
                }
            }
        });
        let doc = super::doc_lines(&format!("{} Accepts {}.", body.description.as_deref().unwrap_or("A binary request body."), media_types.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")));
        quote! {
            #doc
            #[derive(Debug)]
            pub struct #name(#rt::client::Upload);

            impl #name {
                #(#constructors)*

                /// The media type sent as `Content-Type`.
                pub fn media_type(&self) -> &str {
                    self.0.media_type()
                }
            }

            impl From<#name> for #rt::client::Upload {
                fn from(body: #name) -> Self {
                    body.0
                }
            }
        }
    });
    quote!(#(#bodies)*)
}
