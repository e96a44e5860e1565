//! The workspace's integration tests live in `tests/`. This library compiles the code generated
//! from every fixture spec in `fixtures/` (by `build.rs`), so a fixture that generates code which
//! does not compile fails the build.

include!(concat!(env!("OUT_DIR"), "/fixtures.rs"));

pub mod permission_facts;
