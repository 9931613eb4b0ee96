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
        let user = ["USER", "USERNAME", "LOGNAME"]
            .iter()
            .filter_map(|name| std::env::var(name).ok())
            .map(|value| value.trim().to_owned())
            .find(|value| !value.is_empty())
            .unwrap_or_else(|| "unknown".to_owned());
        Actor {
            user,
            host: host_name(),
            pid: std::process::id(),
        }
    }
}

impl fmt::Display for Actor {
    /// `user@host`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.user, self.host)
    }
}

/// The host name, without a dependency: the kernel's on Linux, then the
/// usual files and variables. Only used to label locks and history, and to
/// tell whether a lock's holder ran on this machine.
pub(super) fn host_name() -> String {
    let from_files = ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .filter_map(|path| std::fs::read_to_string(path).ok());
    let from_env = ["HOSTNAME", "COMPUTERNAME"]
        .iter()
        .filter_map(|name| std::env::var(name).ok());
    from_files
        .chain(from_env)
        .map(|value| value.trim().to_owned())
        .find(|value| !value.is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}
