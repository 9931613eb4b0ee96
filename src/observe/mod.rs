//! Seeing what runs: the status of environments and their services
//! (`mirage status`, `apply --wait`, the previews' wait), their logs merged
//! across services (`mirage logs`), and a read-only browse of the account
//! (`mirage projects`, `mirage ls`). This room reads Railway and never
//! writes to it; front ends (the CLI, serve's pages) render what it returns.

pub mod account;
pub mod logs;
pub mod status;
