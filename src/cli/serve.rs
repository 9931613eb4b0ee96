//! `mirage serve`: receive GitHub and Railway webhooks and run preview
//! jobs from the state database until SIGTERM or Ctrl-C.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use super::context::{Reach, state_location};
use super::report;
use crate::auth::WebhookSecret;
use crate::engine::Context;
use crate::github;
use crate::serve::log::Redactor;
use crate::serve::{self, Config, PreviewNames, Previews, UrlSecret};
use crate::state::{DEFAULT_RELATIVE_PATH, Location};

/// After `--help`.
pub const AFTER_HELP: &str = "\
Examples:
  MIRAGE_GITHUB_WEBHOOK_SECRET=… mirage serve infra --listen 0.0.0.0:8080 \\
      --state postgres://mirage@db/mirage
  mirage serve . --max-parallel 8 --gc-every 5m --drafts

DIR is the checkout of the project's .mirage files the previews are made
from. GitHub sends pull_request events to /webhooks/github; Railway's
project webhook points at /webhooks/railway/SECRET. See docs/serve.md.";

/// Arguments of `mirage serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The checkout of the project's `.mirage` files the previews are made
    /// from.
    #[arg(default_value = ".")]
    pub dir: PathBuf,

    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8080", env = "MIRAGE_SERVE_LISTEN")]
    pub listen: SocketAddr,

    /// Where Railway is and where the state lives (jobs and delivery ids
    /// are kept in the state database: a PostgreSQL URL lets replicas
    /// share them).
    #[command(flatten)]
    pub reach: Reach,

    /// The secret of the GitHub webhook (or App): deliveries not signed
    /// with it are refused. Prefer the environment variable: flags show in
    /// `ps`.
    #[arg(
        long,
        env = "MIRAGE_GITHUB_WEBHOOK_SECRET",
        hide_env_values = true,
        value_name = "SECRET"
    )]
    pub github_webhook_secret: Option<String>,

    /// The secret in the Railway webhook's URL (`/webhooks/railway/SECRET`);
    /// without it that route is off. At least 16 URL-safe characters.
    #[arg(
        long,
        env = "MIRAGE_RAILWAY_WEBHOOK_SECRET",
        hide_env_values = true,
        value_name = "SECRET"
    )]
    pub railway_webhook_secret: Option<String>,

    /// A GitHub token for the comments (`GITHUB_TOKEN`); or use a GitHub App.
    #[arg(
        long,
        env = "GITHUB_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub github_token: Option<String>,

    /// The GitHub App's client id (`Iv1.…`) or numeric App id.
    #[arg(long, env = "MIRAGE_GITHUB_APP_ID", value_name = "ID")]
    pub github_app_id: Option<String>,

    /// The App's installation on the repositories' account.
    #[arg(long, env = "MIRAGE_GITHUB_APP_INSTALLATION_ID", value_name = "ID")]
    pub github_app_installation_id: Option<u64>,

    /// The App's private key (PEM file).
    #[arg(long, env = "MIRAGE_GITHUB_APP_PRIVATE_KEY_FILE", value_name = "FILE")]
    pub github_app_key_file: Option<PathBuf>,

    /// GitHub's REST API (GitHub Enterprise: `https://HOST/api/v3`).
    #[arg(long, env = "MIRAGE_GITHUB_API_URL", value_name = "URL")]
    pub github_api_url: Option<String>,

    /// Jobs this replica runs at once (jobs of one pull request always run
    /// one after another).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub max_parallel: u16,

    /// How often expired previews are collected (`0s`: never).
    #[arg(long, default_value = "10m", value_parser = duration, value_name = "DURATION")]
    pub gc_every: Duration,

    /// Draft pull requests get previews too (also when a template of the
    /// project says `drafts=#true`).
    #[arg(long)]
    pub drafts: bool,

    /// How long a job stays this replica's without renewal: a replica
    /// that dies loses its jobs to the others that long after.
    #[arg(long, default_value = "60s", value_parser = duration, value_name = "DURATION")]
    pub job_lease: Duration,

    /// Attempts of a job before it fails for good.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub max_attempts: u32,

    /// How long a shutdown waits for running jobs before giving them back
    /// to the queue.
    #[arg(long, default_value = "30s", value_parser = duration, value_name = "DURATION")]
    pub shutdown_grace: Duration,

    // signin: browser sign-in and `/metrics`.
    /// The OpenID Connect provider's issuer URL (as its tokens' `iss`
    /// spells it; its `/.well-known/openid-configuration` must answer),
    /// e.g. Clerk's Frontend API URL: for browser sign-in at `/auth/login`
    /// and, with `--oidc-audience`, for the API's bearer JWTs.
    #[arg(long, env = "MIRAGE_OIDC_ISSUER", value_name = "URL")]
    pub oidc_issuer: Option<String>,

    /// This service's client id at the provider (browser sign-in).
    #[arg(long, env = "MIRAGE_OIDC_CLIENT_ID", value_name = "ID")]
    pub oidc_client_id: Option<String>,

    /// The client secret of a confidential client (sent as
    /// `client_secret_post`); public clients use PKCE alone. Prefer the
    /// environment variable.
    #[arg(
        long,
        env = "MIRAGE_OIDC_CLIENT_SECRET",
        hide_env_values = true,
        value_name = "SECRET"
    )]
    pub oidc_client_secret: Option<String>,

    /// The service's public origin (`https://mirage.example.com`); the
    /// provider's redirect URI is `{public-url}/auth/callback`.
    #[arg(long, env = "MIRAGE_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,

    /// How long a browser session lasts unused.
    #[arg(long, default_value = "12h", value_parser = duration, value_name = "DURATION")]
    pub session_idle: Duration,

    /// How long a browser session lasts at most.
    #[arg(long, default_value = "7d", value_parser = duration, value_name = "DURATION")]
    pub session_lifetime: Duration,

    /// A bearer token `/metrics` asks for; without it, `/metrics` is open.
    #[arg(
        long,
        env = "MIRAGE_METRICS_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub metrics_token: Option<String>,

    // identity: sign-in, roles, sealed credentials.
    /// The audience the JWTs must be for (`aud`).
    #[arg(long, env = "MIRAGE_OIDC_AUDIENCE", value_name = "AUDIENCE")]
    pub oidc_audience: Option<String>,

    /// A first admin, by email or subject (`sub`): admin of every project
    /// this service serves. Repeatable; the variable is comma-separated.
    #[arg(
        long = "admin",
        env = "MIRAGE_ADMINS",
        value_delimiter = ',',
        value_name = "EMAIL_OR_SUB"
    )]
    pub admins: Vec<String>,

    /// The signing secret (`whsec_…`) of the Clerk webhook sending user
    /// events to `/webhooks/clerk`; without it that route is off.
    #[arg(
        long,
        env = "MIRAGE_CLERK_WEBHOOK_SECRET",
        hide_env_values = true,
        value_name = "SECRET"
    )]
    pub clerk_webhook_secret: Option<String>,

    /// A file of master keys sealing the projects' Railway tokens (base64
    /// of 32 bytes, one a line, the newest first). Or set
    /// `MIRAGE_MASTER_KEY` (and `MIRAGE_PREVIOUS_MASTER_KEYS`,
    /// comma-separated, while rotating).
    #[arg(long, env = "MIRAGE_MASTER_KEY_FILE", value_name = "FILE")]
    pub master_key_file: Option<PathBuf>,

    /// Accept a master key file that group or others may read.
    #[arg(long)]
    pub allow_readable_master_key_file: bool,

    /// Reseal every stored credential under the newest master key, then
    /// exit (serve also does it at startup).
    #[arg(long)]
    pub reseal: bool,
}

/// signin: browser sign-in from the flags; `None` when not asked for.
fn signin_config(args: &Args) -> Result<Option<serve::SigninConfig>, String> {
    let given = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
    let (issuer, client, public) = (
        given(&args.oidc_issuer),
        given(&args.oidc_client_id),
        given(&args.public_url),
    );
    let (Some(issuer), Some(client)) = (issuer.clone(), client) else {
        if args.oidc_client_id.is_some() || args.oidc_client_secret.is_some() {
            return Err(
                "browser sign-in needs `--oidc-issuer`, `--oidc-client-id` and `--public-url` together"
                    .to_owned(),
            );
        }
        return Ok(None);
    };
    let Some(public) = public else {
        return Err(
            "browser sign-in needs `--public-url` (the provider's redirect URI is `{public-url}/auth/callback`)"
                .to_owned(),
        );
    };
    let mut config = serve::SigninConfig::new(issuer, client, &public)?;
    config.client_secret = given(&args.oidc_client_secret).map(crate::secrets::SecretString::new);
    if args.session_idle.is_zero() || args.session_lifetime.is_zero() {
        return Err("`--session-idle` and `--session-lifetime` cannot be zero".to_owned());
    }
    config.session_idle = args.session_idle;
    config.session_lifetime = args.session_lifetime;
    Ok(Some(config))
}

fn duration(text: &str) -> Result<Duration, String> {
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
}

/// The previews jobs run: the `preview` room's lifecycle, commenting on
/// pull requests when GitHub credentials are given.
pub fn previews(reached: Reached) -> Arc<dyn Previews> {
    Arc::new(serve::Lifecycle::new(
        reached.context,
        reached.dir,
        reached.github,
    ))
}

fn usage(message: &str) -> ExitCode {
    report::print_error(message);
    ExitCode::from(super::EXIT_USAGE)
}

fn github_options(args: &Args) -> Result<github::ClientOptions, String> {
    let auth = match (&args.github_app_id, &args.github_token) {
        (Some(issuer), _) => {
            let installation_id = args.github_app_installation_id.ok_or(
                "`--github-app-id` needs `--github-app-installation-id` (`MIRAGE_GITHUB_APP_INSTALLATION_ID`)",
            )?;
            let path = args.github_app_key_file.as_ref().ok_or(
                "`--github-app-id` needs `--github-app-key-file` (`MIRAGE_GITHUB_APP_PRIVATE_KEY_FILE`)",
            )?;
            let pem = std::fs::read(path)
                .map_err(|e| format!("cannot read the App key `{}`: {e}", path.display()))?;
            let key = github::AppKey::from_pem(&pem).map_err(|e| e.to_string())?;
            github::Auth::App(github::App {
                issuer: issuer.clone(),
                installation_id,
                key,
            })
        }
        (None, Some(token)) if !token.trim().is_empty() => {
            github::Auth::Token(github::Token::new(token.clone()))
        }
        _ => github::Auth::Anonymous,
    };
    let mut options = github::ClientOptions {
        auth,
        ..github::ClientOptions::default()
    };
    if let Some(url) = &args.github_api_url {
        options.api_url = url.trim_end_matches('/').to_owned();
    }
    Ok(options)
}

fn keyring(args: &Args) -> Result<Option<crate::secrets::Keyring>, String> {
    let current = std::env::var("MIRAGE_MASTER_KEY").ok();
    let previous = std::env::var("MIRAGE_PREVIOUS_MASTER_KEYS").ok();
    serve::credentials::load_keyring(
        current.as_deref(),
        previous.as_deref(),
        args.master_key_file.as_deref(),
        args.allow_readable_master_key_file,
    )
}

/// `mirage serve --reseal`: credentials under older master keys sealed
/// again under the newest.
fn reseal(args: &Args) -> ExitCode {
    let keyring = match keyring(args) {
        Ok(Some(keyring)) => keyring,
        Ok(None) => {
            return usage(
                "`--reseal` needs the master keys: `MIRAGE_MASTER_KEY` (and `MIRAGE_PREVIOUS_MASTER_KEYS`) or `--master-key-file`",
            );
        }
        Err(message) => return usage(&message),
    };
    let state = state_location(args.reach.state.as_deref())
        .unwrap_or_else(|| Location::File(args.dir.join(DEFAULT_RELATIVE_PATH)));
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
    let Some(secret) = args.github_webhook_secret.clone().filter(|s| !s.is_empty()) else {
        return usage(
            "`mirage serve` needs the GitHub webhook's secret: set `MIRAGE_GITHUB_WEBHOOK_SECRET` (or `--github-webhook-secret`)",
        );
    };
    let github_secret = match WebhookSecret::new(secret.clone()) {
        Ok(secret) => secret,
        Err(error) => return usage(&error.to_string()),
    };
    let railway_secret = match args
        .railway_webhook_secret
        .as_deref()
        .filter(|s| !s.is_empty())
    {
        Some(text) => match UrlSecret::new(text) {
            Ok(secret) => Some(secret),
            Err(message) => return usage(&message),
        },
        None => None,
    };
    let signin = match signin_config(&args) {
        Ok(signin) => signin,
        Err(message) => return usage(&message),
    };
    let github = match github_options(&args) {
        Ok(options) => options,
        Err(message) => return usage(&message),
    };
    if !args.dir.is_dir() {
        return usage(&format!("`{}` is not a directory", args.dir.display()));
    }
    let analysis = crate::resolve::load_dir(&args.dir);
    if analysis.has_errors() {
        report::print_diagnostics(&analysis.files, &analysis.diagnostics);
        return ExitCode::from(super::EXIT_FAILURE);
    }
    let project = analysis
        .project
        .name
        .as_ref()
        .map(|name| name.value.clone())
        .or_else(|| {
            std::fs::canonicalize(&args.dir)
                .ok()?
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "project".to_owned());
    let drafts = args.drafts
        || analysis
            .project
            .templates()
            .any(|t| t.preview.as_ref().is_some_and(|p| p.drafts));
    let state = state_location(args.reach.state.as_deref())
        .unwrap_or_else(|| Location::File(args.dir.join(DEFAULT_RELATIVE_PATH)));
    let mut secrets = vec![secret];
    secrets.extend(args.railway_webhook_secret.clone());
    secrets.extend(args.github_token.clone());
    secrets.extend(args.oidc_client_secret.clone());
    secrets.extend(args.metrics_token.clone());
    for name in ["RAILWAY_API_TOKEN", "RAILWAY_TOKEN", "PGPASSWORD"] {
        secrets.extend(std::env::var(name).ok());
    }
    if let Location::Postgres {
        password: Some(password),
        ..
    } = &state
    {
        secrets.push(password.clone());
    }
    if analysis.project.templates().next().is_none() {
        serve::log::warn(
            "serve.no_template",
            &[(
                "message",
                &"the project has no template (`ephemeral=#true`): pull requests get no preview",
            )],
        );
    }
    let mut config = Config::new(args.listen, state.clone(), project, github_secret);
    config.names = PreviewNames::of(&analysis.project);
    config.railway_secret = railway_secret;
    config.drafts = drafts;
    config.max_parallel = usize::from(args.max_parallel);
    config.gc_every = (!args.gc_every.is_zero()).then_some(args.gc_every);
    config.lease = args.job_lease.max(Duration::from_secs(1));
    config.max_attempts = args.max_attempts;
    config.shutdown_grace = args.shutdown_grace;
    // identity:
    let keyring = match keyring(&args) {
        Ok(keyring) => keyring,
        Err(message) => return usage(&message),
    };
    config.oidc = match (&args.oidc_issuer, &args.oidc_audience) {
        (Some(issuer), Some(audience)) => Some(crate::auth::OidcConfig::new(issuer, audience)),
        (None, None) => None,
        _ => {
            return usage(
                "`--oidc-issuer` and `--oidc-audience` (`MIRAGE_OIDC_ISSUER`, `MIRAGE_OIDC_AUDIENCE`) go together",
            );
        }
    };
    config.admins = args
        .admins
        .iter()
        .map(|a| a.trim().to_owned())
        .filter(|a| !a.is_empty())
        .collect();
    if let Some(secret) = args
        .clerk_webhook_secret
        .as_deref()
        .filter(|s| !s.is_empty())
    {
        match crate::auth::SvixSecret::new(secret) {
            Ok(secret) => config.clerk_secret = Some(secret),
            Err(error) => return usage(&error.to_string()),
        }
        secrets.push(secret.to_owned());
    }
    secrets.extend(std::env::var("MIRAGE_MASTER_KEY").ok());
    config.keyring = keyring.map(Arc::new);
    config.redactor = Redactor::new(secrets);
    // signin:
    config.oidc_issuer = args.oidc_issuer.clone().filter(|s| !s.is_empty());
    config.signin = signin;
    config.metrics_token = args
        .metrics_token
        .clone()
        .filter(|s| !s.is_empty())
        .map(crate::secrets::SecretString::new);
    let mut context = args.reach.context();
    context.state = Some(state);
    // A service draws no progress bars; its log says what happens.
    context.events = Arc::new(crate::engine::Discard);
    let reached = Reached {
        github,
        context,
        dir: args.dir.clone(),
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            report::print_error(&format!("cannot start the async runtime: {error}"));
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let running = match serve::start(config, previews(reached)).await {
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
