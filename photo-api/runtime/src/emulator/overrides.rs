//! [`Overrides`]: hand-written behaviour for chosen operations, without editing generated code.
//!
//! The generated binding asks the overrides first for every operation, so an override serves an
//! operation outside the media-entity pattern (which otherwise answers `501`) or replaces the
//! engine's behaviour for one that fits. Operations are named by the marker types the binding
//! generates (`generated::emulator::operation::GetMyPhoto`), so a handler's request and response
//! types are checked by the compiler. With the photo spec's generated code (the `photo-api`
//! crate):
//!
//! ```ignore
//! use photo_api::emulator::{Emulator, Overrides};
//! use photo_api::generated::emulator::operation::DeleteMyPhoto;
//! use photo_api::server::DeleteMyPhotoResponse;
//!
//! let overrides = Overrides::new().with::<DeleteMyPhoto, _, _>(|_context, _request| async {
//!     DeleteMyPhotoResponse::NoContent
//! });
//! let emulator = Emulator::builder().overrides(overrides).build();
//! ```

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::Arc;

use futures_util::future::BoxFuture;

use crate::server::RequestContext;

/// An operation of a spec, as the generated binding names it.
pub trait Operation: 'static {
    /// The operation's validated request.
    type Request: Send + 'static;
    /// The operation's response.
    type Response: Send + 'static;
    /// The spec's `operationId`.
    const ID: &'static str;
}

type Call<O> = dyn Fn(RequestContext, <O as Operation>::Request) -> BoxFuture<'static, <O as Operation>::Response>
    + Send
    + Sync;

/// The hand-written behaviour of operation `O`.
pub struct Handler<O: Operation> {
    call: Box<Call<O>>,
}

impl<O: Operation> Handler<O> {
    /// Answers `request`.
    pub fn call(
        &self,
        context: RequestContext,
        request: O::Request,
    ) -> BoxFuture<'static, O::Response> {
        (self.call)(context, request)
    }
}

/// The overridden operations, by their marker type.
#[derive(Clone, Default)]
pub struct Overrides {
    handlers: HashMap<TypeId, (&'static str, Arc<dyn Any + Send + Sync>)>,
}

impl Overrides {
    /// No overrides: every operation is the engine's (or `501`).
    pub fn new() -> Self {
        Self::default()
    }

    /// Serves operation `O` with `handler` from now on, replacing any earlier override of it.
    pub fn with<O, F, Fut>(mut self, handler: F) -> Self
    where
        O: Operation,
        F: Fn(RequestContext, O::Request) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = O::Response> + Send + 'static,
    {
        let handler: Handler<O> = Handler {
            call: Box::new(move |context, request| Box::pin(handler(context, request))),
        };
        self.handlers
            .insert(TypeId::of::<O>(), (O::ID, Arc::new(handler)));
        self
    }

    /// The override of operation `O`, if any.
    pub fn get<O: Operation>(&self) -> Option<&Handler<O>> {
        if self.handlers.is_empty() {
            return None;
        }
        let (_, handler) = self.handlers.get(&TypeId::of::<O>())?;
        handler.downcast_ref()
    }
}

impl fmt::Debug for Overrides {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut ids: Vec<&str> = self.handlers.values().map(|(id, _)| *id).collect();
        ids.sort_unstable();
        f.debug_list().entries(ids).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Echo;
    impl Operation for Echo {
        type Request = u32;
        type Response = u32;
        const ID: &'static str = "echo";
    }

    struct Other;
    impl Operation for Other {
        type Request = ();
        type Response = ();
        const ID: &'static str = "other";
    }

    #[tokio::test]
    async fn an_override_answers_its_operation_only() {
        let overrides = Overrides::new().with::<Echo, _, _>(|_, n| async move { n + 1 });
        let context = RequestContext {
            principal: std::sync::Arc::new(crate::server::Principal {
                subject: "u".into(),
                kind: crate::operation::TokenKind::DelegatedWork,
                permissions: vec![],
                tenant_id: None,
                client_id: None,
            }),
            request_id: "r".into(),
            client_request_id: None,
        };
        let handler = overrides.get::<Echo>().expect("overridden");
        assert_eq!(handler.call(context, 41).await, 42);
        assert!(overrides.get::<Other>().is_none());
        assert_eq!(format!("{overrides:?}"), "[\"echo\"]");
    }
}
