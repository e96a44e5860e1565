//! The server stub: a typed request and a response enum per operation, the traits for the API
//! (see [`server_api`]), and an axum router that validates each request (auth, media type, size, parameters) before
//! calling the implementation.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};

use super::client::status_text;
use super::models::rust_type;
use super::operations::static_name;
use super::server_api::{self, error_responses, request_name};
use super::shapes::Shapes;
use super::{RustFile, docs, exported, ident, number, response_name, use_exported};
use crate::model::{
    Api, BodyContent, Operation, ParamLocation, Response, Segment, Status, TypeRef, template_text,
};

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
            // The runtime routes the segment as one capture and reads it against this text.
            Segment::Template(parts) => {
                path.push_str(&template_text(parts, |name| capture(op, name)));
            }
        }
    }
    if path.is_empty() { "/".into() } else { path }
}

/// `server.rs`: the preamble, the API traits, a request and a response type per operation, the
/// router and its route table.
pub fn emit(api: &Api, rt: &syn::Path, file: &mut RustFile) {
    preamble_and_traits(api, rt, file);
    types_and_routes(api, file);
}

fn preamble_and_traits(api: &Api, rt: &syn::Path, file: &mut RustFile) {
    let crates = use_exported(rt, &["axum", "bytes", "serde_json"]);
    let axum = exported(rt, "axum");
    file.add(quote! {
        //! The server stub: implement [`Api`] (or [`PartialApi`] for some operations only), then
        //! serve [`router`].
        #![allow(clippy::large_enum_variant)]
        use std::sync::Arc;

        use #axum::response::IntoResponse;

        // Every schema type, whichever this spec's operations use.
        #[allow(unused_imports)]
        use super::models::*;
        // The runtime's server side, under a short name: every item here is glue over it.
        use #rt::server as rt;
        #crates
    });
    server_api::emit(api, file);
}

fn types_and_routes(api: &Api, file: &mut RustFile) {
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
    if error_responses(op).next().is_none() {
        // Even an operation that declares no error can be refused (a missing credential, a
        // server fault, an emulator that does not serve it): this variant carries the refusal.
        variants.push(quote! {
            /// A refusal with its own status: the spec declares no error response here.
            Rejected(rt::Rejection)
        });
        arms.push(quote!(Self::Rejected(rejection) => rejection.into_response()));
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
    let from_rejection = from_rejection(op);
    quote! {
        #[doc = #doc]
        pub enum #name { #(#variants,)* }

        impl IntoResponse for #name {
            fn into_response(self) -> axum::response::Response {
                match self { #(#arms,)* }
            }
        }

        #from_rejection
    }
}

/// `impl From<Rejection>` for the response enum of `op`, so an implementation answers an error
/// with `rejection.into()`. The rejection's status picks the variant: the one declared for that
/// exact code, else for its class (`4XX`, `5XX`); any other status gets `default`, else `4XX`,
/// else the first error response. Whichever variant it is, the response sent carries the rejection's own
/// status. An operation that declares no error response is answered with its `Rejected` variant.
fn from_rejection(op: &Operation) -> TokenStream {
    let name = response_name(op);
    let Some(fallback) = error_responses(op)
        .find(|response| response.status == Status::Default)
        .or_else(|| error_responses(op).find(|response| response.status == Status::Range(4)))
        .or_else(|| error_responses(op).next())
    else {
        return quote! {
            impl From<rt::Rejection> for #name {
                /// The `Rejected` variant: the spec declares no error response for this operation.
                fn from(rejection: rt::Rejection) -> Self {
                    Self::Rejected(rejection)
                }
            }
        };
    };
    let others = || error_responses(op).filter(|response| response.variant != fallback.variant);
    let arm = |response: &Response| {
        let variant = ident(&response.variant);
        let pattern = match response.status {
            Status::Code(code) => number(code).into_token_stream(),
            Status::Range(class) => {
                let low = u16::from(class) * 100;
                let (low, high) = (number(low), number(low + 99));
                quote!(#low..=#high)
            }
            // `default` is always the fallback when declared.
            Status::Default => return None,
        };
        Some(quote!(#pattern => Self::#variant(rejection)))
    };
    // Exact codes before classes, so that a code inside a declared class gets its own variant
    // whatever the spec's order.
    let exact = others().filter(|response| matches!(response.status, Status::Code(_)));
    let classes = others().filter(|response| matches!(response.status, Status::Range(_)));
    let arms = exact.chain(classes).filter_map(arm);
    let fallback_variant = ident(&fallback.variant);
    let body = if others().next().is_none() {
        quote!(Self::#fallback_variant(rejection))
    } else {
        quote! {
            match rejection.status().as_u16() {
                #(#arms,)*
                _ => Self::#fallback_variant(rejection),
            }
        }
    };
    let doc = super::doc_literal(&format!(
        " The variant declared for the rejection's status; any other status is `{}`. The \
         response carries the rejection's own status either way.",
        fallback.variant
    ));
    quote! {
        impl From<rt::Rejection> for #name {
            #[doc = #doc]
            fn from(rejection: rt::Rejection) -> Self {
                #body
            }
        }
    }
}

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
    // The server URL's path comes before every operation's path: a variable that is a path
    // segment (not a whole root) gives one prefix per value, and the one keyed by
    // `x-request-size-limits` also sets the body limit under its prefix; a fixed path
    // (`https://graph.microsoft.com/v1.0/`) is one prefix.
    let template = api
        .servers
        .as_ref()
        .map(|servers| (servers.path_template(), servers.path_variable()));
    let body = match template {
        Some((template, Some(var))) => {
            let ty = ident(&var.rust_name);
            let set_limit = (!var.request_size_limits.is_empty())
                .then(|| quote!(config.max_request_bytes = value.max_request_bytes();));
            let format = prefix_format(api, &template, &var.name);
            quote! {
                let mut router = axum::Router::new();
                for value in #ty::ALL {
                    #[allow(unused_mut)]
                    let mut config = config.clone();
                    #set_limit
                    config.api_version = Some(value.as_str());
                    let prefix = format!(#format, value.as_str());
                    let mut routes = rt::Routes::new(router, &prefix, api.clone(), config);
                    add_routes(&mut routes);
                    router = routes.into_router();
                }
            }
        }
        fixed => {
            let prefix = fixed.map(|(template, _)| template).unwrap_or_default();
            quote! {
                let mut routes = rt::Routes::new(axum::Router::new(), #prefix, api, config);
                add_routes(&mut routes);
                let router = routes.into_router();
            }
        }
    };
    quote! {
        /// An axum router serving `api`: every operation of the spec under each server path
        /// prefix, Graph-shaped errors for everything refused, and the spec at `/openapi.yaml`.
        /// Serve it with [`rt::serve`] (`axum::serve` with graceful shutdown).
        pub fn router<A: Api>(api: Arc<A>, config: rt::ServerConfig) -> axum::Router {
            #body
            rt::finish(router, super::operations::OPENAPI_YAML)
        }
    }
}

/// The path prefixes the router serves the operations under: the server URL's path with each
/// value of its path variable, else that path as it is (empty without a server).
pub(super) fn path_prefixes(api: &Api) -> Vec<String> {
    let Some(servers) = &api.servers else {
        return vec![String::new()];
    };
    let template = servers.path_template();
    match servers.path_variable() {
        Some(var) => {
            let template = with_defaults(api, &template, &var.name);
            let placeholder = format!("{{{}}}", var.name);
            var.values
                .iter()
                .map(|value| template.replace(&placeholder, &value.value))
                .collect()
        }
        None => vec![template],
    }
}

/// `template` with every server variable but `name` replaced by its default.
fn with_defaults(api: &Api, template: &str, name: &str) -> String {
    let mut filled = template.to_owned();
    for var in api.servers.iter().flat_map(|servers| &servers.variables) {
        if var.name != name {
            filled = filled.replace(&format!("{{{}}}", var.name), &var.default);
        }
    }
    filled
}

/// The `format!` string of the path prefix `template` with `{}` for the variable `name`; other
/// path variables take their defaults, and the literal text is escaped.
fn prefix_format(api: &Api, template: &str, name: &str) -> String {
    with_defaults(api, template, name)
        .split(&format!("{{{name}}}"))
        .map(|part| part.replace('{', "{{").replace('}', "}}"))
        .collect::<Vec<_>>()
        .join("{}")
}
