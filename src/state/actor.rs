//! Who is acting: `user@host` and the process id, for history and locks.

use std::fmt;

/// The person and process behind an apply or a lock.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Actor {
    /// The user name (`USER`, or `USERNAME` on Windows; `unknown` if unset).
    pub user: String,
    /// The host name (`unknown` if it cannot be read).
    pub host: String,
    /// The process id.
    pub pid: u32,
}

impl Actor {
    /// The current user, host and process.
    pub fn current() -> Self {
        todo!()
    }
}

impl fmt::Display for Actor {
    /// `user@host`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.user, self.host)
    }
}
