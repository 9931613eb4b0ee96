//! The new-environment wizard's pages over real HTTP (issue #18, room
//! `wizard`): `mirage serve` on the emulator's applied shop, callers with
//! real API tokens. A member walks the GET flow (project, template,
//! services and settings, the API's problems under their fields without
//! script), creates through the API as the page's script does, and the
//! job's page shows the progress and ends with the link to the
//! environment. A viewer gets no wizard; a secret is never shown back.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::preview::{environment, shop};
use crate::serve_identity::{call, token_for, user};
use crate::support::World;
use crate::support::{serve_config, serve_world};
use mirage::serve::Running;
use mirage::state::Store;

const PROJECT: &str = "acme-shop";

async fn start(world: &World) -> Running {
    start_with(world, 5).await
}

async fn start_with(world: &World, max_attempts: u32) -> Running {
    let mut config = serve_config(&world.path(), PROJECT);
    config.max_attempts = max_attempts;
    serve_world(world, config).await
}

/// A token of a new user with `role` in the project.
fn caller(store: &Store, name: &str, role: &str) -> String {
    let id = user(store, name);
    store.set_member(PROJECT, &id, role, None).unwrap();
    token_for(store, &id, PROJECT, role).1
}

struct Page {
    status: u16,
    location: Option<String>,
    body: String,
}

async fn get(running: &Running, path: &str, bearer: &str) -> Page {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = tokio::time::timeout(
        Duration::from_secs(60),
        client
            .get(format!("http://{}{path}", running.addr()))
            .header("authorization", format!("Bearer {bearer}"))
            .send(),
    )
    .await
    .expect("answered in time")
    .expect("request");
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = response.text().await.unwrap_or_default();
    Page {
        status,
        location,
        body,
    }
}

/// The element of `body` with `id="ID"` up to its first closing `</div>`.
fn slot<'a>(body: &'a str, id: &str) -> &'a str {
    let start = body
        .find(&format!(r#"id="{id}""#))
        .unwrap_or_else(|| panic!("no `{id}` in {body}"));
    let rest = &body[start..];
    &rest[..rest.find("</div>").unwrap_or(rest.len())]
}

#[tokio::test(flavor = "multi_thread")]
async fn a_member_walks_the_steps_creates_and_follows_the_job_to_its_link() {
    let world = shop().await;
    let running = start(&world).await;
    let store = running.store().clone();
    let member = caller(&store, "lee", "member");

    // Step 1: one project where Lee may create — straight to step 2.
    let page = get(&running, "/new", &member).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(page.location.as_deref(), Some("/projects/acme-shop/new"));

    // Step 2: the templates as cards, the wizard's script on the page.
    let page = get(&running, "/projects/acme-shop/new", &member).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body
            .contains(r#"href="/projects/acme-shop/new?template=pr""#),
        "{}",
        page.body
    );
    assert!(page.body.contains("/assets/wizard."), "{}", page.body);
    assert!(
        page.body.contains(r#"aria-current="step""#),
        "{}",
        page.body
    );

    // Step 3: the template's services preselected with their
    // dependencies, the settings, the preview; an untouched name is not
    // yet a problem.
    let page = get(&running, "/projects/acme-shop/new?template=pr", &member).await;
    assert_eq!(page.status, 200, "{}", page.body);
    for service in ["api", "cache", "db", "web"] {
        assert!(
            page.body.contains(&format!(
                r#"name="services" value="{service}" id="service-{service}""#
            )),
            "{service}: {}",
            page.body
        );
    }
    assert!(
        page.body.contains(r#"data-depends="cache db" checked"#),
        "{}",
        page.body
    );
    assert!(page.body.contains(r#"id="env-name""#), "{}", page.body);
    assert!(page.body.contains(r#"type="range""#), "{}", page.body);
    assert!(page.body.contains(r#"max="72""#), "{}", page.body);
    assert!(
        page.body.contains(r#"type="number" name="ttl""#),
        "{}",
        page.body
    );
    // The secret's field: masked, a reference, and no `name` (never in
    // the page's address).
    let secret = slot(&page.body, "var-STRIPE_KEY");
    assert!(secret.contains(r#"type="password""#), "{secret}");
    assert!(!secret.contains("name="), "{secret}");
    assert!(page.body.contains("What will be created"), "{}", page.body);
    assert!(page.body.contains(r#"id="create""#), "{}", page.body);
    assert!(
        !slot(&page.body, "problem-name").contains("<p>"),
        "{}",
        page.body
    );

    // A bad name and a dependency left out, checked without script: the
    // API's problems under their fields, with code and help; a secret
    // in the address is never shown back.
    let page = get(
        &running,
        "/projects/acme-shop/new?template=pr&pick=1&services=api&services=db&name=Bad_Name&ttl=2&var.STRIPE_KEY=sk_live_typed_here&check=1",
        &member,
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let name = slot(&page.body, "problem-name");
    assert!(
        name.contains("mirage::serve::bad_environment_name"),
        "{name}"
    );
    assert!(name.contains(r#"class="hint""#), "{name}");
    assert!(page.body.contains(r#"value="Bad_Name""#), "{}", page.body);
    assert!(
        page.body.contains(r#"aria-invalid="true""#),
        "{}",
        page.body
    );
    let services = slot(&page.body, "problem-services");
    assert!(
        services.contains("mirage::serve::dependency_not_selected"),
        "{services}"
    );
    assert!(
        page.body
            .contains(r#"value="cache" id="service-cache" data-depends="""#)
            && !page
                .body
                .contains(r#"id="service-cache" data-depends="" checked"#),
        "cache is not selected: {}",
        page.body
    );
    assert!(!page.body.contains("sk_live_typed_here"), "{}", page.body);
    assert!(page.body.contains(r#"value="2""#), "{}", page.body);

    // A good one: ready.
    let page = get(
        &running,
        "/projects/acme-shop/new?template=pr&pick=1&services=db&services=cache&name=lee-data&ttl=2",
        &member,
    )
    .await;
    assert!(page.body.contains("ready to create"), "{}", page.body);
    assert!(
        !slot(&page.body, "problem-name").contains("<p>"),
        "{}",
        page.body
    );

    // Create as the page's script does (here with a bearer token).
    let answer = call(
        &running,
        "POST",
        "/api/projects/acme-shop/environments",
        Some(&member),
        Some(&json!({
            "template": "pr",
            "name": "lee-data",
            "variables": {},
            "services": ["db", "cache"],
            "ttl": "2h",
        })),
    )
    .await;
    assert_eq!(answer.status, 202, "{}", answer.text);
    let job = answer.body["job"].as_i64().unwrap();

    // The job's page: its events stream, then the link once done.
    let path = format!("/projects/acme-shop/jobs/{job}");
    let page = get(&running, &path, &member).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("Creating an environment"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains(&format!(r#"data-events="/api/jobs/{job}/events""#)),
        "{}",
        page.body
    );
    let deadline = Instant::now() + Duration::from_secs(180);
    let page = loop {
        let page = get(&running, &path, &member).await;
        if page.body.contains(r#"data-finished="1""#) {
            break page;
        }
        assert!(!page.body.contains("Open environment"), "{}", page.body);
        assert!(Instant::now() < deadline, "{}", page.body);
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        page.body.contains(r#"data-job-state="done""#),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains(r#"href="/projects/acme-shop/environments/lee-data""#),
        "{}",
        page.body
    );
    assert!(page.body.contains("data-resource="), "{}", page.body);
    assert!(
        !page.body.contains(r#"http-equiv="refresh""#),
        "{}",
        page.body
    );
    assert!(environment(&world, "lee-data").await.is_some());
    running.shutdown().await;
}

/// The job's page, read again until the job has ended.
async fn ended(running: &Running, path: &str, bearer: &str) -> Page {
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let page = get(running, path, bearer).await;
        assert_eq!(page.status, 200, "{}", page.body);
        if page.body.contains(r#"data-finished="1""#) {
            return page;
        }
        assert!(Instant::now() < deadline, "{}", page.body);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_create_says_why_and_what_to_do_next() {
    let world = shop().await;
    // One attempt: the failure is final at once.
    let running = start_with(&world, 1).await;
    let store = running.store().clone();
    let member = caller(&store, "lee", "member");
    // A secret reference serve cannot read (the test's reader knows only
    // `STRIPE_KEY`): accepted, then the job fails writing it.
    let answer = call(
        &running,
        "POST",
        "/api/projects/acme-shop/environments",
        Some(&member),
        Some(&json!({
            "template": "pr",
            "name": "lee-broken",
            "variables": { "STRIPE_KEY": { "secret": "env:WIZARD_UNSET" } },
        })),
    )
    .await;
    assert_eq!(answer.status, 202, "{}", answer.text);
    let job = answer.body["job"].as_i64().unwrap();
    let page = ended(
        &running,
        &format!("/projects/acme-shop/jobs/{job}"),
        &member,
    )
    .await;
    assert!(
        page.body.contains(r#"data-job-state="failed""#),
        "{}",
        page.body
    );
    assert!(page.body.contains("What to do next"), "{}", page.body);
    // The error's code with its help, from the codes' table.
    let code = "mirage::plan::secret_unreadable";
    let help = mirage::diagnostic::codes::lookup(code)
        .expect("registered")
        .help;
    assert!(
        page.body.contains(&format!(
            r#"<code class="error-code">{code}</code>: {help}"#
        )),
        "{}",
        page.body
    );
    assert!(page.body.contains("env:WIZARD_UNSET"), "{}", page.body);
    assert!(page.body.contains(r#"role="alert""#), "{}", page.body);
    assert!(
        page.body.contains(r#"href="/projects/acme-shop/new""#),
        "{}",
        page.body
    );
    assert!(!page.body.contains("Open environment"), "{}", page.body);
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_viewer_gets_no_wizard() {
    let world = shop().await;
    let running = start(&world).await;
    let store = running.store().clone();
    let viewer = caller(&store, "vic", "viewer");

    // Step 1 lists no project; step 2 answers as the API's create does.
    let page = get(&running, "/new", &viewer).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        !page.body.contains("/projects/acme-shop/new"),
        "{}",
        page.body
    );
    assert!(page.body.contains("no project here"), "{}", page.body);
    let page = get(&running, "/projects/acme-shop/new?template=pr", &viewer).await;
    assert_eq!(page.status, 403, "{}", page.body);
    assert!(!page.body.contains("STRIPE_KEY"), "{}", page.body);
    let page = get(&running, "/projects/nowhere/new", &viewer).await;
    assert_eq!(page.status, 404, "{}", page.body);
    // An unknown job is not found.
    let page = get(&running, "/projects/acme-shop/jobs/999", &viewer).await;
    assert_eq!(page.status, 404, "{}", page.body);
    running.shutdown().await;
}

/// Room `resources` (issue #18): the sizes of step 3 — a slider and a
/// number per selected service, bounded by the template (validate's
/// preview), carried by the GET flow (`res.SERVICE.KIND`) with the API's
/// problems under them, and sent in the create's body.
#[tokio::test(flavor = "multi_thread")]
async fn sizes_are_bounded_by_the_template_in_the_get_flow_and_reach_the_environment() {
    let world = shop().await;
    // `web` of template `pr` gets limits: CPU and memory sliders too.
    world.edit("environments.mirage", |text| {
        text.replacen(
            "    service \"web\" {\n        vars {",
            "    service \"web\" {\n        limits cpu=2 memory=\"2GB\"\n        vars {",
            1,
        )
    });
    let running = start(&world).await;
    let store = running.store().clone();
    let member = caller(&store, "lee", "member");

    // Step 3: a labelled replicas slider per selected service, at most
    // the template's; CPU and memory only where the template limits them.
    let page = get(&running, "/projects/acme-shop/new?template=pr", &member).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let api = slot(&page.body, "res-api-replicas");
    assert!(
        api.contains(r#"type="number" name="res.api.replicas""#),
        "{api}"
    );
    assert!(api.contains(r#"max="1""#), "{api}");
    assert!(
        page.body
            .contains(r#"<label for="res-api-replicas">Replicas of <code>api</code>"#),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains(r#"data-resource-range="res-api-replicas""#),
        "{}",
        page.body
    );
    assert!(page.body.contains("1 replica (at most 1)"), "{}", page.body);
    let cpu = slot(&page.body, "res-web-cpu");
    assert!(cpu.contains(r#"max="2""#), "{cpu}");
    let memory = slot(&page.body, "res-web-memory");
    assert!(memory.contains(r#"max="2000""#), "{memory}");
    assert!(page.body.contains("2GB (at most 2GB)"), "{}", page.body);
    assert!(!page.body.contains(r#"id="res-api-cpu""#), "{}", page.body);
    assert!(
        !page.body.contains(r#"id="res-api-memory""#),
        "{}",
        page.body
    );

    // Too much, and not a number: the problems under the sizes, without
    // script; the values typed are shown back.
    let page = get(
        &running,
        "/projects/acme-shop/new?template=pr&pick=1&services=api&services=cache&services=db&services=web&name=lee-sized&res.api.replicas=3&res.web.memory=4GB&res.web.cpu=many&check=1",
        &member,
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let problems = slot(&page.body, "problem-resources");
    assert!(
        problems.contains("mirage::serve::resource_too_large")
            && problems.contains("service `api`: replicas 3 is more than template `pr` allows (1)"),
        "{problems}"
    );
    assert!(
        problems.contains("a memory limit of 4GB is more than template `pr` allows (2GB)"),
        "{problems}"
    );
    assert!(
        problems.contains("mirage::serve::bad_resource") && problems.contains("`many`"),
        "{problems}"
    );
    assert!(!page.body.contains("ready to create"), "{}", page.body);
    assert!(
        slot(&page.body, "res-api-replicas").contains(r#"value="3""#),
        "{}",
        page.body
    );

    // Within bounds: ready; the validate API's preview lists the sizes.
    let page = get(
        &running,
        "/projects/acme-shop/new?template=pr&pick=1&services=api&services=cache&services=db&services=web&name=lee-sized&res.api.replicas=1&res.web.memory=512&res.web.cpu=0.5",
        &member,
    )
    .await;
    assert!(page.body.contains("ready to create"), "{}", page.body);
    assert!(page.body.contains("512MB (at most 2GB)"), "{}", page.body);
    let body = json!({
        "template": "pr",
        "name": "lee-sized",
        "resources": { "api": { "replicas": 1 }, "web": { "cpu": 0.5, "memory": "512MB" } },
    });
    let answer = call(
        &running,
        "POST",
        "/api/projects/acme-shop/environments/validate",
        Some(&member),
        Some(&body),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.body["ok"], true, "{}", answer.text);
    let web = answer.body["preview"]["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .find(|r| r["service"] == "web")
        .expect("web")
        .clone();
    assert_eq!(web["memory_bytes"], 512_000_000u64, "{web}");
    assert_eq!(web["max_memory_bytes"], 2_000_000_000u64, "{web}");
    assert_eq!(web["cpu"], 0.5, "{web}");
    assert_eq!(web["max_cpu"], 2.0, "{web}");

    // Too large over the API: 422 with the field.
    let answer = call(
        &running,
        "POST",
        "/api/projects/acme-shop/environments",
        Some(&member),
        Some(&json!({ "template": "pr", "name": "lee-big", "resources": { "web": { "cpu": 3 } } })),
    )
    .await;
    assert_eq!(answer.status, 422, "{}", answer.text);
    assert_eq!(
        answer.body["error"]["code"], "mirage::serve::resource_too_large",
        "{}",
        answer.text
    );

    // The create as the page's script sends it: the sizes reach Railway.
    let answer = call(
        &running,
        "POST",
        "/api/projects/acme-shop/environments",
        Some(&member),
        Some(&body),
    )
    .await;
    assert_eq!(answer.status, 202, "{}", answer.text);
    let job = answer.body["job"].as_i64().unwrap();
    let page = ended(
        &running,
        &format!("/projects/acme-shop/jobs/{job}"),
        &member,
    )
    .await;
    assert!(
        page.body.contains(r#"data-job-state="done""#),
        "{}",
        page.body
    );
    let id = environment(&world, "lee-sized").await.expect("created");
    let (config, _) = world.harness.config(&id).await;
    let web = world.service_id(&id, "web").await;
    let limits = &config["services"][&web]["deploy"]["limitOverride"]["containers"];
    assert_eq!(limits["memoryBytes"], 512_000_000u64, "{config}");
    assert_eq!(limits["cpu"], 0.5, "{config}");
    running.shutdown().await;
}
