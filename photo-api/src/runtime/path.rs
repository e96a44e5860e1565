//! Percent-encoded request paths built segment by segment.
