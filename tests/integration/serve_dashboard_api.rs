//! The API functions the dashboard calls (issue #18, room `api`), over
//! real HTTP: a started `serve::start` with the real `Lifecycle` on the
//! emulator and real API tokens. Validating a create as you type (every
//! problem, what it would create, nothing written, no Railway request),
//! creating a subset of a template's services, a service's logs (no
//! secret in them) and its redeploy (a viewer refused, and audited).

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::preview::{environment, everything_but_previews, set_faults, shop};
use crate::serve_api::finished;
use crate::serve_identity::{call, token_for, user};
use crate::support::{STRIPE, World, serve_config, serve_world};
use mirage::state::{AuditFilter, AuditOutcome, Store, Timestamp};

const PROJECT: &str = "acme-shop";

/// A token of a new user with `role` in the project.
pub(crate) fn caller(store: &Store, name: &str, role: &str) -> (String, String) {
    let id = user(store, name);
    store.set_member(PROJECT, &id, role, None).unwrap();
    let (_, token) = token_for(store, &id, PROJECT, role);
    (id, token)
}

/// Serve-created environments and jobs of the project: what a
/// validation must leave alone.
fn written(store: &Store) -> String {
    let environments: Vec<String> = store
        .serve_environments(PROJECT)
        .unwrap()
        .into_iter()
        .map(|e| e.environment)
        .collect();
    format!("{environments:?} {}", store.jobs(PROJECT).unwrap().len())
}

fn audit(store: &Store, outcome: AuditOutcome) -> Vec<(String, Option<String>)> {
    store
        .audit(&AuditFilter {
            outcome: Some(outcome),
            limit: 1000,
            ..AuditFilter::default()
        })
        .unwrap()
        .into_iter()
        .map(|r| (r.entry.action, r.entry.target))
        .collect()
}

fn codes(answer: &Value) -> Vec<(String, String)> {
    answer["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| {
            (
                p["code"].as_str().unwrap_or_default().to_owned(),
                p["field"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn validate_answers_every_problem_and_the_preview_writing_nothing() {
    let world = shop().await;
    let running = serve_world(&world, serve_config(&world.path(), PROJECT)).await;
    let store = running.store().clone();
    let (_, member) = caller(&store, "mia", "member");
    let (_, viewer) = caller(&store, "vic", "viewer");
    let path = "/api/projects/acme-shop/environments/validate";
    let before = written(&store);
    let requests = world.harness.requests().await;

    // Everything wrong at once: 200, each problem with its field.
    let bad = json!({
        "template": "pr",
        "name": "Bad_Name",
        "variables": { "STRIPE_KEY": "sk_live_in_clear", "NOPE": "x" },
        "ttl": "1000d",
        "services": ["api", "db", "worker"],
    });
    let answer = call(&running, "POST", path, Some(&member), Some(&bad)).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.body["ok"], false);
    let found = codes(&answer.body);
    for expected in [
        ("mirage::serve::bad_environment_name", "name"),
        ("mirage::serve::secret_in_clear", "variables"),
        ("mirage::serve::unknown_variable", "variables"),
        ("mirage::serve::ttl_too_long", "ttl"),
        ("mirage::serve::unknown_service", "services"),
        ("mirage::serve::dependency_not_selected", "services"),
    ] {
        assert!(
            found.contains(&(expected.0.to_owned(), expected.1.to_owned())),
            "{expected:?} in {found:?}"
        );
    }
    let dependency = answer.body["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == "mirage::serve::dependency_not_selected")
        .unwrap();
    let message = dependency["message"].as_str().unwrap();
    assert!(
        message.contains("`api`") && message.contains("`cache`"),
        "{message}"
    );
    assert!(!answer.text.contains("sk_live_in_clear"), "{}", answer.text);

    // A reserved name and an existing one.
    for (name, code) in [
        ("production", "mirage::serve::reserved_environment_name"),
        ("pr-12", "mirage::serve::environment_exists"),
    ] {
        let answer = call(
            &running,
            "POST",
            path,
            Some(&member),
            Some(&json!({ "template": "pr", "name": name })),
        )
        .await;
        assert_eq!(answer.body["ok"], false, "{}", answer.text);
        assert_eq!(codes(&answer.body)[0].0, code, "{}", answer.text);
    }

    // A good one: ok, and what it would create.
    let good = json!({
        "template": "pr",
        "name": "mia-checkout",
        "variables": { "STRIPE_KEY": { "secret": "env:STRIPE_KEY" } },
        "services": ["db", "cache", "api"],
    });
    let answer = call(&running, "POST", path, Some(&member), Some(&good)).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.body["ok"], true, "{}", answer.text);
    assert_eq!(answer.body["problems"], json!([]));
    let preview = &answer.body["preview"];
    let services: Vec<(String, bool)> = preview["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_owned(),
                s["selected"] == true,
            )
        })
        .collect();
    let mut names: Vec<&str> = services.iter().map(|(n, _)| n.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["api", "cache", "db", "web"]);
    assert!(
        services.contains(&("web".to_owned(), false)),
        "{services:?}"
    );
    assert!(services.contains(&("api".to_owned(), true)), "{services:?}");
    let api = preview["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "api")
        .unwrap();
    assert_eq!(api["source"], "repo:acme/shop");
    assert_eq!(api["depends_on"], json!(["cache", "db"]));
    let variables = preview["variables"].as_array().unwrap();
    let stripe = variables
        .iter()
        .find(|v| v["name"] == "STRIPE_KEY")
        .unwrap();
    assert_eq!(stripe["secret"], true);
    assert_eq!(stripe["default"], "secret");
    let url = variables
        .iter()
        .find(|v| v["name"] == "PREVIEW_URL")
        .unwrap();
    assert_eq!(url["default"], "https://pr-{number}.shop.example");
    assert_eq!(preview["ttl_seconds"], 72 * 3600);
    assert_eq!(preview["max_ttl_seconds"], 72 * 3600);
    assert!(!answer.text.contains(STRIPE));

    // Neither asked Railway anything (the files and the state database
    // refused), but the good one: it asked once, for a name made by hand.
    assert_eq!(world.harness.requests().await, requests + 1);

    // An environment of that name made by hand on Railway: refused as the
    // create's job would, in one request.
    let project = world.project(PROJECT).await;
    world
        .harness
        .gql(
            "mutation($p: String!) { environmentCreate(input: {projectId: $p, name: \"by-hand\"}) { id } }",
            json!({ "p": project.id }),
        )
        .await;
    let requests = world.harness.requests().await;
    let answer = call(
        &running,
        "POST",
        path,
        Some(&member),
        Some(&json!({ "template": "pr", "name": "by-hand" })),
    )
    .await;
    assert_eq!(answer.body["ok"], false, "{}", answer.text);
    assert_eq!(
        codes(&answer.body),
        [(
            "mirage::serve::environment_exists".to_owned(),
            "name".to_owned()
        )]
    );
    assert_eq!(world.harness.requests().await, requests + 1);

    // Authorized as create: a viewer is refused.
    let answer = call(&running, "POST", path, Some(&viewer), Some(&good)).await;
    assert_eq!(answer.status, 403, "{}", answer.text);

    // Nothing recorded, queued or audited as done.
    assert_eq!(written(&store), before);
    assert!(audit(&store, AuditOutcome::Ok).is_empty());
    running.shutdown().await;
}

/// The names of the service instances of environment `id`.
async fn instances(world: &World, id: &str) -> Vec<String> {
    let reply = world
        .harness
        .gql(
            "query($e: String!) { environment(id: $e) { serviceInstances { edges { node { serviceName } } } } }",
            json!({ "e": id }),
        )
        .await;
    let mut names: Vec<String> = reply.data()["environment"]["serviceInstances"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["serviceName"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread")]
async fn a_create_with_a_subset_makes_only_those_services() {
    let world = shop().await;
    let running = serve_world(&world, serve_config(&world.path(), PROJECT)).await;
    let store = running.store().clone();
    let (_, member) = caller(&store, "mia", "member");
    let before = everything_but_previews(&world).await;

    // A dependency left out is refused, nothing queued.
    let refused = call(
        &running,
        "POST",
        "/api/projects/acme-shop/environments",
        Some(&member),
        Some(&json!({ "template": "pr", "name": "mia-api", "services": ["api", "db"] })),
    )
    .await;
    assert_eq!(refused.status, 422, "{}", refused.text);
    assert_eq!(
        refused.body["error"]["code"],
        "mirage::serve::dependency_not_selected"
    );
    assert!(store.jobs(PROJECT).unwrap().is_empty());

    let answer = call(
        &running,
        "POST",
        "/api/projects/acme-shop/environments",
        Some(&member),
        Some(&json!({ "template": "pr", "name": "mia-data", "services": ["db", "cache"] })),
    )
    .await;
    assert_eq!(answer.status, 202, "{}", answer.text);
    let job = answer.body["job"].as_i64().unwrap();
    let done = finished(&running, &member, job).await;
    assert_eq!(done["state"], "done", "{done}");
    let id = environment(&world, "mia-data").await.expect("created");
    assert_eq!(instances(&world, &id).await, ["cache", "db"]);
    // The projects list: this service has the files, and the create is
    // its latest activity.
    let listed = call(&running, "GET", "/api/projects", Some(&member), None).await;
    let project = &listed.body["projects"][0];
    assert_eq!(project["name"], PROJECT, "{}", listed.text);
    assert_eq!(project["role"], "member");
    assert_eq!(project["managed"], true);
    assert_eq!(project["counts"]["serve_created"], 1, "{}", listed.text);
    let last = project["last_activity"].as_i64().expect("a last activity");
    let now = Timestamp::now().0;
    assert!((now - 120..=now + 1).contains(&last), "{last} vs {now}");
    // The rest of the project is untouched.
    let mut after = everything_but_previews(&world).await;
    after.0.remove("mia-data");
    assert_eq!(after, before);
    running.shutdown().await;
}

/// The id of the latest deployment of `service` in environment `id`.
async fn latest_deployment(world: &World, id: &str, service: &str) -> Option<String> {
    let reply = world
        .harness
        .gql(
            "query($e: String!) { environment(id: $e) { serviceInstances { edges { node { serviceName latestDeployment { id } } } } } }",
            json!({ "e": id }),
        )
        .await;
    reply.data()["environment"]["serviceInstances"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["serviceName"] == service)
        .and_then(|e| e["node"]["latestDeployment"]["id"].as_str())
        .map(str::to_owned)
}

#[tokio::test(flavor = "multi_thread")]
async fn logs_of_a_service_hide_secrets_and_a_redeploy_is_an_admins() {
    let world = shop().await;
    // Staging's `api` prints the secret's value in its start command: its
    // deploy log shows the command.
    world.edit("services.mirage", |text| {
        text.replacen(
            "start \"node dist/server.js\"",
            &format!("start \"node dist/server.js --key {STRIPE}\""),
            1,
        )
    });
    world
        .mirage(&["apply", ".", "--env", "staging", "--auto-approve"])
        .await
        .ok("apply staging");
    let running = serve_world(&world, serve_config(&world.path(), PROJECT)).await;
    let store = running.store().clone();
    let (_, admin) = caller(&store, "ada", "admin");
    let (_, viewer) = caller(&store, "vic", "viewer");
    let (_, member) = caller(&store, "mia", "member");
    let logs = "/api/projects/acme-shop/environments/staging/services/api/logs";

    // The deploy logs, as the deployment writes them (the emulator's
    // clock moves them on).
    let deadline = Instant::now() + Duration::from_secs(60);
    let lines = loop {
        let answer = call(&running, "GET", logs, Some(&viewer), None).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        assert!(!answer.text.contains(STRIPE), "{}", answer.text);
        let lines = answer.body["lines"].as_array().unwrap().clone();
        if lines
            .iter()
            .any(|l| l["message"].as_str().unwrap().starts_with("$ "))
        {
            break lines;
        }
        assert!(Instant::now() < deadline, "{}", answer.text);
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let command = lines
        .iter()
        .find(|l| l["message"].as_str().unwrap().starts_with("$ "))
        .unwrap();
    assert_eq!(
        command["message"], "$ node dist/server.js --key (sensitive)",
        "{lines:?}"
    );
    // A limit, Railway's filter, the build logs, a download.
    let one = call(
        &running,
        "GET",
        &format!("{logs}?limit=1"),
        Some(&viewer),
        None,
    )
    .await;
    assert_eq!(
        one.body["lines"].as_array().unwrap().len(),
        1,
        "{}",
        one.text
    );
    let filtered = call(
        &running,
        "GET",
        &format!("{logs}?filter=Listening"),
        Some(&viewer),
        None,
    )
    .await;
    let filtered = filtered.body["lines"].as_array().unwrap().clone();
    assert!(!filtered.is_empty());
    assert!(
        filtered
            .iter()
            .all(|l| l["message"].as_str().unwrap().contains("Listening")),
        "{filtered:?}"
    );
    let build = call(
        &running,
        "GET",
        &format!("{logs}?build=true"),
        Some(&viewer),
        None,
    )
    .await;
    assert_eq!(build.status, 200, "{}", build.text);
    assert!(
        build.body["lines"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["message"] == "Build succeeded"),
        "{}",
        build.text
    );
    let text = reqwest::Client::new()
        .get(format!("http://{}{logs}?format=text", running.addr()))
        .header("authorization", format!("Bearer {viewer}"))
        .send()
        .await
        .unwrap();
    assert_eq!(text.status().as_u16(), 200);
    assert!(
        text.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let body = text.text().await.unwrap();
    assert!(
        body.contains("(sensitive)") && !body.contains(STRIPE),
        "{body}"
    );
    let unknown = call(
        &running,
        "GET",
        "/api/projects/acme-shop/environments/staging/services/nope/logs",
        Some(&viewer),
        None,
    )
    .await;
    assert_eq!(unknown.status, 404, "{}", unknown.text);

    // Redeploy: a viewer is refused (403), a member too in a declared
    // environment (404: not theirs); each refusal audited.
    let redeploy = "/api/projects/acme-shop/environments/staging/services/api/redeploy";
    let staging = environment(&world, "staging").await.expect("staging");
    let latest = || latest_deployment(&world, &staging, "api");
    let before = latest().await;
    let refused = call(&running, "POST", redeploy, Some(&viewer), None).await;
    assert_eq!(refused.status, 403, "{}", refused.text);
    let refused = call(&running, "POST", redeploy, Some(&member), None).await;
    assert_eq!(refused.status, 404, "{}", refused.text);
    assert_eq!(latest().await, before, "nothing redeployed");
    let refusals = audit(&store, AuditOutcome::Refused);
    assert_eq!(
        refusals
            .iter()
            .filter(|(action, _)| action == "authorize.change_environment")
            .count(),
        2,
        "{refusals:?}"
    );
    let done = call(&running, "POST", redeploy, Some(&admin), None).await;
    assert_eq!(done.status, 202, "{}", done.text);
    assert_ne!(latest().await, before, "a new deployment");
    assert!(
        audit(&store, AuditOutcome::Ok).contains(&(
            "service.redeploy".to_owned(),
            Some("staging/api".to_owned())
        )),
        "{:?}",
        audit(&store, AuditOutcome::Ok)
    );

    // Railway redeploys, its answer is lost: the outcome is unknown, said
    // so, audited as failed, and the redeploy is not sent again.
    let count = || deployments_of(&world, &staging, "api");
    let before = count().await;
    set_faults(
        &world,
        json!([{"kind": "drop", "after": true, "operation": "serviceInstanceRedeploy", "nth": 1}]),
    )
    .await;
    let lost = call(&running, "POST", redeploy, Some(&admin), None).await;
    assert_eq!(lost.status, 504, "{}", lost.text);
    assert_eq!(
        lost.body["error"]["code"],
        "mirage::serve::redeploy_unknown"
    );
    assert_eq!(crate::preview::faults_injected(&world).await, 1);
    assert_eq!(count().await, before + 1, "redeployed once, never twice");
    assert!(
        audit(&store, AuditOutcome::Failed).contains(&(
            "service.redeploy".to_owned(),
            Some("staging/api".to_owned())
        )),
        "{:?}",
        audit(&store, AuditOutcome::Failed)
    );
    running.shutdown().await;
}

/// How many deployments `service` has in environment `id`.
async fn deployments_of(world: &World, id: &str, service: &str) -> usize {
    let service = world.service_id(id, service).await;
    let reply = world
        .harness
        .gql(
            "query($e: String!) { environment(id: $e) { deployments { edges { node { id serviceId } } } } }",
            json!({ "e": id }),
        )
        .await;
    reply.data()["environment"]["deployments"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["node"]["serviceId"] == service.as_str())
        .count()
}
