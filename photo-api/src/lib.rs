//! A typed client, a server stub and a local emulator for Microsoft Graph's profile-photo API,
//! generated from `spec/photo.openapi.yaml` by `cargo xtask codegen`.
//!
//! ```no_run
//! # async fn sync(token: String, jpeg: Vec<u8>) -> Result<(), Box<dyn std::error::Error>> {
//! use photo_api::client::{ApiClient, GetUserPhotoContentBySizeResponse, PhotoContent};
//! use photo_api::models::{base_url, Cloud, PhotoSize, UserKey, Version};
//! use photo_api::runtime::client::Client;
//!
//! let http = Client::builder()
//!     .base_url(base_url(Cloud::Global, Version::V1))
//!     .max_request_bytes(Version::V1.max_request_bytes())
//!     .static_token(token)
//!     .build()?;
//! let graph = ApiClient::new(http);
//!
//! // Checked locally: JPEG signature and size limit.
//! graph.me().photo().content().put(PhotoContent::from_jpeg(jpeg)?).await?;
//!
//! let user = UserKey::new("adele@contoso.com")?;
//! let GetUserPhotoContentBySizeResponse::Ok { body, .. } =
//!     graph.users().by_key(&user).photos().by_size(PhotoSize::S240x240).content().get().await?
//!     else { return Ok(()) };
//! let thumbnail = body.bytes().await?;
//! # let _ = thumbnail;
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]

/// The runtime the generated code calls: the `photo-runtime` crate.
pub use photo_runtime as runtime;

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
