//! A serde model of the OpenAPI 3.0/3.1 subset photo-gen reads. Only what the generator uses is
//! typed; other standard keywords and unknown `x-` extensions are accepted and ignored.
//!
//! The structs that repeat per path and operation name the extensions they read as fields
//! instead of collecting unknown keys with `#[serde(flatten)]`: flattening buffers every
//! operation into an intermediate tree first, which made parsing large specs several times
//! slower. Every mapping rejects a repeated key, so a spec that parses has none.

mod reference;
mod unique;
mod value;

use serde::Deserialize;

pub use reference::{RefOr, Referable};
pub use unique::UniqueMap;

/// Keys the model does not type: `x-` extensions and standard keywords photo-gen ignores.
pub type Extra = UniqueMap<String, serde_yaml::Value>;

#[derive(Debug, Deserialize)]
pub struct Document {
    pub openapi: String,
    pub info: Info,
    #[serde(default)]
    pub servers: Vec<Server>,
    #[serde(default)]
    pub paths: UniqueMap<String, PathItem>,
    #[serde(default)]
    pub components: Components,
    #[serde(default)]
    pub security: Option<Vec<SecurityRequirement>>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Deserialize)]
pub struct Info {
    pub title: String,
    pub version: String,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Server {
    pub url: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub variables: UniqueMap<String, ServerVariable>,
}

#[derive(Debug, Deserialize)]
pub struct ServerVariable {
    pub default: String,
    #[serde(default, rename = "enum")]
    pub values: Option<Vec<String>>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// The HTTP methods a path item may hold, in the order OpenAPI lists them.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// A path item. Its operations are boxed: most paths have one or two of the eight methods, and
/// a large spec has tens of thousands of paths.
#[derive(Debug, Default, Deserialize)]
pub struct PathItem {
    #[serde(default)]
    pub parameters: Vec<RefOr<Parameter>>,
    #[serde(default)]
    pub get: Option<Box<Operation>>,
    #[serde(default)]
    pub put: Option<Box<Operation>>,
    #[serde(default)]
    pub post: Option<Box<Operation>>,
    #[serde(default)]
    pub delete: Option<Box<Operation>>,
    #[serde(default)]
    pub options: Option<Box<Operation>>,
    #[serde(default)]
    pub head: Option<Box<Operation>>,
    #[serde(default)]
    pub patch: Option<Box<Operation>>,
    #[serde(default)]
    pub trace: Option<Box<Operation>>,
    /// A path item `$ref`: to `components.pathItems` or another entry of `paths`.
    #[serde(default, rename = "$ref")]
    pub reference: Option<serde_yaml::Value>,
}

impl PathItem {
    /// The operations present, as `(method, operation)`, in [`METHODS`] order.
    pub fn operations(&self) -> Vec<(&'static str, &Operation)> {
        let slots = [
            &self.get,
            &self.put,
            &self.post,
            &self.delete,
            &self.options,
            &self.head,
            &self.patch,
            &self.trace,
        ];
        METHODS
            .iter()
            .zip(slots)
            .filter_map(|(method, op)| op.as_deref().map(|op| (*method, op)))
            .collect()
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    #[serde(default)]
    pub operation_id: Option<String>,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub deprecated: bool,
    #[serde(default)]
    pub parameters: Vec<RefOr<Parameter>>,
    #[serde(default)]
    pub request_body: Option<RefOr<RequestBody>>,
    #[serde(default)]
    pub responses: UniqueMap<String, RefOr<Response>>,
    #[serde(default)]
    pub security: Option<Vec<SecurityRequirement>>,
    /// `x-unsupported-schemes`: schemes that can never call the operation.
    #[serde(default, rename = "x-unsupported-schemes")]
    pub unsupported_schemes: Option<serde_yaml::Value>,
    /// `x-security-by-version`: the security requirements that replace `security` on one value
    /// of the server's path variable (such as `beta`).
    #[serde(default, rename = "x-security-by-version")]
    pub security_by_version: Option<serde_yaml::Value>,
    /// `x-ms-pageable`: the answer is one page of a list that continues at a next link.
    #[serde(default, rename = "x-ms-pageable")]
    pub pageable: Option<Pageable>,
    /// Requests the API makes back to the caller, which photo-gen does not generate.
    #[serde(default)]
    pub callbacks: Option<serde_yaml::Value>,
}

/// `x-ms-pageable` (AutoRest's extension, which Graph's descriptions use).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pageable {
    /// The member holding the next page's URL; `null` means the list has one page.
    #[serde(default = "Pageable::default_next_link_name")]
    pub next_link_name: Option<String>,
    /// The member holding the page's items.
    #[serde(default = "Pageable::default_item_name")]
    pub item_name: String,
}

impl Pageable {
    fn default_next_link_name() -> Option<String> {
        Some("nextLink".to_owned())
    }

    fn default_item_name() -> String {
        "value".to_owned()
    }
}

#[derive(Debug, Deserialize)]
pub struct Parameter {
    pub name: String,
    #[serde(rename = "in")]
    pub location: String,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub schema: Option<RefOr<Schema>>,
    #[serde(default)]
    pub style: Option<String>,
    #[serde(default)]
    pub explode: Option<bool>,
}

#[derive(Debug, Deserialize)]
pub struct RequestBody {
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub content: UniqueMap<String, MediaType>,
}

#[derive(Debug, Deserialize)]
pub struct MediaType {
    #[serde(default)]
    pub schema: Option<RefOr<Schema>>,
}

#[derive(Debug, Deserialize)]
pub struct Response {
    pub description: String,
    #[serde(default)]
    pub headers: UniqueMap<String, RefOr<Header>>,
    #[serde(default)]
    pub content: UniqueMap<String, MediaType>,
}

#[derive(Debug, Deserialize)]
pub struct Header {
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub schema: Option<RefOr<Schema>>,
}

/// `type` is a string in OpenAPI 3.0 and may be a list (with `"null"`) in 3.1.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum SchemaType {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Schema {
    #[serde(default, rename = "type")]
    pub schema_type: Option<SchemaType>,
    #[serde(default)]
    pub format: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub nullable: bool,
    #[serde(default, rename = "enum")]
    pub values: Option<Vec<serde_yaml::Value>>,
    #[serde(default)]
    pub items: Option<Box<RefOr<Schema>>>,
    #[serde(default)]
    pub properties: UniqueMap<String, RefOr<Schema>>,
    #[serde(default)]
    pub required: Vec<String>,
    #[serde(default)]
    pub read_only: bool,
    #[serde(default)]
    pub min_length: Option<u64>,
    #[serde(default)]
    pub max_length: Option<u64>,
    /// Schemas whose properties this one has too (Graph's entity inheritance).
    #[serde(default)]
    pub all_of: Vec<RefOr<Schema>>,
    #[serde(default)]
    pub any_of: Vec<RefOr<Schema>>,
    #[serde(default)]
    pub one_of: Vec<RefOr<Schema>>,
    #[serde(default)]
    pub additional_properties: Option<AdditionalProperties>,
    /// Which property tells the alternatives of a union, or the types derived from this one,
    /// apart.
    #[serde(default)]
    pub discriminator: Option<Discriminator>,
    /// `x-ms-discriminator-value`: the `@odata.type` that Graph's descriptions give a type.
    #[serde(default, rename = "x-ms-discriminator-value")]
    pub discriminator_value: Option<String>,
    /// `x-photo-key`: how a key of this type names an owner (see spec/README.md).
    #[serde(default, rename = "x-photo-key")]
    pub photo_key: Option<PhotoKey>,
    /// `contentEncoding` (OpenAPI 3.1): how a string carries bytes, such as `base64`.
    #[serde(default)]
    pub content_encoding: Option<String>,
    /// `contentMediaType` (OpenAPI 3.1): the media type of the bytes a string carries.
    #[serde(default)]
    pub content_media_type: Option<String>,
}

impl Referable for Parameter {}
impl Referable for RequestBody {}
impl Referable for Response {}
impl Referable for Header {}

/// A boolean schema is a schema: `true` allows any value (so does `false` here, which allows
/// none: photo-gen does not check values).
impl Referable for Schema {
    const BOOLEAN_NODES: bool = true;
}

/// `discriminator`: the property that names a value's type, and its values' schemas.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Discriminator {
    pub property_name: String,
    /// Property value → `$ref` (or bare name) of the schema it selects.
    #[serde(default)]
    pub mapping: UniqueMap<String, String>,
}

/// `additionalProperties`: whether members beyond `properties` are allowed, or their schema.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum AdditionalProperties {
    Allowed(bool),
    Schema(Box<RefOr<Schema>>),
}

/// `x-photo-key` on a key's schema: `case: insensitive` when the service compares its values
/// without regard to case (directory object ids, principal names), `aliases: true` when one
/// owner answers to several of its values (an object id and a principal name). Absent, a key is
/// case-sensitive and has no aliases.
#[derive(Debug, Default, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhotoKey {
    #[serde(default)]
    pub case: KeyCase,
    #[serde(default)]
    pub aliases: bool,
}

/// How a key's values compare.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyCase {
    #[default]
    Sensitive,
    Insensitive,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Components {
    #[serde(default)]
    pub schemas: UniqueMap<String, RefOr<Schema>>,
    #[serde(default)]
    pub parameters: UniqueMap<String, RefOr<Parameter>>,
    #[serde(default)]
    pub request_bodies: UniqueMap<String, RefOr<RequestBody>>,
    #[serde(default)]
    pub responses: UniqueMap<String, RefOr<Response>>,
    #[serde(default)]
    pub headers: UniqueMap<String, RefOr<Header>>,
    #[serde(default)]
    pub security_schemes: UniqueMap<String, SecurityScheme>,
    /// Path items other paths refer to (OpenAPI 3.1).
    #[serde(default)]
    pub path_items: UniqueMap<String, PathItem>,
}

#[derive(Debug, Deserialize)]
pub struct SecurityScheme {
    #[serde(rename = "type")]
    pub scheme_type: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub flows: Option<OAuthFlows>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OAuthFlows {
    #[serde(default)]
    pub implicit: Option<OAuthFlow>,
    #[serde(default)]
    pub password: Option<OAuthFlow>,
    #[serde(default)]
    pub client_credentials: Option<OAuthFlow>,
    #[serde(default)]
    pub authorization_code: Option<OAuthFlow>,
}

impl OAuthFlows {
    /// The flows present, as `(name, flow)`.
    pub fn all(&self) -> Vec<(&'static str, &OAuthFlow)> {
        [
            ("implicit", &self.implicit),
            ("password", &self.password),
            ("clientCredentials", &self.client_credentials),
            ("authorizationCode", &self.authorization_code),
        ]
        .into_iter()
        .filter_map(|(name, flow)| flow.as_ref().map(|flow| (name, flow)))
        .collect()
    }
}

#[derive(Debug, Deserialize)]
pub struct OAuthFlow {
    #[serde(default)]
    pub scopes: UniqueMap<String, String>,
    #[serde(default, rename = "authorizationUrl")]
    pub authorization_url: Option<String>,
    #[serde(default, rename = "tokenUrl")]
    pub token_url: Option<String>,
}

/// One security requirement: every named scheme, with the scopes it must hold.
pub type SecurityRequirement = UniqueMap<String, Vec<String>>;

/// Parses the YAML text into the model; a syntax or shape error carries serde's position.
pub fn parse(text: &str) -> Result<Document, serde_yaml::Error> {
    serde_yaml::from_str(text)
}
