//! A typed client, a server stub and a local emulator for Microsoft Graph's profile-photo API,
//! generated from `spec/photo.openapi.yaml` by `cargo xtask codegen`.

pub mod runtime;
