//! Editor features on top of the resolver's analysis, for the language
//! server (`mirage-lsp`): positions in UTF-16, a name index (definitions,
//! references, rename), completion, hover, the outline and quick fixes.
//!
//! Nothing here re-checks the language: diagnostics are the resolver's, the
//! node documentation is [`schema`]'s one table, formatting is
//! [`crate::syntax::format`].

pub mod actions;
pub mod complete;
pub mod context;
pub mod hover;
pub mod index;
pub mod lines;
pub mod schema;
pub mod symbols;

pub use actions::{Fix, did_you_mean_fix};
pub use complete::{Completion, ItemKind, complete};
pub use hover::hover;
pub use index::{Index, Kind, Occurrence};
pub use lines::{LineIndex, Position};
pub use symbols::{Symbol, document_symbols};
