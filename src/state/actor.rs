//! Who is acting: `user@host` and the process id, for history and locks.

use std::fmt;

/// The person and process behind an apply or a lock.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Actor {
    /// Who: see [`Actor::current`] for where it comes from (`unknown` when
    /// nothing says).
    pub user: String,
    /// The host name (`unknown` if it cannot be read).
    pub host: String,
    /// The process id.
    pub pid: u32,
}

/// CI variables that name the person who started the run, in the order
/// they are asked: GitHub Actions, GitLab CI, CircleCI, Buildkite.
pub const CI_ACTOR_VARIABLES: [&str; 4] = [
    "GITHUB_ACTOR",
    "GITLAB_USER_LOGIN",
    "CIRCLE_USERNAME",
    "BUILDKITE_BUILD_CREATOR_EMAIL",
];

impl Actor {
    /// The current user, host and process. The user is the first of:
    /// `MIRAGE_ACTOR`; a CI actor ([`CI_ACTOR_VARIABLES`]); the git user
    /// of the current directory (`git config user.email`, then
    /// `user.name`); the login (`USER`, `USERNAME`, `LOGNAME`); `unknown`.
    /// A CI runner's login is a service account and its git user often a
    /// bot, so the person who started the run comes first; on a laptop the
    /// git email names a person across machines, where a login does not.
    pub fn current() -> Self {
        static USER: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let user = USER.get_or_init(|| {
            let var = |name: &str| std::env::var(name).ok();
            std::iter::once("MIRAGE_ACTOR")
                .chain(CI_ACTOR_VARIABLES)
                .find_map(|name| non_empty(var(name)))
                .or_else(|| non_empty(git_config("user.email")))
                .or_else(|| non_empty(git_config("user.name")))
                .or_else(|| {
                    ["USER", "USERNAME", "LOGNAME"]
                        .iter()
                        .find_map(|name| non_empty(var(name)))
                })
                .unwrap_or_else(|| "unknown".to_owned())
        });
        Actor {
            user: user.clone(),
            host: host_name(),
            pid: std::process::id(),
        }
    }
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// `git config --get KEY` in the current directory, when git is installed
/// and the key is set.
fn git_config(key: &str) -> Option<String> {
    let output = std::process::Command::new("git")
        .args(["config", "--get", key])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

impl fmt::Display for Actor {
    /// `user@host`, or `user on host` when the user is an email address.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.user.contains('@') {
            write!(f, "{} on {}", self.user, self.host)
        } else {
            write!(f, "{}@{}", self.user, self.host)
        }
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
