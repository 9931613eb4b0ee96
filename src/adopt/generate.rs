//! (being written this session: see `src/adopt/mod.rs`.)
