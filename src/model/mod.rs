//! Plain data for the desired state of a Railway project, every value with
//! its provenance. Produced by [`resolve`](crate::resolve).

/// The desired state of one Railway project.
#[derive(Debug, Clone, Default)]
pub struct Project {}
