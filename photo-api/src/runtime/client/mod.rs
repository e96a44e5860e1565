//! The HTTP client the generated operations call.
