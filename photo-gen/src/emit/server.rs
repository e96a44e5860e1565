//! The server stub: a typed request and a response enum per operation, one trait for the API,
//! and an axum router that validates each request (auth, media type, size, parameters) before
//! calling the implementation.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::client::status_text;
use super::models::rust_type;
use super::operations::static_name;
use super::shapes::Shapes;
use super::{RustFile, docs, ident, number};
use crate::model::{Api, BodyContent, Operation, ParamLocation, Segment, Status, TypeRef};

fn request_name(op: &Operation) -> syn::Ident {
    format_ident!("{}Request", op.type_name)
}

fn response_name(op: &Operation) -> syn::Ident {
    format_ident!("{}Response", op.type_name)
}

/// The axum capture name for a path parameter: its Rust name, which is always a plain word.
fn capture(op: &Operation, name: &str) -> String {
    op.params
        .iter()
        .find(|param| param.location == ParamLocation::Path && param.name == name)
        .map(|param| param.rust_name.trim_start_matches("r#").to_owned())
        .unwrap_or_else(|| name.to_owned())
}

fn route_path(op: &Operation) -> String {
    let mut path = String::new();
    for segment in &op.segments {
        path.push('/');
        match segment {
            Segment::Literal(literal) => path.push_str(literal),
            Segment::Param(name) => path.push_str(&format!("{{{}}}", capture(op, name))),
        }
    }
    if path.is_empty() { "/".into() } else { path }
}

/// `server.rs`: the `Api` trait, a request and a response type per operation, the router and
/// its route table.
pub fn emit(api: &Api, rt: &syn::Path, file: &mut RustFile) {
    // Each permission list is a static named after its first operation (see `operations`).
    let permissions = Shapes::of(api, |op| &op.security);
    let methods = api.operations.iter().enumerate().map(|(index, op)| {
        let name = ident(&op.fn_name);
        let request = request_name(op);
        let response = response_name(op);
        let list = static_name(&api.operations[permissions.first(index)]);
        let doc = docs::server_operation(op, &list);
        quote! {
            #doc
            fn #name(&self, context: rt::RequestContext, request: #request) -> impl std::future::Future<Output = #response> + Send;
        }
    });
    file.add(quote! {
        //! The server stub: implement [`Api`], then serve [`router`].
        #![allow(clippy::large_enum_variant)]
        use std::sync::Arc;

        use axum::response::IntoResponse;

        // Every schema type, whichever this spec's operations use.
        #[allow(unused_imports)]
        use super::models::*;
        // The runtime's server side, under a short name: every item here is glue over it.
        use #rt::server as rt;
    });
    file.add_container(
        |methods| {
            quote! {
                /// The API, one method per operation. The router calls a method only for a request that
                /// passed authentication, authorization and validation.
                pub trait Api: Send + Sync + 'static {
                    #methods
                }
            }
        },
        methods,
    );
    // Operations with the same parameters and body share a request type, and those with the
    // same responses a response type (see `shapes`).
    let requests = Shapes::of(api, |op| (&op.params, &op.body));
    let responses = Shapes::of(api, |op| &op.responses);
    for (index, op) in api.operations.iter().enumerate() {
        file.add(requests.type_item(
            api,
            index,
            request_name,
            ("The validated request of", "fields"),
            |shared| request(op, shared),
        ));
        file.add(responses.type_item(
            api,
            index,
            response_name,
            ("The answer to", "variants"),
            |shared| response(op, shared),
        ));
    }
    file.add(router(api));
    routes(api, file);
}

fn request(op: &Operation, shared: bool) -> TokenStream {
    let name = request_name(op);
    let fields = op.params.iter().map(|param| {
        let field = ident(&param.rust_name);
        let ty = rust_type(&param.ty);
        let doc = docs::parameter("The", param);
        if param.required || param.location == ParamLocation::Path {
            quote!(#doc pub #field: #ty)
        } else {
            quote!(#doc pub #field: Option<#ty>)
        }
    });
    let body = op.body.as_ref().map(|body| {
        let ty = match &body.content {
            BodyContent::Binary { .. } => quote!(rt::BinaryBody),
            BodyContent::Json { ty, .. } => rust_type(ty),
        };
        quote!(/// The request body.
            pub body: #ty,)
    });
    let doc = format!(
        " The validated request of `{} {}`{}.",
        op.method.upper(),
        op.path,
        if shared {
            ", and of every operation whose request type is an alias of this one"
        } else {
            ""
        }
    );
    let reads = op.params.iter().map(|param| {
        let field = ident(&param.rust_name);
        let wire = &param.name;
        let getter = match (param.location, &param.ty) {
            (ParamLocation::Path, _) => {
                let capture = capture(op, &param.name);
                return quote!(#field: incoming.path(#capture)?);
            }
            (ParamLocation::Query, TypeRef::Array(_)) => quote!(incoming.query_list(#wire)?),
            (ParamLocation::Query, _) => quote!(incoming.query(#wire)?),
            (ParamLocation::Header, _) => quote!(incoming.header(#wire)?),
        };
        if param.required {
            let kind = docs::location_word(param.location);
            quote!(#field: rt::required(#getter, #kind, #wire)?)
        } else {
            quote!(#field: #getter)
        }
    });
    let read_body = op.body.as_ref().map(|body| match &body.content {
        BodyContent::Binary { .. } => quote!(body: incoming.binary()?,),
        BodyContent::Json { .. } => quote!(body: incoming.json().await?,),
    });
    let incoming = if op.params.is_empty() && op.body.is_none() {
        quote!(_incoming)
    } else {
        quote!(incoming)
    };
    quote! {
        #[doc = #doc]
        pub struct #name { #(#fields,)* #body }

        impl rt::FromIncoming for #name {
            async fn from_incoming(#incoming: &mut rt::Incoming) -> Result<Self, rt::Rejection> {
                Ok(Self { #(#reads,)* #read_body })
            }
        }
    }
}

fn response(op: &Operation, shared: bool) -> TokenStream {
    let name = response_name(op);
    let mut variants = Vec::new();
    let mut arms = Vec::new();
    for response in &op.responses {
        let variant = ident(&response.variant);
        let doc = super::doc_lines(&format!(
            "{}: {}",
            status_text(response.status),
            response.description
        ));
        if response.status.is_error() {
            variants.push(quote!(#doc #variant(rt::Rejection)));
            arms.push(quote!(Self::#variant(rejection) => rejection.into_response()));
            continue;
        }
        let header_fields: Vec<syn::Ident> = response
            .headers
            .iter()
            .map(|header| ident(&header.rust_name))
            .collect();
        let header_names: Vec<&str> = response
            .headers
            .iter()
            .map(|header| header.name.as_str())
            .collect();
        let header_docs = response
            .headers
            .iter()
            .map(|header| super::doc_lines(&format!("The `{}` header.", header.name)));
        let status_field = (!matches!(response.status, Status::Code(_))).then(|| {
            quote!(/// The status code to send.
            status: u16,)
        });
        let status = match response.status {
            Status::Code(code) => {
                let code = number(code);
                quote!(rt::status(#code))
            }
            _ => quote!(rt::status(status)),
        };
        let status_binding = (!matches!(response.status, Status::Code(_))).then(|| quote!(status,));
        let (body_field, body_binding, render) = match &response.body {
            None => (
                None,
                None,
                quote!(rt::empty_response(#status, [#((#header_names, #header_fields)),*])),
            ),
            Some(BodyContent::Json { ty, .. }) => {
                let ty = rust_type(ty);
                (
                    Some(quote!(/// The body.
                    body: #ty,)),
                    Some(quote!(body,)),
                    quote!(rt::json_response(#status, &body, [#((#header_names, #header_fields)),*])),
                )
            }
            Some(BodyContent::Binary { .. }) => (
                Some(quote!(/// The content and its media type.
                body: rt::BinaryContent,)),
                Some(quote!(body,)),
                quote!(rt::binary_response(#status, body, [#((#header_names, #header_fields)),*])),
            ),
        };
        if response.headers.is_empty() && response.body.is_none() && status_field.is_none() {
            variants.push(quote!(#doc #variant));
            arms.push(quote!(Self::#variant => #render));
        } else {
            variants.push(quote!(#doc #variant { #(#header_docs #header_fields: Option<String>,)* #status_field #body_field }));
            arms.push(quote!(Self::#variant { #(#header_fields,)* #status_binding #body_binding } => #render));
        }
    }
    let doc = format!(
        " The answer to `{} {}`{}, one variant per status the spec declares.",
        op.method.upper(),
        op.path,
        if shared {
            " and to every operation whose response type is an alias of this one"
        } else {
            ""
        }
    );
    quote! {
        #[doc = #doc]
        pub enum #name { #(#variants,)* }

        impl IntoResponse for #name {
            fn into_response(self) -> axum::response::Response {
                match self { #(#arms,)* }
            }
        }
    }
}

/// `add_routes`: every operation routed to its method of the `Api`.
fn routes(api: &Api, file: &mut RustFile) {
    let routes = api.operations.iter().map(|op| {
        let path = super::string_literal(&route_path(op));
        let op_static = static_name(op);
        let method = ident(&op.fn_name);
        quote! {
            routes.add(#path, &super::operations::#op_static, A::#method);
        }
    });
    file.add_container(
        |routes| {
            quote! {
                /// Routes every operation to its method of `A`.
                fn add_routes<A: Api>(routes: &mut rt::Routes<A>) {
                    #routes
                }
            }
        },
        routes,
    );
}

fn router(api: &Api) -> TokenStream {
    // Server variables that are path segments (not whole roots) become path prefixes; the one
    // keyed by `x-request-size-limits` also sets the body limit under its prefix.
    let path_variable = api
        .servers
        .as_ref()
        .and_then(|servers| servers.variables.iter().find(|var| !var.is_root));
    let body = match path_variable {
        Some(var) => {
            let ty = ident(&var.rust_name);
            let set_limit = (!var.request_size_limits.is_empty())
                .then(|| quote!(config.max_request_bytes = value.max_request_bytes();));
            quote! {
                let mut router = axum::Router::new();
                for value in #ty::ALL {
                    #[allow(unused_mut)]
                    let mut config = config.clone();
                    #set_limit
                    let prefix = format!("/{}", value.as_str());
                    let mut routes = rt::Routes::new(router, &prefix, api.clone(), config);
                    add_routes(&mut routes);
                    router = routes.into_router();
                }
            }
        }
        None => quote! {
            let mut routes = rt::Routes::new(axum::Router::new(), "", api, config);
            add_routes(&mut routes);
            let router = routes.into_router();
        },
    };
    quote! {
        /// An axum router serving `api`: every operation of the spec under each server path
        /// prefix, Graph-shaped errors for everything refused, and the spec at `/openapi.yaml`.
        pub fn router<A: Api>(api: Arc<A>, config: rt::ServerConfig) -> axum::Router {
            #body
            rt::finish(router, super::operations::OPENAPI_YAML)
        }
    }
}
