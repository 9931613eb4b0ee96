//! The effective configuration of `mirage serve`: each setting from its
//! flag, else its environment variable, else the configuration file
//! (`mirage-serve.kdl`), else its default — remembering which, for
//! `--check-config`. Secrets of the file are references, read here.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::context::Reach;
use super::report;
use super::serve::Args;
use crate::auth::WebhookSecret;
use crate::diagnostic::{Diagnostic, SourceFiles};
use crate::github;
use crate::serve::config_file::{self, ConfigFile, Located, Setting};
use crate::serve::log::Redactor;
use crate::serve::{Config, PreviewNames, ProjectConfig, UrlSecret};
use crate::state::{DEFAULT_RELATIVE_PATH, Location};

/// Why the configuration cannot be used.
pub struct Failure {
    files: SourceFiles,
    diagnostics: Vec<Diagnostic>,
    /// The exit status.
    pub exit: u8,
}

impl Failure {
    /// Prints the diagnostics.
    pub fn print(&self) {
        report::print_diagnostics(&self.files, &self.diagnostics);
    }
}

/// The effective configuration.
pub struct Settings {
    /// The service's.
    pub config: Config,
    /// GitHub's client.
    pub github: github::ClientOptions,
    /// Railway and the state database.
    pub reach: Reach,
    /// The state database.
    pub state: Location,
    shown: Vec<(String, String, String)>,
}

impl Settings {
    /// `key = value  (source)` lines, secrets redacted.
    pub fn shown(&self) -> String {
        let width = self
            .shown
            .iter()
            .map(|(k, _, _)| k.len())
            .max()
            .unwrap_or(0);
        let mut text = String::from("the configuration is valid:\n");
        for (key, value, source) in &self.shown {
            text.push_str(&format!("  {key:width$}  {value}  ({source})\n"));
        }
        text
    }
}

struct Resolver<'a> {
    file: Option<&'a ConfigFile>,
    diagnostics: Vec<Diagnostic>,
    shown: Vec<(String, String, String)>,
    secrets: Vec<String>,
}

const REDACTED: &str = "<redacted>";

impl Resolver<'_> {
    fn file_source(&self, located: &Located) -> String {
        let path = self
            .file
            .map(|f| f.path.display().to_string())
            .unwrap_or_default();
        format!("file {path}:{}", located.at)
    }

    fn show(&mut self, key: &str, value: String, source: String) {
        self.shown.push((key.to_owned(), value, source));
    }

    /// A setting: flag, environment, file, default.
    fn pick<T: std::fmt::Display + Clone>(
        &mut self,
        key: &'static str,
        flag: Option<T>,
        env: Option<&'static str>,
        parse: impl Fn(&str) -> Result<T, String>,
        from_file: impl Fn(&Setting) -> Option<T>,
        default: Option<T>,
    ) -> Option<T> {
        let shown = |v: &T| v.to_string();
        if let Some(value) = flag {
            self.show(key, shown(&value), "flag".into());
            return Some(value);
        }
        if let Some(name) = env
            && let Ok(text) = std::env::var(name)
            && !text.is_empty()
        {
            match parse(&text) {
                Ok(value) => {
                    self.show(key, shown(&value), format!("env {name}"));
                    return Some(value);
                }
                Err(message) => {
                    self.diagnostics.push(
                        Diagnostic::general(
                            "mirage::serve::config_value",
                            format!("`{name}` is not a valid `{key}`: {message}"),
                        )
                        .with_help("fix or unset the variable"),
                    );
                    return None;
                }
            }
        }
        if let Some(located) = self.file.and_then(|f| f.get(key))
            && let Some(value) = from_file(&located.value)
        {
            let source = self.file_source(located);
            self.show(key, shown(&value), source);
            return Some(value);
        }
        if let Some(value) = &default {
            self.show(key, shown(value), "default".into());
        }
        default
    }

    /// A text setting: flag, environment, file, no default.
    fn text_setting(
        &mut self,
        key: &'static str,
        flag: Option<String>,
        env: &'static str,
    ) -> Option<String> {
        self.pick(key, flag, Some(env), |t| Ok(t.to_owned()), text, None)
    }

    /// A duration setting (`0s`: off): flag, environment, file, default.
    fn every(
        &mut self,
        key: &'static str,
        flag: Option<Duration>,
        env: Option<&'static str>,
        default: Duration,
    ) -> Option<Shown> {
        self.pick(
            key,
            flag.map(Shown),
            env,
            parse_shown,
            file_shown,
            Some(Shown(default)),
        )
    }

    /// A secret: flag, environment, the file's reference.
    fn secret(
        &mut self,
        key: &'static str,
        flag: Option<String>,
        env: &'static str,
    ) -> Option<String> {
        let found = if let Some(value) = flag.filter(|v| !v.is_empty()) {
            Some((value, "flag".to_owned()))
        } else if let Some(value) = std::env::var(env).ok().filter(|v| !v.is_empty()) {
            Some((value, format!("env {env}")))
        } else if let Some(located) = self.file.and_then(|f| f.get(key)).cloned() {
            match &located.value {
                Setting::Secret(reference) => match reference.resolve() {
                    Ok(value) => Some((
                        value,
                        format!("{} → {reference}", self.file_source(&located)),
                    )),
                    Err(message) => {
                        let file = self.file.map(|f| f.file);
                        if let Some(file) = file {
                            self.diagnostics.push(
                                Diagnostic::error(
                                    "mirage::serve::config_secret",
                                    file,
                                    located.span,
                                    format!("the secret of `{key}` cannot be read: {message}"),
                                )
                                .with_help(
                                    "set the variable or create the file the reference names",
                                ),
                            );
                        }
                        None
                    }
                },
                _ => None,
            }
        } else {
            None
        };
        let (value, source) = found?;
        self.secrets.push(value.clone());
        self.show(key, REDACTED.into(), source);
        Some(value)
    }
}

fn text(setting: &Setting) -> Option<String> {
    match setting {
        Setting::Text(t) => Some(t.clone()),
        Setting::Path(p) => Some(p.display().to_string()),
        _ => None,
    }
}

fn path(setting: &Setting) -> Option<PathBuf> {
    match setting {
        Setting::Path(p) => Some(p.clone()),
        _ => None,
    }
}

fn duration(setting: &Setting) -> Option<Duration> {
    match setting {
        Setting::Duration(d) => Some(*d),
        _ => None,
    }
}

fn int(setting: &Setting) -> Option<i64> {
    match setting {
        Setting::Int(n) => Some(*n),
        _ => None,
    }
}

/// A duration for people (`0s` is off).
struct Shown(Duration);

impl std::fmt::Display for Shown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self.0.as_secs();
        match s {
            0 => f.write_str("off"),
            s if s % 3600 == 0 => write!(f, "{}h", s / 3600),
            s if s % 60 == 0 => write!(f, "{}m", s / 60),
            s => write!(f, "{s}s"),
        }
    }
}

impl Clone for Shown {
    fn clone(&self) -> Self {
        Shown(self.0)
    }
}

fn parse_shown(text: &str) -> Result<Shown, String> {
    super::serve::duration(text).map(Shown)
}

fn file_shown(setting: &Setting) -> Option<Shown> {
    duration(setting).map(Shown)
}

/// Reads the configuration: flags, environment, file, defaults.
pub fn resolve(args: &Args) -> Result<Settings, Failure> {
    let config_path = args.config.clone().or_else(|| {
        std::env::var_os(config_file::CONFIG_ENV_VAR)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    });
    let file = match &config_path {
        Some(path) => match config_file::read(path) {
            Ok(file) => Some(file),
            Err((files, diagnostics)) => {
                return Err(Failure {
                    files,
                    diagnostics,
                    exit: super::EXIT_FAILURE,
                });
            }
        },
        None => None,
    };
    let mut r = Resolver {
        file: file.as_ref(),
        diagnostics: Vec::new(),
        shown: Vec::new(),
        secrets: Vec::new(),
    };
    if let Some(path) = &config_path {
        let source = if args.config.is_some() {
            "flag".to_owned()
        } else {
            format!("env {}", config_file::CONFIG_ENV_VAR)
        };
        r.show("config", path.display().to_string(), source);
    }
    let listen = r.pick(
        "listen",
        args.listen,
        Some("MIRAGE_SERVE_LISTEN"),
        |t| t.parse::<SocketAddr>().map_err(|e| e.to_string()),
        |s| text(s)?.parse().ok(),
        Some(SocketAddr::from(([127, 0, 0, 1], 8080))),
    );
    let github_secret = r.secret(
        "github-webhook-secret",
        args.github_webhook_secret.clone(),
        "MIRAGE_GITHUB_WEBHOOK_SECRET",
    );
    let railway_secret = r.secret(
        "railway-webhook-secret",
        args.railway_webhook_secret.clone(),
        "MIRAGE_RAILWAY_WEBHOOK_SECRET",
    );
    let github_token = r.secret("github-token", args.github_token.clone(), "GITHUB_TOKEN");
    let app_id = r.text_setting(
        "github-app-id",
        args.github_app_id.clone(),
        "MIRAGE_GITHUB_APP_ID",
    );
    let installation = r.pick(
        "github-app-installation-id",
        args.github_app_installation_id,
        Some("MIRAGE_GITHUB_APP_INSTALLATION_ID"),
        |t| t.parse::<u64>().map_err(|e| e.to_string()),
        |s| int(s).and_then(|n| u64::try_from(n).ok()),
        None,
    );
    let key_file = r
        .pick(
            "github-app-key-file",
            args.github_app_key_file
                .clone()
                .map(|p| p.display().to_string()),
            Some("MIRAGE_GITHUB_APP_PRIVATE_KEY_FILE"),
            |t| Ok(t.to_owned()),
            |s| path(s).map(|p| p.display().to_string()),
            None,
        )
        .map(PathBuf::from);
    let api_url = r.text_setting(
        "github-api-url",
        args.github_api_url.clone(),
        "MIRAGE_GITHUB_API_URL",
    );
    let max_parallel = r.pick(
        "max-parallel",
        args.max_parallel.map(i64::from),
        None,
        |t| t.parse::<i64>().map_err(|e| e.to_string()),
        int,
        Some(4),
    );
    let gc_every = r.every("gc-every", args.gc_every, None, Duration::from_secs(600));
    let job_lease = r.every("job-lease", args.job_lease, None, Duration::from_secs(60));
    let max_attempts = r.pick(
        "max-attempts",
        args.max_attempts.map(i64::from),
        None,
        |t| t.parse::<i64>().map_err(|e| e.to_string()),
        int,
        Some(5),
    );
    let grace = r.every(
        "shutdown-grace",
        args.shutdown_grace,
        None,
        Duration::from_secs(30),
    );
    let drafts_file = r
        .file
        .and_then(|f| f.get("drafts"))
        .is_some_and(|l| l.value == Setting::Bool(true));
    let drafts = args.drafts || drafts_file;
    let pull_flag = args
        .pull_every
        .or(args.pull.then_some(Duration::from_secs(300)));
    let pull_every = r.pick(
        "pull-every",
        pull_flag.map(Shown),
        None,
        parse_shown,
        file_shown,
        Some(Shown(Duration::ZERO)),
    );
    let drift_every = r.pick(
        "drift-every",
        args.drift_every.map(Shown),
        Some("MIRAGE_DRIFT_EVERY"),
        parse_shown,
        file_shown,
        Some(Shown(Duration::ZERO)),
    );
    let drift_webhook = r.secret(
        "drift-webhook",
        args.drift_webhook.clone(),
        "MIRAGE_DRIFT_WEBHOOK",
    );

    // Sign-in (bearer JWTs, the browser's), first admins, Clerk, the
    // master keys, `/metrics`.
    let as_text = |t: &str| Ok::<String, String>(t.to_owned());
    let oidc_issuer = r.text_setting(
        "oidc-issuer",
        args.oidc_issuer.clone(),
        "MIRAGE_OIDC_ISSUER",
    );
    let oidc_audience = r.text_setting(
        "oidc-audience",
        args.oidc_audience.clone(),
        "MIRAGE_OIDC_AUDIENCE",
    );
    let oidc_client_id = r.text_setting(
        "oidc-client-id",
        args.oidc_client_id.clone(),
        "MIRAGE_OIDC_CLIENT_ID",
    );
    let oidc_client_secret = r.secret(
        "oidc-client-secret",
        args.oidc_client_secret.clone(),
        "MIRAGE_OIDC_CLIENT_SECRET",
    );
    let public_url = r.text_setting("public-url", args.public_url.clone(), "MIRAGE_PUBLIC_URL");
    let session_idle = r.every(
        "session-idle",
        args.session_idle,
        None,
        Duration::from_secs(12 * 3600),
    );
    let session_lifetime = r.every(
        "session-lifetime",
        args.session_lifetime,
        None,
        Duration::from_secs(7 * 24 * 3600),
    );
    let metrics_token = r.secret(
        "metrics-token",
        args.metrics_token.clone(),
        "MIRAGE_METRICS_TOKEN",
    );
    let admins = r
        .pick(
            "admins",
            (!args.admins.is_empty()).then(|| args.admins.join(",")),
            Some("MIRAGE_ADMINS"),
            as_text,
            |s| match s {
                Setting::List(list) => Some(list.join(",")),
                other => text(other),
            },
            None,
        )
        .map(|list| {
            list.split(',')
                .map(|a| a.trim().to_owned())
                .filter(|a| !a.is_empty())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let clerk_secret = r.secret(
        "clerk-webhook-secret",
        args.clerk_webhook_secret.clone(),
        "MIRAGE_CLERK_WEBHOOK_SECRET",
    );
    let master_key_file = r
        .pick(
            "master-key-file",
            args.master_key_file
                .clone()
                .map(|p| p.display().to_string()),
            Some("MIRAGE_MASTER_KEY_FILE"),
            as_text,
            |s| path(s).map(|p| p.display().to_string()),
            None,
        )
        .map(PathBuf::from);
    let allow_readable = args.allow_readable_master_key_file
        || r.file
            .and_then(|f| f.get("allow-readable-master-key-file"))
            .is_some_and(|l| l.value == Setting::Bool(true));
    let keyring = match load_keyring(master_key_file.as_deref(), allow_readable) {
        Ok(keyring) => keyring,
        Err(message) => {
            r.diagnostics
                .push(Diagnostic::general("mirage::serve::config_value", message));
            None
        }
    };
    if keyring.is_some() {
        r.show(
            "master keys",
            REDACTED.into(),
            if master_key_file.is_some() {
                "file".into()
            } else {
                "env MIRAGE_MASTER_KEY".into()
            },
        );
    }
    let oidc = match (&oidc_issuer, &oidc_audience) {
        (Some(issuer), Some(audience)) => Some(crate::auth::OidcConfig::new(issuer, audience)),
        (None, None) | (Some(_), None) => None,
        (None, Some(_)) => {
            r.diagnostics.push(
                Diagnostic::general(
                    "mirage::serve::config_value",
                    "`oidc-audience` needs `oidc-issuer`",
                )
                .with_help(
                    "set `--oidc-issuer` (`MIRAGE_OIDC_ISSUER`) to the provider's issuer URL",
                ),
            );
            None
        }
    };
    let signin = match signin_config(
        oidc_issuer.clone(),
        oidc_client_id,
        oidc_client_secret.clone(),
        public_url,
        session_idle.map(|s| s.0),
        session_lifetime.map(|s| s.0),
    ) {
        Ok(signin) => signin,
        Err(message) => {
            r.diagnostics
                .push(Diagnostic::general("mirage::serve::config_value", message));
            None
        }
    };
    let clerk_secret = match clerk_secret.as_deref().map(crate::auth::SvixSecret::new) {
        None => None,
        Some(Ok(secret)) => Some(secret),
        Some(Err(error)) => {
            r.diagnostics.push(Diagnostic::general(
                "mirage::serve::config_value",
                error.to_string(),
            ));
            None
        }
    };

    // Railway and the state database (`--local`, `--endpoint`, `--state`
    // and their variables win over the file).
    let mut reach = args.reach.clone();
    if !reach.local
        && let Some(file) = r.file
    {
        if reach.endpoint.is_none()
            && std::env::var_os(crate::railway::ENDPOINT_ENV_VAR).is_none_or(|v| v.is_empty())
            && let Some(located) = file.get("endpoint")
        {
            reach.endpoint = text(&located.value);
            let source = r.file_source(located);
            r.show(
                "endpoint",
                reach.endpoint.clone().unwrap_or_default(),
                source,
            );
        }
        if file
            .get("local")
            .is_some_and(|l| l.value == Setting::Bool(true))
        {
            reach.local = true;
            reach.endpoint = None;
        }
    }

    // The projects: the positional DIR and `--project`, then the file's.
    let mut projects: Vec<(PathBuf, Option<&config_file::FileProject>, String)> = Vec::new();
    if let Some(dir) = &args.dir {
        projects.push((dir.clone(), None, "flag".into()));
    }
    for dir in &args.projects {
        projects.push((dir.clone(), None, "flag --project".into()));
    }
    if let Some(file) = r.file {
        for project in &file.projects {
            if let Some(Setting::Path(dir)) = project.settings.get("dir").map(|l| &l.value) {
                let source = format!(
                    "file {}:{}",
                    file.path.display(),
                    project.settings["dir"].at
                );
                projects.push((dir.clone(), Some(project), source));
            }
        }
    }
    if projects.is_empty() {
        projects.push((PathBuf::from("."), None, "default".into()));
    }
    let mut files_for_errors = file.as_ref().map(|f| f.files.clone()).unwrap_or_default();
    let mut served: Vec<ProjectConfig> = Vec::new();
    let mut any_template = false;
    for (dir, block, source) in &projects {
        if !dir.is_dir() {
            let message = format!("`{}` is not a directory", dir.display());
            let diagnostic = match (block, r.file) {
                (Some(block), Some(file)) => file.error(
                    "mirage::serve::project_dir",
                    block.settings["dir"].span,
                    message,
                ),
                _ => Diagnostic::general("mirage::serve::project_dir", message),
            };
            r.diagnostics.push(diagnostic.with_help(
                "point `dir` / `--project` at the checkout of the project's `.mirage` files",
            ));
            continue;
        }
        let analysis = crate::resolve::load_dir(dir);
        if analysis.has_errors() {
            // Shown with their own files.
            report::print_diagnostics(&analysis.files, &analysis.diagnostics);
            r.diagnostics.push(
                Diagnostic::general(
                    "mirage::serve::project_dir",
                    format!("the project in `{}` has errors", dir.display()),
                )
                .with_help("fix them (`mirage check`) before serving it"),
            );
            continue;
        }
        let name = analysis
            .project
            .name
            .as_ref()
            .map(|n| n.value.clone())
            .or_else(|| {
                std::fs::canonicalize(dir)
                    .ok()?
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
            })
            .unwrap_or_else(|| "project".to_owned());
        if let (Some(block), Some(file)) = (block, r.file)
            && block.name != name
        {
            r.diagnostics.push(
                file.error(
                    "mirage::serve::project_name",
                    block.name_span,
                    format!(
                        "the project in `{}` is `{name}`, not `{}`",
                        dir.display(),
                        block.name
                    ),
                )
                .with_help(format!("name the block `project \"{name}\"`")),
            );
            continue;
        }
        if let Some(first) = served.iter().find(|p| p.name == name) {
            let first = first.dir.clone().unwrap_or_default();
            r.diagnostics.push(
                Diagnostic::general(
                    "mirage::serve::duplicate_project",
                    format!(
                        "project `{name}` is served twice: from `{}` and from `{}`",
                        first.display(),
                        dir.display()
                    ),
                )
                .with_help(
                    "serve each project once; its name is the `project` of its `.mirage` files",
                ),
            );
            continue;
        }
        any_template |= analysis.project.templates().next().is_some();
        let get = |key: &str| block.and_then(|b| b.settings.get(key));
        let mut project = ProjectConfig {
            dir: Some(dir.clone()),
            names: PreviewNames::of(&analysis.project),
            drafts: drafts
                || get("drafts").is_some_and(|l| l.value == Setting::Bool(true))
                || analysis
                    .project
                    .templates()
                    .any(|t| t.preview.as_ref().is_some_and(|p| p.drafts)),
            repos: match get("repos").map(|l| &l.value) {
                Some(Setting::List(repos)) => repos.clone(),
                _ => Vec::new(),
            },
            pull_every: get("pull-every")
                .and_then(|l| duration(&l.value))
                .or(pull_every.as_ref().map(|s| s.0))
                .filter(|d| !d.is_zero()),
            drift_every: get("drift-every")
                .and_then(|l| duration(&l.value))
                .or(drift_every.as_ref().map(|s| s.0))
                .filter(|d| !d.is_zero()),
            drift_webhook: drift_webhook.clone(),
            ..ProjectConfig::named(&name)
        };
        if let Some(located) = get("drift-webhook").cloned()
            && let Setting::Secret(reference) = &located.value
        {
            match reference.resolve() {
                Ok(url) => {
                    r.secrets.push(url.clone());
                    project.drift_webhook = Some(url);
                }
                Err(message) => {
                    if let Some(file) = r.file {
                        r.diagnostics.push(
                            file.error(
                                "mirage::serve::config_secret",
                                located.span,
                                format!("the secret of `drift-webhook` cannot be read: {message}"),
                            )
                            .with_help("set the variable or create the file the reference names"),
                        );
                    }
                }
            }
        }
        let key = format!("project {name}");
        let mut parts = vec![format!("dir={}", dir.display())];
        if !project.repos.is_empty() {
            parts.push(format!("repos={}", project.repos.join(",")));
        }
        parts.push(format!(
            "pull-every={}",
            Shown(project.pull_every.unwrap_or_default())
        ));
        parts.push(format!(
            "drift-every={}",
            Shown(project.drift_every.unwrap_or_default())
        ));
        if project.drift_webhook.is_some() {
            parts.push(format!("drift-webhook={REDACTED}"));
        }
        r.show(&key, parts.join(" "), source.clone());
        served.push(project);
    }

    // What must be there.
    let github_secret = match github_secret {
        None => {
            r.diagnostics.push(
                Diagnostic::general(
                    "mirage::serve::config_value",
                    "`mirage serve` needs the GitHub webhook's secret",
                )
                .with_help("set `MIRAGE_GITHUB_WEBHOOK_SECRET`, `--github-webhook-secret`, or `github-webhook-secret \"env:NAME\"` in the file"),
            );
            None
        }
        Some(secret) => match WebhookSecret::new(secret) {
            Ok(secret) => Some(secret),
            Err(error) => {
                r.diagnostics.push(Diagnostic::general(
                    "mirage::serve::config_value",
                    error.to_string(),
                ));
                None
            }
        },
    };
    let railway_secret = match railway_secret {
        Some(text) => match UrlSecret::new(&text) {
            Ok(secret) => Some(secret),
            Err(message) => {
                r.diagnostics
                    .push(Diagnostic::general("mirage::serve::config_value", message));
                None
            }
        },
        None => None,
    };
    let github = match github_options(
        app_id,
        installation,
        key_file.as_deref(),
        github_token.clone(),
        api_url,
    ) {
        Ok(options) => Some(options),
        Err(message) => {
            r.diagnostics
                .push(Diagnostic::general("mirage::serve::config_value", message));
            None
        }
    };

    // The state database.
    let first_dir = served
        .first()
        .and_then(|p| p.dir.clone())
        .unwrap_or_else(|| PathBuf::from("."));
    let state = if let Some(location) = super::context::state_location(reach.state.as_deref()) {
        let source = if reach.state.is_some() {
            "flag"
        } else {
            "env MIRAGE_STATE"
        };
        r.show("state", location.to_string(), source.into());
        Some(location)
    } else if let Some(located) = r.file.and_then(|f| f.get("state")).cloned() {
        let password = std::env::var("PGPASSWORD").ok().filter(|v| !v.is_empty());
        let chosen = match &located.value {
            Setting::Secret(reference) => match reference.resolve() {
                Ok(url) => {
                    r.secrets.push(url.clone());
                    Some(url)
                }
                Err(message) => {
                    if let Some(file) = r.file {
                        r.diagnostics.push(
                            file.error(
                                "mirage::serve::config_secret",
                                located.span,
                                format!("the state database's URL cannot be read: {message}"),
                            )
                            .with_help("set the variable or create the file the reference names"),
                        );
                    }
                    None
                }
            },
            other => text(other),
        };
        chosen.map(|chosen| {
            let location = Location::parse(&chosen).with_password(password);
            let source = r.file_source(&located);
            r.show("state", location.to_string(), source);
            location
        })
    } else {
        let location = Location::File(first_dir.join(DEFAULT_RELATIVE_PATH));
        r.show("state", location.to_string(), "default".into());
        Some(location)
    };
    if !r.diagnostics.is_empty() {
        if let Some(file) = &file {
            files_for_errors = file.files.clone();
        }
        // A missing or malformed flag or variable is a usage mistake (2);
        // a file or project that is wrong is a failure (1).
        let usage = r
            .diagnostics
            .iter()
            .all(|d| d.location().is_none() && d.code == "mirage::serve::config_value");
        return Err(Failure {
            files: files_for_errors,
            diagnostics: r.diagnostics,
            exit: if usage {
                super::EXIT_USAGE
            } else {
                super::EXIT_FAILURE
            },
        });
    }
    let (Some(github_secret), Some(github), Some(state), Some(listen)) =
        (github_secret, github, state, listen)
    else {
        return Err(Failure {
            files: files_for_errors,
            diagnostics: vec![Diagnostic::general(
                "mirage::serve::config_value",
                "the configuration is incomplete",
            )],
            exit: super::EXIT_FAILURE,
        });
    };
    if !any_template {
        crate::serve::log::warn(
            "serve.no_template",
            &[(
                "message",
                &"no served project has a template (`ephemeral=#true`): pull requests get no preview",
            )],
        );
    }
    let mut secrets = r.secrets.clone();
    for name in [
        "RAILWAY_API_TOKEN",
        "RAILWAY_TOKEN",
        "PGPASSWORD",
        "MIRAGE_MASTER_KEY",
    ] {
        secrets.extend(std::env::var(name).ok());
    }
    // Each of the older master keys, one by one.
    if let Ok(previous) = std::env::var("MIRAGE_PREVIOUS_MASTER_KEYS") {
        secrets.extend(
            previous
                .split(',')
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(str::to_owned),
        );
    }
    if let Location::Postgres {
        password: Some(password),
        ..
    } = &state
    {
        secrets.push(password.clone());
    }
    let first = served.first().cloned().unwrap_or_default();
    let mut config = Config::new(listen, state.clone(), first.name.clone(), github_secret);
    config.names = first.names.clone();
    config.drafts = first.drafts;
    config.railway_secret = railway_secret;
    config.max_parallel = usize::try_from(max_parallel.unwrap_or(4)).unwrap_or(4);
    config.gc_every = gc_every.map(|s| s.0).filter(|d| !d.is_zero());
    config.lease = job_lease
        .map_or(Duration::from_secs(60), |s| s.0)
        .max(Duration::from_secs(1));
    config.max_attempts = u32::try_from(max_attempts.unwrap_or(5)).unwrap_or(5);
    config.shutdown_grace = grace.map_or(Duration::from_secs(30), |s| s.0);
    config.redactor = Redactor::new(secrets);
    config.projects = served;
    config.oidc = oidc;
    config.oidc_issuer = oidc_issuer;
    config.admins = admins;
    config.clerk_secret = clerk_secret;
    config.keyring = keyring.map(std::sync::Arc::new);
    config.signin = signin;
    config.metrics_token = metrics_token.map(crate::secrets::SecretString::new);
    Ok(Settings {
        config,
        github,
        reach,
        state,
        shown: r.shown,
    })
}

/// The master keys: `MIRAGE_MASTER_KEY` (+ `MIRAGE_PREVIOUS_MASTER_KEYS`)
/// or a key file; `None` when neither is given.
fn load_keyring(
    file: Option<&Path>,
    allow_readable: bool,
) -> Result<Option<crate::secrets::Keyring>, String> {
    let current = std::env::var("MIRAGE_MASTER_KEY").ok();
    let previous = std::env::var("MIRAGE_PREVIOUS_MASTER_KEYS").ok();
    crate::serve::credentials::load_keyring(
        current.as_deref(),
        previous.as_deref(),
        file,
        allow_readable,
    )
}

/// The master keys of `--reseal` (flags and environment only).
pub fn keyring(args: &Args) -> Result<Option<crate::secrets::Keyring>, String> {
    let file = args.master_key_file.clone().or_else(|| {
        std::env::var_os("MIRAGE_MASTER_KEY_FILE")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    });
    load_keyring(file.as_deref(), args.allow_readable_master_key_file)
}

/// Browser sign-in; `None` when not asked for.
fn signin_config(
    issuer: Option<String>,
    client: Option<String>,
    client_secret: Option<String>,
    public: Option<String>,
    idle: Option<Duration>,
    lifetime: Option<Duration>,
) -> Result<Option<crate::serve::SigninConfig>, String> {
    let (Some(issuer), Some(client)) = (issuer, client) else {
        if client_secret.is_some() {
            return Err(
                "browser sign-in needs `oidc-issuer`, `oidc-client-id` and `public-url` together"
                    .to_owned(),
            );
        }
        return Ok(None);
    };
    let Some(public) = public else {
        return Err(
            "browser sign-in needs `public-url` (the provider's redirect URI is `{public-url}/auth/callback`)"
                .to_owned(),
        );
    };
    let mut config = crate::serve::SigninConfig::new(issuer, client, &public)?;
    config.client_secret = client_secret.map(crate::secrets::SecretString::new);
    if let Some(idle) = idle {
        config.session_idle = idle;
    }
    if let Some(lifetime) = lifetime {
        config.session_lifetime = lifetime;
    }
    if config.session_idle.is_zero() || config.session_lifetime.is_zero() {
        return Err("`session-idle` and `session-lifetime` cannot be zero".to_owned());
    }
    Ok(Some(config))
}

fn github_options(
    app_id: Option<String>,
    installation: Option<u64>,
    key_file: Option<&Path>,
    token: Option<String>,
    api_url: Option<String>,
) -> Result<github::ClientOptions, String> {
    let auth = match (app_id, token) {
        (Some(issuer), _) => {
            let installation_id = installation.ok_or(
                "`--github-app-id` needs `--github-app-installation-id` (`MIRAGE_GITHUB_APP_INSTALLATION_ID`)",
            )?;
            let path = key_file.ok_or(
                "`--github-app-id` needs `--github-app-key-file` (`MIRAGE_GITHUB_APP_PRIVATE_KEY_FILE`)",
            )?;
            let pem = std::fs::read(path)
                .map_err(|e| format!("cannot read the App key `{}`: {e}", path.display()))?;
            let key = github::AppKey::from_pem(&pem).map_err(|e| e.to_string())?;
            github::Auth::App(github::App {
                issuer,
                installation_id,
                key,
            })
        }
        (None, Some(token)) if !token.trim().is_empty() => {
            github::Auth::Token(github::Token::new(token))
        }
        _ => github::Auth::Anonymous,
    };
    let mut options = github::ClientOptions {
        auth,
        ..github::ClientOptions::default()
    };
    if let Some(url) = api_url {
        options.api_url = url.trim_end_matches('/').to_owned();
    }
    Ok(options)
}
