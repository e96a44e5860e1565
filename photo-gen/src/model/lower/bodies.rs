//! Content, request bodies and responses.

use std::cell::Cell;

use super::super::pointer::Pointer;
use super::super::problems::Hint;
use super::super::refs::resolve;
use super::super::{BodyContent, RequestBody, Response, ResponseHeader, Status};
use super::Lowering;
use crate::names;
use crate::spec::{self, RefOr};

impl<'d> Lowering<'d, '_> {
    fn content(
        &mut self,
        content: &spec::UniqueMap<String, spec::MediaType>,
        pointer: &Pointer,
        type_hint: Hint,
    ) -> Option<Option<BodyContent>> {
        let mut binary = Vec::new();
        let mut other: Vec<&str> = Vec::new();
        // JSON media types without a schema.
        let mut untyped: Vec<&str> = Vec::new();
        let mut json: Option<BodyContent> = None;
        let mut ok = true;
        let content_pointer = pointer.key("content");
        for (media_type, media) in content {
            let at = content_pointer.key(media_type);
            let Some((top, sub)) = media_type.split_once('/').filter(|(top, sub)| {
                is_token(top) && is_token(sub.split(';').next().unwrap_or("").trim())
            }) else {
                self.problems.error(
                    &at,
                    format!("`{media_type}` is not a media type"),
                    Some("write it as type/subtype, such as image/jpeg".into()),
                );
                ok = false;
                continue;
            };
            let essence = sub.split(';').next().unwrap_or("").trim();
            if top == "application" && (essence == "json" || essence.ends_with("+json")) {
                let Some(schema) = &media.schema else {
                    untyped.push(media_type.as_str());
                    continue;
                };
                if let Some(BodyContent::Json {
                    media_type: first, ..
                }) = &json
                {
                    let message = format!(
                        "`{media_type}` content is left out: the first JSON form, `{first}`, is generated"
                    );
                    self.problems.warning(&at, message, None);
                    continue;
                }
                let Some(ty) = self.types.type_ref(
                    &mut self.problems,
                    &self.doc.components.schemas,
                    schema,
                    at.key("schema"),
                    type_hint,
                ) else {
                    ok = false;
                    continue;
                };
                json = Some(BodyContent::Json {
                    media_type: media_type.clone(),
                    ty,
                });
            } else if ["image", "audio", "video"].contains(&top)
                || media_type == "application/octet-stream"
                || media_type == "application/pdf"
            {
                if !self.types.is_binary(
                    &mut self.problems,
                    &self.doc.components.schemas,
                    media.schema.as_ref(),
                    at.key("schema"),
                ) {
                    self.problems.warning(
                        &at,
                        format!("`{media_type}` content is carried as raw bytes: its schema is not a binary string and is not used"),
                        Some("bytes are described as `type: string, format: binary`".into()),
                    );
                }
                binary.push(media_type.clone());
            } else {
                // XML, forms, text (Graph's `$count` answers `text/plain`): not typed.
                other.push(media_type.as_str());
            }
        }
        // Beside JSON, another form of the same content is left out; alone, it travels as bytes.
        for media_type in &other {
            let message = if json.is_some() {
                format!("`{media_type}` content is left out: the JSON form is generated")
            } else {
                format!("`{media_type}` content is carried as raw bytes; its schema is not used")
            };
            self.problems
                .warning(&content_pointer.key(media_type), message, None);
        }
        for media_type in &untyped {
            let message = if json.is_some() {
                format!(
                    "`{media_type}` content without a schema is left out: the JSON form with one is generated"
                )
            } else {
                format!("`{media_type}` content has no schema: it is carried as raw bytes")
            };
            self.problems
                .warning(&content_pointer.key(media_type), message, None);
        }
        if !ok {
            return None;
        }
        match json {
            Some(json) => {
                if !binary.is_empty() {
                    self.problems.warning(
                        &content_pointer,
                        format!(
                            "the binary forms of this content (`{}`) are left out: the JSON form is generated",
                            binary.join("`, `")
                        ),
                        None,
                    );
                }
                Some(Some(json))
            }
            None => {
                binary.extend(
                    other
                        .iter()
                        .chain(&untyped)
                        .map(|media_type| (*media_type).to_owned()),
                );
                Some((!binary.is_empty()).then_some(BodyContent::Binary {
                    media_types: binary,
                }))
            }
        }
    }

    pub(super) fn request_body(
        &mut self,
        node: &'d RefOr<spec::RequestBody>,
        pointer: Pointer,
        type_name: &str,
    ) -> Option<RequestBody> {
        let resolved = resolve(
            &mut self.problems,
            &self.doc.components.request_bodies,
            "requestBodies",
            node,
            pointer,
        )?;
        let rust_name = resolved
            .component
            .and_then(|name| names::camel(name, "B"))
            .unwrap_or_else(|| format!("{type_name}Body"));
        let content = self.content(&resolved.item.content, &resolved.pointer, &|| {
            rust_name.clone()
        })??;
        let rust_name = match &content {
            // The client's upload type: it gives way to the spec's types, the same way for
            // every operation that shares the body.
            BodyContent::Binary { .. } => {
                if let Some(given) = self.binary_bodies.get(&rust_name) {
                    given.clone()
                } else {
                    let given = names::unique(&rust_name, |name| self.types.is_taken(name));
                    self.types.reserve(given.clone());
                    self.binary_bodies.insert(rust_name, given.clone());
                    given
                }
            }
            // A JSON body is its schema's type; the wrapper name is not needed.
            BodyContent::Json { .. } => rust_name,
        };
        Some(RequestBody {
            required: resolved.item.required,
            description: resolved.item.description.clone(),
            rust_name,
            content,
        })
    }

    pub(super) fn responses(
        &mut self,
        op: &'d spec::Operation,
        pointer: &Pointer,
        type_name: &str,
    ) -> Option<Vec<Response>> {
        if op.responses.is_empty() {
            self.problems.warning(
                pointer,
                "the operation declares no responses: any 2XX answer is its success, without a body",
                Some("declare the responses it gives".into()),
            );
            return Some(vec![Response {
                status: Status::Range(2),
                variant: variant_name(Status::Range(2)),
                description: "Any success.".into(),
                body: None,
                headers: Vec::new(),
            }]);
        }
        let mut out: Vec<Response> = Vec::new();
        let mut ok = true;
        let responses_pointer = pointer.key("responses");
        for (key, node) in &op.responses {
            // Extensions (`x-…`) say nothing about the answers.
            if key.starts_with("x-") {
                continue;
            }
            let at = responses_pointer.key(key);
            let Some(status) = parse_status(key) else {
                self.problems.error(
                    &at,
                    format!("`{key}` is not a response status"),
                    Some("use a code such as 200, a range such as 4XX, or default".into()),
                );
                ok = false;
                continue;
            };
            let Some(resolved) = resolve(
                &mut self.problems,
                &self.doc.components.responses,
                "responses",
                node,
                at,
            ) else {
                ok = false;
                continue;
            };
            // A shared response lowers the same way for every operation, unless it names an
            // inline type after the operation or has problems.
            let shared = resolved
                .component
                .map(|name| (name.as_ptr() as usize, status));
            if let Some(response) = shared.and_then(|key| self.shared_responses.get(&key)) {
                out.push(response.clone());
                continue;
            }
            let problems_before = self.problems.count();
            let variant = variant_name(status);
            let hinted = Cell::new(false);
            // An inline type in a shared response is named after the response, once.
            let hint = || match resolved.component.and_then(|name| names::camel(name, "R")) {
                Some(name) => name,
                None => {
                    hinted.set(true);
                    format!("{type_name}{variant}")
                }
            };
            let Some(body) = self.content(&resolved.item.content, &resolved.pointer, &hint) else {
                ok = false;
                continue;
            };
            let mut headers = Vec::new();
            let headers_pointer = resolved.pointer.key("headers");
            for (name, header) in &resolved.item.headers {
                let header_at = headers_pointer.key(name);
                let Some(header) = resolve(
                    &mut self.problems,
                    &self.doc.components.headers,
                    "headers",
                    header,
                    header_at,
                ) else {
                    ok = false;
                    continue;
                };
                let Some(rust_name) = names::header_field(name) else {
                    self.problems.error(
                        &header_at,
                        format!("header `{name}` gives no usable Rust name"),
                        None,
                    );
                    ok = false;
                    continue;
                };
                headers.push(ResponseHeader {
                    name: name.clone(),
                    rust_name,
                    description: header.item.description.clone(),
                });
            }
            let response = Response {
                status,
                variant,
                description: resolved.item.description.clone(),
                body,
                headers,
            };
            if let Some(key) = shared
                && !hinted.get()
                && self.problems.count() == problems_before
            {
                self.shared_responses.insert(key, response.clone());
            }
            out.push(response);
        }
        ok.then_some(out)
    }
}

/// Whether `text` is a media type's type or subtype, or `*` in a media range (`image/*`).
fn is_token(text: &str) -> bool {
    text == "*"
        || (!text.is_empty()
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$&-^_.+".contains(c)))
}

fn parse_status(key: &str) -> Option<Status> {
    if key == "default" {
        return Some(Status::Default);
    }
    let bytes = key.as_bytes();
    if bytes.len() == 3
        && (b'1'..=b'5').contains(&bytes[0])
        && bytes[1..].eq_ignore_ascii_case(b"XX")
    {
        return Some(Status::Range(bytes[0] - b'0'));
    }
    key.parse::<u16>()
        .ok()
        .filter(|code| (100..=599).contains(code) && key.len() == 3)
        .map(Status::Code)
}

/// The response enum variant for a status: its reason phrase, else `Status<code>`.
fn variant_name(status: Status) -> String {
    let reason = match status {
        Status::Default => "Default",
        Status::Range(1) => "Informational",
        Status::Range(2) => "Success",
        Status::Range(3) => "Redirection",
        Status::Range(4) => "ClientError",
        Status::Range(_) => "ServerError",
        Status::Code(code) => match code {
            200 => "Ok",
            201 => "Created",
            202 => "Accepted",
            204 => "NoContent",
            206 => "PartialContent",
            301 => "MovedPermanently",
            302 => "Found",
            303 => "SeeOther",
            304 => "NotModified",
            307 => "TemporaryRedirect",
            400 => "BadRequest",
            401 => "Unauthorized",
            403 => "Forbidden",
            404 => "NotFound",
            405 => "MethodNotAllowed",
            409 => "Conflict",
            412 => "PreconditionFailed",
            413 => "PayloadTooLarge",
            415 => "UnsupportedMediaType",
            429 => "TooManyRequests",
            500 => "InternalServerError",
            503 => "ServiceUnavailable",
            504 => "GatewayTimeout",
            other => return format!("Status{other}"),
        },
    };
    reason.to_owned()
}

#[cfg(test)]
mod tests {
    use super::super::super::{BodyContent, Status, TypeRef};
    use super::super::test_spec::{errors, lowered};
    use super::{parse_status, variant_name};

    #[test]
    fn statuses_are_codes_ranges_or_default() {
        assert_eq!(parse_status("204"), Some(Status::Code(204)));
        assert_eq!(parse_status("4xx"), Some(Status::Range(4)));
        assert_eq!(parse_status("default"), Some(Status::Default));
        assert_eq!(parse_status("2000"), None);
        assert_eq!(parse_status("6XX"), None);
        assert_eq!(variant_name(Status::Code(418)), "Status418");
        assert_eq!(variant_name(Status::Range(2)), "Success");
    }

    #[test]
    fn bodies_are_json_or_bytes_and_responses_keep_their_headers() {
        let api = lowered(
            "paths:\n  /a:\n    put:\n      operationId: put_A\n      requestBody:\n        required: true\n        content:\n          image/jpeg: {schema: {type: string, format: binary}}\n          image/png: {schema: {type: string, format: binary}}\n      responses:\n        '200':\n          description: Done.\n          headers: {ETag: {schema: {type: string}}}\n          content:\n            application/json: {schema: {type: array, items: {type: integer}}}\n        default: {description: Failed.}\n",
        );
        let op = &api.operations[0];
        let body = op.body.as_ref().expect("a body");
        assert_eq!(
            body.content,
            BodyContent::Binary {
                media_types: vec!["image/jpeg".into(), "image/png".into()]
            }
        );
        assert_eq!(body.rust_name, "PutABody");
        let [ok, default] = op.responses.as_slice() else {
            panic!("two responses");
        };
        assert_eq!(
            ok.body,
            Some(BodyContent::Json {
                media_type: "application/json".into(),
                ty: TypeRef::Array(Box::new(TypeRef::Int32))
            })
        );
        assert_eq!(ok.headers[0].rust_name, "etag");
        assert_eq!(
            (default.variant.as_str(), &default.body),
            ("Default", &None)
        );
    }

    #[test]
    fn text_content_is_carried_as_bytes_with_a_warning() {
        let api = lowered(
            "paths:\n  /a:\n    get:\n      operationId: get_A\n      responses:\n        '200':\n          description: Count.\n          content: {text/plain: {schema: {type: integer}}}\n",
        );
        assert_eq!(
            api.operations[0].responses[0].body,
            Some(BodyContent::Binary {
                media_types: vec!["text/plain".into()]
            })
        );
        assert!(api.warnings.short().contains("carried as raw bytes"));
    }

    #[test]
    fn content_without_a_schema_travels_as_bytes_and_extra_forms_give_way_to_json() {
        let api = lowered(
            "paths:\n  /a:\n    post:\n      operationId: post_A\n      requestBody:\n        content:\n          application/json: {schema: {type: integer}}\n          application/json; odata=verbose: {schema: {type: integer}}\n          application/octet-stream: {schema: {type: string, format: binary}}\n      responses:\n        '200':\n          description: Any JSON.\n          content: {application/json: {}}\n        x-note: {description: An extension.}\n  /b:\n    put:\n      operationId: put_B\n      requestBody:\n        content: {image/*: {schema: {type: string}}}\n",
        );
        let [post, put] = api.operations.as_slice() else {
            panic!("two operations");
        };
        assert_eq!(
            post.body.as_ref().map(|body| &body.content),
            Some(&BodyContent::Json {
                media_type: "application/json".into(),
                ty: TypeRef::Int32
            })
        );
        assert_eq!(post.responses.len(), 1);
        assert_eq!(
            post.responses[0].body,
            Some(BodyContent::Binary {
                media_types: vec!["application/json".into()]
            })
        );
        // No responses: any success.
        assert_eq!(put.responses[0].status, Status::Range(2));
        assert_eq!(
            put.body.as_ref().map(|body| &body.content),
            Some(&BodyContent::Binary {
                media_types: vec!["image/*".into()]
            })
        );
        let warnings = api.warnings.short();
        for expected in [
            "`application/json; odata=verbose` content is left out: the first JSON form, `application/json`, is generated",
            "the binary forms of this content (`application/octet-stream`) are left out: the JSON form is generated",
            "`application/json` content has no schema: it is carried as raw bytes",
            "`image/*` content is carried as raw bytes: its schema is not a binary string",
            "the operation declares no responses: any 2XX answer is its success, without a body",
        ] {
            assert!(warnings.contains(expected), "{expected}:\n{warnings}");
        }
    }

    #[test]
    fn malformed_media_types_and_statuses_are_located() {
        let short = errors(
            "paths:\n  /a:\n    get:\n      responses:\n        '999': {description: No.}\n        '200':\n          description: Done.\n          content: {jpeg: {}}\n",
        );
        assert!(
            short.contains("spec.yaml:7:9: error: `999` is not a response status"),
            "{short}"
        );
        assert!(short.contains("`jpeg` is not a media type"), "{short}");
    }
}
