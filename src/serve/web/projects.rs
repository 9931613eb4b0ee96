//! `/`: the projects the caller may read, with their counts; and
//! `/projects/{p}`: a project's environments as cards (kind, owner, TTL
//! left, health of its services, quick actions), its templates, and the
//! legend of the kinds.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Extension, Path, State};
use maud::{Markup, html};

use super::layout::{self, Section};
use super::{PageResult, environment_api_url, environment_url, project_url, segment};
use crate::auth::{Action, Role, Target};
use crate::preview::ServiceHealth;
use crate::serve::api::{self, Caller};
use crate::serve::catalog::{EnvironmentView, Kind, Overview};
use crate::serve::server::App;
use crate::state::Timestamp;

/// `GET /`.
pub(in crate::serve) async fn list(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
) -> PageResult {
    let mut projects = api::projects::summaries(&app, &caller).await;
    // The caller's default project (their preferences) comes first.
    let default = default_project(&caller);
    if let Some(at) = projects
        .iter()
        .position(|p| Some(&p.name) == default.as_ref())
    {
        let first = projects.remove(at);
        projects.insert(0, first);
    }
    let now = Timestamp::now();
    let content = html! {
        div.page-head {
            div {
                h1 { "Projects" }
                p.sub { "The team's Railway projects this service knows, and what Mirage manages in them." }
            }
        }
        div #projects data-refresh="30" {
            @if projects.is_empty() {
                div.panel.empty {
                    p { "You have no role in any project here yet." }
                    p { "Ask an admin to add you (" code { "PUT /api/projects/{project}/members/{user}" } "), or sign in with another account." }
                }
            } @else {
                div.panel.table-wrap {
                    table {
                        caption.visually-hidden { "Projects" }
                        thead {
                            tr {
                                th scope="col" { "Project" }
                                th scope="col" { "Your role" }
                                th scope="col" .num { "Environments" }
                                th scope="col" .num { "Services" }
                                th scope="col" .num { "Previews alive" }
                                th scope="col" .hide-narrow { "Last activity" }
                            }
                        }
                        tbody {
                            @for project in &projects {
                                tr {
                                    th scope="row" {
                                        a href=(project_url(&project.name)) { (project.name) }
                                        " "
                                        @if Some(&project.name) == default.as_ref() {
                                            span.badge title="Your default project (Settings)" { "Default" } " "
                                        }
                                        @if project.managed {
                                            span.badge.managed title="Mirage has this project's files and manages it" { "✓ Managed" }
                                        } @else {
                                            span.badge title="This service has no files for it: read-only" { "Not managed here" }
                                        }
                                        @if let Some(error) = &project.error {
                                            p.problem { (error.message) " " code.error-code { (error.code) } }
                                        }
                                    }
                                    td { span.badge.role { (project.role.as_str()) } }
                                    @match &project.counts {
                                        Some(c) => {
                                            td.num { (c.environments) }
                                            td.num { (c.services) }
                                            td.num { (c.previews) }
                                        }
                                        None => {
                                            td.num.muted { "–" }
                                            td.num.muted { "–" }
                                            td.num.muted { "–" }
                                        }
                                    }
                                    td.hide-narrow {
                                        @match project.last_activity {
                                            Some(at) => (layout::when(at, now)),
                                            None => span.muted { "none recorded" },
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(layout::page(
        "Projects",
        Some(&caller),
        Section::Projects,
        &[],
        content,
    ))
}

/// The caller's default project, from their preferences.
fn default_project(caller: &Caller) -> Option<String> {
    layout::preferences(caller)["default_project"]
        .as_str()
        .map(str::to_owned)
}

/// `GET /projects/{project}`.
pub(in crate::serve) async fn project(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path(project): Path<String>,
) -> PageResult {
    let overview = super::readable_overview(&app, &caller, &project).await?;
    let owners: Vec<String> = overview
        .environments
        .iter()
        .filter(|e| e.kind == Kind::ServeCreated)
        .filter_map(|e| e.owner.clone())
        .collect();
    let people = api::identity::people(&caller, &project, owners)
        .await
        .unwrap_or_default();
    let now = Timestamp::now();
    let may_create = caller.may(
        Action::CreateEnvironment,
        &Target {
            project: Some(&project),
            owner: None,
        },
    );
    let content = html! {
        div.page-head {
            div {
                h1 { (project) }
                p.sub {
                    "Your role: " span.badge.role { (caller.role_in(&project).map_or("none", Role::as_str)) }
                    @if !overview.on_railway { " · " strong { "not on Railway yet" } " — apply the files to create it" }
                }
            }
            @if may_create && !overview.templates.is_empty() {
                div.actions {
                    a.btn.primary href={ (project_url(&project)) "/new" } { "+ New environment" }
                }
            }
        }
        div #overview data-refresh="30" {
            div.stats {
                div.stat { b { (overview.counts.environments) } span { "environments" } }
                div.stat { b { (overview.counts.services) } span { "services" } }
                div.stat { b { (overview.counts.previews) } span { "previews alive" } }
                div.stat { b { (overview.counts.serve_created) } span { "created here" } }
            }
            h2 #environments { "Environments" }
            (layout::legend())
            @if overview.environments.is_empty() {
                div.panel.empty { p { "No environments yet." } }
            } @else {
                div.grid {
                    @for environment in &overview.environments {
                        (card(&caller, &project, environment, &people, now, max_ttl_of(&overview, environment)))
                    }
                }
            }
            p.muted {
                "Read from Railway " (layout::when(overview.read_at, now))
                " in " (overview.requests) " request" @if overview.requests != 1 { "s" } "; refreshed every 30 seconds."
            }
        }
        (templates(&overview))
    };
    Ok(layout::page(
        &project,
        Some(&caller),
        Section::Projects,
        &[
            ("Projects".to_owned(), Some("/".to_owned())),
            (project.clone(), None),
        ],
        content,
    ))
}

/// How the owner of `environment` is shown.
fn owner_of(
    caller: &Caller,
    environment: &EnvironmentView,
    people: &BTreeMap<String, String>,
) -> Option<String> {
    let owner = environment.owner.as_deref()?;
    if owner == caller.user.id {
        return Some("you".to_owned());
    }
    Some(
        people
            .get(owner)
            .cloned()
            .unwrap_or_else(|| owner.to_owned()),
    )
}

/// Counts of a services' health: ready, deploying, failed, no source.
pub fn health_counts(environment: &EnvironmentView) -> [usize; 4] {
    let mut counts = [0; 4];
    for service in &environment.services {
        counts[match service.health {
            ServiceHealth::Ready => 0,
            ServiceHealth::Deploying => 1,
            ServiceHealth::Failed => 2,
            ServiceHealth::NoSource => 3,
        }] += 1;
    }
    counts
}

/// The health of an environment's services in one line.
pub fn health_summary(environment: &EnvironmentView) -> Markup {
    let [ready, deploying, failed, none] = health_counts(environment);
    html! {
        span.summary {
            @if environment.services.is_empty() { span.muted { "no services" } }
            @if ready > 0 { span.status.ok { span aria-hidden="true" { "✓" } (ready) " ready" } }
            @if deploying > 0 { span.status.warn { span aria-hidden="true" { "◌" } (deploying) " deploying" } }
            @if failed > 0 { span.status.bad { span aria-hidden="true" { "✕" } (failed) " failed" } }
            @if none > 0 { span.status.none { (none) " without source" } }
        }
    }
}

/// The quick actions of an environment the caller may use: open, logs,
/// extend, destroy (serve-created ones, by their owner or an admin),
/// import (unmanaged, admins).
pub fn actions(
    caller: &Caller,
    project: &str,
    environment: &EnvironmentView,
    max_ttl: Option<u64>,
) -> Markup {
    let target = Target {
        project: Some(project),
        owner: environment.owner.as_deref(),
    };
    let serve_created = environment.kind == Kind::ServeCreated;
    let may_change = serve_created && caller.may(Action::ChangeEnvironment, &target);
    let may_destroy = serve_created && caller.may(Action::DestroyEnvironment, &target);
    let admin = caller.role_in(project) == Some(Role::Admin);
    let url = environment
        .services
        .iter()
        .flat_map(|s| s.urls.first())
        .next();
    let api_url = environment_api_url(project, &environment.name);
    html! {
        @if let Some(url) = url {
            a.btn.small href=(url) target="_blank" rel="noopener noreferrer" { "Open ↗" span.visually-hidden { " " (environment.name) } }
        }
        @if environment.id.is_some() && !environment.services.is_empty() {
            a.btn.small href={ (environment_url(project, &environment.name)) "#logs" } { "Logs" span.visually-hidden { " of " (environment.name) } }
        }
        @if may_change && environment.expires_at.is_some() {
            button.btn.small type="button" data-action="extend" data-url={ (api_url) "/extend" } data-name=(environment.name) data-max=[max_ttl] { "Extend" span.visually-hidden { " " (environment.name) } }
        }
        @if may_destroy {
            button.btn.small.danger type="button" data-action="destroy" data-url=(api_url) data-name=(environment.name) { "Destroy" span.visually-hidden { " " (environment.name) } }
        }
        @if environment.kind == Kind::Unmanaged && admin {
            details {
                summary.btn.small { "Import" }
                p.hint {
                    "Declare " code { "environment \"" (environment.name) "\"" } " in the project's files, then run "
                    code { "mirage import --env " (environment.name) } " to adopt it."
                }
            }
        }
    }
}

/// The longest TTL the template of `environment` allows, in seconds (what
/// the extend dialog offers at most).
pub fn max_ttl_of(overview: &Overview, environment: &EnvironmentView) -> Option<u64> {
    let template = environment.template.as_deref()?;
    overview
        .templates
        .iter()
        .find(|t| t.name == template)
        .map(|t| t.max_ttl_seconds)
}

/// How many services a card names (the rest are counted).
const CARD_SERVICES: usize = 8;

fn card(
    caller: &Caller,
    project: &str,
    environment: &EnvironmentView,
    people: &BTreeMap<String, String>,
    now: Timestamp,
    max_ttl: Option<u64>,
) -> Markup {
    let class = format!(
        "card {}{}",
        layout::kind_class(environment.kind),
        if environment.kind == Kind::Unmanaged {
            " unmanaged"
        } else {
            ""
        }
    );
    html! {
        article class=(class) aria-labelledby={ "env-" (segment(&environment.name)) } {
            header {
                h3 #{ "env-" (segment(&environment.name)) } {
                    a href=(environment_url(project, &environment.name)) { (environment.name) }
                }
                (layout::kind_badge(environment.kind))
            }
            dl {
                @if let Some(owner) = owner_of(caller, environment, people) {
                    dt { "Owner" } dd { (owner) }
                }
                @if let Some(template) = &environment.template {
                    dt { "Template" } dd { (template) }
                }
                @if let (Some(left), Some(at)) = (environment.ttl_left_seconds, environment.expires_at) {
                    dt { "Expires" }
                    dd {
                        @if left == 0 { strong.status.bad { "expired" } } @else { (layout::duration(left)) " left" }
                        " " span.muted.hide-narrow { "(" (layout::when(at, now)) ")" }
                    }
                }
                dt { "Services" } dd { (health_summary(environment)) }
                @if !environment.services.is_empty() {
                    dt.visually-hidden { "Service list" }
                    dd.services-list {
                        ul {
                            @for service in environment.services.iter().take(CARD_SERVICES) {
                                li { (layout::health_mark(service.health)) " " (service.name) }
                            }
                            @if environment.services.len() > CARD_SERVICES {
                                li.muted { "+" (environment.services.len() - CARD_SERVICES) " more" }
                            }
                        }
                    }
                }
                @if environment.id.is_none() {
                    dt { "Railway" } dd.muted { "not created yet" }
                }
            }
            footer { (actions(caller, project, environment, max_ttl)) }
        }
    }
}

fn templates(overview: &Overview) -> Markup {
    html! {
        @if !overview.templates.is_empty() {
            h2 #templates { "Templates" }
            div.panel.table-wrap {
                table {
                    caption.visually-hidden { "Templates of the project" }
                    thead {
                        tr {
                            th scope="col" { "Template" }
                            th scope="col" { "Services" }
                            th scope="col" { "TTL" }
                            th scope="col" .hide-narrow { "Variables you may set" }
                        }
                    }
                    tbody {
                        @for template in &overview.templates {
                            tr {
                                th scope="row" { (template.name) }
                                td { (template.services.join(", ")) }
                                td {
                                    @match template.ttl_seconds {
                                        Some(ttl) => (layout::duration(ttl)),
                                        None => span.muted { "none" },
                                    }
                                    span.muted { " (at most " (layout::duration(template.max_ttl_seconds)) ")" }
                                }
                                td.hide-narrow {
                                    @for (i, variable) in template.variables.iter().enumerate() {
                                        @if i > 0 { ", " }
                                        code { (variable.name) }
                                        @if variable.secret { " " span.badge { "secret" } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
