//! `mirage serve`'s JSON API for projects, environments and jobs over
//! real HTTP: a started `serve::start` with the real `Lifecycle` on the
//! emulator, bearer JWTs of the real `oidc-provider` and real API tokens
//! (the helpers of [`crate::serve_identity`]). An environment created,
//! streamed, shown, extended, refused to another member and destroyed;
//! every problem of a bad request at once; plan/apply/stats as admin; the
//! policy matrix of every endpoint here (owner-sensitive rows included);
//! the OpenAPI document against the router.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::preview::{context, environment, everything_but_previews, shop};
use crate::serve_identity::{
    AUDIENCE, Answer, Endpoint, assert_error_shape, audit_count, call, jwt, provider, token_for,
    user,
};
use crate::support::{STRIPE, World, serve_config};
use mirage::auth::{OidcConfig, Role, WebhookSecret};
use mirage::serve::{
    self, Cancel, Config, Lifecycle, PreviewError, PreviewFuture, PreviewTarget, Previews, Running,
};
use mirage::state::{
    AuditFilter, AuditOutcome, FixedClock, Location, NewJob, NewServeEnvironment, Store, Timestamp,
};

const PROJECT: &str = "acme-shop";
/// Served too (the API answers for it), without files here.
const OTHER: &str = "other-shop";

fn config_for(dir: &Path, issuer: &str) -> Config {
    let mut config = serve_config(dir, PROJECT);
    config.api_projects = vec![OTHER.to_owned()];
    config.oidc = Some(OidcConfig::new(issuer, AUDIENCE));
    config
}

fn lifecycle(world: &World) -> Lifecycle {
    let clock = Arc::new(FixedClock::at(Timestamp::now()));
    Lifecycle::new(
        context(world, clock),
        world.path(),
        mirage::github::ClientOptions::default(),
    )
    .with_wait(Duration::from_secs(60))
}

/// The real engine for the API's reads, but jobs are never run (they
/// fail at once): the policy matrix queues many and must not touch
/// Railway. The end-to-end tests use [`Lifecycle`] itself.
struct Parked(Lifecycle);

fn parked<'a>() -> PreviewFuture<'a> {
    Box::pin(async { Err(PreviewError::permanent("parked by the test")) })
}

impl Previews for Parked {
    fn up<'a>(&'a self, _: &'a PreviewTarget, _: &'a Cancel) -> PreviewFuture<'a> {
        parked()
    }
    fn down<'a>(&'a self, _: &'a PreviewTarget, _: &'a Cancel) -> PreviewFuture<'a> {
        parked()
    }
    fn gc<'a>(&'a self, _: &'a Cancel) -> PreviewFuture<'a> {
        parked()
    }
    fn refresh_comment<'a>(&'a self, _: &'a PreviewTarget, _: &'a Cancel) -> PreviewFuture<'a> {
        parked()
    }
    fn environment_job<'a>(
        &'a self,
        _: &'a mirage::state::Job,
        _: &'a Cancel,
    ) -> PreviewFuture<'a> {
        parked()
    }
    fn engine(&self) -> Option<(&mirage::engine::Context, &Path)> {
        self.0.engine()
    }
}

/// A request with headers; the answer with its headers.
async fn raw(
    running: &Running,
    method: &str,
    path: &str,
    bearer: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> (u16, reqwest::header::HeaderMap, String) {
    let mut request = reqwest::Client::new()
        .request(
            method.parse().unwrap(),
            format!("http://{}{path}", running.addr()),
        )
        .header("authorization", format!("Bearer {bearer}"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    let response = tokio::time::timeout(Duration::from_secs(120), request.send())
        .await
        .expect("answered in time")
        .expect("request");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = tokio::time::timeout(Duration::from_secs(120), response.text())
        .await
        .expect("the body in time")
        .unwrap_or_default();
    (status, headers, text)
}

/// Server-sent events of a body: (event, id, data).
fn events_of(text: &str) -> Vec<(String, Option<i64>, Value)> {
    let mut out = Vec::new();
    for block in text.split("\n\n") {
        let (mut event, mut id, mut data) = (String::new(), None, String::new());
        for line in block.lines() {
            if let Some(v) = line.strip_prefix("event:") {
                event = v.trim().to_owned();
            } else if let Some(v) = line.strip_prefix("id:") {
                id = v.trim().parse().ok();
            } else if let Some(v) = line.strip_prefix("data:") {
                data += v.trim();
            }
        }
        if !event.is_empty() {
            out.push((
                event,
                id,
                serde_json::from_str(&data).unwrap_or(Value::Null),
            ));
        }
    }
    out
}

/// Polls `GET /api/jobs/{job}` until it has finished; its last answer.
pub(crate) async fn finished(running: &Running, bearer: &str, job: i64) -> Value {
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let answer = call(
            running,
            "GET",
            &format!("/api/jobs/{job}"),
            Some(bearer),
            None,
        )
        .await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        if answer.body["finished"] == true {
            return answer.body;
        }
        assert!(Instant::now() < deadline, "job {job}: {}", answer.text);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// What a refused call must leave alone: serve-created environments
/// (owner, deadline), TTLs and every job.
fn snapshot(store: &Store) -> String {
    let mut out = String::new();
    for project in [PROJECT, OTHER] {
        for e in store.serve_environments(project).unwrap() {
            out += &format!(
                "env {project} {} {} {:?} {:?}\n",
                e.environment,
                e.owner,
                e.expires_at,
                store.ttl(project, &e.environment).unwrap()
            );
        }
        out += &format!("jobs {project} {}\n", store.jobs(project).unwrap().len());
    }
    out
}

fn actions(store: &Store, outcome: AuditOutcome) -> Vec<(String, String)> {
    store
        .audit(&AuditFilter {
            outcome: Some(outcome),
            limit: 1000,
            ..AuditFilter::default()
        })
        .unwrap()
        .into_iter()
        .map(|r| (r.entry.action, r.entry.summary))
        .collect()
}

fn create_body(name: &str) -> Value {
    json!({
        "template": "pr",
        "name": name,
        "variables": {
            "PREVIEW_URL": format!("https://{name}.shop.example"),
            "STRIPE_KEY": { "secret": "env:STRIPE_KEY" },
        },
        "ttl": "2h",
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn an_environment_through_the_api_created_streamed_extended_refused_and_destroyed() {
    let Some(provider) = provider() else { return };
    let world = shop().await;
    let running = serve::start(
        config_for(&world.path(), &provider.issuer),
        Arc::new(lifecycle(&world)),
    )
    .await
    .expect("serve starts");
    let store = running.store().clone();
    let jwt = jwt(&provider, AUDIENCE).await;
    let ci = user(&store, "mirage-ci");
    store.set_member(PROJECT, &ci, "member", None).unwrap();
    let bob = user(&store, "bob");
    store.set_member(PROJECT, &bob, "member", None).unwrap();
    let (_, bob_token) = token_for(&store, &bob, PROJECT, "member");
    let before = everything_but_previews(&world).await;

    // Create: 202, the job, where to follow it.
    let (status, headers, text) = raw(
        &running,
        "POST",
        "/api/projects/acme-shop/environments",
        &jwt,
        &[],
        Some(&create_body("ci-checkout")),
    )
    .await;
    assert_eq!(status, 202, "{text}");
    let accepted: Value = serde_json::from_str(&text).unwrap();
    let job = accepted["job"].as_i64().expect("a job");
    assert_eq!(accepted["environment"], "ci-checkout");
    assert_eq!(accepted["owner"], ci.as_str());
    assert!(accepted["expires_at"].as_i64().is_some(), "{text}");
    assert_eq!(
        accepted["links"]["events"],
        format!("/api/jobs/{job}/events")
    );
    assert_eq!(
        headers.get("location").and_then(|v| v.to_str().ok()),
        Some(format!("/api/jobs/{job}").as_str())
    );

    // Its events, streamed until it ends; then resumed after event 3.
    let (status, headers, text) = raw(
        &running,
        "GET",
        &format!("/api/jobs/{job}/events"),
        &jwt,
        &[],
        None,
    )
    .await;
    assert_eq!(status, 200, "{text}");
    assert!(
        headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/event-stream"))
    );
    let events = events_of(&text);
    let kinds: Vec<&str> = events.iter().map(|(k, _, _)| k.as_str()).collect();
    assert!(kinds.contains(&"done"), "{kinds:?}");
    assert_eq!(kinds.last(), Some(&"end"), "{kinds:?}");
    assert_eq!(events.last().unwrap().2["state"], "done", "{text}");
    assert!(!text.contains(STRIPE), "no secret in the events");
    let (_, _, resumed) = raw(
        &running,
        "GET",
        &format!("/api/jobs/{job}/events"),
        &jwt,
        &[("last-event-id", "3")],
        None,
    )
    .await;
    assert_eq!(events_of(&resumed).first().and_then(|e| e.1), Some(4));
    let status = call(
        &running,
        "GET",
        &format!("/api/jobs/{job}"),
        Some(&jwt),
        None,
    )
    .await;
    assert_eq!(status.body["state"], "done", "{}", status.text);
    assert!(status.body["result"]["created"].as_u64().unwrap_or(0) >= 5);

    // On Railway; in the overview with its owner; cached with an ETag.
    let id = environment(&world, "ci-checkout").await.expect("created");
    let (status, headers, text) =
        raw(&running, "GET", "/api/projects/acme-shop", &jwt, &[], None).await;
    assert_eq!(status, 200, "{text}");
    let overview: Value = serde_json::from_str(&text).unwrap();
    let shown = overview["environments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "ci-checkout")
        .expect("listed")
        .clone();
    assert_eq!(shown["owner"], ci.as_str());
    assert_eq!(shown["id"], id.as_str());
    assert_eq!(shown["kind"], "serve-created");
    assert!(
        headers["cache-control"]
            .to_str()
            .unwrap()
            .starts_with("private, max-age=")
    );
    let etag = headers["etag"].to_str().unwrap().to_owned();
    let (status, _, _) = raw(
        &running,
        "GET",
        "/api/projects/acme-shop",
        &jwt,
        &[("if-none-match", &etag)],
        None,
    )
    .await;
    assert_eq!(status, 304);
    let list = call(&running, "GET", "/api/projects", Some(&jwt), None).await;
    assert_eq!(list.status, 200, "{}", list.text);
    let projects = list.body["projects"].as_array().unwrap();
    assert_eq!(projects.len(), 1, "no role in {OTHER}: {}", list.text);
    assert_eq!(projects[0]["name"], PROJECT);
    assert_eq!(projects[0]["role"], "member");
    assert!(projects[0]["counts"]["environments"].as_u64().unwrap() >= 3);
    let templates = call(
        &running,
        "GET",
        "/api/projects/acme-shop/templates",
        Some(&jwt),
        None,
    )
    .await;
    assert_eq!(
        templates.body["templates"][0]["name"], "pr",
        "{}",
        templates.text
    );

    // Extended by its owner.
    let extend = "/api/projects/acme-shop/environments/ci-checkout/extend";
    let extended = call(
        &running,
        "POST",
        extend,
        Some(&jwt),
        Some(&json!({ "ttl": 3600 })),
    )
    .await;
    assert_eq!(extended.status, 200, "{}", extended.text);
    let deadline = extended.body["expires_at"].as_i64().unwrap();
    assert!(
        (deadline - (Timestamp::now().0 + 3600)).abs() < 60,
        "{deadline}"
    );

    // Another member: as if it did not exist, and nothing changes.
    let unchanged = snapshot(&store);
    let path = "/api/projects/acme-shop/environments/ci-checkout";
    for (method, path, body) in [
        ("DELETE", path, None),
        ("POST", extend, Some(json!({ "ttl": 60 }))),
    ] {
        let answer = call(&running, method, path, Some(&bob_token), body.as_ref()).await;
        assert_error_shape(&answer, 404);
    }
    assert_eq!(snapshot(&store), unchanged);
    assert!(environment(&world, "ci-checkout").await.is_some());

    // Its owner destroys it: gone, everything else as it was.
    let answer = call(&running, "DELETE", path, Some(&jwt), None).await;
    assert_eq!(answer.status, 202, "{}", answer.text);
    let destroy = answer.body["job"].as_i64().unwrap();
    let done = finished(&running, &jwt, destroy).await;
    assert_eq!(done["state"], "done", "{done}");
    assert_eq!(environment(&world, "ci-checkout").await, None);
    assert_eq!(everything_but_previews(&world).await, before);
    assert!(
        store
            .serve_environment(PROJECT, "ci-checkout")
            .unwrap()
            .is_none()
    );

    // The audit log: each change, with no secret; the refusals.
    let changes = actions(&store, AuditOutcome::Ok);
    for action in [
        "environment.create",
        "environment.extend",
        "environment.destroy",
    ] {
        assert!(
            changes.iter().any(|(a, _)| a == action),
            "{action}: {changes:?}"
        );
    }
    assert!(changes.iter().all(|(_, s)| !s.contains(STRIPE)));
    let refusals = actions(&store, AuditOutcome::Refused);
    assert!(
        refusals
            .iter()
            .filter(|(a, _)| a == "authorize.destroy_environment"
                || a == "authorize.change_environment")
            .count()
            >= 2,
        "{refusals:?}"
    );
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_request_answers_every_problem_at_once_and_records_nothing() {
    let Some(provider) = provider() else { return };
    let world = shop().await;
    let running = serve::start(
        config_for(&world.path(), &provider.issuer),
        Arc::new(Parked(lifecycle(&world))),
    )
    .await
    .expect("serve starts");
    let store = running.store().clone();
    let jwt = jwt(&provider, AUDIENCE).await;
    let ci = user(&store, "mirage-ci");
    store.set_member(PROJECT, &ci, "member", None).unwrap();
    let before = snapshot(&store);
    let answer = call(
        &running,
        "POST",
        "/api/projects/acme-shop/environments",
        Some(&jwt),
        Some(&json!({
            "template": "nope",
            "name": "Bad_Name",
            "ttl": "forever",
        })),
    )
    .await;
    assert_error_shape(&answer, 422);
    assert_eq!(
        answer.body["error"]["code"],
        "mirage::serve::invalid_request"
    );
    let problems = answer.body["error"]["problems"]
        .as_array()
        .expect("problems");
    let fields: BTreeSet<&str> = problems
        .iter()
        .filter_map(|p| p["field"].as_str())
        .collect();
    assert_eq!(
        fields,
        BTreeSet::from(["name", "template", "ttl"]),
        "{}",
        answer.text
    );
    for problem in problems {
        for key in ["code", "message", "help"] {
            assert!(
                problem[key].as_str().is_some_and(|v| !v.is_empty()),
                "{problem}"
            );
        }
    }
    // A known template: its variables are checked too, with the name.
    let answer = call(
        &running,
        "POST",
        "/api/projects/acme-shop/environments",
        Some(&jwt),
        Some(&json!({
            "template": "pr",
            "name": "production",
            "variables": { "NOT_DECLARED": "x", "STRIPE_KEY": "in clear" },
            "ttl": 999_999_999,
        })),
    )
    .await;
    assert_error_shape(&answer, 422);
    let codes: BTreeSet<&str> = answer.body["error"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["code"].as_str())
        .collect();
    for code in [
        "mirage::serve::reserved_environment_name",
        "mirage::serve::unknown_variable",
        "mirage::serve::secret_in_clear",
        "mirage::serve::ttl_too_long",
    ] {
        assert!(codes.contains(code), "{code}: {}", answer.text);
    }
    assert!(
        !answer.text.contains("in clear"),
        "no value echoed: {}",
        answer.text
    );
    // Not JSON at all: 400 in the one shape.
    let answer = call(
        &running,
        "POST",
        "/api/projects/acme-shop/environments",
        Some(&jwt),
        Some(&json!(["not", "an", "object"])),
    )
    .await;
    assert_error_shape(&answer, 400);
    assert_eq!(snapshot(&store), before, "nothing recorded, nothing queued");
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn plan_apply_and_statistics_are_an_admins() {
    let Some(provider) = provider() else { return };
    let world = shop().await;
    let running = serve::start(
        config_for(&world.path(), &provider.issuer),
        Arc::new(lifecycle(&world)),
    )
    .await
    .expect("serve starts");
    let store = running.store().clone();
    let admin = user(&store, "alice");
    store.set_member(PROJECT, &admin, "admin", None).unwrap();
    let (_, admin_token) = token_for(&store, &admin, PROJECT, "admin");
    let member = user(&store, "bob");
    store.set_member(PROJECT, &member, "member", None).unwrap();
    let (_, member_token) = token_for(&store, &member, PROJECT, "member");
    let before = everything_but_previews(&world).await;

    for path in [
        "/api/projects/acme-shop/plan",
        "/api/projects/acme-shop/apply",
    ] {
        let answer = call(&running, "POST", path, Some(&member_token), None).await;
        assert_error_shape(&answer, 403);
    }
    let stats = call(
        &running,
        "GET",
        "/api/projects/acme-shop/stats",
        Some(&member_token),
        None,
    )
    .await;
    assert_error_shape(&stats, 403);

    let plan = call(
        &running,
        "POST",
        "/api/projects/acme-shop/plan",
        Some(&admin_token),
        None,
    )
    .await;
    assert_eq!(plan.status, 200, "{}", plan.text);
    assert!(plan.body["summary"].is_object(), "{}", plan.text);
    assert!(!plan.text.contains(STRIPE), "no secret in the plan");

    let (status, headers, text) = raw(
        &running,
        "POST",
        "/api/projects/acme-shop/apply",
        &admin_token,
        &[],
        Some(&json!({})),
    )
    .await;
    assert_eq!(status, 202, "{text}");
    let job = serde_json::from_str::<Value>(&text).unwrap()["job"]
        .as_i64()
        .unwrap();
    assert!(headers.get("location").is_some());
    let done = finished(&running, &admin_token, job).await;
    assert_eq!(done["state"], "done", "{done}");
    assert_eq!(
        everything_but_previews(&world).await,
        before,
        "nothing to change"
    );
    let applied = actions(&store, AuditOutcome::Ok);
    let (_, summary) = applied
        .iter()
        .find(|(a, _)| a == "project.apply")
        .expect("the apply audited");
    assert!(summary.contains("plan"), "{summary}");
    assert!(!summary.contains(STRIPE));

    let stats = call(
        &running,
        "GET",
        "/api/projects/acme-shop/stats",
        Some(&admin_token),
        None,
    )
    .await;
    assert_eq!(stats.status, 200, "{}", stats.text);
    let by_type = &stats.body["environments_by_type"];
    assert_eq!(by_type["production"], 1, "{}", stats.text);
    assert!(stats.body["previews_alive"].is_u64());
    let days = stats.body["applies_per_day"].as_array().unwrap();
    let applies: u64 = days
        .iter()
        .flat_map(|d| d["outcomes"].as_object().unwrap().values())
        .filter_map(Value::as_u64)
        .sum();
    // The fixture's `mirage apply` (serve's changed nothing, so it left
    // no history; its job is counted below).
    assert!(applies >= 1, "{}", stats.text);
    assert_eq!(stats.body["jobs"]["apply"]["done"], 1, "{}", stats.text);
    assert!(stats.body["railway"]["requests"].as_u64().unwrap() > 0);
    running.shutdown().await;
}

// ------------------------------------------------------------ the matrix

/// The rows of this API, in the identity matrix's shape: `{p}` the
/// project asked about, `{e}` an environment of it made through serve —
/// the caller's own or someone else's on owner-sensitive rows — and `{j}`
/// a job of it.
pub fn endpoints() -> Vec<Endpoint> {
    use Role::{Admin, Member, Viewer};
    let row = |method, path, body, minimum, owner_sensitive, ok, changes| Endpoint {
        method,
        path,
        body,
        minimum,
        owner_sensitive,
        ok,
        changes,
    };
    vec![
        row("GET", "/api/projects", None, None, false, 200, false),
        row(
            "GET",
            "/api/projects/{p}",
            None,
            Some(Viewer),
            false,
            200,
            false,
        ),
        row(
            "GET",
            "/api/projects/{p}/templates",
            None,
            Some(Viewer),
            false,
            200,
            false,
        ),
        row(
            "POST",
            "/api/projects/{p}/environments",
            Some(|| {
                json!({
                    "template": "pr",
                    "name": format!("m-{:08x}", fastrand::u32(..)),
                    "ttl": 600,
                })
            }),
            Some(Member),
            false,
            202,
            true,
        ),
        // Room `api` (issue #18): validate is authorized as create and
        // changes nothing.
        row(
            "POST",
            "/api/projects/{p}/environments/validate",
            Some(|| json!({ "template": "pr", "name": "m-valid", "ttl": 600 })),
            Some(Member),
            false,
            200,
            false,
        ),
        row(
            "DELETE",
            "/api/projects/{p}/environments/{e}",
            None,
            Some(Member),
            true,
            202,
            true,
        ),
        row(
            "POST",
            "/api/projects/{p}/environments/{e}/extend",
            Some(|| json!({ "ttl": "1h" })),
            Some(Member),
            true,
            200,
            true,
        ),
        row(
            "GET",
            "/api/jobs/{j}",
            None,
            Some(Viewer),
            false,
            200,
            false,
        ),
        row(
            "GET",
            "/api/jobs/{j}/events",
            None,
            Some(Viewer),
            false,
            200,
            false,
        ),
        row(
            "POST",
            "/api/projects/{p}/plan",
            None,
            Some(Admin),
            false,
            200,
            false,
        ),
        row(
            "POST",
            "/api/projects/{p}/apply",
            None,
            Some(Admin),
            false,
            202,
            true,
        ),
        row(
            "GET",
            "/api/projects/{p}/stats",
            None,
            Some(Admin),
            false,
            200,
            false,
        ),
    ]
}

/// A finished job of `project`.
async fn finished_job(store: &Store, project: &str) -> i64 {
    let job = store
        .enqueue_job(&NewJob {
            project: project.to_owned(),
            queue: format!("{project}/fixture"),
            kind: "apply".to_owned(),
            payload: "{}".to_owned(),
            delivery: None,
            max_attempts: 1,
            event_time: None,
            coalesce: false,
            supersedes: Vec::new(),
            cancel_reason: String::new(),
        })
        .unwrap()
        .job()
        .unwrap();
    // The worker runs this service's project's jobs (parked: they fail);
    // another project's are claimed and finished here.
    if project != PROJECT
        && let Some(claim) = store
            .claim_job(project, "test", Duration::from_secs(60))
            .unwrap()
    {
        store
            .finish_job(&claim, mirage::state::JobState::Done, None)
            .unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while store.job(job).unwrap().unwrap().finished_at.is_none() {
        assert!(Instant::now() < deadline, "the fixture job never ended");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    job
}

/// Makes `own` (owned by `caller`) and `theirs` (by `other`) the only
/// environments serve made in the project.
fn environments(store: &Store, caller: &str, other: &str) {
    for e in store.serve_environments(PROJECT).unwrap() {
        store
            .forget_serve_environment(PROJECT, &e.environment)
            .unwrap();
    }
    for (name, owner) in [("own", caller), ("theirs", other)] {
        store
            .reserve_serve_environment(&NewServeEnvironment {
                project: PROJECT,
                environment: name,
                template: "pr",
                owner,
                expires_at: Some(store.now().add(Duration::from_secs(600))),
            })
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_policy_matrix_of_every_project_and_environment_endpoint() {
    let Some(provider) = provider() else { return };
    let world = shop().await;
    let running = serve::start(
        config_for(&world.path(), &provider.issuer),
        Arc::new(Parked(lifecycle(&world))),
    )
    .await
    .expect("serve starts");
    let store = running.store().clone();
    let jwt = jwt(&provider, AUDIENCE).await;
    let ci = user(&store, "mirage-ci");
    let maker = user(&store, "maker");
    let bob = user(&store, "bob");
    store.set_member(PROJECT, &bob, "member", None).unwrap();
    // Another admin: the caller's role can always be taken away.
    let alice = user(&store, "alice");
    store.set_member(PROJECT, &alice, "admin", None).unwrap();
    let jobs = BTreeMap::from([
        (PROJECT, finished_job(&store, PROJECT).await),
        (OTHER, finished_job(&store, OTHER).await),
    ]);
    let roles = [
        None,
        Some(Role::Viewer),
        Some(Role::Member),
        Some(Role::Admin),
    ];
    let (mut failures, mut cases) = (Vec::new(), 0);
    for endpoint in endpoints() {
        for role in roles {
            for via_token in [false, true] {
                let caller = if via_token { &maker } else { &ci };
                match role {
                    Some(role) => {
                        store
                            .set_member(PROJECT, caller, role.as_str(), None)
                            .unwrap();
                    }
                    None => {
                        let removed = store.remove_member(PROJECT, caller).unwrap();
                        assert!(
                            !matches!(removed, mirage::state::MemberChange::LastAdmin),
                            "{removed:?}"
                        );
                    }
                }
                let bearer = if via_token {
                    token_for(
                        &store,
                        caller,
                        PROJECT,
                        role.unwrap_or(Role::Admin).as_str(),
                    )
                    .1
                } else {
                    jwt.clone()
                };
                let owners: &[bool] = if endpoint.owner_sensitive {
                    &[true, false]
                } else {
                    &[true]
                };
                for project in [PROJECT, OTHER] {
                    if endpoint.minimum.is_none() && project == OTHER {
                        continue;
                    }
                    for &own in owners {
                        cases += 1;
                        environments(&store, caller, &bob);
                        let path = endpoint
                            .path
                            .replace("{p}", project)
                            .replace("{e}", if own { "own" } else { "theirs" })
                            .replace("{j}", &jobs[project].to_string());
                        let expected = match (endpoint.minimum, role) {
                            (None, _) => endpoint.ok,
                            (Some(_), None) => 404,
                            _ if project == OTHER => 404,
                            (Some(_), Some(Role::Member)) if endpoint.owner_sensitive && !own => {
                                404
                            }
                            (Some(minimum), Some(role)) if role >= minimum => endpoint.ok,
                            _ => 403,
                        };
                        let before = snapshot(&store);
                        let refused_before = audit_count(&store, AuditOutcome::Refused);
                        let ok_before = audit_count(&store, AuditOutcome::Ok);
                        let body = endpoint.body.map(|b| b());
                        let answer: Answer = call(
                            &running,
                            endpoint.method,
                            &path,
                            Some(&bearer),
                            body.as_ref(),
                        )
                        .await;
                        let case = format!(
                            "{} {path} as {role:?} via {}",
                            endpoint.method,
                            if via_token { "token" } else { "jwt" }
                        );
                        if answer.status != expected {
                            failures.push(format!(
                                "{case}: {} (wanted {expected}): {}",
                                answer.status, answer.text
                            ));
                            continue;
                        }
                        let allowed = expected == endpoint.ok;
                        if (!allowed || !endpoint.changes) && snapshot(&store) != before {
                            failures.push(format!("{case}: changed what it must not"));
                        }
                        if allowed && endpoint.changes && snapshot(&store) == before {
                            failures.push(format!("{case}: changed nothing"));
                        }
                        if expected >= 400 {
                            assert_error_shape(&answer, expected);
                            if audit_count(&store, AuditOutcome::Refused) <= refused_before {
                                failures.push(format!("{case}: the refusal was not audited"));
                            }
                        }
                        if allowed
                            && endpoint.changes
                            && audit_count(&store, AuditOutcome::Ok) <= ok_before
                        {
                            failures.push(format!("{case}: the change was not audited"));
                        }
                    }
                }
            }
        }
    }
    running.shutdown().await;
    assert!(cases > 100, "{cases} cases");
    assert!(
        failures.is_empty(),
        "{} of {cases} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ------------------------------------------------------------ OpenAPI

/// Every `.route("PATH", METHOD(…)…)` of serve's sources: (method, path).
fn routed() -> BTreeSet<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/serve");
    let mut files = vec![root.clone()];
    let mut routes = BTreeSet::new();
    while let Some(path) = files.pop() {
        // The dashboard's pages are HTML for people, not the API
        // (docs/serve.md, "The dashboard").
        if path.ends_with("web") {
            continue;
        }
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let mut rest = text.as_str();
        while let Some(at) = rest.find(".route(") {
            rest = &rest[at + ".route(".len()..];
            // The call's text: up to its closing parenthesis.
            let (mut depth, mut end) = (1, 0);
            for (i, c) in rest.char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                if depth == 0 {
                    end = i;
                    break;
                }
            }
            let call = &rest[..end];
            let Some(path) = call.split('"').nth(1) else {
                continue;
            };
            let methods = &call[call.find('"').unwrap() + path.len() + 2..];
            for method in ["get", "post", "put", "patch", "delete"] {
                let found = methods
                    .match_indices(&format!("{method}("))
                    .any(|(i, _)| i == 0 || !methods.as_bytes()[i - 1].is_ascii_alphanumeric());
                if found {
                    routes.insert((method.to_owned(), path.to_owned()));
                }
            }
        }
    }
    routes
}

fn documented(document: &Value) -> BTreeSet<(String, String)> {
    let mut operations = BTreeSet::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("a path item").keys() {
            operations.insert((method.clone(), path.clone()));
        }
    }
    operations
}

#[tokio::test]
async fn the_openapi_document_names_every_route_and_only_routes() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(
        "127.0.0.1:0".parse().unwrap(),
        Location::File(dir.path().join("state.db")),
        PROJECT,
        WebhookSecret::new("It's a Secret to Everybody").unwrap(),
    );
    serve::log::set_enabled(false);
    config.gc_every = None;
    // Every optional route switched on (off, they answer the fallback's
    // 404).
    config.railway_secret = Some(serve::UrlSecret::new("a-railway-url-secret-0123").unwrap());
    config.clerk_secret =
        Some(mirage::auth::SvixSecret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap());
    let running = serve::start(config, Arc::new(serve::Unwired))
        .await
        .expect("serve");
    // Served without credentials.
    let response = reqwest::get(format!("http://{}/api/openapi.json", running.addr()))
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let document: Value = response.json().await.unwrap();
    let routes = routed();
    assert!(routes.len() > 25, "{routes:?}");
    let documented = documented(&document);
    let undocumented: Vec<_> = routes.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&routes).collect();
    assert!(
        undocumented.is_empty(),
        "routes not in the document: {undocumented:?}"
    );
    assert!(unrouted.is_empty(), "documented, not routed: {unrouted:?}");
    // And the running router answers every documented operation (never
    // its fallback's `no such route`, never 405).
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for (method, path) in &documented {
        let concrete = path.replace("{project}", PROJECT).replace(['{', '}'], "");
        let response = client
            .request(
                method.to_uppercase().parse().unwrap(),
                format!("http://{}{concrete}", running.addr()),
            )
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        assert_ne!(status, 405, "{method} {path}");
        assert!(
            !text.contains("no such route"),
            "{method} {path}: {status} {text}"
        );
    }
    running.shutdown().await;
}

#[test]
fn the_openapi_document_is_well_formed() {
    let document = serve::api::openapi::document();
    assert_eq!(document["openapi"], "3.1.0");
    assert!(document["info"]["title"].is_string());
    let mut ids = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        let params: BTreeSet<&str> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
            .collect();
        for (method, operation) in item.as_object().unwrap() {
            let responses = operation["responses"].as_object().expect("responses");
            assert!(!responses.is_empty(), "{method} {path}");
            assert!(
                responses
                    .keys()
                    .any(|s| s.starts_with('2') || s.starts_with('3')),
                "{method} {path}: no success"
            );
            for response in responses.values() {
                assert!(
                    response["description"].is_string() || response["$ref"].is_string(),
                    "{method} {path}"
                );
            }
            assert!(ids.insert(operation["operationId"].as_str().unwrap().to_owned()));
            let declared: BTreeSet<&str> = operation["parameters"]
                .as_array()
                .map(|p| p.iter().filter_map(|p| p["name"].as_str()).collect())
                .unwrap_or_default();
            assert_eq!(declared, params, "{method} {path}");
        }
    }
    // Every `$ref` resolves.
    fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    if k == "$ref" {
                        out.push(v.as_str().unwrap());
                    } else {
                        refs(v, out);
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    refs(&document, &mut found);
    assert!(!found.is_empty());
    for reference in found {
        let pointer = reference.strip_prefix('#').expect("a local $ref");
        assert!(
            document.pointer(pointer).is_some(),
            "{reference} does not resolve"
        );
    }
    let schemes = document["components"]["securitySchemes"]
        .as_object()
        .unwrap();
    for (_, item) in document["paths"].as_object().unwrap() {
        for operation in item.as_object().unwrap().values() {
            for requirement in operation["security"].as_array().unwrap() {
                for name in requirement.as_object().unwrap().keys() {
                    assert!(schemes.contains_key(name), "{name}");
                }
            }
        }
    }
}
