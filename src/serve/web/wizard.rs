//! `/new`, `/projects/{p}/new`: create an environment in three steps, and
//! `/projects/{p}/jobs/{id}`: the create's progress.
//!
//! 1. `/new`: the projects where the caller may create (one: straight to
//!    its step 2).
//! 2. `/projects/{p}/new`: the project's templates as cards; once one is
//!    chosen (`?template=…`), its services, preselected and deselectable.
//! 3. The same page: the name, the variables the template lets you set,
//!    the TTL, then what will be created and "Create".
//!
//! The steps are a GET flow read by the server: the page works and reads
//! without script (the "Check" button re-renders it with the API's
//! problems under their fields). `assets/wizard.js` adds the checks as
//! you type (the API's `validate`), keeps the services consistent with
//! their dependencies and sends the create (the page itself never
//! writes). A secret's field has no `name`: a secret never travels in a
//! page's address, only in the script's JSON body, and is never shown
//! back.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use maud::{Markup, html};
use serde_json::Value;

use super::layout::{self, Crumb, Section};
use super::{PageError, PageResult, assets, environment_url, project_url, segment};
use crate::auth::{Action, Target};
use crate::serve::api::environments::{CreateInput, JobView, Validation};
use crate::serve::api::{self, Caller};
use crate::serve::environments::{
    CreatePreview, Override, ResourceOverride, ServiceResources, Template, size_text,
};
use crate::serve::server::App;
use crate::state::JobState;

/// The wizard's routes (behind the pages' gate).
pub(super) fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/new", get(choose_project))
        .route("/projects/{project}/new", get(new_environment))
        .route("/projects/{project}/jobs/{job}", get(job_page))
}

/// The URL of a project's wizard.
pub fn wizard_url(project: &str) -> String {
    format!("{}/new", project_url(project))
}

/// The URL of a job's progress page.
pub fn job_url(project: &str, job: i64) -> String {
    format!("{}/jobs/{job}", project_url(project))
}

fn may_create(caller: &Caller, project: &str) -> bool {
    caller.may(
        Action::CreateEnvironment,
        &Target {
            project: Some(project),
            owner: None,
        },
    )
}

/// The three steps above each page, the current one marked.
fn steps(current: usize) -> Markup {
    const NAMES: [&str; 3] = ["Project", "What to create", "Settings"];
    html! {
        nav.wizard-steps aria-label="Steps" {
            ol {
                @for (i, name) in NAMES.iter().enumerate() {
                    li aria-current=[(i + 1 == current).then_some("step")] {
                        span.step-number aria-hidden="true" {
                            @if i + 1 < current { "✓" } @else { (i + 1) }
                        }
                        " " (name)
                        @if i + 1 < current { span.visually-hidden { " (done)" } }
                    }
                }
            }
        }
    }
}

// ----------------------------------------------------------------- step 1

/// `GET /new`: the projects where the caller may create an environment.
async fn choose_project(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
) -> Response {
    let projects: Vec<_> = api::projects::summaries(&app, &caller)
        .await
        .into_iter()
        .filter(|p| p.managed && may_create(&caller, &p.name))
        .collect();
    if let [only] = projects.as_slice() {
        return Redirect::to(&wizard_url(&only.name)).into_response();
    }
    let content = html! {
        div.page-head { div { h1 { "New environment" } p.sub { "Step 1 of 3: choose the project." } } }
        (steps(1))
        @if projects.is_empty() {
            div.panel.empty {
                p { "There is no project here where you may create an environment." }
                p.muted { "Creating needs the member or admin role in a project this service manages; ask an admin of the project." }
            }
        } @else {
            ul.grid.wizard-choices {
                @for project in &projects {
                    li.card {
                        h2 { a href=(wizard_url(&project.name)) { (project.name) } }
                        @if let Some(counts) = &project.counts {
                            p.muted { (counts.environments) " environments · " (counts.services) " services" }
                        }
                        p { span.badge.role { (project.role) } }
                    }
                }
            }
        }
    };
    layout::page(
        "New environment",
        Some(&caller),
        Section::Projects,
        &[
            ("Projects".to_owned(), Some("/".to_owned())),
            ("New environment".to_owned(), None),
        ],
        content,
    )
    .into_response()
}

// ------------------------------------------------------------ steps 2 and 3

/// What the GET flow carries: the create being composed.
#[derive(Debug, Default)]
struct Draft {
    template: Option<String>,
    name: String,
    /// `Some` once the services were chosen on the page (`pick=1`).
    services: Option<Vec<String>>,
    /// Hours, as typed.
    ttl_hours: Option<String>,
    /// Values of the variables that are not secrets (a secret's field
    /// has no name: it never arrives here).
    variables: BTreeMap<String, String>,
    /// Whether the reader asked for a check (problems shown even for an
    /// untouched name).
    check: bool,
    /// Sizes as typed (`res.SERVICE.replicas|cpu|memory`), by service
    /// then kind. Room `resources`.
    resources: BTreeMap<String, BTreeMap<String, String>>,
}

impl Draft {
    fn parse(query: Option<&str>) -> Draft {
        let mut draft = Draft::default();
        let mut picked = false;
        let mut services = Vec::new();
        let Ok(url) = reqwest::Url::parse(&format!(
            "http://mirage.invalid/?{}",
            query.unwrap_or_default()
        )) else {
            return draft;
        };
        for (key, value) in url.query_pairs() {
            let value = value.trim().to_owned();
            match key.as_ref() {
                "template" if !value.is_empty() => draft.template = Some(value),
                "name" => draft.name = value,
                "services" => services.push(value),
                "pick" => picked = true,
                "ttl" if !value.is_empty() => draft.ttl_hours = Some(value),
                "check" => draft.check = true,
                key => {
                    if let Some(variable) = key.strip_prefix("var.")
                        && !value.is_empty()
                    {
                        draft.variables.insert(variable.to_owned(), value);
                    } else if let Some((service, kind)) =
                        key.strip_prefix("res.").and_then(|k| k.rsplit_once('.'))
                        && RESOURCE_KINDS.contains(&kind)
                        && !service.is_empty()
                        && !value.is_empty()
                    {
                        draft
                            .resources
                            .entry(service.to_owned())
                            .or_default()
                            .insert(kind.to_owned(), value);
                    }
                }
            }
        }
        if picked {
            draft.services = Some(services);
        }
        draft
    }

    /// The sizes of this draft as the API takes them (of the selected
    /// services only), and the problems of what is not a number (the API
    /// never sees those).
    fn resources(&self) -> (BTreeMap<String, ResourceOverride>, Vec<Value>) {
        let mut resources = BTreeMap::new();
        let mut problems = Vec::new();
        let selected = |service: &String| {
            self.services
                .as_ref()
                .is_none_or(|keep| keep.contains(service))
        };
        for (service, kinds) in self.resources.iter().filter(|(s, _)| selected(s)) {
            let mut asked = ResourceOverride::default();
            let mut bad = |kind: &str, value: &str, what: &str| {
                problems.push(serde_json::json!({
                    "code": "mirage::serve::bad_resource",
                    "message": format!("service `{service}`: {kind} `{value}` is not {what}"),
                    "help": "use the slider, or type a number within the bounds shown",
                    "field": "resources",
                }));
            };
            for (kind, value) in kinds {
                match kind.as_str() {
                    "replicas" => match value.parse::<u32>() {
                        Ok(n) => asked.replicas = Some(n),
                        Err(_) => bad("replicas", value, "a whole number from 0"),
                    },
                    "cpu" => match value.parse::<f64>() {
                        Ok(c) if c.is_finite() => asked.cpu = Some(c),
                        _ => bad("the CPU limit", value, "a number of vCPUs"),
                    },
                    _ => {
                        // The page's field is in megabytes; a size with
                        // its unit is taken as the language writes it.
                        asked.memory = Some(if value.chars().all(|c| c.is_ascii_digit()) {
                            format!("{value}MB")
                        } else {
                            value.clone()
                        });
                    }
                }
            }
            resources.insert(service.clone(), asked);
        }
        (resources, problems)
    }

    /// The API's input of this draft (`template` chosen).
    fn input(&self, template: &Template) -> CreateInput {
        let variables = self
            .variables
            .iter()
            .filter(|(name, _)| {
                template
                    .variables
                    .iter()
                    .any(|v| &v.name == *name && !v.secret)
            })
            .map(|(name, value)| (name.clone(), Override::Value(value.clone())))
            .collect();
        CreateInput {
            template: template.name.clone(),
            name: self.name.clone(),
            variables,
            ttl: self
                .ttl_hours
                .as_ref()
                .map(|h| Value::String(format!("{h}h"))),
            services: self.services.clone(),
            resources: Some(self.resources().0).filter(|r| !r.is_empty()),
        }
    }
}

/// The sizes the GET flow carries (`res.SERVICE.KIND`). Room `resources`.
const RESOURCE_KINDS: [&str; 3] = ["replicas", "cpu", "memory"];

/// `GET /projects/{p}/new[?template=…&name=…&services=…&pick=1&ttl=…&var.NAME=…&check=1]`.
async fn new_environment(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path(project): Path<String>,
    RawQuery(query): RawQuery,
) -> PageResult {
    // The API's answer to a create, as a page: 404 for a project the
    // caller cannot read, 403 for a viewer.
    api::allow(&caller, Action::CreateEnvironment, &project)
        .await
        .map_err(|e| PageError::new(e, &caller))?;
    let overview = api::projects::cached_overview(&app, &project)
        .await
        .map_err(|e| PageError::new(e, &caller))?;
    let draft = Draft::parse(query.as_deref());
    let chosen = draft
        .template
        .as_ref()
        .and_then(|name| overview.templates.iter().find(|t| &t.name == name));
    let crumbs: Vec<Crumb> = vec![
        ("Projects".to_owned(), Some("/".to_owned())),
        (project.clone(), Some(project_url(&project))),
        ("New environment".to_owned(), None),
    ];
    let content = match chosen {
        None => choose_template(&project, &overview.templates, draft.template.as_deref()),
        Some(template) => {
            let mut validation = api::environments::validate_environment(
                &app,
                &caller,
                &project,
                draft.input(template),
            )
            .await
            .map_err(|e| PageError::new(e, &caller))?;
            // Sizes that are not numbers never reach the API.
            let unreadable = draft.resources().1;
            if !unreadable.is_empty() {
                validation.ok = false;
                validation.problems.extend(unreadable);
            }
            settings(&project, template, &draft, &validation)
        }
    };
    Ok(layout::page_with(
        "New environment",
        Some(&caller),
        Section::Projects,
        &crumbs,
        &[&assets::WIZARD_JS],
        content,
    ))
}

/// Step 2 without a template: the templates as cards.
fn choose_template(project: &str, templates: &[Template], unknown: Option<&str>) -> Markup {
    html! {
        div.page-head { div { h1 { "New environment in " (project) } p.sub { "Step 2 of 3: choose what to create." } } }
        (steps(2))
        @if let Some(name) = unknown {
            div.notice.bad role="alert" {
                p { "Project " code { (project) } " has no template " code { (name) } "." }
                p.muted { "Choose one of its templates below." }
            }
        }
        @if templates.is_empty() {
            div.panel.empty {
                p { "Project " (project) " has no templates." }
                p.muted { "A template is an environment of the project's `.mirage` files marked `template`; the platform team adds them." }
            }
        } @else {
            h2 #templates { "Templates" }
            ul.grid.wizard-choices {
                @for template in templates {
                    li.card {
                        h3 { a href={ (wizard_url(project)) "?template=" (segment(&template.name)) } { (template.name) } }
                        dl {
                            dt { "Services" } dd { (template.services.len()) ": " (template.services.join(", ")) }
                            dt { "TTL" } dd {
                                @match template.ttl_seconds {
                                    Some(ttl) => (layout::duration(ttl)),
                                    None => "none",
                                }
                                " (at most " (layout::duration(template.max_ttl_seconds)) ")"
                            }
                            dt { "Variables" } dd {
                                (template.variables.len()) " you may set"
                                @let secrets = template.variables.iter().filter(|v| v.secret).count();
                                @if secrets > 0 { ", " (secrets) " secret" @if secrets != 1 { "s" } }
                            }
                        }
                        footer {
                            a.btn.small.primary href={ (wizard_url(project)) "?template=" (segment(&template.name)) } {
                                "Use " (template.name)
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The problems of `validation` about `field`.
fn problems_of<'a>(validation: &'a Validation, field: &str) -> Vec<&'a Value> {
    validation
        .problems
        .iter()
        .filter(|p| p["field"].as_str().unwrap_or("") == field)
        .collect()
}

/// The slot under a field where its problems are shown (by the server
/// here, by the script as you type).
fn problem_slot(field: &str, problems: &[&Value]) -> Markup {
    html! {
        div.problem id={ "problem-" (field) } data-problems=(field) aria-live="polite" {
            @for problem in problems {
                p {
                    span aria-hidden="true" { "✕ " }
                    (problem["message"].as_str().unwrap_or_default())
                    " " code.error-code { (problem["code"].as_str().unwrap_or_default()) }
                    @if let Some(help) = problem["help"].as_str().filter(|h| !h.is_empty()) {
                        br; span.hint { (help) }
                    }
                }
            }
        }
    }
}

/// Hours of `seconds`, at least 1.
fn hours(seconds: u64) -> u64 {
    (seconds / 3600).max(1)
}

/// Steps 2 (services) and 3 (settings, preview, create) of `template`.
fn settings(project: &str, template: &Template, draft: &Draft, validation: &Validation) -> Markup {
    // An untouched name is not yet a problem.
    let show_name = draft.check || !draft.name.is_empty();
    let fields = [
        "name",
        "variables",
        "ttl",
        "services",
        "template",
        "resources",
    ];
    let others: Vec<&Value> = validation
        .problems
        .iter()
        .filter(|p| !fields.contains(&p["field"].as_str().unwrap_or("")))
        .collect();
    let name_problems = if show_name {
        problems_of(validation, "name")
    } else {
        Vec::new()
    };
    let preview = validation.preview.as_ref();
    let max_hours = hours(template.max_ttl_seconds);
    // `None`: no expiry — the template sets none and none was asked for
    // (the field left empty sends no `ttl`).
    let ttl_hours: Option<u64> = draft
        .ttl_hours
        .as_deref()
        .and_then(|h| h.parse().ok())
        .or(template.ttl_seconds.map(hours))
        .map(|h: u64| h.min(max_hours));
    let ttl_text = ttl_hours.map_or_else(|| "no expiry".to_owned(), |h| layout::duration(h * 3600));
    let ready = validation.ok && !draft.name.is_empty();
    html! {
        div.page-head { div { h1 { "New environment from " (template.name) } p.sub { "in " a href=(project_url(project)) { (project) } } } }
        (steps(3))
        form #wizard method="get" action=(wizard_url(project)) novalidate
            data-project=(project)
            data-template=(template.name)
            data-validate-url={ "/api/projects/" (segment(project)) "/environments/validate" }
            data-create-url={ "/api/projects/" (segment(project)) "/environments" }
            data-jobs-url={ (project_url(project)) "/jobs/" } {
            input type="hidden" name="template" value=(template.name);
            input type="hidden" name="pick" value="1";
            @if !others.is_empty() {
                div.notice.bad role="alert" {
                    @for problem in &others {
                        p { (problem["message"].as_str().unwrap_or_default()) " " code.error-code { (problem["code"].as_str().unwrap_or_default()) } }
                        p.muted { (problem["help"].as_str().unwrap_or_default()) }
                    }
                }
            }
            section.panel aria-labelledby="services-title" {
                h2 #services-title { "Services" }
                p.hint #services-hint {
                    "All of the template's services are selected. Deselecting a service also deselects the services that depend on it "
                    "(they cannot run without it); selecting one selects what it depends on."
                }
                fieldset.wizard-services aria-describedby="services-hint" {
                    legend.visually-hidden { "Services to create" }
                    @for service in preview.map(|p| p.services.as_slice()).unwrap_or_default() {
                        div.wizard-service {
                            input type="checkbox" name="services" value=(service.name)
                                id={ "service-" (service.name) }
                                data-depends=(service.depends_on.join(" "))
                                checked[service.selected];
                            label for={ "service-" (service.name) } {
                                strong { (service.name) }
                                @if let Some(source) = &service.source { " " span.muted { (source) } }
                                @if !service.depends_on.is_empty() {
                                    " " span.hint { "needs " (service.depends_on.join(", ")) }
                                }
                            }
                        }
                    }
                }
                p.hint #services-note aria-live="polite" {}
                (problem_slot("services", &problems_of(validation, "services")))
            }
            section.panel aria-labelledby="settings-title" {
                h2 #settings-title { "Settings" }
                div.field {
                    label for="env-name" { "Name" }
                    input #env-name type="text" name="name" value=(draft.name) autocomplete="off" spellcheck="false"
                        required maxlength="63" aria-describedby="name-hint problem-name"
                        aria-invalid=[(!name_problems.is_empty()).then_some("true")];
                    p.hint #name-hint { "Lowercase letters, digits and `-`, starting with a letter (it goes into the environment's domains)." }
                    (problem_slot("name", &name_problems))
                }
                @if !template.variables.is_empty() {
                    fieldset.wizard-variables {
                        legend { "Variables" }
                        p.hint { "Leave a field empty to keep the template's value." }
                        @for variable in &template.variables {
                            @let id = format!("var-{}", variable.name);
                            @let default = preview.and_then(|p| p.variables.iter().find(|v| v.name == variable.name)).map(|v| v.default.clone()).unwrap_or_default();
                            div.field {
                                label for=(id) {
                                    code { (variable.name) }
                                    @if variable.secret { " " span.badge { "secret" } }
                                }
                                @if variable.secret {
                                    // No `name`: never in the page's address,
                                    // never shown back.
                                    input id=(id) type="password" autocomplete="off" spellcheck="false"
                                        data-variable=(variable.name) data-secret="1" placeholder="env:NAME"
                                        aria-describedby={ (id) "-hint" };
                                    p.hint id={ (id) "-hint" } {
                                        "A reference to the secret, never its value: " code { "env:NAME" } ", " code { "vault:mount/path#key" } " or " code { "store:name" } "."
                                        " Set with the script only, so it never travels in the page's address."
                                    }
                                } @else {
                                    input id=(id) type="text" name={ "var." (variable.name) } autocomplete="off" spellcheck="false"
                                        data-variable=(variable.name)
                                        value=[draft.variables.get(&variable.name)]
                                        placeholder=(default)
                                        aria-describedby={ (id) "-hint" };
                                    p.hint id={ (id) "-hint" } {
                                        "Template's value: " code { (default) }
                                        @if !variable.services.is_empty() { " (used by " (variable.services.join(", ")) ")" }
                                    }
                                }
                            }
                        }
                        (problem_slot("variables", &problems_of(validation, "variables")))
                    }
                }
                (resources(draft, preview, &problems_of(validation, "resources")))
                div.field {
                    label for="ttl" { "Time to live (hours)" }
                    div.wizard-ttl {
                        input #ttl-range type="range" min="1" max=(max_hours) step="1" value=(ttl_hours.unwrap_or(max_hours))
                            aria-label="Time to live, hours" aria-describedby="ttl-text" data-sync="ttl";
                        input #ttl type="number" name="ttl" min="1" max=(max_hours) step="1" value=[ttl_hours]
                            placeholder=[template.ttl_seconds.is_none().then_some("no expiry")]
                            inputmode="numeric" aria-describedby="ttl-text ttl-hint problem-ttl";
                    }
                    p.hint #ttl-text aria-live="polite" { (ttl_text) }
                    p.hint #ttl-hint {
                        "At most " (layout::duration(template.max_ttl_seconds)) " (the template's limit); then it is destroyed unless extended."
                        @if template.ttl_seconds.is_none() { " Leave it empty for no expiry: the template sets none." }
                    }
                    (problem_slot("ttl", &problems_of(validation, "ttl")))
                }
                (problem_slot("template", &problems_of(validation, "template")))
                div.actions {
                    button.btn type="submit" name="check" value="1" { "Check" }
                    a.btn href=(wizard_url(project)) { "Choose another template" }
                }
            }
            (summary(project, draft, preview, &ttl_text))
            section.panel aria-labelledby="create-title" {
                h2 #create-title { "Create" }
                p #create-status role="status" {
                    @if ready { span.status.ok { span aria-hidden="true" { "✓ " } "No problems: ready to create." } }
                    @else if show_name { span.status.bad { span aria-hidden="true" { "✕ " } "Fix the problems above first." } }
                    @else { "Give the environment a name." }
                }
                button.btn.primary #create type="button" hidden { "Create environment" }
                noscript {
                    p.muted {
                        "Creating needs JavaScript (pages never write): the button sends the API's create, "
                        code { "POST /api/projects/" (project) "/environments" } ", with your session's token."
                    }
                }
            }
        }
    }
}

// ------------------------------------------------- resources (room `resources`)

/// One size of one service: a slider and a number kept together (by the
/// script), the value in words.
struct Slider<'a> {
    service: &'a str,
    kind: &'a str,
    label: &'a str,
    min: String,
    max: String,
    step: &'a str,
    value: String,
    typed: Option<String>,
    unit: &'a str,
    text: String,
}

fn slider(s: &Slider<'_>) -> Markup {
    let id = format!("res-{}-{}", s.service, s.kind);
    html! {
        div.field {
            label for=(id) { (s.label) " of " code { (s.service) } " (" (s.unit) ")" }
            div.wizard-ttl {
                input type="range" min=(s.min) max=(s.max) step=(s.step) value=(s.value)
                    aria-label={ (s.label) " of " (s.service) ", " (s.unit) }
                    aria-describedby={ (id) "-text" } data-resource-range=(id);
                input id=(id) type="number" name={ "res." (s.service) "." (s.kind) }
                    min=(s.min) max=(s.max) step=(s.step) value=(s.typed.clone().unwrap_or_else(|| s.value.clone()))
                    data-resource=(s.service) data-resource-kind=(s.kind) data-default=(s.value)
                    inputmode="decimal" aria-describedby={ (id) "-text problem-resources" };
            }
            p.hint id={ (id) "-text" } aria-live="polite" data-resource-text=(s.unit) { (s.text) }
        }
    }
}

/// vCPUs as a number (`2`, `0.5`).
fn cpu_text(cpu: f64) -> String {
    format!("{cpu}")
}

/// The sizes of the selected services, each bounded by what the
/// template gives it (validate's preview).
fn resources(draft: &Draft, preview: Option<&CreatePreview>, problems: &[&Value]) -> Markup {
    let list: &[ServiceResources] = preview.map(|p| p.resources.as_slice()).unwrap_or_default();
    // As typed; a memory size with its unit in megabytes, as the field
    // takes it.
    let typed = |service: &str, kind: &str| {
        let value = draft.resources.get(service).and_then(|k| k.get(kind))?;
        if kind == "memory" && !value.chars().all(|c| c.is_ascii_digit()) {
            return crate::resolve::value::parse_size(value)
                .ok()
                .map(|bytes| (bytes / 1_000_000).to_string());
        }
        Some(value.clone())
    };
    html! {
        @if !list.is_empty() {
            fieldset.wizard-resources #resources {
                legend { "Resources" }
                p.hint { "Each service may have at most what the template gives it: the template's values are the maximum." }
                @for r in list {
                    @if r.replicas_per_region {
                        p.hint { code { (r.service) } ": " (r.max_replicas) " replicas placed per region by the template (not changed here)." }
                    } @else {
                        (slider(&Slider {
                            service: &r.service, kind: "replicas", label: "Replicas", unit: "replicas",
                            min: "0".into(), max: r.max_replicas.to_string(), step: "1",
                            value: r.replicas.to_string(), typed: typed(&r.service, "replicas"),
                            text: format!("{} replica{} (at most {})", r.replicas, if r.replicas == 1 { "" } else { "s" }, r.max_replicas),
                        }))
                    }
                    @if r.cpu_limited {
                        @let cpu = r.cpu.unwrap_or(r.max_cpu);
                        (slider(&Slider {
                            service: &r.service, kind: "cpu", label: "CPU limit", unit: "vCPUs",
                            min: "0.1".into(), max: cpu_text(r.max_cpu), step: "0.1",
                            value: cpu_text(cpu), typed: typed(&r.service, "cpu"),
                            text: format!("{} vCPUs (at most {})", cpu_text(cpu), cpu_text(r.max_cpu)),
                        }))
                    }
                    @if r.memory_limited {
                        @let memory = r.memory_bytes.unwrap_or(r.max_memory_bytes);
                        (slider(&Slider {
                            service: &r.service, kind: "memory", label: "Memory limit", unit: "MB",
                            min: "1".into(), max: (r.max_memory_bytes / 1_000_000).max(1).to_string(), step: "1",
                            value: (memory / 1_000_000).max(1).to_string(), typed: typed(&r.service, "memory"),
                            text: format!("{} (at most {})", size_text(memory), size_text(r.max_memory_bytes)),
                        }))
                    }
                }
                (problem_slot("resources", problems))
            }
        } @else if !problems.is_empty() {
            // No selected service to size: the problems still show.
            (problem_slot("resources", problems))
        }
    }
}

/// What will be created: services, variables overridden, TTL.
fn summary(
    project: &str,
    draft: &Draft,
    preview: Option<&CreatePreview>,
    ttl_text: &str,
) -> Markup {
    let services: Vec<&str> = preview
        .map(|p| {
            p.services
                .iter()
                .filter(|s| s.selected)
                .map(|s| s.name.as_str())
                .collect()
        })
        .unwrap_or_default();
    html! {
        section.panel #preview aria-labelledby="preview-title" {
            h2 #preview-title { "What will be created" }
            dl.wizard-preview {
                dt { "Environment" }
                dd data-preview="name" {
                    @if draft.name.is_empty() { span.muted { "(no name yet)" } } @else { code { (draft.name) } }
                    " in " (project)
                }
                dt { "Services" }
                dd data-preview="services" {
                    @if services.is_empty() { span.muted { "none" } } @else { (services.join(", ")) }
                }
                dt { "Variables overridden" }
                dd data-preview="variables" {
                    @if draft.variables.is_empty() { span.muted { "none: the template's values" } }
                    @else {
                        @for (i, name) in draft.variables.keys().enumerate() {
                            @if i > 0 { ", " } code { (name) }
                        }
                    }
                }
                dt { "Time to live" }
                dd data-preview="ttl" { (ttl_text) }
            }
        }
    }
}

// ------------------------------------------------------------------- jobs

/// `GET /projects/{p}/jobs/{id}`: a job's progress, live.
async fn job_page(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path((project, job)): Path<(String, String)>,
) -> PageResult {
    api::allow(&caller, Action::Read, &project)
        .await
        .map_err(|e| PageError::new(e, &caller))?;
    let view = api::environments::job_status(&app, &caller, &job)
        .await
        .map_err(|e| PageError::new(e, &caller))?;
    let title = format!("Job {}", view.progress.job);
    Ok(layout::page_with(
        &title,
        Some(&caller),
        Section::Projects,
        &[
            ("Projects".to_owned(), Some("/".to_owned())),
            (project.clone(), Some(project_url(&project))),
            (title.clone(), None),
        ],
        &[&assets::WIZARD_JS],
        progress(&project, &view),
    ))
}

/// A job state in words, with a symbol.
fn state_of(state: JobState) -> Markup {
    let (class, symbol, word) = match state {
        JobState::Queued => ("warn", "◌", "queued"),
        JobState::Running => ("warn", "◌", "running"),
        JobState::Done => ("ok", "✓", "done"),
        JobState::Failed => ("bad", "✕", "failed"),
        JobState::Superseded => ("none", "–", "superseded"),
    };
    html! { span.status.(class) data-job-state=(word) { span aria-hidden="true" { (symbol) " " } (word) } }
}

fn progress(project: &str, view: &JobView) -> Markup {
    let progress = &view.progress;
    // The last word of each resource, in the order they first appear.
    let mut resources: Vec<(&str, &str)> = Vec::new();
    for event in &progress.events {
        if let Some(resource) = event.resource.as_deref() {
            match resources.iter_mut().find(|(r, _)| *r == resource) {
                Some(entry) => entry.1 = &event.message,
                None => resources.push((resource, &event.message)),
            }
        }
    }
    // The codes of the job's errors (`code: message`), for their help.
    let helps: Vec<(&str, &str)> = progress
        .events
        .iter()
        .filter(|e| e.kind == "error")
        .filter_map(|e| e.message.split_once(": ").map(|(code, _)| code))
        .filter_map(|code| crate::diagnostic::codes::lookup(code).map(|c| (c.code, c.help)))
        .collect();
    let environment = progress
        .result
        .as_ref()
        .and_then(|r| r.environment.as_deref());
    let what = match progress.kind.as_str() {
        "create" => "Creating an environment",
        "destroy" => "Destroying an environment",
        "apply" => "Applying the project",
        _ => "A job",
    };
    html! {
        div.page-head {
            div {
                h1 { (what) }
                p.sub { "Job " (progress.job) " of " (project) ": " (state_of(progress.state)) }
            }
        }
        @if !view.finished {
            noscript { meta http-equiv="refresh" content="5"; }
        }
        div #job data-job=(progress.job) data-events=(view.links.events)
            data-finished=(if view.finished { "1" } else { "0" }) {
            @match progress.state {
                JobState::Done => {
                    div.notice role="status" {
                        p { span.status.ok { span aria-hidden="true" { "✓ " } "Done" } ": "
                            (progress.result.as_ref().map_or("", |r| r.summary.as_str())) }
                        @if let Some(environment) = environment {
                            p { a.btn.primary href=(environment_url(project, environment)) { "Open environment " (environment) } }
                        }
                    }
                }
                JobState::Failed | JobState::Superseded => {
                    div.notice.bad role="alert" {
                        p { strong { "The job " (if progress.state == JobState::Failed { "failed" } else { "was superseded" }) "." } }
                        @if let Some(error) = &progress.error { p { (error) } }
                        @for (code, help) in &helps {
                            p { code.error-code { (code) } ": " (help) }
                        }
                        p.muted {
                            "What to do next: fix the cause above, then "
                            a href=(wizard_url(project)) { "create it again" }
                            " (destroy what was left half-made from the project page first, if any)."
                        }
                    }
                }
                _ => {
                    p.muted #job-live role="status" { "Working… this page follows the job as it goes." }
                }
            }
            h2 { "Resources" }
            div.panel.table-wrap {
                table {
                    caption.visually-hidden { "The job's resources and their last step" }
                    thead { tr { th scope="col" { "Resource" } th scope="col" { "Last step" } } }
                    tbody #job-resources {
                        @if resources.is_empty() { tr { td colspan="2" .muted { "None yet." } } }
                        @for (resource, message) in &resources {
                            tr data-resource=(resource) { th scope="row" { (resource) } td { (message) } }
                        }
                    }
                }
            }
            h2 { "Events" }
            ol.wizard-events #job-events {
                @for event in &progress.events {
                    @if event.kind != "result" {
                        li data-kind=(event.kind) {
                            span.badge { (event.kind) } " "
                            @if let Some(resource) = &event.resource { strong { (resource) } " — " }
                            (event.message)
                        }
                    }
                }
            }
        }
    }
}
