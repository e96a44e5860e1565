//! The generator: snapshots of the model and of each fixture's generated code, located
//! warnings and errors, subsets, agreement of the generated models with the wire, the corpus of
//! Microsoft's descriptions, name collisions, damaged specs, and code that must not compile.

mod compile_fail;
mod corpus;
mod fixtures;
mod generated_crates;
mod generator;
mod models;
mod name_collisions;
mod robustness;
mod subset;
