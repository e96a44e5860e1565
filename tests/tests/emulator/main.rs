//! The emulator as the spec makes it: owners and operations served from a generated binding
//! alone, Microsoft's dialect (and team photos in it), the least-privilege advisor, and the
//! spec's permission tables.

mod advisor;
mod emulator_fixture;
mod emulator_graph_dialect;
mod permissions;
#[path = "../support/mod.rs"]
mod support;
mod teams_graph;
