//! Mirage: infrastructure as code for Railway.
//!
//! Data flows one way (see `docs/architecture.md`):
//! `.mirage` text → [`syntax`] (lossless tree with spans) → [`resolve`]
//! (imports, templates, layers, references) → [`model`] (desired state with
//! provenance). The [`railway`] client reads actual state; the [`emulator`]
//! is a local Railway speaking the same GraphQL API.

#![warn(missing_docs)]

pub mod adopt;
pub mod apply;
pub mod auth;
pub mod cli;
pub mod diagnostic;
pub mod discover;
pub mod emulator;
pub mod engine;
pub mod github;
pub mod ide;
pub mod model;
pub mod observe;
pub mod plan;
pub mod preview;
pub mod railway;
pub mod resolve;
pub mod secrets;
pub mod serve;
pub mod settings;
pub mod state;
pub mod syntax;
// Process-wide counters read by serve's `/metrics`.
pub mod telemetry;
pub mod terminal;
