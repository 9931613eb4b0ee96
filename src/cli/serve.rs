//! `mirage serve`: receive GitHub and Railway webhooks and run preview
//! jobs from the state database until SIGTERM or Ctrl-C.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use super::context::Reach;
use super::report;
use crate::engine::Context;
use crate::github;
use crate::serve::{self, Previews};

/// After `--help`.
pub const AFTER_HELP: &str = "\
Examples:
  MIRAGE_GITHUB_WEBHOOK_SECRET=… mirage serve infra --listen 0.0.0.0:8080 \\
      --state postgres://mirage@db/mirage
  mirage serve . --max-parallel 8 --gc-every 5m --drafts
  mirage serve --project infra/shop --project infra/blog --pull --drift-every 1h
  mirage serve --config mirage-serve.kdl --check-config

DIR (and each --project) is the checkout of a project's .mirage files the
previews are made from. Every setting also has a key in the configuration
file (--config, MIRAGE_SERVE_CONFIG; secrets there only as env:NAME or
file:PATH); flags win over the environment, the environment over the file.
GitHub sends pull_request and push events to /webhooks/github; Railway's
project webhook points at /webhooks/railway/SECRET. See docs/serve.md.";

/// Arguments of `mirage serve`. Every setting may also come from the
/// environment and from the configuration file (`--config`); flags win
/// over the environment, the environment over the file, the file over the
/// defaults (`--check-config` shows which gave each value).
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The checkout of a project's `.mirage` files the previews are made
    /// from (default `.` when no project is given any other way).
    pub dir: Option<PathBuf>,

    /// Another project to serve (its checkout); repeatable.
    #[arg(long = "project", value_name = "DIR")]
    pub projects: Vec<PathBuf>,

    /// The configuration file (`mirage-serve.kdl`) [env: MIRAGE_SERVE_CONFIG].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Check the configuration (file, projects, durations, addresses,
    /// secrets) and print it, secrets redacted, with where each value came
    /// from; start nothing. Exit 0 when it is good, 1 when not.
    #[arg(long)]
    pub check_config: bool,

    /// Address to listen on (port 0 picks a free port) [env:
    /// MIRAGE_SERVE_LISTEN] [default: 127.0.0.1:8080].
    #[arg(long)]
    pub listen: Option<SocketAddr>,

    /// Where Railway is and where the state lives (jobs and delivery ids
    /// are kept in the state database: a PostgreSQL URL lets replicas
    /// share them).
    #[command(flatten)]
    pub reach: Reach,

    /// The secret of the GitHub webhook (or App): deliveries not signed
    /// with it are refused. Prefer the environment variable: flags show in
    /// `ps` [env: MIRAGE_GITHUB_WEBHOOK_SECRET].
    #[arg(long, value_name = "SECRET")]
    pub github_webhook_secret: Option<String>,

    /// The secret in the Railway webhook's URL (`/webhooks/railway/SECRET`);
    /// without it that route is off. At least 16 URL-safe characters [env:
    /// MIRAGE_RAILWAY_WEBHOOK_SECRET].
    #[arg(long, value_name = "SECRET")]
    pub railway_webhook_secret: Option<String>,

    /// A GitHub token for the comments; or use a GitHub App [env:
    /// GITHUB_TOKEN].
    #[arg(long, value_name = "TOKEN")]
    pub github_token: Option<String>,

    /// The GitHub App's client id (`Iv1.…`) or numeric App id [env:
    /// MIRAGE_GITHUB_APP_ID].
    #[arg(long, value_name = "ID")]
    pub github_app_id: Option<String>,

    /// The App's installation on the repositories' account [env:
    /// MIRAGE_GITHUB_APP_INSTALLATION_ID].
    #[arg(long, value_name = "ID")]
    pub github_app_installation_id: Option<u64>,

    /// The App's private key (PEM file) [env:
    /// MIRAGE_GITHUB_APP_PRIVATE_KEY_FILE].
    #[arg(long, value_name = "FILE")]
    pub github_app_key_file: Option<PathBuf>,

    /// GitHub's REST API (GitHub Enterprise: `https://HOST/api/v3`) [env:
    /// MIRAGE_GITHUB_API_URL].
    #[arg(long, value_name = "URL")]
    pub github_api_url: Option<String>,

    /// Jobs this replica runs at once (jobs of one pull request always run
    /// one after another) [default: 4].
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub max_parallel: Option<u16>,

    /// How often expired previews are collected (`0s`: never) [default:
    /// 10m].
    #[arg(long, value_parser = duration, value_name = "DURATION")]
    pub gc_every: Option<Duration>,

    /// Draft pull requests get previews too (also when a template of the
    /// project says `drafts=#true`).
    #[arg(long)]
    pub drafts: bool,

    /// How long a job stays this replica's without renewal: a replica
    /// that dies loses its jobs to the others that long after [default:
    /// 60s].
    #[arg(long, value_parser = duration, value_name = "DURATION")]
    pub job_lease: Option<Duration>,

    /// Attempts of a job before it fails for good [default: 5].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub max_attempts: Option<u32>,

    /// How long a shutdown waits for running jobs before giving them back
    /// to the queue [default: 30s].
    #[arg(long, value_parser = duration, value_name = "DURATION")]
    pub shutdown_grace: Option<Duration>,

    /// Follow each project's repository: `git fetch` + `merge --ff-only`
    /// every 5 minutes and on a GitHub `push` to the checkout's branch
    /// (`--pull-every` sets the period).
    #[arg(long)]
    pub pull: bool,

    /// How often the checkouts are pulled (`0s`: never) [default: off].
    #[arg(long, value_parser = duration, value_name = "DURATION")]
    pub pull_every: Option<Duration>,

    /// How often each project's declared environments are planned for
    /// drift (`0s`: never) [env: MIRAGE_DRIFT_EVERY] [default: off].
    #[arg(long, value_parser = duration, value_name = "DURATION")]
    pub drift_every: Option<Duration>,

    /// The Slack-compatible incoming webhook drift is told to [env:
    /// MIRAGE_DRIFT_WEBHOOK].
    #[arg(long, value_name = "URL")]
    pub drift_webhook: Option<String>,

    /// The OpenID Connect provider's issuer URL (as its tokens' `iss`
    /// spells it; its `/.well-known/openid-configuration` must answer),
    /// e.g. Clerk's Frontend API URL: for browser sign-in at `/auth/login`
    /// and, with `--oidc-audience`, for the API's bearer JWTs [env:
    /// MIRAGE_OIDC_ISSUER].
    #[arg(long, value_name = "URL")]
    pub oidc_issuer: Option<String>,

    /// The audience the API's bearer JWTs must be for (`aud`) [env:
    /// MIRAGE_OIDC_AUDIENCE].
    #[arg(long, value_name = "AUDIENCE")]
    pub oidc_audience: Option<String>,

    /// This service's client id at the provider, for browser sign-in
    /// [env: MIRAGE_OIDC_CLIENT_ID].
    #[arg(long, value_name = "ID")]
    pub oidc_client_id: Option<String>,

    /// The client secret of a confidential client (sent as
    /// `client_secret_post`); public clients use PKCE alone. Prefer the
    /// environment variable [env: MIRAGE_OIDC_CLIENT_SECRET].
    #[arg(long, value_name = "SECRET")]
    pub oidc_client_secret: Option<String>,

    /// The service's public origin (`https://mirage.example.com`); the
    /// provider's redirect URI is `{public-url}/auth/callback` [env:
    /// MIRAGE_PUBLIC_URL].
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,

    /// How long a browser session lasts unused [default: 12h].
    #[arg(long, value_parser = duration, value_name = "DURATION")]
    pub session_idle: Option<Duration>,

    /// How long a browser session lasts at most [default: 7d].
    #[arg(long, value_parser = duration, value_name = "DURATION")]
    pub session_lifetime: Option<Duration>,

    /// A bearer token `/metrics` asks for; without it, `/metrics` is open
    /// [env: MIRAGE_METRICS_TOKEN].
    #[arg(long, value_name = "TOKEN")]
    pub metrics_token: Option<String>,

    /// A first admin, by email or subject (`sub`): admin of every project
    /// this service serves. Repeatable [env: MIRAGE_ADMINS,
    /// comma-separated].
    #[arg(long = "admin", value_name = "EMAIL_OR_SUB")]
    pub admins: Vec<String>,

    /// The signing secret (`whsec_…`) of the Clerk webhook sending user
    /// events to `/webhooks/clerk`; without it that route is off [env:
    /// MIRAGE_CLERK_WEBHOOK_SECRET].
    #[arg(long, value_name = "SECRET")]
    pub clerk_webhook_secret: Option<String>,

    /// A file of master keys sealing the projects' Railway tokens (base64
    /// of 32 bytes, one a line, the newest first) [env:
    /// MIRAGE_MASTER_KEY_FILE]. Or set `MIRAGE_MASTER_KEY` (and
    /// `MIRAGE_PREVIOUS_MASTER_KEYS`, comma-separated, while rotating).
    #[arg(long, value_name = "FILE")]
    pub master_key_file: Option<PathBuf>,

    /// Accept a master key file that group or others may read.
    #[arg(long)]
    pub allow_readable_master_key_file: bool,

    /// Reseal every stored credential under the newest master key, then
    /// exit (serve also does it at startup).
    #[arg(long)]
    pub reseal: bool,
}

pub(super) fn duration(text: &str) -> Result<Duration, String> {
    // `0`, `0s`, `0m`…: off (the language's durations are never zero).
    if matches!(
        text.trim_start_matches('0'),
        "" | "s" | "m" | "h" | "d" | "w"
    ) && text.starts_with('0')
    {
        return Ok(Duration::ZERO);
    }
    crate::resolve::value::parse_duration(text).map(Duration::from_secs)
}

/// What the jobs need to reach GitHub and Railway: handed to the
/// previews.
pub struct Reached {
    /// GitHub's API with its credentials.
    pub github: github::ClientOptions,
    /// Railway, the state database, who acts.
    pub context: Context,
    /// The project's directory.
    pub dir: PathBuf,
    /// Its own Railway token, when one is stored.
    pub credentials: Option<serve::credentials::ProjectCredentials>,
}

/// The previews jobs run: the `preview` room's lifecycle, commenting on
/// pull requests when GitHub credentials are given.
pub fn previews(reached: Reached) -> Arc<dyn Previews> {
    Arc::new(
        serve::Lifecycle::new(reached.context, reached.dir, reached.github)
            .with_credentials(reached.credentials),
    )
}

/// `mirage serve --reseal`: credentials under older master keys sealed
/// again under the newest, then exit.
fn reseal(args: &Args) -> ExitCode {
    let keyring = match super::serve_config::keyring(args) {
        Ok(Some(keyring)) => keyring,
        Ok(None) => {
            report::print_error(
                "`--reseal` needs the master keys: `MIRAGE_MASTER_KEY` (and `MIRAGE_PREVIOUS_MASTER_KEYS`) or `--master-key-file`",
            );
            return ExitCode::from(super::EXIT_USAGE);
        }
        Err(message) => {
            report::print_error(&message);
            return ExitCode::from(super::EXIT_USAGE);
        }
    };
    let dir = args
        .dir
        .clone()
        .or_else(|| args.projects.first().cloned())
        .unwrap_or_else(|| PathBuf::from("."));
    let state = super::context::state_location(args.reach.state.as_deref()).unwrap_or_else(|| {
        crate::state::Location::File(dir.join(crate::state::DEFAULT_RELATIVE_PATH))
    });
    let resealed = crate::state::Store::connect(&state)
        .and_then(|store| serve::credentials::reseal_all(&store, &keyring));
    match resealed {
        Ok(count) => {
            report::write_stderr(&format!(
                "resealed {count} credential(s) under master key `{}`\n",
                keyring.current().id()
            ));
            ExitCode::SUCCESS
        }
        Err(error) => {
            report::print_error(&error.to_string());
            ExitCode::from(super::EXIT_FAILURE)
        }
    }
}

/// Runs `mirage serve`.
pub fn run(args: Args) -> ExitCode {
    if args.reseal {
        return reseal(&args);
    }
    let settings = match super::serve_config::resolve(&args) {
        Ok(settings) => settings,
        Err(failure) => {
            failure.print();
            // `--check-config` answers 0 (good) or 1 (not).
            return ExitCode::from(if args.check_config {
                super::EXIT_FAILURE
            } else {
                failure.exit
            });
        }
    };
    if args.check_config {
        report::write_stdout(&settings.shown());
        return ExitCode::SUCCESS;
    }
    let super::serve_config::Settings {
        config,
        github,
        reach,
        state,
        ..
    } = settings;
    let mut context = reach.context();
    context.state = Some(state);
    // A service draws no progress bars; its log says what happens.
    context.events = Arc::new(crate::engine::Discard);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            report::print_error(&format!("cannot start the async runtime: {error}"));
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let mut config = config;
        for project in &mut config.projects {
            if project.pull_every.is_some()
                && let Some(dir) = &project.dir
            {
                project.branch = serve::ops::branch(dir).await;
            }
        }
        let keyring = config.keyring.clone();
        let started = serve::start_each(config, |project| {
            let dir = project.dir.clone().unwrap_or_else(|| PathBuf::from("."));
            let credentials =
                keyring
                    .clone()
                    .map(|keyring| serve::credentials::ProjectCredentials {
                        keyring,
                        project: project.name.clone(),
                    });
            serve::ProjectRuntime {
                previews: previews(Reached {
                    github: github.clone(),
                    context: context.clone(),
                    dir: dir.clone(),
                    credentials: credentials.clone(),
                }),
                ops: Some(serve::Ops {
                    context: context.clone(),
                    dir,
                    credentials,
                }),
            }
        })
        .await;
        let running = match started {
            Ok(running) => running,
            Err(error) => {
                let code = match &error {
                    serve::ServeError::State(_) => "mirage::state::database",
                    serve::ServeError::Listen { .. } => "mirage::serve::listen",
                    serve::ServeError::Oidc(_) => "mirage::auth::oidc_provider",
                };
                let mut diagnostic =
                    crate::diagnostic::Diagnostic::general(code, error.to_string());
                if let Some(help) = miette::Diagnostic::help(&error) {
                    diagnostic = diagnostic.with_help(help.to_string());
                }
                report::print_general(&diagnostic);
                return ExitCode::from(super::EXIT_FAILURE);
            }
        };
        report::write_stderr(&format!(
            "mirage serve listening on http://{}\n",
            running.addr()
        ));
        stopped().await;
        serve::log::info("serve.stopping", &[]);
        running.shutdown().await;
        ExitCode::SUCCESS
    })
}

/// Waits for Ctrl-C or SIGTERM.
async fn stopped() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
