//! The dashboard in a real browser: headless Chromium driven over
//! WebDriver ([`support::Browser`]), signing in through the real OpenID
//! provider of `tests/oidc` (its development login and consent forms,
//! filled as a person would), against `serve::start` on a loopback port.
//!
//! The service's public URL is its own loopback origin
//! (`http://127.0.0.1:PORT`): the session cookie is
//! `__Host-mirage_session` with `Secure`, and Chromium treats
//! `http://127.0.0.1` as a secure context, so it keeps it (the test
//! checks that the cookie is there and sent).
//!
//! Skips, saying so, without Chromium/chromedriver or the provider.
//!
//! One browser per test, not per module: a `fantoccini` client lives on
//! the runtime of the `#[tokio::test]` that made it, and each test has its
//! own. Chromium starts in about a second; the journey starts serve and
//! the emulator once and walks every page in one session.

use crate::auth_oidc;
use crate::support::{self, Browser, PATIENCE, PHONE};

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

use mirage::auth::WebhookSecret;
use mirage::serve::{self, Config, Lifecycle, Previews, Running, SigninConfig, Unwired};
use mirage::state::Location;
use mirage::state::{FixedClock, Timestamp};
use serde_json::{Value, json};

const CLIENT: &str = "mirage-browser";
const CLIENT_SECRET: &str = "web-secret-not-real-but-long-enough-0123456789";
const SESSION_COOKIE: &str = "__Host-mirage_session";

/// A free loopback address: the provider must know the service's
/// redirect URI before the service starts.
fn free_addr() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
}

/// Serve, its provider, and the public origin the browser uses.
pub(crate) struct Site {
    pub(crate) running: Running,
    pub(crate) origin: String,
    _provider: auth_oidc::Provider,
    _dir: Option<tempfile::TempDir>,
}

impl Site {
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }
}

/// The provider (with a client redirecting to the service) and serve
/// with sign-in against it, for `project` in `location`, with `previews`
/// (serve's engine); `None` (skipping) without the provider.
pub(crate) async fn site_with(
    project: &str,
    location: Location,
    previews: Arc<dyn Previews>,
    edit: impl FnOnce(&mut Config),
) -> Option<Site> {
    let addr = free_addr();
    let origin = format!("http://{addr}");
    let redirect = format!("{origin}/auth/callback");
    let provider = auth_oidc::start_with(&[("BROWSER_REDIRECT_URI", &redirect)])?;
    serve::log::set_enabled(false);
    let mut config = Config::new(
        addr,
        location,
        project,
        WebhookSecret::new("It's a Secret to Everybody").unwrap(),
    );
    config.gc_every = None;
    config.oidc_issuer = Some(provider.issuer.clone());
    let mut signin = SigninConfig::new(&provider.issuer, CLIENT, &origin).unwrap();
    signin.client_secret = Some(mirage::secrets::SecretString::new(CLIENT_SECRET.to_owned()));
    config.signin = Some(signin);
    edit(&mut config);
    let running = serve::start(config, previews).await.expect("serve starts");
    Some(Site {
        running,
        origin,
        _provider: provider,
        _dir: None,
    })
}

/// [`site_with`] for project `shop` with no engine, in a temporary
/// database.
async fn site(edit: impl FnOnce(&mut Config)) -> Option<Site> {
    let dir = tempfile::tempdir().unwrap();
    let location = Location::File(dir.path().join("state.db"));
    let mut site = site_with("shop", location, Arc::new(Unwired), edit).await?;
    site._dir = Some(dir);
    Some(site)
}

/// Fills the provider's login form as `user` and its consent form until
/// the browser is back on the service's origin.
pub(crate) async fn through_provider(browser: &Browser, site: &Site, user: &str) {
    for _ in 0..10 {
        if browser.current_url().await.starts_with(&site.origin) {
            return;
        }
        let form = browser
            .wait_for(
                "input[name=login], input[name=prompt][value=consent]",
                PATIENCE,
            )
            .await;
        let name = form.attr("name").await.unwrap_or_default();
        if name.as_deref() == Some("login") {
            browser.fill("input[name=login]", user).await;
            browser.fill("input[name=password]", "anything").await;
        }
        let before = browser.current_url().await;
        browser.click("button[type=submit]").await;
        // Wait until the page changes (the form posts, then redirects).
        let deadline = std::time::Instant::now() + PATIENCE;
        while browser.current_url().await == before && std::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
    panic!(
        "the provider never sent the browser back; at {}:\n{}",
        browser.current_url().await,
        browser.source().await
    );
}

/// Signs in as `user` from `/auth/login?return_to=…`; where it ended.
async fn sign_in(browser: &Browser, site: &Site, user: &str, return_to: &str) -> String {
    browser
        .goto(&site.url(&format!("/auth/login?return_to={return_to}")))
        .await;
    through_provider(browser, site, user).await;
    browser.current_url().await
}

/// What `path` answers in this browser as JSON (the page's text).
pub(crate) async fn json_page(browser: &Browser, site: &Site, path: &str) -> Value {
    browser.goto(&site.url(path)).await;
    let text = browser.text("body").await;
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path} is not JSON ({e}): {text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signs_in_through_the_provider() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let Some(site) = site(|_| {}).await else {
        return;
    };
    let started = std::time::Instant::now();

    // Not signed in: `/auth/session` says so.
    let before = json_page(&browser, &site, "/auth/session").await;
    assert!(before["error"]["code"].is_string(), "{before}");
    assert_eq!(browser.cookie(SESSION_COOKIE).await, None);

    let landed = sign_in(&browser, &site, "alice", "/").await;
    assert_eq!(landed, site.url("/"), "back where `return_to` said");

    // Chromium kept the `__Host-` + `Secure` cookie on http://127.0.0.1
    // (a secure context) and sends it back.
    let cookie = browser
        .cookie(SESSION_COOKIE)
        .await
        .expect("the session cookie in the browser");
    assert!(!cookie.is_empty());
    let session = json_page(&browser, &site, "/auth/session").await;
    assert_eq!(session["user"]["sub"], "alice", "{session}");
    assert_eq!(session["user"]["email"], "alice@example.com");
    assert!(session["csrf_token"].is_string());
    // The service has the session the browser holds.
    let rows = site.running.store().sessions_of("alice").unwrap();
    assert_eq!(rows.len(), 1);
    eprintln!("signed in through the provider in {:?}", started.elapsed());
    browser.close().await;
}

/// Serves `html` at `http://127.0.0.1:PORT/` (another origin than the
/// service's: same host, another port) until dropped; its origin.
async fn other_origin(html: String) -> (String, tokio::task::JoinHandle<()>) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buffer = [0u8; 4096];
            let _ = socket.read(&mut buffer).await;
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{html}",
                html.len()
            );
            let _ = socket.write_all(response.as_bytes()).await;
        }
    });
    (origin, task)
}

/// `fetch` in the page: (status, body as JSON). Past the browser's
/// cache: the overview is `Cache-Control: private, max-age=…`.
pub(crate) async fn fetch(
    browser: &Browser,
    method: &str,
    path: &str,
    headers: Value,
) -> (u64, Value) {
    let answer = browser
        .execute_async(
            "const [method, path, headers, done] = arguments; \
             fetch(path, { method, cache: 'no-store', \
                           headers: { 'content-type': 'application/json', ...headers }, \
                            body: method === 'GET' ? undefined : '{\"ttl\":\"1h\"}' }) \
               .then(async r => done([r.status, await r.text()])) \
               .catch(e => done([0, String(e)]));",
            vec![json!(method), json!(path), headers],
        )
        .await;
    let status = answer[0].as_u64().unwrap_or(0);
    let body = answer[1].as_str().unwrap_or_default();
    (status, serde_json::from_str(body).unwrap_or(json!(body)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_posts_are_refused() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let Some(site) = site(|config| config.admins = vec!["alice@example.com".to_owned()]).await
    else {
        return;
    };
    sign_in(&browser, &site, "alice", "/").await;
    let session = json_page(&browser, &site, "/auth/session").await;
    let csrf = session["csrf_token"]
        .as_str()
        .expect("a CSRF token")
        .to_owned();
    let target = "/api/projects/shop/environments/review-1/extend";

    // The page's own origin with the session's token: past the CSRF
    // check, as far as the handler (which has no project files here).
    let (status, body) = fetch(&browser, "POST", target, json!({ "x-csrf-token": csrf })).await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (503, json!("mirage::serve::no_project_files")),
        "{body}"
    );

    // No token, and a token that is not the session's: refused.
    let (status, body) = fetch(&browser, "POST", target, json!({})).await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (403, json!("mirage::auth::csrf")),
        "{body}"
    );
    let (status, body) = fetch(
        &browser,
        "POST",
        target,
        json!({ "x-csrf-token": "forged-0123456789abcdef0123456789abcdef" }),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (403, json!("mirage::auth::csrf")),
        "{body}"
    );
    assert!(body["error"]["help"].is_string(), "{body}");

    // Another origin (same host, another port: same site, so the `Lax`
    // cookie goes along) posting a form to the service, token and all:
    // refused for its `Origin`.
    let html = format!(
        "<!doctype html><html lang=en><title>forged</title><body>\
         <form id=f method=post action=\"{}\">\
         <input type=hidden name=csrf_token value=\"{csrf}\"></form>\
         <script>document.getElementById('f').submit()</script></body></html>",
        site.url(target)
    );
    let (evil, server) = other_origin(html).await;
    browser.goto(&format!("{evil}/")).await;
    let deadline = std::time::Instant::now() + PATIENCE;
    while !browser.current_url().await.starts_with(&site.origin) {
        assert!(
            std::time::Instant::now() < deadline,
            "the forged form never posted"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let text = browser.text("body").await;
    let refused: Value = serde_json::from_str(&text).unwrap_or_else(|_| json!(text));
    assert_eq!(refused["error"]["code"], "mirage::auth::csrf", "{text}");
    server.abort();
    browser.close().await;
}

/// Where the dashboard's screenshots go with `MIRAGE_SCREENSHOTS=1`
/// (`docs/serve.md`, "Screenshots"); `None` on ordinary runs.
pub(crate) fn screenshots() -> Option<std::path::PathBuf> {
    (std::env::var("MIRAGE_SCREENSHOTS").as_deref() == Ok("1"))
        .then(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots"))
}

/// The page now: no serious or critical axe-core violations. (The
/// screenshots are `web_browser_flows`'s, which shows every page as it
/// should be seen: logs loaded, problems shown.)
async fn check_page(browser: &Browser, name: &str) {
    if let Some(violations) = browser.axe().await {
        assert!(
            violations.is_empty(),
            "accessibility violations on {name} ({}):\n{}",
            browser.current_url().await,
            support::describe(&violations)
        );
    }
}

const PROJECT: &str = "acme-shop";

/// The dashboard as Lee walks it (JOURNEYS.md §5): sign in, the projects,
/// a project's environments, an environment's services — each page
/// accessible — then an environment created through the API from the
/// page (the session's CSRF token) that a viewer has no destroy button
/// for (and the API refuses him), and that its owner, an admin, destroys
/// with the page's button and dialog.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_in_journey_through_the_dashboard() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let world = crate::preview::shop().await;
    let clock = Arc::new(FixedClock::at(Timestamp::now()));
    let lifecycle = Lifecycle::new(
        crate::preview::context(&world, clock),
        world.path(),
        mirage::github::ClientOptions::default(),
    )
    .with_wait(std::time::Duration::from_secs(60));
    let location = Location::File(world.path().join(".mirage/state.db"));
    let Some(site) = site_with(PROJECT, location, Arc::new(lifecycle), |config| {
        config.poll = std::time::Duration::from_millis(20);
        config.admins = vec!["alice@example.com".to_owned()];
    })
    .await
    else {
        return;
    };
    let started = std::time::Instant::now();

    // A page without a session sends the browser to sign in, and back.
    browser.goto(&site.url("/")).await;
    through_provider(&browser, &site, "alice").await;
    assert_eq!(browser.current_url().await, site.url("/"));

    // What the API says the project has: the pages must show it.
    let (status, overview) = fetch(
        &browser,
        "GET",
        &format!("/api/projects/{PROJECT}"),
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{overview}");
    let environments: Vec<Value> = overview["environments"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        environments.len() >= 2,
        "production and staging: {overview}"
    );

    // The projects.
    browser.goto(&site.url("/")).await;
    let link = format!("a[href=\"/projects/{PROJECT}\"]");
    assert_eq!(browser.text(&link).await, PROJECT);
    check_page(&browser, "projects").await;

    // The project: a card per environment, linking to its page.
    browser.click(&link).await;
    browser.wait_for("h1", PATIENCE).await;
    assert_eq!(
        browser.current_url().await,
        site.url(&format!("/projects/{PROJECT}"))
    );
    for environment in &environments {
        let name = environment["name"].as_str().unwrap();
        let card = format!("a[href=\"/projects/{PROJECT}/environments/{name}\"]");
        assert_eq!(browser.text(&card).await, name);
    }
    check_page(&browser, "project").await;

    // An environment: its services.
    let production = environments
        .iter()
        .find(|e| e["name"] == "production")
        .expect("production");
    browser
        .click(&format!(
            "a[href=\"/projects/{PROJECT}/environments/production\"]"
        ))
        .await;
    browser.wait_for("#services", PATIENCE).await;
    let text = browser.text("main").await;
    let services = production["services"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(!services.is_empty(), "{production}");
    for service in &services {
        let name = service["name"].as_str().unwrap();
        assert!(text.contains(name), "`{name}` not on the page:\n{text}");
    }
    check_page(&browser, "environment").await;

    // An environment of alice's, created through the API from the page.
    let session = json_page(&browser, &site, "/auth/session").await;
    let csrf = session["csrf_token"].as_str().unwrap().to_owned();
    browser.goto(&site.url("/")).await;
    let created = browser
        .execute_async(
            "const [path, token, done] = arguments; \
             fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': token }, \
               body: JSON.stringify({ template: 'pr', name: 'review-7', ttl: '2h', variables: { \
                 PREVIEW_URL: 'https://review-7.shop.example', STRIPE_KEY: { secret: 'env:STRIPE_KEY' } } }) }) \
             .then(async r => done([r.status, await r.json()])).catch(e => done([0, String(e)]));",
            vec![json!(format!("/api/projects/{PROJECT}/environments")), json!(csrf)],
        )
        .await;
    assert_eq!(created[0], 202, "{created}");
    let job = created[1]["job"].as_i64().expect("a job");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let (_, state) = fetch(&browser, "GET", &format!("/api/jobs/{job}"), json!({})).await;
        if state["state"] == "done" {
            break;
        }
        assert!(
            state["state"] != "failed" && std::time::Instant::now() < deadline,
            "the create job: {state}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    // Its owner (an admin) has a destroy button on the project page.
    browser
        .goto(&site.url(&format!("/projects/{PROJECT}")))
        .await;
    browser
        .wait_for("button[data-action=destroy][data-name=review-7]", PATIENCE)
        .await;

    // Bob, a viewer: the same page, no destroy button at all.
    browser.client().delete_all_cookies().await.unwrap();
    browser.goto(&site.url("/")).await;
    through_provider(&browser, &site, "bob").await;
    let bob = site
        .running
        .store()
        .user_by_subject("bob")
        .unwrap()
        .expect("bob, once signed in");
    site.running
        .store()
        .set_member(PROJECT, &bob.id, "viewer", None)
        .unwrap();
    browser
        .goto(&site.url(&format!("/projects/{PROJECT}")))
        .await;
    let card = "a[href=\"/projects/acme-shop/environments/review-7\"]";
    assert_eq!(browser.text(card).await, "review-7");
    assert!(
        !browser.has("button[data-action=destroy]").await,
        "{}",
        browser.source().await
    );
    check_page(&browser, "project-viewer").await;
    // And the API refuses him a destroy, CSRF token and all.
    let session = json_page(&browser, &site, "/auth/session").await;
    let csrf = session["csrf_token"].as_str().unwrap().to_owned();
    browser.goto(&site.url("/")).await;
    let (status, body) = fetch(
        &browser,
        "DELETE",
        &format!("/api/projects/{PROJECT}/environments/review-7"),
        json!({ "x-csrf-token": csrf }),
    )
    .await;
    assert_eq!(status, 403, "{body}");

    // Alice again destroys it from the page: the button, the dialog that
    // wants the name typed, the script's DELETE with the page's CSRF
    // token, the job followed, the page reloaded without the card.
    browser.client().delete_all_cookies().await.unwrap();
    browser
        .goto(&site.url(&format!("/projects/{PROJECT}")))
        .await;
    through_provider(&browser, &site, "alice").await;
    browser
        .click("button[data-action=destroy][data-name=review-7]")
        .await;
    let confirm = browser
        .wait_for("#confirm-dialog[open] [data-ok]", PATIENCE)
        .await;
    assert!(
        !confirm.is_enabled().await.unwrap(),
        "confirm before the name is typed"
    );
    browser.fill("#confirm-typed", "review-7").await;
    assert!(confirm.is_enabled().await.unwrap());
    confirm.click().await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while browser.has(card).await {
        assert!(
            std::time::Instant::now() < deadline,
            "review-7 is still shown"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let (_, overview) = fetch(
        &browser,
        "GET",
        &format!("/api/projects/{PROJECT}"),
        json!({}),
    )
    .await;
    let names: Vec<&str> = overview["environments"]
        .as_array()
        .map(|e| e.iter().filter_map(|e| e["name"].as_str()).collect())
        .unwrap_or_default();
    assert!(!names.contains(&"review-7"), "{names:?}");
    eprintln!("the journey took {:?}", started.elapsed());
    browser.close().await;
}

/// The harness's accessibility check finds what it must: a page with an
/// image without `alt` and no `lang` (axe's `image-alt`, critical, and
/// `html-has-lang`, serious) — so an empty list on the dashboard's pages
/// means something.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axe_reports_serious_violations() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    browser
        .goto("data:text/html,<html><head><title>t</title><meta name=viewport content=\"width=device-width\"></head><body><main><img src=x.png></main></body></html>")
        .await;
    let Some(violations) = browser.axe().await else {
        return;
    };
    let ids: Vec<&str> = violations.iter().map(|v| v.id.as_str()).collect();
    assert!(
        ids.contains(&"image-alt"),
        "{}",
        support::describe(&violations)
    );
    assert!(
        ids.contains(&"html-has-lang"),
        "{}",
        support::describe(&violations)
    );
    assert!(support::describe(&violations).contains("<img src=\"x.png\">"));
    // The phone size is the viewport's (a window is 500 px wide at
    // least), as a phone lays out a page made for it.
    browser.set_size(PHONE).await;
    assert_eq!(
        browser.viewport().await,
        (u64::from(PHONE.0), u64::from(PHONE.1))
    );
    browser.close().await;
}
