//! The typed client: fluent navigation over the path tree, one call builder per operation
//! (awaitable directly), one response enum per operation, and typed binary bodies.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::models::rust_type;
use super::operations::static_name;
use super::tree::{Step, Tree, literal_method, param_method};
use super::{docs, ident, number};
use crate::model::{
    Api, BodyContent, Operation, Param, ParamLocation, Response, Status, TypeKind, TypeRef,
};
use crate::names;

pub const ROOT: &str = "ApiClient";

pub fn emit(api: &Api, rt: &syn::Path) -> TokenStream {
    let tree = Tree::build(api, ROOT);
    let nodes = tree.nodes.iter().enumerate().map(|(index, node)| {
        let name = ident(&node.type_name);
        let children = node
            .children
            .iter()
            .map(|&child| accessor(api, &tree, child, rt));
        let operations = node.operations.iter().map(|op| operation_method(api, op));
        let doc = if index == 0 {
            quote! {
                /// The entry point: navigate from here to an operation, e.g.
                /// `client.me().photo().get().await`.
                ///
                /// Wraps a configured runtime client (base URL, token provider, retries).
            }
        } else {
            let text = format!(" Requests under `{}`.", node.path);
            quote!(#[doc = #text])
        };
        let constructor = (index == 0).then(|| {
            quote! {
                /// Uses `client` for every call.
                pub fn new(client: #rt::client::Client) -> Self {
                    Self { client, path: #rt::path::PathBuilder::new() }
                }

                /// The runtime client behind this API.
                pub fn http(&self) -> &#rt::client::Client {
                    &self.client
                }
            }
        });
        quote! {
            #doc
            #[derive(Clone)]
            pub struct #name {
                client: #rt::client::Client,
                path: #rt::path::PathBuilder,
            }

            impl #name {
                #constructor
                #(#children)*
                #(#operations)*
            }
        }
    });
    let calls = api.operations.iter().map(|op| call(op, rt));
    let bodies = binary_bodies(api, rt);
    quote! {
        //! The typed client.
        #![allow(clippy::large_enum_variant)]
        // Every schema type, whichever this spec's operations use.
        #[allow(unused_imports)]
        use super::models::*;

        #(#nodes)*
        #bodies
        #(#calls)*
    }
}

fn accessor(api: &Api, tree: &Tree, child: usize, rt: &syn::Path) -> TokenStream {
    let node = &tree.nodes[child];
    let ty = ident(&node.type_name);
    let doc = format!(" `{}`", node.path);
    match &node.step {
        Some(Step::Literal(literal)) => {
            let method = ident(&literal_method(literal));
            quote! {
                #[doc = #doc]
                pub fn #method(&self) -> #ty {
                    #ty { client: self.client.clone(), path: self.path.clone().literal(#literal) }
                }
            }
        }
        Some(Step::Param(param)) => {
            let method = ident(&param_method(param));
            let arg = ident(&param.rust_name);
            let (arg_ty, value) = param_arg(api, &param.ty, &arg);
            quote! {
                #[doc = #doc]
                pub fn #method(&self, #arg: #arg_ty) -> #ty {
                    #ty { client: self.client.clone(), path: self.path.clone().key(&#rt::param::ToParam::to_param(#value)) }
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

pub fn response_name(op: &Operation) -> syn::Ident {
    format_ident!("{}Response", op.type_name)
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
    let fields = op
        .params
        .iter()
        .filter(|p| p.location != ParamLocation::Path)
        .map(|param| {
            let name = ident(&param.rust_name);
            if param.required {
                quote!(#name)
            } else {
                quote!(#name: None)
            }
        });
    let body_field = op.body.as_ref().map(|_| {
        if body_required {
            quote!(body: Some(body))
        } else {
            quote!(body: None)
        }
    });
    let all_args = args.chain(body_arg);
    let deprecated = op.deprecated.then(|| quote!(#[deprecated]));
    quote! {
        #doc
        #deprecated
        pub fn #method(&self, #(#all_args),*) -> #call {
            #call { client: self.client.clone(), path: self.path.clone(), #(#fields,)* #body_field }
        }
    }
}

fn call(op: &Operation, rt: &syn::Path) -> TokenStream {
    let call = call_name(op);
    let response = response_name(op);
    let op_static = static_name(op);
    let non_path: Vec<&Param> = op
        .params
        .iter()
        .filter(|p| p.location != ParamLocation::Path)
        .collect();
    let fields = non_path.iter().map(|param| {
        let name = ident(&param.rust_name);
        let ty = rust_type(&param.ty);
        if param.required {
            quote!(#name: #ty)
        } else {
            quote!(#name: Option<#ty>)
        }
    });
    let body_ty = body_type(op);
    let body_field = body_ty.as_ref().map(|ty| quote!(body: Option<#ty>,));
    let setters = non_path.iter().filter(|p| !p.required).map(|param| {
        let name = ident(&param.rust_name);
        let doc = super::doc_lines(&format!("Sets the {} parameter `{}`.{}", location_word(param.location), param.name, param.description.as_ref().map(|d| format!(" {d}")).unwrap_or_default()));
        match &param.ty {
            TypeRef::Array(inner) => {
                let inner = rust_type(inner);
                quote! { #doc pub fn #name(mut self, values: impl IntoIterator<Item = #inner>) -> Self { self.#name = Some(values.into_iter().collect()); self } }
            }
            TypeRef::String => quote! { #doc pub fn #name(mut self, value: impl Into<String>) -> Self { self.#name = Some(value.into()); self } },
            other => {
                let ty = rust_type(other);
                quote! { #doc pub fn #name(mut self, value: #ty) -> Self { self.#name = Some(value); self } }
            }
        }
    });
    let body_setter = op
        .body
        .as_ref()
        .filter(|body| !body.required)
        .and(body_ty.as_ref())
        .map(|ty| {
            quote! {
                /// Sets the request body.
                pub fn body(mut self, body: #ty) -> Self { self.body = Some(body); self }
            }
        });
    let add_params = non_path.iter().map(|param| {
        let name = ident(&param.rust_name);
        let wire = &param.name;
        let adder = match param.location {
            ParamLocation::Query => quote!(query),
            _ => quote!(header),
        };
        if param.required {
            quote!(request = request.#adder(#wire, #rt::param::ToParam::to_param(&self.#name));)
        } else {
            quote!(if let Some(value) = &self.#name { request = request.#adder(#wire, #rt::param::ToParam::to_param(value)); })
        }
    });
    let add_body = op.body.as_ref().map(|body| match &body.content {
        BodyContent::Binary { .. } => quote!(if let Some(body) = self.body {
            request = request.upload(body.into());
        }),
        BodyContent::Json { .. } => quote!(if let Some(body) = &self.body {
            request = request.json(body)?;
        }),
    });
    let arms = response_arms(op, &response);
    let response_enum = response_enum(op, &response, rt);
    let doc = format!(
        " A prepared `{} {}` call: set optional parameters, then `.await` it (or call `send`).",
        op.method.upper(),
        op.path
    );
    let mutable = if non_path.is_empty() && op.body.is_none() {
        quote!()
    } else {
        quote!(mut)
    };
    quote! {
        #[doc = #doc]
        #[must_use = "a call does nothing until it is awaited"]
        pub struct #call {
            client: #rt::client::Client,
            path: #rt::path::PathBuilder,
            #(#fields,)*
            #body_field
        }

        impl #call {
            #(#setters)*
            #body_setter

            /// Sends the request and reads the response.
            pub async fn send(self) -> Result<#response, #rt::client::Error> {
                let #mutable request = #rt::client::ApiRequest::new(&super::operations::#op_static, self.path);
                #(#add_params)*
                #add_body
                let response = self.client.send(request).await?;
                match response.status() {
                    #(#arms)*
                }
            }
        }

        impl std::future::IntoFuture for #call {
            type Output = Result<#response, #rt::client::Error>;
            type IntoFuture = std::pin::Pin<Box<dyn std::future::Future<Output = Self::Output> + Send>>;
            fn into_future(self) -> Self::IntoFuture {
                Box::pin(self.send())
            }
        }

        #response_enum
    }
}

fn location_word(location: ParamLocation) -> &'static str {
    match location {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
    }
}

/// The match pattern for a status. Ranges are guards, so a specific code declared beside its
/// range (`200` and `2XX`) is matched first without overlapping patterns.
fn status_pattern(status: Status) -> TokenStream {
    match status {
        Status::Code(code) => {
            let code = number(code);
            quote!(#code)
        }
        Status::Range(class) => {
            let low = number(u16::from(class) * 100);
            let high = number(u16::from(class) * 100 + 99);
            quote!(status if (#low..=#high).contains(&status))
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

fn response_arms(op: &Operation, response_ty: &syn::Ident) -> Vec<TokenStream> {
    let mut arms: Vec<TokenStream> = ordered(op)
        .into_iter()
        .map(|response| {
            let pattern = status_pattern(response.status);
            if response.status.is_error() {
                return quote!(#pattern => Err(response.into_error().await),);
            }
            let variant = ident(&response.variant);
            let headers = response.headers.iter().map(|header| {
                let name = ident(&header.rust_name);
                let wire = &header.name;
                quote!(#name: response.header(#wire))
            });
            let status = (!matches!(response.status, Status::Code(_)))
                .then(|| quote!(status: response.status(),));
            let body = response.body.as_ref().map(|body| match body {
                BodyContent::Binary { .. } => quote!(body: response.download(),),
                BodyContent::Json { .. } => quote!(body: response.json().await?,),
            });
            if response.headers.is_empty() && response.body.is_none() && status.is_none() {
                quote!(#pattern => Ok(#response_ty::#variant),)
            } else {
                // Headers are read before the body consumes the response.
                quote!(#pattern => Ok(#response_ty::#variant { #(#headers,)* #status #body }),)
            }
        })
        .collect();
    if !op
        .responses
        .iter()
        .any(|response| response.status == Status::Default)
    {
        arms.push(quote!(_ => Err(response.unexpected().await),));
    }
    arms
}

fn response_enum(op: &Operation, name: &syn::Ident, rt: &syn::Path) -> TokenStream {
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
        " What `{} {}` answered with a success status. Error statuses come back as `Err`.",
        op.method.upper(),
        op.path
    );
    quote! {
        #[doc = #doc]
        #[derive(Debug)]
        pub enum #name { #(#variants,)* }
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
            let doc_bytes = format!(" `{media_type}` content in memory: checks the content's signature and the size limit. Retried when throttled.");
            let doc_file = format!(" A `{media_type}` file, streamed from disk: checks the signature and the size limit first. Retried when throttled (the file is read again).");
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
