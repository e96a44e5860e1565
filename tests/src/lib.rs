//! The workspace's integration tests live in `tests/`. This library compiles the code generated
//! from every fixture spec in `fixtures/` and every description in `corpus/` (by `build.rs`), so
//! one that generates code which does not compile fails the build.

include!(concat!(env!("OUT_DIR"), "/fixtures.rs"));

pub mod loopback;
pub mod permission_facts;
