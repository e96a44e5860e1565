//! A typed client, a server stub and a local emulator for Microsoft Graph's profile-photo API,
//! generated from `spec/photo.openapi.yaml` by `cargo xtask codegen`.

pub mod runtime;

#[rustfmt::skip]
#[allow(clippy::all)]
pub mod generated;

pub use generated::models;
pub use generated::operations;
#[cfg(feature = "client")]
pub use generated::client;
#[cfg(feature = "server")]
pub use generated::server;
