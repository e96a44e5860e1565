//! Request validation and Graph-shaped responses for the generated axum router.
