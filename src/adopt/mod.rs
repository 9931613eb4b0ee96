//! Adopting and copying: `.mirage` files written from what exists —
//! `mirage import --generate` (a Railway project → files), `mirage migrate`
//! (`railway.json` / `railway.toml` → service blocks), `mirage clone` (an
//! environment deep-copied into the files) and `mirage export --as-template`
//! (an environment as a reusable template), and the per-value conflicts of
//! an import (`--prefer railway|files`).
//!
//! Everything this room writes goes through [`write`], which formats it
//! with `syntax::format` (the `mirage fmt` of the files) before a byte
//! reaches the disk. The inverse of the settings table — Railway's
//! `EnvironmentConfig` back to setting nodes — is [`nodes`], the one
//! mapping every command here shares.

pub mod clone;
pub mod conflicts;
pub mod export;
pub mod generate;
pub mod migrate;
pub mod nodes;
pub mod write;
