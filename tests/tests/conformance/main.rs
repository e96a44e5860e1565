//! Conformance under hostile and heavy use: the spec as an independent OpenAPI parser reads it,
//! HTTP fuzzing, raw HTTP over sockets, and load.

mod http_fuzz;
mod http_wire;
mod load;
mod oracle;
#[path = "../support/mod.rs"]
mod support;
