//! `up`: create or update one pull request's preview, record it (a push
//! extends its TTL), deploy the pull request's commit, wait for it to be
//! healthy, and say where it is.

use std::path::Path;
use std::time::Duration;

use super::{Preview, Problem, ServiceHealth, check_pull_request, deadline, service_health};
use crate::engine::preview::EnvironmentStatus;
use crate::engine::{self, Context, Event, Failure, Lock, Secrets, Selection};
use crate::model::{PullRequest, Source};
use crate::observe::{
    self,
    status::{Report, WaitEvent, WaitOptions, WaitOutcome},
};
use crate::plan::Action;
use crate::state::{self, NewPreview, ResourceKey, ResourceKind};

/// What to bring up.
#[derive(Clone, Debug)]
pub struct UpRequest {
    /// The pull request.
    pub pr: PullRequest,
    /// The template (`None`: the project's only one).
    pub template: Option<String>,
    /// How long to wait for the deployments to be healthy (`None`: do not
    /// wait).
    pub wait: Option<Duration>,
    /// How often to ask Railway while waiting.
    pub poll: Duration,
    /// How long to wait for another run's lock on the preview.
    pub lock_wait: Option<Duration>,
}

/// What `up` did.
#[derive(Clone, Debug, serde::Serialize)]
pub struct UpOutcome {
    /// The preview as it is now.
    pub preview: Preview,
    /// Whether this run created its environment.
    pub created: bool,
    /// The apply's summary (`3 created, 0 changed, 0 destroyed (4
    /// requests)`), or `None` when nothing had to change.
    pub applied: Option<String>,
    /// Services deployed at the pull request's commit by this run (besides
    /// those the apply's commit deployed).
    pub deployed: Vec<String>,
    /// Railway requests this run sent.
    pub requests: u64,
    /// What went wrong after the preview was there (exit 1 when set).
    pub problem: Option<Problem>,
}

/// Creates or updates the preview of `request.pr` in the project in
/// `dir`: one plan and apply of the preview's environment alone (only it
/// locked), recorded in the state database with its deadline
/// (now + the template's TTL), then the pull request's commit deployed to
/// repo services the apply did not deploy, and — unless `wait` is `None`
/// — a wait for every deployment to succeed.
pub async fn up(context: &Context, dir: &Path, request: &UpRequest) -> Result<UpOutcome, Failure> {
    check_pull_request(&request.pr)?;
    let loaded = engine::load(dir)?;
    up_loaded(context, dir, loaded, request).await
}

/// [`up`] of the project in `dir` as already resolved (`loaded`).
pub async fn up_loaded(
    context: &Context,
    dir: &Path,
    loaded: engine::Loaded,
    request: &UpRequest,
) -> Result<UpOutcome, Failure> {
    check_pull_request(&request.pr)?;
    let (template, settings) = super::template(&loaded, request.template.as_deref())?;
    let template = template.to_owned();
    let Some(model) = loaded.project.preview(&template, &request.pr) else {
        return Err(Failure::error(
            "mirage::preview::no_template",
            format!("`{template}` is not a preview template"),
            None,
        ));
    };
    let Some(environment) = model.environments.first().cloned() else {
        return Err(Failure::error(
            "mirage::preview::no_template",
            format!("`{template}` makes no environment"),
            None,
        ));
    };
    let name = environment.name.clone();
    let ttl = environment.ttl_seconds.as_ref().map(|t| t.value);
    let project = loaded.name.clone();
    let reshaped = engine::Loaded {
        project: model,
        ..loaded
    };
    let lock = Lock::Take {
        wait: request.lock_wait,
    };
    let mut session = engine::prepare_loaded(
        context,
        dir,
        reshaped,
        &Selection::default(),
        lock,
        Secrets::Read,
    )
    .await?;
    let Some(snapshot) = session.snapshot.as_ref() else {
        return Err(Failure::usage(
            crate::diagnostic::Diagnostic::general(
                "mirage::preview::no_project",
                format!("project `{project}` does not exist on Railway yet"),
            )
            .with_help("apply the project first (`mirage apply`); previews are made in it"),
        ));
    };
    let existed = snapshot.environment(&name).map(|e| e.id.clone());
    // The record first, as an intent: a run stopped half-way leaves a
    // preview `down` and `gc` know of.
    let now = context.clock.now();
    let expires_at = deadline(now, ttl);
    let actor = context.actor.to_string();
    let store = session.store.clone();
    let record = |environment_id: Option<&str>| {
        store
            .record_preview(&NewPreview {
                project: &project,
                template: &template,
                number: request.pr.number,
                environment: &name,
                environment_id,
                branch: &request.pr.branch,
                sha: request.pr.sha.as_deref(),
                repo: request.pr.repo.as_deref(),
                actor: &actor,
                expires_at,
            })
            .map_err(|error| Failure::state(&error))
    };
    record(existed.as_deref())?;
    if existed.is_none()
        && let Some(source) = &settings.source
    {
        engine::preview::copy_environment(context, &mut session, source).await?;
    }
    let plan = session.plan.clone();
    let applied = engine::apply_whole(context, &mut session, |applied| {
        Failure::error(
            "mirage::preview::apply_incomplete",
            format!("preview `{name}` is incomplete: {}", applied.summary),
            Some(
                "fix the failures above and run `mirage preview up` again; it picks up where this one stopped",
            ),
        )
    })
    .await?
    .map(|applied| applied.summary);
    // Changed services were deployed by the apply's commit.
    let changed: Vec<&str> = plan
        .environments
        .iter()
        .filter(|e| e.name == name)
        .flat_map(|e| e.services.iter())
        .filter(|s| s.action != Action::None)
        .map(|s| s.name.as_str())
        .collect();
    let environment_id = match existed.clone() {
        Some(id) => Some(id),
        None => environment_id(&store, &project, &name)?,
    };
    let Some(environment_id) = environment_id else {
        return Err(Failure::error(
            "mirage::preview::apply_incomplete",
            format!("preview `{name}` was not created"),
            Some("run `mirage preview up` again"),
        ));
    };
    if existed.is_none() {
        record(Some(&environment_id))?;
    }
    let client = session.connection.client.clone();
    let mut status = read_status(&client, &environment_id).await?;
    // Repo services following the pull request's branch that the apply
    // did not deploy get its commit (a push to an unchanged preview).
    let followers: Vec<&str> = environment
        .services
        .iter()
        .filter(|s| {
            matches!(s.source.as_ref().map(|v| &v.value), Some(Source::Repo(_)))
                && s.branch
                    .as_ref()
                    .is_some_and(|b| b.value == request.pr.branch)
        })
        .map(|s| s.name.as_str())
        .collect();
    // What the apply did not deploy: repo services following the pull
    // request's branch whose latest deployment is not its commit (a push
    // to an unchanged preview), and services never deployed at all (a copy
    // made without its deployments, whose settings the apply left as
    // they were).
    let sha = request.pr.sha.as_deref();
    let targets: Vec<(String, String, Option<String>)> = status
        .services
        .iter()
        .filter(|s| s.deployable && !changed.contains(&s.name.as_str()))
        .filter_map(|s| {
            let follower = followers.contains(&s.name.as_str());
            let commit = s.deployment.as_ref().and_then(|d| d.commit.as_deref());
            match (&s.deployment, sha) {
                (None, _) => Some((
                    s.name.clone(),
                    s.service_id.clone(),
                    sha.filter(|_| follower).map(str::to_owned),
                )),
                (Some(_), Some(sha)) if follower && commit != Some(sha) => {
                    Some((s.name.clone(), s.service_id.clone(), Some(sha.to_owned())))
                }
                _ => None,
            }
        })
        .collect();
    if !targets.is_empty() {
        let names: Vec<String> = targets.iter().map(|(n, _, _)| format!("`{n}`")).collect();
        context.events.emit(Event::Preview(match sha {
            Some(sha) => format!("deploying `{sha}` to {} in `{name}`", names.join(", ")),
            None => format!("deploying {} in `{name}`", names.join(", ")),
        }));
    }
    let mut deployed = Vec::new();
    let mut failures = Vec::new();
    for (service, result) in engine::preview::deploy(&client, &environment_id, &targets).await {
        match result {
            Ok(_) => deployed.push(service),
            Err(why) => failures.push(format!("`{service}`: {why}")),
        }
    }
    if !failures.is_empty() {
        return Err(Failure::error(
            "mirage::preview::deploy_failed",
            format!("cannot deploy preview `{name}`: {}", failures.join("; ")),
            Some("run `mirage preview up` again"),
        ));
    }
    if !deployed.is_empty() {
        status = read_status(&client, &environment_id).await?;
    }
    let mut problem = None;
    if let Some(wait) = request.wait {
        // The wait is the observe room's; each round reads the preview's
        // environment by its id (one request), starting from the read above.
        let latest = std::sync::Mutex::new(status.clone());
        let read = || async {
            let fresh = read_status(&client, &environment_id).await?;
            let report = Report::of_instances(&project, &fresh);
            if let Ok(mut latest) = latest.lock() {
                *latest = fresh;
            }
            Ok(report)
        };
        let options = WaitOptions {
            refresh: request.poll,
            ..WaitOptions::until_final(Some(wait), request.poll)
        };
        let mut shown = String::new();
        let on_event = |event: WaitEvent| {
            let WaitEvent::Read(report) = event else {
                return;
            };
            let pending = pending_names(&report);
            if !pending.is_empty() && pending != shown {
                context.events.emit(Event::Preview(format!(
                    "waiting for `{name}` (up to {}): {pending}",
                    super::render::duration(wait.as_secs())
                )));
                shown = pending;
            }
        };
        let first = Report::of_instances(&project, &status);
        let outcome =
            observe::status::wait_with(Some(first), read, None, options, on_event).await?;
        if let Ok(latest) = latest.lock() {
            status = latest.clone();
        }
        problem = match outcome {
            WaitOutcome::Healthy(_) => None,
            WaitOutcome::Failed(_) => Some(failed_problem(&name, &status)),
            WaitOutcome::TimedOut { .. } => Some(timeout_problem(&name, &status, wait)),
        };
    }
    let record = store
        .preview(&project, &template, request.pr.number)
        .map_err(|error| Failure::state(&error))?
        .ok_or_else(|| {
            Failure::error(
                "mirage::state::database",
                format!("preview `{name}` was recorded and is not any more"),
                None,
            )
        })?;
    Ok(UpOutcome {
        preview: Preview::new(record, Some(status)),
        created: existed.is_none(),
        applied,
        deployed,
        requests: client.requests_sent(),
        problem,
    })
}

/// Railway's id of environment `name`, as the apply recorded it.
fn environment_id(
    store: &state::Store,
    project: &str,
    name: &str,
) -> Result<Option<String>, Failure> {
    let key = ResourceKey {
        project: project.to_owned(),
        environment: None,
        kind: ResourceKind::Environment,
        service: None,
        name: name.to_owned(),
    };
    store
        .owned(&key)
        .map(|r| r.and_then(|r| r.railway_id))
        .map_err(|error| Failure::state(&error))
}

async fn read_status(
    client: &crate::railway::Client,
    environment_id: &str,
) -> Result<EnvironmentStatus, Failure> {
    let read = |message: String| Failure::error("mirage::railway::read_failed", message, None);
    engine::preview::status(client, environment_id)
        .await
        .map_err(|error| read(format!("cannot read the preview's deployments: {error}")))?
        .ok_or_else(|| {
            read(format!(
                "environment `{environment_id}` disappeared from Railway while the preview was brought up"
            ))
        })
}

fn names_where(status: &EnvironmentStatus, health: ServiceHealth) -> String {
    status
        .services
        .iter()
        .filter(|s| service_health(s) == health)
        .map(|s| named(&s.name, s.deployment.as_ref().map(|d| d.status.as_str())))
        .collect::<Vec<_>>()
        .join(", ")
}

/// "`api` (BUILDING)", or "(not deployed yet)".
fn named(name: &str, status: Option<&str>) -> String {
    format!("`{name}` ({})", status.unwrap_or("not deployed yet"))
}

/// The services of `report` still on their way, as `names_where` shows them.
fn pending_names(report: &Report) -> String {
    report
        .services()
        .filter(|(_, s)| !s.health.is_final())
        .map(|(_, s)| named(&s.name, s.deployment.as_ref().map(|d| d.status.as_str())))
        .collect::<Vec<_>>()
        .join(", ")
}

fn failed_problem(name: &str, status: &EnvironmentStatus) -> Problem {
    Problem {
        code: "mirage::preview::deploy_failed",
        message: format!(
            "preview `{name}` is not healthy: {} failed",
            names_where(status, ServiceHealth::Failed)
        ),
        help: "read the deployment's logs in Railway (or `railway logs`), fix the branch and push again; `mirage preview up` redeploys".to_owned(),
    }
}

fn timeout_problem(name: &str, status: &EnvironmentStatus, wait: Duration) -> Problem {
    Problem {
        code: "mirage::preview::wait_timeout",
        message: format!(
            "preview `{name}` was not healthy after {}: {} still deploying",
            super::render::duration(wait.as_secs()),
            names_where(status, ServiceHealth::Deploying)
        ),
        help: "the deployments go on: check them in Railway, then `mirage preview list`; wait longer with `--wait 20m`, or not at all with `--no-wait`".to_owned(),
    }
}
