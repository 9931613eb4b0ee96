//! The language server's integration tests, one binary: each module was a
//! test binary of its own, linking the server and the whole `mirage`
//! library. `memory.rs` stays apart: it measures the peak memory of the
//! server, which depends on what runs beside it.
//!
//! `cargo test -p mirage-lsp --test integration MODULE::` runs one module.

mod support;

mod debounce;
mod e2e;
mod hostile_files;
mod malformed;
mod nvim;
mod protocol;
mod robustness;
