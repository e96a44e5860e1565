//! A tracing subscriber for tests: records the name and fields of every span created while it is
//! the thread's default.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// A span's name and its fields as text.
type Recorded = (String, Vec<(String, String)>);

#[derive(Clone, Default)]
pub(crate) struct SpanRecorder {
    spans: Arc<Mutex<Vec<Recorded>>>,
    next_id: Arc<AtomicU64>,
}

impl SpanRecorder {
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

impl Subscriber for SpanRecorder {
    fn enabled(&self, _metadata: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, attributes: &Attributes<'_>) -> Id {
        let mut fields = Vec::new();
        attributes.record(&mut Fields(&mut fields));
        self.spans
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((attributes.metadata().name().to_owned(), fields));
        Id::from_u64(self.next_id.fetch_add(1, Ordering::Relaxed) + 1)
    }

    fn record(&self, _span: &Id, _values: &Record<'_>) {}

    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}

    fn event(&self, _event: &Event<'_>) {}

    fn enter(&self, _span: &Id) {}

    fn exit(&self, _span: &Id) {}
}
