//! A readable, stable text form of the model, for snapshots of what a spec means.

use std::fmt::Write;

use super::*;

fn type_ref(ty: &TypeRef) -> String {
    match ty {
        TypeRef::String => "string".into(),
        TypeRef::Int32 => "int32".into(),
        TypeRef::Int64 => "int64".into(),
        TypeRef::Number => "number".into(),
        TypeRef::Boolean => "boolean".into(),
        TypeRef::Any => "any".into(),
        TypeRef::Array(inner) => format!("[{}]", type_ref(inner)),
        TypeRef::Map(inner) => format!("{{string: {}}}", type_ref(inner)),
        TypeRef::Named(name) => name.clone(),
    }
}

fn body(content: &BodyContent) -> String {
    match content {
        BodyContent::Binary { media_types } => format!("binary {}", media_types.join(" | ")),
        BodyContent::Json { media_type, ty } => format!("json {media_type} {}", type_ref(ty)),
    }
}

fn status(status: Status) -> String {
    match status {
        Status::Code(code) => code.to_string(),
        Status::Range(class) => format!("{class}XX"),
        Status::Default => "default".into(),
    }
}

/// Renders the model as indented text. Infallible: writing to a `String` cannot fail.
pub fn dump(api: &Api) -> String {
    let mut out = String::new();
    let _ = render(api, &mut out);
    out
}

fn render(api: &Api, out: &mut String) -> std::fmt::Result {
    writeln!(out, "api {:?} version {:?}", api.title, api.version)?;
    if let Some(servers) = &api.servers {
        writeln!(out, "server {}", servers.url)?;
        for var in &servers.variables {
            let values: Vec<String> = var
                .values
                .iter()
                .zip(
                    var.request_size_limits
                        .iter()
                        .map(Some)
                        .chain(std::iter::repeat(None)),
                )
                .map(|(v, limit)| match limit {
                    Some(limit) => format!("{}={} (max {limit} bytes)", v.rust_name, v.value),
                    None => format!("{}={}", v.rust_name, v.value),
                })
                .collect();
            writeln!(
                out,
                "  variable {} as {} default {:?}{}: {}",
                var.name,
                var.rust_name,
                var.default,
                if var.is_root { " (root)" } else { "" },
                values.join(", ")
            )?;
        }
    }
    for scheme in &api.schemes {
        writeln!(
            out,
            "scheme {} ({:?}) scopes: {}",
            scheme.name,
            scheme.kind,
            scheme.scopes.join(", ")
        )?;
    }
    for ty in &api.types {
        match &ty.kind {
            TypeKind::Object { fields } => {
                writeln!(out, "type {} = object {}", ty.rust_name, ty.spec_name)?;
                for field in fields {
                    let mut flags = Vec::new();
                    if field.required {
                        flags.push("required")
                    }
                    if field.nullable {
                        flags.push("nullable")
                    }
                    if field.read_only {
                        flags.push("read-only")
                    }
                    if field.boxed {
                        flags.push("boxed")
                    }
                    writeln!(
                        out,
                        "  {} {:?}: {}{}",
                        field.rust_name,
                        field.json_name,
                        type_ref(&field.ty),
                        if flags.is_empty() {
                            String::new()
                        } else {
                            format!(" [{}]", flags.join(", "))
                        }
                    )?;
                }
                if let Some(additional) = &ty.additional {
                    writeln!(out, "  ...: {}", type_ref(additional))?;
                }
            }
            TypeKind::StringKey {
                min_length,
                max_length,
            } => {
                writeln!(
                    out,
                    "type {} = key {} (length {:?}..{:?})",
                    ty.rust_name, ty.spec_name, min_length, max_length
                )?;
            }
            TypeKind::StringEnum { values } => {
                let values: Vec<String> = values
                    .iter()
                    .map(|v| format!("{}={}", v.rust_name, v.value))
                    .collect();
                writeln!(
                    out,
                    "type {} = enum {}: {}",
                    ty.rust_name,
                    ty.spec_name,
                    values.join(", ")
                )?;
            }
            TypeKind::Union { variants, tag } => {
                let variants: Vec<String> = variants
                    .iter()
                    .map(|v| {
                        let boxed = if v.boxed { "box " } else { "" };
                        let held = format!("{}({boxed}{})", v.rust_name, type_ref(&v.ty));
                        match (&v.tag_value, tag) {
                            (Some(value), _) => format!("{held}={value}"),
                            (None, Some(_)) => format!("{held} [fallback]"),
                            (None, None) => held,
                        }
                    })
                    .collect();
                let tagged = tag
                    .as_ref()
                    .map(|property| format!(" tagged by {property}"))
                    .unwrap_or_default();
                writeln!(
                    out,
                    "type {} = union {}{tagged}: {}",
                    ty.rust_name,
                    ty.spec_name,
                    variants.join(" | ")
                )?;
            }
        }
    }
    for op in &api.operations {
        writeln!(
            out,
            "operation {} {} {} (fn {}, types {}){}",
            op.id,
            op.method.upper(),
            op.path,
            op.fn_name,
            op.type_name,
            if op.deprecated { " deprecated" } else { "" }
        )?;
        for param in &op.params {
            writeln!(
                out,
                "  param {:?} {:?} as {}: {}{}{}{}",
                param.location,
                param.name,
                param.rust_name,
                type_ref(&param.ty),
                if param.required { " required" } else { "" },
                if param.key.case_insensitive {
                    " key-case-insensitive"
                } else {
                    ""
                },
                if param.key.aliases {
                    " key-aliases"
                } else {
                    ""
                }
            )?;
        }
        if let Some(request) = &op.body {
            writeln!(
                out,
                "  body {} {}{}",
                request.rust_name,
                body(&request.content),
                if request.required { " required" } else { "" }
            )?;
        }
        for response in &op.responses {
            let headers: Vec<&str> = response.headers.iter().map(|h| h.name.as_str()).collect();
            writeln!(
                out,
                "  response {} {}{}{}",
                status(response.status),
                response.variant,
                response
                    .body
                    .as_ref()
                    .map(|b| format!(" {}", body(b)))
                    .unwrap_or_default(),
                if headers.is_empty() {
                    String::new()
                } else {
                    format!(" headers {}", headers.join(", "))
                }
            )?;
        }
        if let Some(paging) = &op.pageable {
            writeln!(
                out,
                "  pages of {} {:?}: {}{}",
                paging.variant,
                paging.items.0,
                type_ref(&paging.item_ty),
                paging
                    .next_link
                    .as_ref()
                    .map(|(json_name, _)| format!(", next link {json_name:?}"))
                    .unwrap_or_default()
            )?;
        }
        if op.security.is_empty() {
            writeln!(out, "  security: none can authorize")?;
        }
        for alternative in &op.security {
            if alternative.is_anonymous() {
                writeln!(out, "  security: anyone")?;
                continue;
            }
            writeln!(
                out,
                "  security {}: {}",
                alternative.scheme,
                alternative.scopes.join(" + ")
            )?;
        }
        for entry in &op.security_by_version {
            if entry.security.is_empty() {
                writeln!(out, "  security on {}: none can authorize", entry.version)?;
            }
            for alternative in &entry.security {
                writeln!(
                    out,
                    "  security on {} {}: {}",
                    entry.version,
                    alternative.scheme,
                    alternative.scopes.join(" + ")
                )?;
            }
        }
        if !op.unsupported_schemes.is_empty() {
            writeln!(
                out,
                "  not supported: {}",
                op.unsupported_schemes.join(", ")
            )?;
        }
    }
    Ok(())
}
