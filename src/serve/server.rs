//! Starting and stopping the service: its configuration, the HTTP
//! listener, the worker pool and the scheduler, and a graceful shutdown
//! (stop accepting, let running jobs finish for a grace period, give back
//! the rest to the queue).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use crate::auth::{StoreReplayGuard, WebhookSecret};
use crate::state::{Location, StateError, Store};

use super::http;
use super::jobs;
use super::log::{self, Redactor};
use super::names::PreviewNames;
use super::ops::Ops;
use super::previews::Previews;
use super::projects::{ProjectConfig, ServedProject};
use super::worker::{self, Pool};

/// A secret carried in a URL (Railway's webhooks sign nothing). `Debug`
/// never shows it; comparison takes the same time wherever it differs.
#[derive(Clone)]
pub struct UrlSecret(Vec<u8>);

impl UrlSecret {
    /// At least 16 characters of URL-safe text (letters, digits, `-`,
    /// `_`, `.`, `~`), so it travels in a path unencoded and cannot be
    /// guessed in reasonable time.
    pub fn new(secret: &str) -> Result<UrlSecret, String> {
        if secret.len() < 16 {
            return Err("the Railway webhook secret must be at least 16 characters".to_owned());
        }
        if !secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.~".contains(&b))
        {
            return Err(
                "the Railway webhook secret may hold only letters, digits, `-`, `_`, `.` and `~` (it is part of a URL)"
                    .to_owned(),
            );
        }
        Ok(UrlSecret(secret.as_bytes().to_vec()))
    }

    /// Whether `candidate` is the secret. Both are hashed first, so the
    /// comparison takes the same time whatever their lengths and
    /// wherever they differ.
    pub fn matches(&self, candidate: &str) -> bool {
        use sha2::Digest as _;
        let expected = sha2::Sha256::digest(&self.0);
        let given = sha2::Sha256::digest(candidate.as_bytes());
        expected
            .iter()
            .zip(given.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
    }
}

impl std::fmt::Debug for UrlSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UrlSecret(<redacted>)")
    }
}

/// Everything the service runs with.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where to listen.
    pub listen: SocketAddr,
    /// The state database (jobs, deliveries).
    pub state: Location,
    /// The project's name (queues are per project).
    pub project: String,
    /// The project's preview names (Railway events → pull requests).
    pub names: PreviewNames,
    /// Verifies `/webhooks/github`.
    pub github_secret: WebhookSecret,
    /// The path secret of `/webhooks/railway/{secret}`; `None` turns the
    /// route off.
    pub railway_secret: Option<UrlSecret>,
    /// Whether draft pull requests get previews.
    pub drafts: bool,
    /// Jobs run at once by this replica.
    pub max_parallel: usize,
    /// How often a GC job is queued; `None`: never.
    pub gc_every: Option<Duration>,
    /// How long a claimed job stays this replica's without renewal.
    pub lease: Duration,
    /// Claims of a job before it fails for good.
    pub max_attempts: u32,
    /// The first retry's delay; doubled for each later one.
    pub retry_base: Duration,
    /// The longest delay between two attempts.
    pub retry_max: Duration,
    /// How often idle workers look for due jobs (retries, other
    /// replicas' jobs).
    pub poll: Duration,
    /// How long a shutdown waits for running jobs before giving them
    /// back to the queue.
    pub shutdown_grace: Duration,
    /// How long delivery ids and finished jobs are kept.
    pub retention: Duration,
    /// Texts that must never be logged or stored (tokens, secrets).
    pub redactor: Redactor,
    /// This replica's name in the jobs it claims.
    pub worker: String,
    // Browser sign-in and `/metrics`.
    /// The OpenID provider's issuer (shared with the bearer-token side).
    pub oidc_issuer: Option<String>,
    /// Browser sign-in (`None`: the `/auth/*` routes answer 404).
    pub signin: Option<super::signin::SigninConfig>,
    /// The bearer token `/metrics` asks for (`None`: open).
    pub metrics_token: Option<crate::secrets::SecretString>,
    /// The service's counters, read by `/metrics`.
    pub metrics: Arc<super::metrics::Metrics>,
    // Sign-in, roles, tokens, sealed credentials.
    /// The OpenID provider whose bearer JWTs the API accepts (`None`:
    /// only API tokens).
    pub oidc: Option<crate::auth::OidcConfig>,
    /// The first admins (emails or subjects): admin of every served
    /// project.
    pub admins: Vec<String>,
    /// Verifies `/webhooks/clerk`; `None` turns the route off.
    pub clerk_secret: Option<crate::auth::SvixSecret>,
    /// The master keys sealing project credentials (`None`: none can be
    /// stored).
    pub keyring: Option<Arc<crate::secrets::Keyring>>,
    /// More projects the API answers for, beside `project` (the
    /// multi-project configuration fills this).
    pub api_projects: Vec<String>,
    /// How long a project's overview stays cached
    /// ([`super::catalog::Catalog`]).
    pub overview_ttl: Duration,
    // Several projects per service (`--project`, the configuration
    // file's `project` blocks). Empty: the one project of `project`,
    // `names` and `drafts` above.
    /// Every project served, with its pull and drift settings.
    pub projects: Vec<ProjectConfig>,
}

impl Config {
    /// A configuration with the defaults of `mirage serve`.
    pub fn new(
        listen: SocketAddr,
        state: Location,
        project: impl Into<String>,
        github_secret: WebhookSecret,
    ) -> Config {
        let host = crate::state::Actor::current().host;
        Config {
            listen,
            state,
            project: project.into(),
            names: PreviewNames::default(),
            github_secret,
            railway_secret: None,
            drafts: false,
            max_parallel: 4,
            gc_every: Some(Duration::from_secs(600)),
            lease: Duration::from_secs(60),
            max_attempts: 5,
            retry_base: Duration::from_secs(5),
            retry_max: Duration::from_secs(300),
            poll: Duration::from_secs(1),
            shutdown_grace: Duration::from_secs(30),
            retention: Duration::from_secs(7 * 24 * 3600),
            redactor: Redactor::default(),
            worker: format!("{host}/{}/{:04x}", std::process::id(), fastrand::u16(..)),
            oidc_issuer: None,
            signin: None,
            metrics_token: None,
            metrics: Arc::default(),
            oidc: None,
            admins: Vec::new(),
            clerk_secret: None,
            keyring: None,
            api_projects: Vec::new(),
            overview_ttl: super::catalog::DEFAULT_TTL,
            projects: Vec::new(),
        }
    }

    /// The projects served: [`Config::projects`], or the one of
    /// `project`, `names` and `drafts`.
    pub fn served(&self) -> Vec<ProjectConfig> {
        if !self.projects.is_empty() {
            return self.projects.clone();
        }
        vec![ProjectConfig {
            names: self.names.clone(),
            drafts: self.drafts,
            ..ProjectConfig::named(&self.project)
        }]
    }
}

/// Why the service could not start.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ServeError {
    /// The state database.
    #[error(transparent)]
    #[diagnostic(transparent)]
    State(#[from] StateError),
    /// The listening address.
    #[error("cannot listen on `{address}`: {message}")]
    #[diagnostic(
        code(mirage::serve::listen),
        help("choose another address with `--listen`, or stop what uses this one")
    )]
    Listen {
        /// The address.
        address: SocketAddr,
        /// Why.
        message: String,
    },
    /// The OpenID provider could not be read at startup.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Oidc(#[from] crate::auth::OidcError),
}

/// What the HTTP handlers share.
pub(super) struct App {
    pub(super) config: Arc<Config>,
    /// The intake's own connection: webhooks never wait behind workers.
    /// Connections of the intake (several on PostgreSQL, where each
    /// statement is a round trip; SQLite's one connection, shared with
    /// the workers, where writes take turns anyway), each with its guard.
    pub(super) intake: Vec<(Store, StoreReplayGuard)>,
    pub(super) next: std::sync::atomic::AtomicUsize,
    pub(super) wake: Arc<Notify>,
    /// Browser sign-in, when configured.
    pub(super) signin: Option<super::signin::Signin>,
    pub(super) identity: super::api::Identity,
    // The served projects.
    pub(super) projects: Vec<Arc<ServedProject>>,
    // The overviews' cache.
    pub(super) catalog: Arc<super::catalog::Catalog>,
    /// Becomes `true` when the service stops: long answers (server-sent
    /// events) end then, so a graceful shutdown does not wait for them.
    pub(super) stopping: watch::Receiver<bool>,
}

impl App {
    /// Resolves when the service starts stopping.
    pub(super) fn stopped(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut stopping = self.stopping.clone();
        async move {
            let _ = stopping.wait_for(|stop| *stop).await;
        }
    }

    /// The service's counters (other handlers count through it).
    pub(super) fn metrics(&self) -> &super::metrics::Metrics {
        &self.config.metrics
    }

    /// The served project named `name`.
    pub fn project(&self, name: &str) -> Option<&ServedProject> {
        self.projects
            .iter()
            .map(|p| &**p)
            .find(|p| p.name() == name)
    }

    /// The names of the served projects, in their order.
    pub fn project_names(&self) -> Vec<&str> {
        self.projects.iter().map(|p| p.name()).collect()
    }

    /// The next intake connection and its replay guard.
    pub(super) fn intake(&self) -> &(Store, StoreReplayGuard) {
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        &self.intake[n % self.intake.len()]
    }
}

/// Intake connections on PostgreSQL.
const POSTGRES_INTAKE: usize = 4;

/// A started service.
pub struct Running {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    http: JoinHandle<()>,
    pool: JoinHandle<()>,
    scheduler: JoinHandle<()>,
    /// A connection for readers (tests, the CLI).
    store: Store,
}

impl Running {
    /// Where it listens (the port chosen when `listen` had port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The state database, through a connection of its own.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Stops: no new request or claim; running jobs get the grace period
    /// to finish, then are asked to stop and given back to the queue.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.http.await;
        let _ = self.pool.await;
        let _ = self.scheduler.await;
        log::info("serve.stopped", &[]);
    }
}

async fn open(location: &Location) -> Result<Store, StateError> {
    let location = location.clone();
    tokio::task::spawn_blocking(move || Store::connect(&location))
        .await
        .unwrap_or_else(|_| {
            Err(StateError::Invalid(
                "opening the state database panicked".into(),
            ))
        })
}

/// Starts the service: opens the state database, listens, and runs the
/// workers and the scheduler until [`Running::shutdown`].
///
/// A SQLite file gets one connection, shared: its writers take turns on
/// the file anyway, and connections of one process waiting on each other
/// through SQLite's busy handler sleep in steps of milliseconds (the
/// webhook latency's tail). PostgreSQL gets a few intake connections, one
/// for the workers and one for readers.
pub async fn start(config: Config, previews: Arc<dyn Previews>) -> Result<Running, ServeError> {
    start_each(config, |_| ProjectRuntime {
        previews: previews.clone(),
        ops: None,
    })
    .await
}

/// What one served project runs with.
pub struct ProjectRuntime {
    /// Its previews.
    pub previews: Arc<dyn Previews>,
    /// Its pull and drift operations (`None`: such jobs fail).
    pub ops: Option<Ops>,
}

/// [`start`] with each project's own previews and operations.
pub async fn start_each(
    config: Config,
    runtime: impl Fn(&ProjectConfig) -> ProjectRuntime,
) -> Result<Running, ServeError> {
    let projects: Vec<Arc<ServedProject>> = config
        .served()
        .into_iter()
        .map(|project| {
            let ProjectRuntime { previews, ops } = runtime(&project);
            Arc::new(ServedProject::new(
                project,
                config.max_attempts,
                previews,
                ops,
            ))
        })
        .collect();
    let config = Arc::new(config);
    let workers = open(&config.state).await?;
    let (intake, readers) = match &config.state {
        Location::File(_) => (vec![workers.clone()], workers.clone()),
        Location::Postgres { .. } => {
            let mut intake = Vec::new();
            for _ in 0..POSTGRES_INTAKE {
                intake.push(open(&config.state).await?);
            }
            (intake, open(&config.state).await?)
        }
    };
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|error| ServeError::Listen {
            address: config.listen,
            message: error.to_string(),
        })?;
    let addr = listener.local_addr().map_err(|error| ServeError::Listen {
        address: config.listen,
        message: error.to_string(),
    })?;
    // The provider's keys, and credentials under old master keys
    // resealed (other replicas may do the same: each row is swapped only
    // if unchanged).
    let verifier = match &config.oidc {
        Some(oidc) => Some(Arc::new(
            crate::auth::OidcVerifier::discover(oidc.clone()).await?,
        )),
        None => None,
    };
    if let Some(keyring) = config.keyring.clone() {
        let store = workers.clone();
        match tokio::task::spawn_blocking(move || super::credentials::reseal_all(&store, &keyring))
            .await
        {
            Ok(Ok(0)) | Err(_) => {}
            Ok(Ok(count)) => log::info("credentials.resealed", &[("count", &count)]),
            Ok(Err(error)) => log::warn("credentials.reseal_failed", &[("error", &error)]),
        }
    }
    let (stop, stopped) = watch::channel(false);
    let wake = Arc::new(Notify::new());
    let catalog = Arc::new(super::catalog::Catalog::new(config.overview_ttl));
    let app = Arc::new(App {
        intake: intake
            .into_iter()
            .map(|store| {
                let guard = StoreReplayGuard::new(store.clone(), "github");
                (store, guard)
            })
            .collect(),
        next: std::sync::atomic::AtomicUsize::new(0),
        wake: wake.clone(),
        signin: config.signin.clone().map(super::signin::Signin::new),
        config: config.clone(),
        identity: super::api::Identity {
            verifier,
            keyring: config.keyring.clone(),
        },
        projects: projects.clone(),
        catalog: catalog.clone(),
        stopping: stopped.clone(),
    });
    let router = http::router_with(app.clone(), |routes| super::api::mount(routes, app))
        .into_make_service_with_connect_info::<SocketAddr>();
    let mut http_stop = stopped.clone();
    let http = tokio::spawn(async move {
        let shutdown = async move {
            let _ = http_stop.wait_for(|stop| *stop).await;
        };
        if let Err(error) = axum::serve(listener, router)
            .with_graceful_shutdown(shutdown)
            .await
        {
            log::error("serve.http_failed", &[("error", &error)]);
        }
    });
    let pool = Arc::new(Pool::new(
        workers.clone(),
        projects.clone(),
        config.clone(),
        wake.clone(),
        catalog,
    ));
    let pool = tokio::spawn(worker::run(pool, stopped.clone()));
    let scheduler = tokio::spawn(schedule(workers, config.clone(), projects, wake, stopped));
    let names: Vec<String> = config.served().into_iter().map(|p| p.name).collect();
    log::info(
        "serve.started",
        &[
            ("listen", &addr),
            ("projects", &names.join(",")),
            ("state", &config.state),
            ("worker", &config.worker),
            ("max_parallel", &config.max_parallel),
        ],
    );
    Ok(Running {
        addr,
        stop,
        http,
        pool,
        scheduler,
        store: readers,
    })
}

/// Queues the GC every `gc_every` (once across replicas: the state
/// database refuses a second while one is unfinished or recent) and
/// prunes old delivery ids and finished jobs.
async fn schedule(
    store: Store,
    config: Arc<Config>,
    projects: Vec<Arc<ServedProject>>,
    wake: Arc<Notify>,
    mut stop: watch::Receiver<bool>,
) {
    // Every period of every project is looked at this often.
    let periods = projects
        .iter()
        .flat_map(|p| [p.config.pull_every, p.config.drift_every])
        .chain([config.gc_every])
        .flatten();
    let tick = periods
        .min()
        .unwrap_or(Duration::from_secs(60))
        .clamp(Duration::from_millis(100), Duration::from_secs(30));
    let mut last_prune: Option<std::time::Instant> = None;
    loop {
        if *stop.borrow() {
            return;
        }
        for project in &projects {
            let periodic = [
                (
                    config.gc_every,
                    jobs::gc_queue(project.name()),
                    jobs::Kind::Gc,
                ),
                (
                    project.config.pull_every.filter(|_| project.ops.is_some()),
                    jobs::pull_queue(project.name()),
                    jobs::Kind::Pull,
                ),
                (
                    project.config.drift_every.filter(|_| project.ops.is_some()),
                    jobs::drift_queue(project.name()),
                    jobs::Kind::Drift,
                ),
            ];
            for (every, queue, kind) in periodic {
                let Some(every) = every else { continue };
                let (store, name, attempts) = (
                    store.clone(),
                    project.name().to_owned(),
                    config.max_attempts,
                );
                let scheduled = tokio::task::spawn_blocking(move || {
                    store.schedule_job(&name, &queue, kind.as_str(), every, attempts)
                })
                .await;
                match scheduled {
                    Ok(Ok(Some(id))) => {
                        log::info(
                            "job.queued",
                            &[
                                ("job", &id),
                                ("kind", &kind.as_str()),
                                ("project", &project.name()),
                            ],
                        );
                        wake.notify_one();
                    }
                    Ok(Ok(None)) => {}
                    Ok(Err(error)) => log::warn(
                        "job.schedule_failed",
                        &[("kind", &kind.as_str()), ("error", &error)],
                    ),
                    Err(_) => {}
                }
            }
        }
        if last_prune.is_none_or(|at| at.elapsed() >= Duration::from_secs(3600)) {
            last_prune = Some(std::time::Instant::now());
            let (store, retention) = (store.clone(), config.retention);
            let pruned = tokio::task::spawn_blocking(move || {
                // Expired logins and sessions go too.
                let now = store.now();
                Ok::<_, StateError>((
                    store.prune_deliveries(retention)? + store.prune_signin(now)?,
                    store.prune_jobs(retention)?,
                ))
            })
            .await;
            match pruned {
                Ok(Ok((deliveries, jobs))) if deliveries + jobs > 0 => log::info(
                    "state.pruned",
                    &[("deliveries", &deliveries), ("jobs", &jobs)],
                ),
                Ok(Err(error)) => log::warn("state.prune_failed", &[("error", &error)]),
                _ => {}
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(tick) => {}
            _ = stop.changed() => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_secrets_are_long_url_safe_and_never_shown() {
        assert!(UrlSecret::new("short").is_err());
        assert!(UrlSecret::new("has a space in it, long enough").is_err());
        assert!(UrlSecret::new("slash/is/not/allowed/here").is_err());
        let secret = UrlSecret::new("abcdefghijklmnop-_.~").unwrap();
        assert!(secret.matches("abcdefghijklmnop-_.~"));
        assert!(!secret.matches("abcdefghijklmnop-_."));
        assert!(!secret.matches(""));
        assert_eq!(format!("{secret:?}"), "UrlSecret(<redacted>)");
    }
}
