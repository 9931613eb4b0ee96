//! `mirage state`: what Mirage owns on Railway (with the Railway IDs), the
//! locks held, the history of applies, breaking a stale lock (recorded),
//! and copying the whole state to another database (`migrate --to`). The
//! same on a project's SQLite file and on a team's PostgreSQL database.
//!
//! Exit codes: 0 success, 1 when the database cannot be read or a lock
//! cannot be broken safely, 2 for usage errors (nothing matches `show`).

use std::path::PathBuf;
use std::process::ExitCode;

use miette::Diagnostic;

use super::{EXIT_FAILURE, EXIT_USAGE, report};
use crate::resolve::suggest::suggest;
use crate::state::{
    self, Actor, ApplyRecord, HistoryFilter, Location, LockBreak, LockInfo, OwnedFilter, Resource,
    ResourceKind, StateError, Store, Timestamp, TtlEntry,
};

/// Arguments of `mirage state`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The state database: a file or a `postgres://` URL (password in the
    /// URL or `PGPASSWORD`). Wins over `MIRAGE_STATE`; without either,
    /// `.mirage/state.db` in `--dir`.
    #[arg(long, global = true, value_name = "PATH|URL")]
    pub state: Option<String>,

    /// The project directory whose `.mirage/state.db` to use.
    #[arg(long, global = true, default_value = ".", value_name = "DIR")]
    pub dir: PathBuf,

    /// Print JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,

    /// What to do.
    #[command(subcommand)]
    pub command: StateCommand,
}

/// The subcommands of `mirage state`.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum StateCommand {
    /// List every resource Mirage owns, with its Railway ID, and the locks
    /// held; with `--railway`, also what Railway has that Mirage does not
    /// own (read from Railway and the `.mirage` files in `--dir`).
    List {
        /// Also read Railway: list what is on Railway and not Mirage's
        /// (declared in the files and not owned yet, or not declared).
        #[arg(long)]
        railway: bool,
        /// With `--railway`: the built-in emulator instead of Railway.
        #[arg(long, requires = "railway", conflicts_with = "endpoint")]
        local: bool,
        /// With `--railway`: the Railway GraphQL endpoint.
        #[arg(long, requires = "railway", value_name = "URL")]
        endpoint: Option<String>,
    },
    /// Show one environment (`ENV`), one service (`ENV/SERVICE`) or one
    /// resource by Railway ID.
    Show {
        /// `ENV`, `ENV/SERVICE` or a Railway ID.
        #[arg(value_name = "TARGET")]
        target: String,
    },
    /// Release the lock of an environment whose holder is gone; without
    /// ENV, every lock whose holder is known to be gone (this machine, its
    /// process no longer running).
    Unlock {
        /// The environment name (all environments when left out).
        #[arg(value_name = "ENV")]
        env: Option<String>,
        /// The project, when the database knows several.
        #[arg(long, value_name = "PROJECT")]
        project: Option<String>,
        /// Break the lock even if its holder may still be running.
        #[arg(long)]
        force: bool,
    },
    /// The applies recorded, newest first: who, when, how each ended; and
    /// the locks broken by hand or taken over.
    History {
        /// Only applies that touched this environment.
        #[arg(long = "env", short = 'e', value_name = "ENV")]
        env: Option<String>,
        /// At most this many applies.
        #[arg(long, default_value_t = 20, value_name = "N")]
        limit: usize,
    },
    /// Copy everything this state records (ownership, history, TTLs) into
    /// another database: a project's file into the team's PostgreSQL, or
    /// back. The source is left as it was.
    Migrate {
        /// The database to copy into: a `postgres://` URL or a file.
        #[arg(long, value_name = "PATH|URL")]
        to: String,
        /// Replace what the target already records (it is lost).
        #[arg(long)]
        force: bool,
    },
}

/// Run `mirage state`.
pub fn run(args: Args) -> ExitCode {
    if args.state.is_none()
        && let Err(code) = super::select::directory(&args.dir)
    {
        return code;
    }
    let location = super::context::state_location(args.state.as_deref())
        .unwrap_or_else(|| Location::File(args.dir.join(state::DEFAULT_RELATIVE_PATH)));
    // Reading commands never create a database file where there is none.
    let store = match &location {
        Location::File(path) if !path.exists() => None,
        _ => match Store::connect(&location) {
            Ok(store) => Some(store),
            Err(error) => return fail(&error),
        },
    };
    let result = match &args.command {
        StateCommand::List {
            railway: true,
            local,
            endpoint,
        } => {
            let reach = super::context::Reach {
                local: *local,
                endpoint: endpoint.clone(),
                state: args.state.clone(),
            };
            return list_railway(store.as_ref(), &args.dir, &reach, args.json);
        }
        StateCommand::List { .. } => list(store.as_ref(), &location, args.json),
        StateCommand::History { env, limit } => {
            history(store.as_ref(), env.as_deref(), *limit, args.json)
        }
        StateCommand::Migrate { to, force } => {
            migrate(store.as_ref(), &location, to, *force, args.json)
        }
        StateCommand::Show { target } => show(store.as_ref(), target, args.json),
        StateCommand::Unlock {
            env,
            project,
            force,
        } => match env {
            Some(env) => unlock(store.as_ref(), env, project.as_deref(), *force),
            None => unlock_stale(store.as_ref(), project.as_deref(), *force),
        },
    };
    result.unwrap_or_else(|error| fail(&error))
}

/// Print a state error with its help line; exit 1.
fn fail(error: &dyn Diagnostic) -> ExitCode {
    report::print_error(&error.to_string());
    if let Some(help) = error.help() {
        report::write_stderr(&format!("  help: {help}\n"));
    }
    ExitCode::from(EXIT_FAILURE)
}

/// Everything recorded, for `--json`.
#[derive(serde::Serialize)]
struct Listing {
    owned: Vec<Resource>,
    locks: Vec<LockInfo>,
    ttls: Vec<TtlEntry>,
}

fn list(store: Option<&Store>, location: &Location, json: bool) -> Result<ExitCode, StateError> {
    let listing = match store {
        Some(store) => Listing {
            owned: store.list_owned(&OwnedFilter::default())?,
            locks: store.locks()?,
            ttls: store.ttls()?,
        },
        None => {
            if !json {
                report::write_stderr(&format!(
                    "no state database at `{location}`: mirage owns nothing here yet\n"
                ));
            }
            Listing {
                owned: Vec::new(),
                locks: Vec::new(),
                ttls: Vec::new(),
            }
        }
    };
    if json {
        print_json(&listing);
    } else if store.is_some() {
        let mut out = String::new();
        render_owned(&mut out, &listing.owned);
        render_locks(&mut out, &listing.locks);
        render_ttls(&mut out, &listing.ttls);
        report::write_stdout(&out);
    }
    Ok(ExitCode::SUCCESS)
}

/// What Railway has and Mirage does not own, for `state list --railway`.
#[derive(serde::Serialize)]
struct OnRailway {
    /// What the state database owns (as `state list`).
    owned: Vec<Resource>,
    /// Instances the files declare and Railway has, not owned yet:
    /// `mirage import` adopts them.
    declared: Vec<Listed>,
    /// What Railway has and the files do not declare: left alone.
    unmanaged: Vec<Listed>,
}

/// A resource on Railway that is not Mirage's.
#[derive(serde::Serialize)]
struct Listed {
    kind: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    environment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    service: Option<String>,
    management: crate::observe::status::Management,
}

impl Listed {
    fn line(&self) -> String {
        let mut out = format!("  {} \"{}\"", self.kind, self.name);
        if let Some(service) = &self.service {
            out.push_str(&format!(" of service \"{service}\""));
        }
        if let Some(env) = &self.environment {
            out.push_str(&format!(" in \"{env}\""));
        }
        if let Some(mark) = self.management.mark() {
            out.push_str(&format!(" {mark}"));
        }
        out.push('\n');
        out
    }
}

/// `mirage state list --railway`: the owned resources, then what Railway
/// has that is not Mirage's, marked as everywhere
/// ([`crate::observe::status::Management`]). Reads the files in `dir` and
/// Railway (one snapshot); writes nothing.
fn list_railway(
    store: Option<&Store>,
    dir: &std::path::Path,
    reach: &super::context::Reach,
    json: bool,
) -> ExitCode {
    let owned = match store.map(|s| s.list_owned(&OwnedFilter::default())) {
        Some(Ok(owned)) => owned,
        Some(Err(error)) => return fail(&error),
        None => Vec::new(),
    };
    let context = reach.context();
    let dir = dir.to_path_buf();
    super::plan::block_on(async move {
        let session = crate::engine::prepare(
            &context,
            &dir,
            &crate::engine::Selection::default(),
            crate::engine::Lock::None,
            crate::engine::Secrets::Skip,
        )
        .await;
        match session {
            Ok(session) => print_on_railway(owned, &session.plan, json),
            Err(failure) => super::context::fail(failure),
        }
    })
}

fn print_on_railway(owned: Vec<Resource>, plan: &crate::plan::Plan, json: bool) -> ExitCode {
    use crate::observe::status::Management;
    let declared: Vec<Listed> = crate::plan::render::declared_not_owned(plan)
        .into_iter()
        .map(|(environment, service)| Listed {
            kind: "service".to_owned(),
            name: service.to_owned(),
            environment: Some(environment.to_owned()),
            service: None,
            management: Management::Declared,
        })
        .collect();
    let unmanaged: Vec<Listed> = plan
        .unmanaged
        .iter()
        .map(|u| Listed {
            kind: u.kind.clone(),
            name: u.name.clone(),
            environment: u.environment.clone(),
            service: u.service.clone(),
            management: Management::Unmanaged,
        })
        .collect();
    let listing = OnRailway {
        owned,
        declared,
        unmanaged,
    };
    if json {
        print_json(&listing);
        return ExitCode::SUCCESS;
    }
    let mut out = String::new();
    render_owned(&mut out, &listing.owned);
    if listing.declared.is_empty() && listing.unmanaged.is_empty() {
        out.push_str("\nEverything on Railway is Mirage's.\n");
    } else {
        out.push_str("\nOn Railway, not Mirage's:\n");
        for item in listing.declared.iter().chain(&listing.unmanaged) {
            out.push_str(&item.line());
        }
        if !listing.declared.is_empty() {
            out.push_str("  hint: `mirage import --all` (or `--env`, `--target`, `--services`) adopts what the files declare\n");
        }
    }
    report::write_stdout(&out);
    ExitCode::SUCCESS
}

/// One environment or service, for `--json`.
#[derive(serde::Serialize)]
struct Shown {
    environment: String,
    service: Option<String>,
    owned: Vec<Resource>,
    locks: Vec<LockInfo>,
    ttls: Vec<TtlEntry>,
    history: Vec<ApplyRecord>,
}

fn show(store: Option<&Store>, target: &str, json: bool) -> Result<ExitCode, StateError> {
    let nothing = |suggestion: Option<String>| {
        report::print_error(&format!("nothing in the state database matches `{target}`"));
        let help = suggestion.unwrap_or_else(|| {
            "`mirage state list` shows every environment, service and railway id recorded".into()
        });
        report::write_stderr(&format!("  help: {help}\n"));
        Ok(ExitCode::from(EXIT_USAGE))
    };
    let Some(store) = store else {
        return nothing(None);
    };
    if let Some(resource) = store.owned_by_railway_id(target)? {
        if json {
            print_json(&resource);
        } else {
            let mut out = String::new();
            render_owned(&mut out, std::slice::from_ref(&resource));
            report::write_stdout(&out);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let (environment, service) = match target.split_once('/') {
        Some((env, service)) => (env, Some(service)),
        None => (target, None),
    };
    let mut owned = store.list_owned(&OwnedFilter {
        environment: Some(environment.to_owned()),
        service: service.map(str::to_owned),
        ..OwnedFilter::default()
    })?;
    if service.is_none() {
        // The environment itself is recorded outside any environment.
        let itself = store.list_owned(&OwnedFilter {
            kind: Some(ResourceKind::Environment),
            ..OwnedFilter::default()
        })?;
        owned.extend(itself.into_iter().filter(|r| r.key.name == environment));
        owned.sort_by(|a, b| a.key.cmp(&b.key));
    }
    let locks: Vec<LockInfo> = store
        .locks()?
        .into_iter()
        .filter(|lock| lock.environment == environment)
        .collect();
    let ttls: Vec<TtlEntry> = store
        .ttls()?
        .into_iter()
        .filter(|ttl| ttl.environment == environment)
        .collect();
    let history = store.history(&HistoryFilter {
        environment: Some(environment.to_owned()),
        limit: Some(HISTORY_SHOWN),
        ..HistoryFilter::default()
    })?;
    // A service is only what is recorded of it (the environment's locks
    // and history are not the service's).
    let unknown = match service {
        Some(_) => owned.is_empty(),
        None => owned.is_empty() && locks.is_empty() && ttls.is_empty() && history.is_empty(),
    };
    if unknown {
        return nothing(suggest_target(store, environment, service)?);
    }
    if json {
        print_json(&Shown {
            environment: environment.to_owned(),
            service: service.map(str::to_owned),
            owned,
            locks,
            ttls,
            history,
        });
    } else {
        let mut out = String::new();
        render_owned(&mut out, &owned);
        render_locks(&mut out, &locks);
        render_ttls(&mut out, &ttls);
        render_history(&mut out, &history);
        report::write_stdout(&out);
    }
    Ok(ExitCode::SUCCESS)
}

/// "did you mean" for a `show` target that matches nothing: the closest
/// environment recorded, or the closest service recorded in the
/// environment.
fn suggest_target(
    store: &Store,
    environment: &str,
    service: Option<&str>,
) -> Result<Option<String>, StateError> {
    let owned = store.list_owned(&OwnedFilter::default())?;
    let mut environments: Vec<&str> = owned
        .iter()
        .filter_map(|r| match (r.key.kind, &r.key.environment) {
            (ResourceKind::Environment, None) => Some(r.key.name.as_str()),
            (_, Some(env)) => Some(env.as_str()),
            _ => None,
        })
        .collect();
    environments.sort_unstable();
    environments.dedup();
    let suggestion = match service {
        None => suggest(environment, environments.iter().copied()).map(str::to_owned),
        Some(service) if environments.contains(&environment) => {
            let services = owned.iter().filter_map(|r| {
                (r.key.kind == ResourceKind::Service
                    && r.key.environment.as_deref() == Some(environment))
                .then_some(r.key.name.as_str())
            });
            suggest(service, services).map(|s| format!("{environment}/{s}"))
        }
        Some(service) => {
            suggest(environment, environments.iter().copied()).map(|env| format!("{env}/{service}"))
        }
    };
    Ok(suggestion.map(|s| format!("did you mean `{s}`?")))
}

/// How many recent applies `show` lists.
const HISTORY_SHOWN: usize = 10;

fn unlock(
    store: Option<&Store>,
    environment: &str,
    project: Option<&str>,
    force: bool,
) -> Result<ExitCode, StateError> {
    let locks: Vec<LockInfo> = match store {
        Some(store) => store
            .locks()?
            .into_iter()
            .filter(|lock| lock.environment == environment)
            .filter(|lock| project.is_none_or(|p| lock.project == p))
            .collect(),
        None => Vec::new(),
    };
    let (store, lock) = match (store, locks.as_slice()) {
        (Some(store), [lock]) => (store, lock),
        (_, []) => {
            report::write_stderr(&format!("environment `{environment}` is not locked\n"));
            return Ok(ExitCode::SUCCESS);
        }
        (_, many) => {
            report::print_error(&format!(
                "environment `{environment}` is locked in several projects: {}",
                many.iter()
                    .map(|lock| format!("`{}`", lock.project))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            report::write_stderr("  help: choose one with `--project`\n");
            return Ok(ExitCode::from(EXIT_USAGE));
        }
    };
    let holder = format!(
        "{} (pid {}) since {}",
        lock.holder, lock.holder.pid, lock.since
    );
    if !force && !lock.is_stale() {
        report::print_error(&format!(
            "environment `{environment}` is locked by {holder}, which may still be running"
        ));
        report::write_stderr(&format!(
            "  help: if it is gone (killed, another machine that crashed), run `mirage state unlock {environment} --force`\n"
        ));
        return Ok(ExitCode::from(EXIT_FAILURE));
    }
    let (why, reason) = match (force, lock.expired) {
        (true, _) => ("", "`mirage state unlock --force`"),
        (false, true) => (", its lease ran out", "its lease ran out"),
        (false, false) => (", no longer running", "its process was gone"),
    };
    match store.break_lock(&lock.project, environment, &Actor::current(), reason)? {
        Some(_) => report::write_stderr(&format!(
            "unlocked environment `{environment}` of `{}` (was locked by {holder}{why})\n",
            lock.project
        )),
        None => report::write_stderr(&format!(
            "environment `{environment}` was released meanwhile\n"
        )),
    }
    Ok(ExitCode::SUCCESS)
}

/// `mirage state unlock` without an environment: every lock of a holder
/// known to be gone, each named.
fn unlock_stale(
    store: Option<&Store>,
    project: Option<&str>,
    force: bool,
) -> Result<ExitCode, StateError> {
    if force {
        report::print_error("`--force` needs an environment: `mirage state unlock ENV --force`");
        report::write_stderr(
            "  help: without ENV, only locks whose holder is known to be gone are released\n",
        );
        return Ok(ExitCode::from(EXIT_USAGE));
    }
    let Some(store) = store else {
        report::write_stderr("nothing is locked\n");
        return Ok(ExitCode::SUCCESS);
    };
    let stale = store.break_stale_locks(project, &Actor::current())?;
    for lock in &stale {
        let why = if lock.expired {
            "its lease ran out"
        } else {
            "no longer running"
        };
        report::write_stderr(&format!(
            "unlocked environment `{}` of `{}` (was locked by {} (pid {}) since {}, {why})\n",
            lock.environment, lock.project, lock.holder, lock.holder.pid, lock.since
        ));
    }
    let left: Vec<LockInfo> = store
        .locks()?
        .into_iter()
        .filter(|lock| project.is_none_or(|p| lock.project == p))
        .collect();
    if stale.is_empty() && left.is_empty() {
        report::write_stderr("nothing is locked\n");
    }
    for lock in &left {
        report::write_stderr(&format!(
            "still locked: environment `{}` of `{}` by {} (pid {}) since {}, which may be running\n",
            lock.environment, lock.project, lock.holder, lock.holder.pid, lock.since
        ));
    }
    if !left.is_empty() {
        report::write_stderr(
            "  help: if its holder is gone (another machine that crashed), run `mirage state unlock ENV --force`\n",
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Everything `history` shows, for `--json`.
#[derive(serde::Serialize)]
struct History {
    applies: Vec<ApplyRecord>,
    lock_breaks: Vec<LockBreak>,
}

fn history(
    store: Option<&Store>,
    environment: Option<&str>,
    limit: usize,
    json: bool,
) -> Result<ExitCode, StateError> {
    let shown = match store {
        Some(store) => History {
            applies: store.history(&HistoryFilter {
                environment: environment.map(str::to_owned),
                limit: Some(limit),
                ..HistoryFilter::default()
            })?,
            lock_breaks: store
                .lock_breaks()?
                .into_iter()
                .filter(|b| environment.is_none_or(|e| b.environment == e))
                .collect(),
        },
        None => History {
            applies: Vec::new(),
            lock_breaks: Vec::new(),
        },
    };
    if json {
        print_json(&shown);
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = String::new();
    if shown.applies.is_empty() {
        out.push_str("no apply recorded\n");
    }
    render_history(&mut out, &shown.applies);
    for broken in &shown.lock_breaks {
        out.push_str(&format!(
            "unlocked: {}/{} by {} at {} (was locked by {} (pid {}) since {}; {})\n",
            broken.project,
            broken.environment,
            broken.broken_by,
            broken.broken_at,
            broken.holder,
            broken.holder_pid,
            broken.since,
            broken.reason
        ));
    }
    report::write_stdout(&out);
    Ok(ExitCode::SUCCESS)
}

/// `mirage state migrate --to TARGET`: copies the whole state.
fn migrate(
    store: Option<&Store>,
    from: &Location,
    to: &str,
    force: bool,
    json: bool,
) -> Result<ExitCode, StateError> {
    let Some(store) = store else {
        report::print_error(&format!(
            "no state database at `{from}`: nothing to migrate"
        ));
        report::write_stderr(
            "  help: choose the source with `--state PATH|URL` or `MIRAGE_STATE`, or `--dir`\n",
        );
        return Ok(ExitCode::from(EXIT_USAGE));
    };
    let target_location =
        super::context::state_location(Some(to)).unwrap_or_else(|| Location::parse(to));
    if target_location == *from {
        report::print_error(&format!("`{from}` is already the state database in use"));
        report::write_stderr("  help: `--to` names the database to copy into\n");
        return Ok(ExitCode::from(EXIT_USAGE));
    }
    let target = Store::connect(&target_location)?;
    let copied = store.copy_to(&target, force)?;
    if json {
        print_json(&copied);
    } else {
        report::write_stderr(&format!(
            "copied {} ownership records, {} applies, {} TTLs and {} lock breaks from `{from}` to `{target_location}`\n",
            copied.owned, copied.applies, copied.ttls, copied.lock_breaks
        ));
        if copied.users > 0 || copied.audit > 0 {
            report::write_stderr(&format!(
                "  and `mirage serve`'s {} users (with their roles and API tokens), {} audit entries and sealed Railway tokens\n",
                copied.users, copied.audit
            ));
        }
        if copied.secrets > 0 {
            report::write_stderr(&format!(
                "  and {} versions of stored secrets, still sealed: they open with the same master key\n",
                copied.secrets
            ));
        }
        report::write_stderr(&format!(
            "  from now on, point every run at it: `MIRAGE_STATE={target_location}` (or `--state`); `{from}` is left as it was\n"
        ));
    }
    Ok(ExitCode::SUCCESS)
}

fn print_json(value: &impl serde::Serialize) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => report::write_stdout_exact(&format!("{text}\n")),
        Err(error) => report::print_error(&format!("cannot print json: {error}")),
    }
}

fn render_owned(out: &mut String, owned: &[Resource]) {
    if owned.is_empty() {
        out.push_str("mirage owns nothing here\n");
        return;
    }
    let mut rows = vec![
        [
            "KIND",
            "PROJECT",
            "ENVIRONMENT",
            "SERVICE",
            "NAME",
            "RAILWAY ID",
            "ORIGIN",
            "BY",
        ]
        .map(str::to_owned)
        .to_vec(),
    ];
    for resource in owned {
        let key = &resource.key;
        rows.push(vec![
            key.kind.to_string(),
            key.project.clone(),
            key.environment.clone().unwrap_or_else(|| "-".to_owned()),
            key.service.clone().unwrap_or_else(|| "-".to_owned()),
            key.name.clone(),
            resource
                .railway_id
                .clone()
                .unwrap_or_else(|| "-".to_owned()),
            resource.origin.to_string(),
            format!("{} at {}", resource.created_by, resource.created_at),
        ]);
    }
    render_table(out, &rows);
}

fn render_locks(out: &mut String, locks: &[LockInfo]) {
    for lock in locks {
        let stale = if lock.expired {
            " (stale: its lease ran out)"
        } else if lock.is_stale() {
            " (stale: the process is gone)"
        } else {
            ""
        };
        out.push_str(&format!(
            "locked: {}/{} by {} (pid {}) since {}{stale}\n",
            lock.project, lock.environment, lock.holder, lock.holder.pid, lock.since
        ));
    }
}

fn render_ttls(out: &mut String, ttls: &[TtlEntry]) {
    let now = Timestamp::now();
    for ttl in ttls {
        let verb = if ttl.expires_at <= now {
            "expired"
        } else {
            "expires"
        };
        out.push_str(&format!(
            "ttl: {}/{} {verb} {} (set by {})\n",
            ttl.project, ttl.environment, ttl.expires_at, ttl.set_by
        ));
    }
}

fn render_history(out: &mut String, history: &[ApplyRecord]) {
    for apply in history {
        let result = apply.result.map_or("unfinished", |r| r.as_str());
        out.push_str(&format!(
            "apply #{} by {} at {}: {result}",
            apply.id, apply.actor, apply.started_at
        ));
        if let Some(summary) = &apply.summary {
            out.push_str(&format!(" ({summary})"));
        }
        out.push('\n');
    }
}

/// Left-aligned columns, two spaces apart.
fn render_table(out: &mut String, rows: &[Vec<String>]) {
    let columns = rows.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .map(|row| row[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in rows {
        let mut line = String::new();
        for (cell, width) in row.iter().zip(&widths) {
            line.push_str(&format!("{cell:<width$}  "));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
}
