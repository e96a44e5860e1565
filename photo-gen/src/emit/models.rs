//! Data types: schema objects, string keys, string enums, and the server variables (clouds,
//! versions) with their request size limits.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Options, RustFile, doc_lines, ident, number, serde_derives, use_exported};
use crate::model::{
    Api, EnumValue, Field, NamedType, ServerVariable, TypeKind, TypeRef, UnionVariant,
};

/// The Rust type for a type reference.
pub fn rust_type(ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::String => quote!(String),
        TypeRef::Int32 => quote!(i32),
        TypeRef::Int64 => quote!(i64),
        TypeRef::Number => quote!(f64),
        TypeRef::Boolean => quote!(bool),
        TypeRef::Any => quote!(serde_json::Value),
        TypeRef::Array(inner) => {
            let inner = rust_type(inner);
            quote!(Vec<#inner>)
        }
        TypeRef::Map(inner) => {
            let inner = rust_type(inner);
            quote!(std::collections::BTreeMap<String, #inner>)
        }
        TypeRef::Named(name) => {
            let name = ident(name);
            quote!(#name)
        }
    }
}

/// The Rust type for a type reference, in a `Box` when it closes a cycle of types.
fn boxed_type(ty: &TypeRef, boxed: bool) -> TokenStream {
    let ty = rust_type(ty);
    if boxed { quote!(Box<#ty>) } else { ty }
}

/// `models.rs`: the limits, the base URL, the server variables and the schema types.
pub fn emit(api: &Api, rt: &syn::Path, options: &Options, file: &mut RustFile) {
    let limits = limits(api);
    let base_url = base_url(api);
    let exported = use_exported(rt, &["serde_json"]);
    file.add(quote! {
        //! Types from the spec's schemas and server variables.
        #![allow(clippy::derivable_impls)]
        #exported
        #limits
        #base_url
    });
    let variables = api.servers.iter().flat_map(|servers| &servers.variables);
    for var in variables {
        file.add(server_variable(var, rt));
    }
    let server_gate = options.gate("server");
    for ty in &api.types {
        file.add(named_type(ty, rt, &server_gate));
    }
}

fn limits(api: &Api) -> TokenStream {
    let max = number(
        api.limit_variable()
            .and_then(|var| var.request_size_limits.iter().max().copied())
            .unwrap_or(u64::MAX),
    );
    quote! {
        /// The largest request body any server variant accepts, in bytes (`x-request-size-limits`).
        pub const MAX_REQUEST_BYTES: u64 = #max;
    }
}

fn base_url(api: &Api) -> TokenStream {
    let Some(servers) = &api.servers else {
        return quote!();
    };
    let url = &servers.url;
    let params = servers.variables.iter().map(|var| {
        let name = ident(&crate::names::snake(&var.name).unwrap_or_else(|| "variable".into()));
        let ty = ident(&var.rust_name);
        quote!(#name: #ty)
    });
    let replacements = servers.variables.iter().map(|var| {
        let name = ident(&crate::names::snake(&var.name).unwrap_or_else(|| "variable".into()));
        let placeholder = format!("{{{}}}", var.name);
        quote!(.replace(#placeholder, #name.as_str()))
    });
    let doc = format!(" The server URL `{url}` with its variables filled in.");
    let default = servers
        .variables
        .iter()
        .fold(url.clone(), |url, var| {
            url.replace(&format!("{{{}}}", var.name), &var.default)
        })
        .trim_end_matches('/')
        .to_owned();
    let default_doc = " The server URL with each variable's default: where the client sends requests \
                       unless told otherwise.";
    quote! {
        #[doc = #default_doc]
        pub const DEFAULT_BASE_URL: &str = #default;
        #[doc = #doc]
        pub fn base_url(#(#params),*) -> String {
            #url.to_owned() #(#replacements)*
        }
    }
}

fn server_variable(var: &ServerVariable, rt: &syn::Path) -> TokenStream {
    let name = ident(&var.rust_name);
    let doc = format!(" Values of the server variable `{}`.", var.name);
    let default = var
        .values
        .iter()
        .find(|value| value.value == var.default)
        .map(|value| ident(&value.rust_name));
    let body = string_enum(&name, &var.name, &var.values, rt);
    let default_impl = default.map(|default| {
        quote! {
            impl Default for #name {
                fn default() -> Self {
                    Self::#default
                }
            }
        }
    });
    let limit = (!var.request_size_limits.is_empty()).then(|| {
        let arms = var
            .values
            .iter()
            .zip(&var.request_size_limits)
            .map(|(value, limit)| {
                let variant = ident(&value.rust_name);
                let limit = number(*limit);
                quote!(Self::#variant => #limit)
            });
        quote! {
            impl #name {
                /// The largest request body this variant of the service accepts, in bytes.
                pub const fn max_request_bytes(self) -> u64 {
                    match self { #(#arms,)* }
                }
            }
        }
    });
    quote! {
        #[doc = #doc]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #body
        #default_impl
        #limit
    }
}

/// The enum declaration (after its attributes) and its string conversions.
fn string_enum(
    name: &syn::Ident,
    spec_name: &str,
    values: &[EnumValue],
    rt: &syn::Path,
) -> TokenStream {
    let variants = values.iter().map(|value| {
        let variant = ident(&value.rust_name);
        let doc = format!(" `{}`", value.value);
        let text = &value.value;
        quote!(#[doc = #doc] #[serde(rename = #text)] #variant)
    });
    let idents: Vec<syn::Ident> = values.iter().map(|value| ident(&value.rust_name)).collect();
    let texts: Vec<&str> = values.iter().map(|value| value.value.as_str()).collect();
    let count = number(values.len() as u64);
    let expected = texts.join(", ");
    // Graph compares these values ignoring case; where two values differ only in case, an
    // exact match must win so that each parses to its own variant.
    let differ_in_case = texts.iter().enumerate().any(|(at, text)| {
        texts[..at]
            .iter()
            .any(|earlier| earlier.eq_ignore_ascii_case(text))
    });
    let exact = differ_in_case.then(|| {
        quote! {
            if let Some(value) = Self::ALL.into_iter().find(|value| value.as_str() == text) {
                return Ok(value);
            }
        }
    });
    let serde = serde_derives(rt);
    quote! {
        #serde
        pub enum #name { #(#variants,)* }

        impl #name {
            /// Every value, in spec order.
            pub const ALL: [Self; #count] = [#(Self::#idents),*];

            /// The value as the spec writes it.
            pub const fn as_str(self) -> &'static str {
                match self { #(Self::#idents => #texts,)* }
            }
        }

        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        /// Parses a value, ignoring ASCII case as Graph does.
        impl std::str::FromStr for #name {
            type Err = #rt::param::InvalidValue;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                #exact
                Self::ALL.into_iter().find(|value| value.as_str().eq_ignore_ascii_case(text)).ok_or_else(|| {
                    #rt::param::InvalidValue::new(#spec_name, format!("`{text}` is not one of {}", #expected))
                })
            }
        }

        impl #rt::param::ToParam for #name {
            fn to_param(&self) -> String {
                self.as_str().to_owned()
            }
        }
    }
}

fn named_type(ty: &NamedType, rt: &syn::Path, server_gate: &TokenStream) -> TokenStream {
    let name = ident(&ty.rust_name);
    let doc = doc_lines(
        ty.description
            .as_deref()
            .unwrap_or(&format!("The `{}` schema.", ty.spec_name)),
    );
    let spec_name = &ty.spec_name;
    let from_param = quote! {
        #server_gate
        impl #rt::server::FromParam for #name {
            fn from_param(raw: &str) -> Result<Self, String> {
                raw.parse().map_err(|error: #rt::param::InvalidValue| error.to_string())
            }
        }
    };
    let serde = serde_derives(rt);
    match &ty.kind {
        TypeKind::Object { fields } => object(&name, &doc, fields, ty.additional.as_ref(), &serde),
        TypeKind::Union {
            variants,
            tag: Some(tag),
        } => tagged_union(&name, &doc, tag, variants, &serde),
        TypeKind::Union {
            variants,
            tag: None,
        } => {
            let variants = variants.iter().map(|variant| {
                let variant_name = ident(&variant.rust_name);
                let held = boxed_type(&variant.ty, variant.boxed);
                quote!(#variant_name(#held))
            });
            quote! {
                #doc
                ///
                /// A value is read as the first variant it fits, the narrowest first (named types,
                /// then integers, numbers, booleans, lists and maps, strings).
                #[derive(Clone, Debug, PartialEq)]
                #serde
                #[serde(untagged)]
                pub enum #name { #(#variants,)* }
            }
        }
        TypeKind::StringEnum { values } => {
            let body = string_enum(&name, spec_name, values, rt);
            quote! {
                #doc
                #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
                #body
                #from_param
            }
        }
        TypeKind::StringKey {
            min_length,
            max_length,
        } => {
            let min = option_tokens(*min_length);
            let max = option_tokens(*max_length);
            quote! {
                #doc
                #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
                #serde
                #[serde(try_from = "String", into = "String")]
                pub struct #name(String);

                impl #name {
                    /// Checks the value against the spec's length limits.
                    pub fn new(value: impl Into<String>) -> Result<Self, #rt::param::InvalidValue> {
                        let value = value.into();
                        #rt::param::InvalidValue::check_length(#spec_name, &value, #min, #max)?;
                        Ok(Self(value))
                    }

                    pub fn as_str(&self) -> &str {
                        &self.0
                    }

                    pub fn into_inner(self) -> String {
                        self.0
                    }
                }

                impl std::fmt::Display for #name {
                    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str(&self.0)
                    }
                }

                impl std::str::FromStr for #name {
                    type Err = #rt::param::InvalidValue;
                    fn from_str(text: &str) -> Result<Self, Self::Err> {
                        Self::new(text)
                    }
                }

                impl TryFrom<String> for #name {
                    type Error = #rt::param::InvalidValue;
                    fn try_from(value: String) -> Result<Self, Self::Error> {
                        Self::new(value)
                    }
                }

                impl From<#name> for String {
                    fn from(value: #name) -> String {
                        value.0
                    }
                }

                impl AsRef<str> for #name {
                    fn as_ref(&self) -> &str {
                        &self.0
                    }
                }

                impl #rt::param::ToParam for #name {
                    fn to_param(&self) -> String {
                        self.0.clone()
                    }
                }

                #from_param
            }
        }
    }
}

/// A union told apart by the property `tag`: each tagged variant under its exact value, then
/// the fallback, which serde tries when the tag is missing or unknown so that such a value is
/// kept rather than refused. Named types are boxed: a derived type may hold its base. `serde` is
/// [`serde_derives`].
fn tagged_union(
    name: &syn::Ident,
    doc: &TokenStream,
    tag: &str,
    variants: &[UnionVariant],
    serde: &TokenStream,
) -> TokenStream {
    let variants = variants.iter().map(|variant| {
        let variant_name = ident(&variant.rust_name);
        let held = match &variant.ty {
            named @ TypeRef::Named(_) => {
                let held = rust_type(named);
                quote!(Box<#held>)
            }
            other => rust_type(other),
        };
        match &variant.tag_value {
            Some(value) => {
                let doc = format!(" `{tag}: {value}`");
                quote!(#[doc = #doc] #[serde(rename = #value)] #variant_name(#held))
            }
            None => quote! {
                /// A value whose tag is missing or names no other variant, kept as it came.
                #[serde(untagged)]
                #variant_name(#held)
            },
        }
    });
    let tag_doc = format!(
        " Told apart by `{tag}`, which the enum writes itself: a tagged variant's own `{tag}` field, where it has one, is left empty when read and should stay empty when written."
    );
    quote! {
        #doc
        ///
        #[doc = #tag_doc]
        #[derive(Clone, Debug, PartialEq)]
        #serde
        #[serde(tag = #tag)]
        pub enum #name { #(#variants,)* }
    }
}

fn option_tokens(value: Option<u64>) -> TokenStream {
    match value {
        Some(value) => {
            let value = number(value);
            quote!(Some(#value))
        }
        None => quote!(None),
    }
}

/// A struct of `fields`; `serde` is [`serde_derives`].
fn object(
    name: &syn::Ident,
    doc: &TokenStream,
    fields: &[Field],
    additional: Option<&TypeRef>,
    serde: &TokenStream,
) -> TokenStream {
    let all_optional = fields.iter().all(|field| !field.required || field.nullable);
    let default = all_optional.then(|| quote!(Default,));
    let members = fields.iter().map(|field| {
        let rust_name = ident(&field.rust_name);
        let json_name = &field.json_name;
        let ty = boxed_type(&field.ty, field.boxed);
        let mut text = field.description.clone().unwrap_or_default();
        if field.read_only {
            text.push_str(if text.is_empty() { "Read-only: set by the service." } else { "\n\nRead-only: set by the service." });
        }
        let field_doc = doc_lines(&text);
        let rename = (json_name != field.rust_name.trim_start_matches("r#")).then(|| quote!(rename = #json_name,));
        let rename_only = rename.as_ref().map(|rename| quote!(#[serde(#rename)]));
        if field.required && !field.nullable {
            quote!(#field_doc #rename_only pub #rust_name: #ty)
        } else if field.required {
            quote!(#field_doc #rename_only pub #rust_name: Option<#ty>)
        } else {
            quote!(#field_doc #[serde(#rename default, skip_serializing_if = "Option::is_none")] pub #rust_name: Option<#ty>)
        }
    });
    let partial = fields.iter().any(|field| !field.required).then(|| {
        quote! {
            ///
            /// Optional fields left `None` are not sent, so a value with only some fields set is a
            /// partial update.
        }
    });
    let additional = additional.map(|ty| {
        let ty = rust_type(ty);
        let field = ident(&crate::model::additional_field(fields));
        quote! {
            /// Members beyond the fields above (`additionalProperties`), kept as they came.
            #[serde(flatten)]
            pub #field: std::collections::BTreeMap<String, #ty>,
        }
    });
    quote! {
        #doc
        #partial
        #[derive(Clone, Debug, #default PartialEq)]
        #serde
        pub struct #name { #(#members,)* #additional }
    }
}
