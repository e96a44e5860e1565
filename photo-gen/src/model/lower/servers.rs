//! The server template: the first `servers` entry, its variables and the request size limits
//! keyed by one of them.

use super::super::pointer::ROOT;
use super::super::problems::Problems;
use super::super::{EnumValue, ServerTemplate, ServerVariable};
use crate::names;
use crate::spec::Document;

pub(super) fn servers(problems: &mut Problems, doc: &Document) -> Option<ServerTemplate> {
    let server = doc.servers.first()?;
    let limits = doc.extra.get("x-request-size-limits");
    let mut limits_used = limits.is_none();
    let mut variables = Vec::new();
    let servers_pointer = ROOT.key("servers");
    let server_pointer = servers_pointer.index(0);
    let variables_pointer = server_pointer.key("variables");
    for (name, variable) in &server.variables {
        let pointer = variables_pointer.key(name);
        let values = variable
            .values
            .clone()
            .unwrap_or_else(|| vec![variable.default.clone()]);
        if !values.contains(&variable.default) {
            problems.error_value(
                &pointer.key("default"),
                format!(
                    "default `{}` is not one of the variable's `enum` values",
                    variable.default
                ),
                None,
            );
        }
        let given_names = variable
            .extra
            .get("x-enum-varnames")
            .and_then(|names| names.as_sequence());
        if given_names.is_some_and(|given| given.len() != values.len()) {
            problems.error(
                &pointer.key("x-enum-varnames"),
                "`x-enum-varnames` must name every `enum` value, in order",
                None,
            );
        }
        let mut enum_values = Vec::new();
        let rust_name = names::camel(name, "V").unwrap_or_else(|| "Variable".into());
        for (position, value) in values.iter().enumerate() {
            let given = given_names
                .and_then(|given| given.get(position))
                .and_then(|name| name.as_str());
            let Some(variant) = names::camel(given.unwrap_or(value), &names::initial(&rust_name))
            else {
                problems.error(
                    &pointer,
                    format!("server variable value `{value}` gives no usable Rust name"),
                    Some("name it with `x-enum-varnames`".into()),
                );
                continue;
            };
            enum_values.push(EnumValue {
                value: value.clone(),
                rust_name: variant,
            });
        }
        let mut request_size_limits = Vec::new();
        if let Some(map) = limits.and_then(|limits| limits.as_mapping()) {
            let keys: Vec<&str> = map.keys().filter_map(|key| key.as_str()).collect();
            if keys
                .iter()
                .all(|key| values.iter().any(|value| value == key))
                && !keys.is_empty()
            {
                limits_used = true;
                for value in &values {
                    match map.get(value.as_str()).and_then(|limit| limit.as_u64()) {
                        Some(limit) if limit > 0 => request_size_limits.push(limit),
                        _ => problems.error_value(
                            &ROOT.key("x-request-size-limits").key(value),
                            format!(
                                "`x-request-size-limits` needs a positive byte count for `{value}`"
                            ),
                            None,
                        ),
                    }
                }
            }
        }
        // A variable is part of the root when its values are whole roots (`{cloud}/v1.0`) or it
        // stands in the scheme or host (`{scheme}://{host}/v2`); only the others prefix paths.
        let placeholder = format!("{{{name}}}");
        let in_authority = server.url.find("://").is_some_and(|scheme_end| {
            let host_start = scheme_end + 3;
            let authority_end = server.url[host_start..]
                .find('/')
                .map_or(server.url.len(), |at| host_start + at);
            server
                .url
                .find(&placeholder)
                .is_some_and(|at| at < authority_end)
        });
        let is_root = in_authority
            || values
                .iter()
                .all(|value| value.starts_with("http://") || value.starts_with("https://"));
        variables.push(ServerVariable {
            name: name.clone(),
            rust_name,
            default: variable.default.clone(),
            values: enum_values,
            request_size_limits,
            is_root,
        });
    }
    if !limits_used {
        problems.error(
            &ROOT.key("x-request-size-limits"),
            "`x-request-size-limits` must map the values of one server variable to byte counts",
            Some(
                "for example `{v1.0: 4194304, beta: 8388608}` keyed by the `version` variable"
                    .into(),
            ),
        );
    }
    Some(ServerTemplate {
        url: server.url.clone(),
        variables,
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_spec::{errors, lowered};

    const PATHS: &str = "paths:\n  /me:\n    get:\n      operationId: me_Get\n      responses: {'204': {description: Done.}}\n";

    #[test]
    fn variables_take_their_values_names_and_limits() {
        let api = lowered(&format!(
            "servers:\n  - url: 'https://{{cloud}}/{{version}}'\n    variables:\n      cloud: {{default: 'https://a.example', enum: ['https://a.example', 'https://b.example'], x-enum-varnames: [Global, China]}}\n      version: {{default: v1.0, enum: [v1.0, beta]}}\nx-request-size-limits: {{v1.0: 100, beta: 200}}\n{PATHS}"
        ));
        let servers = api.servers.as_ref().expect("a server");
        let [cloud, version] = servers.variables.as_slice() else {
            panic!("two variables: {:?}", servers.variables);
        };
        assert!(cloud.is_root && !version.is_root);
        let names: Vec<&str> = cloud.values.iter().map(|v| v.rust_name.as_str()).collect();
        assert_eq!(names, ["Global", "China"]);
        assert_eq!(version.request_size_limits, [100, 200]);
        assert!(cloud.request_size_limits.is_empty());
    }

    #[test]
    fn a_variable_in_the_host_is_part_of_the_root() {
        let api = lowered(&format!(
            "servers:\n  - url: 'https://{{region}}.example.com/v2'\n    variables:\n      region: {{default: eu}}\n{PATHS}"
        ));
        let region = &api.servers.as_ref().expect("a server").variables[0];
        assert!(region.is_root);
        assert_eq!(region.values[0].value, "eu");
    }

    #[test]
    fn a_default_outside_the_values_and_unkeyed_limits_are_located() {
        let short = errors(&format!(
            "servers:\n  - url: 'https://x/{{v}}'\n    variables:\n      v: {{default: v3, enum: [v1, v2]}}\nx-request-size-limits: {{v9: 1}}\n{PATHS}"
        ));
        assert!(
            short.contains(
                "spec.yaml:6:20: error: default `v3` is not one of the variable's `enum` values"
            ),
            "{short}"
        );
        assert!(
            short.contains("`x-request-size-limits` must map the values"),
            "{short}"
        );
    }
}
