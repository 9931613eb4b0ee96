//! `/admin…`: administration of the projects the caller is an admin of
//! (members and roles, API tokens, the audit log, statistics, the
//! project's Railway token), and `/settings`: every signed-in user's
//! preferences.
//!
//! Each page is authorized as the API route it shows (`Action::Administer`,
//! `Action::ReadAudit` for the audit log) through `api::allow` or the API
//! function itself, so a refusal is the API's status and is recorded in
//! the audit log. Pages never write: their forms and buttons call the
//! JSON API (`assets/app.js`: `data-api` forms, `data-action="api"`
//! buttons).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use axum::Router;
use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use maud::{Markup, html};
use serde_json::Value;

use super::layout::{self, Crumb, Section};
use super::{PageError, PageResult, project_url, segment};
use crate::auth::{Action, Role, Target};
use crate::serve::api::{self, ApiError, Caller};
use crate::serve::audit::Outcome;
use crate::serve::server::App;
use crate::state::{ApiTokenRecord, Timestamp};

/// The admin pages' routes (behind the pages' gate).
pub(super) fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/admin", get(index))
        .route("/admin/projects/{project}/members", get(members))
        .route("/admin/projects/{project}/tokens", get(tokens))
        .route("/admin/projects/{project}/audit", get(audit))
        .route("/admin/projects/{project}/stats", get(stats))
        .route("/admin/projects/{project}/settings", get(settings))
        .route("/settings", get(preferences))
}

/// The pages of a project's administration: path segment and title.
const TABS: [(&str, &str); 5] = [
    ("members", "Members"),
    ("tokens", "API tokens"),
    ("audit", "Audit log"),
    ("stats", "Statistics"),
    ("settings", "Settings"),
];

/// The URL of one of a project's admin pages.
pub fn admin_url(project: &str, tab: &str) -> String {
    format!("/admin/projects/{}/{tab}", segment(project))
}

fn target(project: &str) -> Target<'_> {
    Target {
        project: Some(project),
        owner: None,
    }
}

/// The served projects `caller` administers, in order.
fn administered(app: &App, caller: &Caller) -> Vec<String> {
    api::served(app)
        .into_iter()
        .filter(|p| caller.may(Action::Administer, &target(p)))
        .collect()
}

/// A project's admin page: the crumbs, the title, the tabs, `content`.
fn frame(caller: &Caller, project: &str, tab: &str, content: Markup) -> Markup {
    let title = TABS
        .iter()
        .find(|(t, _)| *t == tab)
        .map_or("Admin", |(_, title)| *title);
    let crumbs: Vec<Crumb> = vec![
        ("Admin".to_owned(), Some("/admin".to_owned())),
        (project.to_owned(), Some(project_url(project))),
        (title.to_owned(), None),
    ];
    let body = html! {
        div.page-head {
            div {
                h1 { (title) " · " (project) }
                p.sub { "Administration of " a href=(project_url(project)) { (project) } "." }
            }
        }
        nav.admin-tabs aria-label="Administration of this project" {
            ul {
                @for (t, name) in TABS {
                    li { a href=(admin_url(project, t)) aria-current=[(t == tab).then_some("page")] { (name) } }
                }
            }
        }
        (content)
    };
    layout::page(
        &format!("{title} · {project}"),
        Some(caller),
        Section::Admin,
        &crumbs,
        body,
    )
}

fn fail(caller: &Caller) -> impl Fn(ApiError) -> PageError + '_ {
    move |e| PageError::new(e, caller)
}

/// `GET /admin`: the projects the caller administers. A caller who
/// administers none is answered `404`, as the API answers a project it
/// may not administer, and the refusal is recorded.
async fn index(State(app): State<Arc<App>>, Extension(caller): Extension<Caller>) -> PageResult {
    let projects = administered(&app, &caller);
    if projects.is_empty() {
        let who = caller.clone();
        api::blocking(move || {
            who.record(
                "authorize.administer",
                None,
                None,
                Outcome::Refused,
                format!("{} refused (404): admin of no project", who.route),
            );
            Ok(())
        })
        .await
        .map_err(fail(&caller))?;
        return Err(PageError::new(ApiError::not_found("project"), &caller));
    }
    let content = html! {
        div.page-head {
            div {
                h1 { "Admin" }
                p.sub { "The projects you administer: their members, API tokens, audit log, statistics and settings." }
            }
        }
        div.panel.table-wrap {
            table {
                caption.visually-hidden { "Projects you administer" }
                thead {
                    tr {
                        th scope="col" { "Project" }
                        th scope="col" { "Administration" }
                    }
                }
                tbody {
                    @for project in &projects {
                        tr {
                            th scope="row" { a href=(project_url(project)) { (project) } }
                            td {
                                ul.inline-links aria-label={ "Administration of " (project) } {
                                    @for (t, name) in TABS {
                                        li { a href=(admin_url(project, t)) { (name) } }
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
        "Admin",
        Some(&caller),
        Section::Admin,
        &[],
        content,
    ))
}

/// Who a user id is, for people: their name/email when a member, else
/// the id.
fn person(people: &BTreeMap<String, String>, id: &str) -> String {
    people.get(id).cloned().unwrap_or_else(|| id.to_owned())
}

/// `GET /admin/projects/{p}/members`.
async fn members(Extension(caller): Extension<Caller>, Path(project): Path<String>) -> PageResult {
    api::allow(&caller, Action::Administer, &project)
        .await
        .map_err(fail(&caller))?;
    let members = api::identity::member_list(&caller, &project)
        .await
        .map_err(fail(&caller))?;
    let granters: Vec<String> = members
        .iter()
        .filter_map(|m| m.granted_by.clone())
        .collect();
    let people = api::identity::people(&caller, &project, granters)
        .await
        .unwrap_or_default();
    let now = Timestamp::now();
    let content = html! {
        div.panel.table-wrap {
            table {
                caption.visually-hidden { "Members of " (project) }
                thead {
                    tr {
                        th scope="col" { "Name" }
                        th scope="col" { "Email" }
                        th scope="col" { "Role" }
                        th scope="col" .hide-narrow { "Granted" }
                        th scope="col" { "Change" }
                    }
                }
                tbody {
                    @for (i, m) in members.iter().enumerate() {
                        @let shown = m.user.name.clone().or_else(|| m.user.email.clone()).unwrap_or_else(|| m.user.id.clone());
                        @let url = format!("/api/projects/{}/members/{}", segment(&project), segment(&m.user.id));
                        tr {
                            th scope="row" {
                                (m.user.name.as_deref().unwrap_or("–"))
                                @if m.user.id == caller.user.id { " " span.badge { "you" } }
                                @if m.user.disabled_at.is_some() { " " span.badge { "✕ disabled" } }
                                br; code.muted { (m.user.id) }
                            }
                            td { (m.user.email.as_deref().unwrap_or("–")) }
                            td { span.badge.role { (m.role) } }
                            td.hide-narrow {
                                @if let Some(by) = &m.granted_by { "by " (person(&people, by)) ", " }
                                (layout::when(m.granted_at, now))
                            }
                            td {
                                div.actions {
                                    form.inline data-api=(url) data-method="PUT" data-done="Role saved." {
                                        label.visually-hidden for={ "role-" (i) } { "Role of " (shown) }
                                        select #{ "role-" (i) } name="role" {
                                            @for role in ["viewer", "member", "admin"] {
                                                option value=(role) selected[m.role == role] { (role) }
                                            }
                                        }
                                        button.btn.small type="submit" { "Save" }
                                    }
                                    button.btn.small.danger type="button" data-action="api" data-method="DELETE"
                                        data-url=(url) data-confirm={ "Remove " (shown) " from " (project) "?" }
                                        data-name=(m.user.email.as_deref().unwrap_or(&m.user.id)) data-done="Member removed." {
                                        "Remove" span.visually-hidden { " " (shown) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        div.panel {
            h2 { "Add a member" }
            p {
                "People appear here once they have signed in. An admin grants a role with "
                code { "PUT /api/projects/" (project) "/members/{user id}" } " and "
                code { "{\"role\": \"member\"}" } " (the user id is shown under each name, and by "
                code { "GET /api/me" } " to its user)."
            }
            p.hint { "A project always keeps one admin: the last one cannot be removed or demoted." }
        }
    };
    Ok(frame(&caller, &project, "members", content))
}

/// A token's state: symbol and word.
fn token_state(token: &ApiTokenRecord, now: Timestamp) -> Markup {
    let (class, symbol, word) = if token.revoked_at.is_some() {
        ("bad", "✕", "Revoked")
    } else if token.expires_at <= now {
        ("warn", "⌛", "Expired")
    } else {
        ("ok", "✓", "Active")
    };
    html! { span class={ "status " (class) } { span aria-hidden="true" { (symbol) } (word) } }
}

/// `GET /admin/projects/{p}/tokens`.
async fn tokens(Extension(caller): Extension<Caller>, Path(project): Path<String>) -> PageResult {
    let tokens = api::identity::token_list(&caller, &project)
        .await
        .map_err(fail(&caller))?;
    let people = api::identity::people(
        &caller,
        &project,
        tokens.iter().map(|t| t.user_id.clone()).collect(),
    )
    .await
    .unwrap_or_default();
    let mine = caller.role_in(&project).unwrap_or(Role::Viewer);
    let now = Timestamp::now();
    let api_url = format!("/api/projects/{}/tokens", segment(&project));
    let content = html! {
        div.panel {
            h2 { "Create a token" }
            form data-api=(api_url) data-method="POST" data-reveal="new-token" {
                div.field {
                    label for="token-name" { "Name" }
                    input #token-name name="name" type="text" required maxlength="100" autocomplete="off" aria-describedby="token-name-hint";
                    p.hint #token-name-hint { "After what uses it, e.g. " code { "ci-deploy" } "." }
                    p.problem data-problem-for="name" {}
                }
                div.field {
                    label for="token-role" { "Role" }
                    select #token-role name="role" aria-describedby="token-role-hint" {
                        @for role in [Role::Viewer, Role::Member, Role::Admin] {
                            @if role <= mine {
                                option value=(role.as_str()) selected[role == Role::Viewer] { (role.as_str()) }
                            }
                        }
                    }
                    p.hint #token-role-hint { "No higher than your own role." }
                }
                div.field {
                    label for="token-lifetime" { "Lifetime" }
                    select #token-lifetime name="expires_in" {
                        option value="1d" { "1 day" }
                        option value="7d" { "7 days" }
                        option value="30d" selected { "30 days" }
                        option value="90d" { "90 days" }
                        option value="366d" { "366 days" }
                    }
                }
                button.btn.primary type="submit" { "Create token" }
            }
            div.notice.warn #new-token hidden role="status" {
                p { "The new token, shown once: copy it now." }
                p { code.secret {} }
                p { a href=(admin_url(&project, "tokens")) { "Done, show the list" } }
            }
        }
        div.panel.table-wrap {
            table {
                caption.visually-hidden { "API tokens of " (project) }
                thead {
                    tr {
                        th scope="col" { "Name" }
                        th scope="col" { "Role" }
                        th scope="col" { "State" }
                        th scope="col" .hide-narrow { "Created" }
                        th scope="col" { "Expires" }
                        th scope="col" .hide-narrow { "Last used" }
                        th scope="col" { span.visually-hidden { "Actions" } }
                    }
                }
                tbody {
                    @if tokens.is_empty() {
                        tr { td.muted colspan="7" { "No API tokens yet." } }
                    }
                    @for token in &tokens {
                        tr {
                            th scope="row" { (token.name) br; code.muted { (token.id) } }
                            td { span.badge.role { (token.role) } }
                            td {
                                (token_state(token, now))
                                @if let Some(at) = token.revoked_at { " " (layout::when(at, now)) }
                            }
                            td.hide-narrow { (layout::when(token.created_at, now)) " by " (person(&people, &token.user_id)) }
                            td { (layout::when(token.expires_at, now)) }
                            td.hide-narrow {
                                @match token.last_used_at {
                                    Some(at) => (layout::when(at, now)),
                                    None => span.muted { "never" },
                                }
                            }
                            td {
                                @if token.revoked_at.is_none() {
                                    button.btn.small.danger type="button" data-action="api" data-method="DELETE"
                                        data-url={ (api_url) "/" (segment(&token.id)) }
                                        data-confirm={ "Revoke the token " (token.name) "? Whatever uses it stops working at once." }
                                        data-name=(token.name)
                                        data-done="Token revoked." {
                                        "Revoke" span.visually-hidden { " " (token.name) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(frame(&caller, &project, "tokens", content))
}

/// The filters of the audit page (GET parameters, as the API takes them).
const FILTERS: [&str; 5] = ["actor", "action", "outcome", "since", "until"];
/// Entries per page of the audit page.
const AUDIT_PAGE: usize = 50;

/// `?a=b&c=d`, encoded.
fn query_string(pairs: &[(&str, &str)]) -> String {
    let mut url = reqwest::Url::parse("http://mirage.invalid/").expect("a constant URL parses");
    url.query_pairs_mut().extend_pairs(pairs);
    url.query().map(|q| format!("?{q}")).unwrap_or_default()
}

/// `GET /admin/projects/{p}/audit?actor=&action=&outcome=&since=&until=&before=`.
async fn audit(
    Extension(caller): Extension<Caller>,
    Path(project): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> PageResult {
    api::allow(&caller, Action::ReadAudit, &project)
        .await
        .map_err(fail(&caller))?;
    // Only the filters, without the empty ones of a submitted form.
    let filters: Vec<(&str, &str)> = FILTERS
        .iter()
        .filter_map(|k| {
            query
                .get(*k)
                .map(|v| v.trim())
                .filter(|v| !v.is_empty())
                .map(|v| (*k, v))
        })
        .collect();
    let mut asked: HashMap<String, String> = filters
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    asked.insert("project".to_owned(), project.clone());
    asked.insert("limit".to_owned(), AUDIT_PAGE.to_string());
    if let Some(before) = query.get("before").filter(|b| !b.is_empty()) {
        asked.insert("before".to_owned(), before.clone());
    }
    let (entries, next, problem) = match api::audit_log::audit_page(&caller, asked).await {
        Ok((entries, next)) => (entries, next, None),
        Err(error) if error.status == StatusCode::BAD_REQUEST => (Vec::new(), None, Some(error)),
        Err(error) => return Err(PageError::new(error, &caller)),
    };
    let actors: Vec<String> = entries
        .iter()
        .filter_map(|e| e.entry.actor.clone())
        .collect();
    let people = api::identity::people(&caller, &project, actors)
        .await
        .unwrap_or_default();
    let value = |key: &str| filters.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
    let mut export = vec![("project", project.as_str())];
    export.extend(filters.iter().copied());
    let export_url = |format: &'static str| {
        let mut pairs = export.clone();
        pairs.push(("format", format));
        format!("/api/audit{}", query_string(&pairs))
    };
    let now = Timestamp::now();
    let here = admin_url(&project, "audit");
    let older = next.map(|next| {
        let next = next.to_string();
        let mut pairs = filters.clone();
        pairs.push(("before", &next));
        format!("{here}{}", query_string(&pairs))
    });
    let content = html! {
        form.panel.filters method="get" action=(here) aria-label="Filter the audit log" {
            div.filter-grid {
                div.field {
                    label for="f-actor" { "Actor (user id)" }
                    input #f-actor name="actor" type="text" value=[value("actor")] autocomplete="off";
                }
                div.field {
                    label for="f-action" { "Action" }
                    input #f-action name="action" type="text" value=[value("action")] placeholder="tokens.create" autocomplete="off";
                }
                div.field {
                    label for="f-outcome" { "Outcome" }
                    select #f-outcome name="outcome" {
                        option value="" { "any" }
                        @for outcome in ["ok", "refused", "failed"] {
                            option value=(outcome) selected[value("outcome") == Some(outcome)] { (outcome) }
                        }
                    }
                }
                div.field {
                    label for="f-since" { "Since" }
                    input #f-since name="since" type="text" value=[value("since")] placeholder="24h" aria-describedby="f-time-hint";
                }
                div.field {
                    label for="f-until" { "Until" }
                    input #f-until name="until" type="text" value=[value("until")] placeholder="1h" aria-describedby="f-time-hint";
                }
            }
            p.hint #f-time-hint { "Times: how long ago (" code { "24h" } ", " code { "7d" } ") or Unix seconds." }
            div.actions {
                button.btn.primary type="submit" { "Filter" }
                a.btn href=(here) { "Clear filters" }
                span.spacer {}
                a.btn.small href=(export_url("csv")) download { "Export CSV" }
                a.btn.small href=(export_url("ndjson")) download { "Export NDJSON" }
            }
        }
        @if let Some(error) = &problem {
            div.notice.bad role="alert" {
                p { (error.message) }
                p.muted { (error.help) }
            }
        }
        // Wider than a phone: it scrolls sideways, so the keyboard must
        // reach it (axe's `scrollable-region-focusable`).
        div.panel.table-wrap tabindex="0" role="region" aria-label={ "Audit log of " (project) } {
            table {
                caption.visually-hidden { "Audit log of " (project) }
                thead {
                    tr {
                        th scope="col" { "When" }
                        th scope="col" { "Actor" }
                        th scope="col" { "Action" }
                        th scope="col" { "Outcome" }
                        th scope="col" { "Summary" }
                        th scope="col" .hide-narrow { "From" }
                    }
                }
                tbody {
                    @if entries.is_empty() && problem.is_none() {
                        tr { td.muted colspan="6" { "No entries match." } }
                    }
                    @for record in &entries {
                        @let e = &record.entry;
                        tr {
                            td { (layout::when(record.at, now)) }
                            td {
                                @match &e.actor {
                                    Some(actor) => { span title=(actor) { (person(&people, actor)) } }
                                    None => span.muted { "anonymous" },
                                }
                                @if let Some(role) = &e.actor_role { " " span.badge.role { (role) } }
                            }
                            td { code { (e.action) } }
                            td { (outcome_mark(e.outcome.as_str())) }
                            td { (e.summary) }
                            td.hide-narrow {
                                (e.via.as_deref().unwrap_or("–"))
                                @if let Some(address) = &e.address { br; span.muted { (address) } }
                            }
                        }
                    }
                }
            }
        }
        nav.pager aria-label="Pages of the audit log" {
            @if query.get("before").is_some_and(|b| !b.is_empty()) {
                a.btn href={ (here) (query_string(&filters)) } { "Newest" }
            }
            @if let Some(older) = &older {
                a.btn href=(older) rel="next" { "Older entries →" }
            }
        }
    };
    Ok(frame(&caller, &project, "audit", content))
}

/// An audit outcome: symbol and word.
fn outcome_mark(outcome: &str) -> Markup {
    let (class, symbol) = match outcome {
        "ok" => ("ok", "✓"),
        "refused" => ("warn", "⊘"),
        _ => ("bad", "✕"),
    };
    html! { span class={ "status " (class) } { span aria-hidden="true" { (symbol) } (outcome) } }
}

/// `GET /admin/projects/{p}/stats`.
async fn stats(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path(project): Path<String>,
) -> PageResult {
    let stats = api::projects::statistics(&app, &caller, &project)
        .await
        .map_err(fail(&caller))?;
    let days = stats["days"].as_i64().unwrap_or(api::projects::STATS_DAYS);
    let by_type: Vec<(String, u64)> = stats["environments_by_type"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0)))
                .collect()
        })
        .unwrap_or_default();
    let applies: Vec<(String, u64, String)> = stats["applies_per_day"]
        .as_array()
        .map(|days| {
            days.iter()
                .map(|d| {
                    let outcomes = d["outcomes"].as_object();
                    let total = outcomes.map_or(0, |o| o.values().filter_map(Value::as_u64).sum());
                    let detail = outcomes
                        .map(|o| {
                            o.iter()
                                .map(|(k, v)| format!("{} {k}", v.as_u64().unwrap_or(0)))
                                .collect::<Vec<_>>()
                                .join(", ")
                        })
                        .unwrap_or_default();
                    (d["day"].as_str().unwrap_or("?").to_owned(), total, detail)
                })
                .collect()
        })
        .unwrap_or_default();
    let jobs: Vec<(String, String, u64)> = stats["jobs"]
        .as_object()
        .map(|kinds| {
            kinds
                .iter()
                .flat_map(|(kind, states)| {
                    states.as_object().into_iter().flat_map(move |states| {
                        states
                            .iter()
                            .map(move |(s, n)| (kind.clone(), s.clone(), n.as_u64().unwrap_or(0)))
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let previews = stats["previews_alive"].as_u64().unwrap_or(0);
    let requests = stats["railway"]["requests"].as_u64().unwrap_or(0);
    let budget = stats["railway"]["rate_limit_remaining"].as_u64();
    let content = html! {
        div.stats {
            div.stat { b { (previews) } span { "previews alive" } }
            div.stat { b { (by_type.iter().map(|(_, n)| n).sum::<u64>()) } span { "environments" } }
            div.stat { b { (applies.iter().map(|(_, n, _)| n).sum::<u64>()) } span { "applies in " (days) " days" } }
            div.stat { b { (requests) } span { "Railway requests (this replica)" } }
            div.stat {
                b { @match budget { Some(n) => (n), None => "–" } }
                span { "Railway rate-limit budget left" @if budget.is_none() { " (not reported yet)" } }
            }
        }
        div.grid {
            section.panel aria-labelledby="by-type" {
                h2 #by-type { "Environments by type" }
                table {
                    thead { tr { th scope="col" { "Type" } th scope="col" .num { "Count" } } }
                    tbody {
                        @if by_type.is_empty() { tr { td.muted colspan="2" { "None." } } }
                        @for (kind, n) in &by_type {
                            tr {
                                th scope="row" {
                                    @match kind_named(kind) {
                                        Some(kind) => (layout::kind_badge(kind)),
                                        None => (kind),
                                    }
                                }
                                td.num { (n) }
                            }
                        }
                    }
                }
            }
            section.panel aria-labelledby="jobs" {
                h2 #jobs { "Jobs in " (days) " days" }
                table {
                    thead { tr { th scope="col" { "Kind" } th scope="col" { "State" } th scope="col" .num { "Count" } } }
                    tbody {
                        @if jobs.is_empty() { tr { td.muted colspan="3" { "None." } } }
                        @for (kind, state, n) in &jobs {
                            tr { th scope="row" { (kind) } td { (state) } td.num { (n) } }
                        }
                    }
                }
            }
        }
        section.panel aria-labelledby="applies" {
            h2 #applies { "Applies per day, last " (days) " days" }
            @if applies.is_empty() {
                p.muted { "No applies in this period." }
            } @else {
                (bar_chart(&applies))
                table.visually-hidden {
                    caption { "Applies per day" }
                    thead { tr { th scope="col" { "Day" } th scope="col" { "Applies" } th scope="col" { "Outcomes" } } }
                    tbody {
                        @for (day, n, detail) in &applies {
                            tr { th scope="row" { (day) } td { (n) } td { (detail) } }
                        }
                    }
                }
            }
        }
    };
    Ok(frame(&caller, &project, "stats", content))
}

/// The kind whose JSON name is `name`.
fn kind_named(name: &str) -> Option<crate::serve::catalog::Kind> {
    layout::KINDS.into_iter().find(|k| {
        serde_json::to_value(k)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .as_deref()
            == Some(name)
    })
}

/// Applies per day as an SVG bar chart (hidden from screen readers,
/// which read the table beside it); each bar's number is written above
/// it.
fn bar_chart(days: &[(String, u64, String)]) -> Markup {
    const HEIGHT: u64 = 120;
    const BAR: u64 = 18;
    const GAP: u64 = 8;
    let max = days.iter().map(|(_, n, _)| *n).max().unwrap_or(1).max(1);
    let width = days.len() as u64 * (BAR + GAP) + GAP;
    html! {
        svg.bars viewBox={ "0 0 " (width) " " (HEIGHT + 36) } aria-hidden="true" focusable="false" {
            @for (i, (day, n, detail)) in days.iter().enumerate() {
                @let h = (n * HEIGHT / max).max(1);
                @let x = GAP + i as u64 * (BAR + GAP);
                g {
                    title { (day) ": " (n) " (" (detail) ")" }
                    rect.bar x=(x) y=(HEIGHT + 14 - h) width=(BAR) height=(h) rx="2" {}
                    text.bar-n x=(x + BAR / 2) y=(HEIGHT + 10 - h) text-anchor="middle" { (n) }
                    text.bar-day x=(x + BAR / 2) y=(HEIGHT + 30) text-anchor="middle" { (day.get(8..).unwrap_or(day)) }
                }
            }
        }
    }
}

/// `GET /admin/projects/{p}/settings`: the project's Railway token.
async fn settings(Extension(caller): Extension<Caller>, Path(project): Path<String>) -> PageResult {
    let status = api::railway_token::token_status(&caller, &project)
        .await
        .map_err(fail(&caller))?;
    let people = api::identity::people(&caller, &project, status.set_by.iter().cloned().collect())
        .await
        .unwrap_or_default();
    let now = Timestamp::now();
    let content = html! {
        section.panel aria-labelledby="railway-token" {
            h2 #railway-token { "Railway token" }
            p {
                "Jobs of this project (create, destroy, apply) and its overview read Railway with this token, sealed at rest; it is never shown back."
            }
            @match status.set_at {
                Some(at) => {
                    p { span.status.ok { span aria-hidden="true" { "✓" } "Set" } " " (layout::when(at, now))
                        @if let Some(by) = &status.set_by { " by " (person(&people, by)) } "." }
                }
                None => {
                    p { span.status.none { span aria-hidden="true" { "–" } "Not set" } ": the service's own token is used." }
                }
            }
            form data-api={ "/api/projects/" (segment(&project)) "/railway-token" } data-method="PUT" data-done="Railway token saved." {
                div.field {
                    label for="railway-token-input" { @if status.set_at.is_some() { "Replace the token" } @else { "Set a token" } }
                    input #railway-token-input name="token" type="password" required autocomplete="off" spellcheck="false" aria-describedby="railway-token-hint";
                    p.hint #railway-token-hint { "A project or account token made in Railway (Project Settings → Tokens)." }
                    p.problem data-problem-for="token" {}
                }
                button.btn.primary type="submit" { "Save token" }
            }
            @if status.set_at.is_some() {
                div.actions {
                    button.btn.danger type="button" data-action="api" data-method="DELETE"
                        data-url={ "/api/projects/" (segment(&project)) "/railway-token" }
                        data-confirm={ "Clear the Railway token of " (project) "? Its jobs use the service's own token again." }
                        data-name=(project) data-done="Railway token cleared." {
                        "Clear the token"
                    }
                }
            }
        }
    };
    Ok(frame(&caller, &project, "settings", content))
}

/// `GET /settings`: the caller's preferences (theme, default project).
async fn preferences(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
) -> PageResult {
    let current: Value = serde_json::from_str(&caller.user.preferences).unwrap_or_default();
    let theme = current["theme"].as_str().unwrap_or("system");
    let default = current["default_project"].as_str();
    let projects: Vec<String> = api::served(&app)
        .into_iter()
        .filter(|p| caller.role_in(p).is_some())
        .collect();
    let json = |text: &str| Value::String(text.to_owned()).to_string();
    let content = html! {
        div.page-head {
            div {
                h1 { "Settings" }
                p.sub { "Your preferences, kept with your account on this service." }
            }
        }
        form.panel data-api="/api/me/preferences" data-method="PATCH" data-done="Preferences saved." {
            div.field {
                label for="pref-theme" { "Theme" }
                select #pref-theme name="theme" {
                    @for (value, word) in [("system", "Same as the system"), ("light", "Light"), ("dark", "Dark")] {
                        option value=(value) selected[theme == value] { (word) }
                    }
                }
            }
            div.field {
                label for="pref-project" { "Default project" }
                select #pref-project name="default_project" data-json aria-describedby="pref-project-hint" {
                    option value="null" selected[default.is_none()] { "None: show the list of projects" }
                    @for project in &projects {
                        option value=(json(project)) selected[default == Some(project.as_str())] { (project) }
                    }
                    @if let Some(default) = default.filter(|d| !projects.iter().any(|p| p == d)) {
                        option value=(json(default)) selected { (default) " (no longer yours)" }
                    }
                }
                p.hint #pref-project-hint { "The project to open first." }
                p.problem data-problem-for="default_project" {}
            }
            button.btn.primary type="submit" { "Save" }
        }
    };
    Ok(layout::page(
        "Settings",
        Some(&caller),
        Section::Other,
        &[],
        content,
    ))
}
