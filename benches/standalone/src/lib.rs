//! The rooms the parse and resolve benchmarks need, included by path from
//! the main crate (see `Cargo.toml`).

#[path = "../../../src/diagnostic.rs"]
pub mod diagnostic;
#[path = "../../../src/model/mod.rs"]
pub mod model;
#[path = "../../../src/resolve/mod.rs"]
pub mod resolve;
#[path = "../../../src/syntax/mod.rs"]
pub mod syntax;

/// Only the image-reference grammar, which the resolver validates images
/// with (at `crate::discover::image`, as in the main crate).
#[path = "../../../src/discover/image/mod.rs"]
#[allow(dead_code)]
mod image;
mod discover {
    pub(crate) use super::image;
}
