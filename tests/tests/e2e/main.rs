//! End to end over 127.0.0.1: the generated photo client against the emulator and raw HTTP
//! against it, the fixtures' generated clients against their generated servers (a Graph slice,
//! other descriptions, paged lists), security, and the README's server example.

mod e2e_client;
mod e2e_server;
mod graph_slice;
mod non_graph;
mod odata_segments;
mod paging;
mod real_descriptions;
mod security;
mod server_stub;
#[path = "../support/mod.rs"]
mod support;
