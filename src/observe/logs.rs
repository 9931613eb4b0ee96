//! Logs of an environment's services merged in time order: history, follow,
//! filters, export. The engine only reads and hands lines to a sink; the
//! front ends (`mirage logs`, serve) render them.
//!
//! * History is `environmentLogs` paged forward with `afterDate` /
//!   `afterLimit` (bounded by `beforeDate`), or the newest lines with
//!   `beforeLimit`; build logs are `buildLogs` of each selected service's
//!   latest deployment, aliased in one request, merged in time order.
//! * Follow is ONE `environmentLogs` subscription for the whole
//!   environment: its first batch is the history, then new lines. When the
//!   socket drops it reconnects with backoff and resumes from the last
//!   timestamp seen (`afterDate`), dropping the lines it already delivered
//!   at that exact timestamp, so every line arrives exactly once, in order.

pub mod merge;
pub mod time;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::Duration;

use cynic::{QueryBuilder, SubscriptionBuilder};
use serde_json::{Value, json};

use crate::diagnostic::Diagnostic;
use crate::engine::{self, Context, Failure};
use crate::railway::ops::logs::{
    EnvironmentLogsQuery, EnvironmentLogsSubscription, EnvironmentLogsVariables, Log,
};
use crate::railway::{Client, Effect, RailwayError};
use crate::state::{ResourceKey, ResourceKind};

pub use merge::merge;

/// Lines asked for per page of history.
pub const PAGE: usize = 1000;

/// Lines shown without `--since`/`--from`: the newest this many.
pub const DEFAULT_TAIL: usize = 500;

/// How long `follow` keeps trying to reconnect before it gives up.
pub const GIVE_UP_AFTER: Duration = Duration::from_secs(120);

/// Whether a line comes from a build or from a running deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// `buildLogs`.
    Build,
    /// `environmentLogs` (what the deployments print).
    Deploy,
}

/// One log line, as the engine hands it on.
#[derive(Debug, Clone, PartialEq)]
pub struct LogLine {
    /// Milliseconds since the Unix epoch (parsed from `timestamp`).
    pub at: i64,
    /// Railway's timestamp string, as it came.
    pub timestamp: String,
    /// The service's name (its ID when Railway did not name it).
    pub service: String,
    /// The service's ID (`tags.serviceId`).
    pub service_id: Option<String>,
    /// The deployment (`tags.deploymentId`).
    pub deployment: Option<String>,
    /// The replica (`tags.deploymentInstanceId`).
    pub replica: Option<String>,
    /// Build or deploy.
    pub kind: Kind,
    /// `info`, `warn`, `error`, … as Railway gives it.
    pub severity: Option<String>,
    /// The text.
    pub message: String,
    /// Structured attributes, in Railway's order.
    pub attributes: Vec<(String, String)>,
}

impl LogLine {
    /// Whether the line is an error (its severity, else its `level`).
    pub fn is_error(&self) -> bool {
        let level = self.severity.as_deref().or_else(|| {
            self.attributes
                .iter()
                .find(|(k, _)| k == "level")
                .map(|(_, v)| v.as_str())
        });
        level.is_some_and(|l| {
            l.eq_ignore_ascii_case("error")
                || l.eq_ignore_ascii_case("err")
                || l.eq_ignore_ascii_case("fatal")
                || l.eq_ignore_ascii_case("critical")
        })
    }
}

/// A service of the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// Railway's ID.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The latest deployment in the environment, if any.
    pub latest_deployment: Option<String>,
}

/// The environment whose logs are read, as Railway knows it.
#[derive(Debug, Clone)]
pub struct Target {
    /// Railway's environment ID.
    pub environment_id: String,
    /// The environment's name.
    pub environment: String,
    /// Every service with an instance in the environment, by ID.
    pub services: BTreeMap<String, Service>,
}

impl Target {
    /// The name of the service with this ID (the ID when unknown).
    pub fn name_of(&self, id: Option<&str>) -> String {
        match id {
            Some(id) => self
                .services
                .get(id)
                .map_or_else(|| id.to_owned(), |s| s.name.clone()),
            None => "-".to_owned(),
        }
    }

    /// The engine's line for one of Railway's.
    pub fn line(&self, log: Log, kind: Kind) -> LogLine {
        let tags = log.tags.unwrap_or(crate::railway::ops::logs::LogTags {
            deployment_id: None,
            service_id: None,
            environment_id: None,
            deployment_instance_id: None,
        });
        LogLine {
            at: time::parse_rfc3339(&log.timestamp).unwrap_or(0),
            service: self.name_of(tags.service_id.as_deref()),
            service_id: tags.service_id,
            deployment: tags.deployment_id,
            replica: tags.deployment_instance_id,
            kind,
            severity: log.severity,
            message: log.message,
            attributes: log
                .attributes
                .into_iter()
                .map(|a| (a.key, a.value))
                .collect(),
            timestamp: log.timestamp,
        }
    }
}

/// How many colours service names take turns in (the CLI's 256-colour
/// palette, the dashboard's `svc-0` … `svc-9` classes).
pub const PALETTE_SLOTS: usize = 10;

/// The palette slot of a service: the same name gets the same slot on
/// every run and in every front end (FNV-1a of the name).
pub fn palette_slot(service: &str) -> usize {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in service.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    (hash as usize) % PALETTE_SLOTS
}

/// Severity levels `--level` knows, least severe first.
pub const LEVELS: [&str; 4] = ["debug", "info", "warn", "error"];

/// Which lines: the time window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// The newest N lines (and, when following, what comes after).
    Tail(usize),
    /// The newest N lines before a time (ms): the previous page of a
    /// tail. Following, it is a tail.
    Before {
        /// How many.
        count: usize,
        /// End, included.
        to: i64,
    },
    /// From a time (ms) to another, or to now.
    Range {
        /// Start, included.
        from: i64,
        /// End, included; `None` is now (or, following, forever).
        to: Option<i64>,
    },
}

/// What to read.
#[derive(Debug, Clone)]
pub struct Request {
    /// Railway's filter syntax, as the user wrote it.
    pub filter: Option<String>,
    /// This level and the more severe ones (one of [`LEVELS`]).
    pub level: Option<String>,
    /// Only these services (IDs); `None` is all.
    pub services: Option<Vec<String>>,
    /// The window.
    pub window: Window,
    /// Build logs instead of what the deployments print.
    pub build: bool,
    /// Only the lines of each selected service's latest deployment (the
    /// dashboard's one-service view); build logs always are.
    pub latest_only: bool,
}

/// The filter sent to Railway: the user's (parenthesised), AND the level,
/// AND the services (`@service:<id>`, Railway's attribute for environment
/// logs). `None` when there is nothing to filter.
pub fn compose_filter(
    user: Option<&str>,
    level: Option<&str>,
    services: Option<&[String]>,
) -> Option<String> {
    let user = user.map(str::trim).filter(|f| !f.is_empty());
    if level.is_none() && services.is_none() {
        // Alone, the user's filter goes as written, so Railway's
        // complaints about it point at what the user typed.
        return user.map(str::to_owned);
    }
    let mut parts = Vec::new();
    if let Some(user) = user {
        parts.push(format!("({user})"));
    }
    if let Some(level) = level {
        let from = LEVELS.iter().position(|l| *l == level).unwrap_or(0);
        let levels: Vec<String> = LEVELS[from..]
            .iter()
            .map(|l| format!("@level:{l}"))
            .collect();
        parts.push(group(levels));
    }
    if let Some(services) = services {
        let ids: Vec<String> = services.iter().map(|id| format!("@service:{id}")).collect();
        parts.push(group(ids));
    }
    (!parts.is_empty()).then(|| parts.join(" AND "))
}

fn group(terms: Vec<String>) -> String {
    if terms.len() == 1 {
        terms.into_iter().next().unwrap_or_default()
    } else {
        format!("({})", terms.join(" OR "))
    }
}

const TARGET_QUERY: &str = "query LogsTarget($id: String!) { project(id: $id) { id name \
    environments { edges { node { id name \
    serviceInstances { edges { node { serviceId serviceName latestDeployment { id } } } } } } } } }";

fn read_failed(message: String) -> Failure {
    Failure::error(
        "mirage::observe::read_failed",
        message,
        Some("check the connection to Railway and the token, then try again"),
    )
}

/// Finds the environment `env` of the project `project` (named in the
/// files of `dir`) on Railway, with its services: two requests at most
/// (the project's ID when the state does not know it, then one read).
pub async fn locate(
    context: &Context,
    dir: &Path,
    client: &Client,
    project: &str,
    env: &str,
) -> Result<Target, Failure> {
    let known_id = match engine::open_store(context, dir) {
        Ok(store) => store
            .owned(&ResourceKey {
                project: project.to_owned(),
                environment: None,
                kind: ResourceKind::Project,
                service: None,
                name: project.to_owned(),
            })
            .ok()
            .flatten()
            .and_then(|r| r.railway_id),
        Err(_) => None,
    };
    let project_id = match known_id {
        Some(id) => id,
        None => {
            let found = client
                .find_projects_by_name(project, None)
                .await
                .map_err(|e| read_failed(format!("cannot list projects: {e}")))?;
            match found.first() {
                Some(p) => p.id.inner().to_owned(),
                None => return Err(not_on_railway(format!("project `{project}`"))),
            }
        }
    };
    let envelope = client
        .execute(
            TARGET_QUERY,
            &json!({ "id": project_id }),
            Some("LogsTarget"),
            Effect::Read,
        )
        .await
        .map_err(|e| read_failed(format!("cannot read project `{project}`: {e}")))?;
    if let Some(error) = envelope.errors.as_ref().and_then(|e| e.first()) {
        return Err(read_failed(format!(
            "cannot read project `{project}`: {}",
            error.classify()
        )));
    }
    let data = envelope.data.unwrap_or_default();
    let environments = data
        .pointer("/project/environments/edges")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let Some(node) = environments
        .iter()
        .map(|e| &e["node"])
        .find(|n| n["name"].as_str() == Some(env))
    else {
        return Err(not_on_railway(format!(
            "environment `{env}` of project `{project}`"
        )));
    };
    let services = services_of(node);
    Ok(Target {
        environment_id: node["id"].as_str().unwrap_or_default().to_owned(),
        environment: env.to_owned(),
        services,
    })
}

const ENVIRONMENT_QUERY: &str = "query LogsEnvironment($id: String!) { environment(id: $id) { \
    serviceInstances { edges { node { serviceId serviceName latestDeployment { id } } } } } }";

/// The environment with Railway's ID `environment_id` (named
/// `environment`) and its services, in one request: for callers that
/// know the ID already (the team service's overview).
pub async fn target_of(
    client: &Client,
    environment_id: &str,
    environment: &str,
) -> Result<Target, Failure> {
    let envelope = client
        .execute(
            ENVIRONMENT_QUERY,
            &json!({ "id": environment_id }),
            Some("LogsEnvironment"),
            Effect::Read,
        )
        .await
        .map_err(|e| read_failed(format!("cannot read environment `{environment}`: {e}")))?;
    if let Some(error) = envelope.errors.as_ref().and_then(|e| e.first()) {
        return Err(read_failed(format!(
            "cannot read environment `{environment}`: {}",
            error.classify()
        )));
    }
    let data = envelope.data.unwrap_or_default();
    let Some(node) = data.get("environment").filter(|n| !n.is_null()) else {
        return Err(not_on_railway(format!("environment `{environment}`")));
    };
    Ok(Target {
        environment_id: environment_id.to_owned(),
        environment: environment.to_owned(),
        services: services_of(node),
    })
}

/// The services of an environment node (`serviceInstances`), by ID.
fn services_of(node: &Value) -> BTreeMap<String, Service> {
    let mut services = BTreeMap::new();
    for edge in node
        .pointer("/serviceInstances/edges")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
    {
        let n = &edge["node"];
        let Some(id) = n["serviceId"].as_str() else {
            continue;
        };
        services.insert(
            id.to_owned(),
            Service {
                id: id.to_owned(),
                name: n["serviceName"].as_str().unwrap_or(id).to_owned(),
                latest_deployment: n
                    .pointer("/latestDeployment/id")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
            },
        );
    }
    services
}

fn not_on_railway(what: String) -> Failure {
    Failure::error(
        "mirage::observe::not_deployed",
        format!("{what} does not exist on Railway"),
        Some(
            "run `mirage apply` first (or pass `--local` / `--endpoint` to read where it was applied)",
        ),
    )
}

/// Railway's refusal of a log query, as the user can act on it.
pub fn refused(error: RailwayError, filter: Option<&str>) -> Failure {
    match error {
        RailwayError::Invalid { message, .. } => Failure::usage(
            Diagnostic::general(
                "mirage::observe::bad_filter",
                format!("Railway refused the log query: {message}"),
            )
            .with_help(match filter {
                Some(f) => format!(
                    "the filter sent was `{f}`; see Railway's filter syntax (words, \"phrases\", `@attr:value`, AND/OR/-, parentheses) in docs/observe.md"
                ),
                None => "check `--since`, `--from` and `--to`".to_owned(),
            }),
        ),
        other => read_failed(format!("cannot read the logs: {other}")),
    }
}

/// Keeps the lines of the selected services (a safety net behind the
/// `@service:` filter Railway applies), of their latest deployments when
/// asked.
fn selected(request: &Request, target: &Target, line: &LogLine) -> bool {
    if request.latest_only {
        let latest = line
            .service_id
            .as_ref()
            .and_then(|id| target.services.get(id))
            .and_then(|s| s.latest_deployment.as_ref());
        if latest.is_none() || latest != line.deployment.as_ref() {
            return false;
        }
    }
    match &request.services {
        None => true,
        Some(ids) => line
            .service_id
            .as_ref()
            .is_some_and(|id| ids.iter().any(|s| s == id)),
    }
}

/// Reads the history the request asks for and hands each line to `sink`,
/// oldest first. Returns how many lines it handed on. A sink error (a
/// closed pipe) stops the reading and is returned as `Ok(Err)`.
pub async fn history(
    client: &Client,
    target: &Target,
    request: &Request,
    sink: &mut (dyn FnMut(&LogLine) -> std::io::Result<()> + Send),
) -> Result<std::io::Result<usize>, Failure> {
    if request.build {
        let lines = build_history(client, target, request).await?;
        let mut n = 0;
        for line in &lines {
            if let Err(e) = sink(line) {
                return Ok(Err(e));
            }
            n += 1;
        }
        return Ok(Ok(n));
    }
    let filter = compose_filter(
        request.filter.as_deref(),
        request.level.as_deref(),
        request.services.as_deref(),
    );
    let mut vars = EnvironmentLogsVariables {
        environment_id: target.environment_id.clone(),
        filter: filter.clone(),
        ..EnvironmentLogsVariables::default()
    };
    let mut n = 0;
    match request.window {
        Window::Tail(_) | Window::Before { .. } => {
            if let Window::Before { count, to } = request.window {
                vars.before_limit = i32::try_from(count).ok();
                vars.before_date = Some(time::rfc3339(to));
            } else if let Window::Tail(count) = request.window {
                vars.before_limit = i32::try_from(count).ok();
            }
            let page = client
                .query(EnvironmentLogsQuery::build(vars))
                .await
                .map_err(|e| refused(e, filter.as_deref()))?;
            for log in page.environment_logs {
                let line = target.line(log, Kind::Deploy);
                if !selected(request, target, &line) {
                    continue;
                }
                if let Err(e) = sink(&line) {
                    return Ok(Err(e));
                }
                n += 1;
            }
        }
        Window::Range { from, to } => {
            let mut resume = Resume::from(from);
            vars.before_date = to.map(time::rfc3339);
            vars.after_limit = i32::try_from(PAGE).ok();
            loop {
                vars.after_date = Some(resume.after_date());
                let page = client
                    .query(EnvironmentLogsQuery::build(vars.clone()))
                    .await
                    .map_err(|e| refused(e, filter.as_deref()))?;
                let full = page.environment_logs.len() >= PAGE;
                resume.reconnect();
                let mut fresh = 0;
                for log in page.environment_logs {
                    let line = target.line(log, Kind::Deploy);
                    if to.is_some_and(|to| line.at > to) || !resume.admit(&line) {
                        continue;
                    }
                    fresh += 1;
                    if !selected(request, target, &line) {
                        continue;
                    }
                    if let Err(e) = sink(&line) {
                        return Ok(Err(e));
                    }
                    n += 1;
                }
                // A short page is the last; a full page of lines all seen
                // before (more than a page at one millisecond) cannot move
                // on, so it ends too rather than loop.
                if !full || fresh == 0 {
                    break;
                }
            }
        }
    }
    Ok(Ok(n))
}

/// The build logs of each selected service's latest deployment, read in
/// one request (one aliased `buildLogs` per deployment), merged.
async fn build_history(
    client: &Client,
    target: &Target,
    request: &Request,
) -> Result<Vec<LogLine>, Failure> {
    let deployments: Vec<&str> = target
        .services
        .values()
        .filter(|s| {
            request
                .services
                .as_ref()
                .is_none_or(|ids| ids.contains(&s.id))
        })
        .filter_map(|s| s.latest_deployment.as_deref())
        .collect();
    if deployments.is_empty() {
        return Ok(Vec::new());
    }
    // `@service:` is an environment-logs attribute: build logs are read
    // per deployment already, so only the user's filter and the level go.
    let filter = compose_filter(request.filter.as_deref(), request.level.as_deref(), None);
    let (limit, start, end) = match request.window {
        Window::Tail(n) => (Some(n), None, None),
        Window::Before { count, to } => (Some(count), None, Some(time::rfc3339(to))),
        Window::Range { from, to } => (None, Some(time::rfc3339(from)), to.map(time::rfc3339)),
    };
    let mut query = String::from(
        "query BuildLogs($filter: String, $limit: Int, $start: DateTime, $end: DateTime",
    );
    let mut fields = String::new();
    let mut variables = serde_json::Map::new();
    for (i, id) in deployments.iter().enumerate() {
        query.push_str(&format!(", $d{i}: String!"));
        fields.push_str(&format!(
            " b{i}: buildLogs(deploymentId: $d{i}, filter: $filter, limit: $limit, startDate: $start, endDate: $end) \
             {{ timestamp message severity attributes {{ key value }} tags {{ deploymentId serviceId environmentId deploymentInstanceId }} }}"
        ));
        variables.insert(format!("d{i}"), json!(id));
    }
    query.push_str(") {");
    query.push_str(&fields);
    query.push_str(" }");
    variables.insert("filter".into(), json!(filter));
    variables.insert("limit".into(), json!(limit));
    variables.insert("start".into(), json!(start));
    variables.insert("end".into(), json!(end));
    let envelope = client
        .execute(
            &query,
            &Value::Object(variables),
            Some("BuildLogs"),
            Effect::Read,
        )
        .await
        .map_err(|e| refused(e, filter.as_deref()))?;
    if let Some(error) = envelope.errors.as_ref().and_then(|e| e.first()) {
        return Err(refused(error.classify(), filter.as_deref()));
    }
    let data = envelope.data.unwrap_or_default();
    let mut sources = Vec::with_capacity(deployments.len());
    for i in 0..deployments.len() {
        let logs: Vec<Log> = data
            .get(format!("b{i}"))
            .cloned()
            .map(serde_json::from_value)
            .transpose()
            .map_err(|e| read_failed(format!("cannot read the build logs: {e}")))?
            .unwrap_or_default();
        let mut lines: Vec<LogLine> = logs
            .into_iter()
            .map(|log| target.line(log, Kind::Build))
            .collect();
        lines.sort_by_key(|l| l.at);
        sources.push(lines);
    }
    Ok(merge(sources))
}

/// What `follow` tells its caller besides lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// The stream ended or failed; reconnecting after `wait`.
    Interrupted {
        /// What happened.
        reason: String,
        /// The backoff before the next attempt.
        wait: Duration,
    },
    /// Subscribed again, resuming after this timestamp.
    Resumed {
        /// Railway's timestamp of the last line delivered, if any.
        after: Option<String>,
    },
}

/// The key of a line among those at one timestamp.
type Key = (String, Option<String>, Option<String>, String);

fn key(line: &LogLine) -> Key {
    (
        line.timestamp.clone(),
        line.deployment.clone(),
        line.replica.clone(),
        line.message.clone(),
    )
}

/// Exactly-once delivery across reconnections: the last timestamp
/// delivered and how many times each line was delivered at it (only that
/// timestamp's keys are kept).
#[derive(Debug, Clone, Default)]
pub struct Resume {
    last: Option<(i64, String)>,
    at_last: HashMap<Key, u32>,
    /// After a reconnection: lines older than this are not new.
    floor: Option<i64>,
    /// After a reconnection: lines at the floor still to skip.
    skip: HashMap<Key, u32>,
}

impl Resume {
    /// Nothing delivered yet; lines before `from` (ms) are not wanted.
    pub fn from(from: i64) -> Resume {
        Resume {
            floor: Some(from),
            ..Resume::default()
        }
    }

    /// The `afterDate` to resume from.
    pub fn after_date(&self) -> String {
        match (&self.last, self.floor) {
            (Some((_, timestamp)), _) => timestamp.clone(),
            (None, Some(floor)) => time::rfc3339(floor),
            (None, None) => time::rfc3339(0),
        }
    }

    /// Railway's timestamp of the last line delivered.
    pub fn last_timestamp(&self) -> Option<&str> {
        self.last.as_ref().map(|(_, t)| t.as_str())
    }

    /// A new connection (or page) starts at [`Resume::after_date`]: what
    /// was delivered at the last timestamp is skipped once more.
    pub fn reconnect(&mut self) {
        if let Some((at, _)) = &self.last {
            self.floor = Some(*at);
            self.skip = self.at_last.clone();
        }
    }

    /// Whether `line` is new; if so it counts as delivered.
    pub fn admit(&mut self, line: &LogLine) -> bool {
        if let Some(floor) = self.floor {
            if line.at < floor {
                return false;
            }
            if line.at == floor && !self.skip.is_empty() {
                let k = key(line);
                if let Some(n) = self.skip.get_mut(&k) {
                    *n -= 1;
                    if *n == 0 {
                        self.skip.remove(&k);
                    }
                    return false;
                }
            }
        }
        match &self.last {
            Some((at, _)) if line.at < *at => {}
            Some((at, _)) if line.at == *at => {
                *self.at_last.entry(key(line)).or_insert(0) += 1;
            }
            _ => {
                self.last = Some((line.at, line.timestamp.clone()));
                self.at_last.clear();
                self.at_last.insert(key(line), 1);
            }
        }
        true
    }
}

/// Follows the environment's logs over one `environmentLogs` subscription
/// (history first, then new lines), reconnecting without gaps or
/// duplicates, until `on_line` fails (a closed pipe: `Ok(Err)`), the
/// server refuses the subscription, or reconnecting fails for
/// [`GIVE_UP_AFTER`]. Stop it by dropping the future (Ctrl-C).
pub async fn follow(
    client: &Client,
    target: &Target,
    request: &Request,
    on_line: &mut (dyn FnMut(&LogLine) -> std::io::Result<()> + Send),
    on_notice: &mut (dyn FnMut(Notice) + Send),
) -> Result<std::io::Result<()>, Failure> {
    let filter = compose_filter(
        request.filter.as_deref(),
        request.level.as_deref(),
        request.services.as_deref(),
    );
    let mut resume = match request.window {
        Window::Range { from, .. } => Resume::from(from),
        Window::Tail(_) | Window::Before { .. } => Resume::default(),
    };
    let mut backoff = Backoff::default();
    let mut first = true;
    loop {
        let mut vars = EnvironmentLogsVariables {
            environment_id: target.environment_id.clone(),
            filter: filter.clone(),
            ..EnvironmentLogsVariables::default()
        };
        match (request.window, resume.last_timestamp()) {
            // Nothing printed yet (first, or dropped before the history
            // came): ask for the newest lines again.
            (Window::Tail(n) | Window::Before { count: n, .. }, None) => {
                vars.before_limit = i32::try_from(n).ok();
            }
            _ => vars.after_date = Some(resume.after_date()),
        }
        resume.reconnect();
        let reason = match client
            .subscribe(EnvironmentLogsSubscription::build(vars))
            .await
        {
            Err(error @ (RailwayError::Transient { .. } | RailwayError::RateLimited { .. })) => {
                error.to_string()
            }
            Err(error) => return Err(refused(error, filter.as_deref())),
            Ok(mut subscription) => {
                if !first {
                    on_notice(Notice::Resumed {
                        after: resume.last_timestamp().map(str::to_owned),
                    });
                }
                first = false;
                loop {
                    match subscription.next().await {
                        None => break "the server closed the log stream".to_owned(),
                        Some(Err(
                            error @ (RailwayError::Transient { .. }
                            | RailwayError::RateLimited { .. }),
                        )) => break error.to_string(),
                        Some(Err(error)) => return Err(refused(error, filter.as_deref())),
                        Some(Ok(batch)) => {
                            backoff.reset();
                            for log in batch.environment_logs {
                                let line = target.line(log, Kind::Deploy);
                                if !resume.admit(&line) || !selected(request, target, &line) {
                                    continue;
                                }
                                if let Err(e) = on_line(&line) {
                                    return Ok(Err(e));
                                }
                            }
                        }
                    }
                }
            }
        };
        let Some(wait) = backoff.next() else {
            return Err(Failure::error(
                "mirage::observe::stream_lost",
                format!("the log stream could not be resumed: {reason}"),
                Some("check the connection to Railway, then run the command again"),
            ));
        };
        on_notice(Notice::Interrupted { reason, wait });
        tokio::time::sleep(wait).await;
    }
}

/// Exponential backoff from 100 ms to 5 s, given up after
/// [`GIVE_UP_AFTER`] without a batch.
#[derive(Debug)]
struct Backoff {
    next: Duration,
    since: Option<std::time::Instant>,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            next: Duration::from_millis(100),
            since: None,
        }
    }
}

impl Backoff {
    fn reset(&mut self) {
        *self = Backoff::default();
    }

    fn next(&mut self) -> Option<Duration> {
        let since = *self.since.get_or_insert_with(std::time::Instant::now);
        if since.elapsed() > GIVE_UP_AFTER {
            return None;
        }
        let wait = self.next;
        self.next = (self.next * 2).min(Duration::from_secs(5));
        Some(wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(at: i64, message: &str) -> LogLine {
        LogLine {
            at,
            timestamp: time::rfc3339(at),
            service: "web".into(),
            service_id: Some("s1".into()),
            deployment: Some("d1".into()),
            replica: Some("r1".into()),
            kind: Kind::Deploy,
            severity: None,
            message: message.into(),
            attributes: Vec::new(),
        }
    }

    #[test]
    fn filters_compose_with_and() {
        assert_eq!(compose_filter(None, None, None), None);
        assert_eq!(
            compose_filter(Some("a OR b"), None, None),
            Some("a OR b".into())
        );
        assert_eq!(
            compose_filter(
                Some("a OR b"),
                Some("warn"),
                Some(&["s1".into(), "s2".into()])
            ),
            Some(
                "(a OR b) AND (@level:warn OR @level:error) AND (@service:s1 OR @service:s2)"
                    .into()
            )
        );
        assert_eq!(
            compose_filter(Some("  "), Some("error"), None),
            Some("@level:error".into())
        );
    }

    #[test]
    fn resume_skips_what_was_delivered_at_the_last_timestamp_only() {
        let mut r = Resume::default();
        for l in [line(1, "a"), line(2, "b"), line(2, "b"), line(2, "c")] {
            assert!(r.admit(&l));
        }
        r.reconnect();
        assert_eq!(r.after_date(), time::rfc3339(2));
        // The server resends everything at or after 2, and some before.
        let again = [
            line(1, "a"),
            line(2, "b"),
            line(2, "b"),
            line(2, "c"),
            line(2, "b"),
            line(3, "d"),
        ];
        let admitted: Vec<_> = again
            .iter()
            .filter(|l| r.admit(l))
            .map(|l| l.message.clone())
            .collect();
        assert_eq!(admitted, ["b", "d"]);
    }
}
