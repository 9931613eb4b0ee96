//! Applying a plan: recording the intent, writing to Railway in batches,
//! recording ownership and history, and saying what became of each planned
//! resource. Shared by `apply`, `destroy`, previews and (later) the
//! service.

use super::context::Context;
use super::failure::diagnostic_of;
use super::prepare::Session;
use super::{Event, Failure};
use crate::apply::{self, Outcome, Progress};
use crate::diagnostic::Diagnostic;
use crate::plan::{self, Action, Plan};
use crate::state;

/// How an apply ended.
#[derive(Clone, Debug)]
pub struct Applied {
    /// What became of each planned resource, in the plan's units.
    pub outcome: Outcome,
    /// Requests sent to Railway.
    pub requests: u64,
    /// Whether every step was done.
    pub succeeded: bool,
    /// `19 created, 0 changed, 0 destroyed (5 requests)`: the summary, as
    /// recorded in the history.
    pub summary: String,
}

/// Options of [`apply`].
#[derive(Clone, Copy, Debug, Default)]
pub struct ApplyOptions {
    /// Read every environment's `configEtag` again just before writing (a
    /// person read the plan at a prompt: time passed).
    pub recheck: bool,
}

/// Records what the plan found already Mirage's (ids learnt) and, when the
/// plan changes nothing, what the files declare as managed from now on.
/// Problems are reported as events: they do not stop an apply.
pub fn settle(context: &Context, session: &Session) {
    let problem = |error: &state::StateError| {
        context.events.emit(Event::Problem(diagnostic_of(
            error,
            "mirage::state::database",
        )));
    };
    if let Err(error) = apply::record::record_known_ids(&session.store, &session.plan) {
        problem(&error);
    }
    if !session.plan.has_changes()
        && let Err(error) =
            apply::record::record_managed(&session.store, &session.plan, &context.actor)
    {
        problem(&error);
    }
}

/// The whole of `session`'s plan applied, for one environment's runs
/// (previews, serve's environments): what is protected is refused, the
/// plan's environments settled, the plan applied when it changes
/// anything, and the session's locks released whatever happened.
/// `Ok(None)`: nothing to do. An apply that failed half-way is the
/// failure `incomplete` words.
pub async fn apply_whole(
    context: &Context,
    session: &mut Session,
    incomplete: impl FnOnce(&Applied) -> Failure,
) -> Result<Option<Applied>, Failure> {
    check_protected(&session.plan)?;
    settle(context, session);
    let plan = session.plan.clone();
    if !plan.has_changes() {
        session.release()?;
        return Ok(None);
    }
    let applied = apply(context, session, &plan, ApplyOptions::default()).await;
    let released = session.release();
    let applied = applied?;
    released?;
    if !applied.succeeded {
        return Err(incomplete(&applied));
    }
    Ok(Some(applied))
}

/// Applies `plan` (its environments locked by `session`), records
/// ownership and history. `Err` only when nothing could be started (the
/// intent could not be recorded); an apply that failed half-way is
/// `Ok` with `succeeded: false`.
pub async fn apply(
    context: &Context,
    session: &Session,
    plan: &Plan,
    options: ApplyOptions,
) -> Result<Applied, Failure> {
    let store = &session.store;
    let client = &session.connection.client;
    let actor = &context.actor;
    let problem = |error: &state::StateError| {
        context.events.emit(Event::Problem(diagnostic_of(
            error,
            "mirage::state::database",
        )));
    };
    let environments: Vec<String> = plan
        .environments
        .iter()
        .filter(|e| {
            e.action != Action::None
                || !e.shared.is_empty()
                || e.services.iter().any(|s| s.action != Action::None)
        })
        .map(|e| e.name.clone())
        .collect();
    // The plan goes into the history as its JSON: sensitive values are
    // only their source there.
    let plan_json = serde_json::to_value(plan).unwrap_or_default();
    let apply_id = store
        .begin_apply(&state::NewApply {
            project: &plan.project,
            environments: &environments,
            actor,
            plan: &plan_json,
        })
        .map_err(|error| problem(&error))
        .ok();
    // The locks are still this run's (their leases renewed, the state
    // database reachable): otherwise another run may be writing.
    for guard in &session.locks {
        guard.check().map_err(|error| Failure::state(&error))?;
    }
    // Intent first: a process killed after Railway created something but
    // before it heard back must not leave an orphan.
    apply::record::record_intent(store, plan, actor).map_err(|error| Failure::state(&error))?;
    context.events.emit(Event::ApplyStarted);
    let observer = Forward(context, session);
    let progress = Progress::to(&observer);
    let requests_before = client.requests_sent();
    let secrets = &session.secrets;
    let lookup = |secret: &crate::model::SecretRef| secrets.get(secret);
    let report = if options.recheck {
        apply::apply_rechecked(client, plan, &lookup, &progress).await
    } else {
        apply::apply(client, plan, &lookup, &progress).await
    };
    context.events.emit(Event::ApplyFinished);
    if let Some(why) = &report.stopped {
        context.events.emit(Event::Problem(
            Diagnostic::general(
                "mirage::state::lock_lost",
                format!("{why}: the apply stopped before its next write to Railway"),
            )
            .with_help(
                "run it again once the state database is reachable: what was recorded before is kept, so it picks up where this run stopped",
            ),
        ));
    }
    let requests = client.requests_sent().saturating_sub(requests_before);
    crate::telemetry::apply_finished(if report.succeeded() {
        crate::telemetry::ApplyOutcome::Succeeded
    } else if report.steps.iter().any(|(_, s)| *s == apply::Status::Done) {
        crate::telemetry::ApplyOutcome::Partial
    } else {
        crate::telemetry::ApplyOutcome::Failed
    });
    let outcome = report.outcome(plan);
    let summary = outcome.line(Some(requests));
    if let Err(error) = apply::record::record_outcome(store, plan, &report, actor) {
        problem(&error);
    }
    if let Err(error) = record_sealed(store, plan, &report, secrets, &session.digests) {
        problem(&error);
    }
    if let Some(id) = apply_id {
        let result = if report.succeeded() {
            state::ApplyResult::Succeeded
        } else if report.steps.iter().any(|(_, s)| *s == apply::Status::Done) {
            state::ApplyResult::Partial
        } else {
            state::ApplyResult::Failed
        };
        if let Err(error) = store.finish_apply(id, result, &summary) {
            problem(&error);
        }
    }
    Ok(Applied {
        outcome,
        requests,
        succeeded: report.succeeded(),
        summary,
    })
}

/// Passes the apply room's progress on as engine events, and stops the
/// apply between two phases once a lock of the session is lost (its
/// database unreachable): another run may hold it by then.
struct Forward<'a>(&'a Context, &'a Session);

impl apply::Observer for Forward<'_> {
    fn proceed(&self) -> Result<(), String> {
        match self.1.locks.iter().find_map(state::LockGuard::lost) {
            Some(reason) => Err(reason),
            None => Ok(()),
        }
    }

    fn step(&self, step: &apply::Step, status: &apply::Status) {
        self.0.events.emit(Event::Step {
            step: step.clone(),
            status: status.clone(),
        });
    }

    fn note(&self, text: &str) {
        self.0.events.emit(Event::Note(text.to_owned()));
    }
}

/// A saved plan applies only if Railway and the files are as they were.
pub fn check_saved(saved: &plan::saved::SavedPlan, now: &Plan) -> Result<(), Failure> {
    let help = "run `mirage plan --out FILE` again and review the new plan";
    let stale = saved.stale_environments(now);
    if !stale.is_empty() {
        let names: Vec<String> = stale.iter().map(|(n, _, _)| format!("`{n}`")).collect();
        return Err(Failure::error(
            "mirage::apply::saved_plan_stale",
            format!(
                "the saved plan is stale: environment {} changed on Railway since it was made (its `configEtag` differs)",
                names.join(", ")
            ),
            Some(help),
        ));
    }
    if plan::saved::fingerprint(now) != saved.fingerprint {
        return Err(Failure::error(
            "mirage::apply::saved_plan_changed",
            "the saved plan no longer matches the `.mirage` files (they changed since it was made)",
            Some(help),
        ));
    }
    Ok(())
}

/// Protected resources are never destroyed; other destruction (services,
/// volumes, and variables or custom domains Mirage owns) needs
/// `allow_destroy` (a flag, or a person confirming on a terminal).
pub fn check_destroy(plan: &Plan, allow_destroy: bool) -> Result<(), Failure> {
    check_protected(plan)?;
    if plan.destroys() && !allow_destroy {
        return Err(Failure::error(
            "mirage::apply::destroy_not_allowed",
            "the plan destroys resources (a replacement destroys, then creates; removing a variable or domain Mirage manages destroys it)",
            Some("pass `--allow-destroy` to allow it when not on a terminal"),
        ));
    }
    Ok(())
}

/// Refuses a plan that destroys something protected (the one protect
/// rule, [`Plan::protection_violations`]).
pub fn check_protected(plan: &Plan) -> Result<(), Failure> {
    let refusals = plan.protection_violations();
    if refusals.is_empty() {
        return Ok(());
    }
    let help = "remove `protect` from the files first if this is intended";
    Err(Failure {
        exit: super::Exit::Failed,
        files: crate::diagnostic::SourceFiles::new(),
        diagnostics: refusals
            .into_iter()
            .map(|line| Diagnostic::general("mirage::apply::protected", line).with_help(help))
            .collect(),
    })
}

/// Records the digest of each value this apply wrote to a sealed variable
/// (Railway never returns it: the next plan compares with this), and
/// forgets those of removed variables. Only for the patches Railway took.
fn record_sealed(
    store: &state::Store,
    plan: &Plan,
    report: &apply::Report,
    secrets: &plan::secrets::Resolved,
    digests: &plan::Digests,
) -> Result<(), state::StateError> {
    use crate::plan::{Change, PlanValue, Sensitive};
    use crate::secrets::digest::digest;
    if !digests.stored {
        return Ok(());
    }
    for environment in &plan.environments {
        if !report.is_done(&apply::Step::Config(environment.name.clone())) {
            continue;
        }
        let each = |service: Option<&str>, change: &Change| {
            if !matches!(
                change.path.first().map(String::as_str),
                Some("variables" | "sharedVariables")
            ) {
                return Ok(());
            }
            let Some(name) = change.path.last() else {
                return Ok(());
            };
            let key = (
                environment.name.clone(),
                service.map(str::to_owned),
                name.clone(),
            );
            let written = match &change.new {
                None => return store.forget_secret_digest(&plan.project, &key),
                Some(_) if !change.sealed => return Ok(()),
                Some(PlanValue::Sensitive(Sensitive::Secret(secret))) => secrets
                    .get(secret)
                    .map(|clear| digest(&digests.key, &clear)),
                // Sealed in place: the value Railway had.
                Some(PlanValue::Sensitive(Sensitive::Actual(was))) => Some(was.clone()),
                Some(PlanValue::Plain(serde_json::Value::String(text))) => {
                    Some(digest(&digests.key, text))
                }
                // A generated value is never compared: nothing to record.
                Some(_) => None,
            };
            match written {
                Some(written) => store.record_secret_digest(&plan.project, &key, &written),
                None => Ok(()),
            }
        };
        for change in &environment.shared {
            each(None, change)?;
        }
        for service in &environment.services {
            let left_out = report.steps.iter().any(|(step, status)| {
                matches!(step, apply::Step::Instance { service: s, environment: e }
                    if *s == service.name && *e == environment.name)
                    && *status != apply::Status::Done
            });
            if left_out {
                continue;
            }
            for change in &service.changes {
                each(Some(&service.name), change)?;
            }
        }
    }
    Ok(())
}
