//! A local Microsoft Graph profile-photo emulator for integration tests: a description's
//! generated server `Api` implemented over an in-memory or on-disk photo store, with real JPEG
//! handling, dev tokens and fault injection.
//!
//! The emulator follows the description. Its `Api` implementation is generated (the binding
//! photo-gen writes as `emulator.rs` when asked to): photo-gen reads every operation as an
//! OData media-entity operation (`{owner}/photo`, `{owner}/photo/$value`, `{owner}/photos`,
//! `{owner}/photos/{size}`, `{owner}/photos/{size}/$value`), names its owner from the path
//! ([`OwnerSegment`]: `me`, entity sets with keys compared as the spec's `x-photo-key` says,
//! navigations) and calls one behaviour of [`PhotoService`], which answers through the reply
//! traits of [`reply`]. This module is that engine, written once: store, images, ETags, OData
//! shapes, tokens and faults, nothing per operation or per kind of owner. A new owner kind in the
//! spec works after `cargo xtask codegen`; an operation outside the pattern answers
//! `501 NotImplemented` (and codegen warns), unless an [`Overrides`] entry serves it. The rules are
//! in photo-gen's `spec/README.md`. The binding also names the description ([`EmulatedSpec`]: its
//! router and path prefixes) as `Spec`, and its emulator as `emulator::Emulator`
//! (`Emulator<Spec>`); generate it with photo-gen's `Options::external().with_emulator()`.
//!
//! Implementing `Api` yourself is different on purpose: the trait stays exhaustive, so a new
//! operation in the spec is a compile error until your implementation handles it.
//!
//! With the photo spec's generated code (the `photo-api` crate):
//!
//! ```ignore
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use photo_api::emulator::{Emulator, Faults, TokenSpec};
//!
//! let emulator = Emulator::builder().faults(Faults::first(1)).build()?;
//! let token = emulator.token(&TokenSpec::delegated("user-1", ["User.ReadWrite"]))?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! println!("http://{}/v1.0 with Bearer {token}", listener.local_addr()?);
//! emulator.serve(listener).await?;
//! # Ok(()) }
//! ```
//!
//! Behaviour, as Graph's: `PUT …/photo/$value` takes a JPEG, judged by its bytes, under any media
//! type the spec declares for it (the photo spec: `image/jpeg` and `application/octet-stream`,
//! which Microsoft's SDKs send); a body that is not a JPEG is `400 ErrorInvalidImage` and another
//! media type (`image/png` too) `415`; it answers `200` without a body and serves the photo back
//! as `image/jpeg`. Graph's own status for a non-JPEG sent as `application/octet-stream` is not
//! documented: the emulator gives it the answer of a non-JPEG sent as `image/jpeg` (sources in
//! `spec/README.md`). `GET …/photo` gives the metadata with
//! `@odata.*` annotations and an `ETag`; `GET …/photo/$value` the original bytes; `GET …/photos`
//! the standard sizes no larger than the upload and `…/photos/{size}/$value` a real resized JPEG;
//! `If-None-Match` gives `304`, a mismatching `If-Match` on `DELETE` gives `412`; a missing photo
//! is `404 ImageNotFound`. `/me` (and `/drive/root/createdByUser`) is the token's subject.
//!
//! Uploads are checked without decoding pixels (the JPEG's headers, read by the decoder that
//! resizes photos, and image data ending in an end-of-image marker), which keeps a 4 MB upload
//! about as fast as storing it. Damage inside the compressed image data is found only when a resized size is first made:
//! that request answers `422 ErrorInvalidImage`. [`UploadCheck::Decode`]
//! (`photo-emulator serve --decode-uploads`) decodes every upload instead, refusing such photos
//! with `400` when they are uploaded.
//!
//! The emulator also advises on least privilege ([`advisor`]): it records which operations each
//! client called (the token's `appid`, else `azp` — [`TokenSpec::client`] sets it — else its
//! subject), with which kind of token, on which API version and holding which permissions,
//! refused calls included. `GET /_emulator/permissions` ([`PERMISSIONS_PATH`], outside the API's
//! prefixes such as `/v1.0` and `/beta`, and not in the description) answers a
//! [`PermissionReport`] as JSON:
//!
//! ```json
//! {"clients": [{"clientId": "sync-daemon", "usage": [{
//!   "tokenKind": "application", "apiVersion": "v1.0",
//!   "operations": ["getMyPhoto", "getUserPhotoContent", "setUserPhotoContent"],
//!   "granted": ["ProfilePhoto.Read.All", "User.Read.All"],
//!   "leastPrivileged": ["ProfilePhoto.ReadWrite.All"],
//!   "unneeded": ["ProfilePhoto.Read.All", "User.Read.All"],
//!   "uncoverable": ["getMyPhoto"]}]}]}
//! ```
//!
//! Clients are sorted by id, their usage by token kind (the scheme's name) and version, and every
//! list by name. `leastPrivileged` is
//! [`least_privileged`](crate::least_privilege::least_privileged) of the operations
//! called, `unneeded` the granted permissions outside it, `uncoverable` the operations no
//! permission of that token kind allows on that version. [`Emulator::permission_report`] gives
//! the same report in process; `photo-emulator serve` prints it when it stops.

#![warn(missing_docs)]

pub mod advisor;
mod builder;
pub mod faults;
mod image_info;
pub mod imaging;
mod odata;
pub mod overrides;
pub mod owner;
pub mod reply;
pub mod service;
pub mod store;
pub mod tokens;
mod upload;
mod wire;

#[doc(hidden)]
pub mod test_images;

pub use advisor::{ClientReport, PERMISSIONS_PATH, PermissionLog, PermissionReport, UsageReport};
pub use builder::{EmulatedSpec, Emulator, EmulatorBuilder, EmulatorError, random_secret};
pub use faults::{FaultMode, FaultStatus, Faults};
pub use imaging::UploadCheck;
pub use overrides::{Handler, Operation, Overrides};
pub use owner::{KeyRule, OwnerKey, OwnerSegment, Owners};
pub use reply::{
    ContentReply, DoneReply, FromCollection, FromEntity, ListReply, MetadataReply, PhotoCollection,
    PhotoEntity, PhotoPatch, Select,
};
pub use service::PhotoService;
pub use store::{FileStore, MemoryStore, Photo, PhotoStore};
pub use tokens::{Grant, TokenSpec, mint};
