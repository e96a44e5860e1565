//! The local emulator of this crate's description: the generic engine of
//! [`photo_runtime::emulator`] (store, images, ETags, OData shapes, tokens, faults, overrides, the
//! least-privilege advisor) serving the generated [`server::Api`](crate::server::Api) through the
//! generated binding ([`generated::emulator`](crate::generated::emulator)). [`Emulator`] is the
//! engine's emulator of this description.
//!
//! ```no_run
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
//! Hand-written behaviour for chosen operations, named by the binding's marker types:
//!
//! ```no_run
//! use photo_api::emulator::{Emulator, Overrides};
//! use photo_api::generated::emulator::operation::DeleteMyPhoto;
//! use photo_api::server::DeleteMyPhotoResponse;
//!
//! let overrides = Overrides::new().with::<DeleteMyPhoto, _, _>(|_context, _request| async {
//!     DeleteMyPhotoResponse::NoContent
//! });
//! let emulator = Emulator::builder().overrides(overrides).build();
//! ```

pub use crate::generated::emulator::{Emulator, EmulatorBuilder, Spec};
pub use photo_runtime::emulator::*;
