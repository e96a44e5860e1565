//! The generator's model agrees with an independent OpenAPI parser (the `openapiv3` crate) on
//! the photo spec: the same operations, parameters, media types and response statuses.

use std::collections::BTreeSet;

use openapiv3::{OpenAPI, Parameter, ReferenceOr};
use photo_gen::model::{BodyContent, ParamLocation, Status};

fn spec_text() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../spec/photo.openapi.yaml"
    ))
    .expect("spec")
}

fn resolve_parameter<'a>(spec: &'a OpenAPI, node: &'a ReferenceOr<Parameter>) -> &'a Parameter {
    match node {
        ReferenceOr::Item(parameter) => parameter,
        ReferenceOr::Reference { reference } => {
            let name = reference.trim_start_matches("#/components/parameters/");
            let components = spec.components.as_ref().expect("components");
            resolve_parameter(
                spec,
                components.parameters.get(name).expect("parameter exists"),
            )
        }
    }
}

#[test]
fn model_matches_an_independent_parser() {
    let text = spec_text();
    let oracle: OpenAPI = serde_yaml::from_str(&text).expect("openapiv3 parses the spec");
    let api = photo_gen::lower(&photo_gen::SpecSource::new("spec/photo.openapi.yaml", text))
        .expect("valid");

    let mut oracle_ops = BTreeSet::new();
    for (path, item) in oracle.paths.paths.iter() {
        let ReferenceOr::Item(item) = item else {
            panic!("path item refs are not used")
        };
        for (method, op) in item.iter() {
            let mut params: BTreeSet<(String, String)> = item
                .parameters
                .iter()
                .chain(&op.parameters)
                .map(|node| resolve_parameter(&oracle, node))
                .map(|p| {
                    (
                        p.parameter_data_ref().name.clone(),
                        match p {
                            Parameter::Path { .. } => "path",
                            Parameter::Query { .. } => "query",
                            Parameter::Header { .. } => "header",
                            Parameter::Cookie { .. } => "cookie",
                        }
                        .to_owned(),
                    )
                })
                .collect();
            params.retain(|(name, _)| !name.eq_ignore_ascii_case("authorization"));
            let media: BTreeSet<String> = match &op.request_body {
                Some(ReferenceOr::Item(body)) => body.content.keys().cloned().collect(),
                Some(ReferenceOr::Reference { reference }) => {
                    let name = reference.trim_start_matches("#/components/requestBodies/");
                    match oracle
                        .components
                        .as_ref()
                        .and_then(|c| c.request_bodies.get(name))
                    {
                        Some(ReferenceOr::Item(body)) => body.content.keys().cloned().collect(),
                        _ => panic!("request body {name} resolves"),
                    }
                }
                None => BTreeSet::new(),
            };
            let statuses: BTreeSet<String> = op
                .responses
                .responses
                .keys()
                .map(|code| code.to_string())
                .collect();
            oracle_ops.insert((
                method.to_ascii_uppercase(),
                path.clone(),
                op.operation_id.clone().unwrap_or_default(),
                params,
                media,
                statuses,
            ));
        }
    }

    let ours: BTreeSet<_> = api
        .operations
        .iter()
        .map(|op| {
            let params = op
                .params
                .iter()
                .map(|p| {
                    (
                        p.name.clone(),
                        match p.location {
                            ParamLocation::Path => "path",
                            ParamLocation::Query => "query",
                            ParamLocation::Header => "header",
                        }
                        .to_owned(),
                    )
                })
                .collect::<BTreeSet<_>>();
            let media = match op.body.as_ref().map(|b| &b.content) {
                Some(BodyContent::Binary { media_types }) => media_types.iter().cloned().collect(),
                Some(BodyContent::Json { media_type, .. }) => BTreeSet::from([media_type.clone()]),
                None => BTreeSet::new(),
            };
            let statuses = op
                .responses
                .iter()
                .map(|r| match r.status {
                    Status::Code(code) => code.to_string(),
                    Status::Range(class) => format!("{class}XX"),
                    Status::Default => "default".into(),
                })
                .collect::<BTreeSet<_>>();
            (
                op.method.upper().to_owned(),
                op.path.clone(),
                op.id.clone(),
                params,
                media,
                statuses,
            )
        })
        .collect();

    assert_eq!(ours.len(), 38);
    assert_eq!(ours, oracle_ops);
}
