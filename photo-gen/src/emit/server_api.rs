//! The traits a server implements: [`Api`](crate::model::Api)'s operations as `Api`, where every
//! operation is required, and as `PartialApi`, where an operation left out answers
//! `501 Not Implemented`, with a blanket impl making every `PartialApi` an `Api`.
//!
//! `Api` stays exhaustive so that an operation added to the spec is a compile error for whoever
//! implements it; the 501 defaults are only for those who opt in through `PartialApi`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::operations::static_name;
use super::{RustFile, docs, ident, response_name};
use crate::model::{Api, Operation, Response};

/// The request type of `op`'s method.
pub fn request_name(op: &Operation) -> syn::Ident {
    format_ident!("{}Request", op.type_name)
}

/// The responses of `op` that carry a `Rejection`: its error statuses. When there are none,
/// its response enum gets a `Rejected` variant instead (see `server`), so every operation can
/// answer a refusal.
pub fn error_responses(op: &Operation) -> impl Iterator<Item = &Response> {
    op.responses
        .iter()
        .filter(|response| response.status.is_error())
}

/// `fn name(&self, context, request) -> impl Future<Output = Response> + Send`, shared by both
/// traits and the blanket impl so that their methods cannot drift apart.
fn signature(op: &Operation) -> TokenStream {
    let name = ident(&op.fn_name);
    let request = request_name(op);
    let response = response_name(op);
    quote! {
        fn #name(&self, context: rt::RequestContext, request: #request) -> impl std::future::Future<Output = #response> + Send
    }
}

/// `Api`, `PartialApi` and `impl<A: PartialApi> Api for A`, in that order.
pub fn emit(api: &Api, file: &mut RustFile) {
    api_trait(api, file);
    partial_api_trait(api, file);
    partial_api_impl(api, file);
}

fn api_trait(api: &Api, file: &mut RustFile) {
    // Each permission list is a static named after its first operation (see `operations`).
    let permissions = super::operations::permission_lists(api);
    let methods = api.operations.iter().enumerate().map(|(index, op)| {
        let list = static_name(&api.operations[permissions.first(index)]);
        let doc = docs::server_operation(op, &list);
        let signature = signature(op);
        quote!(#doc #signature;)
    });
    file.add_container(
        |methods| {
            quote! {
                /// The API, one method per operation. The router calls a method only for a request that
                /// passed authentication, authorization and validation.
                ///
                /// Every operation is a required method: when the spec gains an operation, an
                /// implementation does not compile until it implements it. To serve only some
                /// operations and answer `501 Not Implemented` for the rest, implement
                /// [`PartialApi`] instead.
                pub trait Api: Send + Sync + 'static {
                    #methods
                }
            }
        },
        methods,
    );
}

fn partial_api_trait(api: &Api, file: &mut RustFile) {
    let methods = api.operations.iter().map(|op| {
        let signature = signature(op);
        let name = &op.fn_name;
        let heading = format!("`{} {}`, as [`Api::{name}`].", op.method.upper(), op.path);
        let doc = super::doc_literal(&format!(
            " {heading} Left out, it answers `501 Not Implemented`."
        ));
        let id = super::string_literal(&op.id);
        quote! {
            #[doc = #doc]
            #signature {
                let _ = (context, request);
                std::future::ready(rt::Rejection::not_implemented(#id).into())
            }
        }
    });
    file.add_container(
        |methods| {
            quote! {
                /// The API for prototypes and partial servers: implement the operations you serve.
                /// An operation left out, or added to the spec later, answers `501 Not Implemented`
                /// instead of failing to compile; implement [`Api`] directly to be told at compile
                /// time. Every `PartialApi` is an [`Api`], so [`router`] serves it.
                pub trait PartialApi: Send + Sync + 'static {
                    #methods
                }
            }
        },
        methods,
    );
}

fn partial_api_impl(api: &Api, file: &mut RustFile) {
    let methods = api.operations.iter().map(|op| {
        let signature = signature(op);
        let name = ident(&op.fn_name);
        quote! {
            #signature {
                <A as PartialApi>::#name(self, context, request)
            }
        }
    });
    file.add_container(
        |methods| {
            quote! {
                /// Each method is the `PartialApi` one, its `501` default included.
                impl<A: PartialApi> Api for A {
                    #methods
                }
            }
        },
        methods,
    );
}
