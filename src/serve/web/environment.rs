//! `/projects/{p}/environments/{e}`: one environment — its kind, owner
//! and TTL, its services (source, deployment status, health, URLs) with
//! guidance when one failed and a redeploy button, and its logs.

use std::sync::Arc;

use axum::extract::{Extension, Path, State};
use maud::{Markup, html};

use super::layout::{self, Section};
use super::{PageError, PageResult, environment_api_url, project_url, segment};
use crate::auth::{Action, Target};
use crate::observe::logs::palette_slot;
use crate::observe::status::guidance;
use crate::preview::ServiceHealth;
use crate::serve::api::{ApiError, Caller};
use crate::serve::catalog::{EnvironmentView, ServiceView};
use crate::serve::server::App;
use crate::state::Timestamp;

/// `GET /projects/{project}/environments/{environment}`.
pub(in crate::serve) async fn page(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path((project, name)): Path<(String, String)>,
) -> PageResult {
    let overview = super::readable_overview(&app, &caller, &project).await?;
    let Some(environment) = overview.environments.iter().find(|e| e.name == name) else {
        return Err(PageError::new(ApiError::not_found("environment"), &caller));
    };
    let now = Timestamp::now();
    let target = Target {
        project: Some(&project),
        owner: environment.owner.as_deref(),
    };
    let may_redeploy = caller.may(Action::ChangeEnvironment, &target);
    let content = html! {
        div.page-head {
            div {
                h1 { (environment.name) " " (layout::kind_badge(environment.kind)) }
                p.sub {
                    (layout::kind_meaning(environment.kind))
                    @if let Some(template) = &environment.template { " · from template " strong { (template) } }
                    @if let (Some(left), Some(at)) = (environment.ttl_left_seconds, environment.expires_at) {
                        " · "
                        @if left == 0 { strong.status.bad { "expired" } } @else { "expires in " (layout::duration(left)) }
                        " " span.muted { "(" (layout::when(at, now)) ")" }
                    }
                }
            }
            div.actions { (super::projects::actions(&caller, &project, environment, super::projects::max_ttl_of(&overview, environment))) }
        }
        div #services-region data-refresh="15" data-live=[environment.id.as_ref().map(|_| format!("{}/live", environment_api_url(&project, &environment.name)))] {
            p { (super::projects::health_summary(environment)) }
            (problems(environment))
            h2 #services { "Services" }
            @if environment.services.is_empty() {
                div.panel.empty { p { "No services on Railway in this environment." } }
            } @else {
                div.panel.table-wrap {
                    table {
                        caption.visually-hidden { "Services of " (environment.name) }
                        thead {
                            tr {
                                th scope="col" { "Service" }
                                th scope="col" { "Health" }
                                th scope="col" { "Deployment" }
                                th scope="col" .hide-narrow { "Replicas" }
                                th scope="col" .hide-narrow { "Source" }
                                th scope="col" { "URL" }
                                @if may_redeploy { th scope="col" { span.visually-hidden { "Actions" } } }
                            }
                        }
                        tbody {
                            @for service in &environment.services {
                                (row(&project, environment, service, may_redeploy, now))
                            }
                        }
                    }
                }
            }
        }
        (logs(&project, environment))
    };
    Ok(layout::page(
        &format!("{} · {}", environment.name, project),
        Some(&caller),
        Section::Projects,
        &[
            ("Projects".to_owned(), Some("/".to_owned())),
            (project.clone(), Some(project_url(&project))),
            (environment.name.clone(), None),
        ],
        content,
    ))
}

fn row(
    project: &str,
    environment: &EnvironmentView,
    service: &ServiceView,
    may_redeploy: bool,
    now: Timestamp,
) -> Markup {
    let redeploy = format!(
        "{}/services/{}/redeploy",
        environment_api_url(project, &environment.name),
        segment(&service.name)
    );
    html! {
        tr {
            th scope="row" {
                (service.name)
                @if let Some(mark) = service.management.and_then(|m| m.mark()) {
                    " " span.muted.management title="on Railway, not managed by Mirage: `mirage import` adopts what the files declare" { (mark) }
                }
            }
            td { (layout::health(service.health)) }
            td {
                @match &service.deployment {
                    Some(d) => {
                        code { (d.status) }
                        @if let Some(commit) = &d.commit { " " span.muted.mono title="commit" { (commit.chars().take(7).collect::<String>()) } }
                        @if let Some(at) = service.deployed_at { br; span.muted { (layout::when(at, now)) } }
                    }
                    None => span.muted { "none yet" },
                }
            }
            td.hide-narrow {
                @match service.replicas {
                    Some(n) => (n),
                    None => span.muted { "–" },
                }
                @if let Some(region) = &service.region { " " span.muted { "in " (region) } }
            }
            td.hide-narrow {
                @match &service.source {
                    Some(source) => code { (source) },
                    None => span.muted { "none" },
                }
            }
            td {
                @if service.urls.is_empty() { span.muted { "–" } }
                @for url in &service.urls {
                    a href=(url) target="_blank" rel="noopener noreferrer" { (url.trim_start_matches("https://")) } br;
                }
            }
            @if may_redeploy {
                td {
                    @if service.health != ServiceHealth::NoSource && environment.id.is_some() {
                        button.btn.small type="button" data-action="redeploy" data-url=(redeploy) data-name=(service.name) {
                            "Redeploy" span.visually-hidden { " " (service.name) }
                        }
                    }
                }
            }
        }
    }
}

/// What to do about each service whose deployment did not succeed.
fn problems(environment: &EnvironmentView) -> Markup {
    html! {
        @for service in &environment.services {
            @if let Some(d) = &service.deployment {
                @if let Some(guidance) = guidance(&d.status).filter(|g| g.problem) {
                    div.notice.bad role="status" {
                        p { strong { (service.name) ": " (guidance.title) } }
                        p { (guidance.help) }
                    }
                }
            }
        }
    }
}

/// The logs viewer: every service's lines merged (or one service's), a
/// window, Railway's filter, build logs, following over server-sent
/// events; each service in its palette colour (the CLI's slot).
fn logs(project: &str, environment: &EnvironmentView) -> Markup {
    let base = format!("{}/logs", environment_api_url(project, &environment.name));
    html! {
        h2 #logs { "Logs" }
        @if environment.services.is_empty() || environment.id.is_none() {
            div.panel.empty { p { "No logs: nothing runs in this environment yet." } }
        } @else {
            div.panel.pad {
                form.actions data-logs=(base) aria-label="Logs" {
                    div {
                        label for="log-service" { "Service" }
                        select #log-service name="service" {
                            option value="" selected { "All services" }
                            @for service in &environment.services {
                                option value=(service.name) data-colour=(palette_slot(&service.name)) { (service.name) }
                            }
                        }
                    }
                    div {
                        label for="log-since" { "Since" }
                        select #log-since name="since" {
                            option value="" selected { "Latest lines" }
                            @for (value, label) in SINCE {
                                option value=(value) { (label) }
                            }
                        }
                    }
                    div {
                        label for="log-filter" { "Filter" }
                        input #log-filter name="filter" type="search" placeholder="error OR @level:warn" aria-describedby="log-filter-hint";
                    }
                    div {
                        label { input type="checkbox" name="build" value="true"; " Build logs" }
                        label { input type="checkbox" name="follow"; " Follow" }
                    }
                    div.actions {
                        button.btn.primary type="submit" { "Show logs" }
                        a.btn #log-download href="#logs" download { "Download" }
                    }
                }
                p #log-filter-hint .hint { "Railway's filter syntax: words, \"phrases\", @attribute:value, AND, OR, -exclusion." }
                p #log-status .hint aria-live="polite" {}
                div #log-lines .logs role="log" tabindex="0" aria-label="Log lines" {}
                noscript { p.hint { "The logs need JavaScript; or read them with " code { "GET " (base) "?service=…" } "." } }
            }
        }
    }
}

/// The windows the viewer offers (`since`).
const SINCE: [(&str, &str); 4] = [
    ("15m", "Last 15 minutes"),
    ("1h", "Last hour"),
    ("6h", "Last 6 hours"),
    ("24h", "Last 24 hours"),
];
