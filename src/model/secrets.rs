//! How a project reads its secrets (`project { secrets { … } }`): the
//! command behind `cmd:` references, where Vault is, and whether `file:`
//! may read files other users can read. Plain data; the providers live in
//! [`crate::secrets`].

use std::path::PathBuf;
use std::time::Duration;

/// The default time a `cmd:` command may take.
pub const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// The `secrets` block of a project. Empty when the files have none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecretSettings {
    /// The command `cmd:` references run (`command "op" "read" "{}"`).
    pub command: Option<CommandSettings>,
    /// Where Vault is and how to sign in (`vault address=… auth=…`); the
    /// `VAULT_*` environment variables override each part.
    pub vault: VaultSettings,
    /// `file:` may read files that users other than the owner can read
    /// (`readable-files #true`); refused otherwise.
    pub allow_readable_files: bool,
}

/// The command of `cmd:` references.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandSettings {
    /// The program and its arguments; an argument `{}` (or `{}` inside
    /// one) stands for the reference's location. Without `{}` the location
    /// is the last argument.
    pub argv: Vec<String>,
    /// How long one run may take before it is killed.
    pub timeout: Duration,
    /// Run `argv` joined by spaces through `sh -c`, the location passed as
    /// `$1` (never pasted into the script text).
    pub shell: bool,
}

/// How to reach HashiCorp Vault; each part may be overridden by its
/// environment variable.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VaultSettings {
    /// `address=` (`VAULT_ADDR`).
    pub address: Option<String>,
    /// `namespace=` (`VAULT_NAMESPACE`, Vault Enterprise / HCP).
    pub namespace: Option<String>,
    /// `auth=`: `token` (default), `approle` or `kubernetes`.
    pub auth: Option<String>,
    /// `role=`: the Kubernetes auth role (`VAULT_K8S_ROLE`); AppRole takes
    /// its role ID from `VAULT_ROLE_ID`.
    pub role: Option<String>,
    /// `auth-mount=`: where the auth method is mounted (`approle`,
    /// `kubernetes` by default).
    pub auth_mount: Option<String>,
    /// `ca-cert=`: a PEM file of the CA that signed Vault's certificate
    /// (`VAULT_CACERT`), relative to the project directory.
    pub ca_cert: Option<PathBuf>,
}
