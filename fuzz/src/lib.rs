//! The syntax room compiled on its own for fuzzing.
//!
//! These are the very source files of the `mirage` crate (`src/diagnostic.rs`
//! and `src/syntax/`), included by path: depending on the whole crate would
//! build tokio, axum, rusqlite and the GraphQL code generator with sanitizer
//! instrumentation, which takes far longer on this machine than the fuzzing
//! itself, and the parser needs none of it.

#[path = "../../src/diagnostic.rs"]
pub mod diagnostic;
#[path = "../../src/syntax/mod.rs"]
pub mod syntax;
