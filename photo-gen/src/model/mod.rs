//! The validated, resolved model of an API: what both emitters read. No serde and no tokens
//! here, so snapshots of [`dump`] show changes of meaning apart from changes of formatting.

mod dump;
mod lower;
mod paging;
mod pointer;
mod problems;
mod refs;
mod schemas;
mod security;
mod segments;

pub use dump::dump;
pub use lower::lower;
pub use segments::template_text;

/// The whole API.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Api {
    pub title: String,
    pub version: String,
    pub description: Option<String>,
    pub servers: Option<ServerTemplate>,
    pub schemes: Vec<SecurityScheme>,
    pub types: Vec<NamedType>,
    pub operations: Vec<Operation>,
}

/// The first `servers` entry: a URL template and its variables.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServerTemplate {
    pub url: String,
    pub variables: Vec<ServerVariable>,
}

impl ServerTemplate {
    /// The path the server URL puts before every operation's path, with `{name}` left standing
    /// for a variable that is a path segment: `/v1.0` for `https://graph.microsoft.com/v1.0/`,
    /// `/{version}` for `{cloud}/{version}`, empty for `https://api.example`. Variables that are
    /// roots or stand in the scheme or host are not part of it.
    pub fn path_template(&self) -> String {
        let mut url = self.url.clone();
        for variable in self.variables.iter().filter(|variable| variable.is_root) {
            url = url.replace(&format!("{{{}}}", variable.name), "");
        }
        let path = match url.find("://") {
            Some(scheme_end) => {
                let rest = &url[scheme_end + 3..];
                rest.find('/').map_or("", |at| &rest[at..])
            }
            None => url.as_str(),
        };
        let path = path
            .split(['?', '#'])
            .next()
            .unwrap_or_default()
            .trim_end_matches('/');
        match path {
            "" => String::new(),
            path if path.starts_with('/') => path.to_owned(),
            path => format!("/{path}"),
        }
    }

    /// The first variable that is a path segment (not a root) and appears in the path: the
    /// generated router serves the operations once under each of its values.
    pub fn path_variable(&self) -> Option<&ServerVariable> {
        let template = self.path_template();
        self.variables.iter().find(|variable| {
            !variable.is_root && template.contains(&format!("{{{}}}", variable.name))
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServerVariable {
    pub name: String,
    pub rust_name: String,
    pub default: String,
    /// Allowed values with their Rust variant names (`x-enum-varnames`, else derived).
    pub values: Vec<EnumValue>,
    /// Request size limit per value (`x-request-size-limits`), when keyed by this variable.
    pub request_size_limits: Vec<u64>,
    /// Whether the values are absolute roots (`https://…`) rather than path segments.
    pub is_root: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EnumValue {
    pub value: String,
    pub rust_name: String,
}

/// How a caller proves it belongs to a security scheme: the kind of OAuth 2.0 token, or the
/// credential of another scheme.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TokenKind {
    DelegatedWork,
    DelegatedPersonal,
    Application,
    /// `type: apiKey`: a key in the header, query parameter or cookie `name`.
    ApiKey {
        location: KeyLocation,
        name: String,
    },
    /// `type: http, scheme: bearer`.
    HttpBearer,
    /// `type: http, scheme: basic`.
    HttpBasic,
}

/// Where an API key travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyLocation {
    Header,
    Query,
    Cookie,
}

impl TokenKind {
    pub fn spec_name(self) -> &'static str {
        match self {
            TokenKind::DelegatedWork => "delegatedWork",
            TokenKind::DelegatedPersonal => "delegatedPersonal",
            TokenKind::Application => "application",
            TokenKind::ApiKey { .. } => "apiKey",
            TokenKind::HttpBearer => "bearer",
            TokenKind::HttpBasic => "basic",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SecurityScheme {
    pub name: String,
    pub rust_name: String,
    pub kind: TokenKind,
    pub description: Option<String>,
    pub scopes: Vec<String>,
}

/// A type the spec names under `components.schemas` (or an inline enum given a name).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NamedType {
    pub spec_name: String,
    pub rust_name: String,
    pub description: Option<String>,
    pub kind: TypeKind,
    /// For an object that allows members beyond its fields (`additionalProperties`): their
    /// type. They are kept in a map beside the fields.
    pub additional: Option<TypeRef>,
}

/// The struct field that keeps an open object's members beyond `fields`:
/// `additional_properties`, unless one of the spec's fields took that name.
pub fn additional_field(fields: &[Field]) -> String {
    crate::names::unique("additional_properties", |name| {
        fields.iter().any(|field| field.rust_name == name)
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TypeKind {
    /// A JSON object with known fields.
    Object { fields: Vec<Field> },
    /// A string with its own identity, such as an id (a newtype).
    StringKey {
        min_length: Option<u64>,
        max_length: Option<u64>,
    },
    /// A closed set of strings.
    StringEnum { values: Vec<EnumValue> },
    /// One of several types (`anyOf`/`oneOf`, or the types derived from a base with a
    /// `discriminator`): told apart by the property `tag` names when there is one, else by
    /// trying each in order.
    Union {
        variants: Vec<UnionVariant>,
        tag: Option<String>,
    },
}

/// One alternative of a union.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UnionVariant {
    pub rust_name: String,
    pub ty: TypeRef,
    /// In a tagged union, the tag's value for this alternative; `None` for the fallback that
    /// holds values whose tag is missing or unknown.
    pub tag_value: Option<String>,
    /// Whether an untagged union holds this alternative in a `Box`: the alternative leads back
    /// to the union through types that contain each other. (A tagged union boxes every named
    /// type it holds.)
    pub boxed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Field {
    pub json_name: String,
    pub rust_name: String,
    pub ty: TypeRef,
    pub required: bool,
    pub nullable: bool,
    pub read_only: bool,
    pub description: Option<String>,
    /// Whether the field holds its type in a `Box`: the field closes a cycle of types that
    /// contain each other directly, which would otherwise have no finite size.
    pub boxed: bool,
}

/// A reference to a type, as used by fields, parameters and bodies.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TypeRef {
    String,
    Int32,
    Int64,
    Number,
    Boolean,
    /// Any JSON value.
    Any,
    Array(Box<TypeRef>),
    /// A JSON object with any member names, each of this type (`additionalProperties`).
    Map(Box<TypeRef>),
    /// A [`NamedType`] by its Rust name.
    Named(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Method {
    Get,
    Put,
    Post,
    Delete,
    Patch,
}

impl Method {
    pub fn upper(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Patch => "PATCH",
        }
    }

    pub fn lower(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Put => "put",
            Method::Post => "post",
            Method::Delete => "delete",
            Method::Patch => "patch",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    /// A fixed segment such as `users` or `$value`.
    Literal(String),
    /// A path parameter, by its spec name.
    Param(String),
    /// Text and parameters in one segment, such as OData's function call
    /// `microsoft.graph.delta(token='{token}')` or `{Sid}.json`.
    Template(Vec<SegmentPart>),
}

/// A piece of a [`Segment::Template`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SegmentPart {
    /// Text sent as the spec writes it.
    Text(String),
    /// A path parameter, by its spec name.
    Param(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Operation {
    pub id: String,
    /// snake_case, for functions and trait methods.
    pub fn_name: String,
    /// UpperCamelCase, prefix of the operation's types.
    pub type_name: String,
    /// Why `type_name` is not the operationId's own name, when a type of the spec took that
    /// (shown in the docs).
    pub type_name_note: Option<String>,
    pub method: Method,
    pub path: String,
    pub segments: Vec<Segment>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub tags: Vec<String>,
    pub deprecated: bool,
    pub params: Vec<Param>,
    pub body: Option<RequestBody>,
    pub responses: Vec<Response>,
    /// Alternatives in spec order (least privileged first within each scheme).
    pub security: Vec<SecurityAlternative>,
    /// Alternatives that replace `security` on one API version (`x-security-by-version`), in
    /// the order of the version variable's values.
    pub security_by_version: Vec<VersionSecurity>,
    pub unsupported_schemes: Vec<String>,
    /// How to follow the list this operation answers with to its next pages (`x-ms-pageable`).
    pub pageable: Option<Pageable>,
}

/// A paged list answer: the items' member and type, and the member with the next page's URL.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Pageable {
    /// The success response variant that carries a page.
    pub variant: String,
    /// The JSON member and Rust field with the items.
    pub items: (String, String),
    /// The item type.
    pub item_ty: TypeRef,
    /// Whether the items' field is an `Option`.
    pub items_optional: bool,
    /// The JSON member and Rust field with the next page's URL, when the list can continue.
    pub next_link: Option<(String, String)>,
    /// Whether the next link's field is an `Option`.
    pub next_link_optional: bool,
}

/// The security alternatives of an operation on one API version, where they differ from its
/// `security`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VersionSecurity {
    /// The value of the server's path variable, such as `beta`.
    pub version: String,
    /// Alternatives in spec order (least privileged first within each scheme).
    pub security: Vec<SecurityAlternative>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParamLocation {
    Path,
    Query,
    Header,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Param {
    pub name: String,
    pub rust_name: String,
    pub location: ParamLocation,
    pub required: bool,
    pub ty: TypeRef,
    pub description: Option<String>,
    /// How the parameter's values name an owner, from `x-photo-key` on its schema.
    pub key: KeySemantics,
}

/// How a key's values name an owner (`x-photo-key`); the default is case-sensitive without
/// aliases.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct KeySemantics {
    pub case_insensitive: bool,
    pub aliases: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RequestBody {
    pub required: bool,
    pub description: Option<String>,
    /// The body's own type name: the `requestBodies` component name, else `<Operation>Body`.
    pub rust_name: String,
    pub content: BodyContent,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum BodyContent {
    /// Raw bytes of one of these media types.
    Binary { media_types: Vec<String> },
    /// A JSON document of this type.
    Json { media_type: String, ty: TypeRef },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Code(u16),
    /// `1XX` … `5XX`, by first digit.
    Range(u8),
    Default,
}

impl Status {
    pub fn is_error(self) -> bool {
        match self {
            Status::Code(code) => code >= 400,
            Status::Range(class) => class >= 4,
            Status::Default => true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Response {
    pub status: Status,
    /// The variant name in the response enums.
    pub variant: String,
    pub description: String,
    pub body: Option<BodyContent>,
    pub headers: Vec<ResponseHeader>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResponseHeader {
    pub name: String,
    pub rust_name: String,
    pub description: Option<String>,
}

/// One way to be allowed to call an operation: a credential of `scheme` with every one of
/// `scopes`, or nothing at all when `scheme` is [`ANONYMOUS`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SecurityAlternative {
    pub scheme: String,
    pub scopes: Vec<String>,
}

/// The scheme name of an alternative that needs no credential (an empty requirement `{}`,
/// `security: []`, or no `security` anywhere): no declared scheme can have an empty name.
pub const ANONYMOUS: &str = "";

impl SecurityAlternative {
    /// The alternative that lets anyone call.
    pub fn anonymous() -> Self {
        SecurityAlternative {
            scheme: ANONYMOUS.to_owned(),
            scopes: Vec::new(),
        }
    }

    /// Whether this alternative needs no credential.
    pub fn is_anonymous(&self) -> bool {
        self.scheme == ANONYMOUS
    }
}

impl Operation {
    /// The JSON pointer of the operation in its spec (`/paths/~1me~1photo/get`), to locate
    /// what is said about it.
    pub fn pointer(&self) -> String {
        format!(
            "/paths/{}/{}",
            crate::locate::escape(&self.path),
            self.method.lower()
        )
    }
}

impl Api {
    pub fn scheme(&self, name: &str) -> Option<&SecurityScheme> {
        self.schemes.iter().find(|scheme| scheme.name == name)
    }

    pub fn named_type(&self, rust_name: &str) -> Option<&NamedType> {
        self.types.iter().find(|ty| ty.rust_name == rust_name)
    }

    /// The variable that keys request size limits, if the spec has any.
    pub fn limit_variable(&self) -> Option<&ServerVariable> {
        self.servers
            .as_ref()?
            .variables
            .iter()
            .find(|var| !var.request_size_limits.is_empty())
    }
}
