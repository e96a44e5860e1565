//! Hand-written support that the generated code calls. Behaviour lives here, in ordinary code with
//! its own tests; the generated modules only wire the spec's operations to it.

#[cfg(any(feature = "client", feature = "server"))]
mod claims;
#[cfg(any(feature = "client", feature = "server"))]
mod guid;
pub mod least_privilege;
pub mod operation;
pub mod param;
pub mod path;
pub mod segment;

#[cfg(all(test, any(feature = "client", feature = "server")))]
mod span_recorder;

#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "server")]
pub mod server;
