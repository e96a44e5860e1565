//! A tracing subscriber for tests: records the name and fields of every span a thread creates
//! while it is recording.
//!
//! It is installed once as the process's global subscriber and records per thread. A subscriber
//! set per test with `tracing::subscriber::set_default` is not enough when tests run in
//! parallel: tracing keeps one global "most verbose level any subscriber wants", recomputed
//! whenever a scoped subscriber comes or goes, and another test's recomputation can finish last
//! with its own subscriber already gone, switching `tracing::enabled!` off for everyone.

use std::cell::RefCell;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Once, PoisonError};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// A span's name and its fields as text.
type Recorded = (String, Vec<(String, String)>);

thread_local! {
    /// Where the spans this thread creates go, while a [`Recording`] lasts.
    static ACTIVE: RefCell<Option<SpanRecorder>> = const { RefCell::new(None) };
}

/// The spans one test recorded.
#[derive(Clone, Default)]
pub(crate) struct SpanRecorder {
    spans: Arc<Mutex<Vec<Recorded>>>,
}

/// Records this thread's spans into its recorder until dropped.
pub(crate) struct Recording(());

impl Drop for Recording {
    fn drop(&mut self) {
        ACTIVE.with(|active| active.borrow_mut().take());
    }
}

impl SpanRecorder {
    /// Starts recording the spans this thread creates (a `#[tokio::test]` runs on its own
    /// thread), installing the global subscriber on first use.
    pub(crate) fn start(&self) -> Recording {
        static INSTALL: Once = Once::new();
        INSTALL.call_once(|| {
            // Fails only if another global subscriber exists, which no test here sets; the
            // assertions on recorded spans would then say so.
            let _ = tracing::subscriber::set_global_default(ThreadRecorder::default());
        });
        ACTIVE.with(|active| *active.borrow_mut() = Some(self.clone()));
        Recording(())
    }

    /// The value of `field` on the first recorded span named `span`.
    pub(crate) fn field(&self, span: &str, field: &str) -> Option<String> {
        let spans = self.spans.lock().unwrap_or_else(PoisonError::into_inner);
        let (_, fields) = spans.iter().find(|(name, _)| name == span)?;
        fields
            .iter()
            .find(|(name, _)| name == field)
            .map(|(_, value)| value.clone())
    }
}

struct Fields<'a>(&'a mut Vec<(String, String)>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push((field.name().to_owned(), value.to_owned()));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.push((field.name().to_owned(), format!("{value:?}")));
    }
}

/// The global subscriber: hands each new span to the recorder of the thread creating it, if any.
#[derive(Default)]
struct ThreadRecorder {
    next_id: AtomicU64,
}

impl Subscriber for ThreadRecorder {
    fn enabled(&self, _metadata: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, attributes: &Attributes<'_>) -> Id {
        ACTIVE.with(|active| {
            if let Some(recorder) = active.borrow().as_ref() {
                let mut fields = Vec::new();
                attributes.record(&mut Fields(&mut fields));
                recorder
                    .spans
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push((attributes.metadata().name().to_owned(), fields));
            }
        });
        Id::from_u64(self.next_id.fetch_add(1, Ordering::Relaxed) + 1)
    }

    fn record(&self, _span: &Id, _values: &Record<'_>) {}

    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}

    fn event(&self, _event: &Event<'_>) {}

    fn enter(&self, _span: &Id) {}

    fn exit(&self, _span: &Id) {}
}
