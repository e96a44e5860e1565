//! `emulator.rs`: the emulator's implementation of the server's `Api`, one call into its
//! generic engine per operation (see [`media_entity`]). Operations outside the media-entity
//! pattern answer `501 NotImplemented`; any operation can be overridden.

pub mod media_entity;

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::quote;

use super::server_api::request_name;
use super::shapes::Shapes;
use super::{RustFile, ident, response_name, string_literal, use_exported};
use crate::model::{Api, Operation};
use media_entity::{
    CollectionType, EntityField, EntityType, Input, MediaEntities, MediaKind, MediaOperation,
    OwnerPart, Reply,
};

/// The reply traits of the engine, by the kind of operation whose response implements them.
fn reply_trait(kind: MediaKind) -> &'static str {
    match kind {
        MediaKind::Metadata | MediaKind::SizeMetadata | MediaKind::Update => "MetadataReply",
        MediaKind::Content | MediaKind::SizeContent => "ContentReply",
        MediaKind::List => "ListReply",
        MediaKind::Upload | MediaKind::Delete => "DoneReply",
    }
}

/// Writes the binding of `api`'s operations, read as `media` says; `emu` is the emulator's
/// path, `rt` the runtime's.
pub fn emit(
    api: &Api,
    media: &MediaEntities,
    rt: &syn::Path,
    emu: &syn::Path,
    file: &mut RustFile,
) {
    let classified = media.operations();
    let exported = use_exported(rt, &["axum"]);
    file.add(quote! {
        //! The emulator's binding of [`Api`], generated from the spec: each
        //! operation of the OData media-entity pattern is one call into the emulator's engine,
        //! every other operation answers `501 NotImplemented`, and any operation can be given
        //! hand-written behaviour through an override (see the emulator's `Overrides`).
        #[allow(unused_imports)]
        use super::models::*;
        use super::server::*;
        use #emu as emu;
        use #rt::server as rt;
        #exported
    });
    file.add(spec(api));
    let markers = api.operations.iter().map(marker);
    file.add_container(
        |markers| {
            quote! {
                /// Each operation as a type, to name it in `Overrides::with`.
                pub mod operation {
                    #[allow(unused_imports)]
                    use super::*;
                    #markers
                }
            }
        },
        markers,
    );
    let methods = api
        .operations
        .iter()
        .zip(classified)
        .map(|(op, media)| method(op, media.as_ref().ok()));
    file.add_container(
        |methods| {
            quote! {
                impl Api for emu::PhotoService {
                    #methods
                }
            }
        },
        methods,
    );
    replies(api, classified, file);
}

/// `Spec`, the description as the engine serves it (its router and path prefixes), and the
/// `Emulator` of it.
fn spec(api: &Api) -> TokenStream {
    let prefixes = super::server::path_prefixes(api);
    let prefixes = prefixes.iter().map(|prefix| string_literal(prefix));
    quote! {
        /// The emulator of this description: `Emulator::builder()` configures one.
        pub type Emulator = emu::Emulator<Spec>;
        /// Configures an [`Emulator`].
        pub type EmulatorBuilder = emu::EmulatorBuilder<Spec>;
        /// This description as the emulator's engine serves it: the generated `router` over
        /// the engine, under the server's path prefixes.
        pub struct Spec;
        impl emu::EmulatedSpec for Spec {
            const API_PREFIXES: &'static [&'static str] = &[#(#prefixes),*];
            fn router(
                service: std::sync::Arc<emu::PhotoService>,
                config: rt::ServerConfig,
            ) -> axum::Router {
                router(service, config)
            }
        }
    }
}

/// The marker type of `op`, naming its request and response types.
fn marker(op: &Operation) -> TokenStream {
    let name = ident(&op.type_name);
    let (request, response) = (request_name(op), response_name(op));
    let id = string_literal(&op.id);
    let doc = super::doc_literal(&format!(" `{} {}`.", op.method.upper(), op.path));
    quote! {
        #[doc = #doc]
        pub struct #name;
        impl emu::Operation for #name {
            type Request = #request;
            type Response = #response;
            const ID: &'static str = #id;
        }
    }
}

fn method(op: &Operation, media: Option<&MediaOperation>) -> TokenStream {
    let name = ident(&op.fn_name);
    let (request, response) = (request_name(op), response_name(op));
    let marker = ident(&op.type_name);
    let body = match media {
        Some(media) => engine_call(media),
        None => {
            let id = string_literal(&op.id);
            quote! {
                let _ = (context, request);
                rt::Rejection::not_implemented(#id).into()
            }
        }
    };
    quote! {
        async fn #name(&self, context: rt::RequestContext, request: #request) -> #response {
            if let Some(handler) = emu::PhotoService::overrides(self).get::<operation::#marker>() {
                return handler.call(context, request).await;
            }
            #body
        }
    }
}

/// `request.<field>` as an `Option<&str>`.
fn optional_str(input: Option<&Input>) -> TokenStream {
    match input {
        Some(Input { field, optional }) => {
            let field = ident(field);
            if *optional {
                quote!(request.#field.as_deref())
            } else {
                quote!(Some(request.#field.as_str()))
            }
        }
        None => quote!(None),
    }
}

fn engine_call(media: &MediaOperation) -> TokenStream {
    let segments = media.owner.iter().map(|part| match part {
        OwnerPart::Me => quote!(emu::OwnerSegment::Me),
        OwnerPart::Navigation(path) => quote!(emu::OwnerSegment::Navigation(#path)),
        OwnerPart::Key {
            set,
            field,
            semantics,
        } => {
            let field = ident(field);
            let (case_insensitive, aliases) = (semantics.case_insensitive, semantics.aliases);
            quote! {
                emu::OwnerSegment::Key(#set, request.#field.as_str(), emu::KeyRule {
                    case_insensitive: #case_insensitive,
                    aliases: #aliases,
                })
            }
        }
    });
    let owner = quote!(let owner = emu::PhotoService::owner(self, &context, &[#(#segments),*]););
    let select = match &media.select {
        Some(Input { field, optional }) => {
            let field = ident(field);
            let items = if *optional {
                quote!(request.#field.iter().flatten())
            } else {
                quote!(request.#field.iter())
            };
            quote!(emu::Select::names(#items.map(|item| item.as_str())))
        }
        None => quote!(emu::Select::all()),
    };
    let if_none_match = optional_str(media.if_none_match.as_ref());
    let if_match = match &media.if_match {
        Some(Input { field, optional }) => {
            let field = ident(field);
            if *optional {
                quote!(request.#field)
            } else {
                quote!(Some(request.#field))
            }
        }
        None => quote!(None),
    };
    let size = media.size.as_ref().map(|field| {
        let field = ident(field);
        quote!(request.#field.as_str())
    });
    let service = quote!(emu::PhotoService);
    let call = match media.kind {
        MediaKind::Metadata => quote!(#service::metadata(self, owner, #select, #if_none_match)),
        MediaKind::SizeMetadata => {
            quote!(#service::size_metadata(self, owner, #size, #select, #if_none_match))
        }
        MediaKind::Content => quote!(#service::content(self, owner, #if_none_match)),
        MediaKind::SizeContent => {
            quote!(#service::size_content(self, owner, #size, #if_none_match))
        }
        MediaKind::List => quote!(#service::list(self, owner, #select)),
        MediaKind::Upload => quote!(#service::upload(self, owner, request.body)),
        MediaKind::Delete => quote!(#service::delete(self, owner, #if_match)),
        MediaKind::Update => {
            // Every field the engine stores comes from the body, or the rest is left unset.
            let rest = (media.patch.len() < 3).then(|| quote!(..Default::default()));
            let fields = media.patch.iter().filter_map(|(field, known)| {
                let name = match known {
                    EntityField::Id => quote!(id),
                    EntityField::Height => quote!(height),
                    EntityField::Width => quote!(width),
                    _ => return None,
                };
                let field = ident(field);
                Some(quote!(#name: patch.#field,))
            });
            quote! {{
                let patch = request.body;
                #service::update(self, owner, emu::PhotoPatch { #(#fields)* #rest })
            }}
        }
    };
    quote! {
        #owner
        #call.await
    }
}

/// The reply trait impls of each response type (once per type, whichever operations alias it)
/// and the conversions of the metadata and collection types.
fn replies(api: &Api, classified: &[Result<MediaOperation, String>], file: &mut RustFile) {
    let shapes = Shapes::of(api, |op| &op.responses);
    let mut done: BTreeSet<(usize, &str)> = BTreeSet::new();
    let mut entities: BTreeSet<&str> = BTreeSet::new();
    let mut collections: BTreeSet<&str> = BTreeSet::new();
    for (index, media) in classified.iter().enumerate() {
        let Ok(media) = media else { continue };
        let first = shapes.first(index);
        let name = response_name(&api.operations[first]);
        if done.insert((first, reply_trait(media.kind))) {
            file.add(reply_impl(&name, media));
        }
        if let Some(entity) = &media.entity
            && entities.insert(&entity.rust_name)
        {
            file.add(entity_impl(entity));
        }
        if let (Some(collection), Some(entity)) = (&media.collection, &media.entity)
            && collections.insert(&collection.rust_name)
        {
            file.add(collection_impl(collection, entity));
        }
    }
}

/// `Self::Variant { etag: Some(etag), other: None, status: 200, body: … }` (`status` for a
/// class such as `2XX`), or `Self::Variant` when it has no fields. `with_etag` when an `etag`
/// is in scope; otherwise every header is left out.
fn construct(reply: &Reply, body: Option<TokenStream>, with_etag: bool) -> TokenStream {
    let variant = ident(&reply.variant);
    if reply.headers.is_empty() && !reply.body && reply.status.is_none() {
        return quote!(Self::#variant);
    }
    let headers = reply.headers.iter().map(|(field, is_etag)| {
        let field = ident(field);
        if *is_etag && with_etag {
            quote!(#field: Some(etag))
        } else {
            quote!(#field: None)
        }
    });
    let status = reply.status.map(|code| {
        let code = proc_macro2::Literal::u16_unsuffixed(code);
        quote!(status: #code,)
    });
    let body = reply.body.then(|| quote!(body: #body));
    quote!(Self::#variant { #(#headers,)* #status #body })
}

fn reply_impl(name: &syn::Ident, media: &MediaOperation) -> TokenStream {
    let success = |body: TokenStream| construct(&media.success, Some(body), true);
    let not_modified = match &media.not_modified {
        Some(reply) => {
            let value = construct(reply, None, true);
            quote!(Some(#value))
        }
        None => quote!(None),
    };
    // The ETag parameter, named `_etag` where the variant has no `ETag` header to carry it.
    let etag_of = |reply: Option<&Reply>| {
        if reply.is_some_and(|reply| reply.headers.iter().any(|(_, is_etag)| *is_etag)) {
            quote!(etag)
        } else {
            quote!(_etag)
        }
    };
    let success_etag = etag_of(Some(&media.success));
    let not_modified_etag = etag_of(media.not_modified.as_ref());
    match media.kind {
        MediaKind::Metadata | MediaKind::SizeMetadata | MediaKind::Update => {
            let entity = media.entity.as_ref().map(|entity| ident(&entity.rust_name));
            let value = success(quote!(<#entity as emu::FromEntity>::from_entity(entity)));
            quote! {
                impl emu::MetadataReply for #name {
                    fn entity(#success_etag: String, entity: emu::PhotoEntity) -> Self {
                        #value
                    }
                    fn not_modified(#not_modified_etag: String) -> Option<Self> {
                        #not_modified
                    }
                }
            }
        }
        MediaKind::Content | MediaKind::SizeContent => {
            let value = success(quote!(content));
            quote! {
                impl emu::ContentReply for #name {
                    fn content(#success_etag: String, content: rt::BinaryContent) -> Self {
                        #value
                    }
                    fn not_modified(#not_modified_etag: String) -> Option<Self> {
                        #not_modified
                    }
                }
            }
        }
        MediaKind::List => {
            let collection = media
                .collection
                .as_ref()
                .map(|collection| ident(&collection.rust_name));
            let value =
                success(quote!(<#collection as emu::FromCollection>::from_collection(list)));
            quote! {
                impl emu::ListReply for #name {
                    fn list(list: emu::PhotoCollection) -> Self {
                        #value
                    }
                }
            }
        }
        MediaKind::Upload | MediaKind::Delete => {
            let value = construct(&media.success, None, false);
            quote! {
                impl emu::DoneReply for #name {
                    fn done() -> Self {
                        #value
                    }
                }
            }
        }
    }
}

/// The spec's metadata type built from the engine's, field by field.
fn entity_impl(entity: &EntityType) -> TokenStream {
    let name = ident(&entity.rust_name);
    let fields = entity.fields.iter().map(|(field, known)| {
        let field = ident(field);
        let value = match known {
            EntityField::Id => quote!(entity.id),
            EntityField::Height => quote!(entity.height),
            EntityField::Width => quote!(entity.width),
            EntityField::Context => quote!(entity.context),
            EntityField::MediaContentType => quote!(entity.media_content_type),
            EntityField::MediaEtag => quote!(entity.media_etag),
            EntityField::Unknown => quote!(None),
        };
        quote!(#field: #value,)
    });
    let additional = empty_map(entity.additional.as_deref());
    quote! {
        impl emu::FromEntity for #name {
            fn from_entity(entity: emu::PhotoEntity) -> Self {
                Self { #(#fields)* #additional }
            }
        }
    }
}

fn collection_impl(collection: &CollectionType, item: &EntityType) -> TokenStream {
    let name = ident(&collection.rust_name);
    let item = ident(&item.rust_name);
    let value_field = ident(&collection.value_field);
    let items = quote! {
        list.value.into_iter().map(<#item as emu::FromEntity>::from_entity).collect()
    };
    let value = if collection.value_optional {
        quote!(Some(#items))
    } else {
        items
    };
    let context = collection.context_field.as_ref().map(|field| {
        let field = ident(field);
        quote!(#field: Some(list.context),)
    });
    let others = collection.others.iter().map(|field| ident(field));
    let additional = empty_map(collection.additional.as_deref());
    quote! {
        impl emu::FromCollection for #name {
            fn from_collection(list: emu::PhotoCollection) -> Self {
                Self { #context #value_field: #value, #(#others: None,)* #additional }
            }
        }
    }
}

/// `field: Default::default(),` for the map an open object keeps unknown members in: the
/// emulator has none to give.
fn empty_map(field: Option<&str>) -> Option<TokenStream> {
    field.map(|field| {
        let field = ident(field);
        quote!(#field: Default::default(),)
    })
}
