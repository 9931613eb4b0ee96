//! From the command line to the engine: `--local` / `--endpoint` and the
//! process environment (`MIRAGE_RAILWAY_URL`, `RAILWAY_API_TOKEN` /
//! `RAILWAY_TOKEN` or the token `mirage login` stored, `MIRAGE_STATE`, `PGPASSWORD`, `MIRAGE_LOCK_LEASE`, who
//! is acting) become one explicit
//! [`Context`]; an engine [`Failure`] becomes diagnostics on the terminal
//! (or JSON, or GitHub annotations) and an exit code. The only place the
//! CLI reads those variables.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use super::report::{self, Format};
use super::{EXIT_FAILURE, EXIT_USAGE};
use crate::engine::{Context, EndpointSource, Exit, Failure, Railway};
use crate::railway::ClientOptions;
use crate::state::{Actor, DEFAULT_LEASE, Location, STATE_ENV_VAR};

/// The password of a PostgreSQL state database whose URL has none (libpq's
/// variable, which CI secrets usually fill).
pub const PASSWORD_ENV_VAR: &str = "PGPASSWORD";

/// How long, in seconds, a lock outlives its holder's last renewal.
pub const LEASE_ENV_VAR: &str = "MIRAGE_LOCK_LEASE";

/// Where a command reaches Railway.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Reach {
    /// Use the built-in emulator (its data and the state under
    /// `DIR/.mirage/`) instead of Railway: no account needed.
    #[arg(long, conflicts_with = "endpoint")]
    pub local: bool,

    /// The Railway GraphQL endpoint; wins over `MIRAGE_RAILWAY_URL`. Point
    /// it at `mirage emulator` to use one.
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,

    /// The state database: a file, or a `postgres://user@host/db` URL a
    /// team shares (password in the URL or `PGPASSWORD`). Wins over
    /// `MIRAGE_STATE`; without either, `DIR/.mirage/state.db`.
    #[arg(long, value_name = "PATH|URL")]
    pub state: Option<String>,
}

impl Reach {
    /// The built-in emulator (`local`) or Railway at the endpoint of the
    /// flag, else `MIRAGE_RAILWAY_URL`, else Railway's, with the token of
    /// the environment.
    pub fn railway(&self) -> Railway {
        if self.local {
            return Railway::Local;
        }
        // The one token precedence of every command: `RAILWAY_TOKEN`,
        // `RAILWAY_API_TOKEN`, then the token `mirage login` stored.
        let (mut options, problem) =
            ClientOptions::from_discovery(crate::railway::auth::discover(false));
        if let Some(problem) = problem {
            super::login::warn_unusable(&problem);
        }
        let endpoint_from = match &self.endpoint {
            Some(endpoint) => {
                options = options.with_endpoint(endpoint);
                EndpointSource::Flag
            }
            None if std::env::var_os(crate::railway::ENDPOINT_ENV_VAR)
                .is_some_and(|v| !v.is_empty()) =>
            {
                EndpointSource::Environment
            }
            None => EndpointSource::Default,
        };
        Railway::Remote {
            options,
            endpoint_from,
        }
    }

    /// The context of a command run from this shell, its progress drawn on
    /// standard error.
    pub fn context(&self) -> Context {
        Context {
            state: state_location(self.state.as_deref()),
            lock_lease: lock_lease(),
            events: Arc::new(super::progress::Terminal::new()),
            ..Context::new(
                self.railway(),
                Actor::current(),
                // Every provider, configured from this process's environment.
                Arc::new(crate::secrets::Providers::from_process()),
            )
        }
    }
}

/// The state database to use instead of the project's own, by one rule
/// for every command: the `--state` flag, else `MIRAGE_STATE`, else none
/// (the project's `.mirage/state.db`). A PostgreSQL URL without a
/// password takes `PGPASSWORD`'s.
pub fn state_location(flag: Option<&str>) -> Option<Location> {
    let chosen = match flag.filter(|f| !f.is_empty()) {
        Some(flag) => flag.to_owned(),
        None => std::env::var(STATE_ENV_VAR)
            .ok()
            .filter(|v| !v.is_empty())?,
    };
    let password = std::env::var(PASSWORD_ENV_VAR)
        .ok()
        .filter(|v| !v.is_empty());
    Some(Location::parse(&chosen).with_password(password))
}

/// `MIRAGE_LOCK_LEASE` in seconds, else the default lease. A value that
/// is not a number of seconds is ignored.
pub fn lock_lease() -> Duration {
    std::env::var(LEASE_ENV_VAR)
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| *s > 0.0)
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .unwrap_or(DEFAULT_LEASE)
}

/// Prints an engine failure in `format` and returns its exit code (2 for
/// a usage error, 1 otherwise).
pub fn fail_as(format: Format, failure: Failure) -> ExitCode {
    report::emit(format, &failure.files, &failure.diagnostics);
    match failure.exit {
        Exit::Usage => ExitCode::from(EXIT_USAGE),
        Exit::Failed => ExitCode::from(EXIT_FAILURE),
    }
}

/// Prints an engine failure for a person (standard error) and returns its
/// exit code.
pub fn fail(failure: Failure) -> ExitCode {
    fail_as(report::message_format(), failure)
}
