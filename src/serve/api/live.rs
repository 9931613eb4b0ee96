//! Live status of an environment's deployments, as server-sent events
//! (issue #18): `GET /api/projects/{p}/environments/{e}/live`.
//!
//! On connecting, the environment's status is read from Railway in one
//! request and sent as a `snapshot` event (every service: health,
//! deployment status, URLs). Each deployment still on its way is then
//! followed through Railway's `deployment(id)` subscription — Railway
//! pushes its changes, nothing is polled — and every change is a
//! `deployment` event (`{service, id, status, health}`); when none is left
//! on its way, `settled`. A subscription that cannot be opened or breaks
//! falls back to reading the status again every [`POLL`] (a `fallback`
//! event says so). Each change also drops the project's cached overview,
//! so the pages read afresh.
//!
//! The stream ends after [`IDLE`] with nothing on its way, with a
//! `retry` hint: a browser's `EventSource` reconnects later and gets a
//! fresh snapshot (a redeploy made meanwhile included), which keeps an
//! open tab to about one Railway request a minute when nothing happens.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Extension, Path, State};
use axum::response::Response;
use axum::response::sse::Event;
use axum::routing::get;
use cynic::SubscriptionBuilder as _;
use serde_json::json;
use tokio::sync::mpsc;

use super::{ApiError, Caller, failure_error, railway_engine};
use crate::auth::Action;
use crate::engine::preview::{self as status, DeploymentStatus, InstanceStatus};
use crate::preview::service_health;
use crate::railway::Client;
use crate::railway::ops::common::IdVariables;
use crate::railway::ops::deployment::{DeploymentStatus as Phase, DeploymentSubscription};
use crate::serve::server::App;

/// How often the status is read again when a subscription fails.
pub const POLL: Duration = Duration::from_secs(10);
/// How long a stream stays open with nothing on its way.
pub const IDLE: Duration = Duration::from_secs(60);
/// When a browser should reconnect after the stream ended (ms).
pub const RETRY_MS: u64 = 30_000;

pub(super) fn routes() -> Router<Arc<App>> {
    Router::new().route(
        "/api/projects/{project}/environments/{environment}/live",
        get(live),
    )
}

/// Railway's spelling of a deployment status (`NEEDS_APPROVAL`).
pub fn spelled(phase: Phase) -> &'static str {
    match phase {
        Phase::Building => "BUILDING",
        Phase::Crashed => "CRASHED",
        Phase::Deploying => "DEPLOYING",
        Phase::Failed => "FAILED",
        Phase::Initializing => "INITIALIZING",
        Phase::NeedsApproval => "NEEDS_APPROVAL",
        Phase::Queued => "QUEUED",
        Phase::Removed => "REMOVED",
        Phase::Removing => "REMOVING",
        Phase::Skipped => "SKIPPED",
        Phase::Sleeping => "SLEEPING",
        Phase::Success => "SUCCESS",
        Phase::Waiting => "WAITING",
    }
}

/// Whether a status (Railway's spelling) will not change on its own.
pub fn is_final(status: &str) -> bool {
    matches!(
        status,
        "SUCCESS" | "FAILED" | "CRASHED" | "REMOVED" | "SKIPPED" | "SLEEPING"
    )
}

fn service_json(service: &InstanceStatus) -> serde_json::Value {
    json!({
        "service": service.name,
        "id": service.deployment.as_ref().map(|d| d.id.clone()),
        "status": service.deployment.as_ref().map(|d| d.status.clone()),
        "health": service_health(service),
        "urls": service.urls,
    })
}

async fn live(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path((project, environment)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    super::allow(&caller, Action::Read, &project).await?;
    let overview = super::projects::cached_overview(&app, &project).await?;
    let Some(id) = overview
        .environments
        .iter()
        .find(|e| e.name == environment)
        .map(|e| e.id.clone())
    else {
        return Err(ApiError::not_found("environment"));
    };
    let Some(id) = id else {
        // Declared or being created: nothing on Railway to follow yet.
        return Err(ApiError::new(
            axum::http::StatusCode::CONFLICT,
            "mirage::serve::not_on_railway",
            format!("environment `{environment}` is not on Railway yet"),
            "follow its job's events until it is created, then connect again",
        ));
    };
    let (context, dir) = railway_engine(&app, &project).await?;
    let connection = crate::engine::connect(&context, &dir)
        .await
        .map_err(|f| failure_error(&f))?;
    let (sender, receiver) = mpsc::channel::<Event>(64);
    let catalog_app = app.clone();
    tokio::spawn(async move {
        // Keeps the connection (and a local emulator) alive while it runs.
        let connection = connection;
        follow(&connection.client, &id, &sender, &|| {
            catalog_app.catalog.invalidate(&project);
        })
        .await;
    });
    Ok(super::event_stream(&app, receiver))
}

fn event(kind: &str, data: serde_json::Value) -> Event {
    Event::default().event(kind).data(data.to_string())
}

/// Sends the snapshot, then each change, until nothing is on its way for
/// [`IDLE`] or the reader goes away.
async fn follow(
    client: &Client,
    environment_id: &str,
    out: &mpsc::Sender<Event>,
    changed: &(dyn Fn() + Sync),
) {
    let read = |client: &Client| {
        let id = environment_id.to_owned();
        let client = client.clone();
        async move { status::status(&client, &id).await }
    };
    let mut services = match read(client).await {
        Ok(Some(found)) => found.services,
        Ok(None) => {
            let _ = out
                .send(event(
                    "gone",
                    json!({ "message": "the environment is no longer on Railway" }),
                ))
                .await;
            return;
        }
        Err(error) => {
            let _ = out
                .send(event("error", json!({ "message": error.to_string() })))
                .await;
            return;
        }
    };
    let snapshot: Vec<_> = services.iter().map(service_json).collect();
    if out
        .send(event("snapshot", json!({ "services": snapshot })))
        .await
        .is_err()
    {
        return;
    }
    // Changes of the deployments on their way, from their subscriptions.
    let (updates, mut incoming) = mpsc::channel::<Result<(String, String), String>>(64);
    for service in &services {
        let Some(deployment) = service.deployment.as_ref().filter(|d| !is_final(&d.status)) else {
            continue;
        };
        let (client, id, updates) = (client.clone(), deployment.id.clone(), updates.clone());
        tokio::spawn(async move {
            let operation = DeploymentSubscription::build(IdVariables { id: id.clone() });
            let mut subscription = match client.subscribe(operation).await {
                Ok(subscription) => subscription,
                Err(error) => {
                    let _ = updates.send(Err(error.to_string())).await;
                    return;
                }
            };
            while let Some(next) = subscription.next().await {
                match next {
                    Ok(found) => {
                        let phase = found.deployment.status;
                        let sent = updates.send(Ok((id.clone(), spelled(phase).to_owned())));
                        if sent.await.is_err() || phase.is_final() {
                            return;
                        }
                    }
                    Err(error) => {
                        let _ = updates.send(Err(error.to_string())).await;
                        return;
                    }
                }
            }
        });
    }
    drop(updates);
    let mut polling = false;
    loop {
        let on_its_way = services
            .iter()
            .filter_map(|s| s.deployment.as_ref())
            .any(|d| !is_final(&d.status));
        if !on_its_way {
            let _ = out.send(event("settled", json!({}))).await;
            tokio::select! {
                () = tokio::time::sleep(IDLE) => {}
                () = out.closed() => return,
            }
            let _ = out
                .send(
                    Event::default()
                        .event("end")
                        .retry(Duration::from_millis(RETRY_MS))
                        .data("{}"),
                )
                .await;
            return;
        }
        if polling {
            tokio::time::sleep(POLL).await;
            if out.is_closed() {
                return;
            }
            if let Ok(Some(found)) = read(client).await {
                for fresh in found.services {
                    let old = services.iter().position(|s| s.name == fresh.name);
                    let differs = old.is_none_or(|i| services[i].deployment != fresh.deployment);
                    if differs {
                        changed();
                        if out
                            .send(event("deployment", service_json(&fresh)))
                            .await
                            .is_err()
                        {
                            return;
                        }
                        match old {
                            Some(i) => services[i] = fresh,
                            None => services.push(fresh),
                        }
                    }
                }
            }
            continue;
        }
        let update = tokio::select! {
            update = incoming.recv() => update,
            () = out.closed() => return,
        };
        match update {
            Some(Ok((id, phase))) => {
                let Some(service) = services
                    .iter_mut()
                    .find(|s| s.deployment.as_ref().is_some_and(|d| d.id == id))
                else {
                    continue;
                };
                let deployment = service.deployment.get_or_insert_with(|| DeploymentStatus {
                    id: id.clone(),
                    status: String::new(),
                    commit: None,
                });
                if deployment.status == phase {
                    continue;
                }
                deployment.status = phase;
                changed();
                if out
                    .send(event("deployment", service_json(service)))
                    .await
                    .is_err()
                {
                    return;
                }
            }
            Some(Err(message)) => {
                polling = true;
                let _ = out
                    .send(event(
                        "fallback",
                        json!({ "message": format!("following by reading the status every {}s: {message}", POLL.as_secs()) }),
                    ))
                    .await;
            }
            // Every subscription ended: what is left is read.
            None => polling = true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_spelled_as_railway_does_and_final_ones_known() {
        assert_eq!(spelled(Phase::NeedsApproval), "NEEDS_APPROVAL");
        assert_eq!(spelled(Phase::Success), "SUCCESS");
        for phase in [
            Phase::Building,
            Phase::Crashed,
            Phase::Deploying,
            Phase::Failed,
            Phase::Initializing,
            Phase::NeedsApproval,
            Phase::Queued,
            Phase::Removed,
            Phase::Removing,
            Phase::Skipped,
            Phase::Sleeping,
            Phase::Success,
            Phase::Waiting,
        ] {
            assert_eq!(is_final(spelled(phase)), phase.is_final(), "{phase:?}");
        }
    }
}
