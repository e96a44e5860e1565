//! Problems found while lowering, located in the spec's text.

use super::pointer::Pointer;
use crate::diagnostics::{Diagnostic, Diagnostics, Location};
use crate::locate::Locator;

/// Names an inline type from where it is used; called only when such a type is found.
pub type Hint<'h> = &'h dyn Fn() -> String;

/// Problems collected during lowering, located through the spec's [`Locator`] (read on the first
/// problem).
pub struct Problems<'a> {
    index: &'a Locator<'a>,
    diagnostics: &'a mut Diagnostics,
    warnings: Option<&'a mut Diagnostics>,
}

impl<'a> Problems<'a> {
    /// Problems located in `index`'s text and recorded in `diagnostics`; warnings are recorded
    /// in `warnings` when given, else dropped.
    pub fn new(
        index: &'a Locator<'a>,
        diagnostics: &'a mut Diagnostics,
        warnings: Option<&'a mut Diagnostics>,
    ) -> Self {
        Problems {
            index,
            diagnostics,
            warnings,
        }
    }

    /// Something at `pointer` that generation could only do loosely (it goes on).
    pub fn warning(&mut self, pointer: &Pointer, message: impl Into<String>, hint: Option<String>) {
        let Some(warnings) = self.warnings.as_deref_mut() else {
            return;
        };
        let location = self.index.locate(&pointer.render());
        warnings.push(
            Diagnostic {
                location,
                message: message.into(),
                hint,
            },
            self.index.text(),
        );
    }

    /// A problem with the node (or, for a mapping entry, the key) at `pointer`.
    pub fn error(&mut self, pointer: &Pointer, message: impl Into<String>, hint: Option<String>) {
        let location = self.index.locate(&pointer.render());
        self.push(location, message.into(), hint);
    }

    /// A problem with the value (rather than the key) at `pointer`.
    pub fn error_value(
        &mut self,
        pointer: &Pointer,
        message: impl Into<String>,
        hint: Option<String>,
    ) {
        let location = self.index.locate_value(&pointer.render());
        self.push(location, message.into(), hint);
    }

    fn push(&mut self, location: Option<Location>, message: String, hint: Option<String>) {
        self.diagnostics.push(
            Diagnostic {
                location,
                message,
                hint,
            },
            self.index.text(),
        );
    }

    /// How many warnings have been recorded, to [`Problems::retract_warnings`] back to.
    pub fn warning_count(&self) -> usize {
        self.warnings.as_deref().map_or(0, Diagnostics::len)
    }

    /// Drops the warnings recorded after the first `count`, for a caller that reports the same
    /// thing more precisely.
    pub fn retract_warnings(&mut self, count: usize) {
        if let Some(warnings) = self.warnings.as_deref_mut() {
            warnings.items.truncate(count);
        }
    }

    /// How many problems have been recorded.
    pub fn count(&self) -> usize {
        self.diagnostics.len()
    }

    /// `line:col` of a pointer, for messages that mention a second place.
    pub fn describe(&self, pointer: &Pointer) -> String {
        let pointer = pointer.render();
        match self.index.locate(&pointer) {
            Some(at) => format!("{}:{}", at.line, at.column),
            None => pointer,
        }
    }
}
