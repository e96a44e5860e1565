//! What the spec says about each operation, as plain data shared by the client and the server.
//!
//! The generated code declares one [`OperationSpec`] per operation; the runtime reads them to
//! check permissions, media types and size limits without any per-operation code.

/// An HTTP method the spec can use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HttpMethod {
    Get,
    Put,
    Post,
    Patch,
    Delete,
}

impl HttpMethod {
    /// The method as the `http` crate spells it.
    pub fn to_http(self) -> http::Method {
        match self {
            HttpMethod::Get => http::Method::GET,
            HttpMethod::Put => http::Method::PUT,
            HttpMethod::Post => http::Method::POST,
            HttpMethod::Patch => http::Method::PATCH,
            HttpMethod::Delete => http::Method::DELETE,
        }
    }

    /// The method's upper-case name, as written in a request line.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Put => "PUT",
            HttpMethod::Post => "POST",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
        }
    }
}

/// How a caller proves it belongs to a security scheme: for OAuth 2.0 schemes, the kind of
/// token (the spec's `x-token-kind`); for the others, the credential the scheme names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// A user's token from a work or school tenant; permissions in the `scp` claim.
    DelegatedWork,
    /// A user's token from the personal-account (consumer) tenant; permissions in `scp`.
    DelegatedPersonal,
    /// An app's own token; permissions in the `roles` claim.
    Application,
    /// A key sent as the header, query parameter or cookie `name` (`type: apiKey`).
    ApiKey {
        location: KeyLocation,
        name: &'static str,
    },
    /// `Authorization: Bearer <token>` (`type: http, scheme: bearer`), checked by the API's
    /// implementation rather than as an OAuth 2.0 token.
    HttpBearer,
    /// `Authorization: Basic <user:password in base64>` (`type: http, scheme: basic`).
    HttpBasic,
    /// No credential at all: the operation may be called anonymously (an empty security
    /// requirement `{}`, or no `security` anywhere).
    Anonymous,
}

/// Where an API key travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyLocation {
    Header,
    Query,
    Cookie,
}

impl TokenKind {
    /// The tenant id Microsoft issues personal-account tokens from.
    pub const CONSUMER_TENANT_ID: &'static str = "9188040d-6c67-4c5b-b112-36a304b66dad";

    /// A short human name, as used in permission tables.
    pub fn label(self) -> &'static str {
        match self {
            TokenKind::DelegatedWork => "Delegated (work or school account)",
            TokenKind::DelegatedPersonal => "Delegated (personal Microsoft account)",
            TokenKind::Application => "Application",
            TokenKind::ApiKey { .. } => "API key",
            TokenKind::HttpBearer => "Bearer",
            TokenKind::HttpBasic => "Basic",
            TokenKind::Anonymous => "Anonymous",
        }
    }

    /// Whether tokens of this kind are OAuth 2.0 access tokens whose permissions the runtime
    /// checks itself.
    pub fn is_oauth(self) -> bool {
        matches!(
            self,
            TokenKind::DelegatedWork | TokenKind::DelegatedPersonal | TokenKind::Application
        )
    }
}

/// The scheme of an alternative that needs no credential (OpenAPI's empty requirement `{}`).
pub static ANONYMOUS: SecuritySchemeSpec = SecuritySchemeSpec {
    name: "",
    kind: TokenKind::Anonymous,
};

/// A security scheme declared under `components.securitySchemes`.
#[derive(Debug, PartialEq, Eq)]
pub struct SecuritySchemeSpec {
    /// The scheme's name in the spec, such as `delegatedWork`.
    pub name: &'static str,
    /// How tokens of this scheme carry their permissions.
    pub kind: TokenKind,
}

/// One way to be allowed to call an operation: a token of `scheme` holding every one of `scopes`.
#[derive(Debug, PartialEq, Eq)]
pub struct SecurityAlternative {
    pub scheme: &'static SecuritySchemeSpec,
    pub scopes: &'static [&'static str],
}

/// An operation's security alternatives on one API version, where Microsoft documents other
/// permissions for that version than for the others.
#[derive(Debug, PartialEq, Eq)]
pub struct VersionSecurity {
    /// The API version as request paths start with it, such as `beta`.
    pub version: &'static str,
    /// The alternatives on that version, least privileged first within each scheme.
    pub security: &'static [SecurityAlternative],
}

/// The kind of request body an operation takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyKind {
    /// Raw bytes of one of the listed media types (for example an image).
    Binary,
    /// A JSON document.
    Json,
}

/// What the spec says about an operation's request body.
#[derive(Debug, PartialEq, Eq)]
pub struct RequestBodySpec {
    pub kind: BodyKind,
    /// The media types the operation accepts, in spec order.
    pub media_types: &'static [&'static str],
    pub required: bool,
}

/// Everything the runtime needs to know about one operation.
#[derive(Debug, PartialEq, Eq)]
pub struct OperationSpec {
    /// The spec's `operationId`.
    pub id: &'static str,
    pub method: HttpMethod,
    /// The path template as written in the spec, such as `/users/{user-id}/photo/$value`.
    pub path: &'static str,
    /// The security alternatives, least privileged first within each scheme, on every API version
    /// `security_by_version` does not name. Empty means that no token can call the operation;
    /// an alternative of the [`ANONYMOUS`] scheme means that anyone can.
    pub security: &'static [SecurityAlternative],
    /// The alternatives of the API versions whose permissions differ (`x-security-by-version`).
    pub security_by_version: &'static [VersionSecurity],
    /// Schemes the spec marks as not supported for this operation (`x-unsupported-schemes`).
    pub unsupported_schemes: &'static [&'static SecuritySchemeSpec],
    pub request_body: Option<RequestBodySpec>,
}

impl OperationSpec {
    /// The alternatives on API `version` (such as `v1.0` or `beta`, the first segment of the
    /// request path); `None`, or a version with no permissions of its own, gives `security`.
    pub fn security_in(&self, version: Option<&str>) -> &'static [SecurityAlternative] {
        version
            .and_then(|version| {
                self.security_by_version
                    .iter()
                    .find(|entry| entry.version == version)
            })
            .map_or(self.security, |entry| entry.security)
    }

    /// Whether a token of `kind` holding `granted` permissions satisfies one of the alternatives
    /// on `version`. Returns the first alternative satisfied.
    pub fn authorizing_alternative(
        &self,
        version: Option<&str>,
        kind: TokenKind,
        granted: &[&str],
    ) -> Option<&'static SecurityAlternative> {
        self.security_in(version).iter().find(|alternative| {
            alternative.scheme.kind == kind
                && alternative
                    .scopes
                    .iter()
                    .all(|needed| granted.iter().any(|have| have.eq_ignore_ascii_case(needed)))
        })
    }

    /// The least privileged alternative of a scheme of `kind` on `version`, if the operation
    /// allows that kind there.
    pub fn least_privileged(
        &self,
        version: Option<&str>,
        kind: TokenKind,
    ) -> Option<&'static SecurityAlternative> {
        self.security_in(version)
            .iter()
            .find(|alternative| alternative.scheme.kind == kind)
    }

    /// Whether any token at all can call this operation on `version`.
    pub fn is_authorizable(&self, version: Option<&str>) -> bool {
        !self.security_in(version).is_empty()
    }

    /// Whether the request body may be of `media_type` (parameters such as `charset` ignored).
    pub fn accepts_media_type(&self, media_type: &str) -> bool {
        let essence = media_type.split(';').next().unwrap_or("").trim();
        self.request_body.as_ref().is_some_and(|body| {
            body.media_types
                .iter()
                .any(|accepted| accepted.eq_ignore_ascii_case(essence))
        })
    }
}

/// Schemes other than OAuth 2.0, for the client's and the server's credential tests (each side
/// uses some, so a build with one side only leaves the others unused).
#[cfg(test)]
#[cfg_attr(not(all(feature = "client", feature = "server")), allow(dead_code))]
pub(crate) mod test_schemes {
    use super::*;

    pub static HEADER_KEY: SecuritySchemeSpec = SecuritySchemeSpec {
        name: "api_key",
        kind: TokenKind::ApiKey {
            location: KeyLocation::Header,
            name: "api_key",
        },
    };
    pub static QUERY_KEY: SecuritySchemeSpec = SecuritySchemeSpec {
        name: "query_key",
        kind: TokenKind::ApiKey {
            location: KeyLocation::Query,
            name: "key",
        },
    };
    pub static COOKIE_KEY: SecuritySchemeSpec = SecuritySchemeSpec {
        name: "session",
        kind: TokenKind::ApiKey {
            location: KeyLocation::Cookie,
            name: "sid",
        },
    };
    pub static BASIC: SecuritySchemeSpec = SecuritySchemeSpec {
        name: "basic",
        kind: TokenKind::HttpBasic,
    };

    /// The alternative of `scheme` without scopes.
    pub const fn alternative(scheme: &'static SecuritySchemeSpec) -> SecurityAlternative {
        SecurityAlternative {
            scheme,
            scopes: &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static WORK: SecuritySchemeSpec = SecuritySchemeSpec {
        name: "delegatedWork",
        kind: TokenKind::DelegatedWork,
    };
    static PERSONAL: SecuritySchemeSpec = SecuritySchemeSpec {
        name: "delegatedPersonal",
        kind: TokenKind::DelegatedPersonal,
    };
    static APP: SecuritySchemeSpec = SecuritySchemeSpec {
        name: "application",
        kind: TokenKind::Application,
    };
    static OP: OperationSpec = OperationSpec {
        id: "setMyPhotoContent",
        method: HttpMethod::Put,
        path: "/me/photo/$value",
        security: &[
            SecurityAlternative {
                scheme: &WORK,
                scopes: &["User.ReadWrite"],
            },
            SecurityAlternative {
                scheme: &WORK,
                scopes: &["User.ReadWrite.All"],
            },
            SecurityAlternative {
                scheme: &PERSONAL,
                scopes: &["User.ReadWrite"],
            },
        ],
        security_by_version: &[VersionSecurity {
            version: "beta",
            security: &[SecurityAlternative {
                scheme: &WORK,
                scopes: &["User.ReadWrite.All"],
            }],
        }],
        unsupported_schemes: &[&APP],
        request_body: Some(RequestBodySpec {
            kind: BodyKind::Binary,
            media_types: &["image/jpeg"],
            required: true,
        }),
    };

    #[test]
    fn a_granted_scope_of_the_right_kind_authorizes() {
        let found = OP.authorizing_alternative(
            Some("v1.0"),
            TokenKind::DelegatedWork,
            &["openid", "user.readwrite.all"],
        );
        assert_eq!(found.map(|a| a.scopes), Some(&["User.ReadWrite.All"][..]));
    }

    #[test]
    fn the_right_scope_of_the_wrong_kind_does_not() {
        assert!(
            OP.authorizing_alternative(None, TokenKind::Application, &["User.ReadWrite"])
                .is_none()
        );
        assert!(
            OP.authorizing_alternative(None, TokenKind::DelegatedWork, &["User.Read"])
                .is_none()
        );
    }

    #[test]
    fn a_version_with_its_own_permissions_uses_them_and_the_others_use_the_default() {
        let personal = |version| {
            OP.authorizing_alternative(version, TokenKind::DelegatedPersonal, &["User.ReadWrite"])
        };
        assert!(personal(None).is_some());
        assert!(personal(Some("v1.0")).is_some());
        assert!(personal(Some("beta")).is_none());
        assert_eq!(
            OP.least_privileged(Some("beta"), TokenKind::DelegatedWork)
                .map(|a| a.scopes),
            Some(&["User.ReadWrite.All"][..])
        );
        assert_eq!(
            OP.least_privileged(Some("v1.0"), TokenKind::DelegatedWork)
                .map(|a| a.scopes),
            Some(&["User.ReadWrite"][..])
        );
        assert!(
            OP.least_privileged(Some("beta"), TokenKind::DelegatedPersonal)
                .is_none()
        );
    }

    #[test]
    fn media_type_parameters_are_ignored() {
        assert!(OP.accepts_media_type("image/JPEG; charset=binary"));
        assert!(!OP.accepts_media_type("image/png"));
    }
}
