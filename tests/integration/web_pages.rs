//! The dashboard's pages over real HTTP (issue #18): `mirage serve` on the
//! emulator's applied shop, callers with real API tokens of each role.
//! What each role is shown (and not), the sign-in gate, the error pages
//! (an unknown project and a forbidden one look the same), escaping, the
//! assets' hashed names and caching, the security headers and the page
//! weight budget. The browser journey is `web_browser.rs`.

use std::time::Duration;

use crate::preview::shop;
use crate::serve_dashboard_api::caller;
use crate::serve_identity::{token_for, user};
use crate::support::{serve_config, serve_world};
use mirage::serve::Running;
use mirage::state::{NewServeEnvironment, Store, UserProfile};

const PROJECT: &str = "acme-shop";
/// The page-weight budget of issue #18: HTML + CSS + JS, uncompressed.
const BUDGET: usize = 150 * 1024;

struct Page {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: String,
}

async fn get(running: &Running, path: &str, bearer: Option<&str>) -> Page {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut request = client.get(format!("http://{}{path}", running.addr()));
    if let Some(token) = bearer {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let response = tokio::time::timeout(Duration::from_secs(60), request.send())
        .await
        .expect("answered in time")
        .expect("request");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.text().await.unwrap_or_default();
    Page {
        status,
        headers,
        body,
    }
}

/// The `href`/`src` of every asset a page links.
fn assets_of(body: &str) -> Vec<String> {
    body.match_indices("/assets/")
        .map(|(at, _)| {
            body[at..]
                .split(['"', '\''])
                .next()
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

/// Two environments made through serve: one of `mine`, one of `theirs`.
fn serve_environments(store: &Store, mine: &str, theirs: &str) {
    for (name, owner) in [("mine-env", mine), ("their-env", theirs)] {
        store
            .reserve_serve_environment(&NewServeEnvironment {
                project: PROJECT,
                environment: name,
                template: "pr",
                owner,
                expires_at: Some(store.now().add(Duration::from_secs(7200))),
            })
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn each_role_is_shown_what_it_may_do_and_nothing_more() {
    let world = shop().await;
    let running = serve_world(&world, serve_config(&world.path(), PROJECT)).await;
    let store = running.store().clone();
    let alice = user(&store, "alice");
    let bob = user(&store, "bob");
    let vera = user(&store, "vera");
    let ada = user(&store, "ada");
    store.set_member(PROJECT, &alice, "member", None).unwrap();
    store.set_member(PROJECT, &bob, "member", None).unwrap();
    store.set_member(PROJECT, &vera, "viewer", None).unwrap();
    store.set_member(PROJECT, &ada, "admin", None).unwrap();
    serve_environments(&store, &alice, &bob);
    let (_, alice_token) = token_for(&store, &alice, PROJECT, "member");
    let (_, vera_token) = token_for(&store, &vera, PROJECT, "viewer");
    let (_, ada_token) = token_for(&store, &ada, PROJECT, "admin");

    // The projects: the shop, its role, its counts, managed here.
    let page = get(&running, "/", Some(&alice_token)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains(r#"href="/projects/acme-shop""#),
        "{}",
        page.body
    );
    assert!(page.body.contains("Managed"), "{}", page.body);
    assert!(page.body.contains(">member<"), "{}", page.body);

    // The project page of a member: the declared environments and both
    // serve-made ones, the legend; Destroy only on their own.
    let page = get(&running, "/projects/acme-shop", Some(&alice_token)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    for name in ["production", "staging", "mine-env", "their-env"] {
        assert!(
            page.body.contains(&format!(">{name}</a>")),
            "{name}: {}",
            page.body
        );
    }
    assert!(page.body.contains("Environment types"), "the legend");
    let destroys: Vec<&str> = page
        .body
        .match_indices(r#"data-action="destroy""#)
        .map(|(at, _)| &page.body[at..at + 200])
        .collect();
    assert_eq!(destroys.len(), 1, "{destroys:?}");
    assert!(
        destroys[0].contains(r#"data-name="mine-env""#),
        "{destroys:?}"
    );
    assert!(page.body.contains("+ New environment"), "members create");
    assert!(page.body.contains(">you<"), "the owner, named");

    // A viewer: no destroy, no extend, no create, no redeploy.
    let page = get(&running, "/projects/acme-shop", Some(&vera_token)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    for absent in [
        r#"data-action="destroy""#,
        r#"data-action="extend""#,
        "+ New environment",
    ] {
        assert!(!page.body.contains(absent), "a viewer sees {absent}");
    }
    let page = get(
        &running,
        "/projects/acme-shop/environments/staging",
        Some(&vera_token),
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Services"), "{}", page.body);
    // Each service: its deployment's age and its replicas, as Railway says.
    assert!(page.body.contains("<time datetime="), "{}", page.body);
    assert!(page.body.contains(">Replicas<"), "{}", page.body);
    assert!(
        !page.body.contains(r#"data-action="redeploy""#),
        "a viewer redeploys"
    );

    // An admin: destroy on both serve-made environments.
    let page = get(&running, "/projects/acme-shop", Some(&ada_token)).await;
    assert_eq!(
        page.body.matches(r#"data-action="destroy""#).count(),
        2,
        "{}",
        page.body
    );
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_project_and_a_forbidden_one_look_the_same_and_names_are_escaped() {
    let world = shop().await;
    let mut config = serve_config(&world.path(), PROJECT);
    config.api_projects = vec!["other-shop".to_owned()];
    let running = serve_world(&world, config).await;
    let store = running.store().clone();
    // A user whose name is markup: shown, never run.
    let mallory = store
        .upsert_user(
            &UserProfile {
                subject: "mallory",
                email: None,
                name: Some("<script>alert(1)</script>"),
            },
            false,
        )
        .unwrap()
        .id;
    store.set_member(PROJECT, &mallory, "member", None).unwrap();
    let (_, token) = token_for(&store, &mallory, PROJECT, "member");

    let page = get(&running, "/", Some(&token)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!page.body.contains("<script>alert(1)"), "{}", page.body);
    assert!(
        !page.body.contains("other-shop"),
        "a project without a role is not listed"
    );

    let forbidden = get(&running, "/projects/other-shop", Some(&token)).await;
    let unknown = get(&running, "/projects/no-such-shop", Some(&token)).await;
    assert_eq!(forbidden.status, 404, "{}", forbidden.body);
    assert_eq!(unknown.status, 404);
    assert_eq!(
        forbidden.body.replace("other-shop", "X"),
        unknown.body.replace("no-such-shop", "X"),
        "the same page for both"
    );
    let missing = get(
        &running,
        "/projects/acme-shop/environments/nope",
        Some(&token),
    )
    .await;
    assert_eq!(missing.status, 404);
    assert!(
        missing.body.contains("mirage::serve::not_found"),
        "{}",
        missing.body
    );
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_session_pages_send_to_sign_in_or_say_how_to_configure_it() {
    let world = shop().await;
    // No sign-in configured: a page that says how, 401.
    let running = serve_world(&world, serve_config(&world.path(), PROJECT)).await;
    let page = get(&running, "/projects/acme-shop", None).await;
    assert_eq!(page.status, 401);
    assert!(page.body.contains("--oidc-issuer"), "{}", page.body);
    assert!(page.body.contains("<html"), "an HTML page");
    // A bad token is refused the same way, never shown a page.
    let page = get(&running, "/", Some("mrg_not-a-token")).await;
    assert_eq!(page.status, 401);
    running.shutdown().await;

    // Sign-in configured: to the provider, back to the page asked for.
    let mut config = serve_config(&world.path(), PROJECT);
    config.signin = Some(
        mirage::serve::signin::SigninConfig::new(
            "http://127.0.0.1:9/issuer",
            "mirage",
            "http://127.0.0.1:8080",
        )
        .unwrap(),
    );
    let running = serve_world(&world, config).await;
    let page = get(&running, "/projects/acme-shop?tab=x", None).await;
    assert_eq!(page.status, 303);
    assert_eq!(
        page.headers["location"],
        "/auth/login?return_to=%2Fprojects%2Facme-shop%3Ftab%3Dx"
    );
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn assets_are_hashed_cached_and_every_page_is_within_its_budget() {
    let world = shop().await;
    let running = serve_world(&world, serve_config(&world.path(), PROJECT)).await;
    let store = running.store().clone();
    let (_, token) = caller(&store, "ada", "admin");
    for path in [
        "/",
        "/projects/acme-shop",
        "/projects/acme-shop/environments/production",
    ] {
        let page = get(&running, path, Some(&token)).await;
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        let csp = page.headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
        assert_eq!(page.headers["cache-control"], "private, no-store");
        assert!(!page.body.contains("<script>"), "no inline script: {path}");
        assert!(!page.body.contains("style=\""), "no inline style: {path}");
        let mut weight = page.body.len();
        let assets = assets_of(&page.body);
        assert_eq!(assets.len(), 3, "{assets:?}");
        for asset in assets {
            let answer = get(&running, &asset, None).await;
            assert_eq!(answer.status, 200, "{asset}");
            assert_eq!(
                answer.headers["cache-control"],
                "public, max-age=31536000, immutable"
            );
            weight += answer.body.len();
            // Another name (an old build's) is not served.
            let stale = asset.replacen('.', ".0", 1);
            assert_eq!(get(&running, &stale, None).await.status, 404, "{stale}");
        }
        assert!(weight < BUDGET, "{path}: {weight} bytes");
    }
    running.shutdown().await;
}

/// Server-sent events read from `response` until one of kind `until`
/// (or 60 s): (event, data).
async fn events_until(
    mut response: reqwest::Response,
    until: &str,
) -> Vec<(String, serde_json::Value)> {
    let (mut text, mut events) = (String::new(), Vec::new());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while let Ok(Ok(Some(chunk))) = tokio::time::timeout_at(deadline, response.chunk()).await {
        text.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = text.find("\n\n") {
            let block: String = text.drain(..end + 2).collect();
            let (mut kind, mut data) = (String::new(), String::new());
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    kind = v.trim().to_owned();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim());
                }
            }
            if kind.is_empty() {
                continue;
            }
            let value = serde_json::from_str(&data).unwrap_or(serde_json::Value::Null);
            let done = kind == until;
            events.push((kind, value));
            if done {
                return events;
            }
        }
    }
    panic!("no `{until}` event within 60 s: {events:?}");
}

/// `GET` production's live status stream of the shop, as `token`.
async fn open_live(running: &Running, token: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!(
            "http://{}/api/projects/acme-shop/environments/production/live",
            running.addr()
        ))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn live_status_follows_a_redeploy_to_healthy_through_railways_subscription() {
    let world = shop().await;
    let running = serve_world(&world, serve_config(&world.path(), PROJECT)).await;
    let store = running.store().clone();
    let (_, token) = caller(&store, "vera", "viewer");
    // Deployments from now on take 400 ms per phase; then a redeploy of
    // `api` in production, made on Railway's side.
    world
        .harness
        .admin("clock", serde_json::json!({ "step_ms": 400 }))
        .await;
    let production = crate::preview::environment(&world, "production")
        .await
        .expect("production");
    let api = world.service_id(&production, "api").await;
    let reply = world
        .harness
        .gql(
            "mutation($e: String!, $s: String!) { serviceInstanceRedeploy(environmentId: $e, serviceId: $s) }",
            serde_json::json!({ "e": production, "s": api }),
        )
        .await;
    assert_eq!(reply.data()["serviceInstanceRedeploy"], true);

    let response = open_live(&running, &token).await;
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let events = events_until(response, "settled").await;
    let kinds: Vec<&str> = events.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(kinds.first(), Some(&"snapshot"), "{events:?}");
    assert!(
        !kinds.contains(&"fallback"),
        "followed by subscription: {events:?}"
    );
    let snapshot = &events[0].1["services"];
    let first = snapshot
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service"] == "api")
        .expect("api in the snapshot");
    assert_ne!(first["status"], "SUCCESS", "on its way at first: {first}");
    // `api`'s statuses, in Railway's order, ending healthy.
    let statuses: Vec<&str> = events
        .iter()
        .filter(|(k, v)| k == "deployment" && v["service"] == "api")
        .map(|(_, v)| v["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses.last(), Some(&"SUCCESS"), "{events:?}");
    let order = [
        "INITIALIZING",
        "QUEUED",
        "WAITING",
        "BUILDING",
        "DEPLOYING",
        "SUCCESS",
    ];
    let places: Vec<usize> = statuses
        .iter()
        .map(|s| order.iter().position(|o| o == s).expect("a known status"))
        .collect();
    assert!(places.windows(2).all(|w| w[0] < w[1]), "{statuses:?}");
    let last = events
        .iter()
        .rev()
        .find(|(k, _)| k == "deployment")
        .unwrap();
    assert_eq!(last.1["health"], "ready");

    // Someone without a role in the project: the same 404 as unknown.
    let stranger = user(&store, "stranger");
    store.set_member("other", &stranger, "admin", None).unwrap();
    let (_, other) = token_for(&store, &stranger, "other", "admin");
    let page = get(
        &running,
        "/api/projects/acme-shop/environments/production/live",
        Some(&other),
    )
    .await;
    assert_eq!(page.status, 404, "{}", page.body);
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_finished_job_is_on_the_next_page_not_thirty_seconds_later() {
    let world = shop().await;
    let running = serve_world(&world, serve_config(&world.path(), PROJECT)).await;
    let store = running.store().clone();
    let (_, token) = caller(&store, "alice", "member");
    let accepted: serde_json::Value = reqwest::Client::new()
        .post(format!(
            "http://{}/api/projects/acme-shop/environments",
            running.addr()
        ))
        .bearer_auth(&token)
        .json(&serde_json::json!({
            "template": "pr",
            "name": "alice-live",
            "variables": {
                "PREVIEW_URL": "https://alice-live.shop.example",
                "STRIPE_KEY": { "secret": "env:STRIPE_KEY" },
            },
            "ttl": "2h",
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let job = accepted["job"].as_i64().expect("a job");
    // Read while the job runs: the overview cached says "not created yet"
    // (or already has it, if the job was quicker than this read).
    let page = get(&running, "/projects/acme-shop", Some(&token)).await;
    assert!(page.body.contains(">alice-live</a>"), "{}", page.body);
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        let job = store.job(job).unwrap().expect("the job");
        if !matches!(
            job.state,
            mirage::state::JobState::Queued | mirage::state::JobState::Running
        ) {
            assert_eq!(
                job.state,
                mirage::state::JobState::Done,
                "{:?}",
                job.last_error
            );
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the job ends");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // At once (the cache lives 30 s): the environment with its services.
    let page = get(
        &running,
        "/projects/acme-shop/environments/alice-live",
        Some(&token),
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains(">web</th>") && page.body.contains(">api</th>"),
        "the services of the new environment: {}",
        page.body
    );
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_open_live_stream_does_not_hold_up_a_shutdown() {
    let world = shop().await;
    let running = serve_world(&world, serve_config(&world.path(), PROJECT)).await;
    let store = running.store().clone();
    let (_, token) = caller(&store, "vera", "viewer");
    let mut response = open_live(&running, &token).await;
    // Everything has settled: the stream now idles (a minute) while the
    // browser keeps it open.
    let mut text = String::new();
    while !text.contains("event: settled") {
        let chunk = tokio::time::timeout(Duration::from_secs(30), response.chunk())
            .await
            .expect("events in time")
            .unwrap()
            .expect("the stream open");
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    tokio::time::timeout(Duration::from_secs(10), running.shutdown())
        .await
        .expect("the shutdown does not wait for the open stream");
    // And the browser sees the stream end.
    let rest = tokio::time::timeout(Duration::from_secs(5), response.chunk()).await;
    assert!(
        matches!(rest, Ok(Ok(None)) | Ok(Err(_))),
        "the stream ended: {rest:?}"
    );
}
