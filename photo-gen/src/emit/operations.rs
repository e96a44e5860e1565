//! Operation metadata as statics of the runtime's `OperationSpec`: permissions, media types and
//! paths as data, plus the spec text itself (served at `/openapi.yaml`), included from a copy
//! written beside the code so the source stays small.

use proc_macro2::TokenStream;
use quote::quote;

use super::shapes::Shapes;
use super::{RustFile, ident};
use crate::model::{
    Api, BodyContent, KeyLocation, Method, Operation, SecurityAlternative, TokenKind,
};

/// The static describing `op`: its function name (already a unique snake_case identifier) in
/// upper case.
pub fn static_name(op: &Operation) -> syn::Ident {
    let name = op.fn_name.trim_start_matches("r#");
    if name.is_empty() {
        return ident("OPERATION");
    }
    ident(&name.to_ascii_uppercase())
}

/// Which operations share a permission list. Lists whose operations have other permissions on
/// some API version are kept apart, since the list's doc shows those too.
pub fn permission_lists(api: &Api) -> Shapes {
    Shapes::of(api, |op| (&op.security, &op.security_by_version))
}

fn scheme_ident(api: &Api, name: &str) -> TokenStream {
    let rust_name = api
        .scheme(name)
        .map(|scheme| scheme.rust_name.clone())
        .unwrap_or_else(|| "UNKNOWN".into());
    let rust_name = ident(&rust_name);
    quote!(schemes::#rust_name)
}

/// `operations.rs`: the imports, the security schemes, the distinct permission lists, a static
/// per operation, the list of all operations and the spec.
pub fn emit(api: &Api, rt: &syn::Path, file: &mut RustFile) {
    // Each distinct list of security alternatives is emitted once (see `shapes`).
    let permissions = permission_lists(api);
    file.add(preamble(api, rt, &permissions));
    for (index, op) in api.operations.iter().enumerate() {
        let list = static_name(&api.operations[permissions.first(index)]);
        file.add(operation(api, rt, op, &list));
    }
    let all = api.operations.iter().map(static_name);
    file.add(quote! {
        /// Every operation, in spec order.
        pub static ALL: &[&OperationSpec] = &[#(&#all),*];

        /// The OpenAPI description this code was generated from (a copy kept beside it).
        pub const OPENAPI_YAML: &str = include_str!("openapi.yaml");
    });
}

/// The imports, the security schemes and the distinct permission lists.
fn preamble(api: &Api, rt: &syn::Path, permissions: &Shapes) -> TokenStream {
    let schemes = api.schemes.iter().map(|scheme| {
        let name = ident(&scheme.rust_name);
        let spec_name = &scheme.name;
        let kind = match &scheme.kind {
            TokenKind::DelegatedWork => quote!(DelegatedWork),
            TokenKind::DelegatedPersonal => quote!(DelegatedPersonal),
            TokenKind::Application => quote!(Application),
            TokenKind::ApiKey { location, name } => {
                let location = match location {
                    KeyLocation::Header => quote!(Header),
                    KeyLocation::Query => quote!(Query),
                    KeyLocation::Cookie => quote!(Cookie),
                };
                quote!(ApiKey { location: #rt::operation::KeyLocation::#location, name: #name })
            }
            TokenKind::HttpBearer => quote!(HttpBearer),
            TokenKind::HttpBasic => quote!(HttpBasic),
        };
        let doc = format!(" `{spec_name}`: {}", scheme.description.as_deref().unwrap_or("a security scheme."));
        quote! {
            #[doc = #doc]
            pub static #name: SecuritySchemeSpec = SecuritySchemeSpec { name: #spec_name, kind: TokenKind::#kind };
        }
    });
    let scheme_refs = api.schemes.iter().map(|scheme| ident(&scheme.rust_name));
    let firsts = (0..api.operations.len()).filter(|&index| permissions.is_first(index));
    let lists = firsts.map(|index| {
        let op = &api.operations[index];
        let name = static_name(op);
        let alternatives = alternatives(api, rt, &op.security);
        let doc = super::doc_lines(&format!(
            "The permissions of `{}` and of every operation that has the same ones.\n\n{}",
            op.id,
            super::docs::permission_table(api, op)
        ));
        quote! {
            #doc
            pub static #name: &[SecurityAlternative] = #alternatives;
        }
    });
    quote! {
        //! What the spec says about each operation, as data the runtime reads.
        #[allow(unused_imports)]
        use #rt::operation::{BodyKind, HttpMethod, OperationSpec, RequestBodySpec, SecurityAlternative, SecuritySchemeSpec, TokenKind, VersionSecurity};

        /// The security schemes, in spec order.
        pub mod schemes {
            use super::*;
            #(#schemes)*

            /// Every scheme, in spec order.
            pub static ALL: &[&SecuritySchemeSpec] = &[#(&#scheme_refs),*];
        }

        /// The security alternatives of the operations, each distinct list once, named
        /// after the first operation that has it.
        pub mod permissions {
            use super::*;
            #(#lists)*
        }
    }
}

/// `&[SecurityAlternative { … }, …]` for `security`.
fn alternatives(api: &Api, rt: &syn::Path, security: &[SecurityAlternative]) -> TokenStream {
    let alternatives = security.iter().map(|alt| {
        let scheme = if alt.is_anonymous() {
            quote!(#rt::operation::ANONYMOUS)
        } else {
            scheme_ident(api, &alt.scheme)
        };
        let scopes = &alt.scopes;
        quote!(SecurityAlternative { scheme: &#scheme, scopes: &[#(#scopes),*] })
    });
    quote!(&[#(#alternatives),*])
}

fn operation(api: &Api, rt: &syn::Path, op: &Operation, list: &syn::Ident) -> TokenStream {
    let name = static_name(op);
    let id = super::string_literal(&op.id);
    let path = super::string_literal(&op.path);
    let method = match op.method {
        Method::Get => quote!(Get),
        Method::Put => quote!(Put),
        Method::Post => quote!(Post),
        Method::Delete => quote!(Delete),
        Method::Patch => quote!(Patch),
    };
    let by_version = op.security_by_version.iter().map(|entry| {
        let version = &entry.version;
        let security = alternatives(api, rt, &entry.security);
        quote!(VersionSecurity { version: #version, security: #security })
    });
    let unsupported = op
        .unsupported_schemes
        .iter()
        .map(|name| scheme_ident(api, name));
    let body = match &op.body {
        None => quote!(None),
        Some(body) => {
            let required = body.required;
            let (kind, media_types) = match &body.content {
                BodyContent::Binary { media_types } => (quote!(Binary), media_types.clone()),
                BodyContent::Json { media_type, .. } => (quote!(Json), vec![media_type.clone()]),
            };
            quote!(Some(RequestBodySpec { kind: BodyKind::#kind, media_types: &[#(#media_types),*], required: #required }))
        }
    };
    let doc = super::doc_literal(&format!(
        " `{} {}` (`{}`).",
        op.method.upper(),
        op.path,
        op.id
    ));
    quote! {
        #[doc = #doc]
        pub static #name: OperationSpec = OperationSpec {
            id: #id,
            method: HttpMethod::#method,
            path: #path,
            security: permissions::#list,
            security_by_version: &[#(#by_version),*],
            unsupported_schemes: &[#(&#unsupported),*],
            request_body: #body,
        };
    }
}
