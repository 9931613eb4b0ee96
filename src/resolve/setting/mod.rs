//! The settings that the table cannot read alone, each with its own reader:
//! the table (`crate::settings`) marks them `Read::Special`.

pub mod backups;
pub mod builder;
pub mod commit;
pub mod credentials;
pub mod cron;
pub mod depends_on;
pub mod domain;
pub mod generated_domain;
pub mod image;
pub mod regions;
pub mod repo;
pub mod restart;
pub mod volume;
