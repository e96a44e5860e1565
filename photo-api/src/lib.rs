//! A typed client, a server stub and a local emulator for Microsoft Graph's profile-photo API,
//! generated from `spec/photo.openapi.yaml` by `cargo xtask codegen`.

pub mod runtime;

#[rustfmt::skip]
pub mod generated;

#[cfg(feature = "client")]
pub use generated::client;
pub use generated::models;
pub use generated::operations;
#[cfg(feature = "server")]
pub use generated::server;

#[cfg(feature = "emulator")]
pub mod emulator;
